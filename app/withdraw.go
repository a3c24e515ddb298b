package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// withdrawHorizon is how far ahead an interpreter's bookings are re-judged
// after a change: further than anyone books.
const withdrawHorizon = 2 * 366 * 24 * time.Hour

// Withdrawn counts the bookings cancelled because their interpreter may no
// longer take them, by organisation.
type Withdrawn map[string]int

// Total is the number of bookings withdrawn.
func (w Withdrawn) Total() int {
	n := 0
	for _, c := range w {
		n += c
	}
	return n
}

// futureBookings returns the interpreter's confirmed bookings that have
// not started, in every organisation.
func (a *App) futureBookings(ctx context.Context, interpreterID string) ([]data.Booking, error) {
	now := a.stamp()
	bookings, err := a.store.ConfirmedBookings(ctx, []string{interpreterID}, now, now.Add(withdrawHorizon))
	if err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", interpreterID, err)
	}
	return slices.DeleteFunc(bookings, func(b data.Booking) bool { return !b.Changeable() }), nil
}

// withdrawBookings re-judges every confirmed booking of the interpreter
// that has not started, in every organisation (only caseID's, when set),
// and withdraws those that no longer pass (see withdrawIneligible).
func (a *App) withdrawBookings(ctx context.Context, actor data.User, interpreterID, caseID string) (Withdrawn, error) {
	bookings, err := a.futureBookings(ctx, interpreterID)
	if err != nil {
		return nil, err
	}
	if caseID != "" {
		bookings = slices.DeleteFunc(bookings, func(b data.Booking) bool { return b.CaseID != caseID })
	}
	done := Withdrawn{}
	return done, a.withdrawIneligible(ctx, actor, bookings, done)
}

// withdrawIneligible re-judges each confirmed booking that has not started
// by every hard rule and cancels those that no longer pass, counting them
// in done: a suspended interpreter, one who now shares a community link
// with the child, one the case now excludes or the child was not
// comfortable with, must not walk into an interview with a child on the
// strength of a booking made before. Each cancellation raises the
// booking's sequence (calendars drop it), names the failed rules as the
// reason the social worker sees (rules, never values), and is audited as
// booking.withdrawn in the booking's organisation as the actor's. An
// interview already under way is left to the people in it. Run again, it
// finds nothing more to cancel.
func (a *App) withdrawIneligible(ctx context.Context, actor data.User, bookings []data.Booking, done Withdrawn) error {
	now := a.stamp()
	for _, b := range bookings {
		if !b.Changeable() || b.Start.Before(now) {
			continue
		}
		reasons, err := a.failedRules(ctx, b)
		if err != nil {
			return err
		}
		if len(reasons) == 0 {
			continue
		}
		withdrawn, err := a.withdraw(ctx, actor, b.ID, withdrawReason(reasons))
		if err != nil {
			return err
		}
		if withdrawn {
			done[b.Organisation]++
		}
	}
	return nil
}

// failedRules returns the hard rules the booking's interpreter fails for
// it now (availability aside: the store keeps that), whichever
// organisation it belongs to.
func (a *App) failedRules(ctx context.Context, b data.Booking) ([]data.Reason, error) {
	c, err := a.store.Case(ctx, b.CaseID)
	if err != nil {
		return nil, fmt.Errorf("case of booking %s: %w", b.ID, err)
	}
	interp, err := a.store.Interpreter(ctx, b.InterpreterID)
	if err != nil {
		return nil, fmt.Errorf("interpreter of booking %s: %w", b.ID, err)
	}
	_, err = a.evaluate(ctx, c, interp, matching.Request{
		Case: c, Start: b.Start, End: b.End, InterviewType: b.InterviewType,
		Modality: b.Modality, Region: b.Region, IgnoreBookingID: b.ID, Plan: b.Safety,
	})
	if ie, ok := errors.AsType[*IneligibleError](err); ok {
		// A booking made is never withdrawn for the workload it makes:
		// the store judged the caps when it was booked.
		return slices.DeleteFunc(slices.Clone(ie.Reasons), func(r data.Reason) bool { return r.Code == matching.CodeWorkloadLimit }), nil
	}
	if _, invalid := errors.AsType[*data.ValidationError](err); invalid {
		return nil, nil // the slot itself (started meanwhile): not the rules' to judge
	}
	return nil, err
}

