package bolt

import (
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// BenchmarkFeedPoll is what a calendar client's poll reads for its ETag,
// among 1,000 feeds and 10,000 audit entries: the feed by its token hash
// and the mark of its organisation's and the register's newest 20 entries,
// kept from the last poll while nothing is written (PollFeed), in one read
// transaction when a write came between (PollFeed, the count of writes
// moved on by hand) and, as the baseline, in two (FeedByTokenHash, then
// NewestAudit).
func BenchmarkFeedPoll(b *testing.B) {
	s := openBench(b)
	seed(b, s, nil, benchAudit(10_000))
	var token string
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range 1000 {
			token = fmt.Sprintf("tolkcal_bench%04d", i)
			f := data.Feed{
				ID: fmt.Sprintf("feed-%04d", i), Organisation: "north", Owner: "sw-1", Scope: data.FeedMine,
				TokenHash: data.HashKey(token), Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase,
			}
			if err := writeIndexes(tx, nil, feedIndexes(f)); err != nil {
				return err
			}
			if err := put(tx.Bucket(bucketFeeds), f.ID, fromFeed(f)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	hash := data.HashKey(token)
	covers := func(f data.Feed) []string { return []string{f.Organisation, data.ScopeRegister} }
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			if _, m, err := s.PollFeed(b.Context(), hash, 20, covers); err != nil || m.Latest.IsZero() {
				b.Fatal(m, err)
			}
		}
	})
	b.Run("one read", func(b *testing.B) {
		for b.Loop() {
			s.writes.Add(1)
			if _, m, err := s.PollFeed(b.Context(), hash, 20, covers); err != nil || m.Latest.IsZero() {
				b.Fatal(m, err)
			}
		}
	})
	b.Run("two reads", func(b *testing.B) {
		for b.Loop() {
			f, err := s.FeedByTokenHash(b.Context(), hash)
			if err != nil {
				b.Fatal(err)
			}
			if m, err := s.NewestAudit(b.Context(), covers(f), 20); err != nil || m.Latest.IsZero() {
				b.Fatal(m, err)
			}
		}
	})
}
