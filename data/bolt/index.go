package bolt

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// Secondary indexes are buckets of composite keys, "<field>\x00...\x00<id>",
// written and deleted in the transaction that writes the record. The record's
// ID is always the last part, so a query seeks the prefix of the fields it
// knows and reads IDs off the keys, in ID order within one field value.
// NUL sorts before every other byte, so "ab\x00" sorts before "abc\x00".
//
// Booking indexes put a start key before the ID (see booking_keys.go), so
// within one prefix they order by start time, then ID; so do the offers'
// due index, by due time, and the outbox's, by the time a message may
// next be tried.
//
// Each record kind has one function deriving all its entries from a record
// (userIndexes, auditIndexes, interpreterIndexes, caseIndexes,
// bookingIndexes, offerIndexes, feedIndexes, sessionIndexes,
// messageIndexes, transferIndexes): a write stores what it returns, an update replaces the
// old record's entries with the new one's (so an entry a record stops
// having, such as an ended session's, goes in the same transaction), and
// Open builds a new index bucket from it for records already stored.

// indexEntry is one key of an index bucket, with a small value (often none).
type indexEntry struct {
	bucket string
	key    string
	value  string
	// unique means the key names one record: it may not point at another.
	unique bool
}

// recordKind ties a bucket of records to its index buckets and to the
// function deriving a stored record's entries.
type recordKind struct {
	bucket  []byte
	indexes []string
	entries func(v []byte) ([]indexEntry, error)
}

// kinds lists every record kind the store keeps.
var kinds = []recordKind{userKind, auditKind, interpreterKind, caseKind, bookingKind, offerKind, feedKind, sessionKind, messageKind, unmetKind, transferKind}

// indexKey joins the parts of a composite key.
func indexKey(parts ...string) string { return strings.Join(parts, "\x00") }

// indexPrefix is the prefix shared by the keys whose leading parts are these.
func indexPrefix(parts ...string) []byte { return []byte(indexKey(parts...) + "\x00") }

// writeIndexes moves a record's index entries from old to new in tx: it
// deletes the entries only old has and puts those of new that differ. A
// unique key held by another record is ErrDuplicate (the caller's
// transaction then rolls back, so nothing is written).
func writeIndexes(tx *bolt.Tx, old, new []indexEntry) error {
	type at struct{ bucket, key string }
	keep := make(map[at]string, len(old))
	for _, e := range old {
		keep[at{e.bucket, e.key}] = e.value
	}
	for _, e := range new {
		if v, ok := keep[at{e.bucket, e.key}]; ok && v == e.value {
			delete(keep, at{e.bucket, e.key})
			continue
		}
		b := tx.Bucket([]byte(e.bucket))
		if e.unique {
			if held := b.Get([]byte(e.key)); held != nil && string(held) != e.value {
				return fmt.Errorf("%s: %w", e.bucket, data.ErrDuplicate)
			}
		}
		delete(keep, at{e.bucket, e.key})
		if err := b.Put([]byte(e.key), []byte(e.value)); err != nil {
			return err
		}
	}
	for k := range keep {
		if err := tx.Bucket([]byte(k.bucket)).Delete([]byte(k.key)); err != nil {
			return err
		}
	}
	return nil
}

// indexCursor walks the keys of one bucket that start with prefix, in key
// order or in reverse. An empty prefix walks the whole bucket, which suits a
// record bucket keyed by ID.
type indexCursor struct {
	c       *bolt.Cursor
	prefix  []byte
	reverse bool
	end     string // see stopAt; "" for none
	key     []byte // nil when the walk is over
	value   []byte
}

// seekIndex starts a walk of the keys under prefix: forward from just after
// prefix+from, or in reverse from just before it; from the first (last) key
// when from is empty.
func seekIndex(b *bolt.Bucket, prefix []byte, from string, reverse bool) *indexCursor {
	ic := &indexCursor{c: b.Cursor(), prefix: prefix, reverse: reverse}
	target := append(bytes.Clone(prefix), from...)
	switch {
	case !reverse:
		ic.key, ic.value = ic.c.Seek(target)
		if from != "" && bytes.Equal(ic.key, target) {
			ic.key, ic.value = ic.c.Next()
		}
	case from == "" && len(prefix) == 0:
		ic.key, ic.value = ic.c.Last()
	default:
		if from == "" {
			target = prefixEnd(prefix)
		}
		if ic.key, ic.value = ic.c.Seek(target); ic.key == nil {
			ic.key, ic.value = ic.c.Last()
		} else {
			ic.key, ic.value = ic.c.Prev()
		}
	}
	ic.clip()
	return ic
}

