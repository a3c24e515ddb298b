package mongodb

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// scheduleDocument is an interpreter's schedule: nothing but a version (and
// the token of the change that last landed it), raised by every change of
// any booking of the interpreter. Its _id is the interpreter's ID.
type scheduleDocument struct {
	ID string `bson:"_id"`
}

// bookingDocument is a booking as stored. Times are BSON dates (UTC, to the
// millisecond), so ranges on start compare as times. A booking changes only
// under its interpreter's schedule lock (bookings.go), which stamps it with
// its token (lockToken, not decoded here).
type bookingDocument struct {
	ID            string             `bson:"_id"`
	Organisation  string             `bson:"organisation"`
	CaseID        string             `bson:"caseId"`
	CaseReference string             `bson:"caseReference,omitempty"`
	InterpreterID string             `bson:"interpreterId"`
	BookedBy      string             `bson:"bookedBy,omitempty"`
	Start         time.Time          `bson:"start"`
	End           time.Time          `bson:"end"`
	InterviewType string             `bson:"interviewType"`
	Modality      string             `bson:"modality"`
	Region        string             `bson:"region,omitempty"`
	Location      string             `bson:"location,omitempty"`
	JoinDetails   string             `bson:"joinDetails,omitempty"`
	BufferNs      int64              `bson:"bufferNs"`         // the travel buffer in nanoseconds, exactly as given
	Safety        *safetyDocument    `bson:"safety,omitempty"` // absent: no plan (stored before plans)
	Caps          *capsDocument      `bson:"caps,omitempty"`
	Status        string             `bson:"status"`
	Confirmation  string             `bson:"confirmation,omitempty"` // absent: stored before offers, so direct
	OfferID       string             `bson:"offerId,omitempty"`
	OfferedAt     time.Time          `bson:"offeredAt,omitzero"`
	Additional    bool               `bson:"additional,omitempty"`
	Sequence      int                `bson:"sequence"`
	Match         matchDocument      `bson:"match"`
	Outcome       *outcomeDocument   `bson:"outcome,omitempty"`
	Wellbeing     *wellbeingDocument `bson:"wellbeing,omitempty"`
	CancelReason  string             `bson:"cancelReason,omitempty"`
	Code          string             `bson:"code,omitempty"`
	Idempotency   string             `bson:"idempotency,omitempty"`
	// Anonymised is absent until retention anonymises the booking: its
	// null is what retention's index seeks.
	Anonymised *time.Time `bson:"anonymised,omitempty"`
	// WithdrawalDismissed is absent until the user who booked dismisses
	// the notice of its withdrawal.
	WithdrawalDismissed *time.Time `bson:"withdrawalDismissed,omitempty"`
	Version             int64      `bson:"version"`
	CreatedAt           time.Time  `bson:"createdAt"`
	UpdatedAt           time.Time  `bson:"updatedAt"`
}

// sittingDocument is what CaseSittings reads of a booking document, as
// sittingProjection projects it.
type sittingDocument struct {
	ID            string    `bson:"_id"`
	Start         time.Time `bson:"start"`
	InterpreterID string    `bson:"interpreterId"`
	Status        string    `bson:"status"`
	Outcome       *struct {
		Attended         bool `bson:"attended"`
		ChildComfortable bool `bson:"childComfortable"`
	} `bson:"outcome"`
}

// sittingProjection keeps of a booking document the fields of a
// sittingDocument: of its outcome, only whether the child attended and
// was comfortable (both always stored), so a booking without an outcome
// has none.
var sittingProjection = bson.D{
	{Key: "_id", Value: 1}, {Key: "start", Value: 1}, {Key: "interpreterId", Value: 1}, {Key: "status", Value: 1},
	{Key: "outcome.attended", Value: 1}, {Key: "outcome.childComfortable", Value: 1},
}

func (d sittingDocument) toSitting() data.Sitting {
	s := data.Sitting{BookingID: d.ID, Start: utc(d.Start), InterpreterID: d.InterpreterID, Status: data.BookingStatus(d.Status)}
	if o := d.Outcome; o != nil {
		s.Recorded, s.Attended, s.ChildComfortable = true, o.Attended, o.ChildComfortable
	}
	return s
}

type matchDocument struct {
	Score    int              `bson:"score"`
	Factors  []factorDocument `bson:"factors"`
	Warnings []reasonDocument `bson:"warnings"`
}

type factorDocument struct {
	Factor string `bson:"factor"`
	Points int    `bson:"points"`
	Reason string `bson:"reason,omitempty"`
}

