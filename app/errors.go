package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Kind is the class of an error: what the caller can do about it. Both
// front doors map a Kind to their own answer (api to an HTTP status and a
// problem, web to a page), and nothing else: an error is classified once,
// here, by Classify.
type Kind int

// The kinds of error.
const (
	// KindInternal is a fault of the service or its store: nothing the
	// caller did, nothing to tell them but a reference.
	KindInternal Kind = iota
	// KindInvalid is a request with bad fields (Failure.Fields names them).
	KindInvalid
	// KindUnauthenticated is a request without a valid credential.
	KindUnauthenticated
	// KindForbidden is an actor whose role or organisation may not do this.
	KindForbidden
	// KindNotFound is a record that does not exist, or not for this actor.
	KindNotFound
	// KindConflict is a change the record's current state refuses: a
	// duplicate, a transition not allowed now, a booking in the way, a
	// write that lost to another.
	KindConflict
	// KindStale is a conditional change naming a version that is no longer
	// current.
	KindStale
	// KindUnprocessable is a well-formed request the rules refuse: an
	// ineligible interpreter, a reused idempotency key.
	KindUnprocessable
	// KindUnavailable is a store that cannot answer now, or a request
	// cancelled or timed out: the caller may retry.
	KindUnavailable
	// KindGone is a single-use link that has been used, has expired or
	// was withdrawn.
	KindGone
)

// Failure is an error as the front doors present it: its kind, a stable
// code for machines and a message safe to show anyone (never internal
// detail), with what the kind needs beside.
type Failure struct {
	Kind    Kind
	Code    string
	Message string
	// Fields lists the bad fields of a KindInvalid failure, and More counts
	// those beyond data.MaxFieldErrors.
	Fields []data.FieldError
	More   int
	// Reasons lists every hard rule an ineligible interpreter fails, and
	// Invitees each invitee's of an offer nobody could be asked for.
	Reasons  []data.Reason
	Invitees []InviteeReasons
	// Conflict is the booking in the way of a booking_conflict: its ID is
	// empty when it belongs to another organisation (the slot only).
	Conflict *data.Booking
	// CaseBooked is what the case already has for the slot of a
	// case_already_booked.
	CaseBooked *CaseBookedError
}

// Error is an error with its classification fixed where it is made: what
// a front door returns for a refusal that is its own (a malformed body, a
// missing header) so that it goes through the same table as the app's.
type Error struct{ Failure }

// Error returns the code and message.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Fail returns an *Error of this kind, code and message.
func Fail(kind Kind, code, format string, args ...any) error {
	return &Error{Failure{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}}
}

// Classify returns err's Failure. It is the one classification of errors:
// api and web map its Kind and never look at err themselves.
func Classify(err error) Failure {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Failure
	}
	if ve, ok := errors.AsType[*data.ValidationError](err); ok {
		return Failure{Kind: KindInvalid, Code: "validation_failed", Message: "the request has invalid fields; see errors",
			Fields: ve.Errors, More: ve.More}
	}
	if ie, ok := errors.AsType[*IneligibleError](err); ok {
		if len(ie.Invitees) > 0 {
			return Failure{Kind: KindUnprocessable, Code: "ineligible",
				Message: "no interpreter asked may take this interview; see each one's reasons", Reasons: ie.Reasons, Invitees: ie.Invitees}
		}
		return Failure{Kind: KindUnprocessable, Code: "ineligible",
			Message: "the interpreter fails a hard rule for this interview; see reasons", Reasons: ie.Reasons}
	}
	if oe, ok := errors.AsType[*data.OverlapError](err); ok {
		existing := oe.Existing
		f := Failure{Kind: KindConflict, Code: "booking_conflict", Message: oe.Error(), Conflict: &existing}
		if existing.ID == "" { // another organisation's booking: the slot only
			f.Message = fmt.Sprintf("the interpreter is booked from %s to %s",
				existing.Start.UTC().Format(time.RFC3339), existing.End.UTC().Format(time.RFC3339))
		}
		return f
	}
	if cb, ok := errors.AsType[*CaseBookedError](err); ok {
		return Failure{Kind: KindConflict, Code: "case_already_booked", Message: cb.Error(), CaseBooked: cb}
	}
	if cb, ok := errors.AsType[*data.CaseBookedError](err); ok { // not through caseBooked: no name
		return Failure{Kind: KindConflict, Code: "case_already_booked", Message: cb.Error()}
	}
	if se, ok := errors.AsType[*data.StateError](err); ok {
		return Failure{Kind: KindConflict, Code: se.Code, Message: se.Reason}
	}
	if te, ok := errors.AsType[*data.TransitionError](err); ok {
		return Failure{Kind: KindConflict, Code: "invalid_transition", Message: te.Error()}
	}
	if ce, ok := errors.AsType[*ConfirmationError](err); ok {
		f := Failure{Kind: KindUnprocessable, Code: "confirmation_required", Message: ce.Error(), Fields: ce.Fields}
		for _, g := range ce.Gaps {
			f.Reasons = append(f.Reasons, g.Reason())
		}
		return f
	}
	if re, ok := errors.AsType[*IdempotencyError](err); ok {
		return Failure{Kind: KindUnprocessable, Code: "idempotency_key_reused", Message: re.Reason}
	}
	if ge, ok := errors.AsType[*LinkGoneError](err); ok {
		return Failure{Kind: KindGone, Code: "link_" + ge.Why, Message: ge.Error()}
	}
	if fe, ok := errors.AsType[*ForbiddenError](err); ok {
		return Failure{Kind: KindForbidden, Code: "forbidden", Message: fe.Reason}
	}
	if se, ok := errors.AsType[*StaleError](err); ok {
		return Failure{Kind: KindStale, Code: "precondition_failed", Message: se.Error()}
	}
	for _, c := range sentinels {
		if errors.Is(err, c.err) {
			return c.Failure
		}
	}
	return Failure{Kind: KindInternal, Code: "internal", Message: "something went wrong; quote the request ID when reporting it"}
}

