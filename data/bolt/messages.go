package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// putMessages lands the messages of a change in tx (see putChange), each
// queued at version 1 with its index entries; one whose ID is already in
// the outbox is the same message, and is skipped (its change still
// lands), as is a second of one ID in the same change.
func putMessages(tx *bolt.Tx, messages []data.Message) error {
	b := tx.Bucket(bucketMessages)
	for _, m := range messages {
		if b.Get([]byte(m.ID)) != nil {
			continue
		}
		m.Version = 1
		m = storedMessage(m)
		if err := writeIndexes(tx, nil, messageIndexes(m)); err != nil {
			return err
		}
		if err := put(b, m.ID, fromMessage(m)); err != nil {
			return err
		}
	}
	return nil
}

// ClaimDue, in one write transaction, seeks messages_due up to now's key,
// reads the first limit messages it names (data.PageSize bounds limit)
// and leases each to holder until now+lease, which moves its due entry to
// the lease's end. bbolt runs one writer at a time, so no two claims see
// the same message unleased. A claim that finds nothing due rolls back,
// so a poll of an empty outbox costs no fsync.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, holder string, limit int) ([]data.Message, error) {
	switch {
	case holder == "":
		return nil, invalid("holder", "is required")
	case lease <= 0:
		return nil, invalid("lease", "must be positive")
	}
	now = data.Timestamp(now)
	until := data.Timestamp(now.Add(lease))
	// Stored ready times are whole milliseconds, so ready <= now exactly
	// when its key is at most "<key of now>\x00...".
	end := startKey(now) + "\x01"
	var out []data.Message
	err := s.update(ctx, func(tx *bolt.Tx) error {
		out = nil
		ids := seekIndex(tx.Bucket([]byte(bucketMessagesDue)), nil, "", false).stopAt(end).take(data.PageSize(limit), nil)
		if len(ids) == 0 {
			return errUnchanged
		}
		for _, id := range ids {
			cur, err := readMessage(tx, id)
			if err != nil {
				return indexFault(id, err)
			}
			next := cur
			next.LeaseHolder, next.LeaseUntil = holder, until
			m, err := writeMessage(tx, cur, next)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return out, nil
}

// SettleSent settles, in one write transaction, each message of settled
// that holder holds (see data.Message.Settle), and its due entry goes. A
// message holder does not hold, or that is not there, is left as it is
// and named in conflicts. When none is settled the transaction rolls
// back, so it costs no fsync.
func (s *Store) SettleSent(ctx context.Context, holder string, settled []data.Settlement) ([]string, error) {
	if err := data.ValidateSettlements(holder, settled); err != nil {
		return nil, err
	}
	var conflicts []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		conflicts = nil
		for _, st := range settled {
			err := settleIn(tx, st.ID, holder, func(m *data.Message) { *m = m.Settle(st) })
			switch {
			case errors.Is(err, data.ErrConflict), errors.Is(err, data.ErrNotFound):
				conflicts = append(conflicts, st.ID)
			case err != nil:
				return err
			}
		}
		if len(conflicts) == len(settled) {
			return errUnchanged
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return nil, err
	}
	return conflicts, nil
}

// MarkFailed records holder's failed attempt, in one write transaction:
// one more attempt, its reason (cut to data.MaxLastError characters),
// failed and due again at next, or dead (out of messages_due); the lease
// ends.
func (s *Store) MarkFailed(ctx context.Context, id, holder, reason string, next time.Time, dead bool) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		return settleIn(tx, id, holder, func(m *data.Message) {
			m.Attempts++
			m.LastError, m.NextAttempt, m.Status = cut(reason, data.MaxLastError), next, data.MessageFailed
			if dead {
				m.Status = data.MessageDead
			}
		})
	})
}

// settleIn writes in tx what an attempt of holder's came to: ErrNotFound
// for an unknown message, ErrConflict when holder does not hold its lease
// (it lapsed and another claimed the message, or it is settled already),
// and nothing is written then. The lease ends in the same write.
func settleIn(tx *bolt.Tx, id, holder string, how func(*data.Message)) error {
	cur, err := readMessage(tx, id)
	if err != nil {
		return err
	}
	if holder == "" || cur.LeaseHolder != holder || !cur.Pending() {
		return fmt.Errorf("message %s is not held by %s: %w", id, holder, data.ErrConflict)
	}
	next := cur
	how(&next)
	next.LeaseHolder, next.LeaseUntil = "", time.Time{}
	_, err = writeMessage(tx, cur, next)
	return err
}

