// Package mongodb is tolk's production store: MongoDB through
// go.mongodb.org/mongo-driver/v2. It uses only what MongoDB, FerretDB and
// the managed services (Atlas, DocumentDB, Cosmos DB) all serve: equality and
// range filters on dotted paths, $in, unique indexes and conditional
// single-document writes guarded by a version field. No transactions, TTL
// indexes or change streams. Writes are acknowledged by a majority with
// journaling unless the URI says otherwise.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/tolk/tolk/data"
)

// Store is a data.Store on a MongoDB database.
type Store struct {
	client       *mongo.Client
	users        *mongo.Collection
	audit        *mongo.Collection
	interpreters *mongo.Collection
	revisions    *mongo.Collection

	// ClaimTimeout is how old an unlanded version claim must be before
	// another writer rolls it forward; it must exceed the longest request.
	ClaimTimeout time.Duration
}

// DefaultClaimTimeout is ClaimTimeout for stores made by Open.
const DefaultClaimTimeout = time.Minute

var _ data.Store = (*Store)(nil)

// Open connects to the server at uri, checks that it answers and creates the
// indexes tolk needs in database. The client's pool is the store's own.
func Open(ctx context.Context, uri, database string) (*Store, error) {
	opts := options.Client().ApplyURI(uri)
	if opts.WriteConcern == nil {
		journal := true
		wc := writeconcern.Majority()
		wc.Journal = &journal
		opts.SetWriteConcern(wc)
	}
	if opts.ServerSelectionTimeout == nil {
		opts.SetServerSelectionTimeout(10 * time.Second)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	db := client.Database(database)
	s := &Store{
		client:       client,
		users:        db.Collection("users"),
		audit:        db.Collection("audit"),
		interpreters: db.Collection("interpreters"),
		revisions:    db.Collection("interpreter_revisions"),
		ClaimTimeout: DefaultClaimTimeout,
	}
	if err := s.Ping(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	if err := s.ensureIndexes(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: create indexes: %w", err)
	}
	return s, nil
}

// indexSpec describes one index: its name, whether it is unique, and its
// keys ("-field" for descending).
type indexSpec struct {
	name   string
	unique bool
	keys   []string
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	for coll, specs := range map[*mongo.Collection][]indexSpec{
		s.users: {
			{"email_unique", true, []string{"email"}},
			{"keyHash_unique", true, []string{"keyHash"}},
		},
		s.audit: {
			{"entity_newest", false, []string{"entityId", "-_id"}},
			{"organisation_newest", false, []string{"organisation", "-_id"}},
		},
		s.interpreters: {
			{"languageKeys_id", false, []string{"languageKeys", "_id"}},
			{"vettingStatus_id", false, []string{"vetting.status", "_id"}},
		},
		s.revisions: {
			{"interpreter_version", true, []string{"interpreterId", "version"}},
		},
	} {
		if err := createMissingIndexes(ctx, coll, specs); err != nil {
			return fmt.Errorf("%s: %w", coll.Name(), err)
		}
	}
	return nil
}

// createMissingIndexes creates, one at a time, the named indexes the
// collection lacks. Sending createIndexes only for missing indexes is what
// every server accepts (FerretDB 1.24 fails on a repeat of existing ones),
// and it keeps start-up cheap when many instances start at once.
func createMissingIndexes(ctx context.Context, coll *mongo.Collection, specs []indexSpec) error {
	existing, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range existing {
		have[e.Name] = true
	}
	for _, spec := range specs {
		if have[spec.name] {
			continue
		}
		keys := bson.D{}
		for _, k := range spec.keys {
			dir := 1
			if k[0] == '-' {
				k, dir = k[1:], -1
			}
			keys = append(keys, bson.E{Key: k, Value: dir})
		}
		model := mongo.IndexModel{Keys: keys, Options: options.Index().SetName(spec.name).SetUnique(spec.unique)}
		if _, err := coll.Indexes().CreateOne(ctx, model); err != nil && !isIndexRace(err) {
			return err
		}
	}
	return nil
}

// isIndexRace reports whether createIndexes failed because another instance
// created the same index at the same moment.
func isIndexRace(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 85 || ce.Code == 86) // IndexOptionsConflict, IndexKeySpecsConflict
}

// Ping asks the primary to answer.
func (s *Store) Ping(ctx context.Context) error { return s.client.Ping(ctx, nil) }

// Close disconnects the client, waiting for in-use connections up to ctx's deadline.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// translate turns driver errors into the data sentinels.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%s: %w", what, data.ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%s: %w", what, data.ErrDuplicate)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// findPage runs a paged query: it asks for one record more than the limit to
// learn whether another page follows.
func findPage[D any, T any](ctx context.Context, coll *mongo.Collection, filter bson.D, sort int, limit int, convert func(D) T, id func(T) string) (data.Page[T], error) {
	var page data.Page[T]
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: sort}}).SetLimit(int64(limit + 1))
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return page, translate(err, coll.Name())
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return page, translate(err, coll.Name())
	}
	for i, d := range docs {
		if i == limit {
			page.Next = id(page.Items[limit-1])
			break
		}
		page.Items = append(page.Items, convert(d))
	}
	return page, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func decodeDate(s string) data.Date {
	d, _ := data.ParseDate(s) // written from a data.Date; "" is the zero Date
	return d
}