// sentinels classifies the errors known by identity, in order.
var sentinels = []struct {
	err error
	Failure
}{
	{ErrUnauthenticated, Failure{Kind: KindUnauthenticated, Code: "unauthenticated", Message: "send a valid API key as Authorization: Bearer <key>"}},
	{data.ErrNotFound, Failure{Kind: KindNotFound, Code: "not_found", Message: "no such resource"}},
	{data.ErrDuplicate, Failure{Kind: KindConflict, Code: "duplicate", Message: "a record with the same unique value already exists"}},
	{data.ErrConflict, Failure{Kind: KindConflict, Code: "version_conflict", Message: "the record changed since it was read"}},
	{data.ErrInvalid, Failure{Kind: KindInvalid, Code: "validation_failed", Message: "the request has invalid fields"}},
	{data.ErrUnavailable, Failure{Kind: KindUnavailable, Code: "store_unavailable", Message: "the store cannot be reached; retry"}},
	{context.DeadlineExceeded, Failure{Kind: KindUnavailable, Code: "timeout", Message: "the service did not answer in time"}},
	{context.Canceled, Failure{Kind: KindUnavailable, Code: "cancelled", Message: "the request was cancelled before it finished"}},
	{data.ErrClosed, Failure{Kind: KindUnavailable, Code: "unavailable", Message: "the service is shutting down; retry"}},
}

// Errors of the application, beside the data sentinels it passes through.
var (
	// ErrUnauthenticated means no valid credential was presented.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the actor's role or organisation may not do this.
	// The concrete error is a *ForbiddenError saying why.
	ErrForbidden = errors.New("forbidden")
	// ErrStale means a conditional change named a version that is no longer
	// current; the concrete error is a *StaleError.
	ErrStale = errors.New("stale version")
	// ErrIneligible means the interpreter fails a hard rule for the
	// interview; the concrete error is an *IneligibleError listing every
	// reason.
	ErrIneligible = errors.New("ineligible")
	// ErrIdempotency means an Idempotency-Key was reused for another
	// request (or after its window); the concrete error is an
	// *IdempotencyError.
	ErrIdempotency = errors.New("idempotency key reused")
)

// ForbiddenError says why an actor may not do something. It matches
// ErrForbidden under errors.Is.
type ForbiddenError struct{ Reason string }

// Error returns the reason.
func (e *ForbiddenError) Error() string { return e.Reason }

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// StaleError says which version a record is at now. It matches ErrStale.
type StaleError struct {
	Current int64
}

// Error names the current version.
func (e *StaleError) Error() string {
	return fmt.Sprintf("the record is now at version %d; read it again and reapply your change", e.Current)
}

// Is reports whether target is ErrStale.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// IneligibleError lists every hard rule an interpreter fails for an
// interview, or, for an offer nobody could be asked for, each invitee's.
// It matches ErrIneligible.
type IneligibleError struct {
	Reasons  []data.Reason
	Invitees []InviteeReasons
}

// Error joins the reason codes.
func (e *IneligibleError) Error() string {
	codes := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		codes[i] = r.Code
	}
	return "ineligible: " + strings.Join(codes, ", ")
}

// Is reports whether target is ErrIneligible.
func (e *IneligibleError) Is(target error) bool { return target == ErrIneligible }

// IdempotencyError says why an Idempotency-Key cannot be honoured.
type IdempotencyError struct{ Reason string }

// Error returns the reason.
func (e *IdempotencyError) Error() string { return e.Reason }

// Is reports whether target is ErrIdempotency.
func (e *IdempotencyError) Is(target error) bool { return target == ErrIdempotency }

func forbidden(format string, args ...any) error {
	return &ForbiddenError{Reason: fmt.Sprintf(format, args...)}
}

// invalid returns a validation error naming one field.
func invalid(field, message string) error {
	return &data.ValidationError{Errors: []data.FieldError{{Field: field, Message: message}}}
}
