package mongodb

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// This file, outbox.go and finish.go are the one mechanism for versioned
// writes that the package comment describes. Here: the writer's side
// (commit inserts a lock, settle lands it) and land, the one way a lock is
// applied; outbox.go lands what comes with it.

// landTimeout bounds inserting a lock, and then landing it. Both run on a
// context detached from the caller's, so that a change whose lock went in
// lands now even if the request that made it has given up.
const landTimeout = 10 * time.Second

// DefaultLockTimeout is Store.LockTimeout for stores made by Open: more than
// the longest a writer can take to insert and land its lock (twice
// landTimeout), with room for clocks that disagree by a few seconds.
const DefaultLockTimeout = 30 * time.Second

// lockAttempts bounds how often commit tries to insert its lock when each
// lock it found in the way turned out void, leaving the record where the
// writer read it.
const lockAttempts = 4

// lockDocument is one change of one record, committed and not yet landed.
type lockDocument struct {
	// ID is Key + "/" + Token, so that deleting a lock by _id deletes this
	// lock and never a later one of the same record.
	ID         string           `bson:"_id"`
	Key        string           `bson:"key"` // "<collection>/<record id>"; unique: one lock per record
	Collection string           `bson:"collection"`
	Record     string           `bson:"record"`
	Version    int64            `bson:"version"` // the version being written: the version read + 1
	Token      string           `bson:"token"`
	At         time.Time        `bson:"at"`  // when the writer committed; LockTimeout counts from here
	Doc        bson.Raw         `bson:"doc"` // the complete record, carrying Version and Token
	Outbox     []outboxDocument `bson:"outbox"`
	// Offer names the offer the change writes, if any (its create, a
	// change through its ledger, an acceptance through a schedule), so
	// that readers and writers of the offer find the changes of it in
	// flight (offers.go).
	Offer string `bson:"offer,omitempty"`
	// Case names the case whose ledger of slot claims the change claims
	// an entry of, if any (caseslot.go), so that a writer judging the
	// case's slots finds the claims in flight.
	Case string `bson:"case,omitempty"`
	// Messages names the messages the change writes: those of its
	// data.Change, which its outbox inserts, and the message whose next
	// version it writes (UpdateMessage), so that readers of the outbox
	// find the changes in flight that carry messages (messages.go).
	Messages []string `bson:"messages,omitempty"`
	// Unmet says the change inserts unmet need, so that a listing of it
	// finds the changes in flight that carry some (unmet.go).
	Unmet bool `bson:"unmet,omitempty"`
}

// change is what a writer commits: the new state of one record, at version
// (the version it read + 1, or 1 for a create), the dependent records that
// land with it (see outboxDocument), and the data.Change that lands last.
// doc marshals to the record's document without "version" and "lockToken",
// or with any value there: commit sets both, in dependents' docs too.
type change struct {
	coll       string
	id         string
	version    int64
	doc        any
	dependents []dependent
	ch         data.Change
	offer      string // the offer the change writes, if any (lockDocument.Offer)
	caseID     string // the case whose slot ledger it claims in, if any (lockDocument.Case)
	message    string // the message the change writes, if any (lockDocument.Messages)
}

// dependent is a record that changes only under the lock of another, at
// version (1 for an insert), or an entry of a ledger (claim), or a record
// whose version an entry of the same change claims (claimed): see
// outboxDocument.
type dependent struct {
	coll    string
	id      string
	version int64
	doc     any
	claim   bool
	claimed bool
}

// errStale is what commit returns when the record had already moved past the
// version the writer read: nothing of the change is stored. Creates report it
// as data.ErrDuplicate; updates read again and call their function again
// (retry in update.go).
var errStale = errors.New("stale write")

// stampDocument is the part of a record that landing looks at.
type stampDocument struct {
	Version   int64  `bson:"version"`
	LockToken string `bson:"lockToken"`
}

func lockKey(coll, id string) string { return coll + "/" + id }

