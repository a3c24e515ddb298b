package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketBookings = []byte("bookings") // ID → record
	// "<org>\x00<start key>\x00<id>",
	// "<org>\x00<case ID>\x00<start key>\x00<id>",
	// "<org>\x00<interpreter ID>\x00<start key>\x00<id>",
	// "<org>\x00<booked by>\x00<start key>\x00<id>". Every one ends in the
	// booking's position, "<start key>\x00<id>", so a listing walking one of
	// them checks another field by looking up its key at that position
	// (bookingIDs).
	bucketBookingsByOrg            = "bookings_by_org"
	bucketBookingsByOrgCase        = "bookings_by_org_case"
	bucketBookingsByOrgInterpreter = "bookings_by_org_interpreter"
	bucketBookingsByOrgBooker      = "bookings_by_org_booker"
	// "<interpreter ID>\x00<start key>\x00<id>" for confirmed bookings only,
	// with the end and buffer as value (confirmedValue): what the overlap
	// check and ConfirmedBookings seek.
	bucketBookingsConfirmed = "bookings_holding" // confirmed and completed: see data.BookingStatus.HoldsTime
	// bucketBookingsByInterpreter holds every booking of an interpreter,
	// in every organisation and status: what they are sent of their own
	// records (subject access).
	bucketBookingsByInterpreter = "bookings_by_interpreter"
	// bucketBookingsToRetain holds the bookings not yet anonymised, by
	// end then ID: what retention walks, from the oldest.
	bucketBookingsToRetain = "bookings_to_retain"
)

var bookingKind = recordKind{
	bucket: bucketBookings,
	indexes: []string{
		bucketBookingsByOrg, bucketBookingsByOrgCase, bucketBookingsByOrgInterpreter, bucketBookingsByOrgBooker,
		bucketBookingsConfirmed, bucketBookingsByInterpreter, bucketBookingsToRetain, bucketBookingFacts,
		bucketRegisterBookingFacts,
	},
	entries: decode(bookingRecord.toBooking, bookingIndexes),
}

// bookingIndexes derives every index entry of a booking from its
// organisation, case, interpreter, booker, start and status. A booking
// without a booker has no bookings_by_org_booker entry (no listing asks for
// an empty booker). A booking leaves bookings_confirmed when it stops being
// confirmed, which frees its slot.
func bookingIndexes(b data.Booking) []indexEntry {
	start := startKey(b.Start)
	out := []indexEntry{
		{bucket: bucketBookingsByOrg, key: indexKey(b.Organisation, start, b.ID)},
		{bucket: bucketBookingFacts, key: indexKey(b.Organisation, start, b.ID), value: factValue(b)},
		{bucket: bucketRegisterBookingFacts, key: indexKey(start, b.ID), value: factValue(b)},
		{bucket: bucketBookingsByOrgCase, key: indexKey(b.Organisation, b.CaseID, start, b.ID)},
		{bucket: bucketBookingsByOrgInterpreter, key: indexKey(b.Organisation, b.InterpreterID, start, b.ID)},
		{bucket: bucketBookingsByInterpreter, key: indexKey(b.InterpreterID, start, b.ID)},
	}
	if b.BookedBy != "" {
		out = append(out, indexEntry{bucket: bucketBookingsByOrgBooker, key: indexKey(b.Organisation, b.BookedBy, start, b.ID)})
	}
	if b.Anonymised.IsZero() {
		out = append(out, indexEntry{bucket: bucketBookingsToRetain, key: indexKey(startKey(b.End), b.ID)})
	}
	if b.Status.HoldsTime() {
		out = append(out, indexEntry{bucket: bucketBookingsConfirmed, key: indexKey(b.InterpreterID, start, b.ID), value: confirmedValue(b)})
	}
	return out
}

