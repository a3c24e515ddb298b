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

func newEntry(n int, scope string, action data.Action, entityID string) data.AuditEntry {
	at := base.Add(time.Duration(n) * time.Millisecond)
	return data.AuditEntry{
		ID:           data.NewID(at),
		At:           at,
		Actor:        "actor-" + scope,
		Organisation: "org-of-actor-" + scope,
		Scope:        scope,
		Action:       action,
		EntityType:   data.EntityInterpreter,
		EntityID:     entityID,
	}
}

func testAudit(t *testing.T, s data.Store) {
	ctx := t.Context()
	entries := []data.AuditEntry{
		newEntry(1, "north", data.ActionInterpreterCreated, "int-a"),
		newEntry(2, "north", data.ActionInterpreterReadSensitive, "int-b"),
		newEntry(3, "south", data.ActionInterpreterUpdated, "int-a"),
		newEntry(4, data.ScopeRegister, data.ActionInterpreterUpdated, "int-c"),
	}
	// One change of one entry, then one change of the other three.
	for _, ch := range []data.Change{data.Audited(entries[0]), data.Audited(entries[1:]...)} {
		if err := s.AppendChange(ctx, ch); err != nil {
			t.Fatalf("AppendChange: %v", err)
		}
	}
	if err := s.AppendChange(ctx, data.Audited(entries[0])); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("AppendChange with a taken ID: error = %v, want ErrDuplicate", err)
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
		{"by actor", data.AuditQuery{Actor: "actor-north"}, want(1, 0)},
		{"by actor before one", data.AuditQuery{Actor: "actor-north", Before: entries[1].ID}, want(0)},
		{"by actor and scope", data.AuditQuery{Actor: "actor-north", Scopes: []string{"south"}}, nil},
		{"unknown actor", data.AuditQuery{Actor: "actor-west"}, nil},
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
	if _, err := s.ListAudit(ctx, data.AuditQuery{Actor: data.ActorSystem}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("entries by the service as actor: %v, want ErrInvalid", err)
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
		e := newEntry(3*i, "north", data.ActionUserCreated, "u")
		want = append([]string{e.ID}, want...) // newest first
		noise := []data.AuditEntry{newEntry(3*i+1, "north", data.ActionUserCreated, fmt.Sprintf("other-%d", i)), newEntry(3*i+2, "south", data.ActionUserCreated, "u-south")}
		for _, e := range append(noise, e) {
			if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
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
		e := newEntry(i, scope, data.ActionInterpreterUpdated, fmt.Sprintf("e-%d", i))
		if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
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

// testNewestAudit: the mark of the newest entries of some scopes is that
// of what ListAudit lists first for them, the same through another
// instance, and moves with every entry landing in one of the scopes, not
// with one landing elsewhere; bad arguments are ErrInvalid.
func testNewestAudit(t *testing.T, newDB func() data.Store) {
	ctx := t.Context()
	writer, reader := newDB(), newDB()
	scopes := []string{"north", data.ScopeRegister}
	mark := func(step string) data.AuditMark {
		t.Helper()
		got, err := reader.NewestAudit(ctx, scopes, 5)
		if err != nil {
			t.Fatalf("%s: NewestAudit: %v", step, err)
		}
		page, err := reader.ListAudit(ctx, data.AuditQuery{Scopes: scopes, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if want := data.MarkOf(page.Items); got != want {
			t.Errorf("%s: NewestAudit %x (latest %v), the listing's %x (latest %v)", step, got.Digest[:4], got.Latest, want.Digest[:4], want.Latest)
		}
		if again, err := writer.NewestAudit(ctx, scopes, 5); err != nil || again != got {
			t.Errorf("%s: the other instance marks %x, %v", step, again.Digest[:4], err)
		}
		return got
	}
	none := mark("no entries")
	if none.Latest != (time.Time{}) {
		t.Errorf("no entries: latest %v", none.Latest)
	}
	var last data.AuditMark
	for i := range 8 {
		e := newEntry(i, scopes[i%2], data.ActionInterpreterUpdated, fmt.Sprintf("e-%d", i))
		if err := writer.AppendChange(ctx, data.Audited(e)); err != nil {
			t.Fatal(err)
		}
		m := mark(fmt.Sprintf("entry %d", i))
		if m == last || !m.Latest.Equal(data.Timestamp(e.At)) {
			t.Errorf("entry %d: the mark did not move to it (latest %v, want %v)", i, m.Latest, e.At)
		}
		last = m
	}
	if err := writer.AppendChange(ctx, data.Audited(newEntry(9, "south", data.ActionInterpreterUpdated, "e-9"))); err != nil {
		t.Fatal(err)
	}
	if m := mark("an entry elsewhere"); m != last {
		t.Error("an entry in another scope moved the mark")
	}
	for _, bad := range []struct {
		scopes []string
		n      int
	}{{nil, 5}, {scopes, 0}, {scopes, data.MaxPageSize + 1}} {
		if _, err := reader.NewestAudit(ctx, bad.scopes, bad.n); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("NewestAudit(%v, %d): %v, want ErrInvalid", bad.scopes, bad.n, err)
		}
	}
}
