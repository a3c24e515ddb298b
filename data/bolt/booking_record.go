package bolt

import (
	"time"

	"github.com/tolk/tolk/data"
)

// bookingRecord is a booking as the bookings bucket stores it, in JSON. It
// holds no derived fields: index keys come from bookingIndexes.
type bookingRecord struct {
	ID            string `json:"id"`
	Organisation  string `json:"organisation"`
	CaseID        string `json:"caseId"`
	CaseReference string `json:"caseReference,omitempty"`
	InterpreterID string `json:"interpreterId"`
	BookedBy      string `json:"bookedBy,omitempty"`
	Start         string `json:"start"`
	End           string `json:"end"`
	InterviewType string `json:"interviewType"`
	Modality      string `json:"modality"`
	Region        string `json:"region,omitempty"`
	Location      string `json:"location,omitempty"`
	JoinDetails   string `json:"joinDetails,omitempty"`
	// BufferNs is the travel buffer in nanoseconds, exactly as given.
	BufferNs int64         `json:"bufferNs,omitempty"`
	Safety   *safetyRecord `json:"safety,omitempty"`
	Caps     *capsRecord   `json:"caps,omitempty"`
	Status   string        `json:"status"`
	// Confirmation is absent in bookings written before offers: they were
	// all booked directly (see toBooking).
	Confirmation string           `json:"confirmation,omitempty"`
	OfferID      string           `json:"offerId,omitempty"`
	OfferedAt    string           `json:"offeredAt,omitempty"`
	Additional   bool             `json:"additional,omitempty"`
	Sequence     int              `json:"sequence"`
	Match        matchRecord      `json:"match"`
	Outcome      *outcomeRecord   `json:"outcome,omitempty"`
	Wellbeing    *wellbeingRecord `json:"wellbeing,omitempty"`
	Code         string           `json:"code,omitempty"`
	CancelReason string           `json:"cancelReason,omitempty"`
	Idempotency  string           `json:"idempotency,omitempty"`
	Anonymised   string           `json:"anonymised,omitempty"`
	Dismissed    string           `json:"withdrawalDismissed,omitempty"`
	Version      int64            `json:"version"`
	CreatedAt    string           `json:"createdAt"`
	UpdatedAt    string           `json:"updatedAt"`
}

type matchRecord struct {
	Score    int            `json:"score"`
	Factors  []factorRecord `json:"factors,omitempty"`
	Warnings []reasonRecord `json:"warnings,omitempty"`
}

type factorRecord struct {
	Factor string `json:"factor"`
	Points int    `json:"points"`
	Reason string `json:"reason,omitempty"`
}

type reasonRecord struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

type outcomeRecord struct {
	Attended         bool             `json:"attended"`
	ChildComfortable bool             `json:"childComfortable"`
	Note             string           `json:"note,omitempty"`
	Code             string           `json:"code,omitempty"`
	Checklist        *checklistRecord `json:"checklist,omitempty"`
	RecordedBy       string           `json:"recordedBy,omitempty"`
	RecordedAt       string           `json:"recordedAt,omitempty"`
}

type checklistRecord struct {
	Briefed             bool `json:"briefed"`
	ConflictRedeclared  bool `json:"conflictRedeclared"`
	NeverAloneWithChild bool `json:"neverAloneWithChild"`
	DebriefOffered      bool `json:"debriefOffered"`
}

type wellbeingRecord struct {
	Distressing bool   `json:"distressing"`
	MarkedAt    string `json:"markedAt,omitempty"`
}

// safetyRecord is a safety plan, each step in nanoseconds, exactly as
// given. Absent: no plan (a booking or offer stored before plans).
type safetyRecord struct {
	BriefingNs int64 `json:"briefingNs,omitempty"`
	DebriefNs  int64 `json:"debriefNs,omitempty"`
	ArriveNs   int64 `json:"arriveNs,omitempty"`
	StaggerNs  int64 `json:"staggerNs,omitempty"`
}

type capsRecord struct {
	PerDay  int `json:"perDay,omitempty"`
	PerWeek int `json:"perWeek,omitempty"`
}

func fromSafety(s data.SafetyPlan) *safetyRecord {
	if s == (data.SafetyPlan{}) {
		return nil
	}
	return &safetyRecord{int64(s.Briefing), int64(s.Debrief), int64(s.Arrive), int64(s.Stagger)}
}

func (r *safetyRecord) toSafety() data.SafetyPlan {
	if r == nil {
		return data.SafetyPlan{}
	}
	return data.SafetyPlan{Briefing: time.Duration(r.BriefingNs), Debrief: time.Duration(r.DebriefNs), Arrive: time.Duration(r.ArriveNs), Stagger: time.Duration(r.StaggerNs)}
}