// newLock builds the lock of c with a fresh token. Its outbox holds the
// dependent records, then the documents of c.ch (changeOutbox); the last
// document is the sign that the outbox has landed (see settle).
func newLock(c change) (lockDocument, error) {
	docs, err := changeOutbox(c.ch)
	if err != nil {
		return lockDocument{}, fmt.Errorf("%s %s: %w", c.coll, c.id, err)
	}
	token := rand.Text()
	doc, err := stamped(c.doc, c.version, token)
	if err != nil {
		return lockDocument{}, fmt.Errorf("%s %s: %w", c.coll, c.id, err)
	}
	var outbox []outboxDocument
	for _, d := range c.dependents {
		raw, err := stamped(d.doc, d.version, token)
		if err != nil {
			return lockDocument{}, fmt.Errorf("%s %s: %w", d.coll, d.id, err)
		}
		outbox = append(outbox, outboxDocument{Collection: d.coll, ID: d.id, Doc: raw, Version: d.version, Claim: d.claim, Claimed: d.claimed})
	}
	l := lockOf(c.coll, c.id, c.version, token, doc, append(outbox, docs...))
	l.Offer, l.Case = c.offer, c.caseID
	l.Messages = changeMessages(c.ch)
	l.Unmet = len(c.ch.UnmetNeed) > 0
	if c.message != "" {
		l.Messages = append(l.Messages, c.message)
	}
	return l, nil
}

// lockOf is the lock that writes doc (stamped with version and token) as
// record id of coll, and then outbox.
func lockOf(coll, id string, version int64, token string, doc bson.Raw, outbox []outboxDocument) lockDocument {
	key := lockKey(coll, id)
	return lockDocument{
		ID: key + "/" + token, Key: key, Collection: coll, Record: id,
		Version: version, Token: token, Doc: doc, Outbox: outbox, // At: set by commitLock
	}
}

// stamped marshals doc with its version and the token of the lock that
// writes it.
func stamped(doc any, version int64, token string) (bson.Raw, error) {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	d = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == "version" || e.Key == "lockToken" })
	d = append(d, bson.E{Key: "version", Value: version}, bson.E{Key: "lockToken", Value: token})
	return bson.Marshal(d)
}

// commit stores c: it checks that the IDs its outbox inserts are free
// (but for messages: one already there is the same message), inserts the
// lock (the commit point) and lands it. When another change's lock is in
// the way, it waits for that change to land (or be dropped) and then
// tries again if the record is still at the version the writer read.
//
// It returns the record's document as stored (with its version and token)
// once the change has landed. Otherwise errStale when the record (or a
// dependent record being replaced) is no longer at the version read; a
// data.ErrDuplicate when an ID the outbox inserts is taken or the server
// refuses the record (a unique index); a data.ErrInvalid when c.ch fails
// its Check; errStale too when a Claim of the outbox is already held; the
// context's error if it ends before the lock is inserted;
// or the error that kept the change from landing (the lock then stays for
// others to land).
func (s *Store) commit(ctx context.Context, c change) (bson.Raw, error) {
	l, err := newLock(c)
	if err != nil {
		return nil, err
	}
	if err := s.commitLock(ctx, l); err != nil {
		return nil, err
	}
	return l.Doc, nil
}

// commitLock is commit once the lock is built.
func (s *Store) commitLock(ctx context.Context, l lockDocument) error {
	for _, o := range l.Outbox {
		if o.Version > 1 || o.Once {
			continue // a replace: the record is there; or the same message
		}
		switch taken, err := s.exists(ctx, o.Collection, o.ID); {
		case err != nil:
			return err
		case taken && o.Claim:
			return fmt.Errorf("%s %s is held: %w", o.Collection, o.ID, errStale)
		case taken:
			return fmt.Errorf("%s %s: %w", o.Collection, o.ID, data.ErrDuplicate)
		}
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s %s: %w", l.Collection, l.Record, err)
		}
		// Detached as well: once the insert is sent, the writer learns
		// whether it committed, whatever happens to the request meanwhile.
		lctx, cancel := landing(ctx)
		at, err := s.dbNow(lctx)
		if err != nil {
			cancel()
			return err
		}
		l.At = data.Timestamp(at)
		_, err = s.locks.InsertOne(lctx, l)
		cancel()
		if err == nil {
			return s.settle(ctx, l)
		}
		if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "lock "+l.Key)
		}
		// The lock in the way may be ours, if the insert was retried after
		// its answer was lost.
		switch mine, err := s.exists(ctx, locksCollection, l.ID); {
		case err != nil:
			return err
		case mine:
			return s.settle(ctx, l)
		}
		if err := s.await(ctx, l.Key); err != nil {
			return err
		}
		st, found, err := s.stamp(ctx, l.Collection, l.Record)
		if err != nil {
			return err
		}
		if st.Version != l.Version-1 || (!found && l.Version != 1) || attempt == lockAttempts {
			return fmt.Errorf("%s %s at version %d, not %d: %w", l.Collection, l.Record, st.Version, l.Version-1, errStale)
		}
	}
}

// landing returns the context a lock lands on: parent's values without its
// cancellation, and a time limit of its own.
func landing(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), landTimeout)
}

