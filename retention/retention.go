// Package retention is how long tolk keeps each class of record and what
// it does then: the policy (defaults, overridden by a YAML file like the
// matching policy) and the cutoff it sets at an instant. It is pure: no
// I/O, no clock. Package app applies it.
//
// Applied today: the class bookings (trigger: the interview's end;
// action: anonymise). The other classes of the specification (offers,
// cases after closing, interpreter records after they leave the register,
// sessions and sign-in audit) are refused by name in a policy file until
// they are applied, so a file never promises what the service does not do.
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

// The actions. Only anonymise is applied today: deleting a booking would
// change the counts reports give for its year.
const (
	Anonymise Action = "anonymise"
)

// Class is one class of record: kept for Years after its trigger, then
// Action.
type Class struct {
	Years  int
	Action Action
}

// Policy is the retention policy, class by class.
type Policy struct {
	// Bookings: triggered by the interview's end. Offers made for an
	// interview follow it when their class is applied.
	Bookings Class
}

// Default is the policy without a file: bookings anonymised six years
// after the interview (the limitation period for most claims in England
// and Wales, the usual basis councils give).
func Default() Policy {
	return Policy{Bookings: Class{Years: 6, Action: Anonymise}}
}

// MaxYears bounds a class's period.
const MaxYears = 100

// BookingsCutoff is the end before which a booking is due at now: now
// less the class's years, in UTC.
func (p Policy) BookingsCutoff(now time.Time) time.Time {
	return now.UTC().AddDate(-p.Bookings.Years, 0, 0)
}

// classes that a file may name: those applied today.
var applied = []string{"bookings"}

// notYet are the specification's classes not applied today.
var notYet = []string{"offers", "cases", "interpreters", "sessions", "signins", "unmetNeed"}

// Parse reads a policy file: the defaults, overridden by
//
//	bookings: {years: 6, action: anonymise}
//
// Unknown keys, classes not applied yet, periods outside 1 to MaxYears
// and other actions are refused with a message naming the key.
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
	for name, node := range doc {
		switch {
		case name == "bookings":
			c, err := parseClass(name, &node)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			p.Bookings = c
		case slices.Contains(notYet, name):
			problems = append(problems, fmt.Sprintf("%s: this class is not applied yet (applied: %s)", name, strings.Join(applied, ", ")))
		default:
			problems = append(problems, fmt.Sprintf("%s: unknown class (applied: %s)", name, strings.Join(applied, ", ")))
		}
	}
	if len(problems) > 0 {
		return Policy{}, fmt.Errorf("retention policy: %s", strings.Join(problems, "; "))
	}
	return p, nil
}

func parseClass(name string, node *yaml.Node) (Class, error) {
	var raw struct {
		Years  *int   `yaml:"years"`
		Action string `yaml:"action"`
	}
	var keys map[string]yaml.Node
	if err := node.Decode(&keys); err != nil {
		return Class{}, fmt.Errorf("%s: must be a mapping of years and action", name)
	}
	for k := range keys {
		if k != "years" && k != "action" {
			return Class{}, fmt.Errorf("%s.%s: unknown key (years, action)", name, k)
		}
	}
	if err := node.Decode(&raw); err != nil {
		return Class{}, fmt.Errorf("%s: %v", name, err)
	}
	c := Default().Bookings
	if raw.Years != nil {
		if *raw.Years < 1 || *raw.Years > MaxYears {
			return Class{}, fmt.Errorf("%s.years: must be from 1 to %d", name, MaxYears)
		}
		c.Years = *raw.Years
	}
	if raw.Action != "" {
		if Action(raw.Action) != Anonymise {
			return Class{}, fmt.Errorf("%s.action: must be anonymise (deleting would change the counts of past reports)", name)
		}
		c.Action = Anonymise
	}
	return c, nil
}
