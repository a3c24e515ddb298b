package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tolk/tolk/data"
)

// An offer changes through two lock keys: a decline, a cancellation or an
// expiry is a change of the offer alone, and an acceptance is a change of
// the accepting interpreter's bookings, which must go through their
// schedule (bookings.go) to be checked for overlaps. Neither key can
// serialise against the other, and two changes under different keys must
// not both replace the offer: on FerretDB a filtered ReplaceOne is a query
// followed by a write by _id, so of two overlapping writers the later
// could write its version back over the other's (see the package
// comment). So every change of an offer to version n first claims n in
// the offer's ledger: the collection offerClaims, whose entries, _id
// "<offer ID>#<n>", are only ever inserted. An insert against a unique _id
// is atomic on every server, so of any number of changes to version n
// exactly one holds the entry, and only that change replaces the offer at
// version n.
//
//   - A decline, cancellation or expiry (UpdateOffer) commits a lock whose
//     record is the ledger entry of n (lock key "offerClaims/<offer>#<n>",
//     created at version 1), with the offer at version n as a dependent
//     record and the change.
//   - An acceptance (FillOffer) commits, after the overlap check, the
//     interpreter's schedule at its next version (as CreateBooking does),
//     whose outbox carries in order the ledger entry of n (a Claim: held by
//     another change, it refuses the rest of the outbox), the booking
//     (inserted), the offer at version n, and the change.
//
// The loser of an entry, whichever path, gets errStale and goes round the
// update loop again: it reads the offer as it then is and calls its
// function again, which refuses (data.ErrOfferClosed) or decides afresh.
// An acceptance also loses, and checks again, when another change of the
// interpreter's bookings lands first (its schedule lock is void). Each
// loss is another change's success, and the attempts are bounded
// (changeAttempts), as for every update.
//
// Why this is enough: an entry of n is inserted only by a writer that read
// the offer at n-1, and no change writes version n without holding it, so
// every version of the offer is written by exactly one change, built on
// the version before it; the entry is permanent, so a change that read an
// older version can never claim n later. The replace of version n never
// races another writer of n, and a writer of n+1 reads version n only
// once it has landed, so the one write of the offer in flight at a time is
// a landing of one lock, and landings of one lock take turns (finish.go).
// The acceptance's booking is checked under the schedule lock, so an
// acceptance is one durable write, like a booking, and both land or
// neither: the entry is first, and once it is held, the rest lands (the
// booking's ID is checked free just before the entry goes in, see
// insertsFree). The booking lands before the offer, so a reader who sees
// the offer filled finds its booking.
//
// Every lock of a change of an offer names it (lockDocument.Offer,
// indexed). A writer reads the offer and then finds no such lock (waiting
// for those it finds, and landing a dead writer's: offerNow), so that it
// decides on a version whose change has wholly landed, instead of losing
// to a change already on its way. Readers (Offer, ListOffers, DueOffers)
// first finish those locks as readers of bookings finish schedule locks:
// a dead writer's change lands, a live writer's shows once it has.

// offerLocks selects the locks of the changes of one offer in flight.
func offerLocks(id string) bson.D { return bson.D{{Key: "offer", Value: id}} }

// anyOfferLocks selects the locks of every change of an offer in flight.
var anyOfferLocks = bson.D{{Key: "offer", Value: bson.D{{Key: "$gt", Value: ""}}}}

