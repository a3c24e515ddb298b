package app_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/retention"
)

// TestRetentionSessionsAndSignIns: with the clock at 2026-11-22, the
// sessions and sign-in entries of early 2024 (more than two years ago)
// are deleted, with a tombstone in the audit, and the user's other
// entries (their creation) stay; those of an interpreter on a legal hold
// stay, and so do this year's.
func TestRetentionSessionsAndSignIns(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	in := e.approved("Held Interpreter")
	iu := e.interpreterUser(in)
	if _, err := e.app.SetInterpreterHold(ctx, e.north[data.RoleCoordinator], in.ID, true); err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC)
	old, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SignInWithKey(ctx, "not-a-key-of-anyone-at-all-0123456789"); err == nil {
		t.Fatal("a wrong key signed in")
	}
	heldIn, err := e.app.SignInWithKey(ctx, e.keys[iu.ID])
	if err != nil {
		t.Fatal(err)
	}
	e.now = testNow
	recent, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}

	plan, err := e.app.RetentionPreview(ctx, e.boot)
	if err != nil {
		t.Fatal(err)
	}
	if p := plan.Classes[5]; p.Class.Name != retention.Sessions || p.DueCount != 1 || p.HeldCount != 1 {
		t.Errorf("the preview of sessions: %+v", p)
	}
	if p := plan.Classes[6]; p.Class.Name != retention.SignIns || p.DueCount != 1 || p.HeldCount != 1 {
		t.Errorf("the preview of sign-ins: %+v", p)
	}
	res, err := e.app.ApplyRetention(ctx)
	if err != nil || res.Classes[retention.Sessions] != (app.RetentionCount{Acted: 1, Held: 1}) ||
		res.Classes[retention.SignIns] != (app.RetentionCount{Acted: 1, Held: 1}) {
		t.Fatalf("retention: %+v, %v", res, err)
	}
	if _, err := e.store.Session(ctx, old.Session.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the 2024 session: %v, want deleted", err)
	}
	for _, s := range []app.SignedIn{heldIn, recent} {
		if _, err := e.store.Session(ctx, s.Session.ID); err != nil {
			t.Errorf("a held or recent session: %v", err)
		}
	}
	// This year's sign-in also ended the 2024 session as expired (an entry
	// of this year's).
	if got, want := e.actions(sw.ID), []data.Action{data.ActionUserCreated, data.ActionSessionStartedKey, data.ActionSessionExpired}; !slices.Equal(got, want) {
		t.Errorf("the social worker's entries after retention: %v, want %v (their creation and this year's)", got, want)
	}
	if got := e.actions(iu.ID); !slices.Contains(got, data.ActionSessionStartedKey) {
		t.Errorf("the held interpreter's sign-in was deleted: %v", got)
	}
	tombs := e.actions(data.StoreEntityID)
	if !slices.Contains(tombs, data.ActionSessionsDeleted) || !slices.Contains(tombs, data.ActionSignInsDeleted) {
		t.Errorf("the tombstones: %v", tombs)
	}
	if res, err := e.app.ApplyRetention(ctx); err != nil || res.Classes[retention.Sessions].Acted != 0 || res.Classes[retention.SignIns].Acted != 0 {
		t.Errorf("a second run: %+v, %v", res, err)
	}
	e.checkConsistent()
	e.checkFile()
}
