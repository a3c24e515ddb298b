package datatest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testSessionRetention pages through the sessions that expired before a
// cutoff, ended or not, by expiry then ID; deleting some takes them out
// of the store and the walk, lands the tombstone, and leaves the rest.
func testSessionRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	expired := func(n, days int) data.Session {
		sess := newSession(n, "user-1")
		sess.CreatedAt = base.AddDate(0, 0, -days)
		sess.LastSeen, sess.ExpiresAt = sess.CreatedAt, sess.CreatedAt.Add(12*time.Hour)
		return sess
	}
	oldest, old, ended, recent := expired(1, 900), expired(2, 800), expired(3, 850), expired(4, 30)
	for _, sess := range []data.Session{recent, ended, old, oldest} {
		createSession(t, s, sess)
	}
	if _, err := s.EndSession(ctx, ended.ID, base, sessionChange(ended, data.ActionSessionEnded)); err != nil {
		t.Fatal(err)
	}
	cutoff := base.AddDate(-2, 0, 0)
	walk := func() []string {
		return walkDue(t, func(after string) ([]string, string, error) {
			page, err := s.SessionsExpiredBefore(ctx, cutoff, after, 1)
			ids := []string{}
			for _, x := range page.Items {
				ids = append(ids, x.ID)
			}
			return ids, page.Next, err
		})
	}
	if diff := cmp.Diff([]string{oldest.ID, ended.ID, old.ID}, walk()); diff != "" {
		t.Errorf("sessions expired before %s (-want +got):\n%s", cutoff, diff)
	}
	tomb := data.Audited(data.NewAuditEntry(base, actor, "north", data.ActionSessionsDeleted, data.EntityStore, data.StoreEntityID))
	if err := s.DeleteSessions(ctx, []string{oldest.ID, ended.ID, "no-such-session"}, tomb); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{oldest.ID, ended.ID} {
		if _, err := s.Session(ctx, id); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("a deleted session reads %v, want ErrNotFound", err)
		}
	}
	if diff := cmp.Diff([]string{old.ID}, walk()); diff != "" {
		t.Errorf("after deleting two (-want +got):\n%s", diff)
	}
	if page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: data.StoreEntityID}); err != nil || len(page.Items) != 1 || page.Items[0].Action != data.ActionSessionsDeleted {
		t.Errorf("the tombstone: %+v, %v", page.Items, err)
	}
	if _, err := s.Session(ctx, recent.ID); err != nil {
		t.Errorf("a session not deleted: %v", err)
	}
	if err := s.DeleteSessions(ctx, []string{old.ID}, data.Change{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a deletion without its tombstone: %v, want ErrInvalid", err)
	}
	if _, err := s.SessionsExpiredBefore(ctx, cutoff, "no-such-session", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no session: %v, want ErrInvalid", err)
	}
}

// testSignInRetention pages through the sign-in entries made before a
// cutoff, oldest first, by time then ID:
// entries of other actions, and recent ones, are not among them. Deleting
// them lands the tombstone and leaves every other entry; a deletion
// naming an entry that is not a sign-in deletes nothing.
func testSignInRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	// Each entry's ID is the first minted at its time, as in a log written
	// as it happened (NewID never mints an ID below one it minted before,
	// so it cannot write a past here).
	entry := func(days int, action data.Action) data.AuditEntry {
		e := data.NewAuditEntry(base.AddDate(0, 0, -days), actor, "north", action, data.EntityUser, "user-1")
		e.ID = data.IDBound(e.At)
		return e
	}
	first, failed, linked := entry(900, data.ActionSessionStartedKey), entry(850, data.ActionSignInFailedKey), entry(800, data.ActionSignInLinkSent)
	created, recent := entry(870, data.ActionUserCreated), entry(30, data.ActionSessionEnded)
	for _, e := range []data.AuditEntry{first, created, failed, linked, recent} {
		if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := base.AddDate(-2, 0, 0)
	walk := func() []string {
		return walkDue(t, func(after string) ([]string, string, error) {
			page, err := s.SignInsBefore(ctx, cutoff, after, 1)
			ids := []string{}
			for _, e := range page.Items {
				ids = append(ids, e.ID)
			}
			return ids, page.Next, err
		})
	}
	if diff := cmp.Diff([]string{first.ID, failed.ID, linked.ID}, walk()); diff != "" {
		t.Errorf("sign-ins before %s (-want +got):\n%s", cutoff, diff)
	}
	tomb := func() data.Change {
		return data.Audited(data.NewAuditEntry(base, actor, "north", data.ActionSignInsDeleted, data.EntityStore, data.StoreEntityID))
	}
	if err := s.DeleteSignIns(ctx, []string{first.ID, created.ID}, tomb()); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("deleting an entry that is not a sign-in: %v, want ErrInvalid", err)
	}
	if err := s.DeleteSignIns(ctx, []string{first.ID, failed.ID}, tomb()); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range page.Items {
		left = append(left, e.ID)
	}
	if diff := cmp.Diff([]string{recent.ID, linked.ID, created.ID}, left); diff != "" {
		t.Errorf("the user's entries after the deletion (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{linked.ID}, walk()); diff != "" {
		t.Errorf("after deleting two (-want +got):\n%s", diff)
	}
	if _, err := s.SignInsBefore(ctx, cutoff, first.ID, 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming a deleted entry: %v, want ErrInvalid", err)
	}
	if _, err := s.SignInsBefore(ctx, cutoff, created.ID, 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming an entry that is not a sign-in: %v, want ErrInvalid", err)
	}
	if page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: data.StoreEntityID}); err != nil || len(page.Items) != 1 || page.Items[0].Action != data.ActionSignInsDeleted {
		t.Errorf("the tombstone: %+v, %v", page.Items, err)
	}
}
