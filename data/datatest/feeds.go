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

// runFeeds runs the conformance tests of calendar feeds.
func runFeeds(t *testing.T, newDB NewDatabase) {
	t.Run("Feeds", func(t *testing.T) { testFeeds(t, newDB(t)()) })
	t.Run("FeedUniqueness", func(t *testing.T) { testFeedUniqueness(t, newDB(t)()) })
	t.Run("FeedRevocation", func(t *testing.T) { testFeedRevocation(t, newDB(t)()) })
	t.Run("FeedPaging", func(t *testing.T) { testFeedPaging(t, newDB(t)()) })
	t.Run("FeedPoll", func(t *testing.T) { testFeedPoll(t, newDB(t)) })
}

// newFeed is a working feed of one interpreter's bookings in north, owned
// by owner, with a token of its own.
func newFeed(n int, owner string) data.Feed {
	now := base.Add(time.Duration(n) * time.Millisecond)
	return data.Feed{
		ID: data.NewID(now), Organisation: "north", Owner: owner, Scope: data.FeedInterpreter, InterpreterID: "int-1",
		TokenHash: data.HashKey(fmt.Sprintf("feed-token-%d", n)), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

// storedFeed returns f as a store gives it back: times in UTC, to the millisecond.
func storedFeed(f data.Feed) data.Feed {
	f.RevokedAt = data.Timestamp(f.RevokedAt)
	f.CreatedAt, f.UpdatedAt = data.Timestamp(f.CreatedAt), data.Timestamp(f.UpdatedAt)
	return f
}

func feedAudit(f data.Feed, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, f.Organisation, action, data.EntityFeed, f.ID)
}

func feedChange(f data.Feed, action data.Action) data.Change {
	return data.Audited(feedAudit(f, action))
}

// revoke is the update function that revokes a working feed at at, and
// refuses, with errRevoked, one already revoked.
func revoke(at time.Time) data.Update[data.Feed] {
	return func(f data.Feed) (data.Feed, data.Change, error) {
		if f.Revoked() {
			return f, data.Change{}, errRevoked
		}
		f.RevokedAt, f.UpdatedAt = at, at
		return f, feedChange(f, data.ActionFeedRevoked), nil
	}
}

// errRevoked is revoke's refusal.
var errRevoked = errors.New("the feed is already revoked")

func createFeed(t *testing.T, s data.Store, f data.Feed) {
	t.Helper()
	if err := s.CreateFeed(t.Context(), f, feedChange(f, data.ActionFeedCreated)); err != nil {
		t.Fatalf("CreateFeed: %v", err)
	}
}

// testFeeds: every field round-trips, RevokedAt zero and set; a feed is
// found by its ID and by its token hash, an unknown one by neither.
func testFeeds(t *testing.T, s data.Store) {
	ctx := t.Context()
	working := newFeed(1, "sw-1")
	revoked := newFeed(2, "sw-1")
	revoked.Scope, revoked.InterpreterID = data.FeedMine, ""
	revoked.RevokedAt = base.Add(time.Hour) // nanoseconds and a zone: normalised
	for _, f := range []data.Feed{working, revoked} {
		createFeed(t, s, f)
		for how, get := range map[string]func() (data.Feed, error){
			"Feed":            func() (data.Feed, error) { return s.Feed(ctx, f.ID) },
			"FeedByTokenHash": func() (data.Feed, error) { return s.FeedByTokenHash(ctx, f.TokenHash) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s(%s): %v", how, f.ID, err)
			}
			if diff := cmp.Diff(storedFeed(f), got, cmpOpts); diff != "" {
				t.Errorf("%s round trip (-want +got):\n%s", how, diff)
			}
			if got.Revoked() != !f.RevokedAt.IsZero() {
				t.Errorf("%s(%s).Revoked() = %v", how, f.ID, got.Revoked())
			}
			if got.CreatedAt.Location() != time.UTC || (got.Revoked() && got.RevokedAt.Location() != time.UTC) {
				t.Errorf("%s(%s): times in %v and %v, want UTC", how, f.ID, got.CreatedAt.Location(), got.RevokedAt.Location())
			}
		}
		if got := auditActions(t, s, f.ID); !slices.Equal(got, []data.Action{data.ActionFeedCreated}) {
			t.Errorf("audit of a created feed = %v, want [feed.created]", got)
		}
	}
	if _, err := s.Feed(ctx, "no-such-feed"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Feed(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.FeedByTokenHash(ctx, data.HashKey("nobody's token")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("FeedByTokenHash(unknown): %v, want ErrNotFound", err)
	}
}

// testFeedUniqueness: a taken ID or token hash refuses a create, and a
// token hash another feed holds refuses an update, writing nothing and no
// audit entry; a feed without a token hash is invalid.
func testFeedUniqueness(t *testing.T, s data.Store) {
	ctx := t.Context()
	first := newFeed(1, "sw-1")
	createFeed(t, s, first)
	sameID := newFeed(2, "sw-2")
	sameID.ID = first.ID
	sameToken := newFeed(3, "sw-2")
	sameToken.TokenHash = first.TokenHash
	for name, f := range map[string]data.Feed{"id": sameID, "token hash": sameToken} {
		entry := feedAudit(f, data.ActionFeedCreated)
		entry.EntityID = "refused-" + name
		if err := s.CreateFeed(ctx, f, data.Audited(entry)); !errors.Is(err, data.ErrDuplicate) {
			t.Errorf("CreateFeed with a taken %s: %v, want ErrDuplicate", name, err)
		}
		if f.ID != first.ID {
			if _, err := s.Feed(ctx, f.ID); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("a create refused for its %s was stored: %v", name, err)
			}
		}
		if f.TokenHash != first.TokenHash {
			if _, err := s.FeedByTokenHash(ctx, f.TokenHash); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("a create refused for its %s left its token: %v", name, err)
			}
		}
		if got := auditActions(t, s, entry.EntityID); len(got) != 0 {
			t.Errorf("a create refused for its %s was audited: %v", name, got)
		}
	}
	if page, err := s.ListFeeds(ctx, data.FeedQuery{Owner: "sw-2"}); err != nil || len(page.Items) != 0 {
		t.Errorf("refused creates are listed: %v, %v", page.Items, err)
	}

	second := newFeed(4, "sw-1")
	createFeed(t, s, second)
	taking := second
	taking.TokenHash = first.TokenHash
	if _, err := s.UpdateFeed(ctx, second.ID, to(taking, feedChange(second, data.ActionFeedRevoked))); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateFeed to a token hash another feed holds: %v, want ErrDuplicate", err)
	}
	for _, f := range []data.Feed{first, second} {
		if got, err := s.FeedByTokenHash(ctx, f.TokenHash); err != nil || !cmp.Equal(storedFeed(f), got, cmpOpts) {
			t.Errorf("after the refused writes, %s's token finds %+v, %v", f.ID, got, err)
		}
	}
	if got := auditActions(t, s, second.ID); !slices.Equal(got, []data.Action{data.ActionFeedCreated}) {
		t.Errorf("a refused update was audited: %v", got)
	}

	blank := newFeed(5, "sw-1")
	blank.TokenHash = ""
	if err := s.CreateFeed(ctx, blank, feedChange(blank, data.ActionFeedCreated)); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("CreateFeed without a token hash: %v, want ErrInvalid", err)
	}
}

