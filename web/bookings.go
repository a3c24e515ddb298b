package web

import (
	"bytes"
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// searchForm is the match form as entered: times as datetime-local values
// in UK time.
type searchForm struct {
	Start, End    string
	InterviewType string
	Modality      string
	Region        string
	Types         []data.InterviewType
	Modalities    []data.Modality
}

// newSearchForm suggests the next weekday, 10:00 to 11:00 UK time, by video
// (no region to look up): a first search that finds someone.
func newSearchForm(now time.Time) searchForm {
	d := now.In(data.London).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, data.London)
	return searchForm{Start: formatLocal(start), End: formatLocal(start.Add(time.Hour)),
		InterviewType: string(data.InterviewSocialWork), Modality: string(data.ModalityVideo),
		Types: data.InterviewTypes, Modalities: data.Modalities}
}

// readSearch reads the match form (a GET: it changes nothing, and its
// results page can be bookmarked or reopened).
func readSearch(r *request) (searchForm, app.MatchRequest, fieldErrors) {
	s := searchForm{Start: value(r.c, "start"), End: value(r.c, "end"), InterviewType: value(r.c, "interviewType"),
		Modality: value(r.c, "modality"), Region: value(r.c, "region"), Types: data.InterviewTypes, Modalities: data.Modalities}
	req := app.MatchRequest{InterviewType: data.InterviewType(s.InterviewType), Modality: data.Modality(s.Modality)}
	var errs fieldErrors
	var err error
	if s.Modality == string(data.ModalityInPerson) { // "Leeds" as well as GB-LDS
		code, ferr := readRegion("region", s.Region)
		if ferr != nil {
			errs = append(errs, *ferr)
		}
		req.Region = code
	}
	if req.Start, err = parseLocal(s.Start); err != nil {
		errs = append(errs, data.FieldError{Field: "start", Message: err.Error()})
	}
	if req.End, err = parseLocal(s.End); err != nil {
		errs = append(errs, data.FieldError{Field: "end", Message: err.Error()})
	}
	return s, req, errs
}

// Query is the search as a query string (for links back to the results).
func (s searchForm) Query() string {
	v := url.Values{"start": {s.Start}, "end": {s.End}, "interviewType": {s.InterviewType}, "modality": {s.Modality}}
	if s.Region != "" {
		v.Set("region", s.Region)
	}
	return v.Encode()
}

// InPerson reports whether the search is for an in-person interview.
func (s searchForm) InPerson() bool { return s.Modality == string(data.ModalityInPerson) }

// matchesView is the results page.
type matchesView struct {
	Case       data.Case
	Search     searchForm
	Candidates []app.Candidate
	Excluded   []excludedView
	// Key is the idempotency key of the booking forms: a form sent twice
	// (a double click, a resend after a timeout) books once.
	Key string
	// Start and End are the slot searched.
	Start, End time.Time
	// CandidateCount is how many pass every rule; AllCandidates, when
	// more pass than are shown, shows up to app.MaxMatchLimit of them.
	CandidateCount int
	AllCandidates  template.URL
	// ExcludedCount is how many are excluded, Counts how many by each
	// rule, most first; the excluded shown are a page, nearest to
	// eligible first, with links to the next and back to the first.
	ExcludedCount int
	Counts        []ruleCount
	NextExcluded  template.URL
	FirstExcluded template.URL
	// Offer is the offer form (who is asked, how), RespondChoices its
	// answer windows and MaxAsk the most it may ask.
	Offer          offerForm
	RespondChoices []struct{ Minutes, Words string }
	MaxAsk         int
	// Holders are the case's bookings and open offers for this slot,
	// shown first: booking here would be a second interpreter.
	Holders []app.Holder
}

// excludedView is an excluded interpreter with a new search at their
// next available time, when they are excluded only as unavailable.
type excludedView struct {
	app.Excluded
	Retry template.URL // the search at NextAvailable, or ""
}

