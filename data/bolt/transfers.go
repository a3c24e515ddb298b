package bolt

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketTransfers = []byte("transfers") // ID → record
	// "<to>\x00<id>" and "<to>\x00<status>\x00<id>": the transfers sent to
	// an organisation, in ID (creation) order, of any status or of one.
	bucketTransfersByTo       = "transfers_by_to"
	bucketTransfersByToStatus = "transfers_by_to_status"
	// The same for the organisation that sent them.
	bucketTransfersByFrom       = "transfers_by_from"
	bucketTransfersByFromStatus = "transfers_by_from_status"
)

var transferKind = recordKind{
	bucket:  bucketTransfers,
	indexes: []string{bucketTransfersByTo, bucketTransfersByToStatus, bucketTransfersByFrom, bucketTransfersByFromStatus},
	entries: decode(transferRecord.toTransfer, transferIndexes),
}

// transferIndexes derives every index entry of a transfer.
func transferIndexes(t data.Transfer) []indexEntry {
	st := string(t.Status)
	return []indexEntry{
		{bucket: bucketTransfersByTo, key: indexKey(t.To, t.ID)},
		{bucket: bucketTransfersByToStatus, key: indexKey(t.To, st, t.ID)},
		{bucket: bucketTransfersByFrom, key: indexKey(t.From, t.ID)},
		{bucket: bucketTransfersByFromStatus, key: indexKey(t.From, st, t.ID)},
	}
}

