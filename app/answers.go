package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// Invitation is one offer as the invited interpreter sees it: what they
// need to decide (the interview, when, how, where roughly, for which
// organisation, the child's language and age band), never the case
// reference, its community links or exclusions, or who else was asked.
// Location is shown once they accepted.
type Invitation struct {
	OfferID       string
	Organisation  string
	Status        data.InvitationStatus
	Asked         time.Time
	RespondBy     time.Time
	Start, End    time.Time
	InterviewType data.InterviewType
	Modality      data.Modality
	Region        string
	Location      string
	// JoinDetails is the link or number to join by, shown once they
	// accepted, like Location.
	JoinDetails string
	// Language is the child's preferred language; AgeBand their age band.
	Language  string
	AgeBand   data.AgeBand
	BookingID string // when they accepted
	// Safety is the interview's safety plan: the interpreter's own times.
	Safety data.SafetyPlan
}

// interpreterSelf admits only an interpreter's user, linked to a record.
func interpreterSelf(actor data.User) error {
	if actor.Role != data.RoleInterpreter || actor.InterpreterID == "" {
		return forbidden("only an interpreter answers invitations")
	}
	return nil
}

// invitationOf is o as the interpreter sees it, reading the case for the
// child's language and age band.
func (a *App) invitationOf(ctx context.Context, o data.Offer, interpreterID string) (Invitation, error) {
	i := o.Invitation(interpreterID)
	if i < 0 {
		return Invitation{}, fmt.Errorf("offer %s: %w", o.ID, data.ErrNotFound)
	}
	inv := o.Invitations[i]
	out := Invitation{
		OfferID: o.ID, Organisation: o.Organisation, Status: inv.Status, Asked: inv.Asked, RespondBy: inv.RespondBy,
		Start: o.Start, End: o.End, InterviewType: o.InterviewType, Modality: o.Modality, Region: o.Region, Safety: o.Safety,
	}
	if inv.Status == data.InvitationAccepted {
		out.Location, out.JoinDetails, out.BookingID = o.Location, o.JoinDetails, o.BookingID
	}
	c, err := a.store.Case(ctx, o.CaseID)
	if err != nil {
		return Invitation{}, fmt.Errorf("case of offer %s: %w", o.ID, err)
	}
	if len(c.Child.Languages) > 0 {
		out.Language = c.Child.Languages[0]
	}
	out.AgeBand = c.Child.AgeBand
	return out, nil
}

// MyInvitations pages through the offers that invite the actor (an
// interpreter), from every organisation, newest first, as they stand now;
// status keeps those whose invitation of them has it (a queued invitation
// is no one's business yet: it never shows).
func (a *App) MyInvitations(ctx context.Context, actor data.User, status data.InvitationStatus, cursor string, limit int) (data.Page[Invitation], error) {
	if err := interpreterSelf(actor); err != nil {
		return data.Page[Invitation]{}, err
	}
	if status != "" && !oneOf(status, data.InvitationStatuses) {
		return data.Page[Invitation]{}, invalid("status", "must be one of pending, accepted, declined, expired, withdrawn, skipped")
	}
	now := a.now()
	out := data.Page[Invitation]{Items: []Invitation{}}
	q := data.OfferQuery{InterpreterID: actor.InterpreterID, Invitation: status, Before: cursor, Limit: limit}
	if status == data.InvitationExpired {
		q.Invitation = "" // a pending one past its time shows as expired before the expirer writes it
	}
	page, err := a.store.ListOffers(ctx, q)
	if err != nil {
		return out, err
	}
	for _, o := range page.Items {
		inv, err := a.invitationOf(ctx, o.AsOf(now), actor.InterpreterID)
		if err != nil {
			return out, err
		}
		if inv.Status == data.InvitationQueued || (status != "" && inv.Status != status) {
			continue
		}
		out.Items = append(out.Items, inv)
	}
	out.Next = page.Next
	return out, nil
}

// MyInvitation returns one offer inviting the actor (an interpreter), as
// they see it; an offer that does not invite them is ErrNotFound.
func (a *App) MyInvitation(ctx context.Context, actor data.User, offerID string) (Invitation, error) {
	if err := interpreterSelf(actor); err != nil {
		return Invitation{}, err
	}
	o, err := a.store.Offer(ctx, offerID)
	if err != nil {
		return Invitation{}, err
	}
	inv, err := a.invitationOf(ctx, o.AsOf(a.now()), actor.InterpreterID)
	if err == nil && inv.Status == data.InvitationQueued {
		return Invitation{}, fmt.Errorf("offer %s: %w", offerID, data.ErrNotFound)
	}
	return inv, err
}

