package data

import (
	"context"
	"time"
)

// Store is what tolk keeps, behind one contract that every backend
// implements and data/datatest checks. Every method takes the request's
// context first and honours its deadline and cancellation (the context's
// error comes back, wrapped). After Close every method but Close returns
// ErrClosed; closing twice is harmless.
// Errors are the sentinels of this package (test with errors.Is), possibly
// wrapped; any other error means the store could not answer.
//
// Every write takes the audit entry that describes it and lands both or
// neither: there is no stored change without its entry. A write that
// returned nil is durable (it survives a crash of the process).
//
// Times come back in UTC, truncated to the millisecond (see Timestamp).
// Atomicity lives in the store, never in a lock of the calling process: two
// service instances sharing one database get the same guarantees.
//
// Every listing costs what its page costs: backends answer each query from
// an index, never by reading records the query does not return.
type Store interface {
	CaseStore
	BookingStore
	FeedStore
	SessionStore

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store; later calls return ErrClosed, a second Close nil.
	Close(ctx context.Context) error

	// CreateUser stores a new user with its audit entry. ErrDuplicate when
	// the ID, the email or the key hash is already taken; nothing is
	// written then.
	CreateUser(ctx context.Context, u User, audit AuditEntry) error
	// User returns the user with this ID, or ErrNotFound.
	User(ctx context.Context, id string) (User, error)
	// UserByKeyHash returns the user holding the key with this hash, or ErrNotFound.
	UserByKeyHash(ctx context.Context, keyHash string) (User, error)
	// UserByEmail returns the user with this email, compared after
	// NormalizeEmail, or ErrNotFound: how a sign-in through an identity
	// provider finds its user.
	UserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns one organisation's users in ID order. ErrInvalid
	// without an organisation.
	ListUsers(ctx context.Context, q UserQuery) (Page[User], error)
	// ReplaceUserKey gives the user a new key hash (the old key stops working
	// at once) and sets AccessRevoked to revoked, with its audit entry, and
	// returns the updated user. ErrNotFound for an unknown user;
	// ErrDuplicate when another user holds that hash. Nothing is written on
	// error.
	ReplaceUserKey(ctx context.Context, id, keyHash string, revoked bool, audit AuditEntry) (User, error)

	// AppendAudit stores an entry that describes no change of a record: a
	// sensitive read, a sign-in. Entries are never updated or deleted.
	// ErrDuplicate when the ID is taken.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns entries matching q, newest first.
	ListAudit(ctx context.Context, q AuditQuery) (Page[AuditEntry], error)

	// CreateInterpreter stores a new interpreter record, which must already
	// carry its ID, Version 1 and timestamps, with its audit entry.
	// ErrDuplicate when the ID is taken; nothing is written then.
	CreateInterpreter(ctx context.Context, in Interpreter, audit AuditEntry) error
	// Interpreter returns the record with this ID, or ErrNotFound.
	Interpreter(ctx context.Context, id string) (Interpreter, error)
	// UpdateInterpreter replaces the record whose ID and Version match in,
	// storing it with Version+1 together with its audit entry, and returns
	// what it stored. ErrNotFound when no record has the ID; ErrConflict when
	// the stored version differs, in which case nothing is written. Of two
	// writers holding the same version, exactly one wins.
	UpdateInterpreter(ctx context.Context, in Interpreter, audit AuditEntry) (Interpreter, error)
	// ListInterpreters returns records matching q in ID order (creation order),
	// so a cursor stays valid while others insert.
	ListInterpreters(ctx context.Context, q InterpreterQuery) (Page[Interpreter], error)
}

