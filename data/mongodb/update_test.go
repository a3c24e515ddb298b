package mongodb

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// These tests drive the update loop (update.go) and the changes it lands.

// A writer that loses re-runs its update function on the record as it is
// then: a writer whose read came before another change landed calls its
// function twice, with version 1 and then 2, and stores version 3 over the
// other change.
func TestUpdateRerunsAfterLoss(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	in := createInterpreter(t, s, "Original")
	first := in
	first.Name, first.Version = "First writer", 2
	firstEntry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	l := commitOnly(t, s, interpreterChange(first, firstEntry), live)
	landed := make(chan error, 1)
	time.AfterFunc(50*time.Millisecond, func() { landed <- s.settle(context.Background(), l) })

	var seen []int64
	entry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	got, err := s.UpdateInterpreter(t.Context(), in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		seen = append(seen, cur.Version)
		cur.Phone = "+44 20 7946 0000"
		return cur, data.Audited(entry), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-landed; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int64{1, 2}) {
		t.Errorf("the function saw versions %v, want 1 (lost) and 2", seen)
	}
	if got.Version != 3 || got.Name != first.Name || got.Phone == "" {
		t.Errorf("stored %q, phone %q, version %d; want the first writer's name, the phone, version 3", got.Name, got.Phone, got.Version)
	}
	wantRecord(t, s, in.ID, first.Name, 3)
	if ids := auditIDs(t, s, in.ID); len(ids) != 3 || ids[1] != firstEntry.ID || ids[2] != entry.ID {
		t.Errorf("audit = %v, want the creation, %s and %s", ids, firstEntry.ID, entry.ID)
	}
	wantNoLocks(t, s)
}

// An update function that leaves the record, fails, or returns what may
// not be stored writes nothing: no version, no entry, no lock.
func TestUpdateWritesNothing(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	in := createInterpreter(t, s, "Original")
	failed := errors.New("the function's own error")
	for _, c := range []struct {
		name string
		fn   data.Update[data.Interpreter]
		want error // nil: the record as read
	}{
		{"ErrNoChange", func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.Name = "Not stored"
			return cur, registered(in.ID, data.ActionInterpreterUpdated), data.ErrNoChange
		}, nil},
		{"its own error", func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			return cur, registered(in.ID, data.ActionInterpreterUpdated), failed
		}, failed},
		{"a new creation time", func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.CreatedAt = cur.CreatedAt.Add(time.Hour)
			return cur, registered(in.ID, data.ActionInterpreterUpdated), nil
		}, data.ErrInvalid},
		{"no audit entry", func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.Name = "Unaudited"
			return cur, data.Change{}, nil
		}, data.ErrInvalid},
	} {
		got, err := s.UpdateInterpreter(ctx, in.ID, c.fn)
		switch {
		case c.want == nil && (err != nil || got.Version != 1 || got.Name != in.Name):
			t.Errorf("%s: %q version %d, %v; want the record as read", c.name, got.Name, got.Version, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: error = %v, want %v", c.name, err, c.want)
		}
	}
	wantRecord(t, s, in.ID, in.Name, 1)
	if ids := auditIDs(t, s, in.ID); len(ids) != 1 {
		t.Errorf("audit = %v, want the creation only", ids)
	}
	if _, err := s.UpdateInterpreter(ctx, "no-such-id", rename("x", registerEntry("no-such-id", data.ActionInterpreterUpdated))); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("update of an unknown record: %v, want ErrNotFound", err)
	}
	wantNoLocks(t, s)
}

// A writer that keeps losing gives up with ErrConflict after changeAttempts
// tries; any other outcome of a try ends the loop at once.
func TestRetryBounded(t *testing.T) {
	s := &Store{}
	tries := 0
	err := s.retry(t.Context(), "interpreters/x", func() error { tries++; return errStale })
	if !errors.Is(err, data.ErrConflict) || tries != changeAttempts {
		t.Errorf("always losing: %v after %d tries, want ErrConflict after %d", err, tries, changeAttempts)
	}
	tries = 0
	err = s.retry(t.Context(), "interpreters/x", func() error {
		if tries++; tries < 3 {
			return errStale
		}
		return data.ErrNotFound
	})
	if !errors.Is(err, data.ErrNotFound) || tries != 3 {
		t.Errorf("losing twice, then not found: %v after %d tries", err, tries)
	}
}

// A change of several entries lands them all, in order, with the record;
// so does a dead writer's change, landed by a reader; and AppendChange
// lands several entries together, a dead writer's by the next listing.
func TestChangeOfSeveralEntries(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	other.LockTimeout = 100 * time.Millisecond
	ctx := t.Context()
	in := createInterpreter(t, s, "Original")
	a, b := registerEntry(in.ID, data.ActionInterpreterUpdated), registerEntry(in.ID, data.ActionVettingApprove)
	_, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		cur.Vetting.Status = data.VettingApproved
		return cur, data.Audited(a, b), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, d := registerEntry(in.ID, data.ActionInterpreterUpdated), registerEntry(in.ID, data.ActionVettingSuspend)
	died := in
	died.Name, died.Version = "Committed by a writer that died", 3
	commitOnly(t, s, change{coll: interpretersCollection, id: in.ID, version: 3, doc: fromInterpreter(died), ch: data.Audited(c, d)}, dead)
	wantRecord(t, other, in.ID, died.Name, 3)
	if ids := auditIDs(t, other, in.ID); !slices.Equal(ids[1:], []string{a.ID, b.ID, c.ID, d.ID}) {
		t.Errorf("audit = %v, want the creation, then %s %s %s %s", ids, a.ID, b.ID, c.ID, d.ID)
	}

	read := func() data.AuditEntry { return registerEntry(in.ID, data.ActionInterpreterReadSensitive) }
	e, f := read(), read()
	if err := s.AppendChange(ctx, data.Audited(e, f)); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendChange(ctx, data.Audited(e, read())); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("AppendChange with a taken ID: %v, want ErrDuplicate", err)
	}
	g, h := read(), read()
	docs, err := changeOutbox(data.Audited(g, h))
	if err != nil {
		t.Fatal(err)
	}
	l := lockOf(auditCollection, g.ID, 1, "dead-writer", mustStamp(t, docs[0]), docs[1:])
	l.At = l.At.Add(-dead)
	if _, err := s.locks.InsertOne(ctx, l); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if ids := auditIDs(t, other, in.ID); !slices.Equal(ids[5:], []string{e.ID, f.ID, g.ID, h.ID}) {
		t.Errorf("audit = %v, want %s %s %s %s last", ids, e.ID, f.ID, g.ID, h.ID)
	}
	wantNoLocks(t, s)
}

// mustStamp is o's document stamped at version 1 by a lock "dead-writer".
func mustStamp(t *testing.T, o outboxDocument) []byte {
	t.Helper()
	raw, err := stamped(o.Doc, 1, "dead-writer")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
