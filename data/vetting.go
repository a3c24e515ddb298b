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
)

// VettingStatuses lists every VettingStatus.
var VettingStatuses = []VettingStatus{VettingPending, VettingApproved, VettingRejected, VettingSuspended}

// Valid reports whether s is one of VettingStatuses.
func (s VettingStatus) Valid() bool { return oneOf(s, VettingStatuses) }

// Decision is what a coordinator decides about a record.
type Decision string

// The decisions.
const (
	DecisionApprove Decision = "approve"
	DecisionReject  Decision = "reject"
	DecisionSuspend Decision = "suspend"
)

// Decisions lists every Decision.
var Decisions = []Decision{DecisionApprove, DecisionReject, DecisionSuspend}

// transitions lists, for each decision, the statuses it may be taken from:
// pending → approved | rejected, approved → suspended → approved.
var transitions = map[Decision]struct {
	from []VettingStatus
	to   VettingStatus
}{
	DecisionApprove: {[]VettingStatus{VettingPending, VettingSuspended}, VettingApproved},
	DecisionReject:  {[]VettingStatus{VettingPending}, VettingRejected},
	DecisionSuspend: {[]VettingStatus{VettingApproved}, VettingSuspended},
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
// and a *ValidationError when d is not a Decision.
func (v Vetting) Decide(d Decision, by string, at time.Time, note string) (Vetting, error) {
	t, ok := transitions[d]
	if !ok {
		return v, &ValidationError{Errors: []FieldError{{"decision", "must be one of " + list(Decisions)}}}
	}
	if !oneOf(v.Status, t.from) {
		return v, &TransitionError{From: v.Status, Decision: d}
	}
	return Vetting{Status: t.to, DecidedBy: by, DecidedAt: Timestamp(at), Note: note}, nil
}

// Expiry is one dated item of a record that lapses: a clearance, a training
// or a qualification.
type Expiry struct {
	Item    string // "clearance", "training.<kind>" or "qualification.<kind>"
	Expires Date
}

// ExpiringBy lists the items of the record that lapse on or before `until`,
// including those already lapsed, soonest first.
func (in Interpreter) ExpiringBy(until Date) []Expiry {
	var out []Expiry
	add := func(item string, d Date) {
		if !d.IsZero() && !d.After(until) {
			out = append(out, Expiry{Item: item, Expires: d})
		}
	}
	if in.Clearance.Level != "" {
		add("clearance", in.Clearance.ValidUntil)
	}
	for _, t := range in.Training {
		add("training."+string(t.Kind), t.Expires)
	}
	for _, q := range in.Qualifications {
		add("qualification."+string(q.Kind), q.Expires)
	}
	return out
}
