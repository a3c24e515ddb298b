package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// This file is the deliverer's side of the outbox: claims under leases,
// and the marks that settle an attempt. Each is a version of the message
// written through its ledger (messages.go); the package comment (Outbox)
// says why no two deliverers ever hold one message.

// ClaimDue lands the changes carrying messages that writers left behind,
// reads up to limit (data.PageSize bounds it) pending messages whose
// ready time is at or before now off the index on (ready, _id), earliest
// first, and claims each: the next version of the message, leased to
// holder until now+lease, decided on the version read and taken by
// inserting its ledger entry (advance). A message another writer moved
// first (another claim, its holder's mark, a retry) is left out, and so
// the answer may hold fewer than limit even when more are due: the next
// claim finds them. Leases are compared with now, the caller's clock.
//
// A message whose document is behind its ledger (a writer died between its
// two writes) is brought up to date when its entry's writer has had
// LockTimeout (behind), and is claimed, if it is due, by a later claim.
//
// On an error the messages this call claimed before it are held by holder
// until their leases end, unsent, and then claimed again.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, holder string, limit int) ([]data.Message, error) {
	switch {
	case holder == "":
		return nil, invalid("holder", "is required")
	case lease <= 0:
		return nil, invalid("lease", "must be positive")
	}
	now, limit = data.Timestamp(now), data.PageSize(limit)
	until := data.Timestamp(now.Add(lease))
	dead, err := s.deadMessageLocks(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.finishLocks(ctx, dead); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "ready", Value: bson.D{{Key: "$lte", Value: now}}}}
	opts := options.Find().SetSort(bson.D{{Key: "ready", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint(messagesByReady)
	cur, err := s.messages.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "due messages")
	}
	var docs []messageDocument
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "due messages")
	}
	var out []data.Message
	for _, d := range docs {
		m := d.toMessage()
		if !m.Pending() || readyAt(m).After(now) {
			continue // the decision rests on the version read, not on its index key
		}
		next := m
		next.LeaseHolder, next.LeaseUntil, next.Version = holder, until, m.Version+1
		claimed, err := s.advance(ctx, d, next, false)
		switch {
		case errors.Is(err, errStale):
			if _, _, err := s.behind(ctx, d); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			out = append(out, claimed)
		}
	}
	return out, nil
}

// MarkSent settles holder's attempt: sent at at (counting the attempt),
// or superseded; its subject, bodies and calendar cleared, its lease
// ended. Any other status, or no time, is a *data.ValidationError.
// data.ErrConflict when holder does not hold the message (see
// settleMessage).
func (s *Store) MarkSent(ctx context.Context, id, holder string, status data.MessageStatus, at time.Time) error {
	switch {
	case status != data.MessageSent && status != data.MessageSuperseded:
		return invalid("status", "must be sent or superseded")
	case at.IsZero():
		return invalid("sentAt", "is required")
	}
	return s.settleMessage(ctx, id, holder, func(m *data.Message) bool {
		if status == data.MessageSent {
			m.Attempts++
		}
		m.Status, m.SentAt = status, at
		m.Subject, m.Text, m.HTML, m.Calendar = "", "", "", nil
		return true
	})
}

// MarkFailed settles holder's failed attempt: one more attempt, its
// reason cut to data.MaxLastError characters, failed and due again at
// next, or dead; its lease ended. data.ErrConflict when holder does not
// hold the message (see settleMessage).
func (s *Store) MarkFailed(ctx context.Context, id, holder, reason string, next time.Time, dead bool) error {
	return s.settleMessage(ctx, id, holder, func(m *data.Message) bool {
		m.Attempts++
		m.Status, m.LastError, m.NextAttempt = data.MessageFailed, cut(reason, data.MaxLastError), next
		if dead {
			m.Status = data.MessageDead
		}
		return false
	})
}

// settleMessage writes the next version of the message as how changes it
// (how reports whether it changed the subject, bodies or calendar), with
// its lease ended, if holder holds it: the newest version, read once no
// writer of a newer one is at work (messageNow), is pending and leased to
// holder, whether or not the lease has run out. The version is taken by
// inserting its ledger entry (advance); when another writer takes it
// first, it reads again and judges again (retry): a holder whose lease
// ran out, and whose message another claimer took, gets
// data.ErrConflict and writes nothing; so does one whose message is
// already settled.
// data.ErrNotFound for an unknown message.
func (s *Store) settleMessage(ctx context.Context, id, holder string, how func(*data.Message) bool) error {
	return s.retry(ctx, lockKey(messagesCollection, id), func() error {
		d, err := s.messageNow(ctx, id, true)
		if err != nil {
			return err
		}
		cur := d.toMessage()
		if holder == "" || cur.LeaseHolder != holder || !cur.Pending() {
			return fmt.Errorf("message %s is not held by %q: %w", id, holder, data.ErrConflict)
		}
		next := cur
		bodies := how(&next)
		next.LeaseHolder, next.LeaseUntil, next.Version = "", time.Time{}, cur.Version+1
		_, err = s.advance(ctx, d, next, bodies)
		return err
	})
}
