package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tolk/tolk/data"
)

// This file is the outbox of a lock (locks.go): what lands with a change
// after its record, and how each document of it lands.

// outboxDocument is a document that lands with a change, after the locked
// record and before the lock goes. Its _id is fixed when the change is
// committed, so a second landing finds it there. Without a Version it is
// only ever inserted: the documents of the data.Change (changeOutbox). An
// audit entry whose ID is taken before the change commits refuses the
// change (data.ErrDuplicate); a message whose ID is taken is Once: the
// same message, already in the outbox, and the change lands without it.
//
// With a Version it is a dependent record: a record that changes only
// under the lock of another, as a booking changes only under its
// interpreter's schedule (bookings.go). It is stamped with the lock's token
// and written like the locked record: inserted at version 1, otherwise by
// ReplaceOne with the filter {_id, version < Version}. That replace is as
// safe as the locked record's own, for the same reason: every change of the
// dependent record commits through the one lock key of its owner, so no
// two changes of it are ever in flight, and landings of one lock take turns
// (FerretDB runs the filter, then writes by _id: an overlapping landing
// could write an old version back). A landing finds the record at Version
// under its own token when an earlier landing wrote it; at Version or later
// under another token, or missing, the record is not where the writer read
// it, and the change is refused (see land).
//
// A change may not put here a record that changes in any other way:
// nothing would keep that other change out. Such a record needs a lock of
// its own, or a ledger: an offer changes through several lock keys (its
// ledger's, and the schedule of the interpreter who accepts it), and each
// change of it to version n first inserts the ledger entry of n, a Claim
// (offers.go). A Claim is inserted like a dependent record at version 1,
// but when another change holds it, this change lost the race to write
// that version of the offer: the rest of the outbox is refused, and the
// writer gets errStale (it reads again), not data.ErrDuplicate. The offer,
// after its Claim in the same outbox or locked through the ledger entry
// itself, is Claimed: only the holder of the entry writes that version, so
// a landing that finds the offer at Version or later, under any token,
// finds it landed (a later change can only have followed it).
type outboxDocument struct {
	Collection string   `bson:"collection"`
	ID         string   `bson:"id"`
	Doc        bson.Raw `bson:"doc"`
	Version    int64    `bson:"version,omitempty"`
	Claim      bool     `bson:"claim,omitempty"`
	Claimed    bool     `bson:"claimed,omitempty"`
	Once       bool     `bson:"once,omitempty"`
}

// landOutbox writes document i of l's outbox (see outboxDocument). A
// document already there is fine when it is only ever inserted, or when it
// carries l's token (an earlier landing of l wrote it), or when it is
// Claimed and at o's version or later; otherwise o is refused: refused is
// true and the error says why (errStale for a Claim held by another
// change). Before a Claim it checks that the records the rest of the
// outbox inserts are free (insertsFree): once the entry is held, the rest
// must land.
func (s *Store) landOutbox(ctx context.Context, l lockDocument, i int) (refused bool, err error) {
	o := l.Outbox[i]
	if o.Claim {
		if refused, err := s.insertsFree(ctx, l, l.Outbox[i+1:]); err != nil {
			return refused, err
		}
	}
	coll := s.db.Collection(o.Collection)
	var werr error
	if o.Version <= 1 {
		_, werr = coll.InsertOne(ctx, o.Doc)
		if werr == nil || (o.Version == 0 && mongo.IsDuplicateKeyError(werr)) {
			return false, nil
		}
	} else {
		filter := bson.D{{Key: "_id", Value: o.ID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: o.Version}}}}
		var res *mongo.UpdateResult
		res, werr = coll.ReplaceOne(ctx, filter, o.Doc)
		if werr == nil && res.MatchedCount == 1 {
			return false, nil
		}
	}
	if werr != nil && !isUniqueViolation(werr) {
		return false, translate(werr, o.Collection+" "+o.ID)
	}
	st, found, err := s.stamp(ctx, o.Collection, o.ID)
	switch {
	case err != nil:
		return false, err
	case found && st.LockToken == l.Token:
		return false, nil
	case o.Claim:
		return true, fmt.Errorf("%s %s is held by another change: %w", o.Collection, o.ID, errStale)
	case o.Claimed && found && st.Version >= o.Version && werr == nil:
		return false, nil
	case o.Version == 1 || werr != nil: // the _id or another unique key is taken
		return true, fmt.Errorf("%s %s: %w", o.Collection, o.ID, data.ErrDuplicate)
	}
	return true, fmt.Errorf("%s %s is at version %d, not %d: %w", o.Collection, o.ID, st.Version, o.Version-1, errStale)
}

// insertsFree refuses (refused true, data.ErrDuplicate) when a record that
// one of these outbox documents inserts (a dependent at version 1) is
// taken by another change: what a Claim's landing checks first, so that
// its change does not stop halfway once it holds the ledger entry.
func (s *Store) insertsFree(ctx context.Context, l lockDocument, outbox []outboxDocument) (refused bool, err error) {
	for _, o := range outbox {
		if o.Version != 1 || o.Claim {
			continue
		}
		switch st, found, err := s.stamp(ctx, o.Collection, o.ID); {
		case err != nil:
			return false, err
		case found && st.LockToken != l.Token:
			return true, fmt.Errorf("%s %s: %w", o.Collection, o.ID, data.ErrDuplicate)
		}
	}
	return false, nil
}
