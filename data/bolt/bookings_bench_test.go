package bolt

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// The booking benchmarks show that the overlap check and ConfirmedBookings
// cost what their answer costs: among 30 bookings and among 100,000 spread
// over a year, booking a slot or reading 500 interpreters' fortnight takes
// about the same time.

// seedBookings writes bookings in batches of a few thousand per transaction
// through createBooking, overlap check included, without audit entries.
func seedBookings(tb testing.TB, s *Store, bs []data.Booking) {
	tb.Helper()
	for chunk := range slices.Chunk(bs, 5000) {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			for _, b := range chunk {
				if err := createBooking(tx, b); err != nil {
					return fmt.Errorf("seed %s: %w", b.ID, err)
				}
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

// yearStart is the first day of the year the benchmark bookings fill.
var yearStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func benchInterpreterID(j int) string { return fmt.Sprintf("int-%05d", j) }

// benchBookings returns perInterpreter (at most 10) bookings for each of n
// interpreters, on days 36 apart through the year (shifted by interpreter),
// two hours in the morning: half of them in person with an hour's buffer,
// one in ten cancelled, spread over two organisations and many cases.
func benchBookings(n, perInterpreter int) []data.Booking {
	var out []data.Booking
	for j := range n {
		for k := range perInterpreter {
			day := (k*36 + j) % 365
			start := yearStart.Add(time.Duration(day)*24*time.Hour + time.Duration(8+j%4)*time.Hour)
			b := testBooking(fmt.Sprintf("bk-%05d-%02d", j, k), benchInterpreterID(j), start, 2*time.Hour)
			b.Organisation = []string{"north", "south"}[j%2]
			b.CaseID = fmt.Sprintf("case-%d", (j*perInterpreter+k)/3)
			b.BookedBy, b.CaseReference = "sw-1", "NR-2026-0042"
			b.Match = data.MatchSnapshot{Score: 42, Factors: []data.Factor{{Factor: "training", Points: 30, Reason: "trauma-informed training"}}}
			if k%2 == 1 {
				b.Modality, b.Region, b.Location, b.Buffer = data.ModalityInPerson, "GB-LND", "Room 4", time.Hour
			}
			if (j+k)%10 == 0 {
				b.Status = data.BookingCancelled
			}
			out = append(out, b)
		}
	}
	return out
}

// bookingStores are the two stores each booking benchmark compares: 30
// bookings of 30 interpreters, and 100,000 of 10,000 over the year.
var bookingStores = []struct{ interpreters, each int }{{30, 1}, {10_000, 10}}

// BenchmarkCreateBooking books video slots in the afternoon of the seeded
// days (free, but among the interpreter's morning bookings), a new
// interpreter each time: one write transaction, fsynced, per booking.
func BenchmarkCreateBooking(b *testing.B) {
	for _, size := range bookingStores {
		b.Run(fmt.Sprintf("bookings=%d", size.interpreters*size.each), func(b *testing.B) {
			s := openBench(b)
			seedBookings(b, s, benchBookings(size.interpreters, size.each))
			n := size.interpreters
			i := 0
			for b.Loop() {
				j, slot := i%n, i/n
				start := yearStart.Add(time.Duration(slot%365)*24*time.Hour + time.Duration(14+slot/365%9)*time.Hour)
				bk := testBooking(fmt.Sprintf("new-%08d", i), benchInterpreterID(j), start, time.Hour)
				if err := s.CreateBooking(b.Context(), bk, testChange(bk.ID)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
		})
	}
}

// BenchmarkCreateBookingParallel is BenchmarkCreateBooking from 32
// goroutines at once, as 32 clients of the service would book: the store's
// durable write rate, which POST /v1/bookings cannot exceed. bbolt runs one
// write transaction at a time, each with its fsync, so it is about the rate
// of one writer.
func BenchmarkCreateBookingParallel(b *testing.B) {
	s := openBench(b)
	const interpreters = 10_000
	seedBookings(b, s, benchBookings(interpreters, 10))
	var next atomic.Int64
	b.SetParallelism(16) // 16 × GOMAXPROCS goroutines: 32 on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			j, slot := i%interpreters, i/interpreters
			start := yearStart.Add(time.Duration(slot%365)*24*time.Hour + time.Duration(14+slot/365%9)*time.Hour)
			bk := testBooking(fmt.Sprintf("new-%08d", i), benchInterpreterID(j), start, time.Hour)
			if err := s.CreateBooking(b.Context(), bk, testChange(bk.ID)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
}

// BenchmarkOverlapCheck runs the overlap check alone, in a read
// transaction, for a free slot between an interpreter's bookings: the part
// of CreateBooking that could grow with the store, without the fsync.
func BenchmarkOverlapCheck(b *testing.B) {
	for _, size := range bookingStores {
		b.Run(fmt.Sprintf("bookings=%d", size.interpreters*size.each), func(b *testing.B) {
			s := openBench(b)
			seed := benchBookings(size.interpreters, size.each)
			seedBookings(b, s, seed)
			probe := testBooking("probe", seed[1].InterpreterID, seed[1].End.Add(3*time.Hour), time.Hour) // seed[1] is confirmed
			err := s.db.View(func(tx *bolt.Tx) error {
				for b.Loop() {
					if err := checkOverlap(tx, probe); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkConfirmedBookings asks for 500 interpreters' confirmed bookings
// over 16 days: among the bookings of those 500 alone (5,000), and among
// 100,000 bookings of 10,000 interpreters, of which it asks for every 20th.
// Both answers hold the same number of bookings.
func BenchmarkConfirmedBookings(b *testing.B) {
	for _, size := range []struct{ interpreters, step int }{{500, 1}, {10_000, 20}} {
		b.Run(fmt.Sprintf("bookings=%d", size.interpreters*10), func(b *testing.B) {
			s := openBench(b)
			all := benchBookings(size.interpreters, 10)
			seedBookings(b, s, all)
			var ids []string
			for j := 0; j < size.interpreters; j += size.step {
				ids = append(ids, benchInterpreterID(j))
			}
			from := yearStart.Add(100 * 24 * time.Hour)
			to := from.Add(16 * 24 * time.Hour)
			want := 0
			for _, bk := range all {
				if bk.Status == data.BookingConfirmed && slices.Contains(ids, bk.InterpreterID) && !bk.Start.Before(from) && bk.Start.Before(to) {
					want++
				}
			}
			for b.Loop() {
				got, err := s.ConfirmedBookings(b.Context(), ids, from, to)
				if err != nil || len(got) != want {
					b.Fatalf("%d bookings, want %d: %v", len(got), want, err)
				}
			}
			b.ReportMetric(float64(want), "bookings/op")
		})
	}
}

// BenchmarkOrganisationBookingsPage reads a 50-booking page of one
// organisation among 100,000 bookings: what a case's history and the
// bookings listing read, records kept decoded in the store's cache.
func BenchmarkOrganisationBookingsPage(b *testing.B) {
	s := openBench(b)
	seedBookings(b, s, benchBookings(10_000, 10))
	q := data.BookingQuery{Organisation: "north", From: yearStart.Add(100 * 24 * time.Hour), Limit: 50}
	for b.Loop() {
		page, err := s.ListBookings(b.Context(), q)
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("%d bookings: %v", len(page.Items), err)
		}
	}
}

// BenchmarkCaseSlotCheck runs the case's own rule alone (checkCaseSlot,
// one interview one interpreter), in a read transaction, for a slot of a
// case with bookings that day: the part a direct booking or an offer adds
// to its write, among 30 bookings and among 100,000.
func BenchmarkCaseSlotCheck(b *testing.B) {
	for _, size := range bookingStores {
		b.Run(fmt.Sprintf("bookings=%d", size.interpreters*size.each), func(b *testing.B) {
			s := openBench(b)
			seed := benchBookings(size.interpreters, size.each)
			seedBookings(b, s, seed)
			near := seed[1] // confirmed: the probe is three hours after it, same case
			start := near.End.Add(3 * time.Hour)
			err := s.db.View(func(tx *bolt.Tx) error {
				for b.Loop() {
					if err := checkCaseSlot(tx, near.Organisation, near.CaseID, "probe", start, start.Add(time.Hour)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