type reasonDocument struct {
	Code    string `bson:"code"`
	Message string `bson:"message,omitempty"`
}

type outcomeDocument struct {
	Attended         bool               `bson:"attended"`
	ChildComfortable bool               `bson:"childComfortable"`
	Note             string             `bson:"note,omitempty"`
	Code             string             `bson:"code,omitempty"`
	Checklist        *checklistDocument `bson:"checklist,omitempty"`
	RecordedBy       string             `bson:"recordedBy,omitempty"`
	RecordedAt       time.Time          `bson:"recordedAt"`
}

type checklistDocument struct {
	Briefed             bool `bson:"briefed"`
	ConflictRedeclared  bool `bson:"conflictRedeclared"`
	NeverAloneWithChild bool `bson:"neverAloneWithChild"`
	DebriefOffered      bool `bson:"debriefOffered"`
}

type wellbeingDocument struct {
	Distressing bool      `bson:"distressing"`
	MarkedAt    time.Time `bson:"markedAt"`
}

// safetyDocument is a safety plan, each step in nanoseconds, exactly as given.
type safetyDocument struct {
	BriefingNs int64 `bson:"briefingNs"`
	DebriefNs  int64 `bson:"debriefNs"`
	ArriveNs   int64 `bson:"arriveNs"`
	StaggerNs  int64 `bson:"staggerNs"`
}

type capsDocument struct {
	PerDay  int `bson:"perDay"`
	PerWeek int `bson:"perWeek"`
}

func fromSafety(s data.SafetyPlan) *safetyDocument {
	if s == (data.SafetyPlan{}) {
		return nil
	}
	return &safetyDocument{int64(s.Briefing), int64(s.Debrief), int64(s.Arrive), int64(s.Stagger)}
}

func (d *safetyDocument) toSafety() data.SafetyPlan {
	if d == nil {
		return data.SafetyPlan{}
	}
	return data.SafetyPlan{Briefing: time.Duration(d.BriefingNs), Debrief: time.Duration(d.DebriefNs), Arrive: time.Duration(d.ArriveNs), Stagger: time.Duration(d.StaggerNs)}
}

func fromBooking(b data.Booking) bookingDocument {
	d := bookingDocument{
		ID: b.ID, Organisation: b.Organisation, CaseID: b.CaseID, CaseReference: b.CaseReference,
		InterpreterID: b.InterpreterID, BookedBy: b.BookedBy,
		Start: data.Timestamp(b.Start), End: data.Timestamp(b.End),
		InterviewType: string(b.InterviewType), Modality: string(b.Modality), Region: b.Region, Location: b.Location, JoinDetails: b.JoinDetails,
		BufferNs: int64(b.Buffer), Safety: fromSafety(b.Safety), Status: string(b.Status), Sequence: b.Sequence,
		Confirmation: string(b.Confirmation), OfferID: b.OfferID, Additional: b.Additional, OfferedAt: b.OfferedAt,
		Match:        matchDocument{Score: b.Match.Score},
		CancelReason: b.CancelReason, Code: string(b.Code), Idempotency: b.Idempotency,
		Version: b.Version, CreatedAt: data.Timestamp(b.CreatedAt), UpdatedAt: data.Timestamp(b.UpdatedAt),
	}
	if !b.Anonymised.IsZero() {
		at := data.Timestamp(b.Anonymised)
		d.Anonymised = &at
	}
	if !b.WithdrawalDismissed.IsZero() {
		at := data.Timestamp(b.WithdrawalDismissed)
		d.WithdrawalDismissed = &at
	}
	for _, f := range b.Match.Factors {
		d.Match.Factors = append(d.Match.Factors, factorDocument(f))
	}
	for _, w := range b.Match.Warnings {
		d.Match.Warnings = append(d.Match.Warnings, reasonDocument(w))
	}
	if b.Caps != (data.WorkloadCaps{}) {
		d.Caps = &capsDocument{PerDay: b.Caps.PerDay, PerWeek: b.Caps.PerWeek}
	}
	if o := b.Outcome; o != nil {
		d.Outcome = &outcomeDocument{
			Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: string(o.Code),
			RecordedBy: o.RecordedBy, RecordedAt: data.Timestamp(o.RecordedAt),
		}
		if c := o.Checklist; c != nil {
			d.Outcome.Checklist = &checklistDocument{c.Briefed, c.ConflictRedeclared, c.NeverAloneWithChild, c.DebriefOffered}
		}
	}
	if w := b.Wellbeing; w != nil {
		d.Wellbeing = &wellbeingDocument{Distressing: w.Distressing, MarkedAt: data.Timestamp(w.MarkedAt)}
	}
	return d
}

