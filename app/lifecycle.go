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

// BookingChange is what may change of a confirmed booking: its time and its
// location. Nil fields stay as they are.
type BookingChange struct {
	Start, End *time.Time
	Location   *string
}

// ChangeBooking reschedules or relocates a confirmed booking of the actor's
// organisation. The new slot and place are judged by every hard rule again
// (an *IneligibleError) and booked atomically by the store (a
// *data.OverlapError when another booking of the interpreter is in the
// way; a *CaseBookedError when the case has another booking or open offer
// in the new slot and this one is not additional). A change a calendar
// must see raises the sequence by one; a change of nothing writes nothing.
func (a *App) ChangeBooking(ctx context.Context, actor data.User, id string, ch BookingChange) (data.Booking, error) {
	if ch.Location != nil {
		if err := data.CheckProse("location", *ch.Location, data.MaxLocationLength); err != nil {
			return data.Booking{}, err
		}
	}
	cur, err := a.GetBooking(ctx, actor, id)
	if err != nil {
		return data.Booking{}, err
	}
	now := a.stamp()
	target, _, err := ch.apply(cur, now)
	if errors.Is(err, data.ErrNoChange) {
		return cur, nil
	}
	if err != nil {
		return data.Booking{}, err
	}
	// Every change is judged by every hard rule again, a new location
	// included: a calendar invitation goes out again, and must never go
	// to an interpreter who has since been suspended or excluded.
	cand, err := a.rejudge(ctx, actor, target)
	if err != nil {
		return data.Booking{}, err
	}
	p, err := a.readBookingParties(ctx, cur)
	if err != nil {
		return data.Booking{}, err
	}
	updated, err := a.store.UpdateBooking(ctx, id, func(old data.Booking) (data.Booking, data.Change, error) {
		next, action, err := ch.apply(old, now)
		if err != nil {
			return old, data.Change{}, err
		}
		if !next.Start.Equal(target.Start) || !next.End.Equal(target.End) {
			// Another change moved the booking since it was judged: the
			// slot this change would make was never judged.
			return old, data.Change{}, fmt.Errorf("booking %s moved while it was rescheduled: %w", id, data.ErrConflict)
		}
		next.Match = a.snapshot(cand)
		if err := next.Validate(); err != nil {
			return old, data.Change{}, err
		}
		change := audited(now, actor, old.Organisation, action, data.EntityBooking, old.ID)
		if change.Messages, err = a.bookingNews(next, p, false); err != nil {
			return old, data.Change{}, err
		}
		return next, change, nil
	})
	return updated, a.caseBooked(ctx, refusal(err, actor))
}

// apply returns b with the change applied (see data.Booking.Reschedule).
func (ch BookingChange) apply(b data.Booking, now time.Time) (data.Booking, data.Action, error) {
	start, end, location := b.Start, b.End, b.Location
	if ch.Start != nil {
		start = *ch.Start
	}
	if ch.End != nil {
		end = *ch.End
	}
	if ch.Location != nil {
		location = *ch.Location
	}
	return b.Reschedule(start, end, location, now)
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
		Modality: b.Modality, Region: b.Region, IgnoreBookingID: b.ID, Plan: b.Safety,
	})
}

// CancelBooking cancels a confirmed booking of the actor's organisation
// for a reason (required), called off by the requester's side (see
// CancelBookingBy).
func (a *App) CancelBooking(ctx context.Context, actor data.User, id, reason string) (data.Booking, error) {
	return a.CancelBookingBy(ctx, actor, id, reason, data.PartyRequester)
}

// CancelBookingBy cancels a confirmed booking of the actor's organisation
// for a reason (required), called off by party: the requester's side (a
// social worker or coordinator; the default when empty) or the
// interpreter, who told the organisation they cannot come. The booking's
// code says who, and whether late (under the policy's LateCancellation
// before the start, judged on the booking as the store reads it). The
// slot is free at once; the sequence rises by one so calendars drop it.
func (a *App) CancelBookingBy(ctx context.Context, actor data.User, id, reason string, by data.Party) (data.Booking, error) {
	if by == "" {
		by = data.PartyRequester
	}
	if !oneOf(by, data.Parties) {
		return data.Booking{}, invalid("cancelledBy", "must be one of "+codeList(data.Parties))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return data.Booking{}, invalid("reason", "is required: say why the interview is cancelled")
	}
	if err := data.CheckProse("reason", reason, data.MaxCancelReasonLength); err != nil {
		return data.Booking{}, err
	}
	return a.updateBooking(ctx, actor, id, func(b data.Booking, now time.Time) (data.Booking, data.Action, error) {
		next, err := b.Cancel(reason, data.CancelCode(by, b.Start, now, a.policy.LateCancellation), now)
		return next, data.ActionBookingCancelled, err
	})
}

// updateBooking applies transition to a booking of the actor's
// organisation as the store reads it, and lands it with its audit entry.
// Another organisation's booking is ErrNotFound.
func (a *App) updateBooking(ctx context.Context, actor data.User, id string, transition func(data.Booking, time.Time) (data.Booking, data.Action, error)) (data.Booking, error) {
	return a.updateBookingWith(ctx, actor, id, transition, nil)
}

// updateBookingWith is updateBooking, with more for the change: extra,
// when set, adds to the change what the booking as stored calls for (an
// incident's audit entry and messages), inside the update function.
func (a *App) updateBookingWith(ctx context.Context, actor data.User, id string, transition func(data.Booking, time.Time) (data.Booking, data.Action, error), extra func(next data.Booking, now time.Time, ch *data.Change)) (data.Booking, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Booking{}, err
	}
	cur, err := a.GetBooking(ctx, actor, id)
	if err != nil {
		return data.Booking{}, err
	}
	p, err := a.readBookingParties(ctx, cur)
	if err != nil {
		return data.Booking{}, err
	}
	now := a.stamp()
	updated, err := a.store.UpdateBooking(ctx, id, func(b data.Booking) (data.Booking, data.Change, error) {
		next, action, err := transition(b, now)
		if err != nil {
			return b, data.Change{}, err
		}
		if err := next.Validate(); err != nil {
			return b, data.Change{}, err
		}
		ch := audited(now, actor, b.Organisation, action, data.EntityBooking, b.ID)
		if next.Sequence != b.Sequence { // a change the interpreter's calendar must see
			if ch.Messages, err = a.bookingNews(next, p, false); err != nil {
				return b, data.Change{}, err
			}
		}
		if extra != nil {
			extra(next, now, &ch)
		}
		return next, ch, nil
	})
	return updated, refusal(err, actor)
}

// refusal is the store's refusal of a booking as the actor hears it. An
// overlap with another organisation's booking is redacted: the actor
// learns the interpreter is busy then (briefing and debrief included), not
// whose booking it is. A workload cap reached meanwhile is the hard rule
// workload_limit, as matching would have said it (an *IneligibleError).
func refusal(err error, actor data.User) error {
	if oe, ok := errors.AsType[*data.OverlapError](err); ok && oe.Existing.Organisation != actor.Organisation {
		return &data.OverlapError{Existing: data.Booking{Start: oe.Existing.Start, End: oe.Existing.End, Safety: oe.Existing.Safety}}
	}
	if we, ok := errors.AsType[*data.WorkloadError](err); ok {
		return &IneligibleError{Reasons: []data.Reason{{Code: matching.CodeWorkloadLimit, Message: fmt.Sprintf(
			"already has %d child interviews that %s; the policy allows %d a %s", we.Count, we.Period, we.Cap, we.Period)}}}
	}
	return err
}
