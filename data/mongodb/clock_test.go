package mongodb

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// skew sets s's own clock to run ahead of the machine's by d (behind, when
// d is negative), as an instance whose clock is wrong, from its start.
func skew(s *Store, d time.Duration) {
	s.localNow = func() time.Time { return time.Now().Add(d) }
	s.clock.reset()
}

// TestLockAgeOnTheDatabaseClock: a lock's age is measured on the
// database's clock, so an instance whose clock is ten minutes out, either
// way, neither lands a live writer's lock early (its writer may still be
// landing it: two landings would overlap) nor leaves a dead writer's lock
// for ten minutes more than LockTimeout.
func TestLockAgeOnTheDatabaseClock(t *testing.T) {
	const ten = 10 * time.Minute
	for _, c := range []struct{ writer, reader time.Duration }{{-ten, ten}, {ten, -ten}, {ten, ten}, {-ten, -ten}, {0, ten}, {ten, 0}} {
		t.Run(fmt.Sprintf("writer %v, reader %v", c.writer, c.reader), func(t *testing.T) {
			open := freshDatabase(t)
			w, r := open().(*Store), open().(*Store)
			skew(w, c.writer)
			skew(r, c.reader)

			// A live writer: committed a moment ago, still landing.
			in := createInterpreter(t, w, "Original")
			next := in
			next.Name, next.Version = "Being written", 2
			l := commitOnly(t, w, interpreterChange(next, registerEntry(in.ID, data.ActionInterpreterUpdated)), live)
			wantRecord(t, r, in.ID, in.Name, 1)
			if n, err := r.locks.CountDocuments(t.Context(), bson.D{{Key: "_id", Value: l.ID}}); err != nil || n != 1 {
				t.Errorf("the reader took over a live writer's lock (%d left, %v)", n, err)
			}
			if err := w.settle(t.Context(), l); err != nil {
				t.Fatal(err)
			}
			wantRecord(t, r, in.ID, next.Name, 2)

			// A dead writer: committed LockTimeout and a little ago.
			died := next
			died.Name, died.Version = "Committed by a writer that died", 3
			commitOnly(t, w, interpreterChange(died, registerEntry(in.ID, data.ActionInterpreterUpdated)), w.LockTimeout+2*time.Second)
			wantRecord(t, r, in.ID, died.Name, 3)
			wantNoLocks(t, r)
		})
	}
}
