package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// runOfferRaces runs the races of offers through two store instances:
// answers against a cancellation, acceptances against each other, an
// acceptance against the offer's expiry, and against a direct booking of
// the same interpreter.
func runOfferRaces(t *testing.T, newDB NewDatabase) {
	t.Run("OfferAnswerRace", func(t *testing.T) { testOfferAnswerRace(t, newDB(t)) })
	t.Run("OfferAcceptRace", func(t *testing.T) { testOfferAcceptRace(t, newDB(t)) })
	t.Run("OfferAcceptExpiryRace", func(t *testing.T) { testOfferAcceptExpiryRace(t, newDB(t)) })
	t.Run("OfferAcceptDirectBookingRace", func(t *testing.T) { testOfferAcceptDirectBookingRace(t, newDB(t)) })
}

// interpreters names n interpreters, int-0 to int-<n-1>.
func interpreters(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("int-%d", i)
	}
	return ids
}

// testOfferAnswerRace: of a broadcast to ten, five interpreters each
// decline twice (once through each instance) while ten writers cancel:
// exactly one cancellation lands, every other gets the machine's
// refusal; each interpreter's decline lands at most once, and only before
// the cancellation; the offer ends cancelled, each invitation declined or
// withdrawn as the writes that landed say, at a version and with an audit
// entry per landed write.
func testOfferAnswerRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	o := newOffer(newCase(1, "north"), data.OfferBroadcast, base, interpreters(10)...)
	createOffer(t, stores[0], o)
	now := base.Add(time.Minute)
	declines := func(i int) bool { return i%4 < 2 } // each instance's writers do both
	decliner := func(i int) string { return fmt.Sprintf("int-%d", i/4) }
	errs := race(stores, func(s data.Store, i int) error {
		if declines(i) {
			_, err := s.UpdateOffer(ctx, o.ID, decline(decliner(i), data.DeclineUnavailable, now, nil))
			return err
		}
		_, err := s.UpdateOffer(ctx, o.ID, cancelOffer(fmt.Sprintf("writer %d", i), now))
		return err
	})
	var cancels []error
	declined := map[string]int{}
	for i, err := range errs {
		switch {
		case !declines(i):
			cancels = append(cancels, err)
		case err == nil:
			declined[decliner(i)]++
		case !offerClosed(err):
			t.Errorf("writer %d (a decline by %s): %v, want nil or %s", i, decliner(i), err, data.ErrOfferClosed)
		}
	}
	onlyWinner(t, cancels, func(err error) bool {
		se, ok := errors.AsType[*data.StateError](err)
		return ok && se.Code == "offer_not_open"
	})
	got, err := stores[1].Offer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	landed := 0
	for _, inv := range got.Invitations {
		n := declined[inv.InterpreterID]
		landed += n
		switch {
		case n > 1:
			t.Errorf("%s declined %d times", inv.InterpreterID, n)
		case n == 1 && inv.Status != data.InvitationDeclined, n == 0 && inv.Status != data.InvitationWithdrawn:
			t.Errorf("%s's invitation is %s after %d declines landed", inv.InterpreterID, inv.Status, n)
		}
	}
	if got.Status != data.OfferCancelled || got.Version != int64(2+landed) {
		t.Errorf("after the race the offer is %s at version %d; want cancelled at version %d", got.Status, got.Version, 2+landed)
	}
	actions := auditActions(t, stores[0], o.ID)
	want := []data.Action{data.ActionOfferCreated}
	for range landed {
		want = append(want, data.ActionOfferDeclined)
	}
	want = append(want, data.ActionOfferCancelled)
	if !slices.Equal(actions, want) {
		t.Errorf("audit after the race = %v, want %v: the declines that landed, then one cancellation", actions, want)
	}
}

