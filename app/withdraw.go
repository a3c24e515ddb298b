package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// withdrawHorizon is how far ahead an interpreter's bookings are withdrawn
// when they may no longer interpret: further than anyone books.
const withdrawHorizon = 2 * 366 * 24 * time.Hour

// Withdrawn counts the future bookings cancelled because their interpreter
// may no longer take them, by organisation.
type Withdrawn map[string]int

// Total is the number of bookings withdrawn.
func (w Withdrawn) Total() int {
	n := 0
	for _, c := range w {
		n += c
	}
	return n
}

// withdrawBookings cancels every confirmed booking of the interpreter that
// has not started, in every organisation, with reason: a suspended or
// rejected interpreter must not walk into an interview with a child on the
// strength of a booking made before. Each cancellation raises the
// booking's sequence (calendars drop it), names the reason the social
// worker sees, and is audited in the booking's organisation as the
// actor's. An interview already under way is left to the people in it.
// It is idempotent: run again, it finds nothing left to cancel.
func (a *App) withdrawBookings(ctx context.Context, actor data.User, interpreterID, reason string) (Withdrawn, error) {
	now := a.stamp()
	bookings, err := a.store.ConfirmedBookings(ctx, []string{interpreterID}, now, now.Add(withdrawHorizon))
	if err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", interpreterID, err)
	}
	done := Withdrawn{}
	for _, b := range bookings {
		if b.Status != data.BookingConfirmed || b.Start.Before(now) {
			continue
		}
		if err := a.withdraw(ctx, actor, b.ID, reason); err != nil {
			return done, err
		}
		done[b.Organisation]++
	}
	return done, nil
}

// withdraw cancels one booking for withdrawBookings, whichever
// organisation it belongs to, re-reading it when another write lands first.
func (a *App) withdraw(ctx context.Context, actor data.User, id, reason string) error {
	for range retries {
		b, err := a.store.Booking(ctx, id)
		if err != nil {
			return err
		}
		if b.Status != data.BookingConfirmed {
			return nil // cancelled or completed meanwhile
		}
		now := a.stamp()
		b.Status, b.CancelReason, b.UpdatedAt = data.BookingCancelled, reason, now
		b.Sequence++
		audit := data.NewAuditEntry(now, actor, b.Organisation, "booking.withdrawn", "booking", b.ID)
		_, err = a.store.UpdateBooking(ctx, b, audit)
		if !errors.Is(err, data.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("booking %s: %w", id, data.ErrConflict)
}

// WithdrawBookings cancels the future bookings of an interpreter whose
// vetting is suspended or rejected. DecideVetting does it itself; this is
// for finishing the job when that was cut short (the store went away
// between the decision and the last cancellation). For an interpreter who
// is approved or pending it cancels nothing: a *ForbiddenError says their
// bookings stand.
func (a *App) WithdrawBookings(ctx context.Context, actor data.User, interpreterID string) (Withdrawn, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return nil, err
	}
	in, err := a.store.Interpreter(ctx, interpreterID)
	if err != nil {
		return nil, err
	}
	reason, ok := withdrawReason(in.Vetting.Status)
	if !ok {
		return nil, forbidden("the interpreter's vetting is %s; their bookings stand", in.Vetting.Status)
	}
	return a.withdrawBookings(ctx, actor, interpreterID, reason)
}

// withdrawReason is the cancellation reason of bookings withdrawn for a
// vetting status, and whether that status withdraws them.
func withdrawReason(s data.VettingStatus) (string, bool) {
	switch s {
	case data.VettingSuspended:
		return "the interpreter's vetting was suspended; book another interpreter", true
	case data.VettingRejected:
		return "the interpreter's vetting was rejected; book another interpreter", true
	}
	return "", false
}

// FutureBookings lists how many bookings of the interpreter that have not
// started are still confirmed, in every organisation: what a coordinator
// must see on the record of a suspended interpreter.
func (a *App) FutureBookings(ctx context.Context, actor data.User, interpreterID string) (int, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return 0, err
	}
	now := a.stamp()
	bookings, err := a.store.ConfirmedBookings(ctx, []string{interpreterID}, now, now.Add(withdrawHorizon))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range bookings {
		if b.Status == data.BookingConfirmed {
			n++
		}
	}
	return n, nil
}
