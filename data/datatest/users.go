package datatest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func testUsers(t *testing.T, s data.Store) {
	ctx := t.Context()
	u := newUser(1, data.RoleCoordinator, "north")
	if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if got := auditActions(t, s, u.ID); !slices.Equal(got, []data.Action{data.ActionUserCreated}) {
		t.Errorf("audit of a created user = %v, want [user.created]", got)
	}
	got, err := s.User(ctx, u.ID)
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	if diff := cmp.Diff(stored(u), got, cmpOpts); diff != "" {
		t.Errorf("User round trip (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}
	if _, err := s.User(ctx, "no-such-user"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("User(unknown) error = %v, want ErrNotFound", err)
	}
}

func testUserUniqueness(t *testing.T, s data.Store) {
	ctx := t.Context()
	first := newUser(1, data.RoleAdmin, "default")
	if err := s.CreateUser(ctx, first, userChange(first, data.ActionUserCreated)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	sameID := newUser(2, data.RoleAdmin, "default")
	sameID.ID = first.ID
	sameEmail := newUser(3, data.RoleAdmin, "default")
	sameEmail.Email = first.Email
	sameKey := newUser(4, data.RoleAdmin, "default")
	sameKey.KeyHash = first.KeyHash
	for name, u := range map[string]data.User{"id": sameID, "email": sameEmail, "key hash": sameKey} {
		entry := userAudit(u, data.ActionUserCreated)
		entry.EntityID = "refused-" + name
		if err := s.CreateUser(ctx, u, data.Audited(entry)); !errors.Is(err, data.ErrDuplicate) {
			t.Errorf("CreateUser with a taken %s: error = %v, want ErrDuplicate", name, err)
		}
		if u.ID != first.ID {
			if _, err := s.User(ctx, u.ID); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("after a refused create (taken %s), User = %v, want ErrNotFound: nothing half-written", name, err)
			}
		}
		if got := auditActions(t, s, entry.EntityID); len(got) != 0 {
			t.Errorf("a refused create (taken %s) left its audit entry", name)
		}
		if _, err := s.UserByKeyHash(ctx, u.KeyHash); u.KeyHash != first.KeyHash && !errors.Is(err, data.ErrNotFound) {
			t.Errorf("after a refused create (taken %s), its key works: %v", name, err)
		}
	}
	got, err := s.User(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored(first), got, cmpOpts); diff != "" {
		t.Errorf("first user changed by refused creates (-want +got):\n%s", diff)
	}
}

func testUserKeys(t *testing.T, s data.Store) {
	ctx := t.Context()
	a, b := newUser(1, data.RoleCoordinator, "north"), newUser(2, data.RoleSocialWorker, "north")
	for _, u := range []data.User{a, b} {
		if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UserByKeyHash(ctx, b.KeyHash)
	if err != nil || got.ID != b.ID {
		t.Fatalf("UserByKeyHash(b) = %v, %v; want user %s", got.ID, err, b.ID)
	}
	if _, err := s.UserByKeyHash(ctx, data.HashKey("nobody's key")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UserByKeyHash(unknown) error = %v, want ErrNotFound", err)
	}

	// A new key stops the old one at once.
	newHash := data.HashKey("a's new key")
	updated, err := s.UpdateUser(ctx, a.ID, setKey(newHash, false, data.ActionKeyIssued))
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if updated.KeyHash != newHash || updated.Email != a.Email {
		t.Errorf("UpdateUser returned %+v", updated)
	}
	if _, err := s.UserByKeyHash(ctx, a.KeyHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("old key still finds the user: %v", err)
	}
	if got, err := s.UserByKeyHash(ctx, newHash); err != nil || got.ID != a.ID {
		t.Errorf("new key: %v, %v", got.ID, err)
	}
	if got := auditActions(t, s, a.ID); !slices.Equal(got, []data.Action{data.ActionUserCreated, data.ActionKeyIssued}) {
		t.Errorf("audit after a key replacement = %v", got)
	}
	// Revoking marks the user's access ended; a new key restores it.
	revokedHash := data.HashKey("nobody is given this one")
	if got, err := s.UpdateUser(ctx, a.ID, setKey(revokedHash, true, data.ActionKeyRevoked)); err != nil || !got.AccessRevoked {
		t.Fatalf("UpdateUser(revoked) = %+v, %v; want AccessRevoked", got, err)
	}
	if got, err := s.User(ctx, a.ID); err != nil || !got.AccessRevoked {
		t.Errorf("after a revocation User = %+v, %v; want AccessRevoked stored", got, err)
	}
	if got, err := s.UserByEmail(ctx, a.Email); err != nil || !got.AccessRevoked {
		t.Errorf("after a revocation UserByEmail = %+v, %v; want AccessRevoked", got, err)
	}
	if got, err := s.UpdateUser(ctx, a.ID, setKey(newHash, false, data.ActionKeyIssued)); err != nil || got.AccessRevoked {
		t.Fatalf("UpdateUser after a revocation = %+v, %v; want access restored", got, err)
	}
	if got, err := s.User(ctx, a.ID); err != nil || got.AccessRevoked {
		t.Errorf("after a new key User = %+v, %v; want AccessRevoked cleared", got, err)
	}
	// Another user's key hash or email is refused, writing nothing.
	if _, err := s.UpdateUser(ctx, a.ID, setKey(b.KeyHash, false, data.ActionKeyIssued)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateUser to b's key hash: error = %v, want ErrDuplicate", err)
	}
	if got, err := s.UserByKeyHash(ctx, b.KeyHash); err != nil || got.ID != b.ID {
		t.Errorf("after a refused key replacement, b's key finds %v, %v", got.ID, err)
	}
	if _, err := s.UpdateUser(ctx, a.ID, func(u data.User) (data.User, data.Change, error) {
		u.Email = b.Email
		return u, userChange(u, data.ActionKeyIssued), nil
	}); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateUser to b's email: error = %v, want ErrDuplicate", err)
	}
	if got, err := s.UserByEmail(ctx, b.Email); err != nil || got.ID != b.ID {
		t.Errorf("after a refused email change, b's email finds %v, %v", got.ID, err)
	}
	if got, err := s.UserByKeyHash(ctx, newHash); err != nil || got.ID != a.ID || got.Email != a.Email {
		t.Errorf("after the refused updates, a is %+v, %v; want it unchanged", got, err)
	}
	if got := auditActions(t, s, a.ID); len(got) != 4 {
		t.Errorf("a refused update was audited: %v", got)
	}
	called := false
	if _, err := s.UpdateUser(ctx, "no-such-user", func(u data.User) (data.User, data.Change, error) {
		called = true
		return u, userChange(u, data.ActionKeyIssued), nil
	}); !errors.Is(err, data.ErrNotFound) || called {
		t.Errorf("UpdateUser(unknown) error = %v, want ErrNotFound (its function called: %v)", err, called)
	}
}

// setKey is the update function that gives a user a new key hash and
// sets its AccessRevoked, as issuing and revoking keys do.
func setKey(keyHash string, revoked bool, action data.Action) data.Update[data.User] {
	return func(u data.User) (data.User, data.Change, error) {
		u.KeyHash, u.AccessRevoked = keyHash, revoked
		return u, userChange(u, action), nil
	}
}

// testConcurrentUserCreates races writers through two store instances for
// one email: exactly one create may win.
func testConcurrentUserCreates(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := []data.Store{open(), open()}
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			u := newUser(100+i, data.RoleSocialWorker, "north")
			u.Email = "contested@example.org"
			errs[i] = stores[i%2].CreateUser(ctx, u, userChange(u, data.ActionUserCreated))
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, data.ErrDuplicate):
			t.Errorf("losing create: error = %v, want ErrDuplicate", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d creates won the same email, want exactly 1", wins)
	}
	page, err := stores[1].ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Errorf("%d audit entries after one winning create, want 1", len(page.Items))
	}
}

