package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketOffers = []byte("offers") // ID → record; IDs sort by creation time
	// "<org>\x00<id>" and "<org>\x00<status>\x00<id>": an organisation's
	// offers, and those in one status. "<org>\x00<case ID>\x00<id>", with
	// the offer's status as value: a case's offers (a case has few, so a
	// status filter reads them off the values).
	bucketOffersByOrg       = "offers_by_org"
	bucketOffersByOrgStatus = "offers_by_org_status"
	bucketOffersByOrgCase   = "offers_by_org_case"
	// "<interpreter ID>\x00<id>" and "<interpreter ID>\x00<invitation
	// status>\x00<id>": the offers inviting one interpreter, in every
	// organisation, and those whose invitation of them is in one status.
	// Both carry "<org>\x00<case ID>\x00<status>" as value (offerPlace), so
	// a listing narrowed by organisation, case or status reads no record it
	// drops.
	bucketOffersByInterpreter           = "offers_by_interpreter"
	bucketOffersByInterpreterInvitation = "offers_by_interpreter_invitation"
	// "<due key>\x00<id>" for each open offer with a pending invitation,
	// the due key being Offer.Due as a start key (see booking_keys.go):
	// what the expirer seeks, earliest first. An offer leaves it in the
	// write that leaves it nothing pending.
	bucketOffersDue = "offers_due"
	// token hash → offer ID, unique: the offer whose invitation was sent
	// with the single-use link of that token (OfferByToken). An entry
	// stays while its invitation does, whatever its state, so a link
	// already used still names its offer (as closed).
	bucketOffersByToken = "offers_by_token"
	// "<end key>\x00<id>" for each offer not yet anonymised: what
	// retention walks, from the interview that ended first.
	bucketOffersToRetain = "offers_to_retain"
)

var offerKind = recordKind{
	bucket: bucketOffers,
	indexes: []string{
		bucketOffersByOrg, bucketOffersByOrgStatus, bucketOffersByOrgCase,
		bucketOffersByInterpreter, bucketOffersByInterpreterInvitation, bucketOffersDue, bucketOffersByToken, bucketOfferFacts,
		bucketRegisterOfferFacts,
		bucketOffersToRetain,
	},
	entries: decode(offerRecord.toOffer, offerIndexes),
}

// offerIndexes derives every index entry of an offer (in its stored form)
// from its organisation, case, status, invitations (their token hashes
// included) and due time.
func offerIndexes(o data.Offer) []indexEntry {
	status := string(o.Status)
	out := []indexEntry{
		{bucket: bucketOffersByOrg, key: indexKey(o.Organisation, o.ID)},
		{bucket: bucketOffersByOrgStatus, key: indexKey(o.Organisation, status, o.ID)},
		{bucket: bucketOffersByOrgCase, key: indexKey(o.Organisation, o.CaseID, o.ID), value: status},
		{bucket: bucketOfferFacts, key: indexKey(o.Organisation, startKey(o.Start), o.ID), value: offerFactValue(o)},
		{bucket: bucketRegisterOfferFacts, key: indexKey(startKey(o.Start), o.ID), value: offerFactValue(o)},
	}
	place := offerPlace(o)
	for _, inv := range o.Invitations {
		out = append(out,
			indexEntry{bucket: bucketOffersByInterpreter, key: indexKey(inv.InterpreterID, o.ID), value: place},
			indexEntry{bucket: bucketOffersByInterpreterInvitation, key: indexKey(inv.InterpreterID, string(inv.Status), o.ID), value: place})
		if inv.TokenHash != "" {
			out = append(out, indexEntry{bucket: bucketOffersByToken, key: inv.TokenHash, value: o.ID, unique: true})
		}
	}
	if due := o.Due(); !due.IsZero() {
		out = append(out, indexEntry{bucket: bucketOffersDue, key: indexKey(startKey(due), o.ID)})
	}
	if o.Anonymised.IsZero() {
		out = append(out, indexEntry{bucket: bucketOffersToRetain, key: indexKey(startKey(o.End), o.ID)})
	}
	return out
}

// offerPlace is the value of an offer's entries in the interpreter
// indexes: "<org>\x00<case ID>\x00<status>".
func offerPlace(o data.Offer) string { return indexKey(o.Organisation, o.CaseID, string(o.Status)) }