// AcceptOffer books the actor (an interpreter) for the offer's interview,
// if their invitation is pending and its time has not run out, declaring
// they know of no connection with anyone in the case (required). Every
// hard rule is judged again (an *IneligibleError), and the store fills the
// offer and makes the booking in one write: of any number of simultaneous
// acceptances exactly one wins (the others: a *data.StateError with code
// data.ErrOfferClosed), and a booking of the interpreter made elsewhere
// meanwhile is a *data.OverlapError. The offer's other invitations are
// withdrawn in the same write.
func (a *App) AcceptOffer(ctx context.Context, actor data.User, offerID string, noKnownConflict bool) (data.Booking, error) {
	if err := interpreterSelf(actor); err != nil {
		return data.Booking{}, err
	}
	if !noKnownConflict {
		return data.Booking{}, invalid("noKnownConflict", "must be true: declare that you know of no connection between you and anyone in this case")
	}
	o, err := a.store.Offer(ctx, offerID)
	if err != nil {
		return data.Booking{}, err
	}
	now := a.stamp()
	if _, err := o.Accept(actor.InterpreterID, "", now); err != nil {
		return data.Booking{}, err // not invited (not found), or closed: before any judging
	}
	c, err := a.store.Case(ctx, o.CaseID)
	if err != nil {
		return data.Booking{}, fmt.Errorf("case of offer %s: %w", o.ID, err)
	}
	if err := c.CheckOpen(); err != nil {
		return data.Booking{}, err
	}
	if err := notTransferred(c); err != nil {
		return data.Booking{}, err // the child moved council: the offer books nobody
	}
	interp, err := a.store.Interpreter(ctx, actor.InterpreterID)
	if err != nil {
		return data.Booking{}, err
	}
	cand, err := a.evaluate(ctx, c, interp, offerRequest(c, o))
	if err != nil {
		return data.Booking{}, forInterpreter(err)
	}
	p, err := a.readParties(ctx, o)
	if err != nil {
		return data.Booking{}, err
	}
	bp := bookingParties{organizer: p.requester, in: interp}
	id := data.DerivedID("offer", o.ID)
	_, b, err := a.store.FillOffer(ctx, offerID, func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, err := o.Accept(actor.InterpreterID, id, now)
		if err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		b := data.Booking{
			ID: id, Organisation: o.Organisation, CaseID: o.CaseID, CaseReference: o.CaseReference,
			InterpreterID: actor.InterpreterID, BookedBy: o.CreatedBy, Start: o.Start, End: o.End,
			InterviewType: o.InterviewType, Modality: o.Modality, Region: o.Region, Location: o.Location, JoinDetails: o.JoinDetails,
			Status: data.BookingConfirmed, Confirmation: data.ConfirmationOffer, OfferID: o.ID, OfferedAt: o.CreatedAt, Additional: o.Additional, Match: a.snapshot(cand),
			Safety: o.Safety, Caps: a.policy.Workload,
			Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if b.Modality == data.ModalityInPerson {
			b.Buffer = a.policy.TravelBuffer
		}
		if err := b.Validate(); err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		ch := data.Audited(
			data.NewAuditEntry(now, actor, o.Organisation, data.ActionOfferAccepted, data.EntityOffer, o.ID),
			data.NewAuditEntry(now, actor, o.Organisation, data.ActionBookingCreated, data.EntityBooking, b.ID),
		)
		ch.Messages = a.offerNews(o, &next, p)
		news, err := a.bookingNews(b, bp, false)
		if err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		ch.Messages = append(ch.Messages, news...)
		return next, b, ch, nil
	})
	if err != nil {
		return data.Booking{}, forInterpreter(refusal(err, data.User{Organisation: o.Organisation}))
	}
	return interpreterBooking(b), nil
}

// CodeCaseRule is the reason an interpreter reads when a rule of the case
// itself rules them out (a shared community link, an exclusion by the
// case): which rule it was would tell them about the child.
const CodeCaseRule = "case_rule"

// forInterpreter words a refusal for the interpreter it refuses: the hard
// rules about them stay as they are (their clearance, their hours), but a
// community conflict or an exclusion by the case becomes one reason that
// says only that the case rules them out. Other errors pass as they are.
func forInterpreter(err error) error {
	ie, ok := errors.AsType[*IneligibleError](err)
	if !ok {
		return err
	}
	out := &IneligibleError{}
	caseRule := false
	for _, r := range ie.Reasons {
		if r.Code == matching.CodeCommunityConflict || r.Code == matching.CodeExcludedByCase {
			if !caseRule {
				out.Reasons = append(out.Reasons, data.Reason{Code: CodeCaseRule, Message: "a rule of this case rules you out, so you cannot take it"})
			}
			caseRule = true
			continue
		}
		out.Reasons = append(out.Reasons, r)
	}
	return out
}

// interpreterBooking is a booking as its interpreter may read it: without
// its cancellation reason, which may name the rule of the case that
// withdrew it (a community shared with the child) or be the social
// worker's own words about the child, nor its cancellation's code, which
// would tell a withdrawal by a rule of the case from a cancellation.
func interpreterBooking(b data.Booking) data.Booking {
	b.CancelReason = ""
	if b.Status == data.BookingCancelled {
		b.Code = ""
	}
	return b
}

