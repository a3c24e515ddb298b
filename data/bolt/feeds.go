package bolt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketFeeds = []byte("feeds") // ID → record
	// token hash → feed ID, unique: a revoked feed keeps its entry, so its
	// token is still recognised (as revoked) and never given to another feed.
	bucketFeedsByToken = "feeds_by_token"
	// "<owner>\x00<id>": an owner's feeds in ID (creation) order.
	bucketFeedsByOwner = "feeds_by_owner"
)

var feedKind = recordKind{
	bucket:  bucketFeeds,
	indexes: []string{bucketFeedsByToken, bucketFeedsByOwner},
	entries: decode(feedRecord.toFeed, feedIndexes),
}

// feedIndexes derives every index entry of a feed: its token hash, naming
// the feed alone, and its owner.
func feedIndexes(f data.Feed) []indexEntry {
	return []indexEntry{
		{bucket: bucketFeedsByToken, key: f.TokenHash, value: f.ID, unique: true},
		{bucket: bucketFeedsByOwner, key: indexKey(f.Owner, f.ID)},
	}
}

// feedRecord is a feed as the feeds bucket stores it, in JSON.
type feedRecord struct {
	ID            string `json:"id"`
	Organisation  string `json:"organisation"`
	Owner         string `json:"owner"`
	Scope         string `json:"scope"`
	InterpreterID string `json:"interpreterId,omitempty"`
	TokenHash     string `json:"tokenHash"`
	RevokedAt     string `json:"revokedAt,omitempty"` // "" while the feed works
	Version       int64  `json:"version"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
}

func fromFeed(f data.Feed) feedRecord {
	return feedRecord{
		ID: f.ID, Organisation: f.Organisation, Owner: f.Owner, Scope: string(f.Scope),
		InterpreterID: f.InterpreterID, TokenHash: f.TokenHash, RevokedAt: encodeTime(f.RevokedAt),
		Version: f.Version, CreatedAt: encodeTime(f.CreatedAt), UpdatedAt: encodeTime(f.UpdatedAt),
	}
}

func (r feedRecord) toFeed() data.Feed {
	return data.Feed{
		ID: r.ID, Organisation: r.Organisation, Owner: r.Owner, Scope: data.FeedScope(r.Scope),
		InterpreterID: r.InterpreterID, TokenHash: r.TokenHash, RevokedAt: decodeTime(r.RevokedAt),
		Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
}

// CreateFeed stores a new feed at version 1, its token hash as a unique
// key, its owner's index entry and its change in one transaction.
func (s *Store) CreateFeed(ctx context.Context, f data.Feed, ch data.Change) error {
	if f.TokenHash == "" {
		return invalid("tokenHash", "is required")
	}
	f.Version = 1
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeeds)
		if b.Get([]byte(f.ID)) != nil {
			return fmt.Errorf("feed %s: %w", f.ID, data.ErrDuplicate)
		}
		if err := changedFeeds(tx); err != nil {
			return err
		}
		if err := writeIndexes(tx, nil, feedIndexes(f)); err != nil {
			return err
		}
		if err := put(b, f.ID, fromFeed(f)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// Feed returns the feed with this ID.
func (s *Store) Feed(ctx context.Context, id string) (data.Feed, error) {
	var f data.Feed
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[feedRecord](tx.Bucket(bucketFeeds), id)
		f = rec.toFeed()
		return err
	})
	return f, err
}

// FeedByTokenHash returns the feed holding the token with this hash.
func (s *Store) FeedByTokenHash(ctx context.Context, tokenHash string) (data.Feed, error) {
	var f data.Feed
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		f, err = s.feedByTokenHash(tx, tokenHash)
		return err
	})
	return f, err
}

// PollFeed reads the feed by its token hash and the mark of the newest
// entries of the scopes covers names for it in one read transaction: a
// calendar client's poll, the service's most frequent request, begins one
// transaction, not two, and its mark is of the very state the feed was
// read in.
//
// While nothing is written, a poll is answered from the last one of the
// same token and n, without a read transaction: what PollFeed found is
// kept at the count of write transactions ended when it began (see
// Store.update), and used while that count stands and covers names the
// same scopes for the feed.
func (s *Store) PollFeed(ctx context.Context, tokenHash string, n int, covers func(data.Feed) []string) (data.Feed, data.AuditMark, error) {
	if err := ctx.Err(); err != nil {
		return data.Feed{}, data.AuditMark{}, fmt.Errorf("bolt: %w", err)
	}
	key, writes := pollKey(tokenHash, n), s.writes.Load()
	if kept, ok := s.polls.get(writes, key); ok && slices.Equal(covers(kept[0].feed), kept[0].scopes) {
		return kept[0].feed, kept[0].mark, nil
	}
	var p polled
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		if p.feed, err = s.feedByTokenHash(tx, tokenHash); err != nil {
			return err
		}
		p.scopes = covers(p.feed)
		if len(p.scopes) == 0 {
			return nil
		}
		if err := data.CheckNewestAudit(p.scopes, n); err != nil {
			return err
		}
		p.mark, err = s.newestMark(tx, p.scopes, n)
		return err
	})
	if err != nil {
		return data.Feed{}, data.AuditMark{}, err
	}
	s.polls.put(writes, key, []polled{p})
	return p.feed, p.mark, nil
}

// polled is what one PollFeed found: the feed, the scopes covers named
// for it and their mark.
type polled struct {
	feed   data.Feed
	scopes []string
	mark   data.AuditMark
}

// pollKey is the key PollFeed keeps what it found under.
func pollKey(tokenHash string, n int) string {
	return tokenHash + "/" + strconv.Itoa(n)
}

// feedByTokenHash reads the feed holding the token with this hash in tx:
// a working feed from those kept by token hash at the feeds' version (see
// feedTokens), otherwise through the token index and the decoded feeds. A
// revoked feed is never kept, so it is found as an unknown token is not:
// by the same single look-up.
func (s *Store) feedByTokenHash(tx *bolt.Tx, tokenHash string) (data.Feed, error) {
	version := tx.Bucket(bucketFeeds).Sequence()
	if f, ok := s.feedTokens.get(version, tokenHash); ok {
		return f, nil
	}
	f, err := s.readFeedByTokenHash(tx, tokenHash)
	if err == nil && !f.Revoked() {
		s.feedTokens.put(version, tokenHash, f)
	}
	return f, err
}

// readFeedByTokenHash reads the feed holding the token with this hash in
// tx off the token index, through the decoded feeds.
func (s *Store) readFeedByTokenHash(tx *bolt.Tx, tokenHash string) (data.Feed, error) {
	id := tx.Bucket([]byte(bucketFeedsByToken)).Get([]byte(tokenHash))
	if id == nil {
		return data.Feed{}, fmt.Errorf("feed by token: %w", data.ErrNotFound)
	}
	raw := tx.Bucket(bucketFeeds).Get(id)
	if raw == nil {
		return data.Feed{}, indexFault(string(id), data.ErrNotFound)
	}
	f, err := s.feeds.get(string(id), raw)
	if err != nil {
		return data.Feed{}, indexFault(string(id), err)
	}
	return f, nil
}

// changedFeeds marks, in tx, that the feed records or their indexes
// change: it moves the feeds bucket's sequence on, the version the feeds
// kept by token hash are read at (feedTokens). Every write of a feed
// record or index entry calls it in the same transaction.
func changedFeeds(tx *bolt.Tx) error {
	_, err := tx.Bucket(bucketFeeds).NextSequence()
	return err
}

// feedTokens keeps working feeds by token hash, decoded, all read at one
// version of the feeds (the feeds bucket's sequence, see changedFeeds): a
// calendar client's poll finds its feed without the token index. As with
// listings, a read compares the version it sees in its own transaction,
// so a feed is handed out only to reads of exactly the state it was read
// from; a revocation moves the version in its own transaction and is seen
// by the next read. A read at a newer version drops every feed kept; one
// at an older version keeps nothing.
type feedTokens struct {
	mu      sync.Mutex
	version uint64
	feeds   map[string]data.Feed // by token hash
}

// get returns the feed kept for tokenHash if it was read at version.
func (k *feedTokens) get(version uint64, tokenHash string) (data.Feed, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.version != version {
		return data.Feed{}, false
	}
	f, ok := k.feeds[tokenHash]
	return f, ok
}

// put keeps f, read at version, for tokenHash; nothing read at an older
// version than the feeds kept. At most maxCachedFeeds are kept.
func (k *feedTokens) put(version uint64, tokenHash string, f data.Feed) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case version < k.version:
		return
	case version > k.version || k.feeds == nil || len(k.feeds) >= maxCachedFeeds:
		k.version, k.feeds = version, map[string]data.Feed{} // bounded memory; it refills from what is read
	}
	k.feeds[tokenHash] = f
}

// UpdateFeed runs fn on the feed inside one write transaction (see
// updateRecord) and writes what it returns at the version read plus one,
// the difference between its old and new index entries, and fn's change.
// A token hash that another feed holds is data.ErrDuplicate; none at all
// is a *data.ValidationError.
func (s *Store) UpdateFeed(ctx context.Context, id string, fn data.Update[data.Feed]) (data.Feed, error) {
	return updateRecord(ctx, s, id, fn, readFeed, writeFeed)
}

func readFeed(tx *bolt.Tx, id string) (data.Feed, error) {
	rec, err := get[feedRecord](tx.Bucket(bucketFeeds), id)
	if err != nil {
		return data.Feed{}, fmt.Errorf("feed %s: %w", id, err)
	}
	return rec.toFeed(), nil
}

// writeFeed stores next in place of cur at cur's version plus one, moving
// its index entries.
func writeFeed(tx *bolt.Tx, cur, next data.Feed) (data.Feed, error) {
	if next.TokenHash == "" {
		return data.Feed{}, invalid("tokenHash", "is required")
	}
	next.Version = cur.Version + 1
	if err := changedFeeds(tx); err != nil {
		return data.Feed{}, err
	}
	if err := writeIndexes(tx, feedIndexes(cur), feedIndexes(next)); err != nil {
		return data.Feed{}, err
	}
	rec := fromFeed(next)
	if err := put(tx.Bucket(bucketFeeds), next.ID, rec); err != nil {
		return data.Feed{}, err
	}
	return rec.toFeed(), nil
}

// ListFeeds reads the page's IDs off the owner's feeds_by_owner entries,
// after the cursor, then reads the page's records. A missing owner is a
// *data.ValidationError.
func (s *Store) ListFeeds(ctx context.Context, q data.FeedQuery) (data.Page[data.Feed], error) {
	if q.Owner == "" {
		return data.Page[data.Feed]{}, invalid("owner", "is required")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Feed]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(bucketFeedsByOwner)), indexPrefix(q.Owner), q.After, false).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketFeeds), ids, limit, feedRecord.toFeed)
		return err
	})
	return page, err
}