// testFeedRevocation: UpdateFeed revokes once, by revoke's rule; the
// revoked feed keeps its token hash, so its token finds it, revoked.
func testFeedRevocation(t *testing.T, s data.Store) {
	ctx := t.Context()
	f := newFeed(1, "sw-1")
	createFeed(t, s, f)
	when := base.Add(2 * time.Hour)
	got, err := s.UpdateFeed(ctx, f.ID, revoke(when))
	if err != nil {
		t.Fatalf("UpdateFeed: %v", err)
	}
	want := f
	want.RevokedAt, want.UpdatedAt, want.Version = when, when, 2
	want = storedFeed(want)
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("UpdateFeed result (-want +got):\n%s", diff)
	}
	if _, err := s.UpdateFeed(ctx, f.ID, revoke(when.Add(time.Hour))); !errors.Is(err, errRevoked) {
		t.Errorf("revoking a revoked feed: %v, want the function's error", err)
	}
	for how, get := range map[string]func() (data.Feed, error){
		"Feed":            func() (data.Feed, error) { return s.Feed(ctx, f.ID) },
		"FeedByTokenHash": func() (data.Feed, error) { return s.FeedByTokenHash(ctx, f.TokenHash) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s after revocation: %v", how, err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" || !got.Revoked() {
			t.Errorf("%s after revocation (-want +got):\n%s", how, diff)
		}
	}
	unknown := newFeed(9, "sw-1")
	if _, err := s.UpdateFeed(ctx, unknown.ID, revoke(when)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateFeed(unknown): %v, want ErrNotFound", err)
	}
	if got := auditActions(t, s, f.ID); !slices.Equal(got, []data.Action{data.ActionFeedCreated, data.ActionFeedRevoked}) {
		t.Errorf("feed audit = %v, want one entry per stored change", got)
	}
}

