package bolt

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// putChange lands everything ch holds in tx, beside the record it
// describes: each audit entry with its index entries (see putAudit), and
// each message in the outbox with its own (see putMessages). It refuses a
// change that fails data.Change.Check (ErrInvalid) and an entry whose ID
// is taken (ErrDuplicate); either error rolls back the whole transaction,
// record included, and so does any error of the write after it. Every
// write of the store lands its change through here, so what a Change
// comes to hold lands in the same place.
func putChange(tx *bolt.Tx, ch data.Change) error {
	if err := ch.Check(); err != nil {
		return err
	}
	for _, e := range ch.Audit {
		if err := putAudit(tx, e); err != nil {
			return err
		}
	}
	if err := putMessages(tx, ch.Messages); err != nil {
		return err
	}
	return putUnmet(tx, ch.UnmetNeed)
}

// AppendChange lands a change that touches no record in one transaction:
// all its audit entries and messages, or none.
func (s *Store) AppendChange(ctx context.Context, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error { return putChange(tx, ch) })
}

// errUnchanged rolls back the transaction of an update whose function
// returned data.ErrNoChange: nothing is written, and nothing is fsynced.
var errUnchanged = errors.New("bolt: no change")

// updatable is a record that changes through update functions: it knows
// which of its fields never change.
type updatable[T any] interface {
	CheckUpdate(old T) error
}

// updateRecord runs one update of the record with this ID, all of it in
// one write transaction, so no other writer can land between the read and
// the write and fn runs once. It reads the record (read), calls fn with
// it, and returns fn's error as it is, writing nothing; on
// data.ErrNoChange it writes nothing and returns the record as read.
// Otherwise it refuses what next.CheckUpdate refuses, and write stores
// next (its version raised, its index entries moved from cur's, its own
// checks made) and returns what it stored, which lands with fn's change
// (putChange).
//
// fn gets a record decoded for it alone: it may change the elements of
// the record's slices in place (a rule often does) without touching cur,
// whose index entries the write removes and which ErrNoChange returns.
// One more decode of one record costs little beside the write's fsync,
// and, unlike a copy, cannot miss a field added later.
func updateRecord[T updatable[T]](ctx context.Context, s *Store, id string, fn data.Update[T],
	read func(tx *bolt.Tx, id string) (T, error), write func(tx *bolt.Tx, cur, next T) (T, error)) (T, error) {
	var out T
	err := s.update(ctx, func(tx *bolt.Tx) error {
		cur, err := read(tx, id)
		if err != nil {
			return err
		}
		mine, err := read(tx, id)
		if err != nil {
			return err
		}
		next, ch, err := fn(mine)
		switch {
		case errors.Is(err, data.ErrNoChange):
			out = cur
			return errUnchanged
		case err != nil:
			return err
		}
		if err := next.CheckUpdate(cur); err != nil {
			return err
		}
		if out, err = write(tx, cur, next); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
	switch {
	case errors.Is(err, errUnchanged):
		return out, nil
	case err != nil:
		var zero T
		return zero, err
	}
	return out, nil
}
