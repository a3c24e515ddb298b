package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// Bookings are kept from overlapping by serialising every change of the
// bookings of one interpreter, across instances, through the generic lock
// mechanism (locks.go) on one small record: the interpreter's schedule.
// A change of a booking (a create, reschedule, cancellation, outcome) is a
// versioned write of its interpreter's schedule, whose outbox carries the
// booking as a dependent record (inserted, or replaced at its next version)
// and the audit entry. The writer
//
//  1. reads the schedule's version s (0 when the interpreter has none) and
//     then finds no lock of it (scheduleVersion),
//  2. reads what it checks: the booking it updates, and for a confirmed
//     booking the interpreter's confirmed bookings that start in the window
//     that could hold one that Blocks it,
//  3. commits the schedule at s+1 (a create at 1), and lands it with its
//     outbox.
//
// The lock of version s lands its outbox before it goes, and the lock of
// s+1 can go in only once it has gone; so when no lock is left after the
// schedule read s, every change up to s has landed its booking, and what
// step 2 reads is complete for s. A change that lands after that raises the
// schedule past s, so the writer's lock is void (or finds it in the way and
// waits, then sees the schedule moved): nothing of it lands, and the writer
// starts again from step 1. Two bookings that Block each other can be
// confirmed only by changes of one interpreter at different versions, and
// the later one's check sees the earlier one.
//
// The order in step 1 matters: the schedule record lands before its
// outbox. A writer that read the version while a lock was there, or that
// waited for the lock to go and then read the version, could read s from a
// lock of s that had not landed its booking yet, check without it, and
// commit s+1 once that lock went: a double booking. Reading the version
// first and then finding no lock leaves no such gap.
//
// A writer that loses (its lock void) retries the whole read-check-commit.
// It loses only when another change of the interpreter landed after its
// read, so every loss is another writer's success, and retries make
// progress. Within one instance, writers of one interpreter take turns
// (turns.go), so they lose only to other instances.

// bookingAttempts bounds how often a booking change is read, checked and
// committed: a writer gives up with data.ErrConflict only when this many
// other changes of its interpreter's bookings landed while it tried (a
// void lock in the way of its own insert can cost one too). That is far
// beyond any real burst of bookings of one interpreter, and above the 25
// concurrent writers per interpreter that the conformance suite races, so
// those all succeed whatever the timing. Few attempts would not be enough:
// with several instances, the instance that just landed a change hands the
// turn straight to its next writer, while the others' writers wait for the
// lock in steps of up to 100 ms, and one of them lost 10 times in a row in
// a test with four instances under the race detector.
const bookingAttempts = 32

// CreateBooking commits b at version 1 through its interpreter's schedule
// lock, after checking that its ID is free and, when it is confirmed, that
// no confirmed booking of the interpreter Blocks it.
func (s *Store) CreateBooking(ctx context.Context, b data.Booking, audit data.AuditEntry) error {
	if err := b.CheckStorable(); err != nil {
		return err
	}
	b.Version = 1
	doc := fromBooking(b)
	b = doc.toBooking()
	switch taken, err := s.exists(ctx, bookingsCollection, b.ID); {
	case err != nil:
		return err
	case taken:
		return fmt.Errorf("booking %s: %w", b.ID, data.ErrDuplicate)
	}
	_, err := s.changeBooking(ctx, b, func() error { return nil }, dependent{coll: bookingsCollection, id: b.ID, version: 1, doc: doc}, audit)
	return err
}

// UpdateBooking commits b at b.Version+1 through its interpreter's schedule
// lock if the stored booking is at b.Version and has the same interpreter,
// after checking a confirmed b against the interpreter's other confirmed
// bookings. A loss to another change of the interpreter's bookings is
// retried, so only a change of this booking makes it data.ErrConflict.
func (s *Store) UpdateBooking(ctx context.Context, b data.Booking, audit data.AuditEntry) (data.Booking, error) {
	if err := b.CheckStorable(); err != nil {
		return data.Booking{}, err
	}
	read := b.Version
	current := func() error {
		var cur bookingDocument
		err := s.bookings.FindOne(ctx, bson.D{{Key: "_id", Value: b.ID}}).Decode(&cur)
		switch {
		case err != nil:
			return translate(err, "booking "+b.ID)
		case cur.Version != read:
			return fmt.Errorf("booking %s at version %d, not %d: %w", b.ID, cur.Version, read, data.ErrConflict)
		case cur.InterpreterID != b.InterpreterID:
			return invalid("interpreterId", "may not change: cancel the booking and book another")
		}
		return nil
	}
	b.Version = read + 1
	doc := fromBooking(b)
	return s.changeBooking(ctx, doc.toBooking(), current, dependent{coll: bookingsCollection, id: b.ID, version: b.Version, doc: doc}, audit)
}

