package mongodb

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// These tests race acceptances, other changes of one offer and direct
// bookings through separate store instances.

// Acceptances by every invited interpreter, several each, race through
// four store instances: exactly one fills the offer, with one booking; the
// others are told the offer is closed. The ledger holds one entry, and the
// schedules of the losers, raised by their lost changes, hold nothing.
func TestAcceptancesFourClients(t *testing.T) {
	open := freshDatabase(t)
	var stores []*Store
	for range 4 {
		stores = append(stores, open().(*Store))
	}
	interpreters := []string{"int-1", "int-2", "int-3", "int-4", "int-5", "int-6", "int-7", "int-8", "int-9", "int-10"}
	o := createOffer(t, stores[0], interpreters...)
	const writers = 40
	errs := make([]error, writers)
	bookings := make([]data.Booking, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			_, bookings[i], errs[i] = stores[i%4].FillOffer(t.Context(), o.ID, accept(interpreters[i%len(interpreters)]))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both filled the offer", winner, i)
		case err == nil:
			winner = i
		default:
			wantClosed(t, fmt.Sprintf("writer %d", i), err)
		}
	}
	if winner < 0 {
		t.Fatal("no acceptance landed")
	}
	wantOffer(t, stores[1], o.ID, data.OfferFilled, 2, bookings[winner].ID)
	held, err := stores[2].ConfirmedBookings(t.Context(), interpreters, morning, morning.Add(24*time.Hour))
	if err != nil || len(held) != 1 || held[0].ID != bookings[winner].ID || held[0].OfferID != o.ID || held[0].Confirmation != data.ConfirmationOffer {
		t.Errorf("bookings = %+v, %v; want the winner's only, by offer", held, err)
	}
	wantLedger(t, stores[3], o.ID, 2)
	if ids := auditIDs(t, stores[0], o.ID); len(ids) != 2 {
		t.Errorf("offer audit = %v, want the creation and one acceptance", ids)
	}
	wantNoLocks(t, stores[0])
}

// A cancellation and acceptances race through two instances: either the
// cancellation lands first and every acceptance is told the offer is
// closed, or one acceptance lands first and the cancellation is refused
// (the offer is not open). Never both.
func TestAcceptanceRacesCancellation(t *testing.T) {
	open := freshDatabase(t)
	stores := []*Store{open().(*Store), open().(*Store)}
	for round := range 4 {
		o := createOffer(t, stores[0], "int-1", "int-2")
		var cancelErr error
		acceptErrs := make([]error, 4)
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			_, cancelErr = stores[round%2].UpdateOffer(t.Context(), o.ID, cancel)
		})
		for i := range acceptErrs {
			wg.Go(func() {
				<-start
				_, _, acceptErrs[i] = stores[i%2].FillOffer(t.Context(), o.ID, accept(fmt.Sprintf("int-%d", 1+i%2)))
			})
		}
		close(start)
		wg.Wait()
		got, err := stores[1].Offer(t.Context(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		winner := slices.IndexFunc(acceptErrs, func(err error) bool { return err == nil })
		switch {
		case cancelErr == nil && winner < 0 && got.Status == data.OfferCancelled:
		case cancelErr != nil && winner >= 0 && got.Status == data.OfferFilled:
			if !errors.Is(cancelErr, data.ErrTransition) {
				t.Errorf("round %d: cancellation after the acceptance: %v, want a StateError", round, cancelErr)
			}
		default:
			t.Errorf("round %d: cancellation %v, acceptances %v, offer %s", round, cancelErr, acceptErrs, got.Status)
		}
		if got.Version != 2 {
			t.Errorf("round %d: offer at version %d, want 2", round, got.Version)
		}
		wantLedger(t, stores[0], o.ID, 2)
	}
	wantNoLocks(t, stores[0])
}

// An acceptance is checked as a booking is: one that overlaps a booking of
// its interpreter writes nothing, and a direct booking racing acceptances
// of the same slot leaves exactly one of them holding the time.
func TestAcceptanceRacesDirectBooking(t *testing.T) {
	open := freshDatabase(t)
	stores := []*Store{open().(*Store), open().(*Store)}
	ctx := t.Context()
	direct := newTestBooking("int-1", 30*time.Minute)
	if err := stores[0].CreateBooking(ctx, direct, bookingCreated(direct)); err != nil {
		t.Fatal(err)
	}
	o := createOffer(t, stores[0], "int-1")
	_, _, err := stores[1].FillOffer(ctx, o.ID, accept("int-1"))
	wantOverlap(t, "accepting over a booking", err, direct)
	wantOffer(t, stores[0], o.ID, data.OfferOpen, 1, "")

	for round := range 4 {
		interpreter := fmt.Sprintf("int-r%d", round)
		o := createOffer(t, stores[0], interpreter)
		b := newTestBooking(interpreter, 15*time.Minute)
		var directErr, acceptErr error
		var wg sync.WaitGroup
		wg.Go(func() { directErr = stores[round%2].CreateBooking(ctx, b, bookingCreated(b)) })
		wg.Go(func() { _, _, acceptErr = stores[1-round%2].FillOffer(ctx, o.ID, accept(interpreter)) })
		wg.Wait()
		if (directErr == nil) == (acceptErr == nil) {
			t.Errorf("round %d: direct booking %v, acceptance %v; want exactly one", round, directErr, acceptErr)
		}
		held, err := stores[0].ConfirmedBookings(ctx, []string{interpreter}, morning, morning.Add(24*time.Hour))
		if err != nil || len(held) != 1 {
			t.Errorf("round %d: %d bookings hold the time, %v; want 1", round, len(held), err)
		}
	}
	wantNoLocks(t, stores[0])
}
