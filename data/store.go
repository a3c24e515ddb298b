package data

import (
	"context"
	"io"
)

// Store is what tolk keeps, behind one contract that every backend
// implements and data/datatest checks. It only embeds the store of each
// resource (one file each) and adds what concerns the whole store.
//
// Every method takes the request's context first and honours its deadline
// and cancellation (the context's error comes back, wrapped). After Close
// every method but Close returns ErrClosed; closing twice is harmless.
// Errors are the sentinels of this package (test with errors.Is), possibly
// wrapped; any other error means the store could not answer.
//
// Every write takes the Change that describes it (its audit entries and the
// messages it causes) and lands the record and the Change together or
// neither. A write that returned nil is durable (it
// survives a crash of the process). Versioned records change only through
// update functions (see Update), re-run by the store when it loses a race,
// so callers hold no retry loops.
//
// Times come back in UTC, truncated to the millisecond (see Timestamp).
// Atomicity lives in the store, never in a lock of the calling process: two
// service instances sharing one database get the same guarantees.
//
// Every listing costs what its page costs: backends answer each query from
// an index, never by reading records the query does not return.
type Store interface {
	UserStore
	AuditStore
	InterpreterStore
	CaseStore
	TransferStore
	BookingStore
	OfferStore
	OutboxStore
	FeedStore
	SessionStore
	RetentionStore
	UnmetNeedStore
	ReportStore
	PoolStore

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store; later calls return ErrClosed, a second Close nil.
	Close(ctx context.Context) error
}

// Snapshotter is a Store that copies itself consistently while it serves:
// the embedded store. A MongoDB store is not one; it is backed up with
// mongodump.
type Snapshotter interface {
	// Snapshot returns a reader of a consistent copy of the whole store as
	// it was at one instant during the call (every write acknowledged
	// before the call is in it), and the copy's size in bytes. The caller
	// must Close the reader. Errors: the context's, ErrClosed.
	Snapshot(ctx context.Context) (io.ReadCloser, int64, error)
}
