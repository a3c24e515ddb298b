package datatest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testBookingListings pages through one case's, one interpreter's, one
// booker's and one organisation's bookings, and through their
// combinations, with other cases', interpreters', bookers' and
// organisations' bookings between them.
func testBookingListings(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, other, south := newCase(1, "north"), newCase(2, "north"), newCase(3, "south")
	var byCase, byInterpreter, byOrg, byOrgMorning []string
	var byBooker, byBookerMorning, byInterpreterBooker, byBookerSouth []string
	var byInterpreterEverywhere []string // int-0's, in north and south, any status
	for i := range 12 {
		h := fmt.Sprintf("%02d:00", 7+i)
		e := fmt.Sprintf("%02d:30", 7+i)
		// Mine alternate between two bookers; the other case's bookings are
		// a third's, whose ID extends sw-1; the same sw-1 books in south.
		mine := newBooking(north, fmt.Sprintf("int-%d", i%3), h, e)
		mine.BookedBy = []string{"sw-1", "sw-2"}[i%2]
		noiseCase := newBooking(other, "int-0", h, e)
		noiseCase.InterpreterID, noiseCase.BookedBy = fmt.Sprintf("int-x%d", i), "sw-10"
		noiseOrg := newBooking(south, "int-0", h, e)
		noiseOrg.InterpreterID, noiseOrg.BookedBy = fmt.Sprintf("int-s%d", i), "sw-1"
		for _, b := range []data.Booking{noiseOrg, mine, noiseCase} {
			if err := book(t, s, b); err != nil {
				t.Fatalf("book %s: %v", h, err)
			}
		}
		byCase = append(byCase, mine.ID)
		if i%3 == 0 {
			byInterpreter = append(byInterpreter, mine.ID)
		}
		byOrg = append(byOrg, mine.ID, noiseCase.ID)
		if i < 5 {
			byOrgMorning = append(byOrgMorning, mine.ID, noiseCase.ID)
		}
		if i%2 == 0 {
			byBooker = append(byBooker, mine.ID)
			if i < 5 {
				byBookerMorning = append(byBookerMorning, mine.ID)
			}
			if i%3 == 0 {
				byInterpreterBooker = append(byInterpreterBooker, mine.ID)
			}
		}
		byBookerSouth = append(byBookerSouth, noiseOrg.ID)
		if i%3 == 0 {
			byInterpreterEverywhere = append(byInterpreterEverywhere, mine.ID)
		}
		if i%4 == 1 { // int-0 in south too, later in the hour, some cancelled
			cross := newBooking(south, "int-0", fmt.Sprintf("%02d:40", 7+i), fmt.Sprintf("%02d:50", 7+i))
			cross.BookedBy = "sw-5"
			if i%8 == 1 {
				cross.Status = data.BookingCancelled
			}
			if err := book(t, s, cross); err != nil {
				t.Fatalf("book %s in south: %v", h, err)
			}
			byInterpreterEverywhere = append(byInterpreterEverywhere, cross.ID)
		}
	}
	// Same start: ordered by ID (mine was created before noiseCase).
	for _, tc := range []struct {
		name string
		q    data.BookingQuery
		want []string
	}{
		{"by case", data.BookingQuery{Organisation: "north", CaseID: north.ID}, byCase},
		{"by interpreter", data.BookingQuery{Organisation: "north", InterpreterID: "int-0"}, byInterpreter},
		{"by case and interpreter", data.BookingQuery{Organisation: "north", CaseID: north.ID, InterpreterID: "int-0"}, byInterpreter},
		{"by organisation", data.BookingQuery{Organisation: "north"}, byOrg},
		{"by organisation, from 07:00 to noon", data.BookingQuery{Organisation: "north", From: at("07:00"), To: at("12:00")}, byOrgMorning},
		{"another organisation's case", data.BookingQuery{Organisation: "south", CaseID: north.ID}, nil},
		{"by booker", data.BookingQuery{Organisation: "north", BookedBy: "sw-1"}, byBooker},
		{"by booker, from 07:00 to noon", data.BookingQuery{Organisation: "north", BookedBy: "sw-1", From: at("07:00"), To: at("12:00")}, byBookerMorning},
		{"by case and booker", data.BookingQuery{Organisation: "north", CaseID: north.ID, BookedBy: "sw-1"}, byBooker},
		{"by interpreter and booker", data.BookingQuery{Organisation: "north", InterpreterID: "int-0", BookedBy: "sw-1"}, byInterpreterBooker},
		{"by case, interpreter and booker", data.BookingQuery{Organisation: "north", CaseID: north.ID, InterpreterID: "int-0", BookedBy: "sw-1"}, byInterpreterBooker},
		{"by another case and booker", data.BookingQuery{Organisation: "north", CaseID: other.ID, BookedBy: "sw-1"}, nil},
		{"by a booker in another organisation", data.BookingQuery{Organisation: "south", BookedBy: "sw-1"}, byBookerSouth},
		{"by a booker without bookings", data.BookingQuery{Organisation: "north", BookedBy: "sw-9"}, nil},
		{"by interpreter in every organisation", data.BookingQuery{InterpreterID: "int-0"}, byInterpreterEverywhere},
		{"by interpreter in every organisation, from 08:00 to 10:00", data.BookingQuery{InterpreterID: "int-0", From: at("08:00"), To: at("10:00")},
			byInterpreterEverywhere[1:2]},
		{"by an interpreter without bookings, in every organisation", data.BookingQuery{InterpreterID: "int-9"}, nil},
	} {
		var got []string
		q := tc.q
		q.Limit = 3
		for pages := 0; ; pages++ {
			if pages > 30 {
				t.Fatalf("%s: paging does not end", tc.name)
			}
			page, err := s.ListBookings(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(page.Items) > 3 || (page.Next != "" && len(page.Items) != 3) {
				t.Fatalf("%s: page of %d with next %q", tc.name, len(page.Items), page.Next)
			}
			got = append(got, bookingIDs(page.Items)...)
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	for _, q := range []data.BookingQuery{{CaseID: north.ID}, {InterpreterID: "int-0", CaseID: north.ID}, {InterpreterID: "int-0", BookedBy: "sw-1"}, {}} {
		if _, err := s.ListBookings(ctx, q); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("ListBookings(%+v) without an organisation: %v, want ErrInvalid", q, err)
		}
	}
}

func testConfirmedBookings(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	a1 := newBooking(c, "int-a", "09:00", "10:00")
	a2 := newBooking(c, "int-a", "13:00", "14:00")
	b1 := newBooking(c, "int-b", "09:00", "10:00")
	cancelled := newBooking(c, "int-b", "11:00", "12:00")
	cancelled.Status = data.BookingCancelled
	late := newBooking(c, "int-a", "20:00", "21:00")
	outsider := newBooking(c, "int-c", "09:00", "10:00")
	for _, b := range []data.Booking{a2, b1, a1, cancelled, late, outsider} {
		if err := book(t, s, b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ConfirmedBookings(ctx, []string{"int-b", "int-a", "int-z"}, at("08:00"), at("20:00"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{a1.ID, a2.ID, b1.ID}, bookingIDs(got)); diff != "" {
		t.Errorf("ConfirmedBookings (-want +got):\n%s", diff)
	}
	if len(got) > 0 && !cmp.Equal(storedBooking(a1), got[0], cmpOpts) {
		t.Errorf("ConfirmedBookings returns %+v, want the whole booking", got[0])
	}
	if got, err := s.ConfirmedBookings(ctx, nil, at("08:00"), at("20:00")); err != nil || len(got) != 0 {
		t.Errorf("ConfirmedBookings of nobody: %v, %v", got, err)
	}
}
