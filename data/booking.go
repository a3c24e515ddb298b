package data

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// InterviewType is the kind of interview an interpreter is booked for; the
// matching policy sets what each requires.
type InterviewType string

// The interview types.
const (
	InterviewABEPolice     InterviewType = "abe_police"
	InterviewSocialWork    InterviewType = "social_work"
	InterviewAgeAssessment InterviewType = "age_assessment"
	InterviewHealth        InterviewType = "health"
	InterviewLegal         InterviewType = "legal"
)

// InterviewTypes lists every InterviewType.
var InterviewTypes = []InterviewType{InterviewABEPolice, InterviewSocialWork, InterviewAgeAssessment, InterviewHealth, InterviewLegal}

// BookingStatus is where a booking stands: confirmed → cancelled, confirmed → completed.
type BookingStatus string

// The booking statuses.
const (
	BookingConfirmed BookingStatus = "confirmed"
	BookingCancelled BookingStatus = "cancelled"
	BookingCompleted BookingStatus = "completed"
)

// Booking is one interpreter booked for one interview of one case.
type Booking struct {
	ID            string
	Organisation  string
	CaseID        string
	CaseReference string // copied from the case for calendars
	InterpreterID string
	BookedBy      string // user ID of the social worker (or coordinator) who booked
	Start, End    time.Time
	InterviewType InterviewType
	Modality      Modality
	Region        string // ISO 3166-2, for in-person interviews
	Location      string
	// JoinDetails is how the interpreter joins a video or phone interview:
	// the link or number to send them. It goes in the interpreter's own
	// invitation and letters, never in a feed for other people.
	JoinDetails string
	// Buffer is the time kept free around the booking for travel (the
	// policy's travel buffer for in-person interviews, zero otherwise).
	Buffer time.Duration
	// Safety is the booking's safety plan: briefing, debrief, arrival and
	// staggered departure, which hold the interpreter's time too.
	Safety SafetyPlan
	// Caps are the workload caps of the policy the booking was made
	// under, judged by the store with the overlap rule.
	Caps   WorkloadCaps
	Status BookingStatus
	// Confirmation is how the interpreter agreed to the booking: by
	// accepting an offer (OfferID names it), or directly (by phone, before
	// the booking was made).
	Confirmation Confirmation
	OfferID      string
	// Additional says the booking is meant as a further interpreter for an
	// interview the case already has one for (two sharing a long session):
	// it is not refused as ErrCaseBooked.
	Additional bool
	// OfferedAt is when the offer that made the booking was made (zero
	// for a direct booking): a report's time to fill runs from it to
	// CreatedAt.
	OfferedAt time.Time
	// Sequence rises by one on every change a calendar must see.
	Sequence int
	Match    MatchSnapshot
	Outcome  *Outcome
	// Wellbeing is the interpreter's own word on the interview, once it
	// has ended: visible to coordinators only.
	Wellbeing *Wellbeing
	// Code is how the booking ended, in the words of the reports (SPEC's
	// Recording): its outcome's code once completed, its cancellation's
	// (by whom and whether late, or withdrawn by a rule) once cancelled;
	// empty while confirmed, and on bookings ended before codes were kept.
	Code         OutcomeCode
	CancelReason string
	// WithdrawalDismissed is when the user who booked dismissed the notice
	// that a rule withdrew the booking (Code OutcomeWithdrawnByRule): until
	// then their home page shows it, to book again. Zero until dismissed.
	WithdrawalDismissed time.Time
	// Idempotency fingerprints the request that created the booking under an
	// Idempotency-Key (a hash of the caller, the key and the body), so a
	// repeat can be told from a different request reusing the key. Empty
	// when the request had no key.
	Idempotency string
	// Anonymised is when retention anonymised the booking (see
	// Anonymise); zero until then.
	Anonymised time.Time
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Confirmation says how the interpreter agreed to a booking.
type Confirmation string

// The confirmations.
const (
	// ConfirmationOffer is an interpreter's acceptance of an offer.
	ConfirmationOffer Confirmation = "offer"
	// ConfirmationDirect is an interview agreed with the interpreter
	// outside tolk (by phone) and booked directly.
	ConfirmationDirect Confirmation = "direct"
)

// MatchSnapshot is the ranking that justified a booking, kept as it was.
type MatchSnapshot struct {
	Score    int
	Factors  []Factor
	Warnings []Reason
}

// Factor is one part of a candidate's score, with a human reason.
type Factor struct {
	Factor string
	Points int
	Reason string
}

// Reason is a stable code with a human message: why an interpreter is
// excluded, or what a candidate is warned about. Messages name the rule,
// never a sensitive value.
type Reason struct {
	Code    string
	Message string
}

// Outcome is what happened at an interview, recorded once it has started.
type Outcome struct {
	Attended         bool
	ChildComfortable bool
	Note             string
	// Code is what happened, in the words of the reports (SPEC's
	// Recording): attended, child_did_not_attend, interpreter_no_show or
	// coordination_error for an interview that was due to happen.
	Code OutcomeCode
	// Checklist is the safety checklist, required when Attended.
	Checklist  *Checklist
	RecordedBy string
	RecordedAt time.Time
}

// OutcomeCode is what happened to a booked interview, as reports count it.
type OutcomeCode string

// The outcome codes a booking's outcome may carry.
const (
	OutcomeAttended          OutcomeCode = "attended"
	OutcomeChildDidNotAttend OutcomeCode = "child_did_not_attend"
	OutcomeInterpreterNoShow OutcomeCode = "interpreter_no_show"
	OutcomeCoordinationError OutcomeCode = "coordination_error"
)

// The outcome codes the actions that end a booking or an offer early
// set: a cancellation by the requester's side (a social worker or a
// coordinator of the organisation) or by the interpreter (who told the
// organisation they cannot come), each late when under the policy's
// late-cancellation time before the start; a withdrawal because the
// interpreter no longer meets a hard rule; an offer nobody accepted.
const (
	OutcomeCancelledByRequester       OutcomeCode = "cancelled_by_requester"
	OutcomeCancelledByRequesterLate   OutcomeCode = "cancelled_by_requester_late"
	OutcomeCancelledByInterpreter     OutcomeCode = "cancelled_by_interpreter"
	OutcomeCancelledByInterpreterLate OutcomeCode = "cancelled_by_interpreter_late"
	OutcomeWithdrawnByRule            OutcomeCode = "withdrawn_by_rule"
	OutcomeUnfilled                   OutcomeCode = "unfilled"
)

// OutcomeCodes lists the outcome codes a booking's outcome may carry; the
// others of SPEC's list (cancellations, withdrawals, unfilled offers) are
// what cancelling and offers record (EndCodes).
var OutcomeCodes = []OutcomeCode{OutcomeAttended, OutcomeChildDidNotAttend, OutcomeInterpreterNoShow, OutcomeCoordinationError}

// CancelCodes lists the codes a cancellation sets (Booking.Cancel).
var CancelCodes = []OutcomeCode{OutcomeCancelledByRequester, OutcomeCancelledByRequesterLate,
	OutcomeCancelledByInterpreter, OutcomeCancelledByInterpreterLate, OutcomeWithdrawnByRule}

// EndCodes lists every code an ended booking or offer may carry, in a
// fixed order: stores number them by their place here, so codes are only
// ever added at the end.
var EndCodes = []OutcomeCode{OutcomeAttended, OutcomeChildDidNotAttend, OutcomeInterpreterNoShow, OutcomeCoordinationError,
	OutcomeCancelledByRequester, OutcomeCancelledByRequesterLate, OutcomeCancelledByInterpreter,
	OutcomeCancelledByInterpreterLate, OutcomeWithdrawnByRule, OutcomeUnfilled}

// Late reports whether the code is a late cancellation.
func (c OutcomeCode) Late() bool {
	return c == OutcomeCancelledByRequesterLate || c == OutcomeCancelledByInterpreterLate
}

// Party is who calls off a booked interview.
type Party string

// The parties that cancel.
const (
	// PartyRequester is the organisation's side: the social worker or
	// coordinator who booked, or another of the organisation's.
	PartyRequester Party = "requester"
	// PartyInterpreter is the interpreter, who told the organisation they
	// cannot come (interpreters cancel through the organisation).
	PartyInterpreter Party = "interpreter"
)

// Parties lists every Party.
var Parties = []Party{PartyRequester, PartyInterpreter}

// DefaultLateCancellation is how close to its start a cancellation is
// late unless the policy says otherwise (SPEC: under 24 hours);
// MaxLateCancellation is the most a policy may say.
const (
	DefaultLateCancellation = 24 * time.Hour
	MaxLateCancellation     = 14 * 24 * time.Hour
)

// CancelCode is the code of a cancellation by party, at now, of an
// interview that starts at start: late when under late before the start
// (or after it).
func CancelCode(by Party, start, now time.Time, late time.Duration) OutcomeCode {
	isLate := start.Sub(now) < late
	switch {
	case by == PartyInterpreter && isLate:
		return OutcomeCancelledByInterpreterLate
	case by == PartyInterpreter:
		return OutcomeCancelledByInterpreter
	case isLate:
		return OutcomeCancelledByRequesterLate
	}
	return OutcomeCancelledByRequester
}

// Checklist is the safety checklist an attended interview's outcome
// carries, each item as the interviewer attests it.
type Checklist struct {
	Briefed             bool // the briefing was held
	ConflictRedeclared  bool // the interpreter repeated the conflict declaration on the day
	NeverAloneWithChild bool // the interpreter was never alone with the child
	DebriefOffered      bool // a debrief was offered
}

// Incident reports whether the outcome records a safeguarding incident:
// the interpreter was alone with the child.
func (o Outcome) Incident() bool {
	return o.Attended && o.Checklist != nil && !o.Checklist.NeverAloneWithChild
}

// Wellbeing is an interpreter's word on an interview they did.
type Wellbeing struct {
	// Distressing: the interview was distressing; coordinators offer a
	// debrief, and for the policy's period the interpreter is ranked lower
	// for these interviews (never excluded).
	Distressing bool
	MarkedAt    time.Time
}

// Bounds on bookings, so that a store can find every booking that might
// overlap a slot by seeking a bounded range of start times.
const (
	// MaxBookingDuration is the longest interview a booking may cover.
	MaxBookingDuration = 12 * time.Hour
	// MaxBuffer is the longest travel buffer a policy may set.
	MaxBuffer = 4 * time.Hour
	// MaxLocationLength bounds where an interview takes place.
	MaxLocationLength = 500
	// MaxCancelReasonLength bounds the reason a booking was cancelled.
	MaxCancelReasonLength = 500
	// MaxJoinDetailsLength bounds the link or number a video or phone
	// interview is joined by.
	MaxJoinDetailsLength = 500
)

// CheckPractical checks what an interpreter needs to turn up for a new
// booking or offer of modality m: the address of an in-person interview
// (location), the link or number of a video or phone one (joinDetails).
// Missing either is a *ValidationError naming the field. Records stored
// before these were required are not judged by it: Validate keeps only
// their lengths.
func CheckPractical(m Modality, location, joinDetails string) error {
	var p problems
	switch m {
	case ModalityInPerson:
		if strings.TrimSpace(location) == "" {
			p.add("location", "is required for an in-person interview: the address the interpreter should go to")
		}
	case ModalityVideo:
		if strings.TrimSpace(joinDetails) == "" {
			p.add("joinDetails", "is required for a video interview: the link the interpreter joins by")
		}
	case ModalityPhone:
		if strings.TrimSpace(joinDetails) == "" {
			p.add("joinDetails", "is required for a phone interview: the number the interpreter calls or is called on")
		}
	}
	return p.err()
}

// Blocks reports whether a and b, two bookings of one interpreter, cannot
// both stand: the times they hold (HeldFrom to HeldUntil: the interview
// with its briefing, debrief, arrival and staggered departure) overlap
// once the larger of their buffers (the travel time an in-person interview
// needs around it) is kept free between them. Bookings that merely touch
// (one's departure is the other's arrival, no buffer) do not block each
// other.
func Blocks(a, b Booking) bool {
	gap := max(a.Buffer, b.Buffer)
	return a.HeldFrom().Before(b.HeldUntil().Add(gap)) && b.HeldFrom().Before(a.HeldUntil().Add(gap))
}

// OverlapError says a booking would overlap a confirmed booking of the same
// interpreter. It matches ErrOverlap under errors.Is.
type OverlapError struct {
	Existing Booking // the confirmed booking in the way
}

// Error names the booking in the way and its slot.
func (e *OverlapError) Error() string {
	return fmt.Sprintf("the interpreter is booked from %s to %s, briefing and debrief included (booking %s)",
		e.Existing.HeldFrom().UTC().Format(time.RFC3339), e.Existing.HeldUntil().UTC().Format(time.RFC3339), e.Existing.ID)
}

// Is reports whether target is ErrOverlap.
func (e *OverlapError) Is(target error) bool { return target == ErrOverlap }

// Validate checks a booking's invariants and returns a *ValidationError
// naming each field that breaks one. Text is checked for length and control
// characters before it is parsed.
func (b Booking) Validate() error {
	var p problems
	if !organisationPattern.MatchString(b.Organisation) {
		p.add("organisation", "must be an organisation name")
	}
	for _, id := range []struct{ field, value string }{{"caseId", b.CaseID}, {"interpreterId", b.InterpreterID}} {
		if id.value == "" {
			p.add(id.field, "is required")
		} else {
			p.text(id.field, id.value, MaxIDLength, oneLine)
		}
	}
	switch {
	case b.Confirmation == ConfirmationOffer && b.OfferID == "":
		p.add("offerId", "is required for a booking made by an offer")
	case b.Confirmation == ConfirmationDirect && b.OfferID != "":
		p.add("offerId", "is only for a booking made by an offer")
	case b.Confirmation != ConfirmationOffer && b.Confirmation != ConfirmationDirect:
		p.add("confirmation", "must be offer or direct")
	}
	switch {
	case b.Start.IsZero():
		p.add("start", "is required")
	case b.End.IsZero():
		p.add("end", "is required")
	case !b.End.After(b.Start):
		p.add("end", "must be after start")
	case b.End.Sub(b.Start) > MaxBookingDuration:
		p.add("end", "must be at most "+DurationWords(MaxBookingDuration)+" after start")
	}
	if !oneOf(b.InterviewType, InterviewTypes) {
		p.add("interviewType", "must be one of "+list(InterviewTypes))
	}
	if !oneOf(b.Modality, Modalities) {
		p.add("modality", "must be one of "+list(Modalities))
	}
	if p.text("region", b.Region, MaxCodeLength, oneLine) && b.Modality == ModalityInPerson && !IsSubdivisionCode(b.Region) {
		p.add("region", "is required for in_person: an ISO 3166-2 code such as GB-LND")
	}
	p.text("location", b.Location, MaxLocationLength, prose)
	p.text("joinDetails", b.JoinDetails, MaxJoinDetailsLength, prose)
	p.text("cancelReason", b.CancelReason, MaxCancelReasonLength, prose)
	switch {
	case b.Code == "":
	case b.Status == BookingConfirmed:
		p.add("code", "is set when the booking ends, not while it is confirmed")
	case b.Status == BookingCancelled && !oneOf(b.Code, CancelCodes):
		p.add("code", "must be one of "+list(CancelCodes)+" for a cancelled booking")
	case b.Status == BookingCompleted && !oneOf(b.Code, OutcomeCodes):
		p.add("code", "must be one of "+list(OutcomeCodes)+" for a completed booking")
	case b.Status == BookingCompleted && b.Outcome != nil && b.Outcome.Code != "" && b.Code != b.Outcome.Code:
		p.add("code", "must be the outcome's code")
	}
	if o := b.Outcome; o != nil {
		p.text("outcome.note", o.Note, MaxNoteLength, prose)
		if o.Code != "" && !oneOf(o.Code, OutcomeCodes) {
			p.add("outcome.code", "must be one of "+list(OutcomeCodes))
		}
		switch {
		case o.Attended && o.Code != "" && o.Code != OutcomeAttended:
			p.add("outcome.code", "must be attended when the interview was attended")
		case !o.Attended && o.Code == OutcomeAttended:
			p.add("outcome.code", "cannot be attended when the interview was not")
		}
	}
	b.Safety.check(&p, "safety.")
	if b.Caps.PerDay < 0 || b.Caps.PerDay > MaxWorkloadCap || b.Caps.PerWeek < 0 || b.Caps.PerWeek > MaxWorkloadCap {
		p.add("caps", fmt.Sprintf("must be from 0 to %d", MaxWorkloadCap))
	}
	if b.Buffer < 0 || b.Buffer > MaxBuffer {
		p.add("buffer", "must be from 0 to "+DurationWords(MaxBuffer))
	}
	if !oneOf(b.Status, []BookingStatus{BookingConfirmed, BookingCancelled, BookingCompleted}) {
		p.add("status", "must be confirmed, cancelled or completed")
	}
	return p.err()
}

// BookingQuery selects bookings of one organisation, ordered by start time
// then ID. Empty fields do not filter, but Organisation is required, unless
// InterpreterID is set without CaseID and BookedBy: then the query keeps
// that interpreter's bookings in every organisation.
type BookingQuery struct {
	Organisation  string
	CaseID        string
	InterpreterID string
	// BookedBy keeps the bookings one user made.
	BookedBy string
	// From and To, when set, keep bookings that start at or after From and
	// before To.
	From, To time.Time
	// After is a cursor returned as Page.Next.
	After string
	Limit int
}

// BookingStore keeps bookings, and is where double booking is prevented:
// of two bookings of one interpreter that Block each other, at most one
// holds the interpreter's time, however many service instances write at
// once.
type BookingStore interface {
	// CreateBooking stores a new booking (Version 1, with its ID and
	// timestamps) with its change. When the booking holds its
	// interpreter's time (BookingStatus.HoldsTime) and Blocks another such
	// booking of the same interpreter, nothing is written and the error is
	// an *OverlapError (ErrOverlap) naming that booking. ErrDuplicate when
	// the ID is taken; ErrInvalid when the booking fails CheckStorable. A
	// backend that serialises writers optimistically retries internally and
	// may, under heavy contention for one interpreter, give up with
	// ErrConflict (nothing written; the caller may try again).
	//
	// A direct booking (not made by an offer) that is confirmed and not
	// Additional is also refused, nothing written, with a *CaseBookedError
	// (ErrCaseBooked) when its case has a confirmed booking or an open
	// offer whose slot overlaps it (CheckCaseSlot), judged in the same
	// write.
	CreateBooking(ctx context.Context, b Booking, ch Change) error
	// Booking returns the booking with this ID, or ErrNotFound.
	Booking(ctx context.Context, id string) (Booking, error)
	// UpdateBooking changes the booking with this ID through fn (see
	// Update) and returns what it stored. The booking that fn returns is
	// checked as in CreateBooking, ignoring itself: one that holds its
	// interpreter's time must not Block another (*OverlapError), and one
	// that no longer does frees it at once. ErrNotFound; ErrInvalid when fn
	// changes the ID, organisation, case, interpreter or creation time, or
	// returns a booking that fails CheckStorable. Which status changes are
	// allowed is fn's rule (see Booking.Cancel and the others), not the
	// store's. Nothing is written on error.
	UpdateBooking(ctx context.Context, id string, fn Update[Booking]) (Booking, error)
	// ListBookings returns the bookings matching q, by start time then ID.
	// ErrInvalid without an organisation (unless q names an interpreter
	// alone, see BookingQuery) or with a cursor it did not issue.
	// From and To count to the millisecond (times are stored so).
	ListBookings(ctx context.Context, q BookingQuery) (Page[Booking], error)
	// ConfirmedBookings returns the bookings that hold these interpreters'
	// time (confirmed or completed) that start in [from, to) (to the
	// millisecond), by interpreter ID then start, each interpreter once
	// however often listed: what matching needs to judge availability, in
	// one call whose cost follows the answer.
	ConfirmedBookings(ctx context.Context, interpreterIDs []string, from, to time.Time) ([]Booking, error)
	// CaseSittings returns the sittings of one case's bookings (any
	// status): for each, Booking.Sitting, by start time then ID, in the
	// same pages and with the same cursors as ListBookings for that case.
	// It reads only q's Organisation, CaseID, After and Limit: what
	// matching needs of a case's history, without the cost of whole
	// bookings. ErrInvalid without an organisation or a case, or with a
	// cursor it (or ListBookings for the case) did not issue. The page's
	// items may be shared with other callers: copy them to change them.
	CaseSittings(ctx context.Context, q BookingQuery) (Page[Sitting], error)
}

// Sitting is what matching needs of one booking of a case's history: who
// interpreted, how the booking stands, and what its outcome says of the
// interview. Nothing else: no note, nothing about the child.
type Sitting struct {
	BookingID     string
	Start         time.Time
	InterpreterID string
	Status        BookingStatus
	// Recorded says the booking has an outcome; Attended and
	// ChildComfortable are that outcome's (false without one).
	Recorded         bool
	Attended         bool
	ChildComfortable bool
}

// Sitting returns the booking's sitting.
func (b Booking) Sitting() Sitting {
	s := Sitting{BookingID: b.ID, Start: b.Start, InterpreterID: b.InterpreterID, Status: b.Status}
	if o := b.Outcome; o != nil {
		s.Recorded, s.Attended, s.ChildComfortable = true, o.Attended, o.ChildComfortable
	}
	return s
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a booking never changes: its ID, organisation, case, interpreter and
// creation time. A booking of another interpreter is a new booking.
func (b Booking) CheckUpdate(old Booking) error {
	var p problems
	p.same("id", b.ID, old.ID)
	p.same("organisation", b.Organisation, old.Organisation)
	p.same("caseId", b.CaseID, old.CaseID)
	if b.InterpreterID != old.InterpreterID {
		p.add("interpreterId", "may not change: cancel the booking and book another")
	}
	p.sameTime("createdAt", b.CreatedAt, old.CreatedAt)
	return p.err()
}

// StateError says why a record cannot change in its current state, with a
// stable code (such as "booking_not_confirmed"). It matches ErrTransition
// under errors.Is.
type StateError struct {
	Code   string
	Reason string
}

// Error returns the reason.
func (e *StateError) Error() string { return e.Reason }

// Is reports whether target is ErrTransition.
func (e *StateError) Is(target error) bool { return target == ErrTransition }

// The booking's state machine: confirmed → cancelled, confirmed →
// completed. Each transition returns the booking as it will be stored
// (stamped at now, its sequence raised when a calendar must see the
// change), or a *StateError. They are what the update functions of package
// app apply to the booking as the store reads it.

// notConfirmed is the refusal of a change to a booking that is no longer confirmed.
func (b Booking) notConfirmed() error {
	return &StateError{Code: "booking_not_confirmed", Reason: fmt.Sprintf("the booking is %s; only a confirmed booking can change", b.Status)}
}

// Changeable reports whether Reschedule and Cancel may change the booking:
// whether it is still confirmed.
func (b Booking) Changeable() bool { return b.Status == BookingConfirmed }

// Completable reports whether Complete would record an outcome at now.
func (b Booking) Completable(now time.Time) bool { return b.completeRefusal(now) == nil }

// completeRefusal says why Complete refuses an outcome at now, or is nil.
func (b Booking) completeRefusal(now time.Time) error {
	switch {
	case b.Status == BookingCompleted:
		return &StateError{Code: "outcome_recorded", Reason: "the outcome of this interview is already recorded"}
	case !b.Changeable():
		return b.notConfirmed()
	case now.Before(b.Start):
		return &StateError{Code: "interview_not_started", Reason: "an outcome can be recorded once the interview has started, at " + b.Start.UTC().Format(time.RFC3339)}
	}
	return nil
}

// Reschedule moves a confirmed booking to start-end at location, and
// returns the audit action the change is: ActionBookingRescheduled when
// the time moves, ActionBookingRelocated when only the place does.
// ErrNoChange when nothing a calendar would see changes.
func (b Booking) Reschedule(start, end time.Time, location string, now time.Time) (Booking, Action, error) {
	if !b.Changeable() {
		return b, "", b.notConfirmed()
	}
	next := b
	next.Start, next.End, next.Location = Timestamp(start), Timestamp(end), strings.TrimSpace(location)
	moved := !next.Start.Equal(b.Start) || !next.End.Equal(b.End)
	if !moved && next.Location == b.Location {
		return b, "", ErrNoChange
	}
	next.Sequence++
	next.UpdatedAt = Timestamp(now)
	if moved {
		return next, ActionBookingRescheduled, nil
	}
	return next, ActionBookingRelocated, nil
}

// Cancel cancels a confirmed booking for a reason, with the code that
// says who called it off and whether late (see CancelCode): its time is
// free at once, and its sequence rises so calendars drop it. A withdrawal
// by a rule is a cancellation too, with the rules as its reason and
// OutcomeWithdrawnByRule. A code not in CancelCodes is a
// *ValidationError naming code.
func (b Booking) Cancel(reason string, code OutcomeCode, now time.Time) (Booking, error) {
	if !b.Changeable() {
		return b, b.notConfirmed()
	}
	if !oneOf(code, CancelCodes) {
		return b, &ValidationError{Errors: []FieldError{{Field: "code", Message: "must be one of " + list(CancelCodes)}}}
	}
	b.Status, b.CancelReason, b.Code = BookingCancelled, strings.TrimSpace(reason), code
	b.Sequence++
	b.UpdatedAt = Timestamp(now)
	return b, nil
}

// Complete records what happened at a confirmed booking's interview once
// it has started, and marks the booking completed. An attended interview's
// outcome needs its checklist (a *ValidationError naming outcome.checklist
// otherwise); outcomes recorded before checklists existed stay valid.
func (b Booking) Complete(o Outcome, now time.Time) (Booking, error) {
	if err := b.completeRefusal(now); err != nil {
		return b, err
	}
	if o.Attended && o.Checklist == nil {
		return b, &ValidationError{Errors: []FieldError{{Field: "outcome.checklist", Message: "is required when the interview was attended"}}}
	}
	o.Note = strings.TrimSpace(o.Note)
	if o.Attended && o.Code == "" {
		o.Code = OutcomeAttended
	}
	if o.Checklist != nil {
		c := *o.Checklist
		o.Checklist = &c
	}
	o.RecordedAt = Timestamp(now)
	b.Status, b.Outcome, b.Code = BookingCompleted, &o, o.Code
	b.UpdatedAt = Timestamp(now)
	return b, nil
}

// Withdrawn reports whether a rule withdrew the booking (its interpreter
// was suspended, excluded or no longer passes a hard rule).
func (b Booking) Withdrawn() bool {
	return b.Status == BookingCancelled && b.Code == OutcomeWithdrawnByRule
}

// DismissWithdrawal records that the user who booked has seen that the
// booking was withdrawn: a *StateError for a booking no rule withdrew,
// ErrNoChange when already dismissed. No calendar sees it: the sequence
// stays.
func (b Booking) DismissWithdrawal(now time.Time) (Booking, error) {
	switch {
	case !b.Withdrawn():
		return b, &StateError{Code: "booking_not_withdrawn", Reason: "only a booking a rule withdrew has a notice to dismiss"}
	case !b.WithdrawalDismissed.IsZero():
		return b, ErrNoChange
	}
	b.WithdrawalDismissed = Timestamp(now)
	b.UpdatedAt = Timestamp(now)
	return b, nil
}

// MarkDistressing records, for the booking's interpreter, that the
// interview was distressing: once it has ended, and unless it was
// cancelled. Marking it again changes nothing (ErrNoChange). The sequence
// does not move: no calendar sees it.
func (b Booking) MarkDistressing(now time.Time) (Booking, error) {
	switch {
	case b.Status == BookingCancelled:
		return b, b.notConfirmed()
	case now.Before(b.End):
		return b, &StateError{Code: "interview_not_ended", Reason: "an interview can be marked once it has ended, at " + b.End.UTC().Format(time.RFC3339)}
	case b.Wellbeing != nil && b.Wellbeing.Distressing:
		return b, ErrNoChange
	}
	b.Wellbeing = &Wellbeing{Distressing: true, MarkedAt: Timestamp(now)}
	b.UpdatedAt = Timestamp(now)
	return b, nil
}
