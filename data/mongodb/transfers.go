package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// Transfers change only with their sending case. Every change of a
// transfer (its create, an acceptance, a decline) is a versioned write of
// the sending case (locks.go), whose outbox carries the transfer as a
// dependent record (inserted at version 1, or replaced at its next
// version), the case an acceptance makes (a dependent inserted at version
// 1, its ID fresh) and the change. So a transfer's changes are serialised
// with each other and with the case's own changes by one lock key, as a
// booking's are by its interpreter's schedule (bookings.go): of two
// answers to one transfer, through any instances, the one whose lock
// lands first wins, and the other, its lock void because the case moved,
// reads again and finds the transfer answered. No transaction, no
// filtered update: unique inserts and the lock's versions only.
//
// The writer reads the case and then finds no lock of it (settledCase),
// so every change up to the version it read has landed its outbox, and
// the transfer it reads next is the one that version left (or a later
// one, in which case its commit is void and it reads again).

const transfersCollection = "transfers"

// Names of the transfers' indexes.
const (
	transfersByTo         = "to_id"
	transfersByToStatus   = "to_status_id"
	transfersByFrom       = "from_id"
	transfersByFromStatus = "from_status_id"
)

// transferIndexes are the indexes Open creates on transfers.
var transferIndexes = []indexSpec{
	{transfersByTo, false, false, []string{"to", "_id"}},
	{transfersByToStatus, false, false, []string{"to", "status", "_id"}},
	{transfersByFrom, false, false, []string{"from", "_id"}},
	{transfersByFromStatus, false, false, []string{"from", "status", "_id"}},
}

