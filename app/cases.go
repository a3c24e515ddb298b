package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// caseRoles may create, read and change cases and book for them.
var caseRoles = []data.Role{data.RoleSocialWorker, data.RoleCoordinator}

// MayKeepCases says whether the actor may create and change cases: nil
// for social workers and coordinators; an error otherwise (not found for
// an interpreter, to whom no case exists). A front door asks it before
// offering a blank case form, which reads nothing.
func (a *App) MayKeepCases(actor data.User) error { return require(actor, caseRoles...) }

// CreateCase records a case in the actor's organisation. fields carries what
// the social worker entered; ID, organisation, author, version and
// timestamps are set here. Excluded interpreters must exist. A case with
// community links, linked references or avoidOwnCommunity counts against
// the actor's daily limit on setting them (see links.go).
func (a *App) CreateCase(ctx context.Context, actor data.User, fields data.Case) (data.Case, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Case{}, err
	}
	now := a.stamp()
	c := fields
	c.Normalize()
	c.ID, c.Organisation, c.CreatedBy, c.Version = a.newID(fields.ID, now), actor.Organisation, actor.ID, 1
	// Set only by a transfer (transfers.go).
	c.TransferPending, c.TransferredTo, c.TransferredFrom, c.Continuity = "", "", "", nil
	c.CreatedAt, c.UpdatedAt = now, now
	if err := a.validateCase(ctx, c); err != nil {
		return data.Case{}, err
	}
	ch := audited(now, actor, c.Organisation, data.ActionCaseCreated, data.EntityCase, c.ID)
	if screensMore(c) {
		if err := a.userLinkChanges(ctx, actor, now); err != nil {
			return data.Case{}, err
		}
		ch.Audit = append(ch.Audit, userLinksEntry(now, actor))
	}
	if err := a.store.CreateCase(ctx, c, ch); err != nil {
		return data.Case{}, err
	}
	return c, nil
}

// validateCase checks the case's invariants and that every interpreter it
// excludes exists, reporting all problems together.
func (a *App) validateCase(ctx context.Context, c data.Case) error {
	var fields []data.FieldError
	var ve *data.ValidationError
	if err := c.Validate(); errors.As(err, &ve) {
		fields = ve.Errors
	} else if err != nil {
		return err
	}
	for i, e := range c.ExcludedInterpreters {
		if e.InterpreterID == "" {
			continue
		}
		_, err := a.store.Interpreter(ctx, e.InterpreterID)
		switch {
		case errors.Is(err, data.ErrNotFound):
			fields = append(fields, data.FieldError{Field: fmt.Sprintf("excludedInterpreters[%d].interpreterId", i), Message: "names no interpreter"})
		case err != nil:
			return err
		}
	}
	if len(fields) > 0 {
		return &data.ValidationError{Errors: fields}
	}
	return nil
}

// GetCase returns a case of the actor's organisation; another
// organisation's case is ErrNotFound, as if it did not exist.
func (a *App) GetCase(ctx context.Context, actor data.User, id string) (data.Case, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Case{}, err
	}
	c, err := a.store.Case(ctx, id)
	if err != nil {
		return data.Case{}, err
	}
	if c.Organisation != actor.Organisation {
		return data.Case{}, fmt.Errorf("case %s: %w", id, data.ErrNotFound)
	}
	return c, nil
}

// UpdateCase replaces a case's fields if ifMatch is its current version
// (a *StaleError otherwise). ID, organisation, author and creation time are
// kept. A change of what matching screens against interpreters' community
// links is held to the policy's daily limits, refused beyond them with a
// *data.StateError (ErrLinkChangesLimited), audited as
// case.links_changed, and told to coordinators when frequent (links.go).
func (a *App) UpdateCase(ctx context.Context, actor data.User, id string, ifMatch int64, fields data.Case) (data.Case, error) {
	cur, err := a.GetCase(ctx, actor, id)
	if err != nil {
		return data.Case{}, err
	}
	c := fields
	c.Normalize()
	c.ID, c.Organisation, c.CreatedBy, c.Version, c.CreatedAt = cur.ID, cur.Organisation, cur.CreatedBy, cur.Version, cur.CreatedAt
	c.TransferredFrom, c.Continuity = cur.TransferredFrom, cur.Continuity
	if err := a.validateCase(ctx, c); err != nil {
		return data.Case{}, err
	}
	now := a.stamp()
	var links linkChange
	if cur.Version == ifMatch && screeningChanged(cur, c) {
		// Counted on the case as read: the change lands only on this
		// version, so no change of the case escapes the count.
		if links, err = a.caseLinkChange(ctx, actor, cur, now); err != nil {
			return data.Case{}, err
		}
	}
	updated, err := a.store.UpdateCase(ctx, id, func(old data.Case) (data.Case, data.Change, error) {
		if old.Version != ifMatch {
			return old, data.Change{}, &StaleError{Current: old.Version}
		}
		next := c
		next.Version, next.UpdatedAt = old.Version, now
		next.LegalHold = old.LegalHold // changed only by SetLegalHold
		// Changed only with a transfer (transfers.go).
		next.TransferPending, next.TransferredTo, next.TransferredFrom, next.Continuity = old.TransferPending, old.TransferredTo, old.TransferredFrom, old.Continuity
		next.Closed = old.Closed // changed only by CloseCase
		if !old.Anonymised.IsZero() {
			return old, data.Change{}, errCaseAnonymised
		}
		if !screeningChanged(old, next) {
			return next, audited(now, actor, old.Organisation, data.ActionCaseUpdated, data.EntityCase, old.ID), nil
		}
		if old.Version != cur.Version {
			return old, data.Change{}, &StaleError{Current: old.Version}
		}
		ch := audited(now, actor, old.Organisation, data.ActionCaseLinksChanged, data.EntityCase, old.ID)
		ch.Audit = append(ch.Audit, links.entries(now, actor, old)...)
		ch.Messages = links.messages
		return next, ch, nil
	})
	if err != nil {
		return data.Case{}, err
	}
	// A changed case (an exclusion, a new community link, a required
	// gender) may rule out interpreters already booked for it.
	if err := a.withdrawForCase(ctx, actor, updated); err != nil {
		return data.Case{}, err
	}
	return updated, nil
}

