package data

import (
	"errors"
	"testing"
	"time"
)

// TestBookingTransitions: Changeable and Completable say what Reschedule,
// Cancel and Complete would do, in every status, before and after the
// interview starts, so the pages offer only what the state machine allows.
func TestBookingTransitions(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, status := range []BookingStatus{BookingConfirmed, BookingCancelled, BookingCompleted} {
		for _, now := range []time.Time{start.Add(-time.Hour), start, start.Add(time.Hour)} {
			b := Booking{Status: status, Start: start, End: start.Add(time.Hour)}
			_, _, err := b.Reschedule(start.Add(time.Hour), start.Add(2*time.Hour), "", now)
			if b.Changeable() != (err == nil) {
				t.Errorf("%s at %v: Changeable %v, Reschedule %v", status, now, b.Changeable(), err)
			}
			if _, err := b.Cancel("ill", OutcomeCancelledByRequester, now); b.Changeable() != (err == nil) {
				t.Errorf("%s at %v: Changeable %v, Cancel %v", status, now, b.Changeable(), err)
			}
			_, err = b.Complete(Outcome{Attended: true, Checklist: &Checklist{NeverAloneWithChild: true}}, now)
			if b.Completable(now) != (err == nil) {
				t.Errorf("%s at %v: Completable %v, Complete %v", status, now, b.Completable(now), err)
			}
			if err != nil && !errors.Is(err, ErrTransition) {
				t.Errorf("%s at %v: Complete: %v, want ErrTransition", status, now, err)
			}
		}
	}
}
