package data

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Case is what a social worker records about an interview need. It holds no
// child's name, by design: the organisation's own Reference identifies it.
// A case belongs to the organisation of the user who created it.
type Case struct {
	ID           string
	Organisation string
	Reference    string
	// LinkedReferences are references of linked cases (co-defendants,
	// siblings, the criminal case); an interpreter with a "case" community
	// link to any of them, or to Reference, has a conflict.
	LinkedReferences     []string
	Child                Child
	ExcludedInterpreters []CaseExclusion
	// LegalHold stops retention acting on the case and its bookings
	// (set by a coordinator, see app.SetLegalHold).
	LegalHold bool
	// Closed is when the case was closed (zero while open): a closed case
	// takes no new match, booking or offer, and retention counts its
	// period from its closing (see app.CloseCase).
	Closed time.Time
	// Anonymised is when retention anonymised the case (see
	// Case.Anonymise); zero until then.
	Anonymised time.Time
	CreatedBy  string // user ID
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// TransferPending is the ID of the case's transfer to another
	// organisation that awaits an answer ("" for none); TransferredTo,
	// the organisation an accepted transfer moved the case to when its
	// sender chose to mark the case so ("" while it stays open). Both
	// change only with the transfer (TransferStore). TransferredTo is a
	// field of its own, not a case state: the case keeps its other
	// states as they are.
	TransferPending string
	TransferredTo   string
	// TransferredFrom is the ID of the transfer the case was accepted
	// from ("" for a case recorded here); it never changes.
	TransferredFrom string
	// Continuity is what the organisation that sent the case learned of
	// the child with interpreters (see Continuity): matching treats it as
	// this case's own history.
	Continuity []Continuity
}

// CaseState is whether a case is open or closed.
type CaseState string

// The case states.
const (
	CaseOpen   CaseState = "open"
	CaseClosed CaseState = "closed"
)

// State says whether the case is open or closed.
func (c Case) State() CaseState {
	if c.Closed.IsZero() {
		return CaseOpen
	}
	return CaseClosed
}

// CheckOpen refuses, with a *StateError coded "case_closed", anything
// new for a closed case: a match, a booking, an offer, an acceptance.
func (c Case) CheckOpen() error {
	if c.Closed.IsZero() {
		return nil
	}
	return &StateError{Code: "case_closed", Reason: fmt.Sprintf("the case's state is closed (since %s): reopen it to match, book or offer for it",
		c.Closed.UTC().Format("2006-01-02"))}
}

// CaseQuery selects one organisation's cases, newest first.
type CaseQuery struct {
	Organisation string // required
	Before       string // cursor: cases whose ID sorts before it (older)
	Limit        int
}

// Child is what the case says about the child's needs: never a name.
type Child struct {
	// Languages are canonical BCP 47 tags; the first is preferred.
	Languages         []string
	InterpreterGender GenderWish
	// CommunityLinks are the child's own ties and those of the people who
	// exploited them, compared with interpreters' links as conflicts.
	CommunityLinks []CommunityLink
	// AvoidOwnCommunity: the child asked not to have an interpreter from
	// their community, so a shared country or region link is a conflict too.
	AvoidOwnCommunity bool
	AgeBand           AgeBand
}

// GenderWish is the child's wish about the interpreter's gender. Preference
// zero means none; Required turns the preference into a hard rule.
type GenderWish struct {
	Preference Gender
	Required   bool
}

// GenderPreferences lists the genders a child may ask for: every Gender
// but GenderUndisclosed.
var GenderPreferences = []Gender{GenderFemale, GenderMale, GenderNonbinary}

// AgeBand is the child's age range; no date of birth is kept.
type AgeBand string

// The age bands.
const (
	AgeUnder6   AgeBand = "0-5"
	Age6To11    AgeBand = "6-11"
	Age12To15   AgeBand = "12-15"
	Age16To17   AgeBand = "16-17"
	AgeDisputed AgeBand = "disputed"
)

// AgeBands lists every AgeBand.
var AgeBands = []AgeBand{AgeUnder6, Age6To11, Age12To15, Age16To17, AgeDisputed}

// CaseExclusion names an interpreter who must never be offered for the case.
type CaseExclusion struct {
	InterpreterID string
	Reason        string
}

// Limits on a case's lists and text.
const (
	// MaxReferenceLength bounds a case's reference and each linked one.
	MaxReferenceLength = 100
	// MaxCaseList bounds each of a case's lists but the child's community
	// links: linked references, excluded interpreters.
	MaxCaseList = 50
	// MaxCaseLinks bounds the child's community links. Matching excludes
	// an interpreter who shares one, so each link is also a guess at an
	// interpreter's declared ties that a match answers: fewer links, fewer
	// guesses per version of the case (see matching.Policy's limits on
	// changing them).
	MaxCaseLinks = 20
	// MaxChildLanguages bounds the languages a case lists for the child.
	MaxChildLanguages = 10
	// MaxReasonLength bounds the reason an interpreter is excluded.
	MaxReasonLength = 500
)

