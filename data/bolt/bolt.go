// Package bolt is tolk's embedded store: one bbolt file, nothing to install.
// Every write is one bbolt transaction, fsynced before it returns, so an
// acknowledged write survives a crash; a record, its index entries and
// everything in its data.Change (see putChange) land in that one
// transaction, or none of them does.
//
// bbolt runs one write transaction at a time, so an update function
// (data.Update) runs inside the transaction that writes its result: the
// store reads the record, calls the function, and writes what it returns
// with no other writer in between (see updateRecord). It never loses a
// race, so it never calls a function twice. A function must not call the
// store (data.Update says so): a write from inside one would wait forever
// for the transaction it runs in.
//
// Listings seek secondary index buckets (see index.go) instead of walking
// records. bbolt allows one process per file; a second process fails fast
// with ErrLocked instead of waiting.
package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tolk/tolk/data"
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("the database file is in use by another tolk process")

// LockTimeout is how long Open waits for the file lock before giving up.
const LockTimeout = time.Second

// Store is a data.Store on a bbolt file.
type Store struct {
	db   *bolt.DB
	bulk bool // opened by OpenBulk: Close syncs

	interpreters *decoded[data.Interpreter]
	bookings     *decoded[data.Booking]
	feeds        *decoded[data.Feed]
	feedTokens   feedTokens // working feeds by token hash (feeds.go)
	audit        *decoded[data.AuditEntry]
	// marks keeps the mark of each listing of newest entries the audit
	// cache keeps, at the same version (see newestMark).
	marks listings[data.AuditMark]

	// writes counts the write transactions that have ended (see update),
	// and polls keeps what PollFeed found, at the count it began at: a
	// calendar client polling while nothing is written is answered
	// without a read transaction.
	writes atomic.Uint64
	polls  listings[polled]

	// profiles and schedules keep matching's pool (pool.go),
	// poolSchedules each pool's schedules in its profiles' order, and
	// poolAnswers each pool's last answer (one a listing), at the
	// bookings' version.
	profiles      listings[*data.Profile]
	schedules     schedules
	poolSchedules listings[*schedule]
	poolAnswers   listings[*poolAnswer]

	// sittings keeps each page of a case's sittings CaseSittings gave (one
	// a listing), at the bookings' version.
	sittings listings[data.Page[data.Sitting]]
}

var _ data.Store = (*Store)(nil)

// Open opens (creating if needed) the bbolt file at path. It returns an error
// wrapping ErrLocked when another process holds the file. A file written
// before an index existed gets that index built from its records, once, in
// the transaction that creates it.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(prepare); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{
		db:           db,
		interpreters: newDecoded(maxCachedInterpreters, decodeInterpreter, cloneInterpreter),
		bookings:     newDecoded(maxCachedBookings, decodeBooking, cloneBooking),
		feeds:        newDecoded(maxCachedFeeds, decodeRecord(feedRecord.toFeed), same[data.Feed]),
		audit:        newDecoded(maxCachedAudit, decodeRecord(auditRecord.toEntry), same[data.AuditEntry]),
	}, nil
}

// OpenBulk opens the file for loading many records at once, such as seeding
// a load test: writes are not fsynced one by one, and Close syncs the file
// once. A crash while loading may lose the load. Never serve from a store
// opened so: an acknowledged write would not survive a crash.
func OpenBulk(path string) (*Store, error) {
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	s.db.NoSync, s.bulk = true, true
	return s, nil
}

// retiredBuckets are index buckets no longer kept (an index whose values
// changed takes a new name, so prepare builds it afresh): prepare deletes
// them.
var retiredBuckets = []string{
	"offers_facts", // offer facts before outcome codes (now bucketOfferFacts)
}

