package mongodb

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Locks, take-over claims and ledger entries are stamped, and their ages
// measured, on the database server's clock, never on an instance's own:
// an instance whose clock is wrong by ten minutes would otherwise take a
// live writer's lock for dead (and land it while its writer still may,
// which FerretDB cannot bear: see the package comment), or leave a dead
// writer's lock for ten minutes more than LockTimeout.
//
// Every server tolk runs on says its time in its answer to hello (or to
// isMaster, which Cosmos DB answers where it may not answer hello), as
// localTime, with the millisecond. A store reads it at Open and then at
// most once every clockRefresh, and between readings counts the time
// passed on this machine's monotonic clock, which no setting or stepping
// of the wall clock moves. So each instance's reckoning of the server's
// time is off by at most half a round trip at the reading plus its
// clock's drift since (a few milliseconds a minute for a bad clock), well
// inside the margin DefaultLockTimeout leaves. A server that does not say
// its time leaves the instance's own clock to stand in for it, as before.
//
// What this asks of a deployment: that the server tolk talks to keeps one
// clock. A replica set's primary answers (RunCommand reads from the
// primary), and its members keep time by NTP, as MongoDB asks; several
// FerretDB processes in front of one PostgreSQL each answer with their own
// clock, so keep them on NTP too, or run one.

// clockRefresh is how long one reading of the database's clock serves.
const clockRefresh = time.Minute

// dbClock is an instance's reading of the database server's clock: the
// server's time and this instance's clock at that moment (its monotonic
// reading, midway through the round trip).
type dbClock struct {
	mu      sync.Mutex
	server  time.Time
	local   time.Time
	read    bool // a reading was taken
	reading bool // one is being taken
}

// reset forgets the reading, so that the next dbNow reads the server's
// clock again.
func (c *dbClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = false
}

// dbNow is the database server's time as this instance reckons it: the
// last reading of it plus the time passed since on this instance's
// monotonic clock. It reads the server's clock again when the reading is
// older than clockRefresh (one caller at a time; the others keep to the
// last reading meanwhile). A reading that fails leaves the last one in
// use; with none yet, its error is returned.
func (s *Store) dbNow(ctx context.Context) (time.Time, error) {
	c := &s.clock
	c.mu.Lock()
	now := s.localNow()
	if c.read && (c.reading || now.Sub(c.local) < clockRefresh) {
		t := c.server.Add(now.Sub(c.local))
		c.mu.Unlock()
		return t, nil
	}
	c.reading = true
	c.mu.Unlock()

	server, local, err := s.readClock(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	if err == nil {
		c.server, c.local, c.read = server, local, true
	} else if !c.read {
		return time.Time{}, err
	}
	return c.server.Add(s.localNow().Sub(c.local)), nil
}

// readClock asks the server its time (hello's localTime, or isMaster's
// where hello is refused) and returns it with this instance's clock at
// the middle of the round trip. A server whose answer holds no time gives
// this instance's clock for both.
func (s *Store) readClock(ctx context.Context) (server, local time.Time, err error) {
	var answer struct {
		LocalTime time.Time `bson:"localTime"`
	}
	before := s.localNow()
	err = s.db.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&answer)
	if err != nil && ctx.Err() == nil {
		err = s.db.RunCommand(ctx, bson.D{{Key: "isMaster", Value: 1}}).Decode(&answer)
	}
	after := s.localNow()
	if err != nil {
		return time.Time{}, time.Time{}, translate(err, "the server's time")
	}
	local = before.Add(after.Sub(before) / 2)
	if answer.LocalTime.IsZero() {
		return local, local, nil
	}
	return answer.LocalTime, local, nil
}
