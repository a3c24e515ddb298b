package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// MaxProblems bounds the problems a Report lists; More counts the rest.
const MaxProblems = 100

// Report is what Check found in a store file.
type Report struct {
	// Format is the file's FormatVersion.
	Format int
	// Records counts the records of each record bucket, and IndexEntries
	// the entries of every index bucket together.
	Records      map[string]int
	IndexEntries int
	// Unbuilt lists the index buckets the file lacks: written by a tolk
	// before the index existed, and built from the records by the next
	// Open. They are not problems.
	Unbuilt []string
	// Problems lists the inconsistencies found, at most MaxProblems of
	// them; More counts those beyond.
	Problems []Problem
	More     int
}

// OK reports whether the check found nothing wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 && r.More == 0 }

// Problem is one inconsistency: the bucket it is in, the ID of the record
// concerned (never an index key, which may hold an email address) and
// what is wrong.
type Problem struct {
	Bucket string
	ID     string
	What   string
}

// String prints the problem on one line.
func (p Problem) String() string {
	if p.ID == "" {
		return p.Bucket + ": " + p.What
	}
	return p.Bucket + " " + p.ID + ": " + p.What
}

func (r *Report) add(bucket, id, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, Problem{Bucket: bucket, ID: id, What: fmt.Sprintf(format, args...)})
}

// Check opens the store file at path read-only and checks it: bbolt's own
// page consistency, that every record decodes, that every index entry a
// record has is in its index with its value and that every index entry
// belongs to a record that has it (so each points at its record and
// back), and that every audited record has at least as many audit
// entries about it as it has versions (every change lands with its
// entry). It returns an error wrapping ErrLocked when a process holds the
// file, ErrNotAStore or ErrNewerFormat for a file it cannot read; what it
// finds wrong is in the Report.
func Check(ctx context.Context, path string) (Report, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return Report{}, err
	}
	defer db.Close()
	var r Report
	err = db.View(func(tx *bolt.Tx) (err error) {
		r, err = checkTx(ctx, tx)
		return err
	})
	return r, err
}

// openReadOnly opens a store file to read it, taking a shared lock: a
// file that a serving process holds (its lock is exclusive) is
// ErrLocked, after LockTimeout. A missing file is an error, never a new
// store.
func openReadOnly(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout, ReadOnly: true})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("open %s: %v: %w", path, err, ErrNotAStore)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// checkTx checks the store as tx sees it (see Check).
func checkTx(ctx context.Context, tx *bolt.Tx) (Report, error) {
	r := Report{Records: map[string]int{}}
	format, err := readFormat(tx)
	if err != nil {
		return r, err
	}
	r.Format = format
	for err := range tx.Check() {
		r.add("file", "", "%v", err)
	}
	for _, k := range kinds {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		checkKind(tx, k, &r)
	}
	checkAudited(tx, &r)
	return r, ctx.Err()
}

// checkKind checks one kind's records against its indexes, both ways.
func checkKind(tx *bolt.Tx, k recordKind, r *Report) {
	name := string(k.bucket)
	records := tx.Bucket(k.bucket)
	if records == nil {
		r.add(name, "", "the bucket is missing")
		return
	}
	want := map[string]int{} // entries each index should hold
	records.ForEach(func(key, v []byte) error {
		r.Records[name]++
		id := string(key)
		entries, err := k.entries(v)
		if err != nil {
			r.add(name, id, "the record cannot be decoded: %v", err)
			return nil
		}
		for _, e := range entries {
			want[e.bucket]++
			b := tx.Bucket([]byte(e.bucket))
			if b == nil {
				continue // unbuilt: see below
			}
			got, ok := lookup(b, []byte(e.key))
			switch {
			case !ok:
				r.add(e.bucket, id, "the record's index entry is missing")
			case string(got) != e.value:
				r.add(e.bucket, id, "the record's index entry names another record or holds another value")
			}
		}
		return nil
	})
	for _, index := range k.indexes {
		b := tx.Bucket([]byte(index))
		if b == nil {
			r.Unbuilt = append(r.Unbuilt, index)
			continue
		}
		n := b.Stats().KeyN
		r.IndexEntries += n
		if n != want[index] {
			strays(tx, k, index, r)
		}
	}
}

// lookup returns the value of key in b, and whether the key is there (a
// key may hold an empty value).
func lookup(b *bolt.Bucket, key []byte) ([]byte, bool) {
	k, v := b.Cursor().Seek(key)
	if !bytes.Equal(k, key) {
		return nil, false
	}
	return v, true
}

// strays reports the entries of one index that no record has: each names
// its record by the key's last part, or by its value for a unique key
// (see indexEntry), and that record must derive the entry.
func strays(tx *bolt.Tx, k recordKind, index string, r *Report) {
	records := tx.Bucket(k.bucket)
	derived := map[string][]indexEntry{}
	tx.Bucket([]byte(index)).ForEach(func(key, value []byte) error {
		id := string(value)
		if i := bytes.LastIndexByte(key, 0); i >= 0 {
			id = string(key[i+1:])
		}
		entries, ok := derived[id]
		if !ok {
			if v := records.Get([]byte(id)); v != nil {
				entries, _ = k.entries(v) // a record that does not decode is reported already
			}
			derived[id] = entries
		}
		if entries == nil {
			r.add(index, id, "the index entry names a record that does not exist")
			return nil
		}
		if !slices.ContainsFunc(entries, func(e indexEntry) bool { return e.bucket == index && e.key == string(key) }) {
			r.add(index, id, "the index entry is not one its record has")
		}
		return nil
	})
}

// audited are the kinds of record every change of which lands with an
// audit entry about the record.
var audited = [][]byte{bucketUsers, bucketInterpreters, bucketCases, bucketBookings, bucketOffers, bucketFeeds, bucketTransfers}

// checkAudited reports each audited record with fewer audit entries
// about it than versions: a change that landed without its entry. A
// record without a version (a user) needs one entry, its creation.
func checkAudited(tx *bolt.Tx, r *Report) {
	byEntity := tx.Bucket([]byte(bucketAuditByEntity))
	if byEntity == nil {
		r.add(bucketAuditByEntity, "", "the audit's index is missing: the audit cannot be checked")
		return
	}
	for _, name := range audited {
		records := tx.Bucket(name)
		if records == nil {
			continue // reported by checkKind
		}
		records.ForEach(func(key, v []byte) error {
			var rec struct {
				Version int64 `json:"version"`
			}
			if json.Unmarshal(v, &rec) != nil {
				return nil // reported by checkKind
			}
			want := max(rec.Version, 1)
			var n int64
			ic := seekIndex(byEntity, indexPrefix(string(key)), "", false)
			for ; ic.key != nil && n < want; ic.next() {
				n++
			}
			if n < want {
				r.add(string(name), string(key), "%d audit entries about the record, fewer than its %d changes", n, want)
			}
			return nil
		})
	}
}
