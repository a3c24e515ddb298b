package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Guarded vetting decisions (issue 21, item 6): approving a record that
// lacks what every interview needs (a valid clearance, child protection
// training, a signed confidentiality agreement) takes a confirmation and
// a note; suspending or rejecting is told beforehand what it will cancel
// (VettingImpact) and answers what it cancelled (VettingResult).

// Gap is something an interpreter record lacks that every interview
// needs: Item names it ("clearance", "training.child_protection",
// "agreements.confidentiality"), Lapsed says it is there but out of date.
type Gap struct {
	Item   string
	Lapsed bool
}

// Reason is the gap as a stable code and words, for the front doors.
func (g Gap) Reason() data.Reason {
	words := map[string]string{
		"clearance":                  "no criminal records check (DBS) clearance",
		"training.child_protection":  "no child protection training",
		"agreements.confidentiality": "no signed confidentiality agreement",
	}[g.Item]
	if g.Lapsed {
		words = map[string]string{
			"clearance":                 "the criminal records check (DBS) clearance has lapsed",
			"training.child_protection": "the child protection training has lapsed",
		}[g.Item]
	}
	code := g.Item + "_missing"
	if g.Lapsed {
		code = g.Item + "_lapsed"
	}
	return data.Reason{Code: strings.ReplaceAll(code, ".", "_"), Message: words}
}

// Gaps lists what in lacks that every interview needs, as of today (a
// date is valid through its whole day): its clearance, child protection
// training (any level, one not lapsed) and the signed confidentiality
// agreement.
func Gaps(in data.Interpreter, today data.Date) []Gap {
	var out []Gap
	switch {
	case in.Clearance.Level == "":
		out = append(out, Gap{Item: "clearance"})
	case !in.Clearance.ValidUntil.IsZero() && in.Clearance.ValidUntil.Before(today):
		out = append(out, Gap{Item: "clearance", Lapsed: true})
	}
	had, valid := false, false
	for _, t := range in.Training {
		switch t.Kind {
		case data.TrainingChildProtectionL1, data.TrainingChildProtectionL2, data.TrainingChildProtectionL3:
			had = true
			valid = valid || t.Expires.IsZero() || !t.Expires.Before(today)
		}
	}
	if !valid {
		out = append(out, Gap{Item: "training.child_protection", Lapsed: had})
	}
	if in.Agreements.ConfidentialitySigned.IsZero() {
		out = append(out, Gap{Item: "agreements.confidentiality"})
	}
	return out
}

// ConfirmationError refuses approving a record with gaps without a
// confirmation and a note: Fields names what is missing (confirm, note),
// Gaps what the record lacks.
type ConfirmationError struct {
	Gaps   []Gap
	Fields []data.FieldError
}

// Error lists what the record lacks and what the request must add.
func (e *ConfirmationError) Error() string {
	var what []string
	for _, g := range e.Gaps {
		what = append(what, g.Reason().Message)
	}
	return "the record has " + strings.Join(what, ", ") + ": to approve it anyway, send confirm: true and a note saying why"
}

// VettingDecision is a coordinator's decision: what, why, and whether
// they confirm approving a record with gaps.
type VettingDecision struct {
	Decision data.Decision
	Note     string
	// Confirm says the coordinator saw what the record lacks and approves
	// it anyway (with a Note saying why).
	Confirm bool
}

// VettingImpact is what a decision would do, told before it is made: what
// the record lacks (Gaps, for an approval) and, for a suspension or a
// rejection, the bookings it would cancel by organisation and the pending
// invitations it would withdraw.
type VettingImpact struct {
	Gaps        []Gap
	Bookings    Withdrawn
	Invitations int
}

// Organisations is how many organisations the bookings belong to.
func (i VettingImpact) Organisations() int { return len(i.Bookings) }

// VettingResult is a decision as made: the record, and what it cancelled.
type VettingResult struct {
	Interpreter Interpreter
	Bookings    Withdrawn
	Invitations int
}

// Organisations is how many organisations the cancelled bookings belonged to.
func (r VettingResult) Organisations() int { return len(r.Bookings) }

// VettingImpact says what deciding d on the record would do, writing
// nothing: for approve, what the record lacks; for suspend and reject, its
// confirmed bookings that have not started, by organisation, and its
// pending invitations (every organisation's), all of which the decision
// cancels or withdraws. A decision the record's status refuses is a
// *data.TransitionError, as Decide's would be.
func (a *App) VettingImpact(ctx context.Context, actor data.User, id string, d data.Decision) (VettingImpact, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return VettingImpact{}, err
	}
	if !slices.Contains(data.Decisions, d) {
		return VettingImpact{}, invalid("decision", "must be one of "+codeList(data.Decisions))
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return VettingImpact{}, err
	}
	if _, err := in.Vetting.Decide(d, actor.ID, a.now(), ""); err != nil {
		return VettingImpact{}, err // a decision the record's status refuses
	}
	var out VettingImpact
	switch d {
	case data.DecisionApprove:
		out.Gaps = Gaps(in, data.DateOf(a.now()))
	case data.DecisionSuspend, data.DecisionReject:
		bookings, err := a.futureBookings(ctx, id)
		if err != nil {
			return VettingImpact{}, err
		}
		out.Bookings = Withdrawn{}
		for _, b := range bookings {
			out.Bookings[b.Organisation]++
		}
		q := data.OfferQuery{InterpreterID: id, Invitation: data.InvitationPending, Status: data.OfferOpen, Limit: data.MaxPageSize}
		for {
			page, err := a.store.ListOffers(ctx, q)
			if err != nil {
				return VettingImpact{}, err
			}
			out.Invitations += len(page.Items)
			if page.Next == "" {
				break
			}
			q.Before = page.Next
		}
	}
	return out, nil
}

