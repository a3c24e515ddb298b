package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// A session's document changes twice at most: it is created, and it is
// ended, each a versioned write with its change (locks.go), so that of two
// writers ending it exactly one wins. Activity (TouchSession) never
// writes it: FerretDB 1.24 runs a filtered update as a query followed by a
// write of the whole document by _id, so a touch that read the session
// before its end landed would write it back live. Touches are instead
// documents of their own, in the touches collection, only ever inserted and
// deleted (atomic on every server): one per session and millisecond of
// activity, the latest of which is the session's LastSeen.

// sessionDocument is a session as stored. Live is true until the session
// ends: the index on (userId, live, _id) lists a user's live sessions in ID
// order without reading ended ones. LastSeen is as the session was
// created; its touches hold the rest.
type sessionDocument struct {
	ID           string    `bson:"_id"`
	UserID       string    `bson:"userId"`
	Organisation string    `bson:"organisation"`
	Method       string    `bson:"method"`
	CreatedAt    time.Time `bson:"createdAt"`
	LastSeen     time.Time `bson:"lastSeen"`
	ExpiresAt    time.Time `bson:"expiresAt"`
	EndedAt      time.Time `bson:"endedAt,omitempty"` // absent while the session may be used
	Live         bool      `bson:"live"`
	Version      int64     `bson:"version"`
}

// touchDocument is a session's activity at one millisecond. Its _id is the
// session's ID, "/" and the time in a fixed-width form, so that a session's
// touches sort by time; the index on (session, _id) finds them.
type touchDocument struct {
	ID      string    `bson:"_id"`
	Session string    `bson:"session"`
	At      time.Time `bson:"at"`
}

func fromSession(s data.Session) sessionDocument {
	return sessionDocument{
		ID: s.ID, UserID: s.UserID, Organisation: s.Organisation, Method: s.Method,
		CreatedAt: data.Timestamp(s.CreatedAt), LastSeen: data.Timestamp(s.LastSeen),
		ExpiresAt: data.Timestamp(s.ExpiresAt), EndedAt: data.Timestamp(s.EndedAt), Live: !s.Ended(),
	}
}

func (d sessionDocument) toSession() data.Session {
	return data.Session{
		ID: d.ID, UserID: d.UserID, Organisation: d.Organisation, Method: d.Method,
		CreatedAt: utc(d.CreatedAt), LastSeen: utc(d.LastSeen), ExpiresAt: utc(d.ExpiresAt), EndedAt: utc(d.EndedAt),
	}
}

// withTouch returns sess with LastSeen at touched (the session's latest
// touch, or zero) when that is later.
func withTouch(sess data.Session, touched time.Time) data.Session {
	if touched.After(sess.LastSeen) {
		sess.LastSeen = utc(touched)
	}
	return sess
}

// touchID is the _id of a session's touch at at (already a data.Timestamp).
func touchID(session string, at time.Time) string {
	return session + "/" + at.UTC().Format("20060102T150405.000")
}

// sessionKind is how EndSession stores sessions, through update. The
// document's LastSeen is the one the session was created with: touches
// never write it.
var sessionKind = kind[data.Session, sessionDocument]{
	coll:     sessionsCollection,
	toDoc:    fromSession,
	toRecord: sessionDocument.toSession,
}

// CreateSession commits a new session at version 1 with its change. A
// session without an ID or a user is a *data.ValidationError.
func (s *Store) CreateSession(ctx context.Context, sess data.Session, ch data.Change) error {
	switch {
	case sess.ID == "":
		return invalid("id", "is required")
	case sess.UserID == "":
		return invalid("userId", "is required")
	}
	d := fromSession(sess)
	d.Version = 1
	return s.create(ctx, s.sessions, "session", sess.ID, d, ch)
}

// Session returns the session with this ID, ended or not, LastSeen at its
// latest touch.
func (s *Store) Session(ctx context.Context, id string) (data.Session, error) {
	var d sessionDocument
	if err := s.read(ctx, s.sessions, id, &d); err != nil {
		return data.Session{}, err
	}
	touched, err := s.touched(ctx, id)
	if err != nil {
		return data.Session{}, err
	}
	return withTouch(d.toSession(), touched[id]), nil
}

