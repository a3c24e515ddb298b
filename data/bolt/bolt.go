// Package bolt is tolk's embedded store: one bbolt file, nothing to install.
// Every write is one bbolt transaction, fsynced before it returns, so an
// acknowledged write survives a crash. bbolt allows one process per file; a
// second process fails fast with ErrLocked instead of waiting.
package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("the database file is in use by another tolk process")

// LockTimeout is how long Open waits for the file lock before giving up.
const LockTimeout = time.Second

var (
	bucketUsers        = []byte("users")
	bucketUserEmails   = []byte("user_emails")
	bucketUserKeys     = []byte("user_keys")
	bucketAudit        = []byte("audit")
	bucketInterpreters = []byte("interpreters")
	allBuckets         = [][]byte{bucketUsers, bucketUserEmails, bucketUserKeys, bucketAudit, bucketInterpreters}
)

// Store is a data.Store on a bbolt file.
type Store struct {
	db *bolt.DB
}

var _ data.Store = (*Store)(nil)

// Open opens (creating if needed) the bbolt file at path. It returns an error
// wrapping ErrLocked when another process holds the file.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: create buckets: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Ping reports whether the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.View(func(tx *bolt.Tx) error { return nil })
}

// Close closes the file.
func (s *Store) Close(ctx context.Context) error { return s.db.Close() }

// view and update run fn in a transaction after checking the context, since
// bbolt itself does not take one.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
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
	d, _ := data.ParseDate(s) // written by encodeDate; "" is the zero Date
	return d
}
