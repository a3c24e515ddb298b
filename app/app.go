// Package app holds tolk's use cases: who may do what (role and
// organisation), IDs, versions, timestamps, retries, and the audit entry
// that lands with each change. Both front doors (the JSON API and the web
// pages) call it, so no rule lives only in a front door. It knows nothing of
// HTTP.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// Config is what the application needs.
type Config struct {
	Store  data.Store
	Logger *slog.Logger
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
	// Policy is the matching policy. Defaults to matching.DefaultPolicy().
	Policy *matching.Policy
}

// App is the application: every use case is a method taking the request's
// context and the acting user.
type App struct {
	store  data.Store
	log    *slog.Logger
	now    func() time.Time
	policy matching.Policy
}

// New returns the application over cfg.Store.
func New(cfg Config) *App {
	a := &App{store: cfg.Store, log: cfg.Logger, now: cfg.Now}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.policy = matching.DefaultPolicy()
	if cfg.Policy != nil {
		a.policy = *cfg.Policy
	}
	return a
}

// Store returns the store the application works on (for health checks).
func (a *App) Store() data.Store { return a.store }

// Errors of the application, beside the data sentinels it passes through.
var (
	// ErrUnauthenticated means no valid credential was presented.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the actor's role or organisation may not do this.
	// The concrete error is a *ForbiddenError saying why.
	ErrForbidden = errors.New("forbidden")
	// ErrStale means a conditional change named a version that is no longer
	// current; the concrete error is a *StaleError.
	ErrStale = errors.New("stale version")
)

// ForbiddenError says why an actor may not do something. It matches
// ErrForbidden under errors.Is.
type ForbiddenError struct{ Reason string }

// Error returns the reason.
func (e *ForbiddenError) Error() string { return e.Reason }

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// StaleError says which version a record is at now. It matches ErrStale.
type StaleError struct {
	Current int64
}

// Error names the current version.
func (e *StaleError) Error() string {
	return fmt.Sprintf("the record is now at version %d; read it again and reapply your change", e.Current)
}

// Is reports whether target is ErrStale.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

func forbidden(format string, args ...any) error {
	return &ForbiddenError{Reason: fmt.Sprintf(format, args...)}
}

// require admits actors holding one of roles.
func require(actor data.User, roles ...data.Role) error {
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	return forbidden("the %s role may not do this", actor.Role)
}

// invalid returns a validation error naming one field.
func invalid(field, message string) error {
	return &data.ValidationError{Errors: []data.FieldError{{Field: field, Message: message}}}
}

// retries bounds how often a use case re-reads and re-applies a change that
// lost a race to another writer before answering with a conflict.
const retries = 5

// stamp returns the application's clock reading as the stores keep it.
func (a *App) stamp() time.Time { return data.Timestamp(a.now()) }