// transferRecord is a transfer as the transfers bucket stores it, in JSON.
type transferRecord struct {
	ID           string   `json:"id"`
	CaseID       string   `json:"caseId"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	LegalBasis   string   `json:"legalBasis"`
	CloseSending bool     `json:"closeSending,omitempty"`
	Status       string   `json:"status"`
	Languages    []string `json:"languages,omitempty"`
	AgeBand      string   `json:"ageBand,omitempty"`
	Decline      string   `json:"decline,omitempty"`
	NewCaseID    string   `json:"newCaseId,omitempty"`
	CreatedBy    string   `json:"createdBy,omitempty"`
	DecidedBy    string   `json:"decidedBy,omitempty"`
	DecidedAt    string   `json:"decidedAt,omitempty"`
	Version      int64    `json:"version"`
	CreatedAt    string   `json:"createdAt"`
	UpdatedAt    string   `json:"updatedAt"`
}

func fromTransfer(t data.Transfer) transferRecord {
	return transferRecord{
		ID: t.ID, CaseID: t.CaseID, From: t.From, To: t.To, LegalBasis: string(t.LegalBasis), CloseSending: t.CloseSending,
		Status: string(t.Status), Languages: t.Languages, AgeBand: string(t.AgeBand), Decline: string(t.Decline),
		NewCaseID: t.NewCaseID, CreatedBy: t.CreatedBy, DecidedBy: t.DecidedBy, DecidedAt: encodeTime(t.DecidedAt),
		Version: t.Version, CreatedAt: encodeTime(t.CreatedAt), UpdatedAt: encodeTime(t.UpdatedAt),
	}
}

func (r transferRecord) toTransfer() data.Transfer {
	return data.Transfer{
		ID: r.ID, CaseID: r.CaseID, From: r.From, To: r.To, LegalBasis: data.LegalBasis(r.LegalBasis), CloseSending: r.CloseSending,
		Status: data.TransferStatus(r.Status), Languages: r.Languages, AgeBand: data.AgeBand(r.AgeBand),
		Decline: data.TransferDecline(r.Decline), NewCaseID: r.NewCaseID, CreatedBy: r.CreatedBy, DecidedBy: r.DecidedBy,
		DecidedAt: decodeTime(r.DecidedAt), Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
}

// CreateTransfer runs fn on the sending case inside one write
// transaction and writes the new transfer, the case at its next version,
// their index entries and fn's change.
func (s *Store) CreateTransfer(ctx context.Context, caseID string, fn func(data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	return s.writeTransfer(ctx, func(tx *bolt.Tx) (data.Transfer, data.Case, error) {
		sending, err := readCase(tx, caseID)
		return data.Transfer{}, sending, err
	}, func(_ data.Transfer, sending data.Case) (data.TransferWrite, error) { return fn(sending) })
}

// UpdateTransfer runs fn on the transfer and its sending case inside one
// write transaction and writes what it returns: so of two answers to one
// transfer, the second sees the first's.
func (s *Store) UpdateTransfer(ctx context.Context, id string, fn func(data.Transfer, data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	return s.writeTransfer(ctx, func(tx *bolt.Tx) (data.Transfer, data.Case, error) {
		t, err := readTransfer(tx, id)
		if err != nil {
			return t, data.Case{}, err
		}
		sending, err := readCase(tx, t.CaseID)
		return t, sending, err
	}, fn)
}

// writeTransfer is one change of a transfer: read the transfer (zero for
// a create) and its sending case, call fn with copies of them, check what
// it returns and write it all, with the change, in one transaction.
func (s *Store) writeTransfer(ctx context.Context, read func(tx *bolt.Tx) (data.Transfer, data.Case, error),
	fn func(data.Transfer, data.Case) (data.TransferWrite, error)) (data.TransferWrite, error) {
	var out data.TransferWrite
	err := s.update(ctx, func(tx *bolt.Tx) error {
		cur, sending, err := read(tx)
		if err != nil {
			return err
		}
		mineT, mineC, err := read(tx) // fn's own copies: it may change their slices in place
		if err != nil {
			return err
		}
		w, err := fn(mineT, mineC)
		switch {
		case errors.Is(err, data.ErrNoChange):
			out = data.TransferWrite{Transfer: cur, Sending: sending}
			return errUnchanged
		case err != nil:
			return err
		}
		w.Transfer.Version = cur.Version + 1
		if err := w.CheckWrite(cur, sending); err != nil {
			return err
		}
		tb := tx.Bucket(bucketTransfers)
		if cur.ID == "" && tb.Get([]byte(w.Transfer.ID)) != nil {
			return fmt.Errorf("transfer %s: %w", w.Transfer.ID, data.ErrDuplicate)
		}
		var oldEntries []indexEntry
		if cur.ID != "" {
			oldEntries = transferIndexes(cur)
		}
		if err := writeIndexes(tx, oldEntries, transferIndexes(w.Transfer)); err != nil {
			return err
		}
		rec := fromTransfer(w.Transfer)
		if err := put(tb, w.Transfer.ID, rec); err != nil {
			return err
		}
		w.Transfer = rec.toTransfer()
		if w.Sending, err = writeCase(tx, sending, w.Sending); err != nil {
			return err
		}
		if w.Received.ID != "" {
			w.Received.Version = 1
			if tx.Bucket(bucketCases).Get([]byte(w.Received.ID)) != nil {
				return fmt.Errorf("case %s: %w", w.Received.ID, data.ErrDuplicate)
			}
			if err := writeIndexes(tx, nil, caseIndexes(w.Received)); err != nil {
				return err
			}
			rec := fromCase(w.Received)
			if err := put(tx.Bucket(bucketCases), w.Received.ID, rec); err != nil {
				return err
			}
			w.Received = rec.toCase()
		}
		out = w
		return putChange(tx, w.Change)
	})
	switch {
	case errors.Is(err, errUnchanged):
		return out, nil
	case err != nil:
		return data.TransferWrite{}, err
	}
	return out, nil
}

func readTransfer(tx *bolt.Tx, id string) (data.Transfer, error) {
	rec, err := get[transferRecord](tx.Bucket(bucketTransfers), id)
	if err != nil {
		return data.Transfer{}, fmt.Errorf("transfer %s: %w", id, err)
	}
	return rec.toTransfer(), nil
}

// Transfer returns the transfer with this ID.
func (s *Store) Transfer(ctx context.Context, id string) (data.Transfer, error) {
	var t data.Transfer
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		t, err = readTransfer(tx, id)
		return err
	})
	return t, err
}

// ListTransfers returns the transfers to or from an organisation newest
// first, walking one index backwards from the cursor.
func (s *Store) ListTransfers(ctx context.Context, q data.TransferQuery) (data.Page[data.Transfer], error) {
	if err := q.Check(); err != nil {
		return data.Page[data.Transfer]{}, err
	}
	bucket, org := bucketTransfersByTo, q.To
	if q.From != "" {
		bucket, org = bucketTransfersByFrom, q.From
	}
	prefix := indexPrefix(org)
	if q.Status != "" {
		bucket += "_status"
		prefix = indexPrefix(org, string(q.Status))
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Transfer]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(bucket)), prefix, q.Before, true).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketTransfers), ids, limit, transferRecord.toTransfer)
		return err
	})
	return page, err
}
