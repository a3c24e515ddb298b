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
	ins := make([]data.Interpreter, 24)
	for i := range ins {
		ins[i] = benchInterpreter(i, "ckb")
	}
	seed(t, s, ins, nil)
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
		b := data.Booking{
			ID: fmt.Sprintf("b%04d", i), Organisation: "north", CaseID: "c1", InterpreterID: ins[i%len(ins)].ID,
			Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityVideo,
			Status: data.BookingConfirmed, Additional: true, Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase,
		}
		if err := s.db.Update(func(tx *bolt.Tx) error { return createBooking(tx, b) }); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := s.UpdateBooking(t.Context(), b.ID, func(b data.Booking) (data.Booking, data.Change, error) {
				next, err := b.Cancel("moved", data.OutcomeCancelledByRequester, benchBase)
				e := data.NewAuditEntry(benchBase, data.User{ID: "u-1", Organisation: "north"}, "north", data.ActionBookingCancelled, data.EntityBooking, b.ID)
				return next, data.Audited(e), err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
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
