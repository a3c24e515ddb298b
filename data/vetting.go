package data

import (
	"fmt"
	"time"
)

// Vetting is a coordinator's decision on an interpreter record.
type Vetting struct {
	Status    VettingStatus
	DecidedBy string // user ID of the coordinator who decided last
	DecidedAt time.Time
	Note      string // sensitive: coordinators only
}

// VettingStatus is where a record stands in vetting.
type VettingStatus string

// The vetting statuses. Only approved interpreters can be matched or booked.
const (
	VettingPending   VettingStatus = "pending"
	VettingApproved  VettingStatus = "approved"
	VettingRejected  VettingStatus = "rejected"
	VettingSuspended VettingStatus = "suspended"
	// VettingLeft is a record whose interpreter left the register: never
	// matched or offered again; retention counts its period from the
	// leaving (Vetting.DecidedAt). A final state: an interpreter who
	// comes back is vetted afresh on a new record.
	VettingLeft VettingStatus = "left"
)

// VettingStatuses lists every VettingStatus.
var VettingStatuses = []VettingStatus{VettingPending, VettingApproved, VettingRejected, VettingSuspended, VettingLeft}

// Valid reports whether s is one of VettingStatuses.
func (s VettingStatus) Valid() bool { return oneOf(s, VettingStatuses) }

// Decision is what a coordinator decides about a record.
type Decision string

// The decisions.
const (
	DecisionApprove Decision = "approve"
	DecisionReject  Decision = "reject"
	DecisionSuspend Decision = "suspend"
	// DecisionLeave records that the interpreter left the register.
	DecisionLeave Decision = "leave"
)

// Decisions lists every Decision.
var Decisions = []Decision{DecisionApprove, DecisionReject, DecisionSuspend, DecisionLeave}

// transitions lists, for each decision, the statuses it may be taken from:
// pending → approved | rejected, approved → suspended → approved, and
// any status but left → left.
var transitions = map[Decision]struct {
	from []VettingStatus
	to   VettingStatus
}{
	DecisionApprove: {[]VettingStatus{VettingPending, VettingSuspended}, VettingApproved},
	DecisionReject:  {[]VettingStatus{VettingPending}, VettingRejected},
	DecisionSuspend: {[]VettingStatus{VettingApproved}, VettingSuspended},
	DecisionLeave:   {[]VettingStatus{VettingPending, VettingApproved, VettingRejected, VettingSuspended}, VettingLeft},
}

// TransitionError says a decision cannot be taken from the current status.
// It matches ErrTransition under errors.Is.
type TransitionError struct {
	From     VettingStatus
	Decision Decision
}

// Error names the current status and the refused decision.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s an interpreter whose vetting status is %s", e.Decision, e.From)
}

// Is reports whether target is ErrTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// Decide returns the vetting that follows decision d, taken by user `by` at
// `at` with `note`; a *TransitionError when d is not allowed from v.Status,
// and a *ValidationError when d is not a Decision or the note is too long
// or holds control characters other than tab and line breaks.
func (v Vetting) Decide(d Decision, by string, at time.Time, note string) (Vetting, error) {
	var p problems
	t, ok := transitions[d]
	if !ok {
		p.add("decision", "must be one of "+list(Decisions))
	}
	p.text("note", note, MaxNoteLength, prose)
	if err := p.err(); err != nil {
		return v, err
	}
	if !oneOf(v.Status, t.from) {
		return v, &TransitionError{From: v.Status, Decision: d}
	}
	return Vetting{Status: t.to, DecidedBy: by, DecidedAt: Timestamp(at), Note: note}, nil
}

// Renewal is one item of a record that lapses or is missing: a clearance,
// a training, a qualification or the signed confidentiality agreement.
type Renewal struct {
	Item    string // "clearance", "agreements.confidentiality", "training.<kind>", "qualification.<kind>"
	Expires Date   // zero when Missing
	// Missing means the record lacks an item every interview needs: a
	// clearance, a signed confidentiality agreement, or any child
	// protection training (every interview type requires at least level 1).
	Missing bool
}

// Renewals lists every item of the record that needs a coordinator's
// attention by renewal time: each dated item (clearance, training,
// qualification) with its expiry, and each item every interview needs but
// the record lacks. Items without an expiry are not listed.
func (in Interpreter) Renewals() []Renewal {
	var out []Renewal
	dated := func(item string, d Date) {
		if !d.IsZero() {
			out = append(out, Renewal{Item: item, Expires: d})
		}
	}
	if in.Clearance.Level == "" {
		out = append(out, Renewal{Item: "clearance", Missing: true})
	} else {
		dated("clearance", in.Clearance.ValidUntil)
	}
	if in.Agreements.ConfidentialitySigned.IsZero() {
		out = append(out, Renewal{Item: "agreements.confidentiality", Missing: true})
	}
	childProtection := false
	for _, t := range in.Training {
		switch t.Kind {
		case TrainingChildProtectionL1, TrainingChildProtectionL2, TrainingChildProtectionL3:
			childProtection = true
		}
		dated("training."+string(t.Kind), t.Expires)
	}
	if !childProtection {
		out = append(out, Renewal{Item: "training.child_protection", Missing: true})
	}
	for _, q := range in.Qualifications {
		dated("qualification."+string(q.Kind), q.Expires)
	}
	return out
}

// RenewalKeys returns the dates under which stores index the record for the
// renewal report: each dated renewal's YYYY-MM-DD, and "" (which sorts
// before every date) when an item is missing. Each date appears once.
func (in Interpreter) RenewalKeys() []string {
	var keys []string
	for _, r := range in.Renewals() {
		k := r.Expires.String() // "" when missing
		if !oneOf(k, keys) {
			keys = append(keys, k)
		}
	}
	return keys
}