// DeclineOffer records the actor's (an interpreter's) refusal of a
// pending invitation, with an optional reason. DeclineConflict keeps them
// out of the case from then on (excluded_by_case; the reason shows only to
// coordinators) and is never held against them. A cascade then asks the
// next interpreter who passes every rule, skipping with reasons those who
// no longer do.
func (a *App) DeclineOffer(ctx context.Context, actor data.User, offerID string, reason data.DeclineReason) (Invitation, error) {
	if err := interpreterSelf(actor); err != nil {
		return Invitation{}, err
	}
	if reason != "" && !oneOf(reason, data.DeclineReasons) {
		return Invitation{}, invalid("reason", "must be one of unavailable, conflict, other")
	}
	o, err := a.store.Offer(ctx, offerID)
	if err != nil {
		return Invitation{}, err
	}
	now := a.stamp()
	if _, err := o.Decline(actor.InterpreterID, reason, now, nil); err != nil {
		return Invitation{}, err
	}
	judged, err := a.judgeQueued(ctx, o)
	if err != nil {
		return Invitation{}, err
	}
	p, err := a.readParties(ctx, o)
	if err != nil {
		return Invitation{}, err
	}
	o, err = a.store.UpdateOffer(ctx, offerID, func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.Decline(actor.InterpreterID, reason, now, judged)
		if err != nil {
			return o, data.Change{}, err
		}
		ch := audited(now, actor, o.Organisation, data.ActionOfferDeclined, data.EntityOffer, o.ID)
		ch.Messages = a.offerNews(o, &next, p)
		ch.UnmetNeed = offerNeed(o, next, p.c, now)
		return next, ch, nil
	})
	if err != nil {
		return Invitation{}, err
	}
	return a.invitationOf(ctx, o, actor.InterpreterID)
}

// ExpireOffers moves on the open offers whose pending invitations ran out
// by now: each invitation expires, and a cascade asks the next interpreter
// who passes every rule (or the offer ends unfilled). It is the expirer's
// work, done as the service itself in each offer's organisation, and
// returns how many offers it moved; readers already show expiry by the
// clock (data.Offer.AsOf), so a late run never shows a stale state. An
// offer that fails to move is logged and left for the next run.
func (a *App) ExpireOffers(ctx context.Context, limit int) (int, error) {
	now := a.stamp()
	due, err := a.store.DueOffers(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, o := range due {
		judged, err := a.judgeQueued(ctx, o)
		var p offerParties
		if err == nil {
			p, err = a.readParties(ctx, o)
		}
		if err == nil {
			_, err = a.store.UpdateOffer(ctx, o.ID, func(o data.Offer) (data.Offer, data.Change, error) {
				next, err := o.Expire(now, judged)
				if err != nil {
					return o, data.Change{}, err
				}
				ch := audited(now, system(o.Organisation), o.Organisation, data.ActionOfferExpired, data.EntityOffer, o.ID)
				ch.Messages = a.offerNews(o, &next, p)
				ch.UnmetNeed = offerNeed(o, next, p.c, now)
				return next, ch, nil
			})
		}
		switch {
		case err == nil:
			moved++
		case errors.Is(err, data.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, data.ErrClosed):
			return moved, err
		default:
			a.log.WarnContext(ctx, "expiring an offer", "offer_id", o.ID, "error", err.Error())
		}
	}
	return moved, nil
}

// MyBookingsWindow bounds the span one listing of an interpreter's own
// bookings covers.
const MyBookingsWindow = 93 * 24 * time.Hour

// MyBookings returns the bookings that hold the actor's (an
// interpreter's) time, in every organisation, that start in [from, to)
// (by default from a week ago to 60 days ahead; at most
// MyBookingsWindow), by start.
func (a *App) MyBookings(ctx context.Context, actor data.User, from, to time.Time) ([]data.Booking, error) {
	if err := interpreterSelf(actor); err != nil {
		return nil, err
	}
	now := a.now()
	if from.IsZero() {
		from = now.Add(-7 * 24 * time.Hour)
	}
	if to.IsZero() {
		to = from.Add(67 * 24 * time.Hour)
	}
	switch {
	case !to.After(from):
		return nil, invalid("to", "must be after from")
	case to.Sub(from) > MyBookingsWindow:
		return nil, invalid("to", "must be at most 93 days after from")
	}
	bookings, err := a.store.ConfirmedBookings(ctx, []string{actor.InterpreterID}, from, to)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(bookings, func(x, y data.Booking) int { return x.Start.Compare(y.Start) })
	return bookings, nil
}

// MyBooking returns one booking of the actor (an interpreter), from any
// organisation; another interpreter's booking is ErrNotFound.
func (a *App) MyBooking(ctx context.Context, actor data.User, id string) (data.Booking, error) {
	if err := interpreterSelf(actor); err != nil {
		return data.Booking{}, err
	}
	b, err := a.store.Booking(ctx, id)
	if err != nil {
		return data.Booking{}, err
	}
	if b.InterpreterID != actor.InterpreterID {
		return data.Booking{}, fmt.Errorf("booking %s: %w", id, data.ErrNotFound)
	}
	return interpreterBooking(b), nil
}
