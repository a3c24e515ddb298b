package datatest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
)

// runUpdateRaces runs the races of update functions: writers race through
// two store instances, and each function's rule holds for whichever writer
// wins. A rule that builds on the record (an increment) loses no update; a
// rule that allows a change once lets exactly one writer make it, and
// every other writer gets the function's own refusal.
func runUpdateRaces(t *testing.T, newDB NewDatabase) {
	t.Run("InterpreterUpdateRace", func(t *testing.T) { testInterpreterUpdateRace(t, newDB(t)) })
	t.Run("CaseUpdateRace", func(t *testing.T) { testCaseUpdateRace(t, newDB(t)) })
	t.Run("UserUpdateRace", func(t *testing.T) { testUserUpdateRace(t, newDB(t)) })
	t.Run("FeedRevocationRace", func(t *testing.T) { testFeedRevocationRace(t, newDB(t)) })
	t.Run("BookingStateRace", func(t *testing.T) { testBookingStateRace(t, newDB(t)) })
	t.Run("BookingRescheduleRace", func(t *testing.T) { testBookingRescheduleRace(t, newDB(t)) })
}

// racers is how many writers race through each of the two store instances.
const racers = 10

// race runs racers writers through each store instance, all released at
// once, writer i through instance i%len(stores); it returns their errors,
// by writer.
func race(stores []data.Store, write func(s data.Store, i int) error) []error {
	return raceN(stores, len(stores)*racers, write)
}

// raceN is race with n writers in all.
func raceN(stores []data.Store, n int, write func(s data.Store, i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			<-start
			errs[i] = write(stores[i%len(stores)], i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// twoStores opens the two instances writers race through.
func twoStores(open func() data.Store) []data.Store { return []data.Store{open(), open()} }

// wantNoErrors fails the test for every writer that did not land its update.
func wantNoErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
}

// wantDistinct fails the test unless the writers got back the values
// 1+from .. len(got)+from, each once: every writer's update was stored on
// top of another's, none lost.
func wantDistinct[N int | int64](t *testing.T, what string, got []N, from N) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(got))
	for i, v := range sorted {
		if want := from + N(i) + 1; v != want {
			t.Errorf("the writers got back %s %v, want %v to %v each once", what, sorted, from+1, from+N(len(got)))
			return
		}
	}
}

// testInterpreterUpdateRace: every writer adds a year of experience to
// what it reads; none is lost.
func testInterpreterUpdateRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	in := newInterpreter(1, "ti")
	if err := stores[0].CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	years := make([]int, 2*racers)
	versions := make([]int64, 2*racers)
	errs := race(stores, func(s data.Store, i int) error {
		got, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			calls.Add(1)
			cur.Experience.Years++
			return cur, interpreterChange(cur, data.ActionInterpreterUpdated), nil
		})
		years[i], versions[i] = got.Experience.Years, got.Version
		return err
	})
	wantNoErrors(t, errs)
	wantDistinct(t, "years", years, in.Experience.Years)
	wantDistinct(t, "versions", versions, 1)
	got, err := stores[1].Interpreter(ctx, in.ID)
	if want := in.Experience.Years + 2*racers; err != nil || got.Experience.Years != want || got.Version != 1+2*racers {
		t.Errorf("after %d increments: %d years at version %d, %v; want %d at version %d", 2*racers, got.Experience.Years, got.Version, err, want, 1+2*racers)
	}
	if n := len(auditActions(t, stores[0], in.ID)); n != 1+2*racers {
		t.Errorf("%d audit entries, want the creation and one per update: %d", n, 1+2*racers)
	}
	if calls.Load() < 2*racers {
		t.Errorf("the update functions ran %d times for %d writers", calls.Load(), 2*racers)
	}
}

// testCaseUpdateRace: every writer links a reference of its own to the
// case as it reads it; every reference is linked, once.
func testCaseUpdateRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	c := newCase(1, "north")
	if err := stores[0].CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	ref := func(i int) string { return fmt.Sprintf("W-%02d", i) }
	errs := race(stores, func(s data.Store, i int) error {
		_, err := s.UpdateCase(ctx, c.ID, func(cur data.Case) (data.Case, data.Change, error) {
			cur.LinkedReferences = append(slices.Clip(cur.LinkedReferences), ref(i))
			return cur, caseChange(cur, data.ActionCaseUpdated), nil
		})
		return err
	})
	wantNoErrors(t, errs)
	got, err := stores[1].Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(c.LinkedReferences)
	for i := range 2 * racers {
		want = append(want, ref(i))
	}
	if diff := cmp.Diff(want, got.LinkedReferences, cmpopts.SortSlices(cmpString)); diff != "" || got.Version != 1+2*racers {
		t.Errorf("linked references at version %d, want %d (-want +got):\n%s", got.Version, 1+2*racers, diff)
	}
	if n := len(auditActions(t, stores[0], c.ID)); n != 1+2*racers {
		t.Errorf("%d audit entries, want the creation and one per update: %d", n, 1+2*racers)
	}
}

