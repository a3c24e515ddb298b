package datatest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// only makes b the one interpreter its case asks for at its time: not
// additional.
func only(b data.Booking) data.Booking {
	b.Additional = false
	return b
}

// onlyOffer makes o ask for the one interpreter of its case's interview.
func onlyOffer(o data.Offer) data.Offer {
	o.Additional = false
	return o
}

// wantCaseBooked fails the test unless err is a *data.CaseBookedError
// naming the booking (or else the offer) with this ID.
func wantCaseBooked(t *testing.T, what string, err error, bookingID, offerID string) {
	t.Helper()
	cb, ok := errors.AsType[*data.CaseBookedError](err)
	switch {
	case !ok || !errors.Is(err, data.ErrCaseBooked):
		t.Errorf("%s: %v, want a CaseBookedError", what, err)
	case bookingID != "" && (cb.Booking == nil || cb.Booking.ID != bookingID):
		t.Errorf("%s: names booking %+v offer %+v, want booking %s", what, cb.Booking, cb.Offer, bookingID)
	case offerID != "" && (cb.Offer == nil || cb.Offer.ID != offerID):
		t.Errorf("%s: names booking %+v offer %+v, want offer %s", what, cb.Booking, cb.Offer, offerID)
	}
}

// testCaseSlots: one interview, one interpreter, unless meant. A direct
// booking or an offer that is not additional is refused, nothing written,
// when its case has a confirmed booking or an open offer overlapping its
// slot, naming it; an additional one lands; slots that touch, other cases,
// cancelled bookings and closed offers are not in the way; the booking an
// offer's acceptance makes is not refused by its own offer.
func testCaseSlots(t *testing.T, s data.Store) {
	ctx := t.Context()
	c, other := newCase(1, "north"), newCase(2, "north")

	first := only(newBooking(c, "int-a", "10:00", "11:00"))
	if err := book(t, s, first); err != nil {
		t.Fatalf("the case's first booking: %v", err)
	}
	second := only(newBooking(c, "int-b", "10:30", "11:30"))
	wantCaseBooked(t, "a second interpreter for the slot", book(t, s, second), first.ID, "")
	wantNoBooking(t, s, second.ID, "a refused second booking")
	offer := onlyOffer(newOffer(c, data.OfferCascade, base, "int-c"))
	err := s.CreateOffer(ctx, offer, offerChange(offer, data.ActionOfferCreated))
	wantCaseBooked(t, "an offer for the booked slot", err, first.ID, "")
	if _, err := s.Offer(ctx, offer.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a refused offer was stored: %v", err)
	}

	for name, b := range map[string]data.Booking{
		"an additional interpreter":  newBooking(c, "int-b", "10:30", "11:30"),
		"a slot that touches":        only(newBooking(c, "int-d", "11:30", "12:00")),
		"another case at that time":  only(newBooking(other, "int-e", "10:00", "11:00")),
		"a slot earlier on that day": only(newBooking(c, "int-f", "08:00", "09:00")),
	} {
		if err := book(t, s, b); err != nil {
			t.Errorf("%s: %v, want booked", name, err)
		}
	}

	// A cancelled booking frees the case's slot.
	freed := newCase(3, "north")
	gone := only(newBooking(freed, "int-a", "14:00", "15:00"))
	if err := book(t, s, gone); err != nil {
		t.Fatalf("booking: %v", err)
	}
	if _, err := s.UpdateBooking(ctx, gone.ID, cancel("moved")); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if err := book(t, s, only(newBooking(freed, "int-b", "14:00", "15:00"))); err != nil {
		t.Errorf("a booking for a cancelled booking's slot: %v, want booked", err)
	}

	// An open offer holds its case's slot against bookings and offers;
	// its own acceptance is not refused by it.
	offered := newCase(4, "north")
	open := onlyOffer(newOffer(offered, data.OfferCascade, base, "int-g"))
	createOffer(t, s, open)
	direct := only(newBooking(offered, "int-h", "10:30", "11:30"))
	wantCaseBooked(t, "a booking for an offered slot", book(t, s, direct), "", open.ID)
	wantNoBooking(t, s, direct.ID, "a refused booking for an offered slot")
	again := onlyOffer(newOffer(offered, data.OfferCascade, base, "int-h"))
	err = s.CreateOffer(ctx, again, offerChange(again, data.ActionOfferCreated))
	wantCaseBooked(t, "a second offer for the slot", err, "", open.ID)
	createOffer(t, s, newOffer(offered, data.OfferCascade, base, "int-i")) // additional
	now := base.Add(10 * time.Minute)
	if _, _, err := s.FillOffer(ctx, open.ID, accept("int-g", data.NewID(now), now)); err != nil {
		t.Fatalf("the offer's own acceptance: %v", err)
	}
	// Now filled, the offer is not in the way; its booking is.
	late := only(newBooking(offered, "int-j", "10:00", "11:00"))
	wantCaseBooked(t, "a booking for a filled offer's slot", book(t, s, late), "", "")

	// A move into the slot of the case's other booking is refused as a
	// new booking would be, nothing written; an additional one moves.
	moved := newCase(6, "north")
	morning := only(newBooking(moved, "int-m", "10:00", "11:00"))
	afternoon := only(newBooking(moved, "int-n", "14:00", "15:00"))
	for _, b := range []data.Booking{morning, afternoon} {
		if err := book(t, s, b); err != nil {
			t.Fatalf("booking: %v", err)
		}
	}
	_, err = s.UpdateBooking(ctx, afternoon.ID, reschedule("10:30", "11:30"))
	wantCaseBooked(t, "moving a booking into the case's other slot", err, morning.ID, "")
	if got, err := s.Booking(ctx, afternoon.ID); err != nil || got.Version != afternoon.Version || !got.Start.Equal(afternoon.Start) {
		t.Errorf("a refused move was written: %+v %v", got, err)
	}
	if _, err := s.UpdateBooking(ctx, afternoon.ID, reschedule("14:30", "15:30")); err != nil {
		t.Errorf("a move within the booking's own slot: %v, want moved", err)
	}
	if _, err := s.UpdateBooking(ctx, afternoon.ID, func(b data.Booking) (data.Booking, data.Change, error) {
		b.Additional = true
		return reschedule("10:30", "11:30")(b)
	}); err != nil {
		t.Errorf("moving an additional interpreter into the slot: %v, want moved", err)
	}

	// A cancelled offer frees its slot.
	withdrawn := newCase(5, "north")
	dropped := onlyOffer(newOffer(withdrawn, data.OfferCascade, base, "int-k"))
	createOffer(t, s, dropped)
	if _, err := s.UpdateOffer(ctx, dropped.ID, cancelOffer("no longer needed", base.Add(time.Minute))); err != nil {
		t.Fatalf("cancel offer: %v", err)
	}
	if err := book(t, s, only(newBooking(withdrawn, "int-k", "10:00", "11:00"))); err != nil {
		t.Errorf("a booking for a cancelled offer's slot: %v, want booked", err)
	}
}