// cut returns s with at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// Message returns the message with this ID.
func (s *Store) Message(ctx context.Context, id string) (data.Message, error) {
	var m data.Message
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		m, err = readMessage(tx, id)
		return err
	})
	return m, err
}

// UpdateMessage runs fn on the message inside one write transaction (see
// updateRecord) and writes what it returns at the version read plus one,
// checked as data.Message.Validate checks it, with its index entries
// moved (a dead letter requeued goes back into messages_due) and fn's
// change.
func (s *Store) UpdateMessage(ctx context.Context, id string, fn data.Update[data.Message]) (data.Message, error) {
	return updateRecord(ctx, s, id, fn, readMessage, func(tx *bolt.Tx, cur, next data.Message) (data.Message, error) {
		if err := next.Validate(); err != nil {
			return data.Message{}, err
		}
		return writeMessage(tx, cur, next)
	})
}

// readMessage decodes the message afresh on every call: updateRecord
// hands its function a record of its own.
func readMessage(tx *bolt.Tx, id string) (data.Message, error) {
	raw := tx.Bucket(bucketMessages).Get([]byte(id))
	if raw == nil {
		return data.Message{}, fmt.Errorf("message %s: %w", id, data.ErrNotFound)
	}
	m, err := decodeMessage(raw)
	if err != nil {
		return data.Message{}, fmt.Errorf("decode message %s: %w", id, err)
	}
	return m, nil
}

// writeMessage stores next in place of cur at cur's version plus one,
// moving its index entries.
func writeMessage(tx *bolt.Tx, cur, next data.Message) (data.Message, error) {
	next.Version = cur.Version + 1
	next = storedMessage(next)
	if err := writeIndexes(tx, messageIndexes(cur), messageIndexes(next)); err != nil {
		return data.Message{}, err
	}
	if err := put(tx.Bucket(bucketMessages), next.ID, fromMessage(next)); err != nil {
		return data.Message{}, err
	}
	return next, nil
}

// ListMessages reads the page's IDs off the index that fits q, newest
// first from its cursor, then reads the page's records. Without an
// organisation q is a *data.ValidationError.
func (s *Store) ListMessages(ctx context.Context, q data.MessageQuery) (data.Page[data.Message], error) {
	if q.Organisation == "" && (q.InterpreterID == "" || q.Status != "" || q.BookingID != "" || q.OfferID != "") {
		return data.Page[data.Message]{}, invalid("organisation", "is required unless interpreterId alone is set")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Message]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		page, err = pageOf(tx.Bucket(bucketMessages), messageIDs(tx, q, limit+1), limit, messageRecord.toMessage)
		return err
	})
	return page, err
}

// messageIDs returns the IDs of up to n messages matching q, newest
// first, older than q.Before: a booking's (keeping the status and offer
// asked off the entries' values), an offer's (keeping the status asked),
// those in one status, or all the organisation's. Each walk reads index
// keys only.
func messageIDs(tx *bolt.Tx, q data.MessageQuery, n int) []string {
	var walk *indexCursor
	var keep func(value []byte) bool
	switch {
	case q.Organisation == "":
		walk = seekIndex(tx.Bucket([]byte(bucketMessagesAboutInterpreter)), indexPrefix(q.InterpreterID), q.Before, true)
	case q.BookingID != "":
		walk = seekIndex(tx.Bucket([]byte(bucketMessagesByOrgBooking)), indexPrefix(q.Organisation, q.BookingID), q.Before, true)
		if q.Status != "" || q.OfferID != "" {
			keep = func(value []byte) bool {
				status, offer, _ := bytes.Cut(value, []byte{0})
				return (q.Status == "" || string(status) == string(q.Status)) && (q.OfferID == "" || string(offer) == q.OfferID)
			}
		}
	case q.OfferID != "":
		walk = seekIndex(tx.Bucket([]byte(bucketMessagesByOrgOffer)), indexPrefix(q.Organisation, q.OfferID), q.Before, true)
		if q.Status != "" {
			keep = func(value []byte) bool { return string(value) == string(q.Status) }
		}
	case q.Status != "":
		walk = seekIndex(tx.Bucket([]byte(bucketMessagesByOrgStatus)), indexPrefix(q.Organisation, string(q.Status)), q.Before, true)
	default:
		walk = seekIndex(tx.Bucket([]byte(bucketMessagesByOrg)), indexPrefix(q.Organisation), q.Before, true)
	}
	return walk.take(n, keep)
}