// testUserUpdateRace: every writer gives the user a key of its own and
// stamps the change a millisecond after the last; none is lost, and only
// the last key works.
func testUserUpdateRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	u := newUser(1, data.RoleCoordinator, "north")
	if err := stores[0].CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
		t.Fatal(err)
	}
	key := func(i int) string { return data.HashKey(fmt.Sprintf("race key %d", i)) }
	stamps := make([]int64, 2*racers)
	errs := race(stores, func(s data.Store, i int) error {
		got, err := s.UpdateUser(ctx, u.ID, func(cur data.User) (data.User, data.Change, error) {
			cur.KeyHash, cur.UpdatedAt = key(i), cur.UpdatedAt.Add(time.Millisecond)
			return cur, userChange(cur, data.ActionKeyIssued), nil
		})
		stamps[i] = got.UpdatedAt.Sub(data.Timestamp(u.UpdatedAt)).Milliseconds()
		return err
	})
	wantNoErrors(t, errs)
	wantDistinct(t, "milliseconds after the creation", stamps, 0)
	got, err := stores[1].User(ctx, u.ID)
	if want := data.Timestamp(u.UpdatedAt).Add(2 * racers * time.Millisecond); err != nil || !got.UpdatedAt.Equal(want) {
		t.Errorf("after %d updates, updated at %v, %v; want %v", 2*racers, got.UpdatedAt, err, want)
	}
	for i := range 2 * racers {
		found, err := stores[i%2].UserByKeyHash(ctx, key(i))
		switch {
		case key(i) == got.KeyHash && (err != nil || found.ID != u.ID):
			t.Errorf("the stored key of writer %d finds %v, %v", i, found.ID, err)
		case key(i) != got.KeyHash && !errors.Is(err, data.ErrNotFound):
			t.Errorf("the replaced key of writer %d still finds %v, %v", i, found.ID, err)
		}
	}
	writers := make([]string, 2*racers)
	for i := range writers {
		writers[i] = key(i)
	}
	if !slices.Contains(writers, got.KeyHash) {
		t.Errorf("the stored key hash is no writer's")
	}
	if _, err := stores[0].UserByKeyHash(ctx, u.KeyHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the key from before the race still works: %v", err)
	}
	if n := len(auditActions(t, stores[0], u.ID)); n != 1+2*racers {
		t.Errorf("%d audit entries, want the creation and one per update: %d", n, 1+2*racers)
	}
}

// testFeedRevocationRace: every writer revokes the feed unless it is
// revoked; exactly one does, with its audit entry, and every other gets
// the function's refusal.
func testFeedRevocationRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	f := newFeed(1, "sw-1")
	createFeed(t, stores[0], f)
	when := func(i int) time.Time { return base.Add(time.Duration(i+1) * time.Minute) }
	errs := race(stores, func(s data.Store, i int) error {
		_, err := s.UpdateFeed(ctx, f.ID, revoke(when(i)))
		return err
	})
	winner := onlyWinner(t, errs, func(err error) bool { return errors.Is(err, errRevoked) })
	if winner < 0 {
		return
	}
	got, err := stores[1].FeedByTokenHash(ctx, f.TokenHash)
	if want := data.Timestamp(when(winner)); err != nil || !got.RevokedAt.Equal(want) || got.Version != 2 {
		t.Errorf("stored %+v, %v; want the winner's revocation at version 2", got, err)
	}
	if got := auditActions(t, stores[0], f.ID); !slices.Equal(got, []data.Action{data.ActionFeedCreated, data.ActionFeedRevoked}) {
		t.Errorf("audit after the race = %v, want the creation and exactly one revocation", got)
	}
}

// onlyWinner fails the test unless exactly one writer won and every other
// was refused as refused says; it returns the winner, or -1.
func onlyWinner(t *testing.T, errs []error, refused func(error) bool) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !refused(err):
			t.Errorf("writer %d: %v, want the update function's refusal", i, err)
		}
	}
	if winner < 0 {
		t.Error("no writer won")
	}
	return winner
}

