package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// How long an invitation stays open once it is pending, unless the offer
// says otherwise: a day, or an hour when the interview starts within two
// days (an invitation never stays open past the interview's start).
const (
	RespondWithin       = 24 * time.Hour
	RespondWithinSoon   = time.Hour
	SoonBeforeInterview = 48 * time.Hour
)

// NewOffer is what a social worker sends to ask interpreters.
type NewOffer struct {
	CaseID        string
	Start, End    time.Time
	InterviewType data.InterviewType
	Modality      data.Modality
	Region        string
	Location      string
	// JoinDetails is the link (video) or number (phone) the interpreter
	// joins by: required for those modalities, shown to the interpreter
	// once they accept and carried by the booking.
	JoinDetails string
	// InterpreterIDs are the interpreters to ask (1 to
	// data.MaxInvitations), in the order a cascade asks them.
	InterpreterIDs []string
	Mode           data.OfferMode
	// RespondWithinMinutes overrides how long each invitation stays open
	// (at least 1); 0 takes the policy's.
	RespondWithinMinutes int
	// Additional says the offer asks for a further interpreter for an
	// interview the case already has one for: without it, a case with a
	// confirmed booking or an open offer overlapping the slot refuses the
	// offer with a *CaseBookedError.
	Additional bool
	// Review asks what the offer would be without making it: every check
	// is run (the practical details, every hard rule for each interpreter,
	// what the case already has for the slot) and the offer returned as it
	// would open, nothing written, audited or sent.
	Review bool
}

// InviteeReasons is one interpreter's hard rules that failed.
type InviteeReasons struct {
	InterpreterID string
	Reasons       []data.Reason
}