// TouchSession reads the session and, unless it has ended or at is not
// later than the LastSeen it was created with, inserts a touch at at (to
// the millisecond; one already there is the same touch) and then deletes
// the session's earlier touches. Only the latest touch counts, and only
// touches earlier than an inserted one are deleted, so LastSeen never moves
// back, however touches interleave. A touch racing the session's end may
// still land after it: the end itself (EndedAt, the audit entry) is never
// undone.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	at = data.Timestamp(at)
	var d sessionDocument
	if err := s.read(ctx, s.sessions, id, &d); err != nil {
		return err
	}
	if !d.EndedAt.IsZero() || !at.After(d.LastSeen) {
		return nil
	}
	t := touchDocument{ID: touchID(id, at), Session: id, At: at}
	if _, err := s.touches.InsertOne(ctx, t); err != nil && !isUniqueViolation(err) {
		return translate(err, "touch "+t.ID)
	}
	earlier := bson.D{{Key: "session", Value: id}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: t.ID}}}}
	_, err := s.touches.DeleteMany(ctx, earlier)
	return translate(err, "touches of session "+id)
}

// EndSession commits the session at its next version, ended at at and no
// longer live, with its change, through update. A session that has already
// ended is data.ErrConflict; so is losing the race to end it, since update
// reads the session again and finds it ended. A zero at is a
// *data.ValidationError: it would leave the session live.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time, ch data.Change) (data.Session, error) {
	if at.IsZero() {
		return data.Session{}, invalid("endedAt", "is required")
	}
	touched, err := s.touched(ctx, id) // before the commit: after it, an error would hide the end
	if err != nil {
		return data.Session{}, err
	}
	ended, err := update(ctx, s, sessionKind, id, func(sess data.Session) (data.Session, data.Change, error) {
		if sess.Ended() {
			return sess, data.Change{}, fmt.Errorf("session %s ended at %s: %w", id, sess.EndedAt.Format(time.RFC3339Nano), data.ErrConflict)
		}
		sess.EndedAt = data.Timestamp(at)
		return sess, ch, nil
	})
	if err != nil {
		return data.Session{}, err
	}
	return withTouch(ended, touched[id]), nil
}

// ListSessions lands the session changes in flight, then reads one page of
// the user's live sessions off the index on (userId, live, _id), and their
// touches off the index on (session, _id). A missing user is a
// *data.ValidationError.
func (s *Store) ListSessions(ctx context.Context, q data.SessionQuery) (data.Page[data.Session], error) {
	if q.UserID == "" {
		return data.Page[data.Session]{}, invalid("userId", "is required")
	}
	if err := s.finishPending(ctx, sessionsCollection); err != nil {
		return data.Page[data.Session]{}, err
	}
	filter := bson.D{{Key: "userId", Value: q.UserID}, {Key: "live", Value: true}}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	page, err := findPage(ctx, s.sessions, filter, 1, data.PageSize(q.Limit), sessionDocument.toSession,
		func(s data.Session) string { return s.ID })
	if err != nil || len(page.Items) == 0 {
		return page, err
	}
	ids := make([]string, len(page.Items))
	for i, sess := range page.Items {
		ids[i] = sess.ID
	}
	touched, err := s.touched(ctx, ids...)
	if err != nil {
		return data.Page[data.Session]{}, err
	}
	for i, sess := range page.Items {
		page.Items[i] = withTouch(sess, touched[sess.ID])
	}
	return page, nil
}

// touched returns the time of the latest touch of each of these sessions
// that has any. A session has one touch but while touches race, so this
// reads about one document per session.
func (s *Store) touched(ctx context.Context, ids ...string) (map[string]time.Time, error) {
	cur, err := s.touches.Find(ctx, bson.D{{Key: "session", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate(err, "touches")
	}
	var ts []touchDocument
	if err := cur.All(ctx, &ts); err != nil {
		return nil, translate(err, "touches")
	}
	latest := make(map[string]time.Time, len(ids))
	for _, t := range ts {
		if t.At.After(latest[t.Session]) {
			latest[t.Session] = t.At
		}
	}
	return latest, nil
}