// Normalize puts a case into canonical form before validation: language
// tags canonical, community link codes upper-cased, text trimmed.
func (c *Case) Normalize() {
	c.Reference = strings.TrimSpace(c.Reference)
	for i, r := range c.LinkedReferences {
		c.LinkedReferences[i] = strings.TrimSpace(r)
	}
	for i, tag := range c.Child.Languages {
		if canonical, err := CanonicalLanguage(tag); err == nil {
			c.Child.Languages[i] = canonical
		}
	}
	normalizeLinks(c.Child.CommunityLinks)
	for i := range c.ExcludedInterpreters {
		e := &c.ExcludedInterpreters[i]
		e.InterpreterID, e.Reason = strings.TrimSpace(e.InterpreterID), strings.TrimSpace(e.Reason)
	}
}

// Validate checks every invariant of a case and returns a *ValidationError
// naming each field that breaks one. Call Normalize first. Text is checked
// for length and control characters before it is parsed.
func (c Case) Validate() error {
	var p problems
	if !organisationPattern.MatchString(c.Organisation) {
		p.add("organisation", "must be an organisation name")
	}
	if c.Reference == "" {
		p.add("reference", "is required")
	} else {
		p.text("reference", c.Reference, MaxReferenceLength, oneLine)
	}
	for i, r := range within(&p, "linkedReferences", c.LinkedReferences, MaxCaseList, "references") {
		f := fmt.Sprintf("linkedReferences[%d]", i)
		if r == "" {
			p.add(f, fmt.Sprintf("must be 1-%d characters", MaxReferenceLength))
		} else {
			p.text(f, r, MaxReferenceLength, oneLine)
		}
	}
	child := c.Child
	if len(child.Languages) == 0 {
		p.add("child.languages", "must list at least one language")
	}
	seen := map[string]bool{}
	for i, tag := range within(&p, "child.languages", child.Languages, MaxChildLanguages, "languages") {
		f := fmt.Sprintf("child.languages[%d].tag", i)
		if canonical, err := CanonicalLanguage(tag); err != nil {
			p.add(f, err.Error())
		} else if seen[canonical] {
			p.add(f, canonical+" is listed twice")
		} else {
			seen[canonical] = true
		}
	}
	if g := child.InterpreterGender; g.Preference != "" && !oneOf(g.Preference, GenderPreferences) {
		p.add("child.interpreterGender.preference", "must be one of "+list(GenderPreferences))
	} else if g.Required && g.Preference == "" {
		p.add("child.interpreterGender.preference", "is required when the gender is required")
	}
	validateLinks(&p, "child.communityLinks", within(&p, "child.communityLinks", child.CommunityLinks, MaxCaseLinks, "links"))
	if child.AgeBand != "" && !oneOf(child.AgeBand, AgeBands) {
		p.add("child.ageBand", "must be one of "+list(AgeBands))
	}
	for i, e := range within(&p, "excludedInterpreters", c.ExcludedInterpreters, MaxCaseList, "interpreters") {
		f := fmt.Sprintf("excludedInterpreters[%d]", i)
		if e.InterpreterID == "" {
			p.add(f+".interpreterId", "is required (an interpreter ID)")
		} else {
			p.text(f+".interpreterId", e.InterpreterID, MaxIDLength, oneLine)
		}
		p.text(f+".reason", e.Reason, MaxReasonLength, prose)
	}
	for i, x := range within(&p, "continuity", c.Continuity, MaxCaseList, "interpreters") {
		if x.InterpreterID == "" {
			p.add(fmt.Sprintf("continuity[%d].interpreterId", i), "is required (an interpreter ID)")
		} else {
			p.text(fmt.Sprintf("continuity[%d].interpreterId", i), x.InterpreterID, MaxIDLength, oneLine)
		}
	}
	return p.err()
}

// Transferred reports whether the case was transferred to another
// organisation and marked so: it takes no new interviews.
func (c Case) Transferred() bool { return c.TransferredTo != "" }

// CaseStore keeps cases.
type CaseStore interface {
	// CreateCase stores a new case, which must already carry its ID,
	// Version 1 and timestamps, with its change. ErrDuplicate when the ID
	// is taken; nothing is written then.
	CreateCase(ctx context.Context, c Case, ch Change) error
	// Case returns the case with this ID, or ErrNotFound.
	Case(ctx context.Context, id string) (Case, error)
	// UpdateCase changes the case with this ID through fn (see Update) and
	// returns what it stored, at the version read plus one. ErrNotFound
	// when no case has the ID; ErrInvalid when fn changes the ID,
	// organisation or creation time. Nothing is written on error.
	UpdateCase(ctx context.Context, id string, fn Update[Case]) (Case, error)
	// ListCases returns one organisation's cases, newest first.
	// ErrInvalid without an organisation.
	ListCases(ctx context.Context, q CaseQuery) (Page[Case], error)
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a case never changes: its ID, organisation, author and creation
// time.
func (c Case) CheckUpdate(old Case) error {
	var p problems
	p.same("id", c.ID, old.ID)
	p.same("organisation", c.Organisation, old.Organisation)
	p.same("createdBy", c.CreatedBy, old.CreatedBy)
	p.same("transferredFrom", c.TransferredFrom, old.TransferredFrom)
	p.sameTime("createdAt", c.CreatedAt, old.CreatedAt)
	return p.err()
}
