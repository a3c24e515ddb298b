package bolt

import (
	"fmt"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// The sittings benchmarks read one case's 50 bookings, as every match
// does for its history, among 5,000 bookings of 100 cases: whole, through
// ListBookings (BenchmarkCaseBookings, the read matching used before), and
// as sittings, through CaseSittings (BenchmarkCaseSittings). Both read at
// the largest page size, as the app does, from a warm cache.

// benchCaseStore is a store of cases of 50 bookings each, every booking
// with a match snapshot, the completed ones with an outcome; it returns
// the query of one case.
func benchCaseStore(b *testing.B) (*Store, data.BookingQuery) {
	s := openBench(b)
	const cases, each = 100, 50
	var bs []data.Booking
	for c := range cases {
		for k := range each {
			start := yearStart.Add(time.Duration(k)*24*time.Hour + time.Duration(8+c%8)*time.Hour)
			bk := testBooking(fmt.Sprintf("bk-%03d-%02d", c, k), benchInterpreterID(c*each+k), start, time.Hour)
			bk.CaseID, bk.CaseReference = fmt.Sprintf("case-%03d", c), "NR-2026-0042"
			bk.Match = data.MatchSnapshot{Score: 42,
				Factors:  []data.Factor{{Factor: "training", Points: 30, Reason: "trauma-informed training"}, {Factor: "spread", Points: 12, Reason: "few recent bookings"}},
				Warnings: []data.Reason{{Code: "community_link", Message: "shares a declared country link with the child"}}}
			switch k % 4 {
			case 0:
				bk.Status = data.BookingCancelled
			case 1, 2:
				bk.Status, bk.Code = data.BookingCompleted, data.OutcomeAttended
				bk.Outcome = &data.Outcome{Attended: true, ChildComfortable: k%4 == 1, Note: "asked for a break", Code: data.OutcomeAttended,
					Checklist: &data.Checklist{Briefed: true, NeverAloneWithChild: true}, RecordedBy: "sw-1", RecordedAt: start.Add(time.Hour)}
			}
			bs = append(bs, bk)
		}
	}
	seedBookings(b, s, bs)
	return s, data.BookingQuery{Organisation: "north", CaseID: "case-042", Limit: data.MaxPageSize}
}

// BenchmarkCaseBookings reads a case's 50 bookings whole: decoded (from
// the cache), copied and appended.
func BenchmarkCaseBookings(b *testing.B) {
	s, q := benchCaseStore(b)
	ctx := b.Context()
	if page, err := s.ListBookings(ctx, q); err != nil || len(page.Items) != 50 {
		b.Fatalf("%d bookings, %v", len(page.Items), err)
	}
	for b.Loop() {
		if _, err := s.ListBookings(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCaseSittings reads the sittings of a case's 50 bookings.
func BenchmarkCaseSittings(b *testing.B) {
	s, q := benchCaseStore(b)
	ctx := b.Context()
	if page, err := s.CaseSittings(ctx, q); err != nil || len(page.Items) != 50 {
		b.Fatalf("%d sittings, %v", len(page.Items), err)
	}
	for b.Loop() {
		if _, err := s.CaseSittings(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
