package bolt

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestMatchPoolWhileBooking: readers of the pool racing a writer of
// bookings each get, at every read, some state the store was in (every
// slot a booking that holds time, none twice), and once the writer is done
// the pool is what the bookings say.
func TestMatchPoolWhileBooking(t *testing.T) {
	s := openBench(t)
	ins := seedSorani(t, s, 24)
	from, to := benchBase, benchBase.AddDate(0, 0, 20)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				members, err := s.MatchPool(t.Context(), []string{"ku"}, from, to)
				if err != nil || len(members) != len(ins) {
					t.Errorf("MatchPool: %d members, %v", len(members), err)
					return
				}
				for _, m := range members {
					if !slices.IsSortedFunc(m.Slots, data.CompareSlots) || len(slices.CompactFunc(slices.Clone(m.Slots), func(a, b data.Slot) bool { return a.BookingID == b.BookingID })) != len(m.Slots) {
						t.Errorf("%s's slots out of order or twice: %v", m.Profile.Interpreter.ID, m.Slots)
						return
					}
				}
			}
		})
	}
	for i := range 80 {
		start := benchBase.Add(time.Duration(i) * 90 * time.Minute)
		b := heldBooking(fmt.Sprintf("b%04d", i), ins[i%len(ins)].ID, start)
		if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, b) }); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			cancelBooking(t, s, b.ID)
		}
	}
	close(stop)
	wg.Wait()
	poolIsBookings(t, s, from, to)
}

// poolIsBookings checks that MatchPool gives each member's slots in
// [from, to) as exactly the bookings ConfirmedBookings reads.
func poolIsBookings(t *testing.T, s *Store, from, to time.Time) {
	t.Helper()
	members, err := s.MatchPool(t.Context(), []string{"ku"}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		held, err := s.ConfirmedBookings(t.Context(), []string{m.Profile.Interpreter.ID}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, b := range held {
			want = append(want, b.ID)
		}
		var got []string
		for _, sl := range m.Slots {
			got = append(got, sl.BookingID)
		}
		if !slices.Equal(want, got) {
			t.Errorf("%s: slots %v, bookings %v", m.Profile.Interpreter.ID, got, want)
		}
	}
}

// TestMatchPoolKeptAcrossWindows: the pool's schedules kept from one read
// serve the next only while no booking is written, and serve reads of
// other windows with what those windows hold: after each booking and
// each cancellation, reads of three windows (each twice, the second from
// what the first kept) give exactly the bookings.
func TestMatchPoolKeptAcrossWindows(t *testing.T) {
	s := openBench(t)
	ins := seedSorani(t, s, 6)
	windows := [][2]time.Time{
		{benchBase, benchBase.AddDate(0, 0, 20)},
		{benchBase.AddDate(0, 0, 5), benchBase.AddDate(0, 0, 6)},
		{benchBase.AddDate(0, 0, 30), benchBase.AddDate(0, 0, 90)}, // past every floor kept so far
	}
	// Each check starts with the window the last one ended with, whose
	// kept schedules a stale read would use after a write.
	check := func() {
		t.Helper()
		for _, w := range [][2]time.Time{windows[2], windows[0], windows[1], windows[2]} {
			poolIsBookings(t, s, w[0], w[1])
			poolIsBookings(t, s, w[0], w[1])
		}
	}
	check()
	for i := range 24 {
		start := benchBase.Add(time.Duration(i) * 61 * time.Hour)
		b := heldBooking(fmt.Sprintf("k%04d", i), ins[i%len(ins)].ID, start)
		if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, b) }); err != nil {
			t.Fatal(err)
		}
		check()
		if i%2 == 0 {
			cancelBooking(t, s, b.ID)
			check()
		}
	}
}

// heldBooking is a confirmed hour-long booking of interpreter id from
// start, as the pool's tests and benchmarks write them.
func heldBooking(id, interpreterID string, start time.Time) data.Booking {
	return data.Booking{
		ID: id, Organisation: "north", CaseID: "c1", InterpreterID: interpreterID,
		Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityVideo,
		Status: data.BookingConfirmed, Additional: true, Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase,
	}
}

