package bolt

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

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
	// "<email>\x00<id>" and "<name key>\x00<id>" (data.NameKey), each
	// valued the record's vetting status: the register's duplicate email
	// warning, and its search and order by name.
	bucketInterpretersByEmail = "interpreters_by_email"
	bucketInterpretersByName  = "interpreters_by_name"
	// "<left key>\x00<id>" for each record of an interpreter who left the
	// register, not yet anonymised: what retention walks.
	bucketInterpretersToRetain = "interpreters_to_retain"
)

var interpreterKind = recordKind{
	bucket: bucketInterpreters,
	indexes: []string{
		bucketInterpretersByLanguage, bucketInterpretersByStatus,
		bucketInterpretersByLanguageStatus, bucketInterpretersByRenewal, bucketInterpretersToRetain,
		bucketInterpretersByEmail, bucketInterpretersByName,
	},
	entries: decode(interpreterRecord.toInterpreter, interpreterIndexes),
}

// interpreterIndexes derives every index entry of an interpreter from its
// language keys, vetting status, renewal keys and, once they left the
// register and until retention anonymises the record, their leaving.
func interpreterIndexes(in data.Interpreter) []indexEntry {
	status := string(in.Vetting.Status)
	out := []indexEntry{
		{bucket: bucketInterpretersByStatus, key: indexKey(status, in.ID)},
		{bucket: bucketInterpretersByEmail, key: indexKey(data.NormalizeEmail(in.Email), in.ID), value: status},
		{bucket: bucketInterpretersByName, key: indexKey(data.NameKey(in.Name), in.ID), value: status},
	}
	for _, lang := range in.LanguageKeys() {
		out = append(out,
			indexEntry{bucket: bucketInterpretersByLanguage, key: indexKey(lang, in.ID)},
			indexEntry{bucket: bucketInterpretersByLanguageStatus, key: indexKey(lang, status, in.ID)})
	}
	for _, date := range in.RenewalKeys() {
		out = append(out, indexEntry{bucket: bucketInterpretersByRenewal, key: indexKey(status, date, in.ID)})
	}
	if left := in.Left(); !left.IsZero() && in.Anonymised.IsZero() {
		out = append(out, indexEntry{bucket: bucketInterpretersToRetain, key: indexKey(startKey(left), in.ID)})
	}
	return out
}

// CreateInterpreter stores a new record, its index entries and its change
// in one transaction.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := createInterpreter(tx, in); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// createInterpreter stores a new record and its index entries in tx.
func createInterpreter(tx *bolt.Tx, in data.Interpreter) error {
	b := tx.Bucket(bucketInterpreters)
	if b.Get([]byte(in.ID)) != nil {
		return fmt.Errorf("interpreter %s: %w", in.ID, data.ErrDuplicate)
	}
	if err := changedInterpreters(tx); err != nil {
		return err
	}
	if err := writeIndexes(tx, nil, interpreterIndexes(in)); err != nil {
		return err
	}
	return put(b, in.ID, fromInterpreter(in))
}

// changedInterpreters marks, in tx, that the interpreter records or their
// indexes change: it moves the interpreters bucket's sequence on, the
// version of the records the language pools are read at (see listings).
// Every write of an interpreter record or index entry calls it in the
// same transaction.
func changedInterpreters(tx *bolt.Tx) error {
	_, err := tx.Bucket(bucketInterpreters).NextSequence()
	return err
}

// Interpreter returns the record with this ID, decoded once for as long as
// it stays unchanged (see decoded): booking reads it for every request.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var in data.Interpreter
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		raw := tx.Bucket(bucketInterpreters).Get([]byte(id))
		if raw == nil {
			return data.ErrNotFound
		}
		if in, err = s.interpreters.get(id, raw); err != nil {
			return fmt.Errorf("decode %s: %w", id, err)
		}
		return nil
	})
	return in, err
}

// UpdateInterpreter runs fn on the record inside one write transaction
// (see updateRecord) and writes what it returns at the version read plus
// one, the difference between its old and new index entries, and fn's
// change. The write moves the records' version (changedInterpreters), so
// no language pool read before it is served after it.
func (s *Store) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return updateRecord(ctx, s, id, fn, readInterpreter, writeInterpreter)
}

// readInterpreter decodes the record afresh on every call, never from the
// cache: updateRecord hands its update function a record of its own.
func readInterpreter(tx *bolt.Tx, id string) (data.Interpreter, error) {
	rec, err := get[interpreterRecord](tx.Bucket(bucketInterpreters), id)
	if err != nil {
		return data.Interpreter{}, fmt.Errorf("interpreter %s: %w", id, err)
	}
	return rec.toInterpreter(), nil
}

// writeInterpreter stores next in place of cur at cur's version plus one,
// moving its index entries.
func writeInterpreter(tx *bolt.Tx, cur, next data.Interpreter) (data.Interpreter, error) {
	next.Version = cur.Version + 1
	if err := changedInterpreters(tx); err != nil {
		return data.Interpreter{}, err
	}
	if err := writeIndexes(tx, interpreterIndexes(cur), interpreterIndexes(next)); err != nil {
		return data.Interpreter{}, err
	}
	rec := fromInterpreter(next)
	if err := put(tx.Bucket(bucketInterpreters), next.ID, rec); err != nil {
		return data.Interpreter{}, err
	}
	return rec.toInterpreter(), nil
}

