package datatest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testBookingConfirmations: how the interpreter agreed to a booking, and
// the offer that asked them, round-trip through a create and an update,
// and through the listings.
func testBookingConfirmations(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	direct := newBooking(c, "int-1", "09:00", "10:00")
	byOffer := newBooking(c, "int-1", "10:00", "11:00")
	byOffer.Confirmation, byOffer.OfferID = data.ConfirmationOffer, data.NewID(base)
	byOffer.OfferedAt = base.Add(-time.Hour) // when the offer was made: kept to the millisecond, in UTC
	for _, b := range []data.Booking{direct, byOffer} {
		if err := b.Validate(); err != nil {
			t.Fatalf("fixture invalid: %v", err)
		}
		if err := book(t, s, b); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Booking(ctx, b.ID); err != nil || !cmp.Equal(storedBooking(b), got, cmpOpts) {
			t.Errorf("%s booking round trip: %v (-want +got):\n%s", b.Confirmation, err, cmp.Diff(storedBooking(b), got, cmpOpts))
		}
	}
	got, err := s.UpdateBooking(ctx, byOffer.ID, reschedule("11:00", "12:00"))
	if err != nil || got.Confirmation != data.ConfirmationOffer || got.OfferID != byOffer.OfferID {
		t.Errorf("after a reschedule: confirmed by %q through %q, %v; want the offer %s", got.Confirmation, got.OfferID, err, byOffer.OfferID)
	}
	page, err := s.ListBookings(ctx, data.BookingQuery{Organisation: "north", CaseID: c.ID})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("ListBookings: %v, %v", bookingIDs(page.Items), err)
	}
	for i, want := range []data.Booking{direct, got} {
		if b := page.Items[i]; b.Confirmation != want.Confirmation || b.OfferID != want.OfferID {
			t.Errorf("listed booking %s is confirmed by %q through %q, want %q through %q", b.ID, b.Confirmation, b.OfferID, want.Confirmation, want.OfferID)
		}
	}
}