// testOfferAcceptRace: all ten interpreters of a broadcast accept it at
// once, five times each, through two instances (50 acceptances, each
// with a booking ID of its own: a broadcast asks at most
// data.MaxInvitations): exactly one fills the offer and lands its
// booking, and every other gets the machine's refusal (offer_closed),
// nothing else; the other invitations are withdrawn in the same write.
func testOfferAcceptRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	c := newCase(1, "north")
	invited := interpreters(data.MaxInvitations)
	o := newOffer(c, data.OfferBroadcast, base, invited...)
	createOffer(t, stores[0], o)
	now := base.Add(time.Minute)
	const writers = 50
	accepter := func(i int) string { return invited[(i/2)%len(invited)] } // each through both instances
	ids := make([]string, writers)
	for i := range ids {
		ids[i] = data.NewID(now)
	}
	errs := raceN(stores, writers, func(s data.Store, i int) error {
		_, _, err := s.FillOffer(ctx, o.ID, accept(accepter(i), ids[i], now))
		return err
	})
	winner := onlyWinner(t, errs, offerClosed)
	if winner < 0 {
		return
	}
	got, err := stores[1].Offer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != data.OfferFilled || got.BookingID != ids[winner] || got.Version != 2 {
		t.Errorf("after the race the offer is %s with booking %q at version %d; want filled by writer %d's booking %s at version 2",
			got.Status, got.BookingID, got.Version, winner, ids[winner])
	}
	for _, inv := range got.Invitations {
		want := data.InvitationWithdrawn
		if inv.InterpreterID == accepter(winner) {
			want = data.InvitationAccepted
		}
		if inv.Status != want {
			t.Errorf("%s's invitation is %s, want %s", inv.InterpreterID, inv.Status, want)
		}
	}
	page, err := stores[0].ListBookings(ctx, data.BookingQuery{Organisation: "north", Limit: data.MaxPageSize})
	if err != nil || !slices.Equal(bookingIDs(page.Items), []string{ids[winner]}) {
		t.Fatalf("bookings after the race: %v, %v; want the winner's only", bookingIDs(page.Items), err)
	}
	if b := page.Items[0]; b.InterpreterID != accepter(winner) || b.Confirmation != data.ConfirmationOffer || b.OfferID != o.ID {
		t.Errorf("the booking is %s's, confirmed by %q through offer %q; want %s's, by offer %s", b.InterpreterID, b.Confirmation, b.OfferID, accepter(winner), o.ID)
	}
	if got := auditActions(t, stores[0], o.ID); !slices.Equal(got, []data.Action{data.ActionOfferCreated, data.ActionOfferAccepted}) {
		t.Errorf("offer audit after the race = %v, want the creation and one acceptance", got)
	}
	audit, err := stores[1].ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: data.MaxPageSize})
	if err != nil || len(audit.Items) != 3 {
		t.Errorf("%d audit entries in north after the race, %v; want 3: the offer's creation and acceptance, the booking's creation", len(audit.Items), err)
	}
}

