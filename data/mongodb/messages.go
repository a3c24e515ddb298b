package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tolk/tolk/data"
)

// A message lands at version 1 in the outbox of the change that causes it
// (changeOutbox), inserted once. After that every change of it, a claim,
// a mark or an update, writes its next version, and every write of
// version n first inserts the entry "<message ID>#<n>" into its ledger,
// the collection messageClaims, whose entries are never changed or
// deleted. A unique _id insert is atomic on every server, so of any
// number of writers deciding on version n-1 (claimers racing, a holder
// marking while another claims after its lease ran out, a coordinator's
// retry) exactly one holds entry n, and only it writes version n; the
// others lose (errStale) and read again. The entry holds the message at
// n, so the version stands once the entry is in, whoever writes it to the
// message's document afterwards.
//
//   - A claim or a mark (advance) inserts the entry itself, then replaces
//     the document at version n: two writes, no lock. A batch of settles
//     (SettleSent) does the same for many messages in two bulk writes
//     (advanceAll), each entry still taken or lost on its own.
//   - An update (UpdateMessage) lands a change with it, so it commits a
//     lock whose record is the entry (created at version 1), with the
//     message's document at n as a dependent record and the change, as
//     UpdateOffer does with an offer's ledger (offers.go).
//
// The document is what queries read (ListMessages, and ClaimDue off
// ready), and it may be behind its ledger: between a writer's two writes,
// and, when the writer died between them, until someone writes its entry
// for it. No writer decides on the document without inserting the next
// entry, so a document behind costs a lost insert, never a wrong
// decision: the document at version n only ever holds version n (it is
// written only from entry n, or by the change that landed it at 1), and
// every entry is decided on the version before it. A writer that finds
// the document behind (behind) waits while the entry's writer may be at
// work (LockTimeout, as for locks) and then writes the entry to the
// document for it; a claim skips the message instead. The package comment
// (Outbox) says why this is enough.

// The indexes message listings read, newest first by _id: an
// organisation's messages, those in one status, about one booking or one
// offer, and those with a status too; ClaimDue's, pending messages by
// ready (messagedoc.go).
const (
	messagesByOrg           = "organisation_id"
	messagesByStatus        = "organisation_status_id"
	messagesByBooking       = "organisation_bookingId_id"
	messagesByBookingStatus = "organisation_bookingId_status_id"
	messagesByOffer         = "organisation_offerId_id"
	messagesByOfferStatus   = "organisation_offerId_status_id"
	messagesByReady         = "ready_id"
	// messagesAboutInterpreter: the messages about an interpreter (to
	// them, or about them to others), in every organisation (subject
	// access).
	messagesAboutInterpreter = "interpreterId_id"
)

// messageLocks selects the locks of the changes in flight that write this
// message: its change's, and updates of it.
func messageLocks(id string) bson.D { return bson.D{{Key: "messages", Value: id}} }

// deadMessageLocks selects the locks of changes that carry messages and
// whose writers have had LockTimeout to land them: what readers of the
// outbox land first, so that a change whose writer died after its commit
// point still has its messages sent. A live writer's lock is its own
// business (finishLock would leave it), so it is not even read.
func (s *Store) deadMessageLocks(ctx context.Context) (bson.D, error) {
	now, err := s.dbNow(ctx)
	if err != nil {
		return nil, err
	}
	return bson.D{
		{Key: "messages", Value: bson.D{{Key: "$gt", Value: ""}}},
		{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-s.LockTimeout)}}},
	}, nil
}

// Message returns the message with this ID, once a dead writer's change
// of it has landed and its document holds the newest version a writer
// that died left only in the ledger.
func (s *Store) Message(ctx context.Context, id string) (data.Message, error) {
	if _, _, err := s.finishLocks(ctx, messageLocks(id)); err != nil {
		return data.Message{}, err
	}
	d, err := s.messageNow(ctx, id, false)
	if err != nil {
		return data.Message{}, err
	}
	return d.toMessage(), nil
}

