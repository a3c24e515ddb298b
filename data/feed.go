package data

import (
	"context"
	"time"
)

// FeedScope says which bookings a calendar subscription shows.
type FeedScope string

// The feed scopes.
const (
	// FeedInterpreter shows one interpreter's bookings in the organisation.
	FeedInterpreter FeedScope = "interpreter"
	// FeedMine shows the bookings its owner made.
	FeedMine FeedScope = "mine"
	// FeedOrganisation shows every booking of the organisation.
	FeedOrganisation FeedScope = "organisation"
	// FeedFreeBusy shows an interpreter's busy time in every organisation,
	// as free/busy periods without a word about what fills them: for the
	// interpreter's own calendar app. Its owner is the interpreter's user.
	FeedFreeBusy FeedScope = "freebusy"
)

// FeedScopes lists every FeedScope.
var FeedScopes = []FeedScope{FeedInterpreter, FeedMine, FeedOrganisation, FeedFreeBusy}

// Feed is a calendar subscription behind a secret token. Only the token's
// hash is kept (see HashKey): the token is shown once, in the feed's URL.
type Feed struct {
	ID            string
	Organisation  string
	Owner         string // the user ID who created it
	Scope         FeedScope
	InterpreterID string // for FeedInterpreter and FeedFreeBusy
	TokenHash     string
	RevokedAt     time.Time // zero while the feed works
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Revoked reports whether the feed has been revoked.
func (f Feed) Revoked() bool { return !f.RevokedAt.IsZero() }

// FeedQuery selects one owner's feeds in ID order.
type FeedQuery struct {
	Owner string // required
	After string // cursor: feeds whose ID sorts after it
	Limit int
}

// FeedStore keeps calendar subscriptions.
type FeedStore interface {
	// CreateFeed stores a new feed (Version 1) with its change.
	// ErrDuplicate when the ID or the token hash is taken; nothing is
	// written then.
	CreateFeed(ctx context.Context, f Feed, ch Change) error
	// Feed returns the feed with this ID, revoked or not, or ErrNotFound.
	Feed(ctx context.Context, id string) (Feed, error)
	// FeedByTokenHash returns the feed holding the token with this hash,
	// revoked or not, or ErrNotFound.
	FeedByTokenHash(ctx context.Context, tokenHash string) (Feed, error)
	// PollFeed is what a calendar client's poll reads: the feed holding
	// the token with this hash, revoked or not, and the mark (see
	// AuditStore.NewestAudit) of the newest n audit entries of the scopes
	// covers names for that feed, read no earlier than the feed (on a
	// store that can, in the same read, so covers must not call the
	// store). When covers names no scope, nothing more is read and the
	// mark is zero. Errors: ErrNotFound when no feed holds the token
	// (covers is not called then); the context's, ErrClosed; ErrInvalid
	// for n outside 1 to MaxPageSize when covers names a scope.
	PollFeed(ctx context.Context, tokenHash string, n int, covers func(Feed) []string) (Feed, AuditMark, error)
	// UpdateFeed changes the feed with this ID through fn (see Update), to
	// revoke it, and returns what it stored. ErrNotFound; ErrDuplicate when
	// fn gives it a token hash another feed holds; ErrInvalid when fn
	// changes its ID, organisation, owner or creation time. Nothing is
	// written on error.
	UpdateFeed(ctx context.Context, id string, fn Update[Feed]) (Feed, error)
	// ListFeeds returns one owner's feeds, revoked ones included, in ID
	// order. ErrInvalid without an owner.
	ListFeeds(ctx context.Context, q FeedQuery) (Page[Feed], error)
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a feed never changes: its ID, organisation, owner, scope,
// interpreter and creation time.
func (f Feed) CheckUpdate(old Feed) error {
	var p problems
	p.same("id", f.ID, old.ID)
	p.same("organisation", f.Organisation, old.Organisation)
	p.same("owner", f.Owner, old.Owner)
	p.same("scope", string(f.Scope), string(old.Scope))
	p.same("interpreterId", f.InterpreterID, old.InterpreterID)
	p.sameTime("createdAt", f.CreatedAt, old.CreatedAt)
	return p.err()
}
