// Package app holds tolk's use cases: who may do what (role and
// organisation), IDs, versions, timestamps, and the data.Change (audit
// entries) that lands with each change. A rule that depends on a record's
// current state is stated once, inside the update function the store runs
// (and re-runs when it loses a race), so no use case holds a retry loop.
// Both front doors (the JSON API and the web pages) call it, so no rule
// lives only in a front door, and both map its errors through one
// classification (Classify). It knows nothing of HTTP.
package app

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
	"github.com/tolk/tolk/retention"
)

// Config is what the application needs.
type Config struct {
	Store  data.Store
	Logger *slog.Logger
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
	// Policy is the matching policy. Defaults to matching.DefaultPolicy().
	Policy *matching.Policy
	// KeepIDs keeps the IDs that create requests name (NewUser.ID, the ID
	// of an interpreter's or a case's fields, NewBooking.ID) instead of
	// minting new ones: for seeding, where a second start must find what
	// the first seeded. Every other rule applies as ever. Never set it for
	// an application that serves requests.
	KeepIDs bool
	// FirstRetry is how long the deliverer waits after a message's first
	// failed attempt; each later wait doubles, up to an hour. Defaults to a
	// minute (tests and drills shorten it).
	FirstRetry time.Duration
	// BaseURL is the service's public address, for the links messages
	// carry (an invitation's answer page, a booking's page). Defaults to
	// http://localhost:8080.
	BaseURL string
	// DirectBookingCoordinatorsOnly reserves direct booking (an interview
	// agreed with the interpreter outside tolk) to coordinators: everyone
	// else books by offer, which the interpreter accepts.
	DirectBookingCoordinatorsOnly bool
	// Retention is the retention policy. Defaults to retention.Default().
	Retention *retention.Policy
	// MatchTurns is how many matches are worked out at once; the others
	// wait in the order they came (see matchTurn in matches.go). 0: no
	// limit.
	MatchTurns int
}

// App is the application: every use case is a method taking the request's
// context and the acting user.
type App struct {
	store   data.Store
	log     *slog.Logger
	now     func() time.Time
	policy  matching.Policy
	keepIDs bool
	// directByCoordinators: see Config.DirectBookingCoordinatorsOnly.
	directByCoordinators bool
	baseURL              string
	firstRetry           time.Duration
	retention            retention.Policy
	// matchTurns holds a token for each match being worked out (nil: no
	// limit).
	matchTurns chan struct{}
}

// New returns the application over cfg.Store.
func New(cfg Config) *App {
	a := &App{store: cfg.Store, log: cfg.Logger, now: cfg.Now, keepIDs: cfg.KeepIDs, directByCoordinators: cfg.DirectBookingCoordinatorsOnly}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.firstRetry = cfg.FirstRetry
	if a.firstRetry <= 0 {
		a.firstRetry = time.Minute
	}
	a.baseURL = strings.TrimRight(cfg.BaseURL, "/")
	if a.baseURL == "" {
		a.baseURL = "http://localhost:8080"
	}
	a.retention = retention.Default()
	if cfg.Retention != nil {
		a.retention = *cfg.Retention
	}
	if cfg.MatchTurns > 0 {
		a.matchTurns = make(chan struct{}, cfg.MatchTurns)
	}
	a.policy = matching.DefaultPolicy()
	if cfg.Policy != nil {
		a.policy = *cfg.Policy
	}
	return a
}

// Store returns the store the application works on (for health checks).
func (a *App) Store() data.Store { return a.store }

// require admits actors holding one of roles. An interpreter is refused
// with ErrNotFound, not ErrForbidden: to an interpreter's user, nothing
// exists but their own record, invitations, bookings and availability
// (the use cases for those admit them themselves).
func require(actor data.User, roles ...data.Role) error {
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	if actor.Role == data.RoleInterpreter {
		return fmt.Errorf("not for an interpreter: %w", data.ErrNotFound)
	}
	return forbidden("the %s role may not do this", actor.Role)
}

// self reports whether actor is the interpreter with this record ID.
func self(actor data.User, interpreterID string) bool {
	return actor.Role == data.RoleInterpreter && actor.InterpreterID != "" && actor.InterpreterID == interpreterID
}

// stamp returns the application's clock reading as the stores keep it.
func (a *App) stamp() time.Time { return data.Timestamp(a.now()) }

// audited returns the change that one audit entry describes: actor did
// action to the entity at now, recorded in scope's history.
func audited(now time.Time, actor data.User, scope string, action data.Action, entity data.EntityType, id string) data.Change {
	return data.Audited(data.NewAuditEntry(now, actor, scope, action, entity, id))
}

// newID is the ID of a record created at now: the one the request named
// when the application keeps IDs (Config.KeepIDs), a fresh one otherwise.
func (a *App) newID(named string, now time.Time) string {
	if a.keepIDs && named != "" {
		return named
	}
	return data.NewID(now)
}

// System is the service itself acting in an organisation with a role:
// the actor of what no person does (expiring sessions, ensuring the
// bootstrap admin, creating the demo's users). It is held to the rules of
// that role like anyone.
func System(organisation string, role data.Role) data.User {
	return data.User{ID: data.ActorSystem, Organisation: organisation, Role: role}
}