// CreateOffer stores a new offer, its index entries and its change in one
// transaction, after judging an open offer that is not additional against
// its case's confirmed bookings and open offers (checkCaseSlot) in it.
func (s *Store) CreateOffer(ctx context.Context, o data.Offer, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOffers)
		if b.Get([]byte(o.ID)) != nil {
			return fmt.Errorf("offer %s: %w", o.ID, data.ErrDuplicate)
		}
		o = storedOffer(o)
		if o.ClaimsCaseSlot() {
			if err := checkCaseSlot(tx, o.Organisation, o.CaseID, o.ID, o.Start, o.End); err != nil {
				return err
			}
		}
		if err := writeIndexes(tx, nil, offerIndexes(o)); err != nil {
			return err
		}
		if err := put(b, o.ID, fromOffer(o)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// Offer returns the offer with this ID as stored.
func (s *Store) Offer(ctx context.Context, id string) (data.Offer, error) {
	var o data.Offer
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		o, err = readOffer(tx, id)
		return err
	})
	return o, err
}

// UpdateOffer runs fn on the offer inside one write transaction (see
// updateRecord) and writes what it returns at the version read plus one,
// the difference between its old and new index entries (its place in
// offers_due above all) and fn's change.
func (s *Store) UpdateOffer(ctx context.Context, id string, fn data.Update[data.Offer]) (data.Offer, error) {
	return updateRecord(ctx, s, id, fn, readOffer, writeOffer)
}

// FillOffer lands an acceptance in one write transaction: it reads the
// offer, calls fn with a copy of its own, refuses what
// data.Offer.CheckUpdate refuses, creates fn's booking as CreateBooking
// does (ErrDuplicate, data.Booking.CheckStorable, *data.OverlapError),
// writes the offer at the version read plus one with its index entries,
// and lands fn's change. Any error rolls all of it back. bbolt runs one
// writer at a time, so fn always sees the offer as the last write left it
// and runs once: of simultaneous acceptances, the first fills the offer
// and the others find it filled. fn's data.ErrNoChange writes nothing and
// returns the offer as read, with no booking.
func (s *Store) FillOffer(ctx context.Context, id string, fn func(data.Offer) (data.Offer, data.Booking, data.Change, error)) (data.Offer, data.Booking, error) {
	var offer data.Offer
	var booking data.Booking
	err := s.update(ctx, func(tx *bolt.Tx) error {
		cur, err := readOffer(tx, id)
		if err != nil {
			return err
		}
		mine, err := readOffer(tx, id)
		if err != nil {
			return err
		}
		next, b, ch, err := fn(mine)
		switch {
		case errors.Is(err, data.ErrNoChange):
			offer = cur
			return errUnchanged
		case err != nil:
			return err
		}
		if err := next.CheckUpdate(cur); err != nil {
			return err
		}
		if err := createBooking(tx, b); err != nil {
			return err
		}
		if offer, err = writeOffer(tx, cur, next); err != nil {
			return err
		}
		booking = storedBooking(b)
		return putChange(tx, ch)
	})
	switch {
	case errors.Is(err, errUnchanged):
		return offer, data.Booking{}, nil
	case err != nil:
		return data.Offer{}, data.Booking{}, err
	}
	return offer, booking, nil
}

// readOffer decodes the offer afresh on every call: updateRecord and
// FillOffer hand their functions a record of their own.
func readOffer(tx *bolt.Tx, id string) (data.Offer, error) {
	raw := tx.Bucket(bucketOffers).Get([]byte(id))
	if raw == nil {
		return data.Offer{}, fmt.Errorf("offer %s: %w", id, data.ErrNotFound)
	}
	o, err := decodeOffer(raw)
	if err != nil {
		return data.Offer{}, fmt.Errorf("decode offer %s: %w", id, err)
	}
	return o, nil
}

// writeOffer stores next in place of cur at cur's version plus one,
// moving its index entries.
func writeOffer(tx *bolt.Tx, cur, next data.Offer) (data.Offer, error) {
	next.Version = cur.Version + 1
	next = storedOffer(next)
	if err := writeIndexes(tx, offerIndexes(cur), offerIndexes(next)); err != nil {
		return data.Offer{}, err
	}
	if err := put(tx.Bucket(bucketOffers), next.ID, fromOffer(next)); err != nil {
		return data.Offer{}, err
	}
	return next, nil
}

