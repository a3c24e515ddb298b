package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// ErrState means the booking is not in a state that allows the change; the
// concrete error is a *StateError with a stable code.
var ErrState = errors.New("not allowed in this state")

// StateError says why a booking cannot change now. It matches ErrState.
type StateError struct {
	Code   string // e.g. "booking_not_confirmed", "interview_not_started"
	Reason string
}

// Error returns the reason.
func (e *StateError) Error() string { return e.Reason }

// Is reports whether target is ErrState.
func (e *StateError) Is(target error) bool { return target == ErrState }

func notConfirmed(b data.Booking) error {
	return &StateError{Code: "booking_not_confirmed", Reason: fmt.Sprintf("the booking is %s; only a confirmed booking can change", b.Status)}
}

// BookingChange is what may change of a confirmed booking: its time and its
// location. Nil fields stay as they are.
type BookingChange struct {
	Start, End *time.Time
	Location   *string
}

// ChangeBooking reschedules or relocates a confirmed booking of the actor's
// organisation. A new time is judged by every hard rule again (an
// *IneligibleError) and booked atomically by the store (a *data.OverlapError
// when another booking of the interpreter is in the way). A change a
// calendar must see raises the sequence by one.
func (a *App) ChangeBooking(ctx context.Context, actor data.User, id string, ch BookingChange) (data.Booking, error) {
	if ch.Location != nil {
		if err := data.CheckProse("location", *ch.Location, 500); err != nil {
			return data.Booking{}, err
		}
	}
	return a.changeBooking(ctx, actor, id, func(b data.Booking) (data.Booking, string, error) {
		if b.Status != data.BookingConfirmed {
			return b, "", notConfirmed(b)
		}
		next := b
		if ch.Start != nil {
			next.Start = data.Timestamp(*ch.Start)
		}
		if ch.End != nil {
			next.End = data.Timestamp(*ch.End)
		}
		if ch.Location != nil {
			next.Location = strings.TrimSpace(*ch.Location)
		}
		moved := !next.Start.Equal(b.Start) || !next.End.Equal(b.End)
		if !moved && next.Location == b.Location {
			return b, "", nil // nothing a calendar must see
		}
		action := "booking.relocated"
		if moved {
			action = "booking.rescheduled"
		}
		// Every change is judged by every hard rule again, a new location
		// included: a calendar invitation goes out again, and must never go
		// to an interpreter who has since been suspended or excluded.
		cand, err := a.rejudge(ctx, actor, next)
		if err != nil {
			return b, "", err
		}
		next.Match = cand.Snapshot()
		next.Sequence++
		return next, action, nil
	})
}

// rejudge runs every hard rule for the booking's interpreter at its (new)
// time, ignoring the booking itself.
func (a *App) rejudge(ctx context.Context, actor data.User, b data.Booking) (matching.Candidate, error) {
	c, err := a.GetCase(ctx, actor, b.CaseID)
	if err != nil {
		return matching.Candidate{}, err
	}
	interp, err := a.store.Interpreter(ctx, b.InterpreterID)
	if err != nil {
		return matching.Candidate{}, err
	}
	return a.evaluate(ctx, c, interp, matching.Request{
		Case: c, Start: b.Start, End: b.End, InterviewType: b.InterviewType,
		Modality: b.Modality, Region: b.Region, IgnoreBookingID: b.ID,
	})
}

// CancelBooking cancels a confirmed booking for a reason (required). The
// slot is free at once; the sequence rises by one so calendars drop it.
func (a *App) CancelBooking(ctx context.Context, actor data.User, id, reason string) (data.Booking, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return data.Booking{}, invalid("reason", "is required: say why the interview is cancelled")
	}
	if err := data.CheckProse("reason", reason, 500); err != nil {
		return data.Booking{}, err
	}
	return a.changeBooking(ctx, actor, id, func(b data.Booking) (data.Booking, string, error) {
		if b.Status != data.BookingConfirmed {
			return b, "", notConfirmed(b)
		}
		b.Status, b.CancelReason = data.BookingCancelled, reason
		b.Sequence++
		return b, "booking.cancelled", nil
	})
}

// Outcome is what happened at an interview.
type Outcome struct {
	Attended, ChildComfortable bool
	Note                       string
}

// RecordOutcome records what happened at an interview once it has started,
// and marks the booking completed. A child who was comfortable gives the
// interpreter continuity in this case's next match; one who was not keeps
// the interpreter out of it (matching's excluded_by_case).
func (a *App) RecordOutcome(ctx context.Context, actor data.User, id string, o Outcome) (data.Booking, error) {
	if err := data.CheckProse("note", o.Note, 2000); err != nil {
		return data.Booking{}, err
	}
	b, err := a.recordOutcome(ctx, actor, id, o)
	if err != nil || o.ChildComfortable {
		return b, err
	}
	// The child was not comfortable: the interpreter's other bookings
	// for this case that have not started are withdrawn (excluded_by_case).
	return b, a.afterChange(ctx, actor, b.InterpreterID, b.CaseID)
}

func (a *App) recordOutcome(ctx context.Context, actor data.User, id string, o Outcome) (data.Booking, error) {
	return a.changeBooking(ctx, actor, id, func(b data.Booking) (data.Booking, string, error) {
		switch {
		case b.Status == data.BookingCompleted:
			return b, "", &StateError{Code: "outcome_recorded", Reason: "the outcome of this interview is already recorded"}
		case b.Status != data.BookingConfirmed:
			return b, "", notConfirmed(b)
		case a.now().Before(b.Start):
			return b, "", &StateError{Code: "interview_not_started", Reason: "an outcome can be recorded once the interview has started, at " + b.Start.UTC().Format(time.RFC3339)}
		}
		b.Status = data.BookingCompleted
		b.Outcome = &data.Outcome{Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: strings.TrimSpace(o.Note), RecordedBy: actor.ID, RecordedAt: a.stamp()}
		return b, "booking.outcome", nil
	})
}

// changeBooking applies change to the booking as it is now, with the audit
// action change names, re-reading and re-applying when another write lands
// first. A change that returns an empty action writes nothing.
func (a *App) changeBooking(ctx context.Context, actor data.User, id string, change func(data.Booking) (data.Booking, string, error)) (data.Booking, error) {
	for range retries {
		cur, err := a.GetBooking(ctx, actor, id)
		if err != nil {
			return data.Booking{}, err
		}
		next, action, err := change(cur)
		if err != nil || action == "" {
			return next, err
		}
		next.UpdatedAt = a.stamp()
		if err := next.Validate(); err != nil {
			return data.Booking{}, err
		}
		audit := data.NewAuditEntry(next.UpdatedAt, actor, next.Organisation, action, "booking", next.ID)
		updated, err := a.store.UpdateBooking(ctx, next, audit)
		if errors.Is(err, data.ErrConflict) {
			continue
		}
		return updated, redactOverlap(err, actor)
	}
	return data.Booking{}, fmt.Errorf("booking %s: %w", id, data.ErrConflict)
}

// redactOverlap keeps another organisation's booking out of an overlap
// error: the actor learns the interpreter is busy then, not whose booking it
// is.
func redactOverlap(err error, actor data.User) error {
	var oe *data.OverlapError
	if errors.As(err, &oe) && oe.Existing.Organisation != actor.Organisation {
		return &data.OverlapError{Existing: data.Booking{Start: oe.Existing.Start, End: oe.Existing.End}}
	}
	return err
}
