package data

import "context"

// Store is what tolk keeps, behind one contract that every backend
// implements and data/datatest checks. Every method takes the request's
// context first and honours its deadline. Errors are the sentinels of this
// package (test with errors.Is), possibly wrapped; any other error means the
// store could not answer.
//
// Times come back in UTC, truncated to the millisecond (see Timestamp).
// Atomicity lives in the store, never in a lock of the calling process: two
// service instances sharing one database get the same guarantees.
type Store interface {
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store; calls after Close fail.
	Close(ctx context.Context) error

	// CreateUser stores a new user. ErrDuplicate when the ID, the email or the
	// key hash is already taken; nothing is written then.
	CreateUser(ctx context.Context, u User) error
	// User returns the user with this ID, or ErrNotFound.
	User(ctx context.Context, id string) (User, error)
	// UserByKeyHash returns the user holding the key with this hash, or ErrNotFound.
	UserByKeyHash(ctx context.Context, keyHash string) (User, error)
	// ReplaceUserKey gives the user a new key hash (the old key stops working)
	// and returns the updated user. ErrNotFound for an unknown user;
	// ErrDuplicate when another user holds that hash.
	ReplaceUserKey(ctx context.Context, id, keyHash string) (User, error)

	// AppendAudit stores an audit entry. Entries are never updated or deleted.
	// ErrDuplicate when the ID is taken.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns entries matching q, newest first.
	ListAudit(ctx context.Context, q AuditQuery) (Page[AuditEntry], error)

	// CreateInterpreter stores a new interpreter record, which must already
	// carry its ID, Version 1 and timestamps. ErrDuplicate when the ID is taken.
	CreateInterpreter(ctx context.Context, in Interpreter) error
	// Interpreter returns the record with this ID, or ErrNotFound.
	Interpreter(ctx context.Context, id string) (Interpreter, error)
	// UpdateInterpreter replaces the record whose ID and Version match in,
	// storing it with Version+1, and returns what it stored. ErrNotFound when
	// no record has the ID; ErrConflict when the stored version differs, in
	// which case nothing is written. Of two writers holding the same version,
	// exactly one wins.
	UpdateInterpreter(ctx context.Context, in Interpreter) (Interpreter, error)
	// ListInterpreters returns records matching q in ID order (creation order),
	// so a cursor stays valid while others insert.
	ListInterpreters(ctx context.Context, q InterpreterQuery) (Page[Interpreter], error)
}
