package bolt

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketSessions = []byte("sessions") // ID (the token's hash) → record
	// "<user id>\x00<session id>" for each live session: a user's sessions
	// that have not ended, in ID order. Ending a session deletes its entry.
	bucketSessionsByUser = "sessions_by_user"
	// "<expiry key>\x00<session id>" for every session: what retention
	// walks, from the session that expired first.
	bucketSessionsByExpiry = "sessions_by_expiry"
)

var sessionKind = recordKind{
	bucket:  bucketSessions,
	indexes: []string{bucketSessionsByUser, bucketSessionsByExpiry},
	entries: decode(sessionRecord.toSession, sessionIndexes),
}

// sessionIndexes derives every index entry of a session: its user's, while
// it has not ended, and its expiry's.
func sessionIndexes(s data.Session) []indexEntry {
	out := []indexEntry{{bucket: bucketSessionsByExpiry, key: indexKey(startKey(s.ExpiresAt), s.ID)}}
	if !s.Ended() {
		out = append(out, indexEntry{bucket: bucketSessionsByUser, key: indexKey(s.UserID, s.ID)})
	}
	return out
}

// sessionRecord is a session as the sessions bucket stores it, in JSON.
type sessionRecord struct {
	ID           string `json:"id"`
	UserID       string `json:"userId"`
	Organisation string `json:"organisation"`
	Method       string `json:"method"`
	CreatedAt    string `json:"createdAt"`
	LastSeen     string `json:"lastSeen"`
	ExpiresAt    string `json:"expiresAt"`
	EndedAt      string `json:"endedAt,omitempty"` // "" while the session may be used
}

func fromSession(s data.Session) sessionRecord {
	return sessionRecord{
		ID: s.ID, UserID: s.UserID, Organisation: s.Organisation, Method: s.Method,
		CreatedAt: encodeTime(s.CreatedAt), LastSeen: encodeTime(s.LastSeen),
		ExpiresAt: encodeTime(s.ExpiresAt), EndedAt: encodeTime(s.EndedAt),
	}
}

func (r sessionRecord) toSession() data.Session {
	return data.Session{
		ID: r.ID, UserID: r.UserID, Organisation: r.Organisation, Method: r.Method,
		CreatedAt: decodeTime(r.CreatedAt), LastSeen: decodeTime(r.LastSeen),
		ExpiresAt: decodeTime(r.ExpiresAt), EndedAt: decodeTime(r.EndedAt),
	}
}

// CreateSession stores a new session, its user's index entry (unless it
// has already ended) and its change in one transaction. A session without
// an ID or a user is a *data.ValidationError.
func (s *Store) CreateSession(ctx context.Context, sess data.Session, ch data.Change) error {
	if err := checkSession(sess); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b.Get([]byte(sess.ID)) != nil {
			return fmt.Errorf("session %s: %w", sess.ID, data.ErrDuplicate)
		}
		if err := writeIndexes(tx, nil, sessionIndexes(sess)); err != nil {
			return err
		}
		if err := put(b, sess.ID, fromSession(sess)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// checkSession refuses a session the store could not key.
func checkSession(sess data.Session) error {
	switch {
	case sess.ID == "":
		return invalid("id", "is required")
	case sess.UserID == "":
		return invalid("userId", "is required")
	}
	return nil
}

// Session returns the session with this ID, ended or not.
func (s *Store) Session(ctx context.Context, id string) (data.Session, error) {
	var sess data.Session
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[sessionRecord](tx.Bucket(bucketSessions), id)
		if err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		sess = rec.toSession()
		return nil
	})
	return sess, err
}

// TouchSession moves LastSeen forward to at, to the millisecond, in one
// transaction that reads the session first: an ended session, or an at not
// later than LastSeen, writes nothing. It lands no change: a touch records
// activity, not a change of a record.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	at = data.Timestamp(at)
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		rec, err := get[sessionRecord](b, id)
		if err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		sess := rec.toSession()
		if sess.Ended() || !at.After(sess.LastSeen) {
			return nil
		}
		sess.LastSeen = at
		return put(b, id, fromSession(sess))
	})
}

// EndSession sets EndedAt, deletes the session's index entry and lands its
// change in one transaction; a session that has already ended is
// data.ErrConflict, and nothing is written. A zero at is a
// *data.ValidationError: it would leave the session live.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time, ch data.Change) (data.Session, error) {
	if at.IsZero() {
		return data.Session{}, invalid("endedAt", "is required")
	}
	var sess data.Session
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		rec, err := get[sessionRecord](b, id)
		if err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		old := rec.toSession()
		if old.Ended() {
			return fmt.Errorf("session %s ended at %s: %w", id, rec.EndedAt, data.ErrConflict)
		}
		sess = old
		sess.EndedAt = data.Timestamp(at)
		if err := writeIndexes(tx, sessionIndexes(old), sessionIndexes(sess)); err != nil {
			return err
		}
		if err := put(b, id, fromSession(sess)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
	if err != nil {
		return data.Session{}, err
	}
	return sess, nil
}

// ListSessions reads the page's IDs off the user's sessions_by_user entries
// (live sessions only), after the cursor, then reads the page's records. A
// missing user is a *data.ValidationError.
func (s *Store) ListSessions(ctx context.Context, q data.SessionQuery) (data.Page[data.Session], error) {
	if q.UserID == "" {
		return data.Page[data.Session]{}, invalid("userId", "is required")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Session]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(bucketSessionsByUser)), indexPrefix(q.UserID), q.After, false).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketSessions), ids, limit, sessionRecord.toSession)
		return err
	})
	return page, err
}
