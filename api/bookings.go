package api

import (
	"github.com/go-json-experiment/json/jsontext"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

type matchRequest struct {
	Start         time.Time `json:"start" validate:"required"`
	End           time.Time `json:"end" validate:"required"`
	InterviewType string    `json:"interviewType" validate:"required,interviewtype"`
	Modality      string    `json:"modality" validate:"required,modality"`
	Region        string    `json:"region" validate:"codelen"`
	Limit         int       `json:"limit" validate:"matchlimit"`
	ExcludedLimit int       `json:"excludedLimit" validate:"matchlimit"`
	ExcludedAfter string    `json:"excludedAfter" validate:"matchcursorlen"`
}

type factorView struct {
	Factor string `json:"factor"`
	Points int    `json:"points"`
	Reason string `json:"reason"`
}

type reasonView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type candidateView struct {
	// Interpreter is the candidate's reduced interpreterView, encoded
	// (see reducedViews).
	Interpreter jsontext.Value `json:"interpreter"`
	Score       int            `json:"score"`
	Factors     []factorView   `json:"factors"`
	Warnings    []reasonView   `json:"warnings"`
}

// interpreterSummaryView is how an excluded interpreter is shown: who they
// are and what they speak; the reduced record is one GET away.
type interpreterSummaryView struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Gender    data.Gender    `json:"gender"`
	Languages []languageView `json:"languages"`
}

func toInterpreterSummary(in data.Interpreter) interpreterSummaryView {
	v := interpreterSummaryView{ID: in.ID, Name: in.Name, Gender: in.Gender, Languages: []languageView{}}
	for _, l := range in.Languages {
		v.Languages = append(v.Languages, languageView{l.Tag, l.Proficiency})
	}
	return v
}

type excludedView struct {
	Interpreter   interpreterSummaryView `json:"interpreter"`
	Reasons       []reasonView           `json:"reasons"`
	NextAvailable *time.Time             `json:"nextAvailable,omitempty"`
}

type matchView struct {
	Candidates     []candidateView `json:"candidates"`
	CandidateCount int             `json:"candidateCount"`
	ExcludedCount  int             `json:"excludedCount"`
	ExcludedCounts map[string]int  `json:"excludedCounts"`
	Excluded       []excludedView  `json:"excluded"`
	ExcludedNext   string          `json:"excludedNext,omitempty"`
}

func toFactorViews(fs []data.Factor) []factorView {
	out := make([]factorView, len(fs))
	for i, f := range fs {
		out[i] = factorView{f.Factor, f.Points, f.Reason}
	}
	return out
}

func toReasonViews(rs []data.Reason) []reasonView {
	out := make([]reasonView, len(rs))
	for i, r := range rs {
		out[i] = reasonView{r.Code, r.Message}
	}
	return out
}

// matchCase ranks interpreters for an interview of a case.
func (s *Server) matchCase(c *fiber.Ctx) error {
	var req matchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	res, err := s.app.Match(c.UserContext(), actor, c.Params("id"), app.MatchRequest{
		Start: req.Start, End: req.End, InterviewType: data.InterviewType(req.InterviewType),
		Modality: data.Modality(req.Modality), Region: req.Region, Limit: req.Limit,
		ExcludedLimit: req.ExcludedLimit, ExcludedAfter: req.ExcludedAfter,
	})
	if err != nil {
		return err
	}
	out := matchView{Candidates: make([]candidateView, 0, len(res.Candidates)), Excluded: make([]excludedView, 0, len(res.Excluded)), CandidateCount: res.CandidateCount,
		ExcludedCount: res.ExcludedCount, ExcludedCounts: res.ExcludedCounts, ExcludedNext: res.ExcludedNext}
	for _, cand := range res.Candidates {
		in, err := s.reducedViews.encode(cand.Interpreter)
		if err != nil {
			return err
		}
		out.Candidates = append(out.Candidates, candidateView{in, cand.Score, toFactorViews(cand.Factors), toReasonViews(cand.Warnings)})
	}
	for _, ex := range res.Excluded {
		v := excludedView{Interpreter: toInterpreterSummary(ex.Interpreter.Interpreter), Reasons: toReasonViews(ex.Reasons)}
		if !ex.NextAvailable.IsZero() {
			at := ex.NextAvailable.UTC()
			v.NextAvailable = &at
		}
		out.Excluded = append(out.Excluded, v)
	}
	return writeJSON(c, out)
}