// CreateBooking checks a booking that holds its interpreter's time against
// the interpreter's other such bookings and stores it, its index entries
// and its change, all in one transaction. bbolt runs one writer at a time,
// so no other booking can land between the check and the write. A direct
// booking that is confirmed and not additional is also judged against its
// case's confirmed bookings and open offers (checkCaseSlot) in the same
// transaction.
func (s *Store) CreateBooking(ctx context.Context, b data.Booking, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := createBooking(tx, b); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// createBooking stores a new booking and its index entries in tx, unless
// its ID is taken (ErrDuplicate), it is out of the store's bounds
// (data.Booking.CheckStorable), or it is confirmed and blocked by a confirmed booking of
// its interpreter (*data.OverlapError), or, when it ClaimsCaseSlot, its
// case has a booking or offer in the way (*data.CaseBookedError): a
// booking made by an offer never claims it.
func createBooking(tx *bolt.Tx, b data.Booking) error {
	bk := tx.Bucket(bucketBookings)
	if bk.Get([]byte(b.ID)) != nil {
		return fmt.Errorf("booking %s: %w", b.ID, data.ErrDuplicate)
	}
	if err := b.CheckStorable(); err != nil {
		return err
	}
	b = storedBooking(b)
	if err := checkOverlap(tx, b); err != nil {
		return err
	}
	if err := checkWorkload(tx, data.Booking{}, b); err != nil {
		return err
	}
	if b.ClaimsCaseSlot() {
		if err := checkCaseSlot(tx, b.Organisation, b.CaseID, b.ID, b.Start, b.End); err != nil {
			return err
		}
	}
	if err := writeIndexes(tx, nil, bookingIndexes(b)); err != nil {
		return err
	}
	if err := changedSchedules(tx, b.InterpreterID); err != nil {
		return err
	}
	return put(bk, b.ID, fromBooking(b))
}

// checkWorkload returns a *data.WorkloadError when storing next in place
// of prev takes its interpreter past next's caps (see
// data.JudgesWorkload): it counts the interpreter's bookings_holding
// entries that start in next's London week, by key alone.
func checkWorkload(tx *bolt.Tx, prev, next data.Booking) error {
	if !data.JudgesWorkload(prev, next) {
		return nil
	}
	fromT, toT := data.WorkWeek(next.Start)
	ic := seekIndex(tx.Bucket([]byte(bucketBookingsConfirmed)), indexPrefix(next.InterpreterID), boundKey(fromT), false).stopAt(boundKey(toT))
	var others []data.Booking
	for ; ic.key != nil; ic.next() {
		start, err := parseStartKey(ic.rest())
		if err != nil {
			return fmt.Errorf("%s entry %q: %v", bucketBookingsConfirmed, ic.key, err)
		}
		others = append(others, data.Booking{ID: ic.id(), InterpreterID: next.InterpreterID, Start: start, Status: data.BookingConfirmed})
	}
	return data.CheckWorkload(next, others)
}

// Booking returns the booking with this ID.
func (s *Store) Booking(ctx context.Context, id string) (data.Booking, error) {
	var b data.Booking
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[bookingRecord](tx.Bucket(bucketBookings), id)
		b = rec.toBooking()
		return err
	})
	return b, err
}

// UpdateBooking runs fn on the booking inside one write transaction (see
// updateRecord), checks what it returns against the store's bounds
// (data.Booking.CheckStorable) and, when it holds its interpreter's time,
// against the interpreter's other such bookings, and writes it at the
// version read plus one, the difference between its old and new index
// entries (a booking that no longer holds its time leaves
// bookings_holding, freeing it) and fn's change. No other booking can land
// between the check and the write.
func (s *Store) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	return updateRecord(ctx, s, id, fn, readBooking, writeBooking)
}

// readBooking decodes the booking afresh on every call, never from the
// cache: updateRecord hands its update function a record of its own.
func readBooking(tx *bolt.Tx, id string) (data.Booking, error) {
	rec, err := get[bookingRecord](tx.Bucket(bucketBookings), id)
	if err != nil {
		return data.Booking{}, fmt.Errorf("booking %s: %w", id, err)
	}
	return rec.toBooking(), nil
}

// writeBooking stores next in place of cur at cur's version plus one,
// unless it is out of the store's bounds or blocked by another booking of
// its interpreter (*data.OverlapError), moving its index entries.
func writeBooking(tx *bolt.Tx, cur, next data.Booking) (data.Booking, error) {
	if err := next.CheckStorable(); err != nil {
		return data.Booking{}, err
	}
	next.Version = cur.Version + 1
	next = storedBooking(next)
	if err := checkOverlap(tx, next); err != nil {
		return data.Booking{}, err
	}
	if err := checkWorkload(tx, cur, next); err != nil {
		return data.Booking{}, err
	}
	if data.MovesIntoCaseSlot(cur, next) {
		if err := checkCaseSlot(tx, next.Organisation, next.CaseID, next.ID, next.Start, next.End); err != nil {
			return data.Booking{}, err
		}
	}
	if err := writeIndexes(tx, bookingIndexes(cur), bookingIndexes(next)); err != nil {
		return data.Booking{}, err
	}
	if err := changedSchedules(tx, cur.InterpreterID, next.InterpreterID); err != nil {
		return data.Booking{}, err
	}
	if err := put(tx.Bucket(bucketBookings), next.ID, fromBooking(next)); err != nil {
		return data.Booking{}, err
	}
	return next, nil
}

// checkOverlap returns an *data.OverlapError naming the first booking of
// b's interpreter that holds its time, other than b, that Blocks b, when b
// holds its time too. It reads the interpreter's bookings_holding entries
// that start in b's data.Booking.OverlapWindow, judging each by its key
// and value, and reads the record of the one in the way only: no booking
// starting outside that window can block b.
func checkOverlap(tx *bolt.Tx, b data.Booking) error {
	if !b.Status.HoldsTime() {
		return nil
	}
	fromT, toT := b.OverlapWindow()
	from, to := startKey(fromT), startKey(toT)
	ic := seekIndex(tx.Bucket([]byte(bucketBookingsConfirmed)), indexPrefix(b.InterpreterID), from, false).stopAt(to)
	for ; ic.key != nil; ic.next() {
		id := ic.id()
		if id == b.ID {
			continue
		}
		slot, err := confirmedSlot(ic.rest(), ic.value)
		if err != nil {
			return fmt.Errorf("%s entry %q: %v", bucketBookingsConfirmed, ic.key, err)
		}
		if !data.Blocks(b, slot) {
			continue
		}
		rec, err := get[bookingRecord](tx.Bucket(bucketBookings), id)
		if err != nil {
			return indexFault(id, err)
		}
		return &data.OverlapError{Existing: rec.toBooking()}
	}
	return nil
}