// CreateOffer commits o at version 1 with its change; an offer that
// data.Offer.ClaimsCaseSlot is judged against its case's bookings and
// offers and commits through the case's ledger (caseslot.go).
// data.ErrDuplicate when its ID is taken.
func (s *Store) CreateOffer(ctx context.Context, o data.Offer, ch data.Change) error {
	o.Version = 1
	switch taken, err := s.exists(ctx, offersCollection, o.ID); {
	case err != nil:
		return err
	case taken:
		return fmt.Errorf("offer %s: %w", o.ID, data.ErrDuplicate)
	}
	if o.ClaimsCaseSlot() {
		// The lock writes the case's next ledger entry, the offer its
		// dependent (caseslot.go): a writer that loses the entry judges
		// again.
		return s.retry(ctx, lockKey(caseClaimsCollection, o.CaseID), func() error {
			claim, err := s.checkCaseSlot(ctx, o.Organisation, o.CaseID, o.ID, o.Start, o.End)
			if err != nil {
				return err
			}
			_, err = s.commit(ctx, change{
				coll: claim.coll, id: claim.id, version: 1, doc: claim.doc,
				dependents: []dependent{{coll: offersCollection, id: o.ID, version: 1, doc: fromOffer(o)}},
				ch:         ch, offer: o.ID, caseID: o.CaseID,
			})
			return err
		})
	}
	_, err := s.commit(ctx, change{coll: offersCollection, id: o.ID, version: 1, doc: fromOffer(o), ch: ch, offer: o.ID})
	if errors.Is(err, errStale) {
		return fmt.Errorf("offer %s: %w", o.ID, data.ErrDuplicate)
	}
	return err
}

// Offer returns the offer with this ID as stored, once the changes of it
// that writers left behind have landed.
func (s *Store) Offer(ctx context.Context, id string) (data.Offer, error) {
	if _, _, err := s.finishLocks(ctx, offerLocks(id)); err != nil {
		return data.Offer{}, err
	}
	var d offerDocument
	if err := s.offers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return data.Offer{}, translate(err, "offer "+id)
	}
	return d.toOffer(), nil
}

// UpdateOffer changes the offer through fn: on every attempt it reads the
// offer once no change of it is in flight (offerNow), calls fn, checks
// what fn returns (CheckUpdate), and commits the ledger entry of the next
// version with the offer at that version as a dependent record. When
// another change holds that entry, it reads and calls fn again (retry).
func (s *Store) UpdateOffer(ctx context.Context, id string, fn data.Update[data.Offer]) (data.Offer, error) {
	var stored data.Offer
	err := s.retry(ctx, lockKey(offersCollection, id), func() error {
		read, err := s.offerNow(ctx, id)
		if err != nil {
			return err
		}
		current := read.toOffer()
		next, ch, err := fn(current)
		switch {
		case errors.Is(err, data.ErrNoChange):
			stored = read.toOffer() // fn may have changed what its argument shares
			return nil
		case err != nil:
			return err
		}
		if err := next.CheckUpdate(current); err != nil {
			return err
		}
		next.Version = current.Version + 1
		doc := fromOffer(next)
		if _, err := s.commit(ctx, offerChange(doc, ch)); err != nil {
			return err
		}
		stored = doc.toOffer()
		return nil
	})
	if err != nil {
		return data.Offer{}, err
	}
	return stored, nil
}

// checkSchedule checks a new booking against its interpreter's other
// bookings: overlaps, then workload caps.
func (s *Store) checkSchedule(ctx context.Context, b data.Booking) error {
	if err := s.checkOverlap(ctx, b); err != nil {
		return err
	}
	return s.checkWorkload(ctx, data.Booking{}, b)
}