// transferDocument is a transfer as stored.
type transferDocument struct {
	ID           string    `bson:"_id"`
	CaseID       string    `bson:"caseId"`
	From         string    `bson:"from"`
	To           string    `bson:"to"`
	LegalBasis   string    `bson:"legalBasis"`
	CloseSending bool      `bson:"closeSending"`
	Status       string    `bson:"status"`
	Languages    []string  `bson:"languages"`
	AgeBand      string    `bson:"ageBand,omitempty"`
	Decline      string    `bson:"decline,omitempty"`
	NewCaseID    string    `bson:"newCaseId,omitempty"`
	CreatedBy    string    `bson:"createdBy,omitempty"`
	DecidedBy    string    `bson:"decidedBy,omitempty"`
	DecidedAt    time.Time `bson:"decidedAt,omitzero"`
	Version      int64     `bson:"version"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

func fromTransfer(t data.Transfer) transferDocument {
	d := transferDocument{
		ID: t.ID, CaseID: t.CaseID, From: t.From, To: t.To, LegalBasis: string(t.LegalBasis), CloseSending: t.CloseSending,
		Status: string(t.Status), Languages: t.Languages, AgeBand: string(t.AgeBand), Decline: string(t.Decline),
		NewCaseID: t.NewCaseID, CreatedBy: t.CreatedBy, DecidedBy: t.DecidedBy, Version: t.Version,
		CreatedAt: data.Timestamp(t.CreatedAt), UpdatedAt: data.Timestamp(t.UpdatedAt),
	}
	if !t.DecidedAt.IsZero() {
		d.DecidedAt = data.Timestamp(t.DecidedAt)
	}
	return d
}

func (d transferDocument) toTransfer() data.Transfer {
	return data.Transfer{
		ID: d.ID, CaseID: d.CaseID, From: d.From, To: d.To, LegalBasis: data.LegalBasis(d.LegalBasis), CloseSending: d.CloseSending,
		Status: data.TransferStatus(d.Status), Languages: d.Languages, AgeBand: data.AgeBand(d.AgeBand),
		Decline: data.TransferDecline(d.Decline), NewCaseID: d.NewCaseID, CreatedBy: d.CreatedBy, DecidedBy: d.DecidedBy,
		DecidedAt: utc(d.DecidedAt), Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
}

// CreateTransfer commits the new transfer through its sending case's lock.
func (s *Store) CreateTransfer(ctx context.Context, caseID string, fn func(data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	return s.changeTransfer(ctx, caseID, "", func(_ data.Transfer, sending data.Case) (data.TransferWrite, error) { return fn(sending) })
}

// UpdateTransfer commits a change of the transfer through its sending
// case's lock.
func (s *Store) UpdateTransfer(ctx context.Context, id string, fn func(data.Transfer, data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	t, err := s.Transfer(ctx, id)
	if err != nil {
		return data.TransferWrite{}, err
	}
	return s.changeTransfer(ctx, t.CaseID, id, fn) // a transfer's case never changes
}

// changeTransfer is one change of a transfer (transferID; "" for a
// create) of the case caseID, retried while other changes of the case land
// first (see the top of this file).
func (s *Store) changeTransfer(ctx context.Context, caseID, transferID string, fn func(data.Transfer, data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	transfers := s.db.Collection(transfersCollection)
	var out data.TransferWrite
	err := s.retry(ctx, lockKey(casesCollection, caseID), func() error {
		rawCase, version, err := s.settledCase(ctx, caseID)
		if err != nil {
			return err
		}
		var rawTransfer bson.Raw
		if transferID != "" {
			if err := transfers.FindOne(ctx, bson.D{{Key: "_id", Value: transferID}}).Decode(&rawTransfer); err != nil {
				return translate(err, "transfer "+transferID)
			}
		}
		// Decoded twice: fn gets copies of its own, whose slices it may change.
		cur, sending, err := decodeTransferAndCase(rawTransfer, rawCase)
		if err != nil {
			return err
		}
		mineT, mineC, err := decodeTransferAndCase(rawTransfer, rawCase)
		if err != nil {
			return err
		}
		w, err := fn(mineT, mineC)
		switch {
		case errors.Is(err, data.ErrNoChange):
			out = data.TransferWrite{Transfer: cur, Sending: sending}
			return nil
		case err != nil:
			return err
		}
		w.Transfer.Version = cur.Version + 1
		if err := w.CheckWrite(cur, sending); err != nil {
			return err
		}
		w.Sending.Version = version + 1
		var deps []dependent
		if w.Received.ID != "" {
			w.Received.Version = 1
			deps = append(deps, dependent{coll: casesCollection, id: w.Received.ID, version: 1, doc: fromCase(w.Received)})
		}
		// The transfer lands after the case it made: a reader who sees it
		// accepted finds its new case.
		deps = append(deps, dependent{coll: transfersCollection, id: w.Transfer.ID, version: w.Transfer.Version, doc: fromTransfer(w.Transfer)})
		if _, err := s.commit(ctx, change{coll: casesCollection, id: caseID, version: version + 1, doc: fromCase(w.Sending), dependents: deps, ch: w.Change}); err != nil {
			if errors.Is(err, data.ErrDuplicate) && transferID == "" {
				return fmt.Errorf("transfer %s: %w", w.Transfer.ID, err)
			}
			return err
		}
		w.Transfer, w.Sending = fromTransfer(w.Transfer).toTransfer(), fromCase(w.Sending).toCase()
		if w.Received.ID != "" {
			w.Received = fromCase(w.Received).toCase()
		}
		out = w
		return nil
	})
	if err != nil {
		return data.TransferWrite{}, err
	}
	return out, nil
}

// decodeTransferAndCase decodes a transfer (zero when raw is empty) and a
// case.
func decodeTransferAndCase(rawTransfer, rawCase bson.Raw) (data.Transfer, data.Case, error) {
	var t data.Transfer
	if len(rawTransfer) > 0 {
		var d transferDocument
		if err := bson.Unmarshal(rawTransfer, &d); err != nil {
			return t, data.Case{}, fmt.Errorf("%s: %w", transfersCollection, err)
		}
		t = d.toTransfer()
	}
	c, _, err := caseKind.decode(rawCase)
	return t, c, err
}

// settledCase reads the case and its version at a moment when no lock of
// it was left: every change up to that version has landed its outbox (its
// transfer). When it finds a lock it waits for it to go (landing it if its
// writer died) and reads again.
func (s *Store) settledCase(ctx context.Context, id string) (bson.Raw, int64, error) {
	key := lockKey(casesCollection, id)
	for {
		var raw bson.Raw
		if err := s.read(ctx, s.cases, id, &raw); err != nil {
			return nil, 0, err
		}
		var st stampDocument
		if err := bson.Unmarshal(raw, &st); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", casesCollection, err)
		}
		opts := options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})
		err := s.locks.FindOne(ctx, bson.D{{Key: "key", Value: key}}, opts).Err()
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return raw, st.Version, nil
		case err != nil:
			return nil, 0, translate(err, "lock "+key)
		}
		if err := s.await(ctx, key); err != nil {
			return nil, 0, err
		}
	}
}

// Transfer returns the transfer with this ID, once the changes of cases
// whose writers died have landed.
func (s *Store) Transfer(ctx context.Context, id string) (data.Transfer, error) {
	if err := s.finishPending(ctx, casesCollection); err != nil {
		return data.Transfer{}, err
	}
	var d transferDocument
	if err := s.db.Collection(transfersCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return data.Transfer{}, translate(err, "transfer "+id)
	}
	return d.toTransfer(), nil
}

// ListTransfers returns the transfers to or from an organisation newest
// first, off the index on (to|from[, status], _id).
func (s *Store) ListTransfers(ctx context.Context, q data.TransferQuery) (data.Page[data.Transfer], error) {
	if err := q.Check(); err != nil {
		return data.Page[data.Transfer]{}, err
	}
	if err := s.finishPending(ctx, casesCollection); err != nil {
		return data.Page[data.Transfer]{}, err
	}
	field, org, hint := "to", q.To, transfersByTo
	if q.From != "" {
		field, org, hint = "from", q.From, transfersByFrom
	}
	filter := bson.D{{Key: field, Value: org}}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(q.Status)})
		hint = map[string]string{"to": transfersByToStatus, "from": transfersByFromStatus}[field]
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	return findPageHinted(ctx, s.db.Collection(transfersCollection), filter, hint, -1, data.PageSize(q.Limit), transferDocument.toTransfer,
		func(t data.Transfer) string { return t.ID })
}
