package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Snapshot copies the whole file as it is now to a spool file beside it,
// in one read transaction, and returns a reader of that copy and its size.
// The caller must Close the reader, which deletes the spool (on Unix it
// has no name from the start, so a crash leaves nothing behind).
//
// The copy is spooled rather than streamed to the caller because a read
// transaction held while a slow client reads would hold up writers: a
// write that grows the file must remap it, which waits for every read
// transaction to end. Spooled, it waits at most for a copy at disk speed.
// Writers that need no remap never wait.
func (s *Store) Snapshot(ctx context.Context) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("bolt: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(s.db.Path()), ".tolk-backup-*")
	if err != nil {
		return nil, 0, fmt.Errorf("bolt: spool a snapshot: %w", err)
	}
	sp := &spool{File: f}
	if os.Remove(f.Name()) != nil {
		sp.name = f.Name() // Windows: removed on Close
	}
	var size int64
	err = s.db.View(func(tx *bolt.Tx) error {
		size = tx.Size()
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		sp.Close()
		return nil, 0, fmt.Errorf("bolt: spool a snapshot: %w", translate(err))
	}
	return sp, size, nil
}

// spool is a snapshot's file, deleted when closed.
type spool struct {
	*os.File
	name string // still to remove on Close, or ""
}

// Close closes the file and removes it.
func (s *spool) Close() error {
	err := s.File.Close()
	if s.name != "" {
		os.Remove(s.name)
	}
	return err
}

// RestoreResult is what Restore did.
type RestoreResult struct {
	// Report is the check of the restored file.
	Report Report
	// Replaced is where the store that was at the target path was moved,
	// or "" when there was none.
	Replaced string
}

// Restore makes the store file at to a copy of the backup at from, on a
// file no process holds. It refuses a backup that is not a tolk store
// (ErrNotAStore), one of a later format (ErrNewerFormat) and one that
// fails Check (the problems come back in the Report of the error's
// *CheckError); it refuses a target that a process holds (ErrLocked) or
// that is not a store itself, rather than overwrite it. The store that
// was at to is kept beside it (RestoreResult.Replaced), never deleted.
// The copy is written to a temporary file beside to, synced, and renamed
// into place, so to is at every moment the old store or the new.
func Restore(ctx context.Context, from, to string) (RestoreResult, error) {
	src, err := openReadOnly(from)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	var res RestoreResult
	err = src.View(func(tx *bolt.Tx) error {
		report, err := checkTx(ctx, tx)
		if err != nil {
			return err
		}
		if !report.OK() {
			return &CheckError{Report: report}
		}
		res.Report = report
		return nil
	})
	if err != nil {
		return RestoreResult{}, fmt.Errorf("backup %s: %w", from, err)
	}

	// Hold the target's lock (shared: a serving process holds it
	// exclusively, so this fails fast when one does, and keeps one from
	// starting on the old file) until the new file is in place.
	if _, err := os.Stat(to); err == nil {
		held, err := openReadOnly(to)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("target: %w", err)
		}
		defer held.Close()
		res.Replaced = fmt.Sprintf("%s.replaced-%s", to, time.Now().UTC().Format("20060102T150405Z"))
	} else if !errors.Is(err, os.ErrNotExist) {
		return RestoreResult{}, fmt.Errorf("target: %w", err)
	}

	tmp, err := os.CreateTemp(filepath.Dir(to), ".tolk-restore-*")
	if err != nil {
		return RestoreResult{}, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = src.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(tmp)
		return err
	})
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return RestoreResult{}, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if res.Replaced != "" {
		if err := os.Link(to, res.Replaced); err != nil {
			return RestoreResult{}, fmt.Errorf("keep the replaced store: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return RestoreResult{}, err
	}
	if dir, err := os.Open(filepath.Dir(to)); err == nil {
		dir.Sync() // the rename survives a crash
		dir.Close()
	}
	return res, nil
}

// CheckError is a refusal because a store failed Check: the Report says
// what is wrong.
type CheckError struct{ Report Report }

// Error counts the problems and names the first.
func (e *CheckError) Error() string {
	n := len(e.Report.Problems) + e.Report.More
	if n == 0 {
		return "the check failed"
	}
	return fmt.Sprintf("the check found %d problems, first %s", n, e.Report.Problems[0])
}