// CaseStore keeps cases. It is part of Store.
type CaseStore interface {
	// CreateCase stores a new case, which must already carry its ID,
	// Version 1 and timestamps, with its audit entry. ErrDuplicate when the
	// ID is taken; nothing is written then.
	CreateCase(ctx context.Context, c Case, audit AuditEntry) error
	// Case returns the case with this ID, or ErrNotFound.
	Case(ctx context.Context, id string) (Case, error)
	// UpdateCase replaces the case whose ID and Version match c, storing it
	// with Version+1 together with its audit entry, and returns what it
	// stored. ErrNotFound when no case has the ID; ErrConflict when the
	// stored version differs (nothing is written then).
	UpdateCase(ctx context.Context, c Case, audit AuditEntry) (Case, error)
	// ListCases returns one organisation's cases, newest first.
	// ErrInvalid without an organisation.
	ListCases(ctx context.Context, q CaseQuery) (Page[Case], error)
}

// BookingStore keeps bookings, and is where double booking is prevented:
// of two bookings of one interpreter that Block each other, at most one is
// ever confirmed, however many service instances write at once. It is part
// of Store.
type BookingStore interface {
	// CreateBooking stores a new booking (Version 1, with its ID and
	// timestamps) with its audit entry. When the booking holds its
	// interpreter's time (confirmed or completed: BookingStatus.HoldsTime)
	// and Blocks another such booking of the same interpreter, nothing is written
	// and the error is an *OverlapError (ErrOverlap) naming that booking.
	// ErrDuplicate when the ID is taken. A backend that serialises writers
	// optimistically retries internally and may, under heavy contention for
	// one interpreter, give up with ErrConflict (nothing written; the
	// caller may try again).
	CreateBooking(ctx context.Context, b Booking, audit AuditEntry) error
	// Booking returns the booking with this ID, or ErrNotFound.
	Booking(ctx context.Context, id string) (Booking, error)
	// UpdateBooking replaces the booking whose ID and Version match b,
	// storing it with Version+1 together with its audit entry, and returns
	// what it stored. Its interpreter may not change (ErrInvalid). A
	// confirmed booking is checked as in CreateBooking (ignoring itself); one
	// that is cancelled or completed frees its time at once. ErrNotFound,
	// ErrConflict (stale version; nothing written), ErrOverlap. Which status
	// changes are allowed is the caller's rule, not the store's.
	UpdateBooking(ctx context.Context, b Booking, audit AuditEntry) (Booking, error)
	// ListBookings returns the bookings matching q, by start time then ID.
	// ErrInvalid without an organisation or with a cursor it did not issue.
	// From and To count to the millisecond (times are stored so).
	ListBookings(ctx context.Context, q BookingQuery) (Page[Booking], error)
	// ConfirmedBookings returns the bookings that hold these interpreters'
	// time (confirmed or completed)
	// that start in [from, to) (to the millisecond), by interpreter ID then
	// start, each interpreter once however often listed: what matching
	// needs to judge availability, in one call whose cost follows the answer.
	ConfirmedBookings(ctx context.Context, interpreterIDs []string, from, to time.Time) ([]Booking, error)
}

// FeedStore keeps calendar subscriptions. It becomes part of Store once
// every backend keeps feeds.
type FeedStore interface {
	// CreateFeed stores a new feed (Version 1) with its audit entry.
	// ErrDuplicate when the ID or the token hash is taken; nothing is
	// written then.
	CreateFeed(ctx context.Context, f Feed, audit AuditEntry) error
	// Feed returns the feed with this ID, revoked or not, or ErrNotFound.
	Feed(ctx context.Context, id string) (Feed, error)
	// FeedByTokenHash returns the feed holding the token with this hash,
	// revoked or not, or ErrNotFound.
	FeedByTokenHash(ctx context.Context, tokenHash string) (Feed, error)
	// UpdateFeed replaces the feed whose ID and Version match f (to revoke
	// it), storing Version+1 with its audit entry. ErrNotFound;
	// ErrConflict when the version is stale (nothing written).
	UpdateFeed(ctx context.Context, f Feed, audit AuditEntry) (Feed, error)
	// ListFeeds returns one owner's feeds, revoked ones included, in ID
	// order. ErrInvalid without an owner.
	ListFeeds(ctx context.Context, q FeedQuery) (Page[Feed], error)
}
