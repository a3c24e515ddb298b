package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// accept is the function FillOffer gets from package app: the
// interpreter's acceptance at now (data.Offer.Accept) and the booking it
// makes, under bookingID, both audited.
func accept(interpreter, bookingID string, now time.Time) func(data.Offer) (data.Offer, data.Booking, data.Change, error) {
	return func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, err := o.Accept(interpreter, bookingID, now)
		if err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		b := offerBooking(o, interpreter, bookingID, now)
		return next, b, data.Audited(offerAudit(o, data.ActionOfferAccepted), bookingAudit(b, data.ActionBookingCreated)), nil
	}
}

// offerBooking is the booking an acceptance of o by interpreter makes.
func offerBooking(o data.Offer, interpreter, id string, now time.Time) data.Booking {
	return data.Booking{
		ID: id, Organisation: o.Organisation, CaseID: o.CaseID, CaseReference: o.CaseReference,
		InterpreterID: interpreter, BookedBy: o.CreatedBy, Start: o.Start, End: o.End,
		InterviewType: o.InterviewType, Modality: o.Modality, Region: o.Region, Location: o.Location,
		Status: data.BookingConfirmed, Confirmation: data.ConfirmationOffer, OfferID: o.ID,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

// wantNoBooking fails the test if a booking with this ID was stored or audited.
func wantNoBooking(t *testing.T, s data.Store, id, what string) {
	t.Helper()
	if b, err := s.Booking(t.Context(), id); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("%s: booking %s stored: %+v, %v", what, id, b, err)
	}
	if got := auditActions(t, s, id); len(got) != 0 {
		t.Errorf("%s: booking %s audited: %v", what, id, got)
	}
}

// testFillOffer: an acceptance lands the filled offer (the others'
// invitations withdrawn) and its booking together, each with its audit
// entry; the booking holds the interpreter's time, records how it was
// confirmed, and is found as other bookings are; the offer is no longer
// due. A second acceptance gets the machine's refusal, writing nothing.
func testFillOffer(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	o := newOffer(c, data.OfferBroadcast, base, "int-a", "int-b", "int-c")
	createOffer(t, s, o)
	now := base.Add(30 * time.Minute)
	id := data.NewID(now)
	var read data.Offer
	got, b, err := s.FillOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Booking, data.Change, error) {
		read = cur
		return accept("int-b", id, now)(cur)
	})
	if err != nil {
		t.Fatalf("FillOffer: %v", err)
	}
	if diff := cmp.Diff(storedOffer(o), read, cmpOpts); diff != "" {
		t.Errorf("the acceptance got (-want +got):\n%s", diff)
	}
	filled, _ := o.Accept("int-b", id, now)
	wantFilled := storedOffer(filled)
	wantFilled.Version = 2
	if diff := cmp.Diff(wantFilled, got, cmpOpts); diff != "" {
		t.Errorf("FillOffer returned the offer (-want +got):\n%s", diff)
	}
	wantBooking := storedBooking(offerBooking(o, "int-b", id, now))
	if diff := cmp.Diff(wantBooking, b, cmpOpts); diff != "" {
		t.Errorf("FillOffer returned the booking (-want +got):\n%s", diff)
	}
	wantOffer(t, s, wantFilled, data.ActionOfferCreated, data.ActionOfferAccepted)
	if stored, err := s.Booking(ctx, id); err != nil || !cmp.Equal(wantBooking, stored, cmpOpts) {
		t.Errorf("stored booking: %v (-want +got):\n%s", err, cmp.Diff(wantBooking, stored, cmpOpts))
	}
	if got := auditActions(t, s, id); !slices.Equal(got, []data.Action{data.ActionBookingCreated}) {
		t.Errorf("booking audit = %v, want its creation", got)
	}
	held, err := s.ConfirmedBookings(ctx, []string{"int-a", "int-b", "int-c"}, day, day.Add(24*time.Hour))
	if err != nil || !slices.Equal(bookingIDs(held), []string{id}) {
		t.Errorf("held bookings after the acceptance: %v, %v; want %s", bookingIDs(held), err, id)
	}
	page, err := s.ListBookings(ctx, data.BookingQuery{Organisation: "north", CaseID: c.ID})
	if err != nil || !slices.Equal(bookingIDs(page.Items), []string{id}) {
		t.Errorf("the case's bookings: %v, %v; want %s", bookingIDs(page.Items), err, id)
	}
	if due, err := s.DueOffers(ctx, base.Add(48*time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("DueOffers after the acceptance: %v, %v; want none", offerIDs(due), err)
	}

	// int-a's acceptance now finds the offer filled.
	late := data.NewID(now)
	if _, _, err := s.FillOffer(ctx, o.ID, accept("int-a", late, now)); !offerClosed(err) {
		t.Errorf("a second acceptance: %v, want %s", err, data.ErrOfferClosed)
	}
	wantOffer(t, s, wantFilled, data.ActionOfferCreated, data.ActionOfferAccepted)
	wantNoBooking(t, s, late, "a second acceptance")
}

