package datatest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func newEntry(n int, org, action, entityID string) data.AuditEntry {
	at := base.Add(time.Duration(n) * time.Millisecond)
	return data.AuditEntry{
		ID:           data.NewID(at),
		At:           at,
		Actor:        "actor-" + org,
		Organisation: org,
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
		{"all, newest first", data.AuditQuery{}, want(2, 1, 0)},
		{"by entity", data.AuditQuery{EntityID: "int-a"}, want(2, 0)},
		{"by organisation", data.AuditQuery{Organisation: "north"}, want(1, 0)},
		{"by entity and organisation", data.AuditQuery{EntityID: "int-a", Organisation: "south"}, want(2)},
		{"unknown entity", data.AuditQuery{EntityID: "int-z"}, nil},
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

func testAuditPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	const n = 23
	var ids []string
	for i := range n {
		e := newEntry(i, "north", "user.created", "u")
		ids = append([]string{e.ID}, ids...) // newest first
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	q := data.AuditQuery{EntityID: "u", Limit: 5}
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("paging does not end")
		}
		page, err := s.ListAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 5 {
			t.Fatalf("page of %d items, limit 5", len(page.Items))
		}
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if page.Next == "" {
			break
		}
		q.Before = page.Next
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("paged audit IDs (-want +got):\n%s", diff)
	}
}
