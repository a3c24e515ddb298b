package data

import (
	"fmt"
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
	// Buffer is the time kept free around the booking for travel (the
	// policy's travel buffer for in-person interviews, zero otherwise).
	Buffer time.Duration
	Status BookingStatus
	// Sequence rises by one on every change a calendar must see.
	Sequence     int
	Match        MatchSnapshot
	Outcome      *Outcome
	CancelReason string
	// Idempotency fingerprints the request that created the booking under an
	// Idempotency-Key (a hash of the caller, the key and the body), so a
	// repeat can be told from a different request reusing the key. Empty
	// when the request had no key.
	Idempotency string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

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
	RecordedBy       string
	RecordedAt       time.Time
}

// Bounds on bookings, so that a store can find every booking that might
// overlap a slot by seeking a bounded range of start times.
const (
	// MaxBookingDuration is the longest interview a booking may cover.
	MaxBookingDuration = 12 * time.Hour
	// MaxBuffer is the longest travel buffer a policy may set.
	MaxBuffer = 4 * time.Hour
	// maxLocationLength bounds free text in a booking: its location and
	// the reason it was cancelled.
	maxLocationLength = 500
)

// Blocks reports whether a and b, two bookings of one interpreter, cannot
// both stand: their times overlap once the larger of their buffers (the
// travel time an in-person interview needs around it) is kept free between
// them. Bookings that merely touch (one ends when the other starts, no
// buffer) do not block each other.
func Blocks(a, b Booking) bool {
	gap := max(a.Buffer, b.Buffer)
	return a.Start.Before(b.End.Add(gap)) && b.Start.Before(a.End.Add(gap))
}

// OverlapError says a booking would overlap a confirmed booking of the same
// interpreter. It matches ErrOverlap under errors.Is.
type OverlapError struct {
	Existing Booking // the confirmed booking in the way
}

// Error names the booking in the way and its slot.
func (e *OverlapError) Error() string {
	return fmt.Sprintf("the interpreter is booked from %s to %s (booking %s)",
		e.Existing.Start.UTC().Format(time.RFC3339), e.Existing.End.UTC().Format(time.RFC3339), e.Existing.ID)
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
	case b.Start.IsZero():
		p.add("start", "is required")
	case b.End.IsZero():
		p.add("end", "is required")
	case !b.End.After(b.Start):
		p.add("end", "must be after start")
	case b.End.Sub(b.Start) > MaxBookingDuration:
		p.add("end", fmt.Sprintf("must be at most %v after start", MaxBookingDuration))
	}
	if !oneOf(b.InterviewType, InterviewTypes) {
		p.add("interviewType", "must be one of "+list(InterviewTypes))
	}
	if !oneOf(b.Modality, Modalities) {
		p.add("modality", "must be one of "+list(Modalities))
	}
	if p.text("region", b.Region, maxCodeLength, oneLine) && b.Modality == ModalityInPerson && !IsSubdivisionCode(b.Region) {
		p.add("region", "is required for in_person: an ISO 3166-2 code such as GB-LND")
	}
	p.text("location", b.Location, maxLocationLength, prose)
	p.text("cancelReason", b.CancelReason, maxLocationLength, prose)
	if b.Outcome != nil {
		p.text("outcome.note", b.Outcome.Note, maxNoteLength, prose)
	}
	if b.Buffer < 0 || b.Buffer > MaxBuffer {
		p.add("buffer", fmt.Sprintf("must be from 0 to %v", MaxBuffer))
	}
	if !oneOf(b.Status, []BookingStatus{BookingConfirmed, BookingCancelled, BookingCompleted}) {
		p.add("status", "must be confirmed, cancelled or completed")
	}
	return p.err()
}

// BookingQuery selects bookings of one organisation, ordered by start time
// then ID. Empty fields do not filter, but Organisation is required.
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