// Decide applies a coordinator's decision like DecideVetting, guarded:
// approving a record with Gaps needs Confirm and a Note (a
// *ConfirmationError naming what is missing, nothing written), and the
// confirmation is recorded in the audit entry's words through the note. A
// suspension or rejection answers the bookings it cancelled and the
// invitations it withdrew.
func (a *App) Decide(ctx context.Context, actor data.User, id string, vd VettingDecision, view ...View) (VettingResult, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return VettingResult{}, err
	}
	now := a.stamp()
	updated, err := a.store.UpdateInterpreter(ctx, id, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		if vd.Decision == data.DecisionApprove {
			if gaps := Gaps(cur, data.DateOf(now)); len(gaps) > 0 {
				ce := &ConfirmationError{Gaps: gaps}
				if !vd.Confirm {
					ce.Fields = append(ce.Fields, data.FieldError{Field: "confirm", Message: "must be true to approve a record that lacks what every interview needs"})
				}
				if strings.TrimSpace(vd.Note) == "" {
					ce.Fields = append(ce.Fields, data.FieldError{Field: "note", Message: "must say why the record is approved without it"})
				}
				if len(ce.Fields) > 0 {
					return cur, data.Change{}, ce
				}
			}
		}
		next, err := cur.Vetting.Decide(vd.Decision, actor.ID, now, vd.Note)
		if err != nil {
			return cur, data.Change{}, err
		}
		cur.Vetting, cur.UpdatedAt = next, now
		ch := audited(now, actor, data.ScopeRegister, data.VettingAction(vd.Decision), data.EntityInterpreter, cur.ID)
		return cur, withRead(ch, now, actor, cur.ID, view), nil
	})
	if err != nil {
		return VettingResult{}, err
	}
	out := VettingResult{Interpreter: shown(updated, view), Bookings: Withdrawn{}}
	if updated.Vetting.Status != data.VettingApproved {
		w, err := a.withdrawBookings(ctx, actor, updated.ID, "")
		if err == nil {
			out.Bookings = w
			out.Invitations, err = a.withdrawInvitations(ctx, actor, updated.ID, "")
			a.reportInvitations(ctx, out.Invitations, "interpreter_id", updated.ID)
		}
		if err := a.reportWithdrawn(ctx, w, err, "interpreter_id", updated.ID); err != nil {
			return VettingResult{}, err
		}
	}
	return out, nil
}

// withdrawnWindow is how far back a withdrawn booking still shows on its
// booker's home page when not dismissed: one whose interview passed
// longer ago than this is history, not something to act on.
const withdrawnWindow = 30 * 24 * time.Hour

// WithdrawnBookings lists the bookings the actor made that a rule
// withdrew and they have not dismissed, soonest first: their home page
// shows them until they do, so the interview is booked again. With
// organisation (coordinators only), it lists those of the actor's whole
// organisation, for the coordinator's work list. It reads the bookings
// from a month back on, off the index by booker, or for the organisation
// at most maxWithdrawnScan of them (an index of withdrawn bookings would
// make that bound unnecessary).
func (a *App) WithdrawnBookings(ctx context.Context, actor data.User, organisation bool) ([]data.Booking, error) {
	if err := require(actor, caseRoles...); err != nil {
		return nil, err
	}
	now := a.now()
	q := data.BookingQuery{Organisation: actor.Organisation, BookedBy: actor.ID, From: now.Add(-withdrawnWindow), Limit: data.MaxPageSize}
	if organisation {
		if err := require(actor, data.RoleCoordinator); err != nil {
			return nil, err
		}
		q.BookedBy = ""
	}
	var out []data.Booking
	for read := 0; ; {
		page, err := a.store.ListBookings(ctx, q)
		if err != nil {
			return nil, err
		}
		read += len(page.Items)
		for _, b := range page.Items {
			if b.Withdrawn() && b.WithdrawalDismissed.IsZero() {
				out = append(out, b)
			}
		}
		if page.Next == "" || (organisation && read >= maxWithdrawnScan) {
			return out, nil
		}
		q.After = page.Next
	}
}

// maxWithdrawnScan bounds the bookings an organisation's withdrawn list
// reads.
const maxWithdrawnScan = 2000

// DismissWithdrawal records that the actor, who made the booking, has
// seen that a rule withdrew it (audited as booking.withdrawal_dismissed):
// their home page stops showing it. A booking someone else made is not
// found; one no rule withdrew is a conflict; dismissing twice changes
// nothing.
func (a *App) DismissWithdrawal(ctx context.Context, actor data.User, id string) (data.Booking, error) {
	b, err := a.GetBooking(ctx, actor, id)
	if err != nil {
		return data.Booking{}, err
	}
	if b.BookedBy != actor.ID {
		return data.Booking{}, fmt.Errorf("booking %s: %w", id, data.ErrNotFound)
	}
	now := a.stamp()
	b, err = a.store.UpdateBooking(ctx, id, func(cur data.Booking) (data.Booking, data.Change, error) {
		next, err := cur.DismissWithdrawal(now)
		if err != nil {
			return cur, data.Change{}, err
		}
		return next, audited(now, actor, cur.Organisation, data.ActionBookingWithdrawalDismissed, data.EntityBooking, cur.ID), nil
	})
	if errors.Is(err, data.ErrNoChange) {
		return a.store.Booking(ctx, id)
	}
	return b, err
}