// matches runs the match form and shows the ranked candidates, the top
// three chosen for an offer (each with a direct booking form too), and
// then the excluded with every reason.
func (p *Pages) matches(r *request) error {
	c, err := p.app.GetCase(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	s, req, errs := readSearch(r)
	if len(errs) > 0 {
		return p.showCaseWith(r, c, s, describe(errs, searchLabels))
	}
	if r.c.Query("all") != "" {
		req.Limit = app.MaxMatchLimit
	}
	req.ExcludedAfter = r.c.Query("excludedAfter")
	return p.matchesWith(r, c, s, req, nil, nil)
}

// matchesWith shows the results of the search, with the offer form as
// entered (nil: the top three, in cascade) and its errors.
func (p *Pages) matchesWith(r *request, c data.Case, s searchForm, req app.MatchRequest, f *offerForm, errs fieldErrors) error {
	res, err := p.app.Match(r.ctx(), r.user, c.ID, req)
	if verrs, ok := validationErrors(err); ok {
		return p.showCaseWith(r, c, s, describe(append(verrs, errs...), searchLabels))
	}
	if err != nil {
		return err
	}
	holders, err := p.app.CaseSlot(r.ctx(), r.user, c.ID, req.Start, req.End)
	if err != nil {
		return err
	}
	v := matchesView{Case: c, Search: s, Candidates: res.Candidates, Key: rand.Text(), Start: req.Start, End: req.End,
		RespondChoices: respondChoices, MaxAsk: data.MaxInvitations, Holders: holders,
		CandidateCount: res.CandidateCount, ExcludedCount: res.ExcludedCount, Counts: ruleCounts(res.ExcludedCounts)}
	// Links built from url.Values of this page's own search: safe as URLs.
	here := "/cases/" + url.PathEscape(c.ID) + "/matches?" + s.Query()
	if res.CandidateCount > len(res.Candidates) && req.Limit < app.MaxMatchLimit {
		v.AllCandidates = template.URL(here + "&all=1#candidates")
	}
	more := ""
	if req.Limit == app.MaxMatchLimit {
		more = "&all=1"
	}
	if res.ExcludedNext != "" {
		v.NextExcluded = template.URL(here + more + "&excludedAfter=" + url.QueryEscape(res.ExcludedNext) + "#excluded")
	}
	if req.ExcludedAfter != "" {
		v.FirstExcluded = template.URL(here + more + "#excluded")
	}
	if f != nil {
		v.Offer = *f
	} else {
		v.Offer = defaultOfferForm(res.Candidates)
	}
	for _, e := range res.Excluded {
		ev := excludedView{Excluded: e}
		if !e.NextAvailable.IsZero() {
			retry := s
			retry.Start, retry.End = formatLocal(e.NextAvailable), formatLocal(e.NextAvailable.Add(req.End.Sub(req.Start)))
			// Built from url.Values of this page's own search: safe as a URL.
			ev.Retry = template.URL("/cases/" + url.PathEscape(c.ID) + "/matches?" + retry.Query())
		}
		v.Excluded = append(v.Excluded, ev)
	}
	return p.renderForm(r, "matches", "Interpreters for "+c.Reference, v, errs)
}

// refusedView explains why a booking or a change was not made.
type refusedView struct {
	Title    string
	Reasons  []data.Reason
	Conflict *data.Booking
	Errors   fieldErrors
	Back     string
	// Invitees are the interpreters an offer could not ask, and why.
	Invitees []inviteeReasons
	// CaseBooked is what the case already has for the slot, and Again the
	// form that sends the same request as an additional interpreter.
	CaseBooked *app.CaseBookedError
	Again      *againForm
}

// againForm sends a refused post again, as it was, with one more field.
type againForm struct {
	Action string
	Fields []struct{ Name, Value string }
	Offer  bool // the post was an offer, not a direct booking
}

// again returns the form that repeats r's post, without its CSRF token
// (the page adds its own) and with additional=true.
func again(r *request) *againForm {
	f := &againForm{Action: string(r.c.Request().URI().Path()), Offer: strings.HasPrefix(string(r.c.Request().URI().Path()), "/offers")}
	for k, v := range r.c.Request().PostArgs().All() {
		if name := string(k); name != "_csrf" && name != "additional" {
			f.Fields = append(f.Fields, struct{ Name, Value string }{name, string(v)})
		}
	}
	f.Fields = append(f.Fields, struct{ Name, Value string }{"additional", "true"})
	return f
}

// refused renders why a booking change was refused, or returns err when
// it is not a refusal a user can act on.
func (p *Pages) refused(r *request, err error, back string) error {
	v := refusedView{Back: back}
	f := app.Classify(err)
	switch {
	case f.Code == "ineligible":
		v.Title, v.Reasons = "This interpreter cannot take this interview", f.Reasons
		r.c.Status(http.StatusUnprocessableEntity)
	case f.Code == "booking_conflict":
		v.Title, v.Conflict = "The interpreter is already booked then", f.Conflict
		r.c.Status(http.StatusConflict)
	case f.Code == "case_already_booked" && f.CaseBooked != nil:
		v.CaseBooked, v.Again = f.CaseBooked, again(r)
		switch h := f.CaseBooked; {
		case h.BookingID != "" && h.InterpreterName != "":
			v.Title = "This interview already has " + h.InterpreterName
		case h.BookingID != "":
			v.Title = "This interview already has an interpreter"
		default:
			v.Title = "This interview already has an open offer"
		}
		r.c.Status(http.StatusConflict)
	default:
		errs, ok := validationErrors(err)
		if !ok {
			return err
		}
		v.Title, v.Errors = "The booking has a problem", errs
		r.c.Status(http.StatusBadRequest)
	}
	return p.render(r, "refused", v.Title, v)
}

// createBooking books a candidate from the results page.
func (p *Pages) createBooking(r *request) error {
	caseID := value(r.c, "caseId")
	s, req, errs := readSearch(r)
	back := "/cases/" + url.PathEscape(caseID) + "/matches?" + s.Query()
	if len(errs) > 0 {
		return p.refused(r, &data.ValidationError{Errors: errs}, back)
	}
	nb := app.NewBooking{
		CaseID: caseID, InterpreterID: value(r.c, "interpreterId"), Start: req.Start, End: req.End,
		InterviewType: req.InterviewType, Modality: req.Modality, Region: req.Region, Location: value(r.c, "location"),
		JoinDetails:    value(r.c, "joinDetails"),
		IdempotencyKey: value(r.c, "idempotencyKey"), Additional: checked(r.c, "additional"), Review: !confirmedPost(r),
	}
	b, _, err := p.app.CreateBooking(r.ctx(), r.user, nb)
	if err != nil {
		return p.refused(r, err, back)
	}
	if nb.Review {
		name := p.namer(r)
		return p.showReview(r, reviewView{
			Reference: b.CaseReference, Back: back, Start: b.Start, End: b.End, Type: b.InterviewType, Modality: b.Modality,
			Region: b.Region, Location: b.Location, JoinDetails: b.JoinDetails, TimeLines: b.PlanLines(), Additional: b.Additional,
			Asked: []reviewInvitee{{ID: b.InterpreterID, Name: name(b.InterpreterID)}}, InterpreterID: b.InterpreterID,
		})
	}
	return r.c.Redirect("/bookings/"+b.ID+"?notice=booked", http.StatusSeeOther)
}

// bookingView is the booking page.
type bookingView struct {
	Booking     data.Booking
	Interpreter app.Interpreter
	Start, End  string // the reschedule form's values
	Editable    bool   // confirmed: it may move or be cancelled
	Outcome     bool   // an outcome may be recorded
	// Attended, Comfortable, Note, Code and Checklist (by item) keep the
	// outcome form as entered when it comes back with an error, and
	// Reason and CancelledBy the cancellation's.
	Attended, Comfortable, Note, Code string
	Checklist                         map[string]string
	Reason, CancelledBy               string
	// Items are the checklist's items, in order, with their questions.
	Items []checklistItem
	// Codes are the outcome codes of an interview that did not take place.
	Codes []data.OutcomeCode
	// Debrief: the interpreter marked the interview distressing; shown
	// to coordinators only, never to requesters.
	Debrief bool
}

// checklistItem is one item of the outcome's safety checklist: its form
// field (the API's name) and the question the form asks.
type checklistItem struct {
	Field, Question, Hint string
}

// checklistItems are the checklist's items as the outcome form asks them.
var checklistItems = []checklistItem{
	{"checklist.briefed", "Was the interpreter briefed before the interview?", ""},
	{"checklist.conflictRedeclared", "Did the interpreter repeat on the day that they know of no connection with anyone in the case?", ""},
	{"checklist.neverAloneWithChild", "Was the interpreter never alone with the child?", "If they were alone with the child at any time, answer No: coordinators are told at once, as a safeguarding incident."},
	{"checklist.debriefOffered", "Was the interpreter offered a debrief?", ""},
}

func (p *Pages) showBooking(r *request) error {
	b, err := p.app.GetBooking(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return p.showBookingWith(r, b, nil)
}

func (p *Pages) showBookingWith(r *request, b data.Booking, errs fieldErrors) error {
	in, err := p.app.InterpreterBrief(r.ctx(), r.user, b.InterpreterID)
	if err != nil && app.Classify(err).Kind != app.KindNotFound {
		return err
	}
	v := bookingView{Booking: b, Interpreter: in, Start: formatLocal(b.Start), End: formatLocal(b.End),
		Editable: b.Changeable(), Outcome: b.Completable(p.now())}
	if s, e := value(r.c, "start"), value(r.c, "end"); s != "" && e != "" {
		v.Start, v.End = s, e // keep what was typed
	}
	v.Attended, v.Comfortable, v.Note, v.Code = value(r.c, "attended"), value(r.c, "childComfortable"), value(r.c, "note"), value(r.c, "code")
	v.Items, v.Codes, v.Checklist = checklistItems, data.OutcomeCodes[1:], map[string]string{}
	v.Debrief = r.is(data.RoleCoordinator) && b.Wellbeing != nil && b.Wellbeing.Distressing
	for _, it := range checklistItems {
		v.Checklist[it.Field] = value(r.c, it.Field)
	}
	v.Reason, _ = formValue(r.c, "reason")
	v.CancelledBy = value(r.c, "cancelledBy")
	return p.renderForm(r, "booking", "Booking for "+b.CaseReference, v, describe(errs, searchLabels))
}

// bookingInvite downloads the booking's invitation (.ics).
func (p *Pages) bookingInvite(r *request) error {
	ics, err := p.app.BookingInvite(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return sendInvite(r, ics)
}

// sendInvite answers a booking's invitation as a download, its method
// parameter the calendar's own METHOD (CANCEL once cancelled).
func sendInvite(r *request, ics []byte) error {
	method := "REQUEST"
	if bytes.Contains(ics, []byte("\r\nMETHOD:CANCEL\r\n")) {
		method = "CANCEL"
	}
	r.c.Set("Content-Type", "text/calendar; charset=utf-8; method="+method)
	r.c.Set("Content-Disposition", `attachment; filename="tolk-booking.ics"`)
	return r.c.Send(ics)
}

// rescheduleBooking moves a booking (and its location, in person).
func (p *Pages) rescheduleBooking(r *request) error {
	id := r.c.Params("id")
	var ch app.BookingChange
	var errs fieldErrors
	start, err := parseLocal(value(r.c, "start"))
	if err != nil {
		errs = append(errs, data.FieldError{Field: "start", Message: err.Error()})
	}
	end, err := parseLocal(value(r.c, "end"))
	if err != nil {
		errs = append(errs, data.FieldError{Field: "end", Message: err.Error()})
	}
	ch.Start, ch.End = &start, &end
	if loc, ok := formValue(r.c, "location"); ok {
		ch.Location = &loc
	}
	if len(errs) == 0 {
		_, err = p.app.ChangeBooking(r.ctx(), r.user, id, ch)
		if err == nil {
			return r.c.Redirect("/bookings/"+id+"?notice=rescheduled", http.StatusSeeOther)
		}
		if fe, ok := validationErrors(err); ok {
			errs = fe
		} else {
			return p.refused(r, err, "/bookings/"+id)
		}
	}
	b, err := p.app.GetBooking(r.ctx(), r.user, id)
	if err != nil {
		return err
	}
	return p.showBookingWith(r, b, errs)
}

// cancelBooking cancels a booking; the reason is required, and who
// called it off (cancelledBy) is the requester's side unless the form
// says the interpreter.
func (p *Pages) cancelBooking(r *request) error {
	id := r.c.Params("id")
	reason := value(r.c, "reason")
	var err error
	if reason == "" {
		err = &data.ValidationError{Errors: []data.FieldError{{Field: "reason", Message: "Enter why the booking is cancelled"}}}
	} else {
		_, err = p.app.CancelBookingBy(r.ctx(), r.user, id, reason, data.Party(value(r.c, "cancelledBy")))
	}
	if errs, ok := validationErrors(err); ok {
		errs = renamed(errs, "cancelReason", "reason") // the record's field is the form's reason
		b, gerr := p.app.GetBooking(r.ctx(), r.user, id)
		if gerr != nil {
			return gerr
		}
		return p.showBookingWith(r, b, errs)
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/bookings/"+id+"?notice=cancelled", http.StatusSeeOther)
}

// recordOutcome records whether the interview happened and whether the
// child was comfortable with the interpreter; when it happened, the safety
// checklist, each item required.
func (p *Pages) recordOutcome(r *request) error {
	id := r.c.Params("id")
	var errs fieldErrors
	yesNo := func(name, question string) bool {
		switch value(r.c, name) {
		case "true":
			return true
		case "false":
			return false
		}
		errs = append(errs, data.FieldError{Field: name, Message: "Select whether " + question})
		return false
	}
	o := app.Outcome{Attended: yesNo("attended", "the interview took place"), ChildComfortable: yesNo("childComfortable", "the child was comfortable"),
		Note: value(r.c, "note"), Code: data.OutcomeCode(value(r.c, "code"))}
	if o.Attended {
		o.Code = data.OutcomeAttended // the "what happened" question is for an interview that did not take place
		o.Checklist = &data.Checklist{
			Briefed:             yesNo("checklist.briefed", "the interpreter was briefed"),
			ConflictRedeclared:  yesNo("checklist.conflictRedeclared", "the interpreter repeated their declaration"),
			NeverAloneWithChild: yesNo("checklist.neverAloneWithChild", "the interpreter was never alone with the child"),
			DebriefOffered:      yesNo("checklist.debriefOffered", "a debrief was offered"),
		}
	}
	if len(errs) == 0 {
		_, err := p.app.RecordOutcome(r.ctx(), r.user, id, o)
		if err == nil {
			return r.c.Redirect("/bookings/"+id+"?notice=outcome", http.StatusSeeOther)
		}
		fe, ok := validationErrors(err)
		if !ok {
			return err
		}
		errs = fe
	}
	b, err := p.app.GetBooking(r.ctx(), r.user, id)
	if err != nil {
		return err
	}
	return p.showBookingWith(r, b, errs)
}

// searchLabels name the match and booking forms' fields in error messages.
var searchLabels = map[string]string{
	"start": "Start", "end": "End", "interviewType": "Kind of interview", "modality": "How the interpreter takes part",
	"region": "Region", "location": "Where", "reason": "Reason", "cancelledBy": "Who called it off", "note": "Note", "code": "What happened",
	"checklist.briefed": "Briefing", "checklist.conflictRedeclared": "Declaration on the day",
	"checklist.neverAloneWithChild": "Never alone with the child", "checklist.debriefOffered": "Debrief",
}
