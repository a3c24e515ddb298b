package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	admin := e.north[data.RoleAdmin]
	tests := []struct {
		name  string
		actor data.User
		org   string
		want  app.Kind
		org2  string // the organisation the user lands in
	}{
		{"admin, own organisation", admin, "north", allow, "north"},
		{"admin, organisation defaults to own", admin, "", allow, "north"},
		{"admin, another organisation", admin, "south", app.KindForbidden, ""},
		{"admin, a new organisation", admin, "east", app.KindForbidden, ""},
		{"bootstrap, another organisation", e.boot, "east", allow, "east"},
		{"bootstrap, own organisation", e.boot, "", allow, app.BootstrapOrganisation},
		{"system admin of north, north", app.System("north", data.RoleAdmin), "north", allow, "north"},
		{"system admin of north, south", app.System("north", data.RoleAdmin), "south", app.KindForbidden, ""},
		{"coordinator", e.north[data.RoleCoordinator], "north", app.KindForbidden, ""},
		{"social worker", e.north[data.RoleSocialWorker], "north", app.KindForbidden, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := app.NewUser{Name: "New", Email: "New" + string(rune('a'+i)) + "@Example.org", Role: data.RoleSocialWorker, Organisation: tc.org}
			u, key, err := e.app.CreateUser(t.Context(), tc.actor, in)
			if tc.want != allow {
				wantKind(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Organisation != tc.org2 || u.Email != "new"+string(rune('a'+i))+"@example.org" || u.KeyHash == "" {
				t.Errorf("created %+v", u)
			}
			got, err := e.app.Authenticate(t.Context(), key)
			if err != nil || got.ID != u.ID {
				t.Errorf("Authenticate(new key) = %v, %v", got.ID, err)
			}
			if diff := cmp.Diff([]data.Action{data.ActionUserCreated}, e.actions(u.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateUserRules(t *testing.T) {
	e := newEnv(t)
	admin := e.north[data.RoleAdmin]
	_, _, err := e.app.CreateUser(t.Context(), admin, app.NewUser{Name: "", Email: "not an email", Role: "owner"})
	f := wantKind(t, err, app.KindInvalid)
	var fields []string
	for _, fe := range f.Fields {
		fields = append(fields, fe.Field)
	}
	if diff := cmp.Diff([]string{"name", "email", "role"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	// Emails are unique whatever their case, across organisations.
	_, _, err = e.app.CreateUser(t.Context(), admin, app.NewUser{Name: "Twin", Email: "ADMIN@south.example", Role: data.RoleCoordinator})
	wantCode(t, err, app.KindConflict, "duplicate")
}

func TestListUsers(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name  string
		actor data.User
		org   string
		want  app.Kind
		count int
	}{
		{"admin, own", e.north[data.RoleAdmin], "", allow, 3},
		{"admin, own by name", e.north[data.RoleAdmin], "north", allow, 3},
		{"admin, another", e.north[data.RoleAdmin], "south", app.KindForbidden, 0},
		{"bootstrap, another", e.boot, "south", allow, 3},
		{"bootstrap, own", e.boot, "", allow, 1},
		{"coordinator", e.north[data.RoleCoordinator], "", app.KindForbidden, 0},
		{"social worker", e.north[data.RoleSocialWorker], "", app.KindForbidden, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := e.app.ListUsers(t.Context(), tc.actor, tc.org, "", 0)
			if tc.want != allow {
				wantKind(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tc.count {
				t.Errorf("listed %d users, want %d", len(page.Items), tc.count)
			}
		})
	}
}

// TestManageKeysAccess: who may issue and revoke whose key. Another
// organisation's user is not found, never forbidden.
func TestManageKeysAccess(t *testing.T) {
	ops := map[string]func(*env, data.User, string) error{
		"IssueKey": func(e *env, actor data.User, id string) error {
			_, err := e.app.IssueKey(e.t.Context(), actor, id)
			return err
		},
		"RevokeKey": func(e *env, actor data.User, id string) error {
			return e.app.RevokeKey(e.t.Context(), actor, id)
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			tests := []struct {
				name   string
				actor  data.User
				target string
				want   app.Kind
			}{
				{"admin, own organisation's user", e.north[data.RoleAdmin], e.north[data.RoleSocialWorker].ID, allow},
				{"admin, themselves", e.north[data.RoleAdmin], e.north[data.RoleAdmin].ID, allow},
				{"admin, another organisation's user", e.north[data.RoleAdmin], e.south[data.RoleSocialWorker].ID, app.KindNotFound},
				{"admin, the bootstrap admin", e.north[data.RoleAdmin], app.BootstrapAdminID, app.KindNotFound},
				{"admin, no such user", e.north[data.RoleAdmin], "nobody", app.KindNotFound},
				{"bootstrap, any organisation's user", e.boot, e.south[data.RoleCoordinator].ID, allow},
				{"coordinator", e.north[data.RoleCoordinator], e.north[data.RoleSocialWorker].ID, app.KindForbidden},
				{"social worker, themselves", e.north[data.RoleSocialWorker], e.north[data.RoleSocialWorker].ID, app.KindForbidden},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					err := op(e, tc.actor, tc.target)
					if tc.want == allow {
						if err != nil {
							t.Fatal(err)
						}
						return
					}
					wantKind(t, err, tc.want)
				})
			}
			// Nothing refused changed anyone.
			if got := e.actions(e.south[data.RoleSocialWorker].ID); len(got) != 1 {
				t.Errorf("south's social worker's entries = %v, want only user.created", got)
			}
		})
	}
}

// TestIssueKey: the old key stops, the new one works, the user's sessions
// end, their feeds keep working.
func TestIssueKey(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	signed, err := e.app.SignInWithKey(ctx, e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := e.app.CreateFeed(ctx, sw, app.NewFeed{Scope: data.FeedMine})
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.app.IssueKey(ctx, e.north[data.RoleAdmin], sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Authenticate(ctx, e.keys[sw.ID]); err != app.ErrUnauthenticated {
		t.Errorf("old key: %v, want ErrUnauthenticated", err)
	}
	if u, err := e.app.Authenticate(ctx, key); err != nil || u.ID != sw.ID {
		t.Errorf("new key: %v, %v", u.ID, err)
	}
	_, _, err = e.app.SessionUser(ctx, signed.Token)
	wantKind(t, err, app.KindUnauthenticated)
	if _, err := e.app.RenderFeed(ctx, token, app.FeedConditions{}); err != nil {
		t.Errorf("feed after a new key: %v", err)
	}
	want := []data.Action{data.ActionUserCreated, data.ActionSessionStartedKey, data.ActionKeyIssued, data.ActionSessionRevoked}
	if diff := cmp.Diff(want, e.actions(sw.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRevokeKey: the key, the sessions, the feeds and sign-in through the
// identity provider all end, until a new key is issued; the feeds stay
// revoked.
func TestRevokeKey(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	signed, err := e.app.SignInWithEmail(ctx, coord.Email)
	if err != nil {
		t.Fatal(err)
	}
	feed, token, err := e.app.CreateFeed(ctx, coord, app.NewFeed{Scope: data.FeedOrganisation})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.RevokeKey(ctx, e.north[data.RoleAdmin], coord.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Authenticate(ctx, e.keys[coord.ID]); err != app.ErrUnauthenticated {
		t.Errorf("revoked key: %v", err)
	}
	_, _, err = e.app.SessionUser(ctx, signed.Token)
	wantKind(t, err, app.KindUnauthenticated)
	_, err = e.app.SignInWithEmail(ctx, coord.Email)
	wantKind(t, err, app.KindUnauthenticated)
	_, err = e.app.RenderFeed(ctx, token, app.FeedConditions{})
	wantKind(t, err, app.KindNotFound)
	if diff := cmp.Diff([]data.Action{data.ActionFeedCreated, data.ActionFeedRevoked}, e.actions(feed.ID)); diff != "" {
		t.Errorf("feed audit (-want +got):\n%s", diff)
	}

	key, err := e.app.IssueKey(ctx, e.north[data.RoleAdmin], coord.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Authenticate(ctx, key); err != nil {
		t.Errorf("new key after revocation: %v", err)
	}
	if _, err := e.app.SignInWithEmail(ctx, coord.Email); err != nil {
		t.Errorf("sign-in by email after a new key: %v", err)
	}
	_, err = e.app.RenderFeed(ctx, token, app.FeedConditions{})
	wantKind(t, err, app.KindNotFound)
	e.checkConsistent()
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	for _, key := range []string{"", "tolk_nosuchkey", e.keys[e.north[data.RoleAdmin].ID] + "x"} {
		_, err := e.app.Authenticate(t.Context(), key)
		wantCode(t, err, app.KindUnauthenticated, "unauthenticated")
	}
}

func TestEnsureBootstrapAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	// Again with the same key: nothing changes.
	if err := e.app.EnsureBootstrapAdmin(ctx, bootstrapKey); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]data.Action{data.ActionUserCreated}, e.actions(app.BootstrapAdminID)); diff != "" {
		t.Errorf("audit after a restart (-want +got):\n%s", diff)
	}
	// A new key: the old one stops.
	next := bootstrapKey + "-rotated"
	if err := e.app.EnsureBootstrapAdmin(ctx, next); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Authenticate(ctx, bootstrapKey); err != app.ErrUnauthenticated {
		t.Errorf("old bootstrap key: %v", err)
	}
	if u, err := e.app.Authenticate(ctx, next); err != nil || u.ID != app.BootstrapAdminID || u.Role != data.RoleAdmin {
		t.Errorf("new bootstrap key: %+v, %v", u, err)
	}
	if diff := cmp.Diff([]data.Action{data.ActionUserCreated, data.ActionKeyIssued}, e.actions(app.BootstrapAdminID)); diff != "" {
		t.Errorf("audit after a new key (-want +got):\n%s", diff)
	}
	if err := e.app.EnsureBootstrapAdmin(ctx, "short"); err == nil {
		t.Error("a short bootstrap key was taken")
	}
}

// TestEnsureBootstrapAdminKeyTaken: a bootstrap key that is another
// user's key is refused, with or without a bootstrap admin.
func TestEnsureBootstrapAdminKeyTaken(t *testing.T) {
	const taken = "a-long-key-that-a-user-already-holds-0123"
	user := func(t *testing.T, s data.Store) {
		u := data.User{ID: "u1", Name: "Holder", Email: "holder@north.example", Role: data.RoleCoordinator,
			Organisation: "north", KeyHash: data.HashKey(taken), CreatedAt: testNow, UpdatedAt: testNow}
		ch := data.Audited(data.NewAuditEntry(testNow, app.System("north", ""), "north", data.ActionUserCreated, data.EntityUser, u.ID))
		if err := s.CreateUser(t.Context(), u, ch); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("no bootstrap admin yet", func(t *testing.T) {
		s, err := bolt.Open(t.TempDir() + "/tolk.db")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(t.Context())
		user(t, s)
		a := app.New(app.Config{Store: s})
		if err := a.EnsureBootstrapAdmin(t.Context(), taken); err == nil {
			t.Error("took another user's key")
		}
		if _, err := s.User(t.Context(), app.BootstrapAdminID); err == nil {
			t.Error("a bootstrap admin was made with another user's key")
		}
	})
	t.Run("bootstrap admin exists", func(t *testing.T) {
		e := newEnv(t)
		user(t, e.store)
		if err := e.app.EnsureBootstrapAdmin(t.Context(), taken); err == nil {
			t.Error("took another user's key")
		}
		if _, err := e.app.Authenticate(t.Context(), bootstrapKey); err != nil {
			t.Errorf("the bootstrap admin lost its key: %v", err)
		}
	})
}

// TestBootstrapAdminManagedByNoOne: the bootstrap admin alone works across
// organisations, so no admin of its organisation may take its key (issue
// one, and hold the bootstrap admin's powers) or revoke it.
func TestBootstrapAdminManagedByNoOne(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	// An admin the bootstrap admin made in its own organisation (where a
	// user it creates lands unless it names another).
	local := e.user(e.boot, app.BootstrapOrganisation, data.RoleAdmin, "local")
	key, err := e.app.IssueKey(ctx, local, app.BootstrapAdminID)
	wantKind(t, err, app.KindNotFound)
	if err == nil {
		if u, err := e.app.Authenticate(ctx, key); err == nil {
			_, _, err := e.app.CreateUser(ctx, u, app.NewUser{Name: "Mole", Email: "mole@north.example", Role: data.RoleAdmin, Organisation: "north"})
			t.Logf("with the key it issued itself, %s's admin creates an admin in north: %v", local.Organisation, err)
		}
	}
	wantKind(t, e.app.RevokeKey(ctx, local, app.BootstrapAdminID), app.KindNotFound)
}