// withdrawReason is the cancellation reason of a withdrawn booking: the
// rules' own messages, which name the rule and never a value.
func withdrawReason(reasons []data.Reason) string {
	const head, tail = "the interpreter no longer meets the rules for this interview (", "); book another interpreter"
	msgs := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if len(head)+len(strings.Join(append(msgs, r.Message), "; "))+len(tail)+5 > data.MaxCancelReasonLength {
			msgs = append(msgs, "...")
			break
		}
		msgs = append(msgs, r.Message)
	}
	return head + strings.Join(msgs, "; ") + tail
}

// withdraw cancels one booking for withdrawBookings, whichever
// organisation it belongs to, unless it is no longer confirmed; withdrawn
// says whether this call cancelled it.
func (a *App) withdraw(ctx context.Context, actor data.User, id, reason string) (withdrawn bool, err error) {
	cur, err := a.store.Booking(ctx, id)
	if err != nil {
		return false, err
	}
	p, err := a.readBookingParties(ctx, cur)
	if err != nil {
		return false, err
	}
	now := a.stamp()
	_, err = a.store.UpdateBooking(ctx, id, func(b data.Booking) (data.Booking, data.Change, error) {
		withdrawn = false // the function may run again on a newer booking
		if !b.Changeable() {
			return b, data.Change{}, data.ErrNoChange // cancelled or completed meanwhile
		}
		next, err := b.Cancel(reason, data.OutcomeWithdrawnByRule, now)
		if err != nil {
			return b, data.Change{}, err
		}
		ch := audited(now, actor, b.Organisation, data.ActionBookingWithdrawn, data.EntityBooking, b.ID)
		if ch.Messages, err = a.bookingNews(next, p, true); err != nil {
			return b, data.Change{}, err
		}
		withdrawn = true
		return next, ch, nil
	})
	return withdrawn && err == nil, err
}

// WithdrawBookings re-judges an interpreter's bookings that have not
// started and cancels those that fail a hard rule now (see
// withdrawBookings), and withdraws the pending invitations they fail (see
// withdrawInvitations). Vetting decisions, record changes, case changes
// and outcomes do it themselves; this finishes the job when that was cut
// short (the store went away part way). Idempotent.
func (a *App) WithdrawBookings(ctx context.Context, actor data.User, interpreterID string) (Withdrawn, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return nil, err
	}
	if _, err := a.store.Interpreter(ctx, interpreterID); err != nil {
		return nil, err
	}
	w, err := a.withdrawBookings(ctx, actor, interpreterID, "")
	if err != nil {
		return w, err
	}
	n, err := a.withdrawInvitations(ctx, actor, interpreterID, "")
	a.reportInvitations(ctx, n, "interpreter_id", interpreterID)
	return w, err
}

// afterChange withdraws the bookings a landed change has made ineligible
// (the interpreter's, or only those of caseID when set). The change stands
// either way; an error says the withdrawal stopped part way, for
// WithdrawBookings to finish.
func (a *App) afterChange(ctx context.Context, actor data.User, interpreterID, caseID string) error {
	w, err := a.withdrawBookings(ctx, actor, interpreterID, caseID)
	if err == nil {
		var n int
		n, err = a.withdrawInvitations(ctx, actor, interpreterID, caseID)
		a.reportInvitations(ctx, n, "interpreter_id", interpreterID, "case_id", caseID)
	}
	return a.reportWithdrawn(ctx, w, err, "interpreter_id", interpreterID, "case_id", caseID)
}

// reportInvitations logs how many pending invitations a change withdrew
// (IDs only).
func (a *App) reportInvitations(ctx context.Context, n int, ids ...any) {
	if n > 0 {
		a.log.InfoContext(ctx, "invitations withdrawn", append(ids, "count", n)...)
	}
}

// withdrawCaseInvitations re-judges the pending invitations of the case's
// open offers, reading them page by page off the index by case, and
// withdraws those whose interpreter no longer passes (see
// withdrawInvitation).
func (a *App) withdrawCaseInvitations(ctx context.Context, actor data.User, c data.Case) (int, error) {
	q := data.OfferQuery{Organisation: c.Organisation, CaseID: c.ID, Status: data.OfferOpen, Limit: data.MaxPageSize}
	return a.withdrawPending(ctx, actor, q, func(o data.Offer) []string {
		var ids []string
		for _, inv := range o.Invitations {
			if inv.Status == data.InvitationPending {
				ids = append(ids, inv.InterpreterID)
			}
		}
		return ids
	})
}

