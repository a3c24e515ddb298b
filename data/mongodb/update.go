package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tolk/tolk/data"
)

// This file is the front of the versioned writes (locks.go): create, and
// update, the one read-call-commit loop behind every update function of
// the store (data.Update), for every record type. Bookings go through the
// same loop on their interpreter's schedule (bookings.go).

// changeAttempts bounds how often a change is read, decided and committed
// (an update function called, a booking checked): a writer gives up with
// data.ErrConflict only when it lost this many times, and it loses only
// when another change of the record (of the interpreter's bookings) landed
// between its read and its commit, or when lockAttempts void locks in a row
// stood in its way. Writers of one record in one instance take turns
// (turns.go), so a writer loses only to other instances' writers: it
// succeeds whenever those land fewer than changeAttempts changes while it
// tries. That is far beyond any real burst of changes of one record, and
// above the concurrent writers per record that the conformance suite races
// (25 bookings of one interpreter). Few attempts would not be enough: the
// instance that just landed a change hands the turn straight to its next
// writer, while the others' writers wait for the lock in steps of up to
// awaitMax, and one of them lost 10 times in a row in a test with four
// instances under the race detector. The bound is there so that a writer
// never loops for ever against a record that keeps moving; each attempt
// costs a few round trips, so it gives up within a request's time.
const changeAttempts = 32

// retry runs try, which reads a record, decides and commits one change of
// it, until try returns anything but errStale (another change landed
// first): at most changeAttempts times, then data.ErrConflict. key is the
// lock key the change commits through; writers of one key in this
// instance take turns.
func (s *Store) retry(ctx context.Context, key string, try func() error) error {
	release, err := s.turns.take(ctx, key)
	if err != nil {
		return err
	}
	defer release()
	for attempt := 1; ; attempt++ {
		err := try()
		switch {
		case !errors.Is(err, errStale):
			return err
		case attempt == changeAttempts:
			return fmt.Errorf("%s: %d other changes landed first: %w", key, attempt, data.ErrConflict)
		}
	}
}

// kind is how a record type T is stored: in collection coll, as documents
// of type D. checkUpdate, when set, refuses (data.ErrInvalid) an update
// from current to next: T's CheckUpdate and anything the store adds.
type kind[T, D any] struct {
	coll        string
	toDoc       func(T) D
	toRecord    func(D) T
	checkUpdate func(next, current T) error
}

// decode returns the record in raw, and its version.
func (k kind[T, D]) decode(raw bson.Raw) (T, int64, error) {
	var d D
	var st stampDocument
	if err := bson.Unmarshal(raw, &d); err != nil {
		var zero T
		return zero, 0, fmt.Errorf("%s: %w", k.coll, err)
	}
	if err := bson.Unmarshal(raw, &st); err != nil {
		var zero T
		return zero, 0, fmt.Errorf("%s: %w", k.coll, err)
	}
	return k.toRecord(d), st.Version, nil
}

// update changes the record with this ID through fn (see data.Update): it
// reads the record (landing a dead writer's change of it first), calls fn,
// checks what fn returns and commits it at the version read + 1 with fn's
// Change. When another change of the record lands first, it reads and
// calls fn again (retry). It returns the record as stored, or as read when
// fn returned data.ErrNoChange; fn's other errors as they are;
// data.ErrNotFound for an unknown record; data.ErrInvalid when checkUpdate
// or the Change's Check refuses; data.ErrDuplicate when a unique index
// refuses the record.
func update[T, D any](ctx context.Context, s *Store, k kind[T, D], id string, fn data.Update[T]) (T, error) {
	coll := s.db.Collection(k.coll)
	var stored T
	err := s.retry(ctx, lockKey(k.coll, id), func() error {
		var raw bson.Raw
		if err := s.read(ctx, coll, id, &raw); err != nil {
			return err
		}
		current, version, err := k.decode(raw)
		if err != nil {
			return err
		}
		next, ch, err := fn(current)
		switch {
		case errors.Is(err, data.ErrNoChange):
			// Decoded again: fn may have changed what its argument shares
			// (slices) before it found nothing to change.
			stored, _, err = k.decode(raw)
			return err
		case err != nil:
			return err
		}
		if k.checkUpdate != nil {
			if err := k.checkUpdate(next, current); err != nil {
				return err
			}
		}
		raw, err = s.commit(ctx, change{coll: k.coll, id: id, version: version + 1, doc: k.toDoc(next), ch: ch})
		if err != nil {
			return err
		}
		stored, _, err = k.decode(raw)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return stored, nil
}

// create commits a new record at version 1 with its change:
// data.ErrDuplicate when a record with the ID exists, or another create of
// it lands first.
func (s *Store) create(ctx context.Context, coll *mongo.Collection, what, id string, doc any, ch data.Change) error {
	var cur bson.Raw
	switch err := s.read(ctx, coll, id, &cur); {
	case err == nil:
		return fmt.Errorf("%s %s: %w", what, id, data.ErrDuplicate)
	case !errors.Is(err, data.ErrNotFound):
		return err
	}
	_, err := s.commit(ctx, change{coll: coll.Name(), id: id, version: 1, doc: doc, ch: ch})
	if errors.Is(err, errStale) {
		return fmt.Errorf("%s %s: %w", what, id, data.ErrDuplicate)
	}
	return err
}