// cancelBooking cancels booking id through the store, with its audit entry.
func cancelBooking(t *testing.T, s *Store, id string) {
	t.Helper()
	if _, err := s.UpdateBooking(t.Context(), id, func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.Cancel("moved", data.OutcomeCancelledByRequester, benchBase)
		e := data.NewAuditEntry(benchBase, data.User{ID: "u-1", Organisation: "north"}, "north", data.ActionBookingCancelled, data.EntityBooking, b.ID)
		return next, data.Audited(e), err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMatchPoolAnswerKeptWhileNoSlotCrosses: a pool's answer is served
// again, whole, to a call whose range holds the same slots (a match's
// range moves with the clock), and never to one whose bounds pass a slot's
// start, or after a booking is written: every read gives exactly the
// bookings in its range.
func TestMatchPoolAnswerKeptWhileNoSlotCrosses(t *testing.T) {
	s := openBench(t)
	ins := seedSorani(t, s, 4)
	first, second := benchBase.Add(10*time.Hour), benchBase.Add(50*time.Hour)
	early := benchBase.Add(-8 * 24 * time.Hour) // under the floor of every schedule kept for from
	for i, start := range []time.Time{first, second, early} {
		b := heldBooking(fmt.Sprintf("x%d", i), ins[i].ID, start)
		if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, b) }); err != nil {
			t.Fatal(err)
		}
	}
	read := func(from, to time.Time) []data.PoolMember {
		t.Helper()
		poolIsBookings(t, s, from, to)
		members, err := s.MatchPool(t.Context(), []string{"ku"}, from, to)
		if err != nil || len(members) != len(ins) {
			t.Fatalf("MatchPool: %d members, %v", len(members), err)
		}
		return members
	}
	served := func(a, b []data.PoolMember) bool { return &a[0] == &b[0] }
	from, to := benchBase.Add(time.Hour), benchBase.Add(40*time.Hour)
	kept := read(from, to)
	for _, w := range [][2]time.Time{
		{from.Add(time.Minute), to.Add(time.Minute)},
		{first, second},                 // first still in, second still out
		{benchBase, to.Add(-time.Hour)}, // no slot before either bound
	} {
		if got := read(w[0], w[1]); !served(kept, got) {
			t.Errorf("[%s, %s) holds the same slots but was read anew", w[0], w[1])
		}
	}
	for _, w := range [][2]time.Time{
		{first.Add(time.Nanosecond), to},     // first leaves
		{from, second.Add(time.Nanosecond)},  // second comes in
		{first.Add(time.Nanosecond), second}, // first leaves; the answer kept says so
		{early.Add(-time.Hour), to},          // early comes in, under the kept schedules' floor
	} {
		if got := read(w[0], w[1]); served(kept, got) {
			t.Errorf("[%s, %s) holds other slots but was served the kept answer", w[0], w[1])
		}
		kept = read(from, to)
	}
	b := heldBooking("x3", ins[3].ID, first.Add(time.Hour))
	if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, b) }); err != nil {
		t.Fatal(err)
	}
	if got := read(from, to); served(kept, got) || len(got[3].Slots) != 1 {
		t.Errorf("after a booking, the kept answer was served: %v", got[3].Slots)
	}
	// An interpreter's change, with no booking written, is in the next
	// answer.
	kept = read(from, to)
	renamed := ins[1]
	renamed.Name = "Renamed Interpreter"
	if _, err := s.UpdateInterpreter(t.Context(), renamed.ID, replace(renamed)); err != nil {
		t.Fatal(err)
	}
	if got := read(from, to); served(kept, got) || got[1].Profile.Interpreter.Name != renamed.Name {
		t.Errorf("after an interpreter's change, the kept answer was served: %q", got[1].Profile.Interpreter.Name)
	}
}

// seedSorani seeds n interpreters who speak Sorani (under the pool key
// "ku") and returns them.
func seedSorani(t *testing.T, s *Store, n int) []data.Interpreter {
	t.Helper()
	ins := make([]data.Interpreter, n)
	for i := range ins {
		ins[i] = benchInterpreter(i, "ckb")
	}
	seed(t, s, ins, nil)
	return ins
}