func (d bookingDocument) toBooking() data.Booking {
	b := data.Booking{
		ID: d.ID, Organisation: d.Organisation, CaseID: d.CaseID, CaseReference: d.CaseReference,
		InterpreterID: d.InterpreterID, BookedBy: d.BookedBy,
		Start: utc(d.Start), End: utc(d.End),
		InterviewType: data.InterviewType(d.InterviewType), Modality: data.Modality(d.Modality),
		Region: d.Region, Location: d.Location, JoinDetails: d.JoinDetails,
		Buffer: time.Duration(d.BufferNs), Safety: d.Safety.toSafety(), Status: data.BookingStatus(d.Status), Sequence: d.Sequence,
		Confirmation: data.Confirmation(d.Confirmation), OfferID: d.OfferID, Additional: d.Additional, OfferedAt: utc(d.OfferedAt),
		Match:        data.MatchSnapshot{Score: d.Match.Score},
		CancelReason: d.CancelReason, Code: data.OutcomeCode(d.Code), Idempotency: d.Idempotency,
		Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
	if d.WithdrawalDismissed != nil {
		b.WithdrawalDismissed = utc(*d.WithdrawalDismissed)
	}
	if d.Anonymised != nil {
		b.Anonymised = utc(*d.Anonymised)
	}
	if b.Confirmation == "" {
		b.Confirmation = data.ConfirmationDirect // booked before offers existed
	}
	for _, f := range d.Match.Factors {
		b.Match.Factors = append(b.Match.Factors, data.Factor(f))
	}
	for _, w := range d.Match.Warnings {
		b.Match.Warnings = append(b.Match.Warnings, data.Reason(w))
	}
	if c := d.Caps; c != nil {
		b.Caps = data.WorkloadCaps{PerDay: c.PerDay, PerWeek: c.PerWeek}
	}
	if o := d.Outcome; o != nil {
		b.Outcome = &data.Outcome{
			Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: data.OutcomeCode(o.Code),
			RecordedBy: o.RecordedBy, RecordedAt: utc(o.RecordedAt),
		}
		if c := o.Checklist; c != nil {
			b.Outcome.Checklist = &data.Checklist{Briefed: c.Briefed, ConflictRedeclared: c.ConflictRedeclared, NeverAloneWithChild: c.NeverAloneWithChild, DebriefOffered: c.DebriefOffered}
		}
	}
	if w := d.Wellbeing; w != nil {
		b.Wellbeing = &data.Wellbeing{Distressing: w.Distressing, MarkedAt: utc(w.MarkedAt)}
	}
	return b
}

// ceilMilli is t rounded up to the millisecond, in UTC: stored starts are
// whole milliseconds, so a booking starts at or after t exactly when it
// starts at or after ceilMilli(t), and before t exactly when before
// ceilMilli(t).
func ceilMilli(t time.Time) time.Time {
	c := t.UTC().Truncate(time.Millisecond)
	if c.Before(t) {
		c = c.Add(time.Millisecond)
	}
	return c
}

// A listing's cursor is the position of the last booking of its page: its
// start in Unix milliseconds (8 bytes, big-endian) and its ID, in unpadded
// base64url. It is opaque, safe in a URL, and valid whichever index the
// next page reads.

// cursor is a position in a booking listing.
type cursor struct {
	start time.Time
	id    string
}

// encodeCursor is the cursor of the position of b.
func encodeCursor(b data.Booking) string {
	raw := binary.BigEndian.AppendUint64(nil, uint64(b.Start.UnixMilli()))
	return base64.RawURLEncoding.EncodeToString(append(raw, b.ID...))
}

// decodeCursor returns the position a cursor names, or an error when
// encodeCursor did not write it.
func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, err
	}
	if len(raw) < 9 {
		return cursor{}, errors.New("too short for a start and an ID")
	}
	start := time.UnixMilli(int64(binary.BigEndian.Uint64(raw))).UTC()
	id := string(raw[8:])
	if y := start.Year(); y < 1 || y > 9999 {
		return cursor{}, errors.New("the start is out of range")
	}
	if !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return cursor{}, errors.New("the ID is not text")
	}
	return cursor{start: start, id: id}, nil
}

// invalid is a *data.ValidationError naming one field.
func invalid(field, message string) error {
	return &data.ValidationError{Errors: []data.FieldError{{Field: field, Message: message}}}
}
