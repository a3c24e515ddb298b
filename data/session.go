package data

import (
	"context"
	"time"
)

// Session is a signed-in visit to the web pages. The browser holds a
// random token in a cookie; the store keeps only its hash (HashKey) as the
// session's ID, so a copy of the store opens no session.
type Session struct {
	ID           string // HashKey of the cookie's token
	UserID       string
	Organisation string // the user's, so audit entries of the session need no user read
	// Method is how the user signed in: "key" or "oidc".
	Method    string
	CreatedAt time.Time
	// LastSeen is the last request of the session, kept to about a minute
	// (see TouchSession): the idle timeout counts from it.
	LastSeen time.Time
	// ExpiresAt is the absolute end, however active the session is.
	ExpiresAt time.Time
	// EndedAt is when the user signed out, or the session was ended for
	// them (their key revoked); zero while the session may be used.
	EndedAt time.Time
}

// Ended reports whether the session was ended (signed out, revoked).
func (s Session) Ended() bool { return !s.EndedAt.IsZero() }

// SessionStore keeps web sessions. Sessions carry no version: they only
// ever start, are touched and end.
type SessionStore interface {
	// CreateSession stores a new session with its change (the sign-in). ErrDuplicate when the ID is taken; ErrInvalid without an ID
	// or a user; nothing is written then.
	CreateSession(ctx context.Context, s Session, ch Change) error
	// Session returns the session with this ID, ended or not, or
	// ErrNotFound.
	Session(ctx context.Context, id string) (Session, error)
	// TouchSession sets the LastSeen of a session that has not ended to at,
	// when at is later than the stored LastSeen (to the millisecond):
	// LastSeen never moves back, however touches interleave. It records
	// activity, not a change of a record, so it alone among writes takes no
	// change. ErrNotFound for an unknown session; an ended session is
	// left as it is (nil), and a touch never undoes an end.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// EndSession sets EndedAt of a session that has not ended to at, with
	// its change, and returns what it stored. ErrNotFound for an
	// unknown session; ErrConflict when it had already ended: of two
	// writers ending one session, exactly one succeeds. ErrInvalid when at
	// is zero. Nothing is written on error.
	EndSession(ctx context.Context, id string, at time.Time, ch Change) (Session, error)
	// ListSessions returns one user's sessions that have not ended, in ID
	// order: what ending all of a user's sessions needs. ErrInvalid without
	// a user.
	ListSessions(ctx context.Context, q SessionQuery) (Page[Session], error)
	// SessionsExpiredBefore returns the sessions whose absolute expiry
	// (ExpiresAt) is before before, ended or not, in every organisation,
	// by expiry then ID, after the session named by after ("" for the
	// first page). ErrInvalid when after names no session.
	SessionsExpiredBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Session], error)
	// DeleteSessions deletes the sessions with these IDs (an ID naming
	// none is skipped) and lands ch, the deletion's tombstone: retention's.
	// ErrInvalid when ch fails Change.Check; nothing is deleted then. A
	// store without multi-document atomicity lands ch first, as
	// DeleteSignIns does.
	DeleteSessions(ctx context.Context, ids []string, ch Change) error
}

// SessionQuery selects one user's sessions that have not ended.
type SessionQuery struct {
	UserID string // required
	After  string // cursor: sessions whose ID sorts after it
	Limit  int
}

// UserQuery selects the users of one organisation, in ID order.
type UserQuery struct {
	// Organisation keeps one organisation's users; required unless Role
	// is set.
	Organisation string
	// Role keeps the users of one role: with no organisation, in every
	// organisation (whom the daily summary goes to: the coordinators).
	Role  Role
	After string // cursor: users whose ID sorts after it
	Limit int
}
