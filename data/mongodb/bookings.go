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
// and the change (its audit entries). The writer
//
//  1. reads the schedule's version s (0 when the interpreter has none) and
//     then finds no lock of it (scheduleVersion),
//  2. reads what it checks: the booking it updates (and calls the update
//     function with it), and for a booking that holds its interpreter's
//     time the interpreter's bookings that hold time and start in the
//     window that could hold one that Blocks it,
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
// A writer that loses (its lock void) retries the whole read-check-commit,
// calling the update function again on the booking as it reads it then
// (retry in update.go, bounded by changeAttempts). It loses only when
// another change of the interpreter landed after its read, so every loss
// is another writer's success, and retries make progress. Within one
// instance, writers of one interpreter take turns (turns.go), so they lose
// only to other instances.

// CreateBooking commits b at version 1 through its interpreter's schedule
// lock, after checking that its ID is free and, when it holds its
// interpreter's time, that no such booking of the interpreter Blocks it,
// and, for a booking that data.Booking.ClaimsCaseSlot, that its case has
// no booking or offer in the way, claiming the case's next ledger entry
// first in its outbox (caseslot.go; in changeBooking, on every attempt,
// after the overlap check).
func (s *Store) CreateBooking(ctx context.Context, b data.Booking, ch data.Change) error {
	if err := b.CheckStorable(); err != nil {
		return err
	}
	b.Version = 1
	switch taken, err := s.exists(ctx, bookingsCollection, b.ID); {
	case err != nil:
		return err
	case taken:
		return fmt.Errorf("booking %s: %w", b.ID, data.ErrDuplicate)
	}
	_, err := s.changeBooking(ctx, b.InterpreterID, func() (data.Booking, data.Booking, data.Change, error) { return data.Booking{}, b, ch, nil })
	return err
}

// UpdateBooking changes the booking through fn under its interpreter's
// schedule lock: on every attempt it reads the schedule's version, then the
// booking, calls fn with it, checks what fn returns (CheckUpdate,
// CheckStorable, and overlaps when it holds its interpreter's time) and
// commits it at the booking's version + 1.
func (s *Store) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	interpreterID, err := s.interpreterOf(ctx, id)
	if err != nil {
		return data.Booking{}, err
	}
	var read bookingDocument
	stored, err := s.changeBooking(ctx, interpreterID, func() (data.Booking, data.Booking, data.Change, error) {
		read = bookingDocument{} // absent fields stay as they were in what Decode fills
		if err := s.bookings.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&read); err != nil {
			return data.Booking{}, data.Booking{}, data.Change{}, translate(err, "booking "+id)
		}
		current := read.toBooking()
		next, ch, err := fn(current)
		if err != nil {
			return data.Booking{}, data.Booking{}, data.Change{}, err
		}
		if err := next.CheckUpdate(current); err != nil {
			return data.Booking{}, data.Booking{}, data.Change{}, err
		}
		if err := next.CheckStorable(); err != nil {
			return data.Booking{}, data.Booking{}, data.Change{}, err
		}
		next.Version = current.Version + 1
		return current, next, ch, nil
	})
	if errors.Is(err, data.ErrNoChange) {
		// Converted again: fn may have changed what its argument shares
		// (slices) before it found nothing to change.
		return read.toBooking(), nil
	}
	return stored, err
}

// interpreterOf returns the interpreter of the booking with this ID: whose
// schedule its changes go through. A booking's interpreter never changes,
// so any version of it answers.
func (s *Store) interpreterOf(ctx context.Context, id string) (string, error) {
	var d struct {
		InterpreterID string `bson:"interpreterId"`
	}
	opts := options.FindOne().SetProjection(bson.D{{Key: "interpreterId", Value: 1}})
	err := s.bookings.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		// Perhaps its create is a change of a writer that died: Booking
		// lands that first.
		b, err := s.Booking(ctx, id)
		return b.InterpreterID, err
	}
	return d.InterpreterID, translate(err, "booking "+id)
}

// changeBooking stores a booking of interpreterID through the
// interpreter's schedule (see the comment at the top of this file): on
// every attempt it reads the schedule's version, calls next for the
// booking to store (at its next version) and its change, checks the
// booking for overlaps when it holds its interpreter's time and against
// its workload caps (given the booking it replaces: zero for a new one),
// and commits the schedule at the next version with the booking as a
// dependent record and the change. It returns the booking as stored, and
// next's errors as they are.
func (s *Store) changeBooking(ctx context.Context, interpreterID string, next func() (prev, b data.Booking, ch data.Change, err error)) (data.Booking, error) {
	var stored data.Booking
	err := s.retry(ctx, lockKey(schedulesCollection, interpreterID), func() error {
		version, err := s.scheduleVersion(ctx, interpreterID)
		if err != nil {
			return err
		}
		prev, b, ch, err := next()
		if err != nil {
			return err
		}
		doc := fromBooking(b)
		b = doc.toBooking() // as stored: times to the millisecond
		if err := s.checkOverlap(ctx, b); err != nil {
			return err
		}
		if err := s.checkWorkload(ctx, prev, b); err != nil {
			return err
		}
		deps := []dependent{{coll: bookingsCollection, id: b.ID, version: b.Version, doc: doc}}
		var caseID string
		if (b.Version == 1 && b.ClaimsCaseSlot()) || (b.Version > 1 && data.MovesIntoCaseSlot(prev, b)) { // a create or a move: see caseslot.go
			claim, err := s.checkCaseSlot(ctx, b.Organisation, b.CaseID, b.ID, b.Start, b.End)
			if err != nil {
				return err
			}
			deps, caseID = append([]dependent{claim}, deps...), b.CaseID
		}
		_, err = s.commit(ctx, change{
			coll: schedulesCollection, id: interpreterID, version: version + 1,
			doc:        scheduleDocument{ID: interpreterID},
			dependents: deps,
			ch:         ch, caseID: caseID,
		})
		stored = b
		return err
	})
	if err != nil {
		return data.Booking{}, err
	}
	return stored, nil
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
// _id), the confirmed bookings that start in b's data.Booking.OverlapWindow:
// no booking starting outside that window can block b.
func (s *Store) checkOverlap(ctx context.Context, b data.Booking) error {
	if !b.Status.HoldsTime() {
		return nil
	}
	from, to := b.OverlapWindow()
	filter := bson.D{
		{Key: "interpreterId", Value: b.InterpreterID},
		{Key: "status", Value: bson.D{{Key: "$in", Value: holdingStatuses}}},
		{Key: "start", Value: bson.D{
			{Key: "$gte", Value: from},
			{Key: "$lt", Value: to},
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

// checkWorkload returns a *data.WorkloadError when storing b in place of
// prev takes its interpreter past b's caps (see data.JudgesWorkload). It
// reads, off the same index as checkOverlap and under the same schedule
// version, the bookings of b's interpreter that hold time and start in b's
// London week.
func (s *Store) checkWorkload(ctx context.Context, prev, b data.Booking) error {
	if !data.JudgesWorkload(prev, b) {
		return nil
	}
	from, to := data.WorkWeek(b.Start)
	filter := bson.D{
		{Key: "interpreterId", Value: b.InterpreterID},
		{Key: "status", Value: bson.D{{Key: "$in", Value: holdingStatuses}}},
		{Key: "start", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}},
	}
	docs, err := s.findBookings(ctx, filter, options.Find().SetSort(byStartThenID))
	if err != nil {
		return err
	}
	others := make([]data.Booking, 0, len(docs))
	for _, d := range docs {
		others = append(others, d.toBooking())
	}
	return data.CheckWorkload(b, others)
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
