package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/tolk/tolk/data"
)

// The collections.
const (
	usersCollection         = "users"
	auditCollection         = "audit"
	interpretersCollection  = "interpreters"
	casesCollection         = "cases"
	schedulesCollection     = "schedules"
	bookingsCollection      = "bookings"
	offersCollection        = "offers"
	offerClaimsCollection   = "offerClaims"
	caseClaimsCollection    = "caseClaims"
	messagesCollection      = "messages"
	messageClaimsCollection = "messageClaims"
	feedsCollection         = "feeds"
	sessionsCollection      = "sessions"
	touchesCollection       = "touches"
	locksCollection         = "locks"
)

// Store is a data.Store on a MongoDB database.
type Store struct {
	client        *mongo.Client
	db            *mongo.Database
	users         *mongo.Collection
	audit         *mongo.Collection
	interpreters  *mongo.Collection
	cases         *mongo.Collection
	schedules     *mongo.Collection
	bookings      *mongo.Collection
	offers        *mongo.Collection
	offerClaims   *mongo.Collection
	messages      *mongo.Collection
	messageClaims *mongo.Collection
	feeds         *mongo.Collection
	sessions      *mongo.Collection
	touches       *mongo.Collection
	locks         *mongo.Collection
	closed        atomic.Bool
	turns         turns // updates of one record (lock key) in this instance take turns

	// LockTimeout is how long a writer has to land its own change before
	// readers and other writers take it for dead and land the change for it.
	// Until then a reader sees the record without the change. Set it before
	// the store is used.
	LockTimeout time.Duration

	// localNow is this instance's clock: time.Now, or a test's. Only the
	// time passed between its readings counts (clock.go).
	localNow func() time.Time
	clock    dbClock // the reading of the database's clock (clock.go)
}