// CreateOffer asks interpreters to take an interview of a case of the
// actor's organisation. Every hard rule is judged for each of them now:
// those who fail one are recorded as skipped with their reasons, and when
// nobody passes, the offer is refused with an *IneligibleError listing
// each one's reasons. A cascade asks the first who passes; a broadcast asks
// everyone who passes at once. Unless no is Additional, a confirmed
// booking or an open offer of the case overlapping the slot refuses it
// with a *CaseBookedError.
func (a *App) CreateOffer(ctx context.Context, actor data.User, no NewOffer) (data.Offer, error) {
	c, err := a.GetCase(ctx, actor, no.CaseID)
	if errors.Is(err, data.ErrNotFound) {
		return data.Offer{}, invalid("caseId", "names no case of your organisation")
	}
	if err != nil {
		return data.Offer{}, err
	}
	if err := c.CheckOpen(); err != nil {
		return data.Offer{}, err
	}
	if err := notTransferred(c); err != nil {
		return data.Offer{}, err
	}
	now := a.stamp()
	o := data.Offer{
		ID: data.NewID(now), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference, CreatedBy: actor.ID,
		Start: data.Timestamp(no.Start), End: data.Timestamp(no.End), InterviewType: no.InterviewType, Modality: no.Modality,
		Location: strings.TrimSpace(no.Location), JoinDetails: strings.TrimSpace(no.JoinDetails), Mode: no.Mode, Additional: no.Additional, Status: data.OfferOpen,
		RespondWithin: time.Duration(no.RespondWithinMinutes) * time.Minute, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if o.Modality == data.ModalityInPerson {
		o.Region = strings.ToUpper(strings.TrimSpace(no.Region))
	}
	o.Safety = a.policy.Plan(o.InterviewType, o.Modality)
	switch {
	case no.RespondWithinMinutes < 0:
		return data.Offer{}, invalid("respondWithinMinutes", "must be at least 1")
	case no.RespondWithinMinutes == 0 && o.Start.Sub(now) <= SoonBeforeInterview:
		o.RespondWithin = RespondWithinSoon
	case no.RespondWithinMinutes == 0:
		o.RespondWithin = RespondWithin
	}
	for _, id := range no.InterpreterIDs {
		o.Invitations = append(o.Invitations, data.Invitation{InterpreterID: strings.TrimSpace(id), Status: data.InvitationQueued})
	}
	if err := o.Validate(); err != nil {
		return data.Offer{}, err
	}
	if err := data.CheckPractical(o.Modality, o.Location, o.JoinDetails); err != nil {
		return data.Offer{}, err
	}
	if err := checkSlot(offerRequest(c, o), now); err != nil {
		return data.Offer{}, err
	}
	judged, err := a.judge(ctx, c, o, no.InterpreterIDs, "")
	if err != nil {
		return data.Offer{}, err
	}
	o = o.Open(now, judged)
	if o.Status != data.OfferOpen {
		ie := &IneligibleError{}
		for _, id := range no.InterpreterIDs {
			ie.Invitees = append(ie.Invitees, InviteeReasons{InterpreterID: id, Reasons: judged[id]})
			ie.Reasons = append(ie.Reasons, judged[id]...)
		}
		return data.Offer{}, ie
	}
	p, err := a.readParties(ctx, o)
	if err != nil {
		return data.Offer{}, err
	}
	if no.Review {
		return o, a.reviewSlot(ctx, actor, c.ID, o.Start, o.End, o.Additional)
	}
	ch := audited(now, actor, o.Organisation, data.ActionOfferCreated, data.EntityOffer, o.ID)
	ch.Messages = a.offerNews(data.Offer{}, &o, p)
	if err := a.store.CreateOffer(ctx, o, ch); err != nil {
		return data.Offer{}, a.caseBooked(ctx, err)
	}
	return o, nil
}

// offerRequest is the matching request of an offer's interview.
func offerRequest(c data.Case, o data.Offer) matching.Request {
	return matching.Request{Case: c, Start: o.Start, End: o.End, InterviewType: o.InterviewType, Modality: o.Modality, Region: o.Region, Plan: o.Safety}
}

// judge judges the interpreters with these IDs by every hard rule for the
// offer's interview, as matching would, and returns each one's failed
// rules (none: they may be asked). An ID that names no interpreter fails
// as not approved (it cannot be asked). Availability counts: an
// interpreter booked at that time is not asked. ignore names a booking
// that makes nobody unavailable.
func (a *App) judge(ctx context.Context, c data.Case, o data.Offer, ids []string, ignore string) (data.Judged, error) {
	req := offerRequest(c, o)
	req.IgnoreBookingID = ignore
	in := matching.Input{Request: req, Now: a.now()}
	if err := in.Validate(a.policy); err != nil {
		return nil, err
	}
	judged := data.Judged{}
	for _, id := range ids {
		interp, err := a.store.Interpreter(ctx, id)
		if errors.Is(err, data.ErrNotFound) {
			judged[id] = []data.Reason{{Code: matching.CodeNotApproved, Message: "is not an interpreter on the register"}}
			continue
		}
		if err != nil {
			return nil, err
		}
		in.Pool = append(in.Pool, interp)
	}
	if len(in.Pool) == 0 {
		return judged, nil
	}
	if err := a.complete(ctx, &in, c); err != nil {
		return nil, err
	}
	for _, interp := range in.Pool {
		_, reasons, err := matching.Evaluate(in, interp, a.policy)
		if err != nil {
			return nil, err
		}
		judged[interp.ID] = reasons
	}
	return judged, nil
}

// judgeQueued judges, for the offer's next move, the interpreters still
// queued in it, reading the offer's case afresh.
func (a *App) judgeQueued(ctx context.Context, o data.Offer) (data.Judged, error) {
	var ids []string
	for _, inv := range o.Invitations {
		if inv.Status == data.InvitationQueued {
			ids = append(ids, inv.InterpreterID)
		}
	}
	if len(ids) == 0 || o.Status != data.OfferOpen {
		return data.Judged{}, nil
	}
	c, err := a.store.Case(ctx, o.CaseID)
	if err != nil {
		return nil, fmt.Errorf("case of offer %s: %w", o.ID, err)
	}
	return a.judge(ctx, c, o, ids, "")
}

// declaredConflicts returns, as case exclusions, the interpreters who
// declined one of the case's offers declaring a conflict.
func (a *App) declaredConflicts(ctx context.Context, c data.Case) ([]data.CaseExclusion, error) {
	var out []data.CaseExclusion
	q := data.OfferQuery{Organisation: c.Organisation, CaseID: c.ID, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListOffers(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			for _, inv := range o.Invitations {
				if inv.Decline == data.DeclineConflict {
					out = append(out, data.CaseExclusion{InterpreterID: inv.InterpreterID, Reason: "declared a conflict when offered an interview"})
				}
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.Before = page.Next
	}
}

// GetOffer returns an offer of the actor's organisation as it stands now
// (see data.Offer.AsOf); another organisation's offer is ErrNotFound.
func (a *App) GetOffer(ctx context.Context, actor data.User, id string) (data.Offer, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Offer{}, err
	}
	o, err := a.store.Offer(ctx, id)
	if err != nil {
		return data.Offer{}, err
	}
	if o.Organisation != actor.Organisation {
		return data.Offer{}, fmt.Errorf("offer %s: %w", id, data.ErrNotFound)
	}
	return o.AsOf(a.now()), nil
}

// OfferFilter is what a caller may ask of the offers listing.
type OfferFilter struct {
	CaseID string
	Status data.OfferStatus
	Cursor string
	Limit  int
}

// ListOffers pages through the actor's organisation's offers, newest
// first, each as it stands now.
func (a *App) ListOffers(ctx context.Context, actor data.User, f OfferFilter) (data.Page[data.Offer], error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Page[data.Offer]{}, err
	}
	if f.Status != "" && !oneOf(f.Status, data.OfferStatuses) {
		return data.Page[data.Offer]{}, invalid("status", "must be one of open, filled, unfilled, cancelled")
	}
	page, err := a.store.ListOffers(ctx, data.OfferQuery{Organisation: actor.Organisation, CaseID: f.CaseID, Status: f.Status, Before: f.Cursor, Limit: f.Limit})
	return asOf(page, a.now()), err
}

// asOf is a page of offers as they stand at now.
func asOf(page data.Page[data.Offer], now time.Time) data.Page[data.Offer] {
	for i, o := range page.Items {
		page.Items[i] = o.AsOf(now)
	}
	return page
}

// CancelOffer ends an open offer of the actor's organisation for a reason
// (required): every open invitation is withdrawn. Its code is the
// requester's cancellation, late under the policy's LateCancellation
// before the start.
func (a *App) CancelOffer(ctx context.Context, actor data.User, id, reason string) (data.Offer, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Offer{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return data.Offer{}, invalid("reason", "is required: say why the offer is cancelled")
	}
	if err := data.CheckProse("reason", reason, data.MaxCancelReasonLength); err != nil {
		return data.Offer{}, err
	}
	cur, err := a.GetOffer(ctx, actor, id)
	if err != nil {
		return data.Offer{}, err
	}
	p, err := a.readParties(ctx, cur)
	if err != nil {
		return data.Offer{}, err
	}
	now := a.stamp()
	return a.store.UpdateOffer(ctx, id, func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.AsOf(now).Cancel(reason, data.CancelCode(data.PartyRequester, o.Start, now, a.policy.LateCancellation), now)
		if err != nil {
			return o, data.Change{}, err
		}
		ch := audited(now, actor, o.Organisation, data.ActionOfferCancelled, data.EntityOffer, o.ID)
		ch.Messages = a.offerNews(o, &next, p)
		return next, ch, nil
	})
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