// settle lands the writer's own lock l, whatever happens to ctx, and says
// how the change ended.
func (s *Store) settle(ctx context.Context, l lockDocument) error {
	lctx, cancel := landing(ctx)
	defer cancel()
	st, err := s.land(lctx, l)
	if errors.Is(err, errStale) && st.Version > l.Version {
		// The writer was slower than LockTimeout: another instance landed l
		// and a later change has landed since. The outbox lands before the
		// lock goes, and its last document (an audit entry, see
		// changeOutbox) lands last, so it tells whether l landed.
		o := l.Outbox[len(l.Outbox)-1]
		switch landed, xerr := s.exists(lctx, o.Collection, o.ID); {
		case xerr != nil:
			return xerr
		case landed:
			return nil
		}
	}
	return err
}

// land applies l: it writes the record (an insert for version 1, otherwise
// a replace of the record if its version is below l's), reads the record's
// stamp back unless the write matched, and decides by it. It returns nil
// when the record carries l's token and the outbox is in; errStale when the
// record is at l's version or later under another token (l is void); a
// data.ErrDuplicate when the server refused the record (a unique index). In
// these three cases l is gone, and so it is when the outbox holds a
// dependent record that is not where the writer read it (see
// outboxDocument): then the rest of the outbox does not land, and land
// returns a data.ErrDuplicate for an insert, errStale for a replace or for
// a Claim another change holds. Only the first dependent may be refused
// in practice: a booking's change has one, and an acceptance's first is
// its Claim, before which insertsFree checks that the booking after it is
// free (so only an insert of the same booking ID within those few
// milliseconds could still refuse it, leaving the offer's entry held and
// its version unwritten). Any other error leaves l for a later landing.
// It also returns the stamp it found.
//
// Landing twice is harmless, but two landings must not overlap: on FerretDB
// the later one's write could land after a newer version (see the package
// comment). The writer lands its own lock; others only when it has had
// LockTimeout to do so, one at a time (takeOver).
func (s *Store) land(ctx context.Context, l lockDocument) (stampDocument, error) {
	coll := s.db.Collection(l.Collection)
	var werr error
	wrote := false
	if l.Version == 1 {
		_, werr = coll.InsertOne(ctx, l.Doc)
		wrote = werr == nil
	} else {
		var res *mongo.UpdateResult
		res, werr = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: l.Record}, {Key: "version", Value: bson.D{{Key: "$lt", Value: l.Version}}}}, l.Doc)
		wrote = werr == nil && res.MatchedCount == 1
	}
	if werr != nil && !isUniqueViolation(werr) {
		return stampDocument{}, translate(werr, l.Collection+" "+l.Record)
	}
	st := stampDocument{Version: l.Version, LockToken: l.Token}
	if !wrote { // an earlier landing or another change wrote it, or the server refused l's document
		var err error
		if st, _, err = s.stamp(ctx, l.Collection, l.Record); err != nil {
			return st, err
		}
	}
	switch {
	case st.LockToken == l.Token:
		for i := range l.Outbox {
			refused, err := s.landOutbox(ctx, l, i)
			if refused {
				if derr := s.drop(ctx, l); derr != nil {
					return st, derr
				}
			}
			if err != nil {
				return st, err
			}
		}
		return st, s.drop(ctx, l)
	case st.Version >= l.Version:
		if err := s.drop(ctx, l); err != nil {
			return st, err
		}
		return st, fmt.Errorf("%s %s is at version %d: %w", l.Collection, l.Record, st.Version, errStale)
	case werr != nil:
		if err := s.drop(ctx, l); err != nil {
			return st, err
		}
		return st, translate(werr, l.Collection+" "+l.Record)
	}
	return st, fmt.Errorf("%s %s: version %d did not land, the record is at %d", l.Collection, l.Record, l.Version, st.Version)
}

// drop deletes exactly the lock l.
func (s *Store) drop(ctx context.Context, l lockDocument) error {
	_, err := s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: l.ID}})
	return translate(err, "lock "+l.Key)
}

// stamp reads the version and lock token of a record; found is false when
// there is no record.
func (s *Store) stamp(ctx context.Context, coll, id string) (st stampDocument, found bool, err error) {
	opts := options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "lockToken", Value: 1}})
	err = s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&st)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return st, false, nil
	}
	return st, err == nil, translate(err, coll+" "+id)
}

// exists reports whether coll holds a document with this _id.
func (s *Store) exists(ctx context.Context, coll, id string) (bool, error) {
	opts := options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})
	err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, translate(err, coll+" "+id)
}