// testOfferAcceptExpiryRace: an acceptance by the one invited interpreter
// (at a clock before the answer is due) races the expirer (at a clock
// after), through two instances, a few times over: exactly one of them
// changes the offer, and it is consistent: filled with its booking, the
// acceptance audited; or unfilled, the invitation expired, no booking, the
// expiry audited. An acceptance that loses gets offer_closed; an expiry
// that loses finds nothing to change.
func testOfferAcceptExpiryRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	const rounds = 3
	outcomes := map[data.OfferStatus]int{}
	for round := range rounds {
		c := newCase(round+1, "north")
		interpreter := fmt.Sprintf("int-%d", round)
		o := newOffer(c, data.OfferCascade, base, interpreter)
		createOffer(t, stores[0], o)
		by := o.Invitations[0].RespondBy
		// Acceptances first in even rounds, expiries in odd ones, each
		// through both instances.
		accepts := func(i int) bool { return (i%4 < 2) == (round%2 == 0) }
		ids := make([]string, 2*racers)
		for i := range ids {
			ids[i] = data.NewID(by)
		}
		errs := race(stores, func(s data.Store, i int) error {
			if accepts(i) {
				_, _, err := s.FillOffer(ctx, o.ID, accept(interpreter, ids[i], by.Add(-time.Minute)))
				return err
			}
			_, err := s.UpdateOffer(ctx, o.ID, expire(by.Add(time.Minute), nil))
			return err
		})
		winner := -1
		for i, err := range errs {
			switch {
			case !accepts(i) && err != nil:
				t.Errorf("round %d, writer %d (an expiry): %v, want nil", round, i, err)
			case accepts(i) && err == nil && winner >= 0:
				t.Errorf("round %d: acceptances %d and %d both landed", round, winner, i)
			case accepts(i) && err == nil:
				winner = i
			case accepts(i) && !offerClosed(err):
				t.Errorf("round %d, writer %d (an acceptance): %v, want nil or %s", round, i, err, data.ErrOfferClosed)
			}
		}
		got, err := stores[1].Offer(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, err := stores[0].ListBookings(ctx, data.BookingQuery{Organisation: "north", CaseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		outcomes[got.Status]++
		switch got.Status {
		case data.OfferFilled:
			if winner < 0 || got.BookingID != ids[winner] || got.Invitations[0].Status != data.InvitationAccepted ||
				!slices.Equal(bookingIDs(page.Items), []string{ids[winner]}) {
				t.Errorf("round %d: filled with booking %q, invitation %s, bookings %v; want acceptance %d's", round, got.BookingID, got.Invitations[0].Status, bookingIDs(page.Items), winner)
			}
		case data.OfferUnfilled:
			if winner >= 0 || got.BookingID != "" || got.Invitations[0].Status != data.InvitationExpired || len(page.Items) != 0 {
				t.Errorf("round %d: unfilled with booking %q, invitation %s, bookings %v, acceptance %d landed; want none", round, got.BookingID, got.Invitations[0].Status, bookingIDs(page.Items), winner)
			}
		default:
			t.Errorf("round %d: the offer is %s after the race, want filled or unfilled", round, got.Status)
		}
		if got.Version != 2 {
			t.Errorf("round %d: the offer is at version %d, want 2: one write", round, got.Version)
		}
		want := []data.Action{data.ActionOfferCreated, data.ActionOfferExpired}
		if got.Status == data.OfferFilled {
			want[1] = data.ActionOfferAccepted
		}
		if actions := auditActions(t, stores[0], o.ID); !slices.Equal(actions, want) {
			t.Errorf("round %d: audit %v, want %v", round, actions, want)
		}
	}
	t.Logf("outcomes over %d rounds: %v", rounds, outcomes)
}

// testOfferAcceptDirectBookingRace: acceptances of an offer by int-a race
// direct bookings of int-a at an overlapping time, through two instances:
// exactly one booking holds int-a's time. When the acceptance won, the
// offer is filled with it and every direct booking was refused with an
// *OverlapError naming it; when a direct booking won, the offer is as it
// was and every acceptance was refused with an *OverlapError naming that
// booking. (A store may give up on a booking with ErrConflict, as
// CreateBooking says.)
func testOfferAcceptDirectBookingRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	c := newCase(1, "north")
	o := newOffer(c, data.OfferBroadcast, base, "int-a", "int-b")
	createOffer(t, stores[0], o)
	now := base.Add(time.Minute)
	accepts := func(i int) bool { return i%4 < 2 }
	direct := make([]data.Booking, 2*racers)
	for i := range direct {
		direct[i] = newBooking(c, "int-a", "10:30", "11:30")
	}
	errs := race(stores, func(s data.Store, i int) error {
		if accepts(i) {
			_, _, err := s.FillOffer(ctx, o.ID, accept("int-a", direct[i].ID, now))
			return err
		}
		return s.CreateBooking(ctx, direct[i], bookingChange(direct[i], data.ActionBookingCreated))
	})
	held, err := stores[1].ConfirmedBookings(ctx, []string{"int-a"}, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 {
		t.Fatalf("int-a's held bookings after the race: %v, want exactly one", bookingIDs(held))
	}
	won := held[0]
	byOffer := won.Confirmation == data.ConfirmationOffer
	blocked := func(err error) bool {
		oe, ok := errors.AsType[*data.OverlapError](err)
		return (ok && oe.Existing.ID == won.ID) || errors.Is(err, data.ErrConflict)
	}
	for i, err := range errs {
		landed := err == nil
		switch {
		case direct[i].ID == won.ID && !landed:
			t.Errorf("writer %d's booking holds the time, but it got %v", i, err)
		case direct[i].ID == won.ID:
		case landed:
			t.Errorf("writer %d landed, but its booking does not hold the time", i)
		case accepts(i) && byOffer && !offerClosed(err):
			t.Errorf("writer %d (an acceptance) lost to acceptance %s: %v, want %s", i, won.ID, err, data.ErrOfferClosed)
		case (!accepts(i) || !byOffer) && !blocked(err):
			t.Errorf("writer %d lost to booking %s: %v, want an OverlapError naming it", i, won.ID, err)
		}
	}
	if byOffer {
		if won.OfferID != o.ID {
			t.Errorf("the booking holding the time names offer %q, want %s", won.OfferID, o.ID)
		}
		got, err := stores[0].Offer(ctx, o.ID)
		if err != nil || got.Status != data.OfferFilled || got.BookingID != won.ID {
			t.Errorf("the acceptance won, but the offer is %+v, %v", got, err)
		}
		wantOffer(t, stores[0], got, data.ActionOfferCreated, data.ActionOfferAccepted)
		return
	}
	wantOffer(t, stores[1], storedOffer(o), data.ActionOfferCreated)
}
