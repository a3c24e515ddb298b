package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// walkDeleting is the walk of a class whose action deletes: it calls fn
// with each record due, page by page, and deletes, after each page, the
// records fn acted on, one store call (with one tombstone) per
// organisation. A deleted record names no position, so the cursor moves
// only past the records the walk keeps: those held, and every one of a
// walk that acts on none (a preview).
func walkDeleting[T any](ctx context.Context, fn func(due) error,
	page func(after string) (data.Page[T], error),
	item func(T) RetentionItem,
	held func(ctx context.Context, x T) (bool, error),
	heldNow func(ctx context.Context, x T) (bool, error),
	remove func(ctx context.Context, org string, ids []string, now time.Time) error,
) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := page(after)
		if err != nil {
			return err
		}
		pending := map[string][]string{}
		var at time.Time
		for _, x := range p.Items {
			it := item(x)
			h, err := held(ctx, x)
			if err != nil {
				return err
			}
			deleted := false
			err = fn(due{item: it, held: h, act: func(ctx context.Context, now time.Time) (bool, error) {
				if h, err := heldNow(ctx, x); err != nil || h {
					return h, err
				}
				pending[it.Organisation] = append(pending[it.Organisation], it.ID)
				deleted, at = true, now
				return false, nil
			}})
			if err != nil {
				return err
			}
			if !deleted {
				after = it.ID
			}
		}
		orgs := make([]string, 0, len(pending))
		for org := range pending {
			orgs = append(orgs, org)
		}
		slices.Sort(orgs)
		for _, org := range orgs {
			if err := remove(ctx, org, pending[org], at); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
	}
}

// userHeld reports whether the user is an interpreter's whose record is
// on a legal hold: a hold on an interpreter holds their account's sessions
// and sign-ins too. A user the store no longer holds is not.
func (a *App) userHeld(ctx context.Context, cache map[string]bool, userID string) (bool, error) {
	if held, ok := cache[userID]; ok {
		return held, nil
	}
	u, err := a.store.User(ctx, userID)
	switch {
	case errors.Is(err, data.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	held := false
	if u.InterpreterID != "" {
		if held, err = a.interpreterHeld(ctx, u.InterpreterID); err != nil {
			return false, err
		}
	}
	cache[userID] = held
	return held, nil
}

// tombstone is the change a deletion of records of org lands with: one
// entry of action about the whole store, by the service.
func tombstone(now time.Time, org string, action data.Action) data.Change {
	return audited(now, System(org, data.RoleAdmin), org, action, data.EntityStore, data.StoreEntityID)
}

// dueSessions walks the sessions whose absolute expiry is before cutoff,
// deleting them (tombstone data.ActionSessionsDeleted per organisation and
// page), held by a legal hold on the interpreter whose account they are.
func (a *App) dueSessions(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	cache := map[string]bool{}
	held := func(ctx context.Context, s data.Session) (bool, error) { return a.userHeld(ctx, cache, s.UserID) }
	return walkDeleting(ctx, fn,
		func(after string) (data.Page[data.Session], error) {
			return a.store.SessionsExpiredBefore(ctx, cutoff, after, data.MaxPageSize)
		},
		func(s data.Session) RetentionItem {
			return RetentionItem{ID: s.ID, Organisation: s.Organisation, Ended: s.ExpiresAt}
		},
		held,
		func(ctx context.Context, s data.Session) (bool, error) {
			return a.userHeld(ctx, map[string]bool{}, s.UserID)
		},
		func(ctx context.Context, org string, ids []string, now time.Time) error {
			return a.store.DeleteSessions(ctx, ids, tombstone(now, org, data.ActionSessionsDeleted))
		})
}

// dueSignIns walks the sign-in entries of the audit made before cutoff,
// deleting them (tombstone data.ActionSignInsDeleted per organisation and
// page), held by a legal hold on the interpreter whose account they are
// about.
func (a *App) dueSignIns(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	cache := map[string]bool{}
	return walkDeleting(ctx, fn,
		func(after string) (data.Page[data.AuditEntry], error) {
			return a.store.SignInsBefore(ctx, cutoff, after, data.MaxPageSize)
		},
		func(e data.AuditEntry) RetentionItem {
			return RetentionItem{ID: e.ID, Organisation: e.Scope, Ended: e.At}
		},
		func(ctx context.Context, e data.AuditEntry) (bool, error) { return a.userHeld(ctx, cache, e.EntityID) },
		func(ctx context.Context, e data.AuditEntry) (bool, error) {
			return a.userHeld(ctx, map[string]bool{}, e.EntityID)
		},
		func(ctx context.Context, org string, ids []string, now time.Time) error {
			return a.store.DeleteSignIns(ctx, ids, tombstone(now, org, data.ActionSignInsDeleted))
		})
}
