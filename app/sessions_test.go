package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

func TestSignInWithKey(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	signed, err := e.app.SignInWithKey(ctx, e.keys[coord.ID])
	if err != nil {
		t.Fatal(err)
	}
	want := data.Session{ID: data.HashKey(signed.Token), UserID: coord.ID, Organisation: "north", Method: app.SignInKey,
		CreatedAt: testNow, LastSeen: testNow, ExpiresAt: testNow.Add(app.SessionAbsolute)}
	if diff := cmp.Diff(want, signed.Session); diff != "" || signed.User.ID != coord.ID {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	if stored, err := e.store.Session(ctx, signed.Session.ID); err != nil || !cmp.Equal(stored, want) {
		t.Errorf("stored %+v, %v", stored, err)
	}
	if diff := cmp.Diff([]data.Action{data.ActionUserCreated, data.ActionSessionStartedKey}, e.actions(coord.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	for _, key := range []string{"", "tolk_wrong"} {
		_, err := e.app.SignInWithKey(ctx, key)
		wantKind(t, err, app.KindUnauthenticated)
	}
}

// TestSignInWithEmail: a verified email of a user signs in, whatever its
// case; an unknown email or a revoked user does not, audited.
func TestSignInWithEmail(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	signed, err := e.app.SignInWithEmail(ctx, "  Social_Worker@NORTH.example ")
	if err != nil {
		t.Fatal(err)
	}
	if signed.User.ID != sw.ID || signed.Session.Method != app.SignInOIDC {
		t.Errorf("signed in %s by %s", signed.User.ID, signed.Session.Method)
	}

	_, err = e.app.SignInWithEmail(ctx, "stranger@north.example")
	wantKind(t, err, app.KindUnauthenticated)
	page, err := e.store.ListAudit(ctx, data.AuditQuery{Scopes: []string{app.ScopeSecurity}})
	if err != nil || len(page.Items) != 1 || page.Items[0].Action != data.ActionSignInFailedOIDC || page.Items[0].Actor != data.ActorSystem {
		t.Errorf("security entries %+v, %v; want one failed sign-in by the system", page.Items, err)
	}

	if err := e.app.RevokeKey(ctx, e.north[data.RoleAdmin], sw.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.app.SignInWithEmail(ctx, sw.Email)
	wantKind(t, err, app.KindUnauthenticated)
	actions := e.actions(sw.ID)
	if last := actions[len(actions)-1]; last != data.ActionSignInFailedOIDC {
		t.Errorf("the revoked user's last entry is %s, want %s", last, data.ActionSignInFailedOIDC)
	}
}

func TestAuditFailedSignIn(t *testing.T) {
	e := newEnv(t)
	e.app.AuditFailedSignIn(t.Context(), app.SignInKey)
	page, err := e.store.ListAudit(t.Context(), data.AuditQuery{Scopes: []string{app.ScopeSecurity}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("security entries %+v, %v", page.Items, err)
	}
	if a := page.Items[0]; a.Action != data.ActionSignInFailedKey || a.EntityID != "unknown" || a.Actor != data.ActorSystem {
		t.Errorf("entry %+v", a)
	}
}

// TestSessionUser: a session lives while used within SessionIdle, never
// past SessionAbsolute, and ends with its user's access.
func TestSessionUser(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	signIn := func() string {
		s, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	live := func(token string) error {
		_, _, err := e.app.SessionUser(ctx, token)
		return err
	}

	token := signIn()
	for _, step := range []time.Duration{20 * time.Minute, 25 * time.Minute, 29 * time.Minute} {
		e.now = e.now.Add(step) // each request within the idle time of the last
		if err := live(token); err != nil {
			t.Fatalf("after %v: %v", step, err)
		}
	}
	if s, _ := e.store.Session(ctx, data.HashKey(token)); !s.LastSeen.Equal(e.now) {
		t.Errorf("LastSeen %v, want %v", s.LastSeen, e.now)
	}
	e.now = e.now.Add(app.SessionIdle)
	wantKind(t, live(token), app.KindUnauthenticated)

	e.now = testNow
	token = signIn()
	for at := 25 * time.Minute; at < app.SessionAbsolute; at += 25 * time.Minute {
		e.now = testNow.Add(at)
		if err := live(token); err != nil {
			t.Fatalf("used every 25 minutes, at %v: %v", at, err)
		}
	}
	e.now = testNow.Add(app.SessionAbsolute)
	wantKind(t, live(token), app.KindUnauthenticated)

	e.now = testNow
	token = signIn()
	if err := e.app.RevokeKey(ctx, e.north[data.RoleAdmin], sw.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, live(token), app.KindUnauthenticated)
	for _, token := range []string{"", "tolkweb_nosuchsession"} {
		wantKind(t, live(token), app.KindUnauthenticated)
	}
}

// TestSignOut: signing out ends the session; again, or with no session,
// is harmless.
func TestSignOut(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	signed, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{signed.Token, signed.Token, "", "tolkweb_nosuchsession"} {
		if err := e.app.SignOut(ctx, token); err != nil {
			t.Errorf("SignOut(%q): %v", token, err)
		}
	}
	_, _, err = e.app.SessionUser(ctx, signed.Token)
	wantKind(t, err, app.KindUnauthenticated)
	want := []data.Action{data.ActionUserCreated, data.ActionSessionStartedKey, data.ActionSessionEnded}
	if diff := cmp.Diff(want, e.actions(sw.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestExpiredSessionsSwept: a sign-in ends the user's own sessions that
// timed out without a sign-out, as the system.
func TestExpiredSessionsSwept(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	old, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.app.SignInWithKey(ctx, e.keys[e.north[data.RoleCoordinator].ID])
	if err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(app.SessionIdle + time.Minute)
	if _, err := e.app.SignInWithKey(ctx, e.keys[sw.ID]); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.store.Session(ctx, old.Session.ID); !s.Ended() {
		t.Error("the idle session was not ended")
	}
	if s, _ := e.store.Session(ctx, other.Session.ID); s.Ended() {
		t.Error("another user's session was ended")
	}
	page, err := e.store.ListAudit(ctx, data.AuditQuery{EntityID: sw.ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var expired bool
	for _, a := range page.Items {
		expired = expired || (a.Action == data.ActionSessionExpired && a.Actor == data.ActorSystem)
	}
	if !expired {
		t.Errorf("newest entries %+v, want a session.expired by the system", page.Items)
	}
}

// TestSignInWithEmailFoldsNoFurther: an identity provider's address
// matches a user's as mail providers compare them, no more loosely: the
// Kelvin sign (U+212A) is not K, and ß is not ss.
func TestSignInWithEmailFoldsNoFurther(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	kim := e.user(e.north[data.RoleAdmin], "north", data.RoleCoordinator, "kim")
	strasse := e.user(e.north[data.RoleAdmin], "north", data.RoleCoordinator, "strasse")
	for _, email := range []string{"\u212Aim@north.example", "\u212AIM@NORTH.EXAMPLE", "straße@north.example", "STRAßE@north.example"} {
		if signed, err := e.app.SignInWithEmail(ctx, email); err == nil {
			t.Errorf("%+q signed in as %s", email, signed.User.Email)
		} else {
			wantKind(t, err, app.KindUnauthenticated)
		}
	}
	for email, want := range map[string]string{"KIM@North.Example": kim.ID, "STRASSE@north.EXAMPLE": strasse.ID} {
		if signed, err := e.app.SignInWithEmail(ctx, email); err != nil || signed.User.ID != want {
			t.Errorf("%s: signed in as %+v, %v", email, signed.User, err)
		}
	}
}