// withdrawPending pages through the offers q finds, off its index, and
// withdraws the pending invitation of each interpreter pending names in
// each that no longer passes the rules (see withdrawInvitation), counting
// those it withdrew.
func (a *App) withdrawPending(ctx context.Context, actor data.User, q data.OfferQuery, pending func(data.Offer) []string) (int, error) {
	n := 0
	for {
		page, err := a.store.ListOffers(ctx, q)
		if err != nil {
			return n, err
		}
		for _, o := range page.Items {
			for _, id := range pending(o) {
				withdrawn, err := a.withdrawInvitation(ctx, actor, o, id)
				if err != nil {
					return n, err
				}
				if withdrawn {
					n++
				}
			}
		}
		if page.Next == "" {
			return n, nil
		}
		q.Before = page.Next
	}
}

// reportWithdrawn logs how many bookings a change withdrew (IDs only) and
// words an error that stopped it: the change itself is recorded.
func (a *App) reportWithdrawn(ctx context.Context, w Withdrawn, err error, ids ...any) error {
	if n := w.Total(); n > 0 {
		a.log.InfoContext(ctx, "bookings withdrawn", append(ids, "count", n)...)
	}
	if err != nil {
		return fmt.Errorf("the change is recorded, but re-judging the bookings it affects stopped (retry with withdraw-bookings): %w", err)
	}
	return nil
}

// FutureBookings counts the interpreter's bookings that have not started
// and are still confirmed, in every organisation: what a coordinator must
// see on the record of a suspended or rejected interpreter.
func (a *App) FutureBookings(ctx context.Context, actor data.User, interpreterID string) (int, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return 0, err
	}
	bookings, err := a.futureBookings(ctx, interpreterID)
	return len(bookings), err
}

// withdrawInvitations re-judges the pending invitations of the interpreter
// (every organisation's; only caseID's offers, when set) by every hard rule
// for their interviews, and withdraws those the interpreter no longer
// passes: a suspended interpreter, or one a case now excludes, is not left
// holding an invitation they could not accept, and a cascade asks the next
// eligible interpreter now rather than when the answer falls due. The
// interpreter is told the invitation is no longer open; each withdrawal is
// audited as offer.withdrawn in the offer's organisation. Queued
// invitations need nothing: a cascade judges each one when its turn comes.
// It returns how many it withdrew; run again, it finds nothing more.
func (a *App) withdrawInvitations(ctx context.Context, actor data.User, interpreterID, caseID string) (int, error) {
	q := data.OfferQuery{InterpreterID: interpreterID, Invitation: data.InvitationPending, CaseID: caseID, Status: data.OfferOpen, Limit: data.MaxPageSize}
	return a.withdrawPending(ctx, actor, q, func(data.Offer) []string { return []string{interpreterID} })
}

// withdrawInvitation withdraws the interpreter's pending invitation of
// offer o when they fail a hard rule for its interview now, and moves the
// offer on; withdrawn says whether this call did.
func (a *App) withdrawInvitation(ctx context.Context, actor data.User, o data.Offer, interpreterID string) (withdrawn bool, err error) {
	c, err := a.store.Case(ctx, o.CaseID)
	if err != nil {
		return false, fmt.Errorf("case of offer %s: %w", o.ID, err)
	}
	judged, err := a.judge(ctx, c, o, []string{interpreterID}, "")
	if err != nil {
		return false, err
	}
	reasons := judged[interpreterID]
	if len(reasons) == 0 {
		return false, nil
	}
	queued, err := a.judgeQueued(ctx, o)
	if err != nil {
		return false, err
	}
	p, err := a.readParties(ctx, o)
	if err != nil {
		return false, err
	}
	now := a.stamp()
	_, err = a.store.UpdateOffer(ctx, o.ID, func(o data.Offer) (data.Offer, data.Change, error) {
		withdrawn = false // the function may run again on a newer offer
		next, err := o.AsOf(now).Withdraw(interpreterID, reasons, now, queued)
		if err != nil {
			return o, data.Change{}, err // data.ErrNoChange: answered, expired or closed meanwhile
		}
		ch := audited(now, actor, o.Organisation, data.ActionOfferWithdrawn, data.EntityOffer, o.ID)
		ch.Messages = a.offerNews(o, &next, p)
		ch.UnmetNeed = offerNeed(o, next, p.c, now)
		withdrawn = true
		return next, ch, nil
	})
	if errors.Is(err, data.ErrNoChange) {
		return false, nil
	}
	return withdrawn && err == nil, err
}
