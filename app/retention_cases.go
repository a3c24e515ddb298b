package app

import (
	"context"
	"errors"
	"time"

	"github.com/tolk/tolk/data"
)

// errHeld is what an update function returns to leave a record a legal
// hold holds: it writes nothing.
var errHeld = errors.New("held")

// dueCases walks the closed cases not yet anonymised that closed before
// cutoff (data.Case.Anonymise; tombstone data.ActionCaseAnonymised), held
// by their own legal hold, which the anonymising write reads again in the
// same write: a case reopened or held meanwhile is left as it is.
func (a *App) dueCases(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	return pages(ctx, func(after string) (data.Page[data.Case], error) {
		return a.store.CasesClosedBefore(ctx, cutoff, after, data.MaxPageSize)
	}, func(c data.Case) error {
		return fn(due{item: RetentionItem{ID: c.ID, Organisation: c.Organisation, Ended: c.Closed}, held: c.LegalHold,
			act: func(ctx context.Context, now time.Time) (bool, error) {
				_, err := a.store.UpdateCase(ctx, c.ID, func(cur data.Case) (data.Case, data.Change, error) {
					switch {
					case cur.LegalHold:
						return cur, data.Change{}, errHeld
					case !cur.Anonymised.IsZero() || cur.Closed.IsZero() || !cur.Closed.Before(cutoff):
						return cur, data.Change{}, data.ErrNoChange
					}
					return cur.Anonymise(now), audited(now, System(cur.Organisation, data.RoleAdmin), cur.Organisation,
						data.ActionCaseAnonymised, data.EntityCase, cur.ID), nil
				})
				if errors.Is(err, errHeld) {
					return true, nil
				}
				return false, err
			}})
	})
}

// SetLegalHold places (hold) or lifts a legal hold on a case of the
// coordinator's organisation, audited: while it holds, retention leaves
// the case, its bookings and its offers as they are.
func (a *App) SetLegalHold(ctx context.Context, actor data.User, caseID string, hold bool) (data.Case, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Case{}, err
	}
	if _, err := a.GetCase(ctx, actor, caseID); err != nil { // another organisation's case: not found
		return data.Case{}, err
	}
	now := a.stamp()
	action := data.ActionCaseHoldLifted
	if hold {
		action = data.ActionCaseHoldPlaced
	}
	return a.store.UpdateCase(ctx, caseID, func(c data.Case) (data.Case, data.Change, error) {
		if c.LegalHold == hold {
			return c, data.Change{}, data.ErrNoChange
		}
		c.LegalHold, c.UpdatedAt = hold, now
		return c, audited(now, actor, c.Organisation, action, data.EntityCase, c.ID), nil
	})
}
