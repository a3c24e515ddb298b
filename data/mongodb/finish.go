package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tolk/tolk/data"
)

// This file is the other side of the locks (see locks.go): what readers and
// waiting writers do with a lock they find. A void lock is dropped at once;
// a lock whose writer has had LockTimeout to land it is landed for it (the
// writer died); any other lock is its writer's business, and its change is
// not visible yet.

// The intervals at which a writer looks again at a lock in its way.
const (
	awaitFirst = 2 * time.Millisecond
	awaitMax   = 100 * time.Millisecond
)

// claimDocument is a finisher's turn at landing a dead writer's lock: the
// finisher that inserts claim n+1 (unique, by _id and key) lands the lock;
// the next may only claim once claim n+1 is LockTimeout old. Its _id is the
// lock's, "#" and N, so that a range on _id finds the claims of one lock.
type claimDocument struct {
	ID  string    `bson:"_id"`
	Key string    `bson:"key"` // the _id again: the key index is unique, and claims are no record's lock
	N   int       `bson:"n"`
	At  time.Time `bson:"at"`
}

// read decodes the record with this ID into out (data.ErrNotFound when there
// is none), after finishing the lock on it, if any.
func (s *Store) read(ctx context.Context, coll *mongo.Collection, id string, out any) error {
	var l lockDocument
	err := s.locks.FindOne(ctx, bson.D{{Key: "key", Value: lockKey(coll.Name(), id)}}).Decode(&l)
	switch {
	case err == nil:
		if _, err := s.finishLock(ctx, l); err != nil {
			return err
		}
	case !errors.Is(err, mongo.ErrNoDocuments):
		return translate(err, "lock")
	}
	return translate(coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out), coll.Name()+" "+id)
}

// finishPending finishes every lock of a collection, before a listing or a
// look-up by a secondary key. There is one lock per change in flight, so
// there is almost never any.
func (s *Store) finishPending(ctx context.Context, coll string) error {
	_, _, err := s.finishLocks(ctx, bson.D{{Key: "collection", Value: coll}})
	return err
}

// finishLocks finishes the locks that filter selects (see finishLock), and
// returns how many it found and how many of those are left (their writers
// may still be at work).
func (s *Store) finishLocks(ctx context.Context, filter bson.D) (found, left int, err error) {
	cur, err := s.locks.Find(ctx, filter)
	if err != nil {
		return 0, 0, translate(err, "locks")
	}
	var ls []lockDocument
	if err := cur.All(ctx, &ls); err != nil {
		return 0, 0, translate(err, "locks")
	}
	for _, l := range ls {
		gone, err := s.finishLock(ctx, l)
		if err != nil {
			return len(ls), 0, err
		}
		if !gone {
			left++
		}
	}
	return len(ls), left, nil
}

// await returns once the record with this lock key has no lock, finishing
// the locks it finds, or when ctx ends.
func (s *Store) await(ctx context.Context, key string) error {
	delay := awaitFirst
	for {
		var l lockDocument
		err := s.locks.FindOne(ctx, bson.D{{Key: "key", Value: key}}).Decode(&l)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return translate(err, "lock "+key)
		}
		switch gone, err := s.finishLock(ctx, l); {
		case err != nil:
			return err
		case gone:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for lock %s: %w", key, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, awaitMax)
	}
}

// finishLock drops l if it is void and lands it if its writer has had
// LockTimeout to; it reports whether l is gone. That l was void or refused is
// its writer's news, not the caller's.
func (s *Store) finishLock(ctx context.Context, l lockDocument) (bool, error) {
	st, found, err := s.stamp(ctx, l.Collection, l.Record)
	if err != nil {
		return false, err
	}
	if (found && st.Version >= l.Version && st.LockToken != l.Token) || (!found && l.Version > 1) {
		// Void: its writer read a version that another change had already
		// replaced (versions only grow, so it can never land), or the
		// update of a record that is not there. Claims on it go too.
		if err := s.drop(ctx, l); err != nil {
			return false, err
		}
		_, err := s.locks.DeleteMany(ctx, claimsOf(l))
		return true, translate(err, "lock claims")
	}
	now, err := s.dbNow(ctx)
	if err != nil {
		return false, err
	}
	if now.Sub(l.At) < s.LockTimeout {
		return false, nil
	}
	return s.takeOver(ctx, l)
}

