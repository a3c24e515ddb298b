package datatest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testCaseSittings pages through one case's sittings, of bookings of every
// status and outcome, with another case's and another organisation's
// bookings between them: each is the Sitting of the booking ListBookings
// returns for the case, in its order, with its cursors.
func testCaseSittings(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, other, south := newCase(1, "north"), newCase(2, "north"), newCase(3, "south")
	outcomes := []struct {
		status  data.BookingStatus
		outcome *data.Outcome
	}{
		{data.BookingConfirmed, nil},
		{data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: true, RecordedBy: "sw-1", RecordedAt: base}},
		{data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: false, Note: "asked for a break", RecordedBy: "sw-1", RecordedAt: base}},
		{data.BookingCompleted, &data.Outcome{Attended: false, Code: data.OutcomeInterpreterNoShow, RecordedBy: "sw-1", RecordedAt: base}},
		{data.BookingCancelled, nil},
		// An outcome recorded on a booking still confirmed: the sitting
		// says so, and matching judges it by its status.
		{data.BookingConfirmed, &data.Outcome{Attended: true, ChildComfortable: false, RecordedBy: "sw-1", RecordedAt: base}},
	}
	var want []data.Sitting
	for i := range 11 {
		o := outcomes[i%len(outcomes)]
		// Two of the case's bookings at each hour, of two interpreters:
		// ordered by ID within a start.
		from, to := at("07:00").Add(time.Duration(i/2)*time.Hour), at("07:30").Add(time.Duration(i/2)*time.Hour)
		mine := newBooking(north, []string{"int-a", "int-b", "int-c"}[i%3], from.Format("15:04"), to.Format("15:04"))
		mine.Status, mine.Outcome = o.status, o.outcome
		noiseCase := newBooking(other, "int-x", from.Format("15:04"), to.Format("15:04"))
		noiseCase.InterpreterID = "int-x" + mine.ID
		noiseOrg := newBooking(south, "int-s"+mine.ID, from.Format("15:04"), to.Format("15:04"))
		for _, b := range []data.Booking{noiseOrg, mine, noiseCase} {
			if err := book(t, s, b); err != nil {
				t.Fatalf("book %d: %v", i, err)
			}
		}
		want = append(want, storedBooking(mine).Sitting())
	}
	if got := []bool{want[1].Recorded, want[1].Attended, want[1].ChildComfortable, want[0].Recorded}; !cmp.Equal(got, []bool{true, true, true, false}) {
		t.Fatalf("the fixture's sittings are not as meant: %+v", want[:2])
	}

	// The case's bookings, whole, as ListBookings pages them.
	var listed []data.Sitting
	var listCursors []string
	q := data.BookingQuery{Organisation: "north", CaseID: north.ID, Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("ListBookings: paging does not end")
		}
		page, err := s.ListBookings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Items {
			listed = append(listed, b.Sitting())
		}
		listCursors = append(listCursors, page.Next)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Fatalf("ListBookings of the case (-want +got):\n%s", diff)
	}

	var got []data.Sitting
	var cursors []string
	q = data.BookingQuery{Organisation: "north", CaseID: north.ID, Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("CaseSittings: paging does not end")
		}
		page, err := s.CaseSittings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 3 || (page.Next != "" && len(page.Items) != 3) {
			t.Fatalf("page of %d with next %q", len(page.Items), page.Next)
		}
		got = append(got, page.Items...)
		cursors = append(cursors, page.Next)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if diff := cmp.Diff(listed, got); diff != "" {
		t.Errorf("CaseSittings (-ListBookings' sittings +got):\n%s", diff)
	}
	if diff := cmp.Diff(listCursors, cursors); diff != "" {
		t.Errorf("CaseSittings' cursors (-ListBookings' +got):\n%s", diff)
	}
	// A cursor of ListBookings for the case reads on from the same place.
	page, err := s.CaseSittings(ctx, data.BookingQuery{Organisation: "north", CaseID: north.ID, After: listCursors[0], Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(listed[3:6], page.Items); diff != "" {
		t.Errorf("CaseSittings after ListBookings' first cursor (-want +got):\n%s", diff)
	}
	// A whole case in one page, at the largest page size.
	page, err = s.CaseSittings(ctx, data.BookingQuery{Organisation: "north", CaseID: north.ID, Limit: data.MaxPageSize})
	if err != nil || page.Next != "" {
		t.Fatalf("CaseSittings in one page: next %q, %v", page.Next, err)
	}
	if diff := cmp.Diff(want, page.Items); diff != "" {
		t.Errorf("CaseSittings in one page (-want +got):\n%s", diff)
	}

	// A booking's change shows in the next read (no stale copy is kept),
	// though the same page was read, twice, just before.
	first, err := s.Booking(ctx, want[0].BookingID)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if page, err := s.CaseSittings(ctx, data.BookingQuery{Organisation: "north", CaseID: north.ID, Limit: 1}); err != nil || len(page.Items) != 1 || page.Items[0].Recorded {
			t.Fatalf("CaseSittings before an outcome: %+v, %v", page, err)
		}
	}
	// Another organisation asking for the same page gets nothing.
	if page, err := s.CaseSittings(ctx, data.BookingQuery{Organisation: "south", CaseID: north.ID, Limit: 1}); err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Errorf("CaseSittings of north's case asked by south: %+v, %v; want nothing", page, err)
	}
	done := first
	done.Status, done.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: true, RecordedBy: "sw-1", RecordedAt: base}
	if _, err := s.UpdateBooking(ctx, first.ID, to(done, bookingChange(first, data.ActionBookingOutcome))); err != nil {
		t.Fatal(err)
	}
	page, err = s.CaseSittings(ctx, data.BookingQuery{Organisation: "north", CaseID: north.ID, Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("CaseSittings after an outcome: %+v, %v", page, err)
	}
	if got, want := page.Items[0], (data.Sitting{BookingID: first.ID, Start: first.Start, InterpreterID: first.InterpreterID,
		Status: data.BookingCompleted, Recorded: true, Attended: true, ChildComfortable: true}); !cmp.Equal(want, got) {
		t.Errorf("CaseSittings after an outcome: %+v, want %+v", got, want)
	}

	for _, q := range []data.BookingQuery{
		{Organisation: "south", CaseID: north.ID},
		{Organisation: "north", CaseID: "no-such-case"},
	} {
		page, err := s.CaseSittings(ctx, q)
		if err != nil || len(page.Items) != 0 || page.Next != "" {
			t.Errorf("CaseSittings(%+v) = %+v, %v; want nothing", q, page, err)
		}
	}
	// The other case's own sittings are its own.
	page, err = s.CaseSittings(ctx, data.BookingQuery{Organisation: "north", CaseID: other.ID, Limit: data.MaxPageSize})
	if err != nil || len(page.Items) != len(want) {
		t.Fatalf("CaseSittings of the other case: %d sittings, %v", len(page.Items), err)
	}
	for _, x := range page.Items {
		if !strings.HasPrefix(x.InterpreterID, "int-x") || x.Recorded || x.Status != data.BookingConfirmed {
			t.Errorf("the other case has %+v", x)
		}
	}

	for _, q := range []data.BookingQuery{
		{CaseID: north.ID},
		{Organisation: "north"},
		{InterpreterID: "int-a"},
		{},
		{Organisation: "north", CaseID: north.ID, After: "not a cursor!"},
	} {
		if _, err := s.CaseSittings(ctx, q); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("CaseSittings(%+v): %v, want ErrInvalid", q, err)
		}
	}
}
