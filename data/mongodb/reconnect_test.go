package mongodb

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/mongodb/mongotest"
)

// These tests take the server away from open stores: stores closed
// abruptly mid-write, as a process death looks to the database, and the
// server itself stopped and started again under an open store.

// requestTimeout is the API's default request timeout: a store call that
// fails while the server is away must fail well before it.
const requestTimeout = 10 * time.Second

// TestStoreAwayAndBack stops the server under an open store: every call
// fails with data.ErrUnavailable (503 store_unavailable in the API) before
// the request timeout, Ping fails (/readyz says 503), and once a server is
// back on the same address and data, calls succeed on the same Store.
func TestStoreAwayAndBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	stop := mongotest.Start(t, addr, dir)
	s, err := Open(t.Context(), "mongodb://"+addr+"/?serverSelectionTimeoutMS=500", "tolk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	in := createInterpreter(t, s, "Before")
	booked := newTestBooking(in.ID, 0)
	if err := s.CreateBooking(t.Context(), booked, bookingCreated(booked)); err != nil {
		t.Fatal(err)
	}

	stop()
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Ping", s.Ping},
		{"Interpreter", func(ctx context.Context) error { _, err := s.Interpreter(ctx, in.ID); return err }},
		{"UserByKeyHash", func(ctx context.Context) error {
			if _, err := s.UserByKeyHash(ctx, data.HashKey("no such key")); !errors.Is(err, data.ErrNotFound) {
				return err
			}
			return nil
		}},
		{"ListInterpreters", func(ctx context.Context) error {
			_, err := s.ListInterpreters(ctx, data.InterpreterQuery{})
			return err
		}},
		{"CreateInterpreter", func(ctx context.Context) error {
			n := newTestInterpreter("While away")
			return s.CreateInterpreter(ctx, n, registered(n.ID, data.ActionInterpreterCreated))
		}},
		{"Booking", func(ctx context.Context) error { _, err := s.Booking(ctx, booked.ID); return err }},
		{"ListBookings", func(ctx context.Context) error {
			_, err := s.ListBookings(ctx, data.BookingQuery{Organisation: "north"})
			return err
		}},
		{"CaseSittings", func(ctx context.Context) error {
			_, err := s.CaseSittings(ctx, data.BookingQuery{Organisation: booked.Organisation, CaseID: booked.CaseID})
			return err
		}},
		{"ConfirmedBookings", func(ctx context.Context) error {
			_, err := s.ConfirmedBookings(ctx, []string{in.ID}, morning, morning.Add(24*time.Hour))
			return err
		}},
		{"CreateBooking", func(ctx context.Context) error {
			b := newTestBooking(in.ID, 2*time.Hour)
			return s.CreateBooking(ctx, b, bookingCreated(b))
		}},
		{"ListAudit", func(ctx context.Context) error {
			_, err := s.ListAudit(ctx, data.AuditQuery{EntityID: in.ID})
			return err
		}},
	}
	for round := range 2 { // the first round finds pooled connections dropped
		for _, c := range calls {
			ctx, cancel := context.WithTimeout(t.Context(), requestTimeout)
			began := time.Now()
			err := c.call(ctx)
			took := time.Since(began)
			early := ctx.Err() == nil // it failed before the request's deadline
			cancel()
			switch {
			case err == nil:
				t.Errorf("round %d: %s with the server away succeeded", round, c.name)
			case !errors.Is(err, data.ErrUnavailable):
				t.Errorf("round %d: %s with the server away: error = %v, want ErrUnavailable", round, c.name, err)
			case errors.Is(err, data.ErrClosed):
				t.Errorf("round %d: %s: error = %v, the store is not closed", round, c.name, err)
			case !early:
				t.Errorf("round %d: %s failed only at the request timeout (%v)", round, c.name, took)
			}
			t.Logf("round %d: %s failed in %v", round, c.name, took.Round(time.Millisecond))
		}
	}

	mongotest.Start(t, addr, dir)
	began := time.Now()
	for err := s.Ping(t.Context()); err != nil; err = s.Ping(t.Context()) {
		if time.Since(began) > requestTimeout {
			t.Fatalf("the store did not come back within %v: %v", requestTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("Ping answered %v after the server came back", time.Since(began).Round(time.Millisecond))
	for _, c := range calls {
		if err := c.call(t.Context()); err != nil {
			t.Errorf("%s after the server came back: %v", c.name, err)
		}
	}
	if got, err := s.Booking(t.Context(), booked.ID); err != nil || got.ID != booked.ID {
		t.Errorf("the booking made before the server went away: %v", err)
	}
	s.Close(t.Context()) // before the server stops, which waits for open connections
}

// TestBookingCrashLoopTwoStores creates bookings through two store
// instances while, again and again, one of them is closed abruptly (Close
// on a cancelled context cuts the connections of the writes in flight, as
// a process death would) and replaced by a newly opened one. Afterwards
// every acknowledged booking is stored, every stored booking has its audit
// entry, no interpreter has two confirmed bookings that Block each other,
// and the locks dead writers left are landed once LockTimeout has passed.
func TestBookingCrashLoopTwoStores(t *testing.T) {
	if testing.Short() {
		t.Skip("a crash loop; skipped with -short")
	}
	const (
		kills       = 22
		writers     = 6
		lockTimeout = time.Second // far above a landing here, far below DefaultLockTimeout
	)
	open := freshDatabase(t)
	openStore := func() *Store {
		s := open().(*Store)
		s.LockTimeout = lockTimeout
		return s
	}
	var (
		mu     sync.Mutex
		stores = [2]*Store{openStore(), openStore()}
	)
	current := func(i int) *Store {
		mu.Lock()
		defer mu.Unlock()
		return stores[i]
	}
	interpreters := make([]string, 10)
	for i := range interpreters {
		interpreters[i] = data.NewID(time.Now())
	}

	var (
		acked                          []string
		refused, cut, conflicts, other int
		tally                          sync.Mutex
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A week of hour-long slots on the half hour from 09:00:
				// many requests overlap.
				from := time.Duration(rand.IntN(7))*24*time.Hour + time.Duration(rand.IntN(16))*30*time.Minute
				b := newTestBooking(interpreters[rand.IntN(len(interpreters))], from)
				st := current(w % 2)
				err := st.CreateBooking(t.Context(), b, bookingCreated(b))
				// A call cut by Close may fail with whatever the driver
				// says at that point (ErrClosed, ErrUnavailable, or a
				// closed topology's own error).
				died := err != nil && st.closed.Load()
				tally.Lock()
				switch {
				case err == nil:
					acked = append(acked, b.ID)
				case errors.Is(err, data.ErrOverlap):
					refused++
				case errors.Is(err, data.ErrConflict):
					conflicts++
				case died:
					cut++ // its store died under it: the outcome is unknown
				default:
					other++
					t.Errorf("CreateBooking: %v", err)
				}
				tally.Unlock()
				if died { // come back a little later, as a client to a restarted instance
					time.Sleep(5 * time.Millisecond)
				}
			}
		})
	}
	began := time.Now()
	dead, cancelDead := context.WithCancel(context.Background())
	cancelDead()
	for k := range kills - 2 {
		time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
		// The writers of the victim go on with its successor, as clients
		// go on with a restarted instance; the writes in flight are cut.
		next := openStore()
		mu.Lock()
		old := stores[k%2]
		stores[k%2] = next
		mu.Unlock()
		old.Close(dead)
	}
	// Last, both die at once, and nobody lands what their writers left.
	time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
	stores[0].Close(dead)
	stores[1].Close(dead)
	close(stop)
	wg.Wait()
	loop := time.Since(began)
	if len(acked) == 0 {
		t.Fatal("no booking was acknowledged")
	}

	s := openStore()
	ctx := t.Context()
	left, err := s.locks.CountDocuments(ctx, bson.D{{Key: "collection", Value: schedulesCollection}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(lockTimeout + 100*time.Millisecond) // dead writers' locks are now anyone's to land
	var stored []data.Booking
	q := data.BookingQuery{Organisation: "north", Limit: data.MaxPageSize}
	for {
		page, err := s.ListBookings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, page.Items...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	lost := 0
	for _, id := range acked {
		if _, err := s.Booking(ctx, id); err != nil {
			lost++
			t.Errorf("acknowledged booking %s lost: %v", id, err)
		}
	}
	unaudited := 0
	for _, b := range stored {
		ids := auditIDs(t, s, b.ID)
		if len(ids) != 1 {
			unaudited++
			t.Errorf("stored booking %s has audit entries %v, want its creation", b.ID, ids)
		}
	}
	confirmed, err := s.ConfirmedBookings(ctx, interpreters, morning.Add(-24*time.Hour), morning.Add(8*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed) != len(stored) {
		t.Errorf("%d confirmed bookings, %d stored: every booking here is confirmed", len(confirmed), len(stored))
	}
	overlaps := 0
	for i, a := range confirmed {
		for _, b := range confirmed[i+1:] {
			if a.InterpreterID == b.InterpreterID && data.Blocks(a, b) {
				overlaps++
				t.Errorf("interpreter %s has confirmed bookings %s and %s that overlap", a.InterpreterID, a.ID, b.ID)
			}
		}
	}
	unlanded, err := s.locks.CountDocuments(ctx, bson.D{{Key: "collection", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if unlanded != 0 {
		t.Errorf("%d locks left after LockTimeout and a listing, want none", unlanded)
	}
	// A finisher that dies after landing a lock and before deleting its
	// claims leaves them behind: they hold nothing up (the next lock of the
	// record has another token, so other claim IDs), but nothing deletes
	// them either.
	orphans, err := s.locks.CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d abrupt closes in %v: %d bookings acknowledged, %d refused as overlapping, %d cut by a close, %d conflicts, %d other errors; %d stored; %d locks left by the last closes, all landed or dropped after LockTimeout (%d claims of finishers that died left behind); %d acknowledged lost, %d stored without audit, %d overlapping pairs",
		kills, loop.Round(time.Millisecond), len(acked), refused, cut, conflicts, other, len(stored), left, orphans, lost, unaudited, overlaps)
}