// takeOver lands l for a writer that has not within LockTimeout. Finishers
// take turns of LockTimeout each, one per claim, so that two landings of l
// cannot overlap while each finishes within its turn.
func (s *Store) takeOver(ctx context.Context, l lockDocument) (bool, error) {
	lctx, cancel := landing(ctx)
	defer cancel()
	cur, err := s.locks.Find(lctx, claimsOf(l))
	if err != nil {
		return false, translate(err, "lock claims")
	}
	var cs []claimDocument
	if err := cur.All(lctx, &cs); err != nil {
		return false, translate(err, "lock claims")
	}
	last := claimDocument{At: l.At} // the writer's own turn
	for _, c := range cs {
		if c.N > last.N {
			last = c
		}
	}
	now, err := s.dbNow(lctx)
	if err != nil {
		return false, err
	}
	if now.Sub(last.At) < s.LockTimeout {
		return false, nil
	}
	next := claimDocument{ID: fmt.Sprintf("%s#%d", l.ID, last.N+1), N: last.N + 1, At: data.Timestamp(now)}
	next.Key = next.ID
	if _, err := s.locks.InsertOne(lctx, next); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil // another finisher's turn
		}
		return false, translate(err, "lock claim "+next.ID)
	}
	// On an error the claim stays: the next turn starts LockTimeout later.
	if _, err := s.land(lctx, l); err != nil && !errors.Is(err, errStale) && !errors.Is(err, data.ErrDuplicate) {
		return false, err
	}
	_, err = s.locks.DeleteMany(lctx, claimsOf(l))
	return true, translate(err, "lock claims")
}

// claimsOf selects the claims on l: their _id is l's, "#" and a number.
func claimsOf(l lockDocument) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: l.ID + "#"}, {Key: "$lt", Value: l.ID + "$"}}}}
}

// sweepClaims deletes the take-over claims left behind by a finisher that
// died after landing a dead writer's lock but before deleting its claims:
// claims older than LockTimeout whose lock is gone. They block nothing,
// but nothing else would ever delete them. A claim whose lock is still
// there is left alone: it orders the finishers' turns. Claims are found by
// their turn number (locks have none), and deleted one by one by their
// unique _id. The locks collection holds only changes in flight, so the
// look at start-up is small.
func (s *Store) sweepClaims(ctx context.Context) error {
	now, err := s.dbNow(ctx)
	if err != nil {
		return err
	}
	cur, err := s.locks.Find(ctx, bson.D{
		{Key: "n", Value: bson.D{{Key: "$gte", Value: 1}}},
		{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-s.LockTimeout)}}},
	})
	if err != nil {
		return translate(err, "lock claims")
	}
	var claims []claimDocument
	if err := cur.All(ctx, &claims); err != nil {
		return translate(err, "lock claims")
	}
	for _, c := range claims {
		i := strings.LastIndexByte(c.ID, '#') // the turn number follows the last "#"
		if i < 0 {
			continue
		}
		lockID := c.ID[:i]
		err := s.locks.FindOne(ctx, bson.D{{Key: "_id", Value: lockID}}).Err()
		switch {
		case err == nil:
			continue // its lock is still there
		case !errors.Is(err, mongo.ErrNoDocuments):
			return translate(err, "lock "+lockID)
		}
		if _, err := s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: c.ID}}); err != nil {
			return translate(err, "lock claim "+c.ID)
		}
	}
	return nil
}