var (
	_ data.Store        = (*Store)(nil)
	_ data.CaseStore    = (*Store)(nil)
	_ data.BookingStore = (*Store)(nil)
	_ data.OfferStore   = (*Store)(nil)
	_ data.OutboxStore  = (*Store)(nil)
	_ data.FeedStore    = (*Store)(nil)
	_ data.SessionStore = (*Store)(nil)
)

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
		opts.SetServerSelectionTimeout(2 * time.Second) // fail fast (503) while the store is away
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	db := client.Database(database)
	s := &Store{
		client:        client,
		db:            db,
		users:         db.Collection(usersCollection),
		audit:         db.Collection(auditCollection),
		interpreters:  db.Collection(interpretersCollection),
		cases:         db.Collection(casesCollection),
		schedules:     db.Collection(schedulesCollection),
		bookings:      db.Collection(bookingsCollection),
		offers:        db.Collection(offersCollection),
		offerClaims:   db.Collection(offerClaimsCollection),
		messages:      db.Collection(messagesCollection),
		messageClaims: db.Collection(messageClaimsCollection),
		feeds:         db.Collection(feedsCollection),
		sessions:      db.Collection(sessionsCollection),
		touches:       db.Collection(touchesCollection),
		locks:         db.Collection(locksCollection),
		LockTimeout:   DefaultLockTimeout,
		localNow:      time.Now,
	}
	if err := s.Ping(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	if err := s.ensureIndexes(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: create indexes: %w", err)
	}
	if err := s.keyInterpreterNames(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	if err := s.versionUsers(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	if err := s.sweepClaims(ctx); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	return s, nil
}

// versionUsers gives version 1 to users stored before users had versions, so
// that their next change can be a versioned write. It finds nothing once
// done; users are few, so the scan at start-up is cheap.
func (s *Store) versionUsers(ctx context.Context) error {
	_, err := s.users.UpdateMany(ctx, bson.D{{Key: "version", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	return translate(err, "version users")
}

// indexSpec describes one index: its name, whether it is unique, whether
// it is sparse (it leaves out documents without its field: see users
// below), and its keys ("-field" for descending).
type indexSpec struct {
	name   string
	unique bool
	sparse bool
	keys   []string
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	for coll, specs := range map[*mongo.Collection][]indexSpec{
		s.users: {
			{"email_unique", true, false, []string{"email"}},
			{"keyHash_unique", true, false, []string{"keyHash"}},
			// At most one user per interpreter record. Only interpreter
			// users have the field, so the index is sparse. FerretDB 1.24
			// ignores "sparse", but its unique indexes never hold a missing
			// field (SQL NULLs are distinct), which is the same
			// (TestInterpreterLinkUnique).
			{"interpreterId_unique", true, true, []string{"interpreterId"}},
			{"organisation_id", false, false, []string{"organisation", "_id"}},
			// Users of one role, in every organisation or in one.
			{"role_id", false, false, []string{"role", "_id"}},
			{"organisation_role_id", false, false, []string{"organisation", "role", "_id"}},
		},
		s.audit: {
			{"entity_newest", false, false, []string{"entityId", "-_id"}},
			{"scope_newest", false, false, []string{"scope", "-_id"}},
			{auditByActor, false, false, []string{"actor", "-_id"}},
			// Retention's walk of the sign-in entries, action by action.
			{auditByAction, false, false, []string{"action", "at", "_id"}},
		},
		s.interpreters: {
			{"languageKeys_id", false, false, []string{"languageKeys", "_id"}},
			{"vettingStatus_id", false, false, []string{"vetting.status", "_id"}},
			{"vettingStatus_renewalKeys_id", false, false, []string{"vetting.status", "renewalKeys", "_id"}},
			{"renewalKeys_id", false, false, []string{"renewalKeys", "_id"}},
			// The register's duplicate email warning, and its search and
			// order by name (nameKey: see keyInterpreterNames).
			{"email_id", false, false, []string{"email", "_id"}},
			{"nameKey_id", false, false, []string{"nameKey", "_id"}},
			// Retention's walk: left records not yet anonymised (null), by leaving.
			{interpretersToRetain, false, false, []string{"anonymised", "left", "_id"}},
		},
		s.cases: {
			{"organisation_id", false, false, []string{"organisation", "_id"}},
			// Retention's walk: closed cases not yet anonymised (null), by closing.
			{casesToRetain, false, false, []string{"anonymised", "closed", "_id"}},
		},
		// Schedules are found by _id only.
		s.bookings: {
			{bookingsByOrg, false, false, []string{"organisation", "start", "_id"}},
			// Reports across the register: every booking by start.
			{registerByStart, false, false, []string{"start", "_id"}},
			{bookingsByCase, false, false, []string{"organisation", "caseId", "start", "_id"}},
			{bookingsByInterpreter, false, false, []string{"organisation", "interpreterId", "start", "_id"}},
			{bookingsByBooker, false, false, []string{"organisation", "bookedBy", "start", "_id"}},
			{bookingsOfInterpreter, false, false, []string{"interpreterId", "start", "_id"}},
			// Retention's walk: bookings not yet anonymised (null), by end.
			{bookingsToRetain, false, false, []string{"anonymised", "end", "_id"}},
			// The overlap check's and ConfirmedBookings' index; _id last
			// gives ConfirmedBookings its order without a sort in memory.
			{"interpreterId_status_start_id", false, false, []string{"interpreterId", "status", "start", "_id"}},
		},
		s.offers: {
			{offersByOrg, false, false, []string{"organisation", "_id"}},
			// Reports: an organisation's offers by the interview's start.
			{offersByStart, false, false, []string{"organisation", "start", "_id"}},
			{registerByStart, false, false, []string{"start", "_id"}},
			{offersByStatus, false, false, []string{"organisation", "status", "_id"}},
			{offersByCase, false, false, []string{"organisation", "caseId", "_id"}},
			{offersByCaseStatus, false, false, []string{"organisation", "caseId", "status", "_id"}},
			{offersByInvitee, false, false, []string{"inviteeKeys", "_id"}},
			// Only open offers with a pending invitation have a due time.
			{offersByDue, false, false, []string{"due", "_id"}},
			{offersByToken, false, false, []string{"tokenHashes"}},
			// Retention's walk: offers not yet anonymised (null), by end.
			{offersToRetain, false, false, []string{"anonymised", "end", "_id"}},
		},
		// Offer claims are found by _id only.
		s.messages: {
			{messagesByOrg, false, false, []string{"organisation", "_id"}},
			{messagesByStatus, false, false, []string{"organisation", "status", "_id"}},
			{messagesByBooking, false, false, []string{"organisation", "bookingId", "_id"}},
			{messagesByBookingStatus, false, false, []string{"organisation", "bookingId", "status", "_id"}},
			{messagesByOffer, false, false, []string{"organisation", "offerId", "_id"}},
			{messagesByOfferStatus, false, false, []string{"organisation", "offerId", "status", "_id"}},
			// Only pending messages have a ready time.
			{messagesByReady, false, false, []string{"ready", "_id"}},
			// Retention's walk: messages of one status not yet pruned
			// (null), by creation. Written messages all have the fields,
			// so it serves messages written before retention too.
			{messagesToPrune, false, false, []string{"status", "pruned", "createdAt", "_id"}},
			{messagesAboutInterpreter, false, false, []string{"interpreterId", "_id"}},
		},
		// Message claims (each message's ledger) are found by _id only.
		s.feeds: {
			// A revoked feed keeps its token hash: the token stays known, as revoked.
			{"tokenHash_unique", true, false, []string{"tokenHash"}},
			{"owner_id", false, false, []string{"owner", "_id"}},
		},
		s.db.Collection(unmetCollection): {
			{unmetByOrg, false, false, []string{"organisation", "start", "_id"}},
			{registerByStart, false, false, []string{"start", "_id"}},
		},
		s.db.Collection(transfersCollection): transferIndexes,
		s.sessions: {
			// A user's live sessions; ended ones sit under live: false.
			{"userId_live_id", false, false, []string{"userId", "live", "_id"}},
			// Retention's walk: every session, by expiry.
			{sessionsByExpiry, false, false, []string{"expiresAt", "_id"}},
		},
		s.touches: {
			{"session_id", false, false, []string{"session", "_id"}},
		},
		s.locks: {
			{"key_unique", true, false, []string{"key"}},
			{"collection", false, false, []string{"collection"}},
			{"offer", false, false, []string{"offer"}},
			{"case", false, false, []string{"case"}},
			{"messages", false, false, []string{"messages"}},
			{"unmet", false, false, []string{"unmet"}},
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
		opts := options.Index().SetName(spec.name).SetUnique(spec.unique)
		if spec.sparse {
			opts.SetSparse(true)
		}
		model := mongo.IndexModel{Keys: keys, Options: opts}
		if _, err := coll.Indexes().CreateOne(ctx, model); err != nil && !isIndexRace(err) {
			return err
		}
	}
	return nil
}

// isIndexRace reports whether createIndexes failed because another instance
// created the same index at the same moment.
func isIndexRace(err error) bool {
	ce, ok := errors.AsType[mongo.CommandError](err)
	return ok && (ce.Code == 85 || ce.Code == 86) // IndexOptionsConflict, IndexKeySpecsConflict
}

// Ping asks the primary to answer.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.client.Ping(ctx, nil), "ping")
}

// Close disconnects the client, waiting for in-use connections up to ctx's
// deadline. Closing twice is harmless; every other call after Close returns
// data.ErrClosed.
func (s *Store) Close(ctx context.Context) error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	return translate(s.client.Disconnect(ctx), "close")
}

// translate turns driver errors into the data sentinels. Context errors stay
// in the chain, wrapped.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%s: %w", what, data.ErrNotFound)
	case errors.Is(err, mongo.ErrClientDisconnected), isClosedTopology(err):
		return fmt.Errorf("%s: %w", what, data.ErrClosed)
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w: %v", what, data.ErrDuplicate, err)
	case isUnavailable(err):
		return fmt.Errorf("%s: %w: %w", what, data.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isClosedTopology reports whether the driver refused a call because the
// client was disconnected under it (Close racing a request). The driver
// says so with ErrTopologyClosed or, from a cursor or a change that
// subscribes to the topology, only in words: "cannot subscribe to Topology
// that is not connected" has no sentinel (driver v2.9).
func isClosedTopology(err error) bool {
	return errors.Is(err, topology.ErrTopologyClosed) ||
		strings.Contains(err.Error(), "cannot subscribe to Topology that is not connected")
}

// isUnavailable reports whether the server could not be reached: no server
// was selected in time (a server selection timeout, set by the URI's
// serverSelectionTimeoutMS, or the caller's deadline while none answered),
// a connection was refused, dropped or reset, or the pool of a server that
// went away was closed under the call. A network error that the caller's
// own deadline or cancellation caused stays a context error.
func isUnavailable(err error) bool {
	if _, ok := errors.AsType[topology.ServerSelectionError](err); ok {
		return true
	}
	if errors.Is(err, topology.ErrPoolClosed) {
		return true
	}
	return mongo.IsNetworkError(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// isUniqueViolation reports whether the server refused a write because it
// would break a unique index. MongoDB says so with a duplicate key error;
// FerretDB 1.24 reports a violation inside an update as an InternalError
// naming the backend's constraint.
func isUniqueViolation(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	ce, ok := errors.AsType[mongo.CommandError](err)
	return ok && ce.Code == 1 && // InternalError
		(strings.Contains(ce.Message, "UNIQUE constraint failed") || // SQLite
			strings.Contains(ce.Message, "duplicate key value violates unique constraint")) // PostgreSQL
}

// findPage runs a paged query: it asks for one record more than the limit to
// learn whether another page follows.
func findPage[D any, T any](ctx context.Context, coll *mongo.Collection, filter bson.D, sort int, limit int, convert func(D) T, id func(T) string) (data.Page[T], error) {
	return findPageHinted(ctx, coll, filter, "", sort, limit, convert, id)
}

// findPageHinted is findPage reading the index named hint, when not empty.
func findPageHinted[D any, T any](ctx context.Context, coll *mongo.Collection, filter bson.D, hint string, sort int, limit int, convert func(D) T, id func(T) string) (data.Page[T], error) {
	return findPageSorted(ctx, coll, filter, hint, bson.D{{Key: "_id", Value: sort}}, limit, convert, id)
}

// findPageSorted reads one page of limit documents matching filter in
// sort's order, off the index named hint when not empty, converting each;
// Next names the page's last by id when more follow.
func findPageSorted[D any, T any](ctx context.Context, coll *mongo.Collection, filter bson.D, hint string, sort bson.D, limit int, convert func(D) T, id func(T) string) (data.Page[T], error) {
	var page data.Page[T]
	opts := options.Find().SetSort(sort).SetLimit(int64(limit + 1))
	if hint != "" {
		opts.SetHint(hint)
	}
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
