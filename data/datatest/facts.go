package datatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testBookingFacts: the facts of one organisation's bookings in a start
// range are those of its bookings as ListBookings gives them, paged, by
// start then ID, with another organisation's bookings between them; a
// cancellation (its code), a reschedule, an outcome (its code) and an
// outcome with a safeguarding incident move them; a cursor it did not
// issue and a missing organisation are invalid.
func testBookingFacts(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, south := newCase(1, "north"), newCase(2, "south")
	var ids []string
	for i := range 6 {
		for _, c := range []data.Case{north, south} {
			b := newBooking(c, fmt.Sprintf("int-%s-%d", c.Organisation, i), fmt.Sprintf("%02d:00", 8+i), fmt.Sprintf("%02d:30", 8+i))
			if i%2 == 1 {
				b.Confirmation, b.OfferID, b.OfferedAt = data.ConfirmationOffer, data.NewID(base), base.Add(-time.Hour)
			}
			if err := book(t, s, b); err != nil {
				t.Fatal(err)
			}
			if c.Organisation == "north" {
				ids = append(ids, b.ID)
			}
		}
	}
	if _, err := s.UpdateBooking(ctx, ids[1], cancelAs("the interpreter is ill", data.OutcomeCancelledByInterpreterLate)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, ids[2], reschedule("07:00", "07:30")); err != nil { // now the first
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, ids[3], func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.Complete(data.Outcome{Attended: false, Code: data.OutcomeInterpreterNoShow}, b.Start.Add(time.Minute))
		return next, bookingChange(b, data.ActionBookingOutcome), err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, ids[0], func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.Complete(data.Outcome{Attended: true, Checklist: &data.Checklist{Briefed: true}}, b.Start.Add(time.Minute))
		return next, bookingChange(b, data.ActionBookingOutcome), err
	}); err != nil {
		t.Fatal(err)
	}
	from, to := at("07:00"), at("12:00") // leaves out 12:00 and 13:00
	var want []data.BookingFact
	page, err := s.ListBookings(ctx, data.BookingQuery{Organisation: "north", From: from, To: to, Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range page.Items {
		want = append(want, b.Fact())
	}
	if len(want) != 4 || want[0].ID != ids[2] {
		t.Fatalf("fixture: %d bookings in the range, first %s", len(want), want[0].ID)
	}
	got := pagesOf(t, 2, func(after string) (data.Page[data.BookingFact], error) {
		return s.BookingFacts(ctx, data.ReportQuery{Organisation: "north", From: from, To: to, After: after, Limit: 2})
	})
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	byID := map[string]data.BookingFact{}
	for _, f := range got {
		byID[f.ID] = f
	}
	if f := byID[ids[1]]; f.Status != data.BookingCancelled || f.Confirmation != data.ConfirmationOffer || !f.OfferedAt.Equal(data.Timestamp(base.Add(-time.Hour))) ||
		f.Code != data.OutcomeCancelledByInterpreterLate || f.Incident {
		t.Errorf("the cancelled offer's fact: %+v", f)
	}
	if f := byID[ids[3]]; f.Status != data.BookingCompleted || !f.Recorded || f.Attended || f.Code != data.OutcomeInterpreterNoShow || f.Incident {
		t.Errorf("the completed booking's fact: %+v", f)
	}
	if f := byID[ids[0]]; f.Status != data.BookingCompleted || !f.Recorded || !f.Attended || f.Code != data.OutcomeAttended || !f.Incident {
		t.Errorf("the attended booking's fact with an incident: %+v", f)
	}
	if f := byID[ids[2]]; f.Status != data.BookingConfirmed || f.Recorded || f.Code != "" || f.Incident {
		t.Errorf("a confirmed booking's fact: %+v", f)
	}
	for _, id := range []string{ids[0], ids[1], ids[3]} { // the record keeps the code too
		b, err := s.Booking(ctx, id)
		if err != nil || b.Code == "" || b.Code != byID[id].Code {
			t.Errorf("booking %s as stored: code %q, %v; its fact says %q", id, b.Code, err, byID[id].Code)
		}
	}
	// The register's facts: both organisations', by start then ID, the
	// same facts as each organisation's, paged through its own index.
	var wantAll []data.BookingFact
	for _, org := range []string{"north", "south"} {
		wantAll = append(wantAll, pagesOf(t, data.MaxPageSize, func(after string) (data.Page[data.BookingFact], error) {
			return s.BookingFacts(ctx, data.ReportQuery{Organisation: org, From: from, To: to, After: after, Limit: data.MaxPageSize})
		})...)
	}
	sortFacts(wantAll, func(f data.BookingFact) (time.Time, string) { return f.Start, f.ID })
	all := pagesOf(t, 3, func(after string) (data.Page[data.BookingFact], error) {
		return s.BookingFacts(ctx, data.ReportQuery{Register: true, From: from, To: to, After: after, Limit: 3})
	})
	if len(wantAll) != 8 { // north's 4 and south's 08:00 to 11:00
		t.Fatalf("fixture: %d facts across the register, want 8", len(wantAll))
	}
	if diff := cmp.Diff(wantAll, all, cmpOpts); diff != "" {
		t.Errorf("the register's facts (-want +got):\n%s", diff)
	}
	if _, err := s.BookingFacts(ctx, data.ReportQuery{From: from}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("without an organisation: %v, want ErrInvalid", err)
	}
	if _, err := s.BookingFacts(ctx, data.ReportQuery{Organisation: "north", Register: true}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("an organisation and the register: %v, want ErrInvalid", err)
	}
	if _, err := s.BookingFacts(ctx, data.ReportQuery{Organisation: "north", After: "not a cursor"}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor it did not issue: %v, want ErrInvalid", err)
	}
	if _, err := s.BookingFacts(ctx, data.ReportQuery{Register: true, After: "not a cursor"}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor it did not issue, across the register: %v, want ErrInvalid", err)
	}
}

// sortFacts orders facts by start then ID, as listings return them.
func sortFacts[T any](facts []T, key func(T) (time.Time, string)) {
	slices.SortFunc(facts, func(a, b T) int {
		as, aid := key(a)
		bs, bid := key(b)
		if c := as.Compare(bs); c != 0 {
			return c
		}
		return strings.Compare(aid, bid)
	})
}

// testOfferFacts: the facts of one organisation's offers in a start
// range are those of its offers, paged, by start then ID, another
// organisation's between them; a decline that leaves an offer unfilled
// and a cancellation move them.
func testOfferFacts(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, south := newCase(1, "north"), newCase(2, "south")
	var offers []data.Offer
	for i := range 5 {
		for _, c := range []data.Case{north, south} {
			o := newOffer(c, data.OfferCascade, base, "in-1")
			o.Start, o.End = at(fmt.Sprintf("%02d:00", 8+i)), at(fmt.Sprintf("%02d:30", 8+i))
			createOffer(t, s, o)
			if c.Organisation == "north" {
				offers = append(offers, o)
			}
		}
	}
	next, err := s.UpdateOffer(ctx, offers[1].ID, decline("in-1", data.DeclineOther, base.Add(time.Minute), data.Judged{}))
	if err != nil || next.Status != data.OfferUnfilled {
		t.Fatalf("decline: %v, %s", err, next.Status)
	}
	offers[1] = next
	if offers[2], err = s.UpdateOffer(ctx, offers[2].ID, cancelOffer("not needed", base.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	var want []data.OfferFact
	for _, o := range offers[:4] { // 08:00 to 11:00; 12:00 is out of the range
		want = append(want, storedOffer(o).Fact())
	}
	got := pagesOf(t, 2, func(after string) (data.Page[data.OfferFact], error) {
		return s.OfferFacts(ctx, data.ReportQuery{Organisation: "north", From: at("08:00"), To: at("12:00"), After: after, Limit: 2})
	})
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("offer facts (-want +got):\n%s", diff)
	}
	if got[1].Status != data.OfferUnfilled || got[2].Status != data.OfferCancelled || got[0].Status != data.OfferOpen {
		t.Errorf("statuses: %s %s %s", got[0].Status, got[1].Status, got[2].Status)
	}
	if got[1].Code != data.OutcomeUnfilled || got[2].Code != data.OutcomeCancelledByRequesterLate || got[0].Code != "" {
		t.Errorf("codes: %q %q %q", got[0].Code, got[1].Code, got[2].Code)
	}
	for _, o := range got[1:3] { // the record keeps the code too
		if stored, err := s.Offer(ctx, o.ID); err != nil || stored.Code != o.Code {
			t.Errorf("offer %s as stored: code %q, %v; its fact says %q", o.ID, stored.Code, err, o.Code)
		}
	}
	// Across the register: north's and south's, by start then ID.
	var wantAll []data.OfferFact
	for _, org := range []string{"north", "south"} {
		wantAll = append(wantAll, pagesOf(t, data.MaxPageSize, func(after string) (data.Page[data.OfferFact], error) {
			return s.OfferFacts(ctx, data.ReportQuery{Organisation: org, From: at("08:00"), To: at("12:00"), After: after, Limit: data.MaxPageSize})
		})...)
	}
	sortFacts(wantAll, func(f data.OfferFact) (time.Time, string) { return f.Start, f.ID })
	all := pagesOf(t, 3, func(after string) (data.Page[data.OfferFact], error) {
		return s.OfferFacts(ctx, data.ReportQuery{Register: true, From: at("08:00"), To: at("12:00"), After: after, Limit: 3})
	})
	if len(wantAll) != 8 {
		t.Fatalf("fixture: %d offer facts across the register, want 8", len(wantAll))
	}
	if diff := cmp.Diff(wantAll, all, cmpOpts); diff != "" {
		t.Errorf("the register's offer facts (-want +got):\n%s", diff)
	}
	if _, err := s.OfferFacts(ctx, data.ReportQuery{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("without an organisation: %v, want ErrInvalid", err)
	}
}
