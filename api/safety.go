package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// safetyView is a booking's (or an offer's) safety plan: its minutes, and
// the interpreter's own times they make.
type safetyView struct {
	BriefingMinutes         int       `json:"briefingMinutes"`
	DebriefMinutes          int       `json:"debriefMinutes"`
	ArriveMinutesBefore     int       `json:"arriveMinutesBefore"`
	DepartAfterChildMinutes int       `json:"departAfterChildMinutes"`
	Arrival                 time.Time `json:"arrival"`
	BriefingStart           time.Time `json:"briefingStart"`
	DebriefEnd              time.Time `json:"debriefEnd"`
	Departure               time.Time `json:"departure"`
}

func toSafetyView(b data.Booking) safetyView {
	s := b.Safety
	return safetyView{
		BriefingMinutes: int(s.Briefing / time.Minute), DebriefMinutes: int(s.Debrief / time.Minute),
		ArriveMinutesBefore: int(s.Arrive / time.Minute), DepartAfterChildMinutes: int(s.Stagger / time.Minute),
		Arrival: b.Arrival().UTC(), BriefingStart: b.BriefingStart().UTC(), DebriefEnd: b.DebriefEnd().UTC(), Departure: b.Departure().UTC(),
	}
}

type checklistView struct {
	Briefed             bool `json:"briefed"`
	ConflictRedeclared  bool `json:"conflictRedeclared"`
	NeverAloneWithChild bool `json:"neverAloneWithChild"`
	DebriefOffered      bool `json:"debriefOffered"`
}

type wellbeingRequest struct {
	Distressing *bool `json:"distressing" validate:"required"`
}

// wellbeingView is the interpreter's word on an interview, as they see it.
type wellbeingView struct {
	BookingID   string    `json:"bookingId"`
	Distressing bool      `json:"distressing"`
	MarkedAt    time.Time `json:"markedAt"`
}

// markWellbeing records, for the booked interpreter, that an ended
// interview was distressing. Only true is accepted: the flag is not
// withdrawn (a debrief offered cannot be unasked).
func (s *Server) markWellbeing(c *fiber.Ctx) error {
	var req wellbeingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !*req.Distressing {
		return validationFailed(fieldError{Field: "distressing", Message: "must be true: an interview is marked distressing, never unmarked"})
	}
	actor, _ := caller(c)
	b, err := s.app.MarkDistressing(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, wellbeingView{BookingID: b.ID, Distressing: true, MarkedAt: b.Wellbeing.MarkedAt})
}

// safeguardingItemView is a booking with an incident or a debrief to offer.
type safeguardingItemView struct {
	BookingID     string             `json:"bookingId"`
	CaseReference string             `json:"caseReference"`
	InterpreterID string             `json:"interpreterId"`
	Start         time.Time          `json:"start"`
	End           time.Time          `json:"end"`
	InterviewType data.InterviewType `json:"interviewType"`
	Incident      bool               `json:"incident"`
	Debrief       bool               `json:"debriefToOffer"`
	MarkedAt      *time.Time         `json:"markedAt,omitempty"`
	RecordedAt    *time.Time         `json:"outcomeRecordedAt,omitempty"`
}

// listSafeguarding lists, for a coordinator, the organisation's bookings
// with a safeguarding incident or a debrief to offer.
func (s *Server) listSafeguarding(c *fiber.Ctx) error {
	from, to, err := queryPeriod(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	items, err := s.app.Safeguarding(c.UserContext(), actor, from, to)
	if err != nil {
		return err
	}
	out := pageView[safeguardingItemView]{Items: make([]safeguardingItemView, 0, len(items))}
	for _, it := range items {
		b := it.Booking
		v := safeguardingItemView{BookingID: b.ID, CaseReference: b.CaseReference, InterpreterID: b.InterpreterID, Start: b.Start, End: b.End,
			InterviewType: b.InterviewType, Incident: it.Incident, Debrief: it.Debrief}
		if b.Wellbeing != nil {
			v.MarkedAt = when(b.Wellbeing.MarkedAt)
		}
		if b.Outcome != nil {
			v.RecordedAt = when(b.Outcome.RecordedAt)
		}
		out.Items = append(out.Items, v)
	}
	return writeJSON(c, out)
}
