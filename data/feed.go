package data

import "time"

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
)

// FeedScopes lists every FeedScope.
var FeedScopes = []FeedScope{FeedInterpreter, FeedMine, FeedOrganisation}

// Feed is a calendar subscription behind a secret token. Only the token's
// hash is kept (see HashKey): the token is shown once, in the feed's URL.
type Feed struct {
	ID            string
	Organisation  string
	Owner         string // the user ID who created it
	Scope         FeedScope
	InterpreterID string // for FeedInterpreter
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
