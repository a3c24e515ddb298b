package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// An Offer asks one or more interpreters, in order or all at once, to take
// an interview; the first to accept is booked (the booking's Confirmation
// is ConfirmationOffer). It is how interviews are normally booked: a
// booking made without the interpreter's yes is a claim on a stranger's
// time.
//
// Its state machine, as methods below: open → filled (with BookingID) |
// unfilled (every invitation declined, expired or skipped) | cancelled.
// Each invitation: queued → pending → accepted | declined | expired |
// withdrawn | skipped. The methods are pure: package app judges the hard
// rules (which need the store) before it calls them, and passes what it
// judged in.
type Offer struct {
	ID            string
	Organisation  string
	CaseID        string
	CaseReference string // copied from the case, for the requester's lists
	CreatedBy     string // the user who made the offer
	Start, End    time.Time
	InterviewType InterviewType
	Modality      Modality
	Region        string // ISO 3166-2, for in-person interviews
	Location      string
	// JoinDetails is the link or number a video or phone interview is
	// joined by; the booking an acceptance makes carries it.
	JoinDetails string
	// Safety is the safety plan the interpreter accepts with the offer;
	// the booking an acceptance makes carries it.
	Safety SafetyPlan
	Mode   OfferMode
	// Additional says the offer asks for a further interpreter for an
	// interview the case already has one for: it is not refused as
	// ErrCaseBooked, and neither is its booking.
	Additional bool
	// RespondWithin is how long each invitation stays open once it is
	// pending (its RespondBy never passes the interview's start).
	RespondWithin time.Duration
	Status        OfferStatus
	Invitations   []Invitation
	BookingID     string // the booking an acceptance made (filled)
	CancelReason  string
	// Code is how the offer ended, in the words of the reports:
	// OutcomeUnfilled when nobody accepted, the cancellation's code
	// (OfferCancelCodes) when its requester withdrew it; empty while open
	// and once filled (its booking carries the interview's code).
	Code OutcomeCode
	// Anonymised is when retention anonymised the offer (see
	// Offer.Anonymise); zero until then.
	Anonymised time.Time
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// OfferMode says how an offer asks its interpreters.
type OfferMode string

// The offer modes.
const (
	// OfferCascade asks one interpreter at a time, in order.
	OfferCascade OfferMode = "cascade"
	// OfferBroadcast asks every interpreter at once; the first to accept wins.
	OfferBroadcast OfferMode = "broadcast"
)

// OfferModes lists every OfferMode.
var OfferModes = []OfferMode{OfferCascade, OfferBroadcast}

// OfferStatus is where an offer stands.
type OfferStatus string

// The offer statuses.
const (
	OfferOpen      OfferStatus = "open"
	OfferFilled    OfferStatus = "filled"
	OfferUnfilled  OfferStatus = "unfilled"
	OfferCancelled OfferStatus = "cancelled"
)

// OfferStatuses lists every OfferStatus.
var OfferStatuses = []OfferStatus{OfferOpen, OfferFilled, OfferUnfilled, OfferCancelled}

// Invitation is one interpreter's part in an offer.
type Invitation struct {
	InterpreterID string
	Status        InvitationStatus
	// Asked is when the invitation became pending (zero while queued).
	Asked time.Time
	// RespondBy is when a pending invitation expires.
	RespondBy time.Time
	// Answered is when the invitation left pending or queued.
	Answered time.Time
	// Decline is the reason an interpreter gave for declining, if any.
	Decline DeclineReason
	// Reasons are the hard rules that ruled the interpreter out when their
	// turn came (skipped), or that withdrew the invitation.
	Reasons []Reason
	// TokenHash is the HashKey of the single-use link the invitation was
	// sent with (its answer without signing in): the link works while the
	// invitation is pending, and names it (OfferStore.OfferByToken).
	TokenHash string
}

// InvitationStatus is where one invitation stands.
type InvitationStatus string

// The invitation statuses.
const (
	InvitationQueued    InvitationStatus = "queued"
	InvitationPending   InvitationStatus = "pending"
	InvitationAccepted  InvitationStatus = "accepted"
	InvitationDeclined  InvitationStatus = "declined"
	InvitationExpired   InvitationStatus = "expired"
	InvitationWithdrawn InvitationStatus = "withdrawn"
	InvitationSkipped   InvitationStatus = "skipped"
)

// InvitationStatuses lists every InvitationStatus.
var InvitationStatuses = []InvitationStatus{InvitationQueued, InvitationPending, InvitationAccepted,
	InvitationDeclined, InvitationExpired, InvitationWithdrawn, InvitationSkipped}

// DeclineReason is the optional code an interpreter declines with.
type DeclineReason string

// The decline reasons. DeclineConflict excludes the interpreter from the
// case (excluded_by_case), and is never held against them.
const (
	DeclineUnavailable DeclineReason = "unavailable"
	DeclineConflict    DeclineReason = "conflict"
	DeclineOther       DeclineReason = "other"
)

// DeclineReasons lists every DeclineReason.
var DeclineReasons = []DeclineReason{DeclineUnavailable, DeclineConflict, DeclineOther}

// Limits of an offer.
const (
	// MaxInvitations is the most interpreters one offer asks.
	MaxInvitations = 10
	// MinRespondWithin is the shortest time an invitation stays open.
	MinRespondWithin = time.Minute
)

// Judged holds what package app judged of the interpreters an offer may
// ask next: for each interpreter ID, the hard rules they fail (none: they
// may be asked). An interpreter missing from it has not been judged and
// is not asked.
type Judged map[string][]Reason

// ErrOfferClosed is the code of a StateError refusing an answer to an
// offer that is no longer open to it: filled, unfilled, cancelled, or the
// invitation no longer pending (answered, expired, withdrawn).
const ErrOfferClosed = "offer_closed"

// Open starts a new offer at now, its invitations all queued: those who
// fail a rule in judged are skipped with their reasons; a broadcast asks
// every interpreter who passes at once, a cascade the first (see Advance).
// An offer nobody can be asked for comes back unfilled.
func (o Offer) Open(now time.Time, judged Judged) Offer {
	if o.Mode != OfferBroadcast {
		return o.Advance(now, judged)
	}
	o.Invitations = slices.Clone(o.Invitations)
	asked := false
	for i, inv := range o.Invitations {
		reasons, ok := judged[inv.InterpreterID]
		switch {
		case inv.Status != InvitationQueued || !ok:
		case len(reasons) > 0:
			o.Invitations[i].Status, o.Invitations[i].Answered, o.Invitations[i].Reasons = InvitationSkipped, Timestamp(now), reasons
		default:
			o.Invitations[i].Status, o.Invitations[i].Asked, o.Invitations[i].RespondBy = InvitationPending, Timestamp(now), o.respondBy(now)
			asked = true
		}
	}
	if !asked {
		o.Status, o.Code = OfferUnfilled, OutcomeUnfilled
	}
	return o
}

// respondBy is when an invitation asked at now must be answered: after
// RespondWithin, and never after the interview's start.
func (o Offer) respondBy(now time.Time) time.Time {
	by := now.Add(o.RespondWithin)
	if o.Start.Before(by) {
		by = o.Start
	}
	return Timestamp(by)
}

// Invitation returns the index of the interpreter's invitation, or -1.
func (o Offer) Invitation(interpreterID string) int {
	return slices.IndexFunc(o.Invitations, func(inv Invitation) bool { return inv.InterpreterID == interpreterID })
}

// closed refuses an answer to an offer that is not open to it.
func closed(why string) error {
	return &StateError{Code: ErrOfferClosed, Reason: "this offer is closed: " + why}
}

// pendingFor returns the index of the interpreter's invitation if it is
// pending at now, or a StateError saying why it is not.
func (o Offer) pendingFor(interpreterID string, now time.Time) (int, error) {
	i := o.Invitation(interpreterID)
	switch {
	case i < 0:
		return -1, fmt.Errorf("interpreter %s is not invited: %w", interpreterID, ErrNotFound)
	case o.Status != OfferOpen:
		return -1, closed("it is " + string(o.Status))
	case o.Invitations[i].Status == InvitationPending && !now.Before(o.Invitations[i].RespondBy):
		return -1, closed("the time to answer ran out at " + o.Invitations[i].RespondBy.UTC().Format(time.RFC3339))
	case o.Invitations[i].Status != InvitationPending:
		return -1, closed("your invitation is " + string(o.Invitations[i].Status))
	}
	return i, nil
}

// Accept fills the offer with the interpreter's acceptance at now, booked
// as bookingID: the invitation is accepted and every other open one
// withdrawn, in the same change. A StateError (ErrOfferClosed) when the
// invitation is not pending or its time ran out; ErrNotFound when the
// interpreter is not invited.
func (o Offer) Accept(interpreterID, bookingID string, now time.Time) (Offer, error) {
	i, err := o.pendingFor(interpreterID, now)
	if err != nil {
		return o, err
	}
	o.Invitations = slices.Clone(o.Invitations)
	o.Invitations[i].Status, o.Invitations[i].Answered = InvitationAccepted, Timestamp(now)
	o.withdrawOpen(now, nil)
	o.Status, o.BookingID, o.UpdatedAt = OfferFilled, bookingID, Timestamp(now)
	return o, nil
}

// Decline records the interpreter's refusal at now and, in a cascade, asks
// the next interpreter judged eligible (see Advance). A StateError
// (ErrOfferClosed) when the invitation is not pending; ErrNotFound when
// the interpreter is not invited.
func (o Offer) Decline(interpreterID string, reason DeclineReason, now time.Time, judged Judged) (Offer, error) {
	i, err := o.pendingFor(interpreterID, now)
	if err != nil {
		return o, err
	}
	o.Invitations = slices.Clone(o.Invitations)
	o.Invitations[i].Status, o.Invitations[i].Answered, o.Invitations[i].Decline = InvitationDeclined, Timestamp(now), reason
	o.UpdatedAt = Timestamp(now)
	return o.Advance(now, judged), nil
}

// OfferCancelCodes lists the codes an offer's cancellation sets: its
// requester withdrew it, late or not (see CancelCode).
var OfferCancelCodes = []OutcomeCode{OutcomeCancelledByRequester, OutcomeCancelledByRequesterLate}

// Cancel ends an open offer for a reason, with the code of its
// cancellation (one of OfferCancelCodes, a *ValidationError naming code
// otherwise): every open invitation is withdrawn.
func (o Offer) Cancel(reason string, code OutcomeCode, now time.Time) (Offer, error) {
	if o.Status != OfferOpen {
		return o, &StateError{Code: "offer_not_open", Reason: "the offer is " + string(o.Status) + "; only an open offer can be cancelled"}
	}
	if !oneOf(code, OfferCancelCodes) {
		return o, &ValidationError{Errors: []FieldError{{Field: "code", Message: "must be one of " + list(OfferCancelCodes)}}}
	}
	o.Invitations = slices.Clone(o.Invitations)
	o.withdrawOpen(now, nil)
	o.Status, o.CancelReason, o.Code, o.UpdatedAt = OfferCancelled, strings.TrimSpace(reason), code, Timestamp(now)
	return o, nil
}

// Withdraw withdraws the interpreter's open invitation because they fail
// the hard rules given (a suspension, a new exclusion), and in a cascade
// asks the next interpreter judged eligible. ErrNoChange when the
// interpreter has no open invitation.
func (o Offer) Withdraw(interpreterID string, reasons []Reason, now time.Time, judged Judged) (Offer, error) {
	i := o.Invitation(interpreterID)
	if i < 0 || o.Status != OfferOpen || !o.Invitations[i].Status.open() {
		return o, ErrNoChange
	}
	o.Invitations = slices.Clone(o.Invitations)
	o.Invitations[i].Status, o.Invitations[i].Answered, o.Invitations[i].Reasons = InvitationWithdrawn, Timestamp(now), reasons
	o.UpdatedAt = Timestamp(now)
	return o.Advance(now, judged), nil
}

// Expire marks every pending invitation whose time ran out by now as
// expired and moves the offer on (see Advance). ErrNoChange when nothing
// was due.
func (o Offer) Expire(now time.Time, judged Judged) (Offer, error) {
	if o.Status != OfferOpen {
		return o, ErrNoChange
	}
	o.Invitations = slices.Clone(o.Invitations)
	expired := false
	for i, inv := range o.Invitations {
		if inv.Status == InvitationPending && !now.Before(inv.RespondBy) {
			o.Invitations[i].Status, o.Invitations[i].Answered = InvitationExpired, Timestamp(inv.RespondBy)
			expired = true
		}
	}
	next := o.Advance(now, judged)
	if !expired && next.Status == o.Status && slices.EqualFunc(next.Invitations, o.Invitations, sameInvitation) {
		return o, ErrNoChange
	}
	next.UpdatedAt = Timestamp(now)
	return next, nil
}

func sameInvitation(a, b Invitation) bool {
	return a.InterpreterID == b.InterpreterID && a.Status == b.Status
}

// Advance moves an open offer on at now when no invitation is pending: in
// a cascade, the queued interpreters are taken in order, each judged in
// judged (failing a rule: skipped with the reasons; eligible: pending,
// answer due RespondWithin from now and never after the interview's
// start; not judged: left queued for a later move); with nobody pending
// and nobody queued, the offer is unfilled. An offer with a pending
// invitation, or not open, is returned as it is.
func (o Offer) Advance(now time.Time, judged Judged) Offer {
	if o.Status != OfferOpen || slices.ContainsFunc(o.Invitations, func(inv Invitation) bool { return inv.Status == InvitationPending }) {
		return o
	}
	o.Invitations = slices.Clone(o.Invitations)
	for i, inv := range o.Invitations {
		if inv.Status != InvitationQueued {
			continue
		}
		reasons, ok := judged[inv.InterpreterID]
		if !ok {
			return o // not judged yet: wait for the next move
		}
		if len(reasons) > 0 {
			o.Invitations[i].Status, o.Invitations[i].Answered, o.Invitations[i].Reasons = InvitationSkipped, Timestamp(now), reasons
			continue
		}
		o.Invitations[i].Status, o.Invitations[i].Asked, o.Invitations[i].RespondBy = InvitationPending, Timestamp(now), o.respondBy(now)
		return o
	}
	o.Status, o.Code = OfferUnfilled, OutcomeUnfilled
	return o
}

// withdrawOpen withdraws every invitation still queued or pending.
func (o *Offer) withdrawOpen(now time.Time, reasons []Reason) {
	for i, inv := range o.Invitations {
		if inv.Status.open() {
			o.Invitations[i].Status, o.Invitations[i].Answered, o.Invitations[i].Reasons = InvitationWithdrawn, Timestamp(now), reasons
		}
	}
}

// open reports whether an invitation may still be answered or asked.
func (s InvitationStatus) open() bool { return s == InvitationQueued || s == InvitationPending }

// AsOf is the offer as it stands at now, for a reader: a pending
// invitation whose time ran out shows as expired, and a broadcast whose
// every invitation is answered or expired shows as unfilled, whether or
// not the expiry has been written yet (the expirer writes it, and moves a
// cascade on).
func (o Offer) AsOf(now time.Time) Offer {
	if o.Status != OfferOpen {
		return o
	}
	due := false
	for _, inv := range o.Invitations {
		due = due || (inv.Status == InvitationPending && !now.Before(inv.RespondBy))
	}
	if !due {
		return o
	}
	next, err := o.Expire(now, nil)
	if err != nil {
		return o
	}
	return next
}

// Due is the earliest time a pending invitation of the open offer expires,
// or the zero time when none is pending: when the expirer must look at it.
func (o Offer) Due() time.Time {
	var due time.Time
	if o.Status != OfferOpen {
		return due
	}
	for _, inv := range o.Invitations {
		if inv.Status == InvitationPending && (due.IsZero() || inv.RespondBy.Before(due)) {
			due = inv.RespondBy
		}
	}
	return due
}

// Validate checks an offer's invariants and returns a *ValidationError
// naming each field that breaks one.
func (o Offer) Validate() error {
	var p problems
	if !organisationPattern.MatchString(o.Organisation) {
		p.add("organisation", "must be an organisation name")
	}
	if o.CaseID == "" {
		p.add("caseId", "is required")
	} else {
		p.text("caseId", o.CaseID, MaxIDLength, oneLine)
	}
	slot := Booking{Start: o.Start, End: o.End}
	switch {
	case o.Start.IsZero():
		p.add("start", "is required")
	case o.End.IsZero():
		p.add("end", "is required")
	case !o.End.After(o.Start):
		p.add("end", "must be after start")
	case o.End.Sub(o.Start) > MaxBookingDuration:
		p.add("end", "must be at most "+DurationWords(MaxBookingDuration)+" after start")
	case slot.CheckStorable() != nil:
		p.add("start", "must be in the years 1 to 9999")
	}
	if !oneOf(o.InterviewType, InterviewTypes) {
		p.add("interviewType", "must be one of "+list(InterviewTypes))
	}
	if !oneOf(o.Modality, Modalities) {
		p.add("modality", "must be one of "+list(Modalities))
	}
	if p.text("region", o.Region, MaxCodeLength, oneLine) && o.Modality == ModalityInPerson && !IsSubdivisionCode(o.Region) {
		p.add("region", "is required for in_person: an ISO 3166-2 code such as GB-LND")
	}
	p.text("location", o.Location, MaxLocationLength, prose)
	p.text("joinDetails", o.JoinDetails, MaxJoinDetailsLength, prose)
	p.text("cancelReason", o.CancelReason, MaxCancelReasonLength, prose)
	switch {
	case o.Code == "":
	case o.Status == OfferUnfilled && o.Code != OutcomeUnfilled:
		p.add("code", "must be unfilled for an unfilled offer")
	case o.Status == OfferCancelled && !oneOf(o.Code, OfferCancelCodes):
		p.add("code", "must be one of "+list(OfferCancelCodes)+" for a cancelled offer")
	case o.Status == OfferOpen || o.Status == OfferFilled:
		p.add("code", "is set when an offer ends unfilled or cancelled")
	}
	o.Safety.check(&p, "safety.")
	if !oneOf(o.Mode, OfferModes) {
		p.add("mode", "must be one of "+list(OfferModes))
	}
	if o.RespondWithin < MinRespondWithin {
		p.add("respondWithinMinutes", "must be at least 1")
	}
	if !oneOf(o.Status, OfferStatuses) {
		p.add("status", "must be one of "+list(OfferStatuses))
	}
	switch n := len(o.Invitations); {
	case n == 0:
		p.add("interpreterIds", "must name at least one interpreter")
	case n > MaxInvitations:
		p.add("interpreterIds", fmt.Sprintf("must name at most %d interpreters", MaxInvitations))
	}
	seen := map[string]bool{}
	for i, inv := range o.Invitations {
		f := fmt.Sprintf("interpreterIds[%d]", i)
		switch {
		case inv.InterpreterID == "":
			p.add(f, "is required")
		case seen[inv.InterpreterID]:
			p.add(f, "names an interpreter already listed")
		default:
			p.text(f, inv.InterpreterID, MaxIDLength, oneLine)
		}
		seen[inv.InterpreterID] = true
		if !oneOf(inv.Status, InvitationStatuses) {
			p.add(f, "has an unknown status")
		}
		if inv.Decline != "" && !oneOf(inv.Decline, DeclineReasons) {
			p.add(f, "has an unknown decline reason: must be one of "+list(DeclineReasons))
		}
	}
	return p.err()
}

// OfferQuery selects offers, newest first. Either Organisation (an
// organisation's offers, optionally of one case) or InterpreterID (the
// offers inviting one interpreter, in every organisation) is required.
type OfferQuery struct {
	Organisation string
	CaseID       string
	// InterpreterID keeps the offers that invite this interpreter, and
	// Invitation, when set, those whose invitation of them has that status.
	InterpreterID string
	Invitation    InvitationStatus
	Status        OfferStatus
	// Before is a cursor: offers whose ID sorts before it (older).
	Before string
	Limit  int
}

// OfferStore keeps offers, and is where the first acceptance of an offer
// wins: of any number of acceptances of one offer, however many service
// instances write at once, at most one lands its booking.
type OfferStore interface {
	// CreateOffer stores a new offer (Version 1, with its ID and
	// timestamps) with its change. ErrDuplicate when the ID is taken.
	// An open offer that is not Additional is refused, nothing written,
	// with a *CaseBookedError (ErrCaseBooked) when its case has a confirmed
	// booking or another open offer whose slot overlaps it (CheckCaseSlot),
	// judged in the same write.
	CreateOffer(ctx context.Context, o Offer, ch Change) error
	// Offer returns the offer with this ID as stored (see Offer.AsOf for
	// what a reader shows), or ErrNotFound.
	Offer(ctx context.Context, id string) (Offer, error)
	// UpdateOffer changes the offer with this ID through fn (see Update)
	// and returns what it stored: a decline, a cancellation, an expiry.
	// ErrNotFound; ErrInvalid when fn changes what Offer.CheckUpdate
	// keeps (the interview, the interpreters asked and their order).
	// Nothing is written on error.
	UpdateOffer(ctx context.Context, id string, fn Update[Offer]) (Offer, error)
	// FillOffer lands an acceptance: fn gets the offer as it is now and
	// returns it filled (Offer.Accept), the booking the acceptance makes,
	// and the change describing both. The offer and the booking land
	// together or not at all. The booking is checked as CreateBooking
	// checks it: an *OverlapError when it would Block another booking of
	// its interpreter (nothing written), ErrDuplicate when its ID is
	// taken. When another change of the offer lands first, fn runs again
	// on the offer as it then is, so of simultaneous acceptances exactly
	// one fills the offer and the others get fn's refusal.
	FillOffer(ctx context.Context, id string, fn func(Offer) (Offer, Booking, Change, error)) (Offer, Booking, error)
	// ListOffers returns the offers matching q, newest first. ErrInvalid
	// without an organisation or an interpreter.
	ListOffers(ctx context.Context, q OfferQuery) (Page[Offer], error)
	// OfferByToken returns the offer holding an invitation whose TokenHash
	// is tokenHash, whatever its state, or ErrNotFound.
	OfferByToken(ctx context.Context, tokenHash string) (Offer, error)
	// DueOffers returns up to limit open offers with a pending invitation
	// that expires at or before by (Offer.Due), earliest first: what the
	// expirer moves on. Its cost follows the answer.
	DueOffers(ctx context.Context, by time.Time, limit int) ([]Offer, error)
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what an offer never changes: its ID, organisation, case, the interview
// it asks for (slot, type, modality, region, mode, answer window), the
// interpreters it asks and in which order, its author and its creation
// time. Only its state moves.
func (o Offer) CheckUpdate(old Offer) error {
	var p problems
	p.same("id", o.ID, old.ID)
	p.same("organisation", o.Organisation, old.Organisation)
	p.same("caseId", o.CaseID, old.CaseID)
	if o.Anonymised.IsZero() || !old.Anonymised.IsZero() { // anonymising removes it
		p.same("caseReference", o.CaseReference, old.CaseReference)
	}
	p.same("createdBy", o.CreatedBy, old.CreatedBy)
	p.same("interviewType", string(o.InterviewType), string(old.InterviewType))
	p.same("modality", string(o.Modality), string(old.Modality))
	p.same("region", o.Region, old.Region)
	p.same("mode", string(o.Mode), string(old.Mode))
	if o.Additional != old.Additional {
		p.add("additional", "may not change")
	}
	if o.RespondWithin != old.RespondWithin {
		p.add("respondWithinMinutes", "may not change")
	}
	p.sameTime("start", o.Start, old.Start)
	p.sameTime("end", o.End, old.End)
	p.sameTime("createdAt", o.CreatedAt, old.CreatedAt)
	if !slices.EqualFunc(o.Invitations, old.Invitations, func(a, b Invitation) bool { return a.InterpreterID == b.InterpreterID }) {
		p.add("interpreterIds", "may not change")
	}
	return p.err()
}