// testFillOfferRefusals: whatever refuses an acceptance writes nothing (no
// offer change, no booking, no audit entry): the function's own error
// (as it is), an unknown offer (without calling the function), a change
// of what an offer never changes, a booking ID taken, a booking the store
// cannot keep, a change without an audit entry. The offer then still
// fills.
func testFillOfferRefusals(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	o := newOffer(c, data.OfferBroadcast, base, "int-a", "int-b")
	createOffer(t, s, o)
	taken := newBooking(c, "int-z", "15:00", "16:00")
	if err := book(t, s, taken); err != nil {
		t.Fatal(err)
	}
	now := base.Add(time.Minute)
	errRule := errors.New("the rule refuses")
	for what, tc := range map[string]struct {
		fn   func(data.Offer) (data.Offer, data.Booking, data.Change, error)
		want func(error) bool
	}{
		"the function's error": {
			fn: func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
				next, b, ch, _ := accept("int-a", "refused-1", now)(o)
				return next, b, ch, errRule
			},
			want: func(err error) bool { return errors.Is(err, errRule) },
		},
		"a change of the case": {
			fn: func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
				next, b, ch, err := accept("int-a", "refused-2", now)(o)
				next.CaseID = "another-case"
				return next, b, ch, err
			},
			want: func(err error) bool { return errors.Is(err, data.ErrInvalid) },
		},
		"a booking ID taken": {
			fn:   accept("int-a", taken.ID, now),
			want: func(err error) bool { return errors.Is(err, data.ErrDuplicate) },
		},
		"a booking longer than the longest": {
			fn: func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
				next, b, ch, err := accept("int-a", "refused-3", now)(o)
				b.End = b.Start.Add(data.MaxBookingDuration + time.Minute)
				return next, b, ch, err
			},
			want: func(err error) bool { return errors.Is(err, data.ErrInvalid) },
		},
		"a change without an audit entry": {
			fn: func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
				next, b, _, err := accept("int-a", "refused-4", now)(o)
				return next, b, data.Change{}, err
			},
			want: func(err error) bool { return errors.Is(err, data.ErrInvalid) },
		},
	} {
		if _, _, err := s.FillOffer(ctx, o.ID, tc.fn); !tc.want(err) {
			t.Errorf("%s: %v", what, err)
		}
		wantOffer(t, s, storedOffer(o), data.ActionOfferCreated)
		for _, id := range []string{"refused-1", "refused-2", "refused-3", "refused-4"} {
			wantNoBooking(t, s, id, what)
		}
		if got := auditActions(t, s, taken.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated}) {
			t.Errorf("%s: the taken booking's audit is %v", what, got)
		}
	}
	called := false
	if _, _, err := s.FillOffer(ctx, "no-such-offer", func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
		called = true
		return accept("int-a", "refused-5", now)(o)
	}); !errors.Is(err, data.ErrNotFound) || called {
		t.Errorf("FillOffer(unknown): %v, want ErrNotFound (the function called: %v)", err, called)
	}
	if _, _, err := s.FillOffer(ctx, o.ID, accept("int-a", "accepted", now)); err != nil {
		t.Errorf("the acceptance after the refusals: %v", err)
	}
}

// testFillOfferOverlap: an acceptance whose booking a booking of the
// interpreter is in the way of is an *OverlapError naming it, and writes
// nothing: the offer as it was, no booking, no audit entry. Another
// interpreter's acceptance then fills the offer.
func testFillOfferOverlap(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	direct := newBooking(newCase(2, "south"), "int-b", "10:30", "11:30") // in another organisation
	if err := book(t, s, direct); err != nil {
		t.Fatal(err)
	}
	o := newOffer(c, data.OfferBroadcast, base, "int-a", "int-b")
	createOffer(t, s, o)
	now := base.Add(time.Minute)
	refused := data.NewID(now)
	_, _, err := s.FillOffer(ctx, o.ID, accept("int-b", refused, now))
	if oe, ok := errors.AsType[*data.OverlapError](err); !ok || oe.Existing.ID != direct.ID {
		t.Fatalf("an acceptance blocked by %s: %v, want an OverlapError naming it", direct.ID, err)
	}
	wantOffer(t, s, storedOffer(o), data.ActionOfferCreated)
	wantNoBooking(t, s, refused, "a blocked acceptance")
	held, err := s.ConfirmedBookings(ctx, []string{"int-b"}, day, day.Add(24*time.Hour))
	if err != nil || !slices.Equal(bookingIDs(held), []string{direct.ID}) {
		t.Errorf("int-b's bookings after the refusal: %v, %v", bookingIDs(held), err)
	}
	id := data.NewID(now)
	got, b, err := s.FillOffer(ctx, o.ID, accept("int-a", id, now))
	if err != nil || got.Status != data.OfferFilled || got.BookingID != id || b.ID != id || b.InterpreterID != "int-a" {
		t.Errorf("int-a's acceptance: %+v, %+v, %v", got, b, err)
	}
}
