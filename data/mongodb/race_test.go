package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests race writers and finishers through separate store instances
// (separate clients and pools), as separate service instances would.

// A writer that finds a live writer's lock in its way waits for it to land,
// then loses: the record has moved past the version it read.
func TestWriterWaitsForLiveLock(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	in := createInterpreter(t, s, "Original")
	first := in
	first.Name, first.Version = "First writer", 2
	l := commitOnly(t, s, interpreterChange(first, registerEntry(in.ID, data.ActionInterpreterUpdated)), live)
	landed := make(chan error, 1)
	time.AfterFunc(50*time.Millisecond, func() { landed <- s.settle(context.Background(), l) })
	second := in
	second.Name, second.Version = "Second writer", 2
	start := time.Now()
	if _, err := s.commit(t.Context(), interpreterChange(second, registerEntry(in.ID, data.ActionInterpreterUpdated))); !errors.Is(err, errStale) {
		t.Errorf("commit behind a live lock: error = %v, want errStale", err)
	}
	if err := <-landed; err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("the second writer returned after %v, before the first landed", waited)
	}
	wantRecord(t, s, in.ID, first.Name, 2)
	if ids := auditIDs(t, s, in.ID); len(ids) != 2 {
		t.Errorf("audit = %v, want the creation and the first writer's entry", ids)
	}
	wantNoLocks(t, s)
}

// Finishers land a dead writer's lock one at a time: a finisher's claim
// keeps the others off for LockTimeout, and then the next may claim. Many
// readers at once land it once.
func TestTakeOverOneAtATime(t *testing.T) {
	open := freshDatabase(t)
	s := open().(*Store)
	ctx := t.Context()
	in := createInterpreter(t, s, "Original")
	died := in
	died.Name, died.Version = "Committed by a writer that died", 2
	l := commitOnly(t, s, interpreterChange(died, registerEntry(in.ID, data.ActionInterpreterUpdated)), dead)
	claim := claimDocument{ID: l.ID + "#1", Key: l.ID + "#1", N: 1, At: data.Timestamp(time.Now())}
	if _, err := s.locks.InsertOne(ctx, claim); err != nil {
		t.Fatal(err)
	}
	wantRecord(t, s, in.ID, in.Name, 1) // finisher 1 is at work

	if _, err := s.locks.UpdateOne(ctx, bson.D{{Key: "_id", Value: claim.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: claim.At.Add(-dead)}}}}); err != nil {
		t.Fatal(err)
	}
	// Finisher 1 died too: the next turn is anyone's, and only one lands.
	stores := []*Store{s, open().(*Store)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := stores[i%2].Interpreter(ctx, in.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantRecord(t, s, in.ID, died.Name, 2)
	if ids := auditIDs(t, s, in.ID); len(ids) != 2 {
		t.Errorf("audit = %v, want the creation and the dead writer's entry", ids)
	}
	wantNoLocks(t, s) // claims included
}

// Sixteen writers race through two store instances (two clients, two
// pools), each with an update function whose rule is "only from version 1":
// however the store re-runs the functions, exactly one wins, the others get
// the function's ErrConflict, and the audit holds the winner's entry and no
// other.
func TestConcurrentUpdatesTwoClients(t *testing.T) {
	open := freshDatabase(t)
	stores := []*Store{open().(*Store), open().(*Store)}
	in := createInterpreter(t, stores[0], "Original")
	const writers = 16
	errs := make([]error, writers)
	entries := make([]data.AuditEntry, writers)
	var wg sync.WaitGroup
	for i := range writers {
		entries[i] = registerEntry(in.ID, data.ActionInterpreterUpdated)
		wg.Go(func() {
			_, errs[i] = stores[i%2].UpdateInterpreter(t.Context(), in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
				if cur.Version != in.Version {
					return cur, data.Change{}, fmt.Errorf("interpreter at version %d: %w", cur.Version, data.ErrConflict)
				}
				cur.Name = fmt.Sprintf("Writer %d", i)
				return cur, data.Audited(entries[i]), nil
			})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won version 1", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: error = %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	wantRecord(t, stores[1], in.ID, fmt.Sprintf("Writer %d", winner), 2)
	if ids := auditIDs(t, stores[1], in.ID); len(ids) != 2 || ids[1] != entries[winner].ID {
		t.Errorf("audit = %v, want the creation and the winner's %s", ids, entries[winner].ID)
	}
	wantNoLocks(t, stores[0])
}

// Writers race update functions through two store instances for several
// rounds, with no retry of their own: the store re-runs a function that
// lost, so every call succeeds, every success is one version and one
// audit entry, each function saw the version it replaced, and no lock is
// left.
func TestContendedUpdates(t *testing.T) {
	open := freshDatabase(t)
	stores := []*Store{open().(*Store), open().(*Store)}
	in := createInterpreter(t, stores[0], "Original")
	const writers, rounds = 6, 4
	won := make([][]string, writers) // audit entry IDs of each writer's successes
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			s := stores[i%2]
			for round := range rounds {
				e := registerEntry(in.ID, data.ActionInterpreterUpdated)
				var read int64
				got, err := s.UpdateInterpreter(t.Context(), in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
					read = cur.Version
					cur.Name = fmt.Sprintf("Writer %d, round %d", i, round)
					return cur, data.Audited(e), nil
				})
				if err != nil {
					t.Errorf("writer %d, round %d: %v", i, round, err)
					return
				}
				if got.Version != read+1 {
					t.Errorf("writer %d stored version %d over version %d", i, got.Version, read)
				}
				won[i] = append(won[i], e.ID)
			}
		})
	}
	wg.Wait()
	got, err := stores[1].Interpreter(t.Context(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + writers*rounds); got.Version != want {
		t.Errorf("version %d after %d updates, want %d", got.Version, writers*rounds, want)
	}
	ids := auditIDs(t, stores[1], in.ID)
	if len(ids) != 1+writers*rounds {
		t.Errorf("%d audit entries, want %d", len(ids), 1+writers*rounds)
	}
	for i, w := range won {
		for _, id := range w {
			if !slices.Contains(ids, id) {
				t.Errorf("writer %d's successful write %s has no audit entry", i, id)
			}
		}
	}
	wantNoLocks(t, stores[0])
}