func fromBooking(b data.Booking) bookingRecord {
	r := bookingRecord{
		ID: b.ID, Organisation: b.Organisation, CaseID: b.CaseID, CaseReference: b.CaseReference,
		InterpreterID: b.InterpreterID, BookedBy: b.BookedBy,
		Start: encodeTime(b.Start), End: encodeTime(b.End),
		InterviewType: string(b.InterviewType), Modality: string(b.Modality), Region: b.Region, Location: b.Location, JoinDetails: b.JoinDetails,
		BufferNs: int64(b.Buffer), Safety: fromSafety(b.Safety), Status: string(b.Status), Sequence: b.Sequence,
		Confirmation: string(b.Confirmation), OfferID: b.OfferID, Additional: b.Additional, OfferedAt: encodeTime(b.OfferedAt),
		Match: matchRecord{Score: b.Match.Score},
		Code:  string(b.Code), CancelReason: b.CancelReason, Idempotency: b.Idempotency, Anonymised: encodeTime(b.Anonymised), Dismissed: encodeTime(b.WithdrawalDismissed),
		Version: b.Version, CreatedAt: encodeTime(b.CreatedAt), UpdatedAt: encodeTime(b.UpdatedAt),
	}
	for _, f := range b.Match.Factors {
		r.Match.Factors = append(r.Match.Factors, factorRecord(f))
	}
	for _, w := range b.Match.Warnings {
		r.Match.Warnings = append(r.Match.Warnings, reasonRecord(w))
	}
	if b.Caps != (data.WorkloadCaps{}) {
		r.Caps = &capsRecord{PerDay: b.Caps.PerDay, PerWeek: b.Caps.PerWeek}
	}
	if o := b.Outcome; o != nil {
		r.Outcome = &outcomeRecord{
			Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: string(o.Code),
			RecordedBy: o.RecordedBy, RecordedAt: encodeTime(o.RecordedAt),
		}
		if c := o.Checklist; c != nil {
			r.Outcome.Checklist = &checklistRecord{c.Briefed, c.ConflictRedeclared, c.NeverAloneWithChild, c.DebriefOffered}
		}
	}
	if w := b.Wellbeing; w != nil {
		r.Wellbeing = &wellbeingRecord{Distressing: w.Distressing, MarkedAt: encodeTime(w.MarkedAt)}
	}
	return r
}

func (r bookingRecord) toBooking() data.Booking {
	b := data.Booking{
		ID: r.ID, Organisation: r.Organisation, CaseID: r.CaseID, CaseReference: r.CaseReference,
		InterpreterID: r.InterpreterID, BookedBy: r.BookedBy,
		Start: decodeTime(r.Start), End: decodeTime(r.End),
		InterviewType: data.InterviewType(r.InterviewType), Modality: data.Modality(r.Modality),
		Region: r.Region, Location: r.Location, JoinDetails: r.JoinDetails,
		Buffer: time.Duration(r.BufferNs), Safety: r.Safety.toSafety(), Status: data.BookingStatus(r.Status), Sequence: r.Sequence,
		Confirmation: data.Confirmation(r.Confirmation), OfferID: r.OfferID, Additional: r.Additional, OfferedAt: decodeTime(r.OfferedAt),
		Match: data.MatchSnapshot{Score: r.Match.Score},
		Code:  data.OutcomeCode(r.Code), CancelReason: r.CancelReason, Idempotency: r.Idempotency, Anonymised: decodeTime(r.Anonymised), WithdrawalDismissed: decodeTime(r.Dismissed),
		Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
	if b.Confirmation == "" {
		b.Confirmation = data.ConfirmationDirect
	}
	for _, f := range r.Match.Factors {
		b.Match.Factors = append(b.Match.Factors, data.Factor(f))
	}
	for _, w := range r.Match.Warnings {
		b.Match.Warnings = append(b.Match.Warnings, data.Reason(w))
	}
	if c := r.Caps; c != nil {
		b.Caps = data.WorkloadCaps{PerDay: c.PerDay, PerWeek: c.PerWeek}
	}
	if o := r.Outcome; o != nil {
		b.Outcome = &data.Outcome{
			Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: data.OutcomeCode(o.Code),
			RecordedBy: o.RecordedBy, RecordedAt: decodeTime(o.RecordedAt),
		}
		if c := o.Checklist; c != nil {
			b.Outcome.Checklist = &data.Checklist{Briefed: c.Briefed, ConflictRedeclared: c.ConflictRedeclared, NeverAloneWithChild: c.NeverAloneWithChild, DebriefOffered: c.DebriefOffered}
		}
	}
	if w := r.Wellbeing; w != nil {
		b.Wellbeing = &data.Wellbeing{Distressing: w.Distressing, MarkedAt: decodeTime(w.MarkedAt)}
	}
	return b
}

// storedBooking is b as the store keeps and returns it: times in UTC,
// truncated to the millisecond. Checks and index keys use this form, so
// they judge exactly what is stored.
func storedBooking(b data.Booking) data.Booking { return fromBooking(b).toBooking() }
