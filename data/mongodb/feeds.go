package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// feedDocument is a feed as stored. The unique index on tokenHash finds a
// feed by its token and refuses a hash another feed holds; a revoked feed
// keeps its hash, so its token is recognised as revoked. The index on
// (owner, _id) lists an owner's feeds in creation order.
type feedDocument struct {
	ID            string    `bson:"_id"`
	Organisation  string    `bson:"organisation"`
	Owner         string    `bson:"owner"`
	Scope         string    `bson:"scope"`
	InterpreterID string    `bson:"interpreterId,omitempty"`
	TokenHash     string    `bson:"tokenHash"`
	RevokedAt     time.Time `bson:"revokedAt,omitempty"` // absent while the feed works
	Version       int64     `bson:"version"`
	CreatedAt     time.Time `bson:"createdAt"`
	UpdatedAt     time.Time `bson:"updatedAt"`
}

func fromFeed(f data.Feed) feedDocument {
	return feedDocument{
		ID: f.ID, Organisation: f.Organisation, Owner: f.Owner, Scope: string(f.Scope),
		InterpreterID: f.InterpreterID, TokenHash: f.TokenHash, RevokedAt: data.Timestamp(f.RevokedAt),
		Version: f.Version, CreatedAt: data.Timestamp(f.CreatedAt), UpdatedAt: data.Timestamp(f.UpdatedAt),
	}
}

func (d feedDocument) toFeed() data.Feed {
	return data.Feed{
		ID: d.ID, Organisation: d.Organisation, Owner: d.Owner, Scope: data.FeedScope(d.Scope),
		InterpreterID: d.InterpreterID, TokenHash: d.TokenHash, RevokedAt: utc(d.RevokedAt),
		Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
}

// feedKind is how update stores feeds. A feed keeps a token hash: the
// unique index on it would take "" for one more feed's.
var feedKind = kind[data.Feed, feedDocument]{
	coll:     feedsCollection,
	toDoc:    fromFeed,
	toRecord: feedDocument.toFeed,
	checkUpdate: func(next, current data.Feed) error {
		if next.TokenHash == "" {
			return invalid("tokenHash", "is required")
		}
		return next.CheckUpdate(current)
	},
}

// CreateFeed commits a new feed at version 1 with its change. The unique
// index on tokenHash refuses a taken hash when the lock lands.
func (s *Store) CreateFeed(ctx context.Context, f data.Feed, ch data.Change) error {
	if f.TokenHash == "" {
		return invalid("tokenHash", "is required")
	}
	f.Version = 1
	return s.create(ctx, s.feeds, "feed", f.ID, fromFeed(f), ch)
}

// Feed returns the feed with this ID.
func (s *Store) Feed(ctx context.Context, id string) (data.Feed, error) {
	var d feedDocument
	if err := s.read(ctx, s.feeds, id, &d); err != nil {
		return data.Feed{}, err
	}
	return d.toFeed(), nil
}

// FeedByTokenHash returns the feed holding the token with this hash, once
// the feed changes in flight have landed.
func (s *Store) FeedByTokenHash(ctx context.Context, tokenHash string) (data.Feed, error) {
	if err := s.finishPending(ctx, feedsCollection); err != nil {
		return data.Feed{}, err
	}
	var d feedDocument
	if err := s.feeds.FindOne(ctx, bson.D{{Key: "tokenHash", Value: tokenHash}}).Decode(&d); err != nil {
		return data.Feed{}, translate(err, "feed by token")
	}
	return d.toFeed(), nil
}

// PollFeed reads the feed by its token hash (FeedByTokenHash), then the
// mark of the newest entries of the scopes covers names for it
// (NewestAudit): two reads, the second no earlier than the first.
func (s *Store) PollFeed(ctx context.Context, tokenHash string, n int, covers func(data.Feed) []string) (data.Feed, data.AuditMark, error) {
	f, err := s.FeedByTokenHash(ctx, tokenHash)
	if err != nil {
		return data.Feed{}, data.AuditMark{}, err
	}
	scopes := covers(f)
	if len(scopes) == 0 {
		return f, data.AuditMark{}, nil
	}
	m, err := s.NewestAudit(ctx, scopes, n)
	if err != nil {
		return data.Feed{}, data.AuditMark{}, err
	}
	return f, m, nil
}

// UpdateFeed changes the feed through fn, re-run when another change of
// the feed lands first (update). The unique index on tokenHash refuses a
// hash another feed holds (data.ErrDuplicate) when the lock lands.
func (s *Store) UpdateFeed(ctx context.Context, id string, fn data.Update[data.Feed]) (data.Feed, error) {
	return update(ctx, s, feedKind, id, fn)
}

// ListFeeds lands the feed changes in flight, then reads one page of the
// owner's feeds off the index on (owner, _id). A missing owner is a
// *data.ValidationError.
func (s *Store) ListFeeds(ctx context.Context, q data.FeedQuery) (data.Page[data.Feed], error) {
	if q.Owner == "" {
		return data.Page[data.Feed]{}, invalid("owner", "is required")
	}
	if err := s.finishPending(ctx, feedsCollection); err != nil {
		return data.Page[data.Feed]{}, err
	}
	filter := bson.D{{Key: "owner", Value: q.Owner}}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	return findPage(ctx, s.feeds, filter, 1, data.PageSize(q.Limit), feedDocument.toFeed,
		func(f data.Feed) string { return f.ID })
}