type bookingRequest struct {
	CaseID        string    `json:"caseId" validate:"required,idlen"`
	InterpreterID string    `json:"interpreterId" validate:"required,idlen"`
	Start         time.Time `json:"start" validate:"required"`
	End           time.Time `json:"end" validate:"required"`
	InterviewType string    `json:"interviewType" validate:"required,interviewtype"`
	Modality      string    `json:"modality" validate:"required,modality"`
	Region        string    `json:"region" validate:"codelen"`
	Location      string    `json:"location" validate:"locationlen"`
	JoinDetails   string    `json:"joinDetails" validate:"joindetailslen"`
	Additional    bool      `json:"additional"`
}

type matchSnapshotView struct {
	Score    int          `json:"score"`
	Factors  []factorView `json:"factors"`
	Warnings []reasonView `json:"warnings"`
}

type outcomeView struct {
	Attended         bool             `json:"attended"`
	ChildComfortable bool             `json:"childComfortable"`
	Note             string           `json:"note,omitempty"`
	Code             data.OutcomeCode `json:"code,omitempty"`
	Checklist        *checklistView   `json:"checklist,omitempty"`
	RecordedBy       string           `json:"recordedBy"`
	RecordedAt       time.Time        `json:"recordedAt"`
}

type bookingView struct {
	ID            string             `json:"id"`
	CaseID        string             `json:"caseId"`
	CaseReference string             `json:"caseReference"`
	InterpreterID string             `json:"interpreterId"`
	BookedBy      string             `json:"bookedBy"`
	Start         time.Time          `json:"start"`
	End           time.Time          `json:"end"`
	InterviewType data.InterviewType `json:"interviewType"`
	Modality      data.Modality      `json:"modality"`
	Region        string             `json:"region,omitempty"`
	Location      string             `json:"location"`
	JoinDetails   string             `json:"joinDetails,omitempty"`
	Status        data.BookingStatus `json:"status"`
	Confirmation  data.Confirmation  `json:"confirmation"`
	OfferID       string             `json:"offerId,omitempty"`
	Additional    bool               `json:"additional"`
	Sequence      int                `json:"sequence"`
	Safety        safetyView         `json:"safety"`
	Match         matchSnapshotView  `json:"match"`
	Outcome       *outcomeView       `json:"outcome,omitempty"`
	CancelReason  string             `json:"cancelReason,omitempty"`
	// OutcomeCode is how the booking ended (data.Booking.Code).
	OutcomeCode data.OutcomeCode `json:"outcomeCode,omitempty"`
	Version     int64            `json:"version"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
}

func toBookingView(b data.Booking) bookingView {
	v := bookingView{
		ID: b.ID, CaseID: b.CaseID, CaseReference: b.CaseReference, InterpreterID: b.InterpreterID, BookedBy: b.BookedBy,
		Start: b.Start, End: b.End, InterviewType: b.InterviewType, Modality: b.Modality, Region: b.Region,
		Location: b.Location, JoinDetails: b.JoinDetails, Status: b.Status, Confirmation: b.Confirmation, OfferID: b.OfferID, Additional: b.Additional, Sequence: b.Sequence,
		Safety:       toSafetyView(b),
		Match:        matchSnapshotView{b.Match.Score, toFactorViews(b.Match.Factors), toReasonViews(b.Match.Warnings)},
		CancelReason: b.CancelReason, OutcomeCode: b.Code, Version: b.Version, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
	}
	if o := b.Outcome; o != nil {
		v.Outcome = &outcomeView{Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: o.Code, RecordedBy: o.RecordedBy, RecordedAt: o.RecordedAt}
		if c := o.Checklist; c != nil {
			v.Outcome.Checklist = &checklistView{c.Briefed, c.ConflictRedeclared, c.NeverAloneWithChild, c.DebriefOffered}
		}
	}
	return v
}

// createBooking books an interpreter, re-judging every hard rule.
func (s *Server) createBooking(c *fiber.Ctx) error {
	var req bookingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	b, replayed, err := s.app.CreateBooking(c.UserContext(), actor, app.NewBooking{
		CaseID: req.CaseID, InterpreterID: req.InterpreterID, Start: req.Start, End: req.End,
		InterviewType: data.InterviewType(req.InterviewType), Modality: data.Modality(req.Modality),
		Region: req.Region, Location: req.Location, JoinDetails: req.JoinDetails, Additional: req.Additional, IdempotencyKey: key,
	})
	if err != nil {
		return err
	}
	if replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Location("/v1/bookings/" + b.ID)
	return writeJSON(c.Status(http.StatusCreated), toBookingView(b))
}

// getBooking shows a booking of the caller's organisation.
func (s *Server) getBooking(c *fiber.Ctx) error {
	actor, _ := caller(c)
	b, err := s.app.GetBooking(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toBookingView(b))
}

// listBookings pages through the caller's organisation's bookings.
func (s *Server) listBookings(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	from, to, err := queryPeriod(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	page, err := s.app.ListBookings(c.UserContext(), actor, app.BookingFilter{
		CaseID: c.Query("caseId"), InterpreterID: c.Query("interpreterId"), From: from, To: to,
		Cursor: c.Query("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, toBookingView))
}

// queryPeriod reads the optional from and to instants of a listing.
func queryPeriod(c *fiber.Ctx) (from, to time.Time, err error) {
	if from, err = queryTime(c, "from"); err != nil {
		return time.Time{}, time.Time{}, err
	}
	to, err = queryTime(c, "to")
	return from, to, err
}

// queryTime reads an optional RFC 3339 instant from the query string.
func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, validationFailed(fieldError{Field: name, Message: "must be an RFC 3339 instant, e.g. 2026-12-01T09:00:00Z"})
	}
	return t, nil
}

// idempotencyKey reads the optional Idempotency-Key header: 1-200
// printable ASCII characters.
func idempotencyKey(c *fiber.Ctx) (string, error) {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	ok := len(key) <= 200
	for _, r := range key {
		ok = ok && r > ' ' && r < 0x7f
	}
	if !ok {
		return "", validationFailed(fieldError{Field: "Idempotency-Key", Message: "must be 1-200 printable ASCII characters without spaces"})
	}
	return key, nil
}

type changeBookingRequest struct {
	Start    *time.Time `json:"start"`
	End      *time.Time `json:"end"`
	Location *string    `json:"location" validate:"omitempty,locationlen"`
}

// changeBooking reschedules or relocates a confirmed booking.
func (s *Server) changeBooking(c *fiber.Ctx) error {
	var req changeBookingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	b, err := s.app.ChangeBooking(c.UserContext(), actor, c.Params("id"), app.BookingChange{Start: req.Start, End: req.End, Location: req.Location})
	if err != nil {
		return err
	}
	return writeJSON(c, toBookingView(b))
}

type cancelRequest struct {
	Reason string `json:"reason" validate:"required,cancelreasonlen"`
}

// cancelBookingRequest is a booking's cancellation: why, and who called
// it off (requester by default, or interpreter).
type cancelBookingRequest struct {
	Reason      string `json:"reason" validate:"required,cancelreasonlen"`
	CancelledBy string `json:"cancelledBy"`
}

// cancelBooking cancels a confirmed booking; the slot is free at once.
func (s *Server) cancelBooking(c *fiber.Ctx) error {
	var req cancelBookingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	b, err := s.app.CancelBookingBy(c.UserContext(), actor, c.Params("id"), req.Reason, data.Party(req.CancelledBy))
	if err != nil {
		return err
	}
	return writeJSON(c, toBookingView(b))
}

type outcomeRequest struct {
	Attended         *bool             `json:"attended" validate:"required"`
	ChildComfortable *bool             `json:"childComfortable" validate:"required"`
	Note             string            `json:"note" validate:"notelen"`
	Code             string            `json:"code"`
	Checklist        *checklistRequest `json:"checklist"`
}

// checklistRequest is the safety checklist of an attended interview: each
// item required (true or false) when attended is true.
type checklistRequest struct {
	Briefed             *bool `json:"briefed"`
	ConflictRedeclared  *bool `json:"conflictRedeclared"`
	NeverAloneWithChild *bool `json:"neverAloneWithChild"`
	DebriefOffered      *bool `json:"debriefOffered"`
}

// recordOutcome records what happened at an interview once it has started:
// an attended one with its checklist, each missing item a 400 naming it.
func (s *Server) recordOutcome(c *fiber.Ctx) error {
	var req outcomeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	o := app.Outcome{Attended: *req.Attended, ChildComfortable: *req.ChildComfortable, Note: req.Note, Code: data.OutcomeCode(req.Code)}
	if cl := req.Checklist; cl != nil {
		var missing []fieldError
		items := []*bool{cl.Briefed, cl.ConflictRedeclared, cl.NeverAloneWithChild, cl.DebriefOffered}
		for i, item := range items {
			if item == nil && o.Attended {
				missing = append(missing, fieldError{Field: "checklist." + app.ChecklistFields[i], Message: "is required when attended is true"})
			}
		}
		if len(missing) > 0 {
			return validationFailed(missing...)
		}
		o.Checklist = &data.Checklist{Briefed: isTrue(cl.Briefed), ConflictRedeclared: isTrue(cl.ConflictRedeclared),
			NeverAloneWithChild: isTrue(cl.NeverAloneWithChild), DebriefOffered: isTrue(cl.DebriefOffered)}
	}
	actor, _ := caller(c)
	b, err := s.app.RecordOutcome(c.UserContext(), actor, c.Params("id"), o)
	if err != nil {
		return err
	}
	return writeJSON(c, toBookingView(b))
}

// isTrue reads an optional boolean: absent is false.
func isTrue(b *bool) bool { return b != nil && *b }