// UpdateMessage changes the message through fn: on every attempt it lands
// the changes of it that writers left behind, reads it once its document
// holds its newest version (messageNow), calls fn, checks what fn returns
// (CheckUpdate, Validate), and commits the ledger entry of the next
// version with the message at that version as a dependent record and fn's
// change. When a claim or a mark takes that entry first, it reads and
// calls fn again (retry): a retry of a dead letter never overwrites a
// claim, nor a claim the retry.
func (s *Store) UpdateMessage(ctx context.Context, id string, fn data.Update[data.Message]) (data.Message, error) {
	var stored data.Message
	err := s.retry(ctx, lockKey(messagesCollection, id), func() error {
		if _, _, err := s.finishLocks(ctx, messageLocks(id)); err != nil {
			return err
		}
		d, err := s.messageNow(ctx, id, true)
		if err != nil {
			return err
		}
		current := d.toMessage()
		next, ch, err := fn(current)
		switch {
		case errors.Is(err, data.ErrNoChange):
			stored = d.toMessage() // fn may have changed what its argument shares
			return nil
		case err != nil:
			return err
		}
		if err := next.CheckUpdate(current); err != nil {
			return err
		}
		if err := next.Validate(); err != nil {
			return err
		}
		next.Version = current.Version + 1
		doc := fromMessage(next)
		at, err := s.dbNow(ctx)
		if err != nil {
			return err
		}
		if _, err := s.commit(ctx, messageChange(doc, ch, at)); err != nil {
			return err
		}
		stored = doc.toMessage()
		if !next.Pruned.IsZero() && current.Pruned.IsZero() {
			return s.scrubLedger(ctx, doc.ID, current.Version)
		}
		return nil
	})
	if err != nil {
		return data.Message{}, err
	}
	return stored, nil
}

// scrubLedger removes, from the ledger entries of a pruned message's
// versions up to through, what pruning removed from the message itself
// (data.Message.Prune): the ledger keeps each version's document, and a
// pruned message must not live on in it. Each entry is found by its _id;
// only the newest entry is ever read for its document, and the pruning's
// entry is newer than all of these.
func (s *Store) scrubLedger(ctx context.Context, id string, through int64) error {
	for n := int64(1); n <= through; n++ {
		_, err := s.messageClaims.UpdateOne(ctx, bson.D{{Key: "_id", Value: messageEntryID(id, n)}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "doc.to", Value: ""}, {Key: "doc.toName", Value: ""}, {Key: "doc.subject", Value: ""}, {Key: "doc.text", Value: ""},
			{Key: "doc.html", Value: ""}, {Key: "doc.calendar", Value: nil}, {Key: "doc.lastError", Value: ""},
		}}})
		if err != nil {
			return translate(err, "message entry "+messageEntryID(id, n))
		}
	}
	return nil
}

// messageChange is the change that writes the message d at its version
// with ch, at at (the database's time): a lock of the ledger entry of that
// version, with the message as its dependent record (see the top of this
// file).
func messageChange(d messageDocument, ch data.Change, at time.Time) change {
	entry := messageEntryID(d.ID, d.Version)
	return change{
		coll: messageClaimsCollection, id: entry, version: 1,
		doc:        messageEntry{ID: entry, Message: d.ID, At: data.Timestamp(at), Doc: d, Bodies: true},
		dependents: []dependent{{coll: messagesCollection, id: d.ID, version: d.Version, doc: d, claimed: true}},
		ch:         ch, message: d.ID,
	}
}

