package app

import (
	"context"
	"errors"
	"time"

	"github.com/tolk/tolk/data"
)

// dueInterpreters walks the records not yet anonymised of interpreters
// who left the register before cutoff (data.Interpreter.Anonymise;
// tombstone data.ActionInterpreterAnonymised, in the register's history),
// held by their own legal hold, which the anonymising write reads again
// in the same write. The user account linked to the record is anonymised
// just before it (data.User.Anonymise: name and email gone, key replaced,
// access revoked; tombstone data.ActionUserAnonymised), and its sessions
// and feeds are ended. Exclusions naming the interpreter on cases keep
// their reasons.
func (a *App) dueInterpreters(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	return pages(ctx, func(after string) (data.Page[data.Interpreter], error) {
		return a.store.InterpretersLeftBefore(ctx, cutoff, after, data.MaxPageSize)
	}, func(in data.Interpreter) error {
		return fn(due{item: RetentionItem{ID: in.ID, Ended: in.Left()}, held: in.LegalHold,
			act: func(ctx context.Context, now time.Time) (bool, error) {
				// The account first: the walk lists records not yet
				// anonymised, so a run that stops between the two writes
				// comes back to both (the account's write changes nothing
				// the second time); the other way round, an account could
				// keep its name and email for good.
				cur, err := a.store.Interpreter(ctx, in.ID)
				if err != nil {
					return false, err
				}
				if left := cur.Left(); cur.LegalHold || !cur.Anonymised.IsZero() || left.IsZero() || !left.Before(cutoff) {
					return cur.LegalHold, nil
				}
				if err := a.anonymiseUserOf(ctx, in.ID, now); err != nil {
					return false, err
				}
				sys := System("", data.RoleAdmin)
				_, err = a.store.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
					switch left := cur.Left(); {
					case cur.LegalHold:
						return cur, data.Change{}, errHeld
					case !cur.Anonymised.IsZero() || left.IsZero() || !left.Before(cutoff):
						return cur, data.Change{}, data.ErrNoChange
					}
					return cur.Anonymise(now), audited(now, sys, data.ScopeRegister, data.ActionInterpreterAnonymised, data.EntityInterpreter, cur.ID), nil
				})
				if errors.Is(err, errHeld) {
					return true, nil
				}
				return false, err
			}})
	})
}

// anonymiseUserOf anonymises the user linked to an anonymised interpreter
// record, if any, and ends their sessions and feeds.
func (a *App) anonymiseUserOf(ctx context.Context, interpreterID string, now time.Time) error {
	u, err := a.store.UserByInterpreter(ctx, interpreterID)
	if errors.Is(err, data.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	sys := System(u.Organisation, data.RoleAdmin)
	keyHash := data.HashKey(data.NewAPIKey()) // a key nobody is given
	u, err = a.store.UpdateUser(ctx, u.ID, func(cur data.User) (data.User, data.Change, error) {
		if cur.Email == data.AnonymisedEmail(cur.ID) {
			return cur, data.Change{}, data.ErrNoChange
		}
		return cur.Anonymise(now, keyHash), audited(now, sys, cur.Organisation, data.ActionUserAnonymised, data.EntityUser, cur.ID), nil
	})
	if err != nil {
		return err
	}
	if err := a.endSessionsOf(ctx, sys, u); err != nil {
		return err
	}
	return a.revokeFeedsOf(ctx, sys, u)
}

// SetInterpreterHold places (hold) or lifts a legal hold on an
// interpreter record (coordinator), audited in the register's history:
// while it holds, retention leaves the record, their user account, their
// bookings, the offers that invited them and the messages about them as
// they are.
func (a *App) SetInterpreterHold(ctx context.Context, actor data.User, id string, hold bool) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	now := a.stamp()
	action := data.ActionInterpreterHoldLifted
	if hold {
		action = data.ActionInterpreterHoldPlaced
	}
	in, err := a.store.UpdateInterpreter(ctx, id, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		if cur.LegalHold == hold {
			return cur, data.Change{}, data.ErrNoChange
		}
		cur.LegalHold, cur.UpdatedAt = hold, now
		return cur, audited(now, actor, data.ScopeRegister, action, data.EntityInterpreter, cur.ID), nil
	})
	if err != nil {
		return Interpreter{}, err
	}
	return reduced(in), nil
}

// dueMessages walks the settled messages not yet pruned that were made
// before cutoff (data.Message.Prune; tombstone data.ActionMessagePruned,
// in the message's organisation), held by a legal hold on the interpreter
// they are about or on the case of the booking or offer they are about.
func (a *App) dueMessages(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	holds := a.holds()
	caseOf := map[string]string{} // a booking's or offer's case, by its ID
	return pages(ctx, func(after string) (data.Page[data.Message], error) {
		return a.store.MessagesSettledBefore(ctx, cutoff, after, data.MaxPageSize)
	}, func(m data.Message) error {
		caseID, err := a.messageCase(ctx, m, caseOf)
		if err != nil {
			return err
		}
		held := false
		switch {
		case caseID != "":
			var ids []string
			if m.InterpreterID != "" {
				ids = append(ids, m.InterpreterID)
			}
			if held, err = holds.held(ctx, caseID, ids...); err != nil {
				return err
			}
		case m.InterpreterID != "":
			if held, err = holds.interpreter(ctx, m.InterpreterID); err != nil {
				return err
			}
		}
		org := m.Organisation
		if org == data.ScopeRegister {
			org = "" // the register's: every admin's to see
		}
		return fn(due{item: RetentionItem{ID: m.ID, Organisation: org, Ended: m.CreatedAt}, held: held,
			act: func(ctx context.Context, now time.Time) (bool, error) {
				if m.InterpreterID != "" {
					if held, err := a.interpreterHeld(ctx, m.InterpreterID); err != nil || held {
						return held, err
					}
				}
				if caseID != "" {
					if held, err := a.caseHeld(ctx, caseID); err != nil || held {
						return held, err
					}
				}
				_, err := a.store.UpdateMessage(ctx, m.ID, func(cur data.Message) (data.Message, data.Change, error) {
					if !cur.Pruned.IsZero() || !cur.Settled() {
						return cur, data.Change{}, data.ErrNoChange
					}
					return cur.Prune(now), audited(now, System(cur.Organisation, data.RoleAdmin), cur.Organisation,
						data.ActionMessagePruned, data.EntityMessage, cur.ID), nil
				})
				return false, err
			}})
	})
}

// messageCase returns the case of the booking or offer a message is about
// ("" for a message about neither, or about one no longer held), read once
// per booking or offer (known caches them).
func (a *App) messageCase(ctx context.Context, m data.Message, known map[string]string) (string, error) {
	id := m.BookingID
	if id == "" {
		id = m.OfferID
	}
	if id == "" {
		return "", nil
	}
	if c, ok := known[id]; ok {
		return c, nil
	}
	var caseID string
	var err error
	if m.BookingID != "" {
		var b data.Booking
		b, err = a.store.Booking(ctx, m.BookingID)
		caseID = b.CaseID
	} else {
		var o data.Offer
		o, err = a.store.Offer(ctx, m.OfferID)
		caseID = o.CaseID
	}
	if errors.Is(err, data.ErrNotFound) {
		caseID, err = "", nil
	}
	if err != nil {
		return "", err
	}
	known[id] = caseID
	return caseID, nil
}
