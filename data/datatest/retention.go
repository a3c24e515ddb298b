package datatest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testRetention pages, one at a time, through the bookings not yet
// anonymised that ended before a cutoff, in every organisation, by end
// then ID: an anonymised one and later ones sit between them. An
// anonymised booking keeps its IDs, dates, codes and outcome flags, loses
// its free text and place, and leaves the walk. A case's legal hold
// round-trips.
func testRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, south := newCase(1, "north"), newCase(2, "south")
	north.LegalHold = true
	if err := s.CreateCase(ctx, north, caseChange(north, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Case(ctx, north.ID); err != nil || !got.LegalHold {
		t.Errorf("a held case reads back %+v, %v", got.LegalHold, err)
	}
	yearsAgo := func(b data.Booking, years int) data.Booking {
		b.Start, b.End = b.Start.AddDate(-years, 0, 0), b.End.AddDate(-years, 0, 0)
		return b
	}
	oldest := yearsAgo(newBooking(north, "int-1", "09:00", "10:00"), 8)
	sameEnd := yearsAgo(newBooking(south, "int-2", "09:00", "10:00"), 8)
	old := yearsAgo(newBooking(south, "int-1", "11:00", "12:00"), 7)
	done := yearsAgo(newBooking(north, "int-3", "10:00", "11:00"), 7)
	recent := yearsAgo(newBooking(north, "int-1", "09:00", "10:00"), 5)
	done.Outcome = &data.Outcome{Attended: true, ChildComfortable: true, Note: "she asked for the same interpreter", RecordedBy: "sw-1", RecordedAt: done.End}
	done.Status, done.Location = data.BookingCompleted, "Room 4, Hill Street police station"
	for _, b := range []data.Booking{recent, done, old, sameEnd, oldest} {
		if err := book(t, s, b); err != nil {
			t.Fatal(err)
		}
	}
	anonymised, err := s.UpdateBooking(ctx, done.ID, func(b data.Booking) (data.Booking, data.Change, error) {
		return b.Anonymise(base), bookingChange(b, data.ActionBookingAnonymised), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Booking(ctx, done.ID)
	if err != nil || !cmp.Equal(anonymised, got, cmpOpts) {
		t.Errorf("the anonymised booking reads back %+v, %v; stored %+v", got, err, anonymised)
	}
	if got.Anonymised.IsZero() || got.Location != "" || got.CaseReference != "" || got.Outcome.Note != "" || got.Match.Factors[0].Reason != "" ||
		got.Match.Warnings[0].Message != "" || got.Match.Warnings[0].Code != "community_link" || !got.Outcome.ChildComfortable ||
		got.Status != data.BookingCompleted || got.CaseID != north.ID || !got.Start.Equal(data.Timestamp(done.Start)) {
		t.Errorf("anonymised: %+v", got)
	}

	cutoff := base.AddDate(-6, 0, 0)
	want := []string{oldest.ID, sameEnd.ID, old.ID}
	if oldest.ID > sameEnd.ID {
		want[0], want[1] = sameEnd.ID, oldest.ID
	}
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := s.BookingsEndedBefore(ctx, cutoff, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, bookingIDs(page.Items)...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("bookings ended before %s (-want +got):\n%s", cutoff, diff)
	}
	if page, err := s.BookingsEndedBefore(ctx, data.Timestamp(old.End), "", 10); err != nil || len(page.Items) != 2 {
		t.Errorf("ended before the end of one (not at it): %v, %v", bookingIDs(page.Items), err)
	}
	if _, err := s.BookingsEndedBefore(ctx, cutoff, "no-such-booking", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no booking: %v, want ErrInvalid", err)
	}
}