// prepare marks the file's format (refusing a later one, see markFormat),
// deletes the retired buckets, creates every bucket that is missing and
// fills each new index bucket from the records already stored.
func prepare(tx *bolt.Tx) error {
	if err := markFormat(tx); err != nil {
		return err
	}
	for _, name := range retiredBuckets {
		if tx.Bucket([]byte(name)) == nil {
			continue
		}
		if err := tx.DeleteBucket([]byte(name)); err != nil {
			return fmt.Errorf("delete %s: %w", name, err)
		}
	}
	if _, err := tx.CreateBucketIfNotExists(bucketSchedules); err != nil {
		return fmt.Errorf("create %s: %w", bucketSchedules, err)
	}
	for _, k := range kinds {
		records, err := tx.CreateBucketIfNotExists(k.bucket)
		if err != nil {
			return fmt.Errorf("create %s: %w", k.bucket, err)
		}
		fresh := map[string]bool{}
		for _, name := range k.indexes {
			if tx.Bucket([]byte(name)) != nil {
				continue
			}
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
			fresh[name] = true
		}
		if len(fresh) == 0 {
			continue
		}
		err = records.ForEach(func(key, v []byte) error {
			entries, err := k.entries(v)
			if err != nil {
				return fmt.Errorf("index %s %s: %w", k.bucket, key, err)
			}
			for _, e := range entries {
				if fresh[e.bucket] {
					if err := tx.Bucket([]byte(e.bucket)).Put([]byte(e.key), []byte(e.value)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Ping reports whether the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(*bolt.Tx) error { return nil })
}

// Close closes the file. Closing twice is harmless; every other call after
// Close returns ErrClosed.
func (s *Store) Close(ctx context.Context) error {
	defer s.writes.Add(1) // nothing kept at the count is handed out after Close (PollFeed)
	if s.bulk {
		s.bulk = false // a second Close only closes
		if err := s.db.Sync(); err != nil {
			s.db.Close()
			return fmt.Errorf("bolt: sync after a bulk load: %w", err)
		}
	}
	return s.db.Close()
}

// view and update run fn in a transaction after checking the context, since
// bbolt itself does not take one, and translate bbolt's closed-database error.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	return translate(s.db.View(fn))
}

// update runs fn in one write transaction, committed and fsynced when fn
// returns nil (see bbolt's DB.Update), unless ctx has ended already.
//
// It is the store's only write path, and counts every write transaction
// once it has ended (Store.writes): what is kept at a count (PollFeed's
// polls) was read by a transaction begun after the count was taken, so a
// write it might not have seen ends, and moves the count on, after that.
// A transaction whose fn returned an error is rolled back by bbolt before
// anything reaches the file, and is not counted: the deliverer's claim of
// an empty outbox, every two seconds, would otherwise end every kept poll.
// One that fn let through is counted whether its commit succeeds or not.
func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	refused := false
	defer func() {
		if !refused {
			s.writes.Add(1)
		}
	}()
	return translate(s.db.Update(func(tx *bolt.Tx) error {
		err := fn(tx)
		refused = err != nil
		return err
	}))
}

func translate(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("bolt: %w", data.ErrClosed)
	}
	return err
}

func get[T any](b *bolt.Bucket, key string) (T, error) {
	var rec T
	v := b.Get([]byte(key))
	if v == nil {
		return rec, data.ErrNotFound
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, fmt.Errorf("decode %s: %w", key, err)
	}
	return rec, nil
}

func put(b *bolt.Bucket, key string, rec any) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), v)
}

// decode returns a kind's entries function: it decodes a stored value into
// the record type R and derives the index entries of its data form.
func decode[R any, D any](toData func(R) D, indexes func(D) []indexEntry) func(v []byte) ([]indexEntry, error) {
	return func(v []byte) ([]indexEntry, error) {
		var rec R
		if err := json.Unmarshal(v, &rec); err != nil {
			return nil, err
		}
		return indexes(toData(rec)), nil
	}
}

func encodeTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return data.Timestamp(t).Format(time.RFC3339Nano)
}

func decodeTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t.UTC()
}

func decodeDate(s string) data.Date {
	d, _ := data.ParseDate(s) // written by Date.String; "" is the zero Date
	return d
}
