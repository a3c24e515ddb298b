package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func newEntry(n int, scope, action, entityID string) data.AuditEntry {
	at := base.Add(time.Duration(n) * time.Millisecond)
	return data.AuditEntry{
		ID:           data.NewID(at),
		At:           at,
		Actor:        "actor-" + scope,
		Organisation: "org-of-actor-" + scope,
		Scope:        scope,
		Action:       action,
		EntityType:   "interpreter",
		EntityID:     entityID,
	}
}

func testAudit(t *testing.T, s data.Store) {
	ctx := t.Context()
	entries := []data.AuditEntry{
		newEntry(1, "north", "interpreter.created", "int-a"),
		newEntry(2, "north", "interpreter.read_sensitive", "int-b"),
		newEntry(3, "south", "interpreter.updated", "int-a"),
		newEntry(4, data.ScopeRegister, "interpreter.updated", "int-c"),
	}
	for _, e := range entries {
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	if err := s.AppendAudit(ctx, entries[0]); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("AppendAudit with a taken ID: error = %v, want ErrDuplicate", err)
	}
	want := func(idx ...int) []data.AuditEntry {
		var out []data.AuditEntry
		for _, i := range idx {
			e := entries[i]
			e.At = data.Timestamp(e.At)
			out = append(out, e)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    data.AuditQuery
		want []data.AuditEntry
	}{
		{"all, newest first", data.AuditQuery{}, want(3, 2, 1, 0)},
		{"by entity", data.AuditQuery{EntityID: "int-a"}, want(2, 0)},
		{"by scope", data.AuditQuery{Scopes: []string{"north"}}, want(1, 0)},
		{"by two scopes", data.AuditQuery{Scopes: []string{data.ScopeRegister, "north"}}, want(3, 1, 0)},
		{"by entity and scope", data.AuditQuery{EntityID: "int-a", Scopes: []string{"south"}}, want(2)},
		{"by entity and another scope", data.AuditQuery{EntityID: "int-c", Scopes: []string{"north"}}, nil},
		{"unknown entity", data.AuditQuery{EntityID: "int-z"}, nil},
		{"unknown scope", data.AuditQuery{Scopes: []string{"west"}}, nil},
	} {
		page, err := s.ListAudit(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: ListAudit: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, page.Items, cmpOpts); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if page.Next != "" {
			t.Errorf("%s: Next = %q on the only page", tc.name, page.Next)
		}
	}
}

// pageAll follows cursors until the last page, checking each page's size.
func pageAll(t *testing.T, s data.Store, q data.AuditQuery) []string {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListAudit(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > q.Limit || (page.Next != "" && len(page.Items) != q.Limit) {
			t.Fatalf("page of %d items with next %q, limit %d", len(page.Items), page.Next, q.Limit)
		}
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if page.Next == "" {
			return got
		}
		q.Before = page.Next
	}
}

// testAuditPaging pages through one entity's entries while entries of other
// entities and scopes sit between them, so every page must skip records
// that do not match (an index answers; a walk would only be slower).
func testAuditPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	const n = 23
	var want []string
	for i := range n {
		e := newEntry(3*i, "north", "user.created", "u")
		want = append([]string{e.ID}, want...) // newest first
		noise := []data.AuditEntry{newEntry(3*i+1, "north", "user.created", fmt.Sprintf("other-%d", i)), newEntry(3*i+2, "south", "user.created", "u-south")}
		for _, e := range append(noise, e) {
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if diff := cmp.Diff(want, pageAll(t, s, data.AuditQuery{EntityID: "u", Limit: 5})); diff != "" {
		t.Errorf("paged audit IDs (-want +got):\n%s", diff)
	}
}

// testAuditScopesPaging pages through the union of two scopes, with a third
// scope's entries interleaved: the pages are exact and in time order.
func testAuditScopesPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	var want []string
	for i := range 30 {
		scope := []string{"north", data.ScopeRegister, "south"}[i%3]
		e := newEntry(i, scope, "interpreter.updated", fmt.Sprintf("e-%d", i))
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if scope != "south" {
			want = append([]string{e.ID}, want...)
		}
	}
	got := pageAll(t, s, data.AuditQuery{Scopes: []string{"north", data.ScopeRegister}, Limit: 7})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged union of scopes (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc(got, func(a, b string) int { return -cmpString(a, b) }) {
		t.Errorf("not newest first: %v", got)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testChangeLandsWithItsAudit: every write stores its entry with it, a
// refused write stores neither, and an entry whose ID is taken refuses the
// write it describes.
func testChangeLandsWithItsAudit(t *testing.T, s data.Store) {
	ctx := t.Context()
	in := newInterpreter(1, "ti")
	created := interpreterAudit(in, "interpreter.created")
	if err := s.CreateInterpreter(ctx, in, created); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: in.ID})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("audit after create: %v, %v", page.Items, err)
	}
	wantEntry := created
	wantEntry.At = data.Timestamp(wantEntry.At)
	if diff := cmp.Diff(wantEntry, page.Items[0], cmpOpts); diff != "" {
		t.Errorf("stored entry (-want +got):\n%s", diff)
	}

	// An update whose entry reuses a taken ID is refused whole.
	change := in
	change.Name = "Changed"
	if _, err := s.UpdateInterpreter(ctx, change, created); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateInterpreter with a taken audit ID: error = %v, want ErrDuplicate", err)
	}
	if got, _ := s.Interpreter(ctx, in.ID); got.Name != in.Name || got.Version != 1 {
		t.Errorf("an update refused for its audit entry was stored: %q version %d", got.Name, got.Version)
	}
	// A create whose entry reuses a taken ID is refused whole.
	other := newInterpreter(2, "ti")
	if err := s.CreateInterpreter(ctx, other, created); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateInterpreter with a taken audit ID: error = %v, want ErrDuplicate", err)
	}
	if _, err := s.Interpreter(ctx, other.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a create refused for its audit entry was stored: %v", err)
	}

	// A stale update stores no entry.
	if _, err := s.UpdateInterpreter(ctx, change, interpreterAudit(in, "interpreter.updated")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateInterpreter(ctx, change, interpreterAudit(in, "interpreter.updated")); !errors.Is(err, data.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if got := auditActions(t, s, in.ID); !slices.Equal(got, []string{"interpreter.created", "interpreter.updated"}) {
		t.Errorf("audit = %v, want one entry per stored change", got)
	}
}