// changeBooking stores b, the booking as it will be stored, through its
// interpreter's schedule (see the comment at the top of this file): it reads
// the schedule's version, runs check (which reads the booking b replaces),
// checks b for overlaps when it is confirmed, and commits the schedule at
// the next version with d, the booking's document, and audit. It starts
// again when another change of the interpreter's bookings lands first.
func (s *Store) changeBooking(ctx context.Context, b data.Booking, check func() error, d dependent, audit data.AuditEntry) (data.Booking, error) {
	release, err := s.turns.take(ctx, b.InterpreterID)
	if err != nil {
		return data.Booking{}, err
	}
	defer release()
	for attempt := 1; ; attempt++ {
		version, err := s.scheduleVersion(ctx, b.InterpreterID)
		if err != nil {
			return data.Booking{}, err
		}
		if err := check(); err != nil {
			return data.Booking{}, err
		}
		if err := s.checkOverlap(ctx, b); err != nil {
			return data.Booking{}, err
		}
		err = s.commit(ctx, change{
			coll: schedulesCollection, id: b.InterpreterID, version: version + 1,
			doc: scheduleDocument{ID: b.InterpreterID}, dependents: []dependent{d}, audit: audit,
		})
		switch {
		case err == nil:
			return b, nil
		case !errors.Is(err, errStale):
			return data.Booking{}, err
		case attempt == bookingAttempts:
			return data.Booking{}, fmt.Errorf("booking %s: %d changes of interpreter %s came first: %w",
				b.ID, attempt, b.InterpreterID, data.ErrConflict)
		}
	}
}

// scheduleVersion returns the version of the interpreter's schedule (0 when
// there is none) at a moment when no lock of it was left, so that every
// change up to that version has landed its outbox. It reads the version
// before it looks for a lock (see the top of this file), and when it finds
// one, waits for it to go (landing it if its writer died, as await does)
// and reads again.
func (s *Store) scheduleVersion(ctx context.Context, interpreterID string) (int64, error) {
	key := lockKey(schedulesCollection, interpreterID)
	for {
		st, _, err := s.stamp(ctx, schedulesCollection, interpreterID)
		if err != nil {
			return 0, err
		}
		opts := options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})
		err = s.locks.FindOne(ctx, bson.D{{Key: "key", Value: key}}, opts).Err()
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return st.Version, nil
		case err != nil:
			return 0, translate(err, "lock "+key)
		}
		if err := s.await(ctx, key); err != nil {
			return 0, err
		}
	}
}

// checkOverlap returns an *data.OverlapError naming the first confirmed
// booking of b's interpreter, other than b, that Blocks b, when b is
// confirmed. It reads, off the index on (interpreterId, status, start,
// _id), the confirmed bookings that start from MaxBookingDuration+MaxBuffer
// before b starts to MaxBuffer after b ends: no booking starting outside
// that window can block b, since none lasts longer or keeps a larger buffer.
func (s *Store) checkOverlap(ctx context.Context, b data.Booking) error {
	if !b.Status.HoldsTime() {
		return nil
	}
	filter := bson.D{
		{Key: "interpreterId", Value: b.InterpreterID},
		{Key: "status", Value: bson.D{{Key: "$in", Value: holdingStatuses}}},
		{Key: "start", Value: bson.D{
			{Key: "$gte", Value: b.Start.Add(-data.MaxBookingDuration - data.MaxBuffer)},
			{Key: "$lt", Value: b.End.Add(data.MaxBuffer)},
		}},
	}
	docs, err := s.findBookings(ctx, filter, options.Find().SetSort(byStartThenID))
	if err != nil {
		return err
	}
	for _, d := range docs {
		if other := d.toBooking(); other.ID != b.ID && data.Blocks(b, other) {
			return &data.OverlapError{Existing: other}
		}
	}
	return nil
}

// Booking returns the booking with this ID, once the booking changes of
// writers that died have landed.
func (s *Store) Booking(ctx context.Context, id string) (data.Booking, error) {
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return data.Booking{}, err
	}
	var d bookingDocument
	if err := s.bookings.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return data.Booking{}, translate(err, "booking "+id)
	}
	return d.toBooking(), nil
}

// holdingStatuses are the statuses of bookings that keep their
// interpreter's time (see data.BookingStatus.HoldsTime).
var holdingStatuses = []string{string(data.BookingConfirmed), string(data.BookingCompleted)}
