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

// This file is the deliverer's side of the outbox: claims under leases,
// the marks that settle an attempt, and the two writes that each of them
// is (advance, advanceAll). Each is a version of the message written
// through its ledger (messages.go); the package comment (Outbox)
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
		claimed, err := s.advance(ctx, next, false)
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

// SettleSent settles each message of settled that holder holds (see
// data.Message.Settle). It reads their documents in one query and, for
// each that shows the message pending and leased to holder, decides its
// next version on it; those versions are written as a claim's is, each
// taken by inserting its own ledger entry, in two bulk writes for the
// batch (advanceAll). A message whose entry another writer took first
// (its lease ran out and another claimed it), and one whose document does
// not show it held by holder (settled already, held by another, unknown,
// or a document behind its ledger), goes through settleMessage, one at a
// time: it waits for the newest version, judges again, and its
// data.ErrConflict or data.ErrNotFound names it in conflicts.
//
// So a message is reported settled exactly when this call took the
// ledger entry of the version that settles it: an entry is this call's
// only when it carries this call's token, and a message holder settled in
// an earlier call is no longer pending, so no version is decided on it
// and settleMessage names it a conflict, as a second MarkFailed is. Each
// message stays atomic on its own (one entry, one version); the batch
// as a whole is not, which the contract allows: an error part-way leaves
// the messages whose entries were taken settled (their documents caught
// up by the next writer or reader, see behind) and the others held.
func (s *Store) SettleSent(ctx context.Context, holder string, settled []data.Settlement) ([]string, error) {
	if err := data.ValidateSettlements(holder, settled); err != nil {
		return nil, err
	}
	ids := make([]string, len(settled))
	for i, st := range settled {
		ids[i] = st.ID
	}
	cur, err := s.messages.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate(err, "messages to settle")
	}
	var docs []messageDocument
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "messages to settle")
	}
	var next []data.Message
	var fast []int // the indexes in settled of next's messages
	for _, d := range docs {
		m := d.toMessage()
		if i := slices.Index(ids, m.ID); i >= 0 && m.LeaseHolder == holder && m.Pending() {
			n := m.Settle(settled[i])
			n.Version = m.Version + 1
			next, fast = append(next, n), append(fast, i)
		}
	}
	done := make([]bool, len(settled))
	if len(next) > 0 {
		_, held, err := s.advanceAll(ctx, next, true)
		if err != nil {
			return nil, err
		}
		for j, i := range fast {
			done[i] = held[j]
		}
	}
	var conflicts []string
	for i, st := range settled {
		if done[i] {
			continue
		}
		err := s.settleMessage(ctx, st.ID, holder, func(m *data.Message) bool {
			*m = m.Settle(st)
			return true
		})
		switch {
		case errors.Is(err, data.ErrConflict), errors.Is(err, data.ErrNotFound):
			conflicts = append(conflicts, st.ID)
		case err != nil:
			return nil, err
		}
	}
	return conflicts, nil
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
		_, err = s.advance(ctx, next, bodies)
		return err
	})
}

// advance writes next, the version of the message after the one a claim
// or a mark decided on, as advanceAll writes one: errStale when another
// writer holds its ledger entry, writing nothing; otherwise next as
// stored.
func (s *Store) advance(ctx context.Context, next data.Message, bodies bool) (data.Message, error) {
	stored, held, err := s.advanceAll(ctx, []data.Message{next}, bodies)
	switch {
	case err != nil:
		return data.Message{}, err
	case !held[0]:
		return data.Message{}, fmt.Errorf("message %s: version %d is another writer's: %w", next.ID, next.Version, errStale)
	}
	return stored[0], nil
}

// advanceAll writes each of next, the version of its message after the
// one its writer decided on (its document as read, at Version-1): it
// inserts their ledger entries, the decisions, in one unordered insert,
// each entry taken or lost on its own, then writes the documents of the
// entries it took in one unordered bulk of filtered replaces. held[i]
// says whether next[i] is written, and stored[i] is it as stored; an
// entry another writer holds (it decided first on the same version, or
// the version read was not the newest) leaves its message unwritten.
// An entry is known for this call's by the token it carries, read back
// when the insert meets entries already there: a duplicate may be this
// call's own, when the driver retried the insert after its answer was
// lost. Both writes run on a context detached from the caller's once the
// entries are sent, so that a writer that holds an entry writes the
// document too, whatever happens to its request. Without bodies the
// entries leave out the subject, bodies and calendar (a claim does not
// copy them).
func (s *Store) advanceAll(ctx context.Context, next []data.Message, bodies bool) (stored []data.Message, held []bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("message %s: %w", next[0].ID, err)
	}
	lctx, cancel := landing(ctx)
	defer cancel()
	at, err := s.dbNow(lctx)
	if err != nil {
		return nil, nil, err
	}
	token := rand.Text()
	docs := make([]messageDocument, len(next))
	entries := make([]any, len(next))
	ids := make([]string, len(next))
	for i, m := range next {
		docs[i] = fromMessage(m)
		e := messageEntry{
			ID: messageEntryID(m.ID, m.Version), Message: m.ID, At: data.Timestamp(at),
			Token: token, Doc: docs[i], Bodies: bodies, Version: 1,
		}
		if !bodies {
			e.Doc.Subject, e.Doc.Text, e.Doc.HTML, e.Doc.Calendar = "", "", "", nil
		}
		entries[i], ids[i] = e, e.ID
	}
	held = make([]bool, len(next))
	_, err = s.messageClaims.InsertMany(lctx, entries, options.InsertMany().SetOrdered(false))
	switch {
	case err == nil:
		for i := range held {
			held[i] = true
		}
	case !onlyDuplicates(err):
		return nil, nil, translate(err, "message entries")
	default:
		if held, err = s.heldEntries(lctx, ids, token); err != nil {
			return nil, nil, err
		}
	}
	stored = make([]data.Message, len(next))
	var writes []mongo.WriteModel
	for i, d := range docs {
		if held[i] {
			stored[i] = d.toMessage()
			writes = append(writes, mongo.NewReplaceOneModel().SetFilter(olderThan(d)).SetReplacement(d))
		}
	}
	if len(writes) > 0 {
		if _, err := s.messages.BulkWrite(lctx, writes, options.BulkWrite().SetOrdered(false)); err != nil {
			return nil, nil, translate(err, "messages")
		}
	}
	return stored, held, nil
}

// onlyDuplicates reports whether err is an insert's refusal of entries
// whose _id is taken, and nothing else.
func onlyDuplicates(err error) bool {
	bwe, ok := errors.AsType[mongo.BulkWriteException](err)
	if !ok || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we.WriteError) {
			return false
		}
	}
	return true
}

// heldEntries reads back the ledger entries ids and reports, for each,
// whether it carries token: whether it is the entry its writer inserted.
func (s *Store) heldEntries(ctx context.Context, ids []string, token string) ([]bool, error) {
	cur, err := s.messageClaims.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "token", Value: 1}}))
	if err != nil {
		return nil, translate(err, "message entries")
	}
	var found []messageEntry
	if err := cur.All(ctx, &found); err != nil {
		return nil, translate(err, "message entries")
	}
	held := make([]bool, len(ids))
	for _, e := range found {
		if i := slices.Index(ids, e.ID); i >= 0 {
			held[i] = e.Token == token
		}
	}
	return held, nil
}