// FillOffer lands an acceptance: on every attempt it reads the offer once
// no change of it is in flight, calls fn, checks what fn returns (the
// offer's CheckUpdate, the booking's CheckStorable and free ID), reads
// the schedule of the booking's interpreter and checks the booking for
// overlaps as CreateBooking does, and commits the schedule at its next
// version with the ledger entry of the offer's next version, the booking
// and the offer (see the top of this file). It goes round again, calling
// fn on the offer as it then is, when another change holds the entry or
// another booking change of the interpreter landed first, and when a
// booking is in the way but the offer moved since it was read (the
// booking may be another acceptance of it: fn's refusal is the answer).
func (s *Store) FillOffer(ctx context.Context, id string, fn func(data.Offer) (data.Offer, data.Booking, data.Change, error)) (data.Offer, data.Booking, error) {
	var filled data.Offer
	var booked data.Booking
	err := s.retry(ctx, lockKey(offersCollection, id), func() error {
		read, err := s.offerNow(ctx, id)
		if err != nil {
			return err
		}
		current := read.toOffer()
		next, b, ch, err := fn(current)
		switch {
		case errors.Is(err, data.ErrNoChange):
			filled, booked = read.toOffer(), data.Booking{}
			return nil
		case err != nil:
			return err
		}
		if err := next.CheckUpdate(current); err != nil {
			return err
		}
		if err := b.CheckStorable(); err != nil {
			return err
		}
		switch taken, err := s.exists(ctx, bookingsCollection, b.ID); {
		case err != nil:
			return err
		case taken:
			return fmt.Errorf("booking %s: %w", b.ID, data.ErrDuplicate)
		}
		schedule, err := s.scheduleVersion(ctx, b.InterpreterID)
		if err != nil {
			return err
		}
		b.Version = 1
		bdoc := fromBooking(b)
		b = bdoc.toBooking() // as stored: times to the millisecond
		if err := s.checkSchedule(ctx, b); err != nil {
			// The bookings were read after the offer: when the booking
			// in the way is another acceptance of this offer, the offer
			// has moved, and fn's answer on it is the one to give.
			moved, merr := s.offerMoved(ctx, id, current.Version)
			switch {
			case merr != nil:
				return merr
			case moved:
				return errStale
			}
			return err
		}
		next.Version = current.Version + 1
		odoc := fromOffer(next)
		if _, err := s.commit(ctx, acceptance(odoc, bdoc, schedule+1, ch)); err != nil {
			return err
		}
		filled, booked = odoc.toOffer(), b
		return nil
	})
	if err != nil {
		return data.Offer{}, data.Booking{}, err
	}
	return filled, booked, nil
}

// offerChange is the change that writes the offer o at its version alone
// (a decline, a cancellation, an expiry): a lock of the ledger entry of
// that version, with the offer as its dependent record (see the top of
// this file).
func offerChange(o offerDocument, ch data.Change) change {
	claim := offerClaimID(o.ID, o.Version)
	return change{
		coll: offerClaimsCollection, id: claim, version: 1, doc: offerClaimDocument{ID: claim, Offer: o.ID},
		dependents: []dependent{{coll: offersCollection, id: o.ID, version: o.Version, doc: o, claimed: true}},
		ch:         ch, offer: o.ID,
	}
}

// acceptance is the change that writes the offer o at its version with
// the booking b its acceptance made: the schedule of b's interpreter at
// version schedule, whose outbox carries the ledger entry of o's version,
// b and o, in that order (see the top of this file).
func acceptance(o offerDocument, b bookingDocument, schedule int64, ch data.Change) change {
	claim := offerClaimID(o.ID, o.Version)
	return change{
		coll: schedulesCollection, id: b.InterpreterID, version: schedule, doc: scheduleDocument{ID: b.InterpreterID},
		dependents: []dependent{
			{coll: offerClaimsCollection, id: claim, version: 1, doc: offerClaimDocument{ID: claim, Offer: o.ID}, claim: true},
			{coll: bookingsCollection, id: b.ID, version: 1, doc: b},
			{coll: offersCollection, id: o.ID, version: o.Version, doc: o, claimed: true},
		},
		ch: ch, offer: o.ID,
	}
}

// offerMoved reports whether the offer is past version, once the changes
// of it in flight have landed (offerNow).
func (s *Store) offerMoved(ctx context.Context, id string, version int64) (bool, error) {
	d, err := s.offerNow(ctx, id)
	return err == nil && d.Version != version, err
}

// offerNow reads the offer at a moment when no change of it was in flight:
// it reads the offer, then looks for the locks of its changes, and when it
// finds any, finishes them (a dead writer's lands, a void one goes), waits
// while a live writer's is there, and reads again. So the writer decides
// on a version whose change has wholly landed, and loses only to changes
// committed after its read. data.ErrNotFound when there is no offer.
func (s *Store) offerNow(ctx context.Context, id string) (offerDocument, error) {
	delay := awaitFirst
	for {
		var d offerDocument
		err := s.offers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return d, translate(err, "offer "+id)
		}
		found, left, lerr := s.finishLocks(ctx, offerLocks(id))
		switch {
		case lerr != nil:
			return d, lerr
		case found == 0:
			return d, translate(err, "offer "+id)
		case left == 0:
			continue // they landed or went: read again
		}
		select {
		case <-ctx.Done():
			return d, fmt.Errorf("waiting for the changes of offer %s: %w", id, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, awaitMax)
	}
}