// testBookingStateRace: half the writers cancel a confirmed booking, half
// record its outcome, each by the booking's state machine; exactly one
// changes it, and every other gets the state machine's refusal.
func testBookingStateRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	b := newBooking(newCase(1, "north"), "int-1", "10:00", "11:00")
	if err := book(t, stores[0], b); err != nil {
		t.Fatal(err)
	}
	cancels := func(i int) bool { return i%4 < 2 } // each instance's writers do both
	errs := race(stores, func(s data.Store, i int) error {
		if cancels(i) {
			_, err := s.UpdateBooking(ctx, b.ID, cancel(fmt.Sprintf("writer %d", i)))
			return err
		}
		_, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			next, err := cur.Complete(data.Outcome{Attended: true, Checklist: &data.Checklist{NeverAloneWithChild: true}, Note: fmt.Sprintf("writer %d", i)}, at("11:00"))
			if err != nil {
				return cur, data.Change{}, err
			}
			return next, bookingChange(next, data.ActionBookingOutcome), nil
		})
		return err
	})
	winner := onlyWinner(t, errs, func(err error) bool {
		se, ok := errors.AsType[*data.StateError](err)
		return ok && (se.Code == "booking_not_confirmed" || se.Code == "outcome_recorded")
	})
	if winner < 0 {
		return
	}
	got, err := stores[1].Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus, wantAction, note := data.BookingCompleted, data.ActionBookingOutcome, ""
	if got.Outcome != nil {
		note = got.Outcome.Note
	}
	if cancels(winner) {
		wantStatus, wantAction, note = data.BookingCancelled, data.ActionBookingCancelled, got.CancelReason
	}
	if got.Status != wantStatus || note != fmt.Sprintf("writer %d", winner) || got.Version != 2 {
		t.Errorf("stored %s by %q at version %d; want %s by writer %d at version 2", got.Status, note, got.Version, wantStatus, winner)
	}
	if got := auditActions(t, stores[0], b.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated, wantAction}) {
		t.Errorf("audit after the race = %v, want the creation and exactly one %s", got, wantAction)
	}
	held, err := stores[0].ConfirmedBookings(ctx, []string{b.InterpreterID}, day, day.Add(24*time.Hour))
	if holds := len(held) == 1; err != nil || holds != wantStatus.HoldsTime() {
		t.Errorf("after the race, the interpreter's held bookings are %v, %v", bookingIDs(held), err)
	}
}

// testBookingRescheduleRace: writers move two bookings of one interpreter
// onto overlapping slots at once, each by the state machine; at most one
// of them holds the contested time, a writer that loses to the other
// booking gets an *OverlapError naming it, and one that loses to its own
// booking's move finds nothing to change.
func testBookingRescheduleRace(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	c := newCase(1, "north")
	a, b := newBooking(c, "int-1", "09:00", "10:00"), newBooking(c, "int-1", "13:00", "14:00")
	for _, bk := range []data.Booking{a, b} {
		if err := book(t, stores[0], bk); err != nil {
			t.Fatal(err)
		}
	}
	moves := func(i int) (id, from, to, other string) {
		if i%4 < 2 {
			return a.ID, "11:00", "12:00", b.ID
		}
		return b.ID, "11:30", "12:30", a.ID
	}
	errs := race(stores, func(s data.Store, i int) error {
		id, from, to, _ := moves(i)
		_, err := s.UpdateBooking(ctx, id, reschedule(from, to))
		return err
	})
	for i, err := range errs {
		_, _, _, other := moves(i)
		if oe, ok := errors.AsType[*data.OverlapError](err); err != nil && (!ok || oe.Existing.ID != other) {
			t.Errorf("writer %d: %v, want nil or an OverlapError naming %s", i, err, other)
		}
	}
	got, err := stores[1].ConfirmedBookings(ctx, []string{"int-1"}, day, day.Add(24*time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("after the race: %v, %v; want both bookings", bookingIDs(got), err)
	}
	if data.Blocks(got[0], got[1]) {
		t.Errorf("after the race the interpreter's bookings overlap: %v-%v and %v-%v", got[0].Start, got[0].End, got[1].Start, got[1].End)
	}
	moved := 0
	for _, bk := range got {
		want := []data.Action{data.ActionBookingCreated}
		if bk.Version == 2 {
			moved++
			want = append(want, data.ActionBookingRescheduled)
		}
		if actions := auditActions(t, stores[0], bk.ID); !slices.Equal(actions, want) {
			t.Errorf("booking %s at version %d has audit %v, want %v", bk.ID, bk.Version, actions, want)
		}
	}
	if moved != 1 {
		t.Errorf("%d bookings moved, want exactly one: the first writer's", moved)
	}
}
