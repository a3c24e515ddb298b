package bolt

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestOpenBuildsFeedIndexes opens a file holding feeds but none of their
// index buckets, as a file written before feeds had them: Open builds
// them, so tokens find their feeds (revoked ones too), owners' listings
// see them, and a taken token hash is still refused.
func TestOpenBuildsFeedIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	working := data.Feed{ID: "f1", Organisation: "north", Owner: "sw-1", Scope: data.FeedMine, TokenHash: data.HashKey("t1"), Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase}
	revoked := data.Feed{ID: "f2", Organisation: "north", Owner: "sw-1", Scope: data.FeedOrganisation, TokenHash: data.HashKey("t2"), RevokedAt: benchBase, Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase}
	for _, f := range []data.Feed{working, revoked} {
		if err := s.CreateFeed(ctx, f, testChange(f.ID)); err != nil {
			t.Fatal(err)
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range feedKind.indexes {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, f := range []data.Feed{working, revoked} {
		got, err := s.FeedByTokenHash(ctx, f.TokenHash)
		if err != nil || got.ID != f.ID || got.Revoked() != f.Revoked() {
			t.Errorf("FeedByTokenHash(%s) after the migration: %+v, %v", f.ID, got, err)
		}
	}
	page, err := s.ListFeeds(ctx, data.FeedQuery{Owner: "sw-1"})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != "f1" || page.Items[1].ID != "f2" {
		t.Errorf("ListFeeds after the migration: %+v, %v", page.Items, err)
	}
	taken := data.Feed{ID: "f3", Owner: "sw-2", TokenHash: revoked.TokenHash, Version: 1}
	if err := s.CreateFeed(ctx, taken, testChange(taken.ID)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a revoked feed's token hash given to another feed after the migration: %v, want ErrDuplicate", err)
	}
}

// TestFeedTokensNeverStale: a working feed is kept by its token hash
// between writes, and every feed write is seen by the next read: a
// revoked token answers revoked at once, even to a read transaction begun
// before the revocation that kept its feed after it.
func TestFeedTokensNeverStale(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	f := data.Feed{ID: "f1", Organisation: "north", Owner: "sw-1", Scope: data.FeedMine, TokenHash: data.HashKey("t1"), Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase}
	if err := s.CreateFeed(ctx, f, testChange(f.ID)); err != nil {
		t.Fatal(err)
	}
	byToken := func(step string) data.Feed {
		t.Helper()
		got, err := s.FeedByTokenHash(ctx, f.TokenHash)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return got
	}
	if got := byToken("first read"); got.Revoked() {
		t.Fatal("a working feed reads revoked")
	}
	if _, ok := s.feedTokens.get(s.feedsVersion(t), f.TokenHash); !ok {
		t.Error("a working feed read by its token is not kept")
	}

	// A read transaction begun before the revocation reads the working
	// feed after it: what it keeps is never handed to a later read.
	early, err := s.db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback()
	revokedAt := benchBase.Add(time.Hour)
	if _, err := s.UpdateFeed(ctx, f.ID, func(old data.Feed) (data.Feed, data.Change, error) {
		old.RevokedAt, old.UpdatedAt = revokedAt, revokedAt
		return old, testChange(f.ID), nil
	}); err != nil {
		t.Fatal(err)
	}
	s.feedTokens = feedTokens{} // only the early read may keep anything now
	if got, err := s.feedByTokenHash(early, f.TokenHash); err != nil || got.Revoked() {
		t.Fatalf("the early read: %+v, %v; want the working feed", got, err)
	}
	if got := byToken("after the revocation"); !got.Revoked() {
		t.Error("after the revocation, the token reads a working feed")
	}
	if _, ok := s.feedTokens.get(s.feedsVersion(t), f.TokenHash); ok {
		t.Error("a revoked feed is kept by its token")
	}
}

// feedsVersion is the feeds' version a read sees now.
func (s *Store) feedsVersion(t *testing.T) (v uint64) {
	t.Helper()
	if err := s.db.View(func(tx *bolt.Tx) error { v = tx.Bucket(bucketFeeds).Sequence(); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}
