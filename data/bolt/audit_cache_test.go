package bolt

import (
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// The newest entries of a scope are kept between writes, and every write
// is seen by the next read: a feed's ETag never stays on an old value.
func TestNewestOfScopesNeverStale(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	actor := data.User{ID: "u-1", Organisation: "north"}
	add := func(scope string) data.AuditEntry {
		at = at.Add(time.Millisecond)
		e := data.NewAuditEntry(at, actor, scope, data.ActionBookingCreated, data.EntityBooking, "b-1")
		if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
			t.Fatal(err)
		}
		return e
	}
	newest := func() string {
		page, err := s.ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: 3})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("ListAudit: %d items, %v", len(page.Items), err)
		}
		return page.Items[0].ID
	}
	for range 5 {
		add("north")
	}
	first := newest()
	if again := newest(); again != first {
		t.Fatalf("two reads without a write disagree: %s, %s", first, again)
	}
	add("south") // another scope: the north listing is the same, read again
	if got := newest(); got != first {
		t.Errorf("a write in another scope changed the newest north entry to %s", got)
	}
	e := add("north")
	if got := newest(); got != e.ID {
		t.Errorf("after a write, the newest north entry is %s, want %s", got, e.ID)
	}
	// The page and its cursor are those of the uncached path.
	page, err := s.ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := s.ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: 3, Before: page.Next})
	if err != nil || len(page.Items) != 3 || len(rest.Items) != 3 || rest.Items[0].ID >= page.Items[2].ID {
		t.Errorf("pages: %d then %d items (next %q), %v", len(page.Items), len(rest.Items), page.Next, err)
	}
	// A caller changing what it got changes nothing kept.
	page.Items[0].Action = "tampered"
	if again, _ := s.ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}, Limit: 3}); again.Items[0].Action == "tampered" {
		t.Error("a caller's change reached the kept listing")
	}
}
