package app_test

import (
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestReviewWritesNothing: a review of a booking or an offer runs every
// check and returns what would be made, with nothing booked, offered,
// audited or sent; what the case already has for the slot, a missing link
// and a failed rule are refused as the real request would be.
func TestReviewWritesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	in, other := e.approved("Nazdar Ali"), e.approved("Dara Jaf")
	c := e.newCase(sw, "NR-1")
	nb := request(c.ID, in.ID, 0)
	nb.Review = true
	b, _, err := e.app.CreateBooking(ctx, sw, nb)
	if err != nil {
		t.Fatalf("review: %v", err)
	}
	if b.InterpreterID != in.ID || b.JoinDetails != nb.JoinDetails || b.Match.Score == 0 || b.Status != data.BookingConfirmed {
		t.Errorf("the reviewed booking: %+v", b)
	}
	no := offer(c.ID, data.OfferCascade, in.ID, other.ID)
	no.Review = true
	o, err := e.app.CreateOffer(ctx, sw, no)
	if err != nil {
		t.Fatalf("review offer: %v", err)
	}
	if len(o.Invitations) != 2 || o.Invitations[0].Status != data.InvitationPending {
		t.Errorf("the reviewed offer's invitations: %+v", o.Invitations)
	}
	bookings, _ := e.store.ListBookings(ctx, data.BookingQuery{Organisation: "north"})
	offers, _ := e.store.ListOffers(ctx, data.OfferQuery{Organisation: "north"})
	if len(bookings.Items) != 0 || len(offers.Items) != 0 || len(e.outbox("north")) != 0 || len(e.actions(b.ID)) != 0 {
		t.Errorf("a review wrote %d bookings, %d offers, %d messages, %d audit entries",
			len(bookings.Items), len(offers.Items), len(e.outbox("north")), len(e.actions(b.ID)))
	}

	noLink := nb
	noLink.JoinDetails = ""
	_, _, err = e.app.CreateBooking(ctx, sw, noLink)
	if f := wantKind(t, err, app.KindInvalid); len(f.Fields) == 0 || f.Fields[0].Field != "joinDetails" {
		t.Errorf("a review without a link: fields %v, want joinDetails", f.Fields)
	}

	real := nb
	real.Review = false
	first := e.book(sw, real)
	_, _, err = e.app.CreateBooking(ctx, sw, nb)
	if f := wantCode(t, err, app.KindConflict, "case_already_booked"); f.CaseBooked == nil || f.CaseBooked.BookingID != first.ID {
		t.Errorf("a review of a booked slot: %+v, want booking %s named", f.CaseBooked, first.ID)
	}
	_, err = e.app.CreateOffer(ctx, sw, no)
	wantCode(t, err, app.KindConflict, "case_already_booked")
	no.Additional = true
	if _, err := e.app.CreateOffer(ctx, sw, no); err != nil {
		t.Errorf("a review of an additional offer: %v", err)
	}
}