// ListMessages lands the changes carrying messages that writers left
// behind, then reads one page, newest first, off the index that holds
// what q asks for: the organisation's, with the booking or the offer q
// names, and the status. A booking's messages are few, so the offer of a
// query naming both is checked on the booking's. A status that is none
// of data's matches nothing; no organisation is a *data.ValidationError.
// A message shows as its document stands (see the top of this file).
func (s *Store) ListMessages(ctx context.Context, q data.MessageQuery) (data.Page[data.Message], error) {
	if q.Organisation == "" && (q.InterpreterID == "" || q.Status != "" || q.BookingID != "" || q.OfferID != "") {
		return data.Page[data.Message]{}, invalid("organisation", "is required unless interpreterId alone is set")
	}
	if q.Status != "" && !slices.Contains(data.MessageStatuses, q.Status) {
		return data.Page[data.Message]{}, nil
	}
	filter := bson.D{{Key: "organisation", Value: q.Organisation}}
	status := bson.E{Key: "status", Value: string(q.Status)}
	hint := messagesByOrg
	switch {
	case q.Organisation == "":
		filter, hint = bson.D{{Key: "interpreterId", Value: q.InterpreterID}}, messagesAboutInterpreter
	case q.BookingID != "":
		filter, hint = append(filter, bson.E{Key: "bookingId", Value: q.BookingID}), messagesByBooking
		if q.Status != "" {
			filter, hint = append(filter, status), messagesByBookingStatus
		}
		if q.OfferID != "" {
			filter = append(filter, bson.E{Key: "offerId", Value: q.OfferID})
		}
	case q.OfferID != "":
		filter, hint = append(filter, bson.E{Key: "offerId", Value: q.OfferID}), messagesByOffer
		if q.Status != "" {
			filter, hint = append(filter, status), messagesByOfferStatus
		}
	case q.Status != "":
		filter, hint = append(filter, status), messagesByStatus
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	dead, err := s.deadMessageLocks(ctx)
	if err != nil {
		return data.Page[data.Message]{}, err
	}
	if _, _, err := s.finishLocks(ctx, dead); err != nil {
		return data.Page[data.Message]{}, err
	}
	return findPageHinted(ctx, s.messages, filter, hint, -1, data.PageSize(q.Limit), messageDocument.toMessage,
		func(m data.Message) string { return m.ID })
}

// olderThan selects the document of d's message while it holds a version
// before d's.
func olderThan(d messageDocument) bson.D {
	return bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: d.Version}}}}
}

// writeMessage writes d to its message's document, unless the document is
// at d's version or later. d is a version of the ledger (or version 1), so
// writing it twice writes the same.
func (s *Store) writeMessage(ctx context.Context, d messageDocument) error {
	_, err := s.messages.ReplaceOne(ctx, olderThan(d), d)
	return translate(err, "message "+d.ID)
}

// behind looks in the ledger for the version after d, the message's
// document as read. found is false when there is none: d is the newest
// version. Otherwise written says whether that version is now in the
// document: when its writer has had LockTimeout to write it and did not
// (it died between its two writes, or its request failed), behind writes
// it for it; a younger entry is left to its writer.
func (s *Store) behind(ctx context.Context, d messageDocument) (found, written bool, err error) {
	var e messageEntry
	err = s.messageClaims.FindOne(ctx, bson.D{{Key: "_id", Value: messageEntryID(d.ID, d.Version+1)}}).Decode(&e)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, false, nil
	case err != nil:
		return false, false, translate(err, "message entry")
	}
	now, err := s.dbNow(ctx)
	if err != nil {
		return false, false, err
	}
	if now.Sub(e.At) < s.LockTimeout {
		return true, false, nil
	}
	return true, true, s.writeMessage(ctx, e.after(d))
}

// messageNow reads the message's document and brings it up to the newest
// version of its ledger (behind). With wait, what a writer deciding on
// the message calls, it waits while the next version's writer may be at
// work, so that it decides on the newest version (or, if it did not, only
// loses its insert); without, what a reader calls, it returns the
// document as it stands then. data.ErrNotFound for an unknown message.
func (s *Store) messageNow(ctx context.Context, id string, wait bool) (messageDocument, error) {
	delay := awaitFirst
	for {
		var d messageDocument
		if err := s.messages.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			return d, translate(err, "message "+id)
		}
		found, written, err := s.behind(ctx, d)
		switch {
		case err != nil:
			return d, err
		case !found, !written && !wait:
			return d, nil
		case written:
			continue
		}
		select {
		case <-ctx.Done():
			return d, fmt.Errorf("waiting for version %d of message %s: %w", d.Version+1, id, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, awaitMax)
	}
}
