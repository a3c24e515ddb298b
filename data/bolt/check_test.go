package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// checkedStore writes a small store through the store's own methods (a
// user, interpreters, bookings, one of them changed twice) and closes it.
func checkedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tolk.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	u := data.User{ID: "u1", Name: "A", Email: "a@example.org", Role: data.RoleAdmin, Organisation: "north", KeyHash: data.HashKey("k")}
	if err := s.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(benchBase, u, u.Organisation, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		in := benchInterpreter(i, "ti")
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in.ID)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		b := testBooking(fmt.Sprintf("b%d", i), "int-1", benchBase.Add(time.Duration(i)*3*time.Hour), time.Hour)
		if err := s.CreateBooking(ctx, b, testChange(b.ID)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		_, err := s.UpdateBooking(ctx, "b0", func(b data.Booking) (data.Booking, data.Change, error) {
			b.Location = "Room " + b.UpdatedAt.String()
			b.UpdatedAt = b.UpdatedAt.Add(time.Minute)
			return b, testChange(b.ID), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return path
}

// raw changes the file at path directly, under the store's feet.
func raw(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestCheckPassesAStoreWrittenByTheStore(t *testing.T) {
	path := checkedStore(t)
	r, err := Check(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("problems in a sound store: %v", r.Problems)
	}
	if r.Format != FormatVersion || r.Records["bookings"] != 5 || r.Records["interpreters"] != 3 || r.Records["users"] != 1 || r.IndexEntries == 0 {
		t.Errorf("report = %+v", r)
	}
}

// TestCheckReportsCorruption corrupts a sound store one way at a time:
// each is reported, naming the bucket and the record.
func TestCheckReportsCorruption(t *testing.T) {
	for _, tc := range []struct {
		name       string
		corrupt    func(tx *bolt.Tx) error
		bucket, id string
		what       string
	}{
		{"an entry deleted", func(tx *bolt.Tx) error {
			entries, err := bookingKind.entries(tx.Bucket(bucketBookings).Get([]byte("b3")))
			if err != nil {
				return err
			}
			return tx.Bucket([]byte(entries[1].bucket)).Delete([]byte(entries[1].key))
		}, "", "b3", "missing"},
		{"an entry naming no record", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketBookingsByOrg)).Put([]byte(indexKey("north", "2026-03-14T09:00:00Z", "ghost")), nil)
		}, bucketBookingsByOrg, "ghost", "does not exist"},
		{"an entry its record does not have", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketBookingsByOrgCase)).Put([]byte(indexKey("north", "another-case", "b2")), nil)
		}, bucketBookingsByOrgCase, "b2", "not one its record has"},
		{"a unique entry pointing elsewhere", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketUserEmails)).Put([]byte("a@example.org"), []byte("u2"))
		}, bucketUserEmails, "u1", "another record"},
		{"a record that does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketBookings).Put([]byte("b4"), []byte("{not json"))
		}, "bookings", "b4", "cannot be decoded"},
		{"a change without its audit entry", func(tx *bolt.Tx) error {
			// The entry and its index entries go: the log is sound, b0 short of one.
			c := tx.Bucket([]byte(bucketAuditByEntity)).Cursor()
			k, scope := c.Seek(indexPrefix("b0"))
			id := string(k[bytes.LastIndexByte(k, 0)+1:])
			if err := tx.Bucket([]byte(bucketAuditByScope)).Delete([]byte(indexKey(string(scope), id))); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			return tx.Bucket(bucketAudit).Delete([]byte(id))
		}, "bookings", "b0", "fewer than its 3 changes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := checkedStore(t)
			raw(t, path, tc.corrupt)
			r, err := Check(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(r.Problems, func(p Problem) bool {
				return (tc.bucket == "" || p.Bucket == tc.bucket) && p.ID == tc.id && strings.Contains(p.What, tc.what)
			}) {
				t.Errorf("problems %v, want one in %q about %s saying %q", r.Problems, tc.bucket, tc.id, tc.what)
			}
			for _, p := range r.Problems {
				if strings.Contains(p.String(), "@") {
					t.Errorf("a problem quotes an index key: %s", p)
				}
			}
		})
	}
}

// TestCheckUnbuiltIndex: a file written before an index existed (its
// bucket absent) passes, the index listed as unbuilt, and Open builds it.
func TestCheckUnbuiltIndex(t *testing.T) {
	path := checkedStore(t)
	raw(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(bucketBookingsByInterpreter)) })
	r, err := Check(t.Context(), path)
	if err != nil || !r.OK() || !slices.Equal(r.Unbuilt, []string{bucketBookingsByInterpreter}) {
		t.Fatalf("check of a file without an index: %v %+v", err, r)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close(t.Context())
	if r, err := Check(t.Context(), path); err != nil || !r.OK() || len(r.Unbuilt) != 0 {
		t.Fatalf("check after Open: %v %+v", err, r)
	}
}

func TestCheckRefuses(t *testing.T) {
	ctx := t.Context()
	path := checkedStore(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(ctx, path); !errors.Is(err, ErrLocked) {
		t.Errorf("check of a held store: %v, want ErrLocked", err)
	}
	s.Close(ctx)

	notStore := filepath.Join(t.TempDir(), "notes.txt")
	writeFile(t, notStore, strings.Repeat("not a database\n", 1000))
	if _, err := Check(ctx, notStore); !errors.Is(err, ErrNotAStore) {
		t.Errorf("check of a text file: %v, want ErrNotAStore", err)
	}

	foreign := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("something")); return err })
	db.Close()
	if _, err := Check(ctx, foreign); !errors.Is(err, ErrNotAStore) {
		t.Errorf("check of another program's bbolt file: %v, want ErrNotAStore", err)
	}

	raw(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormat, []byte(fmt.Sprint(FormatVersion+1)))
	})
	if _, err := Check(ctx, path); !errors.Is(err, ErrNewerFormat) {
		t.Errorf("check of a later format: %v, want ErrNewerFormat", err)
	}
	if _, err := Open(path); !errors.Is(err, ErrNewerFormat) {
		t.Errorf("open of a later format: %v, want ErrNewerFormat", err)
	}
}
