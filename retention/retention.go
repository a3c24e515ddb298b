// Package retention is how long tolk keeps each class of record and what
// it does then: the policy (defaults, overridden by a YAML file like the
// matching policy) and the cutoff each class sets at an instant. It is
// pure: no I/O, no clock. Package app applies it.
//
// Every class of the specification is here, and each one's action is
// what the service does: a file may change a period, and may only name
// an action its class has (deleting a booking would change the counts
// reports give for its year, so bookings are anonymised, never deleted).
package retention

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Action is what happens to a record whose period has passed.
type Action string

// The actions.
const (
	// Anonymise keeps a record's IDs, dates, codes and counts and
	// removes what could name or locate someone (for messages: the
	// body, the subject and the address).
	Anonymise Action = "anonymise"
	// Delete removes the record (sessions, sign-in audit entries: no
	// report counts them).
	Delete Action = "delete"
	// Keep keeps the record as it is: unmet need (no personal data) and
	// safeguarding exclusions (kept with their reason).
	Keep Action = "keep"
)

// Name names a class of record, as a policy file and the preview do.
type Name string

// The classes.
const (
	Bookings     Name = "bookings"
	Offers       Name = "offers"
	Cases        Name = "cases"
	Interpreters Name = "interpreters"
	Exclusions   Name = "exclusions"
	Sessions     Name = "sessions"
	SignIns      Name = "signIns"
	Messages     Name = "messages"
	UnmetNeed    Name = "unmetNeed"
)

// Names lists every class, in the order the preview shows them.
var Names = []Name{Bookings, Offers, Cases, Interpreters, Exclusions, Sessions, SignIns, Messages, UnmetNeed}

// Class is one class of record: kept for Years and Days after its
// Trigger, then Action. A class whose action is Keep has no period.
type Class struct {
	Name    Name
	Trigger string // what the period counts from, in words of the API
	Years   int
	Days    int
	Action  Action
}

// Policy is the retention policy, class by class.
type Policy struct {
	// Bookings: from the interview's end.
	Bookings Class
	// Offers: from the interview's end, like the booking an offer made.
	Offers Class
	// Cases: from the case's closing (a case never closed is kept).
	Cases Class
	// Interpreters: from leaving the register (vetting status left).
	Interpreters Class
	// Exclusions: an interpreter's exclusion from a case, with its
	// reason; kept when the case and the interpreter are anonymised.
	Exclusions Class
	// Sessions: from the session's absolute expiry.
	Sessions Class
	// SignIns: sign-in audit entries (sessions started, ended, expired,
	// revoked; failed sign-ins; sign-in links sent), from the entry.
	SignIns Class
	// Messages: a settled message's (sent, dead, superseded) address,
	// subject and bodies, from its making; its kind, status and dates stay.
	Messages Class
	// UnmetNeed: kept, it holds no personal data.
	UnmetNeed Class
}

// Default is the policy without a file: bookings, offers, cases after
// closing and interpreter records after leaving anonymised six years on
// (the limitation period for most claims in England and Wales, the usual
// basis councils give); sessions and sign-in audit deleted after two
// years; a sent message's body removed after 90 days (long enough to
// answer "what was I sent?" about a recent booking; the message itself
// stays); exclusions and unmet need kept.
func Default() Policy {
	return Policy{
		Bookings:     Class{Name: Bookings, Trigger: "interview_end", Years: 6, Action: Anonymise},
		Offers:       Class{Name: Offers, Trigger: "interview_end", Years: 6, Action: Anonymise},
		Cases:        Class{Name: Cases, Trigger: "case_closed", Years: 6, Action: Anonymise},
		Interpreters: Class{Name: Interpreters, Trigger: "left_register", Years: 6, Action: Anonymise},
		Exclusions:   Class{Name: Exclusions, Trigger: "none", Action: Keep},
		Sessions:     Class{Name: Sessions, Trigger: "session_expiry", Years: 2, Action: Delete},
		SignIns:      Class{Name: SignIns, Trigger: "entry", Years: 2, Action: Delete},
		Messages:     Class{Name: Messages, Trigger: "message_created", Days: 90, Action: Anonymise},
		UnmetNeed:    Class{Name: UnmetNeed, Trigger: "none", Action: Keep},
	}
}

// Classes returns the policy's classes in the order of Names.
func (p Policy) Classes() []Class {
	return []Class{p.Bookings, p.Offers, p.Cases, p.Interpreters, p.Exclusions, p.Sessions, p.SignIns, p.Messages, p.UnmetNeed}
}

