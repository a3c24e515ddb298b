package bolt

import (
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// BenchmarkMatchPool reads what a match of a Sorani-speaking child needs
// of a register of 10,000 with 100,000 bookings: its 834 speakers and
// their bookings around a slot. "pool" is MatchPool, kept from one read to
// the next while nothing changes; "records", its baseline, the listing and
// the confirmed bookings matching read before (the language's pool kept
// decoded, each booking from the per-record cache); "after a booking",
// MatchPool when each read follows a booking of one of the speakers, so
// that the bookings' version has moved and one schedule is rebuilt.
func BenchmarkMatchPool(b *testing.B) {
	s := openBench(b)
	ins := make([]data.Interpreter, 10_000)
	common := []string{"ar", "fa", "ps", "ur", "so"}
	for i := range ins {
		if i%12 == 0 {
			ins[i] = benchInterpreter(i, "ckb")
		} else {
			ins[i] = benchInterpreter(i, common[i%len(common)])
		}
	}
	seed(b, s, ins, nil)
	slot := benchBase.AddDate(0, 0, 7)
	var bookings []data.Booking
	for i := range 100_000 {
		start := benchBase.Add(time.Duration(i%(45*24)) * time.Hour)
		bookings = append(bookings, heldBooking(fmt.Sprintf("b%06d", i), ins[i%len(ins)].ID, start))
	}
	for chunk := range slices.Chunk(bookings, 5000) {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			for _, bk := range chunk {
				if err := createBooking(tx, bk); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	from, to := slot.AddDate(0, 0, -30), slot.AddDate(0, 0, 15)
	const want = 834
	b.Run("pool", func(b *testing.B) {
		for b.Loop() {
			if m, err := s.MatchPool(b.Context(), []string{"ku"}, from, to); err != nil || len(m) != want {
				b.Fatalf("%d members, %v", len(m), err)
			}
		}
	})
	b.Run("moving range", func(b *testing.B) {
		// A match's range starts 30 days before now, so it moves with
		// every call; it passes a slot's start about once an hour here.
		moved := from
		for b.Loop() {
			moved = moved.Add(time.Millisecond)
			if m, err := s.MatchPool(b.Context(), []string{"ku"}, moved, to); err != nil || len(m) != want {
				b.Fatalf("%d members, %v", len(m), err)
			}
		}
	})
	b.Run("records", func(b *testing.B) {
		for b.Loop() {
			var ids []string
			q := data.InterpreterQuery{LanguageKey: "ku", Limit: data.MaxPageSize}
			for {
				page, err := s.ListInterpreters(b.Context(), q)
				if err != nil {
					b.Fatal(err)
				}
				for _, in := range page.Items {
					ids = append(ids, in.ID)
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
			if _, err := s.ConfirmedBookings(b.Context(), ids, from, to); err != nil || len(ids) != want {
				b.Fatalf("%d interpreters, %v", len(ids), err)
			}
		}
	})
	b.Run("after a booking", func(b *testing.B) {
		if _, err := s.MatchPool(b.Context(), []string{"ku"}, from, to); err != nil {
			b.Fatal(err)
		}
		n := afterBookingRuns // IDs not taken by an earlier run of this benchmark
		for b.Loop() {
			b.StopTimer()
			start := slot.Add(time.Duration(n) * 2 * time.Hour).Add(30 * time.Minute)
			bk := heldBooking(fmt.Sprintf("x%06d", n), ins[(n*12)%len(ins)].ID, start)
			if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, bk) }); err != nil {
				b.Fatal(err)
			}
			n++
			afterBookingRuns = n
			b.StartTimer()
			if m, err := s.MatchPool(b.Context(), []string{"ku"}, from, to); err != nil || len(m) != want {
				b.Fatalf("%d members, %v", len(m), err)
			}
		}
	})
}

// afterBookingRuns counts the bookings BenchmarkMatchPool's "after a
// booking" has written, so that a second run (-count) names new ones.
var afterBookingRuns int