// testInterpreterUsers: a user linked to an interpreter record keeps the
// link, however it is found; a second user linked to the same record is
// refused (ErrDuplicate), in any organisation, writing nothing, and of
// many racing for one record through two instances exactly one lands;
// users linked to nothing never collide; an update keeping the link
// keeps the record.
func testInterpreterUsers(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	s := stores[0]
	u := newUser(1, data.RoleInterpreter, "north")
	u.InterpreterID = "int-1"
	if err := u.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for how, get := range map[string]func() (data.User, error){
		"User":          func() (data.User, error) { return s.User(ctx, u.ID) },
		"UserByKeyHash": func() (data.User, error) { return s.UserByKeyHash(ctx, u.KeyHash) },
		"UserByEmail":   func() (data.User, error) { return s.UserByEmail(ctx, u.Email) },
		"UserByInterpreter": func() (data.User, error) {
			return s.UserByInterpreter(ctx, u.InterpreterID)
		},
	} {
		if got, err := get(); err != nil || !cmp.Equal(stored(u), got, cmpOpts) {
			t.Errorf("%s: %v (-want +got):\n%s", how, err, cmp.Diff(stored(u), got, cmpOpts))
		}
	}

	twin := newUser(2, data.RoleInterpreter, "south")
	twin.InterpreterID = u.InterpreterID
	if err := s.CreateUser(ctx, twin, userChange(twin, data.ActionUserCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a second user of int-1: %v, want ErrDuplicate", err)
	}
	if _, err := s.User(ctx, twin.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the refused user was stored: %v", err)
	}
	if _, err := s.UserByInterpreter(ctx, "int-nobody"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the user of an interpreter nobody is linked to: %v, want ErrNotFound", err)
	}
	if _, err := s.UserByKeyHash(ctx, twin.KeyHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the refused user's key works: %v", err)
	}
	if _, err := s.UserByEmail(ctx, twin.Email); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the refused user's email finds a user: %v", err)
	}
	if got := auditActions(t, s, twin.ID); len(got) != 0 {
		t.Errorf("the refused user was audited: %v", got)
	}
	other := newUser(3, data.RoleInterpreter, "north")
	other.InterpreterID = "int-2"
	for _, v := range []data.User{other, newUser(4, data.RoleCoordinator, "north"), newUser(5, data.RoleSocialWorker, "north")} {
		if err := s.CreateUser(ctx, v, userChange(v, data.ActionUserCreated)); err != nil {
			t.Errorf("CreateUser(%s, linked to %q): %v", v.Role, v.InterpreterID, err)
		}
	}

	errs := raceN(stores, 8, func(s data.Store, i int) error {
		v := newUser(100+i, data.RoleInterpreter, "north")
		v.InterpreterID = "int-3"
		return s.CreateUser(ctx, v, userChange(v, data.ActionUserCreated))
	})
	onlyWinner(t, errs, func(err error) bool { return errors.Is(err, data.ErrDuplicate) })

	updated, err := stores[1].UpdateUser(ctx, u.ID, setKey(data.HashKey("a new key"), false, data.ActionKeyIssued))
	if err != nil || updated.InterpreterID != u.InterpreterID {
		t.Errorf("a new key for the interpreter's user: %+v, %v", updated, err)
	}
	if err := s.CreateUser(ctx, twin, userChange(twin, data.ActionUserCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a second user of int-1 after the update: %v, want ErrDuplicate", err)
	}
}