// class returns a pointer to the class named n, nil when none is.
func (p *Policy) class(n Name) *Class {
	for _, c := range []*Class{&p.Bookings, &p.Offers, &p.Cases, &p.Interpreters, &p.Exclusions, &p.Sessions, &p.SignIns, &p.Messages, &p.UnmetNeed} {
		if c.Name == n {
			return c
		}
	}
	return nil
}

// MaxYears bounds a class's period in years; MaxDays in days.
const (
	MaxYears = 100
	MaxDays  = 36500
)

// Cutoff is the trigger before which a record of the class is due at
// now: now less the class's years and days, in UTC. Zero for a class
// that keeps its records.
func (c Class) Cutoff(now time.Time) time.Time {
	if c.Action == Keep {
		return time.Time{}
	}
	return now.UTC().AddDate(-c.Years, 0, -c.Days)
}

// BookingsCutoff is the end before which a booking is due at now.
func (p Policy) BookingsCutoff(now time.Time) time.Time { return p.Bookings.Cutoff(now) }

// actions lists the actions each class may take: what the service does
// for it.
var actions = map[Name][]Action{
	Bookings: {Anonymise}, Offers: {Anonymise}, Cases: {Anonymise}, Interpreters: {Anonymise},
	Exclusions: {Keep}, Sessions: {Delete}, SignIns: {Delete}, Messages: {Anonymise}, UnmetNeed: {Keep},
}

// why says, per class with one action, why no other is taken.
var why = map[Name]string{
	Bookings:   " (deleting would change the counts of past reports)",
	Offers:     " (deleting would change the counts of past reports)",
	Cases:      " (deleting would orphan its bookings and offers)",
	Exclusions: " (a safeguarding exclusion is kept with its reason)",
	UnmetNeed:  " (unmet-need records hold no personal data)",
	Sessions:   " (a session is of no use once expired)",
	SignIns:    " (a sign-in entry is of no use once its period passed)",
}

// Parse reads a policy file: the defaults, overridden class by class, as
//
//	bookings: {years: 8, action: anonymise}
//	messages: {days: 30}
//	unmetNeed: {action: keep}
//
// Unknown classes and keys, periods outside 1 to MaxYears years (0 to
// MaxDays days; a period of nothing is refused), a period on a class that
// keeps its records, and an action the class does not take are refused
// with a message naming the key.
func Parse(b []byte) (Policy, error) {
	p := Default()
	var doc map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return p, nil
	} else if err != nil {
		return Policy{}, fmt.Errorf("retention policy: %w", err)
	}
	var problems []string
	for _, name := range sortedKeys(doc) {
		node := doc[name]
		c := p.class(Name(name))
		if c == nil {
			problems = append(problems, fmt.Sprintf("%s: unknown class (classes: %s)", name, list(Names)))
			continue
		}
		if err := parseClass(c, &node); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return Policy{}, fmt.Errorf("retention policy: %s", strings.Join(problems, "; "))
	}
	return p, nil
}

func parseClass(c *Class, node *yaml.Node) error {
	name := string(c.Name)
	var keys map[string]yaml.Node
	if err := node.Decode(&keys); err != nil {
		return fmt.Errorf("%s: must be a mapping of years, days and action", name)
	}
	for k := range keys {
		if k != "years" && k != "days" && k != "action" {
			return fmt.Errorf("%s.%s: unknown key (years, days, action)", name, k)
		}
	}
	var raw struct {
		Years  *int   `yaml:"years"`
		Days   *int   `yaml:"days"`
		Action string `yaml:"action"`
	}
	if err := node.Decode(&raw); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if raw.Action != "" {
		if !slices.Contains(actions[c.Name], Action(raw.Action)) {
			return fmt.Errorf("%s.action: must be %s%s", name, list(actions[c.Name]), why[c.Name])
		}
		c.Action = Action(raw.Action)
	}
	if c.Action == Keep {
		if raw.Years != nil || raw.Days != nil {
			return fmt.Errorf("%s: its records are kept, so it has no period (action: keep)", name)
		}
		return nil
	}
	if raw.Years == nil && raw.Days == nil {
		return nil
	}
	years, days := 0, 0
	if raw.Years != nil {
		if *raw.Years < 0 || *raw.Years > MaxYears || (*raw.Years == 0 && raw.Days == nil) {
			return fmt.Errorf("%s.years: must be from 1 to %d", name, MaxYears)
		}
		years = *raw.Years
	}
	if raw.Days != nil {
		if *raw.Days < 0 || *raw.Days > MaxDays {
			return fmt.Errorf("%s.days: must be from 0 to %d", name, MaxDays)
		}
		days = *raw.Days
	}
	if years == 0 && days == 0 {
		return fmt.Errorf("%s: the period must be at least a day (years, days)", name)
	}
	c.Years, c.Days = years, days
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func list[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