// withdrawForCase re-judges the case's bookings that have not started and
// the pending invitations of its open offers, and withdraws those whose
// interpreter no longer passes the rules, reading the case's bookings and
// offers page by page off their indexes.
func (a *App) withdrawForCase(ctx context.Context, actor data.User, c data.Case) error {
	q := data.BookingQuery{Organisation: c.Organisation, CaseID: c.ID, From: a.stamp(), Limit: data.MaxPageSize}
	done := Withdrawn{}
	for {
		page, err := a.store.ListBookings(ctx, q)
		if err == nil {
			err = a.withdrawIneligible(ctx, actor, page.Items, done)
		}
		if err != nil {
			return a.reportWithdrawn(ctx, done, err, "case_id", c.ID)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	n, err := a.withdrawCaseInvitations(ctx, actor, c)
	a.reportInvitations(ctx, n, "case_id", c.ID)
	return a.reportWithdrawn(ctx, done, err, "case_id", c.ID)
}

// errCaseAnonymised refuses a change of a case retention anonymised.
var errCaseAnonymised = &data.StateError{Code: "case_anonymised", Reason: "the case was anonymised by retention: it can no longer change"}

// CloseCase closes (closed) or reopens a case of the actor's
// organisation, by its social workers or coordinators, audited as
// case.closed or case.reopened; closing or reopening it again changes
// nothing. A closed case takes no new match, booking or offer
// (data.Case.CheckOpen), and retention counts its period from its
// closing. A case is closed only once nothing is still to happen in it:
// an open offer or a confirmed booking not yet ended refuses the closing
// (409 case_has_open_work; cancel them first). An anonymised case is not
// reopened (409 case_anonymised). The check of open work reads the
// case's offers and bookings off their indexes just before the case's
// write; an offer landing between the two is refused by neither.
func (a *App) CloseCase(ctx context.Context, actor data.User, id string, closed bool) (data.Case, error) {
	cur, err := a.GetCase(ctx, actor, id)
	if err != nil {
		return data.Case{}, err
	}
	now := a.stamp()
	if closed && cur.Closed.IsZero() {
		if err := a.checkNoOpenWork(ctx, cur, now); err != nil {
			return data.Case{}, err
		}
	}
	action := data.ActionCaseReopened
	if closed {
		action = data.ActionCaseClosed
	}
	return a.store.UpdateCase(ctx, id, func(c data.Case) (data.Case, data.Change, error) {
		if c.Closed.IsZero() != closed {
			return c, data.Change{}, data.ErrNoChange
		}
		if !c.Anonymised.IsZero() {
			return c, data.Change{}, errCaseAnonymised
		}
		c.Closed, c.UpdatedAt = time.Time{}, now
		if closed {
			c.Closed = now
		}
		return c, audited(now, actor, c.Organisation, action, data.EntityCase, c.ID), nil
	})
}

// checkNoOpenWork refuses to close a case with an open offer or a
// confirmed booking that has not ended by now.
func (a *App) checkNoOpenWork(ctx context.Context, c data.Case, now time.Time) error {
	offers, err := a.store.ListOffers(ctx, data.OfferQuery{Organisation: c.Organisation, CaseID: c.ID, Status: data.OfferOpen, Limit: 1})
	if err != nil {
		return err
	}
	if len(offers.Items) > 0 {
		return &data.StateError{Code: "case_has_open_work", Reason: "the case has an open offer (" + offers.Items[0].ID + "): cancel it before closing the case"}
	}
	q := data.BookingQuery{Organisation: c.Organisation, CaseID: c.ID, From: now.Add(-data.CaseWindow), Limit: data.MaxPageSize}
	return pages(ctx, func(after string) (data.Page[data.Booking], error) {
		q.After = after
		return a.store.ListBookings(ctx, q)
	}, func(b data.Booking) error {
		if b.Status == data.BookingConfirmed && b.End.After(now) {
			return &data.StateError{Code: "case_has_open_work", Reason: "the case has a confirmed booking still to end (" + b.ID + "): cancel it or record its outcome before closing the case"}
		}
		return nil
	})
}

// ListCases pages through the actor's organisation's cases, newest first.
func (a *App) ListCases(ctx context.Context, actor data.User, cursor string, limit int) (data.Page[data.Case], error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Page[data.Case]{}, err
	}
	return a.store.ListCases(ctx, data.CaseQuery{Organisation: actor.Organisation, Before: cursor, Limit: limit})
}