// ListOffers reads the page's IDs off the index that fits q, newest first
// from its cursor, then reads the page's records. Without an organisation
// or an interpreter, or with an invitation status but no interpreter, q is
// a *data.ValidationError.
func (s *Store) ListOffers(ctx context.Context, q data.OfferQuery) (data.Page[data.Offer], error) {
	switch {
	case q.Organisation == "" && q.InterpreterID == "":
		return data.Page[data.Offer]{}, invalid("organisation", "is required without an interpreter")
	case q.Invitation != "" && q.InterpreterID == "":
		return data.Page[data.Offer]{}, invalid("invitation", "needs an interpreter")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Offer]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		page, err = pageOf(tx.Bucket(bucketOffers), offerIDs(tx, q, limit+1), limit, offerRecord.toOffer)
		return err
	})
	return page, err
}

// offerIDs returns the IDs of up to n offers matching q, newest first,
// older than q.Before. An interpreter's listing walks their invitations
// (of the status asked, if any) and keeps those whose value (offerPlace)
// has the organisation, case and status asked; an organisation's walks
// its case's offers (keeping those of the status asked), or its offers in
// the status asked, or all its offers. Each walk reads index keys only.
func offerIDs(tx *bolt.Tx, q data.OfferQuery, n int) []string {
	var walk *indexCursor
	var keep func(value []byte) bool
	switch {
	case q.InterpreterID != "":
		if q.Invitation != "" {
			walk = seekIndex(tx.Bucket([]byte(bucketOffersByInterpreterInvitation)), indexPrefix(q.InterpreterID, string(q.Invitation)), q.Before, true)
		} else {
			walk = seekIndex(tx.Bucket([]byte(bucketOffersByInterpreter)), indexPrefix(q.InterpreterID), q.Before, true)
		}
		if q.Organisation != "" || q.CaseID != "" || q.Status != "" {
			keep = func(value []byte) bool { return placed(value, q) }
		}
	case q.CaseID != "":
		walk = seekIndex(tx.Bucket([]byte(bucketOffersByOrgCase)), indexPrefix(q.Organisation, q.CaseID), q.Before, true)
		if q.Status != "" {
			keep = func(value []byte) bool { return string(value) == string(q.Status) }
		}
	case q.Status != "":
		walk = seekIndex(tx.Bucket([]byte(bucketOffersByOrgStatus)), indexPrefix(q.Organisation, string(q.Status)), q.Before, true)
	default:
		walk = seekIndex(tx.Bucket([]byte(bucketOffersByOrg)), indexPrefix(q.Organisation), q.Before, true)
	}
	return walk.take(n, keep)
}

// placed reports whether an interpreter index value (offerPlace) has the
// organisation, case and status q asks for, where it asks.
func placed(value []byte, q data.OfferQuery) bool {
	parts := bytes.SplitN(value, []byte{0}, 3)
	if len(parts) != 3 {
		return false
	}
	return (q.Organisation == "" || string(parts[0]) == q.Organisation) &&
		(q.CaseID == "" || string(parts[1]) == q.CaseID) &&
		(q.Status == "" || string(parts[2]) == string(q.Status))
}

// OfferByToken reads the offer's ID off offers_by_token, then the offer.
func (s *Store) OfferByToken(ctx context.Context, tokenHash string) (data.Offer, error) {
	var o data.Offer
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var id []byte
		if tokenHash != "" {
			id = tx.Bucket([]byte(bucketOffersByToken)).Get([]byte(tokenHash))
		}
		if id == nil {
			return fmt.Errorf("offer by token: %w", data.ErrNotFound)
		}
		var err error
		if o, err = readOffer(tx, string(id)); err != nil {
			return indexFault(string(id), err)
		}
		return nil
	})
	return o, err
}

// DueOffers seeks offers_due from its start to the due key of by and reads
// the first limit offers it names (data.PageSize bounds limit).
func (s *Store) DueOffers(ctx context.Context, by time.Time, limit int) ([]data.Offer, error) {
	// Stored due times are whole milliseconds, so due <= by exactly when
	// due's key <= by's key truncated: every key up to "<key of by>\x00...".
	end := startKey(by) + "\x01"
	var out []data.Offer
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOffers)
		for _, id := range seekIndex(tx.Bucket([]byte(bucketOffersDue)), nil, "", false).stopAt(end).take(data.PageSize(limit), nil) {
			rec, err := get[offerRecord](b, id)
			if err != nil {
				return indexFault(id, err)
			}
			out = append(out, rec.toOffer())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