// ListInterpreters reads the page's IDs off the index that fits q, then
// reads the page's records. A listing by language (with or without a
// status) is a page of the language's whole pool, kept decoded from one
// read to the next while no interpreter changes: matching reads a pool of
// hundreds, page after page, for every request.
func (s *Store) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Interpreter]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		if q.Email != "" || q.NamePrefix != "" || q.ByName {
			page, err = s.interpretersByKey(tx, q, limit)
			return err
		}
		if q.LanguageKey != "" && q.RenewalBy.IsZero() {
			pool, err := s.languagePool(tx, q.LanguageKey)
			if err != nil {
				return err
			}
			page = poolPage(pool, q, limit)
			return nil
		}
		page, err = cachedPageOf(tx.Bucket(bucketInterpreters), interpreterIDs(tx, q, limit+1), limit, s.interpreters)
		return err
	})
	return page, err
}

// languagePool returns every interpreter under the language key in the
// language index, in ID order, as of tx: the pool kept for tx's version of
// the records, or the pool read from tx and kept. A language nobody speaks
// is not kept (a seek finds that), so listing made-up languages cannot
// crowd out the pools. The records are shared: copy before handing them
// out.
func (s *Store) languagePool(tx *bolt.Tx, lang string) ([]data.Interpreter, error) {
	b := tx.Bucket(bucketInterpreters)
	version := b.Sequence()
	if pool, ok := s.interpreters.lists.get(version, lang); ok {
		return pool, nil
	}
	ids := seekIndex(tx.Bucket([]byte(bucketInterpretersByLanguage)), indexPrefix(lang), "", false).take(math.MaxInt, nil)
	pool := make([]data.Interpreter, 0, len(ids))
	for _, id := range ids {
		raw := b.Get([]byte(id))
		if raw == nil {
			return nil, indexFault(id, data.ErrNotFound)
		}
		in, err := s.interpreters.get(id, raw)
		if err != nil {
			return nil, indexFault(id, err)
		}
		pool = append(pool, in)
	}
	if len(pool) > 0 {
		s.interpreters.lists.put(version, lang, pool)
	}
	return pool, nil
}

// poolPage is the page q asks for of a language's pool, as the language
// index (or the language and status index) would give it: in ID order,
// after q.After, with q.Status if set, the records copied.
func poolPage(pool []data.Interpreter, q data.InterpreterQuery, limit int) data.Page[data.Interpreter] {
	i, _ := slices.BinarySearchFunc(pool, q.After, func(in data.Interpreter, after string) int { return strings.Compare(in.ID, after) })
	if i < len(pool) && q.After != "" && pool[i].ID == q.After {
		i++
	}
	var items []data.Interpreter
	if q.Status == "" {
		items = pool[i:min(len(pool), i+limit+1)]
	} else {
		for ; i < len(pool) && len(items) <= limit; i++ {
			if pool[i].Vetting.Status == q.Status {
				items = append(items, pool[i])
			}
		}
	}
	var page data.Page[data.Interpreter]
	if len(items) > limit {
		items = items[:limit]
		page.Next = items[limit-1].ID
	}
	page.Items = cloneInterpreters(items)
	return page
}

// interpretersByKey answers a query by email or by name off their index:
// the keys under the email (or starting with the name prefix), after the
// cursor, whose value (the vetting status) passes q.Status. By name, the
// cursor is the key itself (data.NameCursor).
func (s *Store) interpretersByKey(tx *bolt.Tx, q data.InterpreterQuery, limit int) (data.Page[data.Interpreter], error) {
	b, prefix, seek := tx.Bucket([]byte(bucketInterpretersByName)), []byte(data.NameKey(q.NamePrefix)), []byte(q.After)
	if q.Email != "" {
		b, prefix = tx.Bucket([]byte(bucketInterpretersByEmail)), indexPrefix(data.NormalizeEmail(q.Email))
		if q.After != "" {
			seek = append(bytes.Clone(prefix), q.After...)
		}
	}
	c := b.Cursor()
	k, v := c.Seek(prefix)
	if q.After != "" && bytes.Compare(seek, prefix) > 0 {
		if k, v = c.Seek(seek); k != nil && bytes.Equal(k, seek) {
			k, v = c.Next()
		}
	}
	var keys []string
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(keys) <= limit; k, v = c.Next() {
		if q.Status == "" || string(v) == string(q.Status) {
			keys = append(keys, string(k))
		}
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k[strings.LastIndexByte(k, 0)+1:]
	}
	page, err := cachedPageOf(tx.Bucket(bucketInterpreters), ids, limit, s.interpreters)
	if err != nil || page.Next == "" {
		return page, err
	}
	if q.Email == "" {
		page.Next = keys[limit-1] // by name: the key is the cursor
	}
	return page, nil
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
