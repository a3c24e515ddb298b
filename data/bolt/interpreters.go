package bolt

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketInterpreters = []byte("interpreters") // ID → record
	// "<language key>\x00<id>", "<vetting status>\x00<id>" and
	// "<language key>\x00<status>\x00<id>".
	bucketInterpretersByLanguage       = "interpreters_by_language"
	bucketInterpretersByStatus         = "interpreters_by_status"
	bucketInterpretersByLanguageStatus = "interpreters_by_language_status"
	// "<status>\x00<renewal key>\x00<id>": see data.Interpreter.RenewalKeys.
	bucketInterpretersByRenewal = "interpreters_by_renewal"
)

var interpreterKind = recordKind{
	bucket: bucketInterpreters,
	indexes: []string{
		bucketInterpretersByLanguage, bucketInterpretersByStatus,
		bucketInterpretersByLanguageStatus, bucketInterpretersByRenewal,
	},
	entries: decode(interpreterRecord.toInterpreter, interpreterIndexes),
}

// interpreterIndexes derives every index entry of an interpreter from its
// language keys, vetting status and renewal keys.
func interpreterIndexes(in data.Interpreter) []indexEntry {
	status := string(in.Vetting.Status)
	out := []indexEntry{{bucket: bucketInterpretersByStatus, key: indexKey(status, in.ID)}}
	for _, lang := range in.LanguageKeys() {
		out = append(out,
			indexEntry{bucket: bucketInterpretersByLanguage, key: indexKey(lang, in.ID)},
			indexEntry{bucket: bucketInterpretersByLanguageStatus, key: indexKey(lang, status, in.ID)})
	}
	for _, date := range in.RenewalKeys() {
		out = append(out, indexEntry{bucket: bucketInterpretersByRenewal, key: indexKey(status, date, in.ID)})
	}
	return out
}

// CreateInterpreter stores a new record, its index entries and its audit
// entry in one transaction.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter, audit data.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := createInterpreter(tx, in); err != nil {
			return err
		}
		return putAudit(tx, audit)
	})
}

// createInterpreter stores a new record and its index entries in tx.
func createInterpreter(tx *bolt.Tx, in data.Interpreter) error {
	b := tx.Bucket(bucketInterpreters)
	if b.Get([]byte(in.ID)) != nil {
		return fmt.Errorf("interpreter %s: %w", in.ID, data.ErrDuplicate)
	}
	if err := writeIndexes(tx, nil, interpreterIndexes(in)); err != nil {
		return err
	}
	return put(b, in.ID, fromInterpreter(in))
}

// Interpreter returns the record with this ID.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var in data.Interpreter
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[interpreterRecord](tx.Bucket(bucketInterpreters), id)
		in = rec.toInterpreter()
		return err
	})
	return in, err
}

// UpdateInterpreter compares versions and writes the record, the difference
// between its old and new index entries, and its audit entry in one
// transaction; bbolt serialises writers, so of two with the same version one
// sees the other's write.
func (s *Store) UpdateInterpreter(ctx context.Context, in data.Interpreter, audit data.AuditEntry) (data.Interpreter, error) {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInterpreters)
		cur, err := get[interpreterRecord](b, in.ID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return fmt.Errorf("interpreter %s at version %d, not %d: %w", in.ID, cur.Version, in.Version, data.ErrConflict)
		}
		in.Version++
		if err := writeIndexes(tx, interpreterIndexes(cur.toInterpreter()), interpreterIndexes(in)); err != nil {
			return err
		}
		if err := put(b, in.ID, fromInterpreter(in)); err != nil {
			return err
		}
		return putAudit(tx, audit)
	})
	if err != nil {
		return data.Interpreter{}, err
	}
	return fromInterpreter(in).toInterpreter(), nil
}

// ListInterpreters reads the page's IDs off the index that fits q, then
// reads the page's records.
func (s *Store) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Interpreter]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		page, err = cachedPageOf(tx.Bucket(bucketInterpreters), interpreterIDs(tx, q, limit+1), limit, s.interpreters)
		return err
	})
	return page, err
}

// interpreterIDs returns the IDs of up to n records matching q, in ID order.
func interpreterIDs(tx *bolt.Tx, q data.InterpreterQuery, n int) []string {
	lang, status := q.LanguageKey, string(q.Status)
	var ic *indexCursor
	switch {
	case !q.RenewalBy.IsZero():
		return renewalIDs(tx, q, n)
	case lang != "" && status != "":
		ic = seekIndex(tx.Bucket([]byte(bucketInterpretersByLanguageStatus)), indexPrefix(lang, status), q.After, false)
	case lang != "":
		ic = seekIndex(tx.Bucket([]byte(bucketInterpretersByLanguage)), indexPrefix(lang), q.After, false)
	case status != "":
		ic = seekIndex(tx.Bucket([]byte(bucketInterpretersByStatus)), indexPrefix(status), q.After, false)
	default:
		ic = seekIndex(tx.Bucket(bucketInterpreters), nil, q.After, false)
	}
	return ic.take(n, nil)
}

// renewalIDs answers the renewal report: it collects the distinct IDs under
// each wanted status whose renewal key is at most q.RenewalBy ("" for a
// missing item sorts first), keeps those after the cursor that speak the
// language asked for, and returns up to n in ID order. It reads every match
// of the report, not only one page's, and nothing else.
func renewalIDs(tx *bolt.Tx, q data.InterpreterQuery, n int) []string {
	statuses := data.VettingStatuses
	if q.Status != "" {
		statuses = []data.VettingStatus{q.Status}
	}
	by := q.RenewalBy.String()
	byLanguage := tx.Bucket([]byte(bucketInterpretersByLanguage))
	b := tx.Bucket([]byte(bucketInterpretersByRenewal))
	seen := map[string]bool{}
	var ids []string
	for _, status := range statuses {
		for ic := seekIndex(b, indexPrefix(string(status)), "", false); ic.key != nil; ic.next() {
			rest := ic.rest()
			if date := rest[:bytes.IndexByte(rest, 0)]; string(date) > by {
				break
			}
			id := ic.id()
			if seen[id] || id <= q.After {
				continue
			}
			seen[id] = true
			if q.LanguageKey != "" && byLanguage.Get([]byte(indexKey(q.LanguageKey, id))) == nil {
				continue
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids[:min(n, len(ids))]
}