// testFeedPaging pages through one owner's feeds, revoked ones included,
// while feeds of other owners (one whose ID extends the owner's) sit
// between them in ID order.
func testFeedPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	var want []data.Feed
	for i := range 13 {
		mine := newFeed(3*i, "sw-1")
		if i%4 == 1 {
			mine.RevokedAt = base
		}
		want = append(want, storedFeed(mine))
		for _, f := range []data.Feed{newFeed(3*i+1, "sw-10"), mine, newFeed(3*i+2, "sw-2")} {
			createFeed(t, s, f)
		}
	}
	slices.SortFunc(want, func(a, b data.Feed) int { return cmpString(a.ID, b.ID) })
	var got []data.Feed
	q := data.FeedQuery{Owner: "sw-1", Limit: 4}
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListFeeds(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 4 || (page.Next != "" && len(page.Items) != 4) {
			t.Fatalf("page of %d with next %q, limit 4", len(page.Items), page.Next)
		}
		got = append(got, page.Items...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("paged feeds of sw-1 (-want +got):\n%s", diff)
	}
	if page, err := s.ListFeeds(ctx, data.FeedQuery{Owner: "sw-9"}); err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Errorf("ListFeeds of an owner without feeds: %v, %q, %v", page.Items, page.Next, err)
	}
	if _, err := s.ListFeeds(ctx, data.FeedQuery{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("ListFeeds without an owner: %v, want ErrInvalid", err)
	}
}

// testFeedPoll: PollFeed finds the feed FeedByTokenHash finds, revoked or
// not, hands it to covers and marks the newest entries of the scopes
// covers names as NewestAudit does, through another instance too, and
// follows an entry landing in them; no scope marks nothing; an unknown
// token is ErrNotFound without calling covers; n out of range is
// ErrInvalid when there are scopes to mark.
func testFeedPoll(t *testing.T, newDB func() data.Store) {
	ctx := t.Context()
	writer, reader := newDB(), newDB()
	f := newFeed(1, "sw-1")
	createFeed(t, writer, f)
	scopes := []string{f.Organisation, data.ScopeRegister}
	var seen []data.Feed
	covers := func(got data.Feed) []string {
		seen = append(seen, got)
		return scopes
	}
	poll := func(step string, want data.Feed) data.AuditMark {
		t.Helper()
		seen = nil
		got, m, err := reader.PollFeed(ctx, f.TokenHash, 5, covers)
		if err != nil {
			t.Fatalf("%s: PollFeed: %v", step, err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("%s: PollFeed's feed (-want +got):\n%s", step, diff)
		}
		if len(seen) != 1 || !cmp.Equal(want, seen[0], cmpOpts) {
			t.Errorf("%s: covers was given %+v, want the feed once", step, seen)
		}
		if again, err := writer.NewestAudit(ctx, scopes, 5); err != nil || again != m {
			t.Errorf("%s: PollFeed marks %x (latest %v), NewestAudit %x (latest %v), %v", step, m.Digest[:4], m.Latest, again.Digest[:4], again.Latest, err)
		}
		return m
	}
	created := poll("created", storedFeed(f))
	if created.Latest.IsZero() {
		t.Error("created: the feed's own audit entry is not in its mark")
	}
	e := newEntry(7, data.ScopeRegister, data.ActionInterpreterUpdated, "int-1")
	if err := writer.AppendChange(ctx, data.Audited(e)); err != nil {
		t.Fatal(err)
	}
	if m := poll("an entry in the register", storedFeed(f)); m == created || !m.Latest.Equal(data.Timestamp(e.At)) {
		t.Errorf("an entry in the register: the mark did not move to it (latest %v, want %v)", m.Latest, e.At)
	}
	when := base.Add(3 * time.Hour)
	revoked, err := writer.UpdateFeed(ctx, f.ID, revoke(when))
	if err != nil {
		t.Fatal(err)
	}
	poll("revoked", revoked)

	if got, m, err := reader.PollFeed(ctx, f.TokenHash, 5, func(data.Feed) []string { return nil }); err != nil || !got.Revoked() || m != (data.AuditMark{}) {
		t.Errorf("PollFeed covering no scope: %+v, %x (latest %v), %v; want the feed and a zero mark", got, m.Digest[:4], m.Latest, err)
	}
	seen = nil
	if _, _, err := reader.PollFeed(ctx, data.HashKey("nobody's token"), 5, covers); !errors.Is(err, data.ErrNotFound) || len(seen) != 0 {
		t.Errorf("PollFeed(unknown): %v, covers given %d feeds; want ErrNotFound and none", err, len(seen))
	}
	for _, n := range []int{0, data.MaxPageSize + 1} {
		if _, _, err := reader.PollFeed(ctx, f.TokenHash, n, covers); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("PollFeed(n=%d): %v, want ErrInvalid", n, err)
		}
	}
}
