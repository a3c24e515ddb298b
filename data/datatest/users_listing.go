package datatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testUserByEmail: a user is found by its email, normalised or as typed,
// and after a key replacement; an unknown email finds no one.
func testUserByEmail(t *testing.T, s data.Store) {
	ctx := t.Context()
	a, b := newUser(1, data.RoleCoordinator, "north"), newUser(2, data.RoleSocialWorker, "south")
	for _, u := range []data.User{a, b} {
		if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range []string{b.Email, " " + strings.ToUpper(b.Email) + "\n"} {
		got, err := s.UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("UserByEmail(%q): %v", email, err)
		}
		if diff := cmp.Diff(stored(b), got, cmpOpts); diff != "" {
			t.Errorf("UserByEmail(%q) (-want +got):\n%s", email, diff)
		}
	}
	newHash := data.HashKey("a's new key")
	if _, err := s.UpdateUser(ctx, a.ID, setKey(newHash, false, data.ActionKeyIssued)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByEmail(ctx, a.Email); err != nil || got.ID != a.ID || got.KeyHash != newHash {
		t.Errorf("UserByEmail after a key replacement = %+v, %v; want %s with its new key", got, err, a.ID)
	}
	for _, email := range []string{"nobody@example.org", "user1@example.org.uk", ""} {
		if _, err := s.UserByEmail(ctx, email); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("UserByEmail(%q): %v, want ErrNotFound", email, err)
		}
	}
}

// testUserPaging pages through each organisation's users, three at a
// time, while users of other organisations (one whose name extends
// another's) sit between them in ID order.
func testUserPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	orgs := []string{"north", "north-east", "south"}
	want := map[string][]data.User{}
	for i := range 17 {
		org := orgs[i%len(orgs)]
		if i%5 == 4 {
			org = "north" // uneven: north gets more
		}
		u := newUser(i, data.RoleSocialWorker, org)
		if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
		want[org] = append(want[org], stored(u))
	}
	// A key replacement rewrites the record: it is still listed, once.
	moved := want["south"][1]
	moved.KeyHash = data.HashKey("moved's new key")
	if _, err := s.UpdateUser(ctx, moved.ID, setKey(moved.KeyHash, false, data.ActionKeyIssued)); err != nil {
		t.Fatal(err)
	}
	want["south"][1] = moved
	for _, org := range orgs {
		slices.SortFunc(want[org], func(a, b data.User) int { return cmpString(a.ID, b.ID) })
		if len(want[org]) < 4 {
			t.Fatalf("%s has %d users; the fixture should give it more than a page", org, len(want[org]))
		}
		var got []data.User
		q := data.UserQuery{Organisation: org, Limit: 3}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			page, err := s.ListUsers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) > 3 || (page.Next != "" && len(page.Items) != 3) {
				t.Fatalf("%s: page of %d with next %q, limit 3", org, len(page.Items), page.Next)
			}
			got = append(got, page.Items...)
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if diff := cmp.Diff(want[org], got, cmpOpts); diff != "" {
			t.Errorf("paged users of %s (-want +got):\n%s", org, diff)
		}
	}
	if page, err := s.ListUsers(ctx, data.UserQuery{Organisation: "west"}); err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Errorf("ListUsers of an organisation without users: %v, %q, %v", page.Items, page.Next, err)
	}
	if _, err := s.ListUsers(ctx, data.UserQuery{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("ListUsers without an organisation: %v, want ErrInvalid", err)
	}
}

// testUsersByRole pages, two at a time, through one role's users in every
// organisation and in one, while users of other roles and organisations
// sit between them in ID order; a change of role moves a user from one
// listing to the other.
func testUsersByRole(t *testing.T, s data.Store) {
	ctx := t.Context()
	orgs := []string{"north", "north-east", "south"}
	roles := []data.Role{data.RoleCoordinator, data.RoleSocialWorker, data.RoleAdmin}
	var all []data.User
	for i := range 20 {
		u := newUser(i, roles[(i/2)%len(roles)], orgs[i%len(orgs)])
		if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
		all = append(all, stored(u))
	}
	// One coordinator of north becomes an admin (no action of package data
	// names a change of role yet: the store only needs one).
	i := slices.IndexFunc(all, func(u data.User) bool { return u.Role == data.RoleCoordinator && u.Organisation == "north" })
	all[i].Role = data.RoleAdmin
	if _, err := s.UpdateUser(ctx, all[i].ID, to(all[i], userChange(all[i], "user.role_changed"))); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b data.User) int { return cmpString(a.ID, b.ID) })
	for _, q := range []data.UserQuery{
		{Role: data.RoleCoordinator},
		{Role: data.RoleAdmin},
		{Role: data.RoleSocialWorker},
		{Role: data.RoleInterpreter},
		{Role: data.RoleCoordinator, Organisation: "north"},
		{Role: data.RoleAdmin, Organisation: "north"},
		{Role: data.RoleSocialWorker, Organisation: "south"},
		{Role: data.RoleAdmin, Organisation: "west"},
	} {
		var want []data.User
		for _, u := range all {
			if u.Role == q.Role && (q.Organisation == "" || u.Organisation == q.Organisation) {
				want = append(want, u)
			}
		}
		what := fmt.Sprintf("users of %+v", q)
		got := pageThrough(t, what, 2, func(cursor string) (data.Page[data.User], error) {
			q.After, q.Limit = cursor, 2
			return s.ListUsers(ctx, q)
		})
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
}