// testConcurrentCaseSlots races direct bookings of different interpreters
// and offers, none additional, for one case's overlapping slots through
// two store instances: exactly one lands, and every other is told the
// case is booked (or, under contention, ErrConflict), writing nothing.
func testConcurrentCaseSlots(t *testing.T, open func() data.Store) {
	stores := []data.Store{open(), open()}
	c := newCase(7, "north")
	const writers = 16
	errs := make([]error, writers)
	ids := make([]string, writers)
	var wg sync.WaitGroup
	for i := range writers {
		var b data.Booking
		var o data.Offer
		if i%4 == 3 {
			o = onlyOffer(newOffer(c, data.OfferCascade, base, fmt.Sprintf("int-o%d", i)))
			ids[i] = o.ID
		} else {
			b = only(newBooking(c, fmt.Sprintf("int-%d", i), fmt.Sprintf("10:%02d", i), fmt.Sprintf("11:%02d", i)))
			ids[i] = b.ID
		}
		wg.Go(func() {
			s := stores[i%2]
			if o.ID != "" {
				errs[i] = s.CreateOffer(t.Context(), o, offerChange(o, data.ActionOfferCreated))
			} else {
				errs[i] = s.CreateBooking(t.Context(), b, bookingChange(b, data.ActionBookingCreated))
			}
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, data.ErrCaseBooked) && !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want ErrCaseBooked", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d bookings or offers of one interview landed, want exactly 1", wins)
	}
	page, err := stores[1].ListBookings(t.Context(), data.BookingQuery{Organisation: "north", CaseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	offers, err := stores[0].ListOffers(t.Context(), data.OfferQuery{Organisation: "north", CaseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Items) + len(offers.Items); n != 1 {
		t.Errorf("%d bookings and %d offers stored for the interview, want 1 in all", len(page.Items), len(offers.Items))
	}
}
