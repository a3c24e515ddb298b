package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshotTo copies s to a new file through Snapshot.
func snapshotTo(t *testing.T, s *Store) string {
	t.Helper()
	r, size, err := s.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if n, err := io.Copy(&buf, r); err != nil || n != size {
		t.Fatalf("snapshot: %d of %d bytes, %v", n, size, err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	writeFile(t, path, buf.String())
	return path
}

// TestSnapshotWhileWriting takes a snapshot between writes: the copy
// holds every write made before it and none made after, and passes Check.
func TestSnapshotWhileWriting(t *testing.T) {
	ctx := t.Context()
	s, err := Open(checkedStore(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	r, size, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	later := testBooking("later", "int-2", benchBase, time.Hour)
	if err := s.CreateBooking(ctx, later, testChange(later.ID)); err != nil { // the snapshot's read transaction does not hold writers
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := io.Copy(&buf, r); err != nil || n != size {
		t.Fatalf("snapshot: %d of %d bytes, %v", n, size, err)
	}
	r.Close()
	path := filepath.Join(t.TempDir(), "backup.db")
	writeFile(t, path, buf.String())
	report, err := Check(ctx, path)
	if err != nil || !report.OK() {
		t.Fatalf("check of the snapshot: %v %v", err, report.Problems)
	}
	if report.Records["bookings"] != 5 {
		t.Errorf("the snapshot holds %d bookings, want the 5 written before it", report.Records["bookings"])
	}
}

// TestSnapshotAbandoned closes the reader unread: the transaction ends,
// so Close of the store does not wait for it.
func TestSnapshotAbandoned(t *testing.T) {
	s, err := Open(checkedStore(t))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	closed := make(chan error, 1)
	go func() { closed <- s.Close(t.Context()) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for an abandoned snapshot")
	}
}

func TestRestore(t *testing.T) {
	ctx := t.Context()
	s, err := Open(checkedStore(t))
	if err != nil {
		t.Fatal(err)
	}
	backup := snapshotTo(t, s)
	s.Close(ctx)

	// Into a new file, then over an existing store that no process holds.
	target := filepath.Join(t.TempDir(), "restored.db")
	res, err := Restore(ctx, backup, target)
	if err != nil || res.Replaced != "" || !res.Report.OK() {
		t.Fatalf("restore into a new file: %+v, %v", res, err)
	}
	other, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	extra := testBooking("after-backup", "int-2", benchBase, time.Hour)
	if err := other.CreateBooking(ctx, extra, testChange(extra.ID)); err != nil {
		t.Fatal(err)
	}
	other.Close(ctx)
	res, err = Restore(ctx, backup, target)
	if err != nil || res.Replaced == "" {
		t.Fatalf("restore over a store: %+v, %v", res, err)
	}
	restored, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := restored.Booking(ctx, fmt.Sprintf("b%d", i)); err != nil {
			t.Errorf("booking b%d after restore: %v", i, err)
		}
	}
	if _, err := restored.Booking(ctx, extra.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a booking written after the backup is there after restore: %v", err)
	}
	restored.Close(ctx)
	kept, err := Open(res.Replaced)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Booking(ctx, extra.ID); err != nil {
		t.Errorf("the replaced store was not kept: %v", err)
	}
	kept.Close(ctx)

	t.Run("refuses a target in use", func(t *testing.T) {
		held, err := Open(target)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close(ctx)
		if _, err := Restore(ctx, backup, target); !errors.Is(err, ErrLocked) {
			t.Errorf("restore over a held store: %v, want ErrLocked", err)
		}
	})
	t.Run("refuses a file that is not a store", func(t *testing.T) {
		junk := filepath.Join(t.TempDir(), "junk")
		writeFile(t, junk, "PK\x03\x04 a zip, say")
		if _, err := Restore(ctx, junk, target); !errors.Is(err, ErrNotAStore) {
			t.Errorf("restore of junk: %v, want ErrNotAStore", err)
		}
		if _, err := Restore(ctx, filepath.Join(t.TempDir(), "missing"), target); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("restore of a missing file: %v, want ErrNotExist", err)
		}
	})
	t.Run("refuses a later format", func(t *testing.T) {
		newer := snapshotOf(t, backup)
		raw(t, newer, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyFormat, []byte(fmt.Sprint(FormatVersion+1)))
		})
		if _, err := Restore(ctx, newer, target); !errors.Is(err, ErrNewerFormat) {
			t.Errorf("restore of a later format: %v, want ErrNewerFormat", err)
		}
	})
	t.Run("refuses a backup that fails the check", func(t *testing.T) {
		broken := snapshotOf(t, backup)
		raw(t, broken, func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketBookingsByOrg)).Put([]byte(indexKey("north", "x", "ghost")), nil)
		})
		_, err := Restore(ctx, broken, target)
		if ce, ok := errors.AsType[*CheckError](err); !ok || ce.Report.OK() {
			t.Errorf("restore of a broken backup: %v, want a *CheckError", err)
		}
	})
}

// snapshotOf copies the file at path to a new one.
func snapshotOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	writeFile(t, out, string(b))
	return out
}
