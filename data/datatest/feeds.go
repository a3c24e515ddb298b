package datatest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
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
	t.Run("ConcurrentFeedRevocations", func(t *testing.T) { testConcurrentFeedRevocations(t, newDB(t)) })
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

func feedAudit(f data.Feed, action string) data.AuditEntry {
	return data.NewAuditEntry(base, actor, f.Organisation, action, "feed", f.ID)
}

func createFeed(t *testing.T, s data.Store, f data.Feed) {
	t.Helper()
	if err := s.CreateFeed(t.Context(), f, feedAudit(f, "feed.created")); err != nil {
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
		if got := auditActions(t, s, f.ID); !slices.Equal(got, []string{"feed.created"}) {
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
		entry := feedAudit(f, "feed.created")
		entry.EntityID = "refused-" + name
		if err := s.CreateFeed(ctx, f, entry); !errors.Is(err, data.ErrDuplicate) {
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
	if _, err := s.UpdateFeed(ctx, taking, feedAudit(second, "feed.updated")); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateFeed to a token hash another feed holds: %v, want ErrDuplicate", err)
	}
	for _, f := range []data.Feed{first, second} {
		if got, err := s.FeedByTokenHash(ctx, f.TokenHash); err != nil || !cmp.Equal(storedFeed(f), got, cmpOpts) {
			t.Errorf("after the refused writes, %s's token finds %+v, %v", f.ID, got, err)
		}
	}
	if got := auditActions(t, s, second.ID); !slices.Equal(got, []string{"feed.created"}) {
		t.Errorf("a refused update was audited: %v", got)
	}

	blank := newFeed(5, "sw-1")
	blank.TokenHash = ""
	if err := s.CreateFeed(ctx, blank, feedAudit(blank, "feed.created")); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("CreateFeed without a token hash: %v, want ErrInvalid", err)
	}
}

// testFeedRevocation: UpdateFeed revokes at the version read, once; the
// revoked feed keeps its token hash, so its token finds it, revoked.
func testFeedRevocation(t *testing.T, s data.Store) {
	ctx := t.Context()
	f := newFeed(1, "sw-1")
	createFeed(t, s, f)
	revoke := f
	revoke.RevokedAt, revoke.UpdatedAt = base.Add(2*time.Hour), base.Add(2*time.Hour)
	got, err := s.UpdateFeed(ctx, revoke, feedAudit(f, "feed.revoked"))
	if err != nil {
		t.Fatalf("UpdateFeed: %v", err)
	}
	want := storedFeed(revoke)
	want.Version = 2
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("UpdateFeed result (-want +got):\n%s", diff)
	}
	if _, err := s.UpdateFeed(ctx, revoke, feedAudit(f, "feed.revoked")); !errors.Is(err, data.ErrConflict) {
		t.Errorf("stale UpdateFeed: %v, want ErrConflict", err)
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
	if _, err := s.UpdateFeed(ctx, unknown, feedAudit(unknown, "feed.revoked")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateFeed(unknown): %v, want ErrNotFound", err)
	}
	if got := auditActions(t, s, f.ID); !slices.Equal(got, []string{"feed.created", "feed.revoked"}) {
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

// testConcurrentFeedRevocations races writers holding the same version
// through two store instances: exactly one revocation lands, with its
// audit entry; every other writer gets ErrConflict.
func testConcurrentFeedRevocations(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := []data.Store{open(), open()}
	f := newFeed(1, "sw-1")
	createFeed(t, stores[0], f)
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			w := f
			w.RevokedAt = base.Add(time.Duration(i+1) * time.Minute)
			_, errs[i] = stores[i%2].UpdateFeed(ctx, w, feedAudit(f, "feed.revoked"))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won version 1", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	got, err := stores[1].FeedByTokenHash(ctx, f.TokenHash)
	if want := data.Timestamp(base.Add(time.Duration(winner+1) * time.Minute)); err != nil || !got.RevokedAt.Equal(want) || got.Version != 2 {
		t.Errorf("stored %+v, %v; want the winner's revocation at version 2", got, err)
	}
	if got := auditActions(t, stores[0], f.ID); !slices.Equal(got, []string{"feed.created", "feed.revoked"}) {
		t.Errorf("audit after the race = %v, want the creation and exactly one revocation", got)
	}
}