// prefixEnd is the least key greater than every key starting with prefix.
// Index prefixes end in NUL, so it never carries.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	end[len(end)-1]++
	return end
}

// stopAt ends a forward walk before the first key whose rest is at or after
// end, so a walk over a range of ordered keys reads no key beyond it. An
// empty end leaves the walk open.
func (ic *indexCursor) stopAt(end string) *indexCursor {
	ic.end = end
	ic.clip()
	return ic
}

func (ic *indexCursor) clip() {
	if ic.key == nil {
		return
	}
	if !bytes.HasPrefix(ic.key, ic.prefix) || (ic.end != "" && string(ic.rest()) >= ic.end) {
		ic.key, ic.value = nil, nil
	}
}

// next moves to the following key in the walk's direction.
func (ic *indexCursor) next() {
	if ic.reverse {
		ic.key, ic.value = ic.c.Prev()
	} else {
		ic.key, ic.value = ic.c.Next()
	}
	ic.clip()
}

// rest is the current key after the prefix: the order within the walk.
func (ic *indexCursor) rest() []byte { return ic.key[len(ic.prefix):] }

// id is the record ID of the current key: its last part.
func (ic *indexCursor) id() string {
	return string(ic.key[bytes.LastIndexByte(ic.key, 0)+1:])
}

// take returns the IDs of up to n keys from the walk whose value passes keep
// (nil keeps every key).
func (ic *indexCursor) take(n int, keep func(value []byte) bool) []string {
	var ids []string
	for ; ic.key != nil && len(ids) < n; ic.next() {
		if keep == nil || keep(ic.value) {
			ids = append(ids, ic.id())
		}
	}
	return ids
}

// merge takes up to n IDs from several walks in one direction as one walk:
// ordered by rest (descending when the walks are reversed), each key once.
// It reads one key beyond the page per walk at most.
func merge(walks []*indexCursor, n int) []string {
	var ids []string
	for len(ids) < n {
		var best *indexCursor
		for _, w := range walks {
			if w.key == nil {
				continue
			}
			if best == nil || ahead(w, best) {
				best = w
			}
		}
		if best == nil {
			break
		}
		ids = append(ids, best.id())
		r := bytes.Clone(best.rest())
		for _, w := range walks {
			if w.key != nil && bytes.Equal(w.rest(), r) {
				w.next()
			}
		}
	}
	return ids
}

// ahead reports whether a's current key comes before b's in their direction.
func ahead(a, b *indexCursor) bool {
	c := bytes.Compare(a.rest(), b.rest())
	if a.reverse {
		return c > 0
	}
	return c < 0
}

// pageOf returns the records named by ids, which a query read off an index
// asking for one more than limit: when that one is there, the page is not
// the last and Next is the last ID on it.
func pageOf[R any, T any](b *bolt.Bucket, ids []string, limit int, toData func(R) T) (data.Page[T], error) {
	var page data.Page[T]
	if len(ids) > limit {
		ids = ids[:limit]
		page.Next = ids[limit-1]
	}
	for _, id := range ids {
		rec, err := get[R](b, id)
		if err != nil {
			return data.Page[T]{}, indexFault(id, err)
		}
		page.Items = append(page.Items, toData(rec))
	}
	return page, nil
}

// indexFault is the error of a record named by an index that cannot be
// read. It wraps no sentinel: an index out of step with its records is a
// fault, not a missing record.
func indexFault(id string, err error) error {
	return fmt.Errorf("record %s named by an index: %v", id, err)
}

// cachedPageOf is pageOf for records kept decoded in a cache (see decoded).
func cachedPageOf[T any](b *bolt.Bucket, ids []string, limit int, cache *decoded[T]) (data.Page[T], error) {
	var page data.Page[T]
	if len(ids) > limit {
		ids = ids[:limit]
		page.Next = ids[limit-1]
	}
	if len(ids) > 0 {
		page.Items = make([]T, 0, len(ids))
	}
	for _, id := range ids {
		raw := b.Get([]byte(id))
		if raw == nil {
			return data.Page[T]{}, fmt.Errorf("record %s named by an index: %v", id, data.ErrNotFound)
		}
		rec, err := cache.get(id, raw)
		if err != nil {
			return data.Page[T]{}, fmt.Errorf("record %s named by an index: %v", id, err)
		}
		page.Items = append(page.Items, rec)
	}
	return page, nil
}
