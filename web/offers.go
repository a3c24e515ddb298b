package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Offers: the normal way to book. The results page asks the top
// candidates (in cascade, one at a time, or all at once), the case page
// shows each offer's state in words, and an offer's page its history.

// offerForm is the results page's offer form as entered: who is asked
// (interpreterIds, in ranking order), how (mode), how long each has to
// answer, and where the interview is.
type offerForm struct {
	Chosen        map[string]bool
	Mode          string
	RespondWithin string
	Location      string
	JoinDetails   string
}

// respondChoices are the answer windows the offer form offers, in
// minutes; "" is the policy's.
var respondChoices = []struct{ Minutes, Words string }{
	{"", "Usual: 24 hours (1 hour if the interview is within 2 days)"},
	{"30", "30 minutes"}, {"60", "1 hour"}, {"120", "2 hours"}, {"240", "4 hours"},
	{"480", "8 hours"}, {"1440", "24 hours"}, {"2880", "48 hours"},
}

// defaultOfferForm asks the top three candidates, one at a time.
func defaultOfferForm(candidates []app.Candidate) offerForm {
	f := offerForm{Chosen: map[string]bool{}, Mode: string(data.OfferCascade)}
	for i, c := range candidates {
		if i == 3 {
			break
		}
		f.Chosen[c.Interpreter.ID] = true
	}
	return f
}

// createOffer asks the chosen candidates from the results page.
func (p *Pages) createOffer(r *request) error {
	caseID := value(r.c, "caseId")
	s, req, errs := readSearch(r)
	f := offerForm{Chosen: map[string]bool{}, Mode: value(r.c, "mode"), RespondWithin: value(r.c, "respondWithinMinutes"), Location: value(r.c, "location"), JoinDetails: value(r.c, "joinDetails")}
	var ids []string
	for _, id := range r.c.Request().PostArgs().PeekMulti("interpreterIds") {
		if id := strings.TrimSpace(string(id)); id != "" && !f.Chosen[id] {
			ids = append(ids, id)
			f.Chosen[id] = true
		}
	}
	switch {
	case len(ids) == 0:
		errs = append(errs, data.FieldError{Field: "interpreterIds", Message: "Choose at least one interpreter to ask"})
	case len(ids) > data.MaxInvitations:
		errs = append(errs, data.FieldError{Field: "interpreterIds", Message: fmt.Sprintf("Choose at most %d interpreters to ask", data.MaxInvitations)})
	}
	if f.Mode != string(data.OfferCascade) && f.Mode != string(data.OfferBroadcast) {
		errs = append(errs, data.FieldError{Field: "mode", Message: "Choose whether to ask them one at a time or all at once"})
	}
	minutes := 0
	if f.RespondWithin != "" {
		n, err := strconv.Atoi(f.RespondWithin)
		if err != nil || n < 1 {
			errs = append(errs, data.FieldError{Field: "respondWithinMinutes", Message: "Choose how long each interpreter has to answer"})
		}
		minutes = n
	}
	if len(errs) == 0 {
		back := "/cases/" + url.PathEscape(caseID) + "/matches?" + s.Query()
		no := app.NewOffer{
			CaseID: caseID, Start: req.Start, End: req.End, InterviewType: req.InterviewType, Modality: req.Modality,
			Region: req.Region, Location: f.Location, JoinDetails: f.JoinDetails, InterpreterIDs: ids, Mode: data.OfferMode(f.Mode),
			RespondWithinMinutes: minutes, Additional: checked(r.c, "additional"), Review: !confirmedPost(r),
		}
		o, err := p.app.CreateOffer(r.ctx(), r.user, no)
		if err == nil && no.Review {
			return p.showReview(r, offerReview(o, back, p.namer(r)))
		}
		if err == nil {
			return r.c.Redirect("/offers/"+o.ID+"?notice=offer-sent", http.StatusSeeOther)
		}
		fe, ok := validationErrors(err)
		if !ok {
			return p.offerRefused(r, err, back)
		}
		errs = offerErrors(fe)
	}
	c, err := p.app.GetCase(r.ctx(), r.user, caseID)
	if err != nil {
		return err
	}
	r.c.Status(http.StatusBadRequest)
	return p.matchesWith(r, c, s, req, &f, describe(errs, offerLabels))
}

// offerErrors names the app's errors of the interpreters asked
// (interpreterIds[3]) by the list as a whole, which the form shows.
func offerErrors(errs fieldErrors) fieldErrors {
	for i, e := range errs {
		if strings.HasPrefix(e.Field, "interpreterIds[") {
			errs[i].Field = "interpreterIds"
		}
	}
	return errs
}

// offerLabels name the offer form's fields in error messages.
var offerLabels = map[string]string{
	"interpreterIds": "Who to ask", "respondWithinMinutes": "Time to answer", "location": "Where", "joinDetails": "How to join",
	"start": "Start", "end": "End", "interviewType": "Kind of interview", "modality": "How the interpreter takes part", "region": "Region",
}

// offerRefused explains why an offer was not made: nobody asked may take
// the interview (each one's reasons), or what else the app refused.
func (p *Pages) offerRefused(r *request, err error, back string) error {
	f := app.Classify(err)
	if f.Code != "ineligible" || len(f.Invitees) == 0 {
		return p.refused(r, err, back)
	}
	v := refusedView{Title: "Nobody you chose can take this interview", Back: back}
	name := p.namer(r)
	for _, in := range f.Invitees {
		v.Invitees = append(v.Invitees, inviteeReasons{Name: name(in.InterpreterID), Reasons: in.Reasons})
	}
	r.c.Status(http.StatusUnprocessableEntity)
	return p.render(r, "refused", v.Title, v)
}

// offerReview is the review page of an offer as it would open: its
// interpreters in order, those a rule rules out now with their reasons.
func offerReview(o data.Offer, back string, name func(string) string) reviewView {
	v := reviewView{
		Offer: true, Reference: o.CaseReference, Back: back, Start: o.Start, End: o.End, Type: o.InterviewType, Modality: o.Modality,
		Region: o.Region, Location: o.Location, JoinDetails: o.JoinDetails, Additional: o.Additional, Mode: o.Mode, RespondWithin: o.RespondWithin,
		TimeLines: data.Booking{Start: o.Start, End: o.End, Modality: o.Modality, Safety: o.Safety}.PlanLines(),
	}
	for _, inv := range o.Invitations {
		in := reviewInvitee{ID: inv.InterpreterID, Name: name(inv.InterpreterID)}
		if inv.Status == data.InvitationSkipped {
			in.Reasons = inv.Reasons
		}
		v.Asked = append(v.Asked, in)
	}
	return v
}

// inviteeReasons is one interpreter an offer could not ask, and why.
type inviteeReasons struct {
	Name    string
	Reasons []data.Reason
}

// interpreterNames names the interpreters of bookings, by ID, for a list
// of them (see namer).
func (p *Pages) interpreterNames(r *request, bs []data.Booking) map[string]string {
	name, out := p.namer(r), map[string]string{}
	for _, b := range bs {
		if _, ok := out[b.InterpreterID]; !ok {
			out[b.InterpreterID] = name(b.InterpreterID)
		}
	}
	return out
}

// namer returns a function naming interpreters by ID in the reduced view,
// reading each once per request.
func (p *Pages) namer(r *request) func(id string) string {
	names := map[string]string{}
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := "an interpreter no longer on the register"
		if in, err := p.app.InterpreterBrief(r.ctx(), r.user, id); err == nil {
			n = in.Name
		}
		names[id] = n
		return n
	}
}

// offerSummary is an offer as the case and offer pages tell it.
type offerSummary struct {
	data.Offer
	// State is where the offer stands, in a sentence.
	State string
	Lines []inviteeLine
	// Booked names the interpreter booked, when filled.
	Booked string
}

// TimeLines states the interpreter's own times of the offered interview,
// as the invitation told them (the offer's safety plan).
func (s offerSummary) TimeLines() []string {
	return data.Booking{Start: s.Start, End: s.End, Modality: s.Modality, Safety: s.Safety}.TimeLines()
}

// Open reports whether the offer may still be accepted (or cancelled).
func (o offerSummary) Open() bool { return o.Status == data.OfferOpen }

// inviteeLine is one invitation of an offer, in words.
type inviteeLine struct {
	Name, Words        string
	Status             data.InvitationStatus
	Asked, Answered    time.Time
	RespondBy          time.Time
	Reasons            []data.Reason
	InterpreterID      string
	Pending, Concluded bool
}

// summarise tells an offer's state as the actor may know it: a decline's
// reason only to coordinators (a declared conflict is theirs to know).
func (p *Pages) summarise(r *request, o data.Offer, name func(string) string) offerSummary {
	now := p.now()
	s := offerSummary{Offer: o}
	var pending []data.Invitation
	queued := 0
	for _, inv := range o.Invitations {
		l := inviteeLine{Name: name(inv.InterpreterID), Status: inv.Status, Asked: inv.Asked, Answered: inv.Answered,
			RespondBy: inv.RespondBy, Reasons: inv.Reasons, InterpreterID: inv.InterpreterID}
		switch inv.Status {
		case data.InvitationQueued:
			l.Words = "waiting their turn"
			queued++
		case data.InvitationPending:
			l.Words, l.Pending = "asked, answer due by "+dueBy(inv.RespondBy, now), true
			pending = append(pending, inv)
		case data.InvitationAccepted:
			l.Words, s.Booked = "accepted", l.Name
		case data.InvitationDeclined:
			l.Words = "declined"
			if r.is(data.RoleCoordinator) && inv.Decline != "" {
				l.Words += ": " + declineWords[inv.Decline]
			}
		case data.InvitationExpired:
			l.Words = "expired: did not answer in time"
		case data.InvitationWithdrawn:
			l.Words = "withdrawn"
			if inv.Asked.IsZero() {
				l.Words = "not asked: the offer closed first"
			}
		case data.InvitationSkipped:
			l.Words = "skipped: no longer passes every rule"
		}
		l.Concluded = !inv.Answered.IsZero()
		s.Lines = append(s.Lines, l)
	}
	switch o.Status {
	case data.OfferOpen:
		switch {
		case len(pending) == 1:
			s.State = "Asked " + name(pending[0].InterpreterID) + ", answer due by " + dueBy(pending[0].RespondBy, now)
		case len(pending) > 1:
			due := pending[0].RespondBy
			for _, inv := range pending {
				if inv.RespondBy.Before(due) {
					due = inv.RespondBy
				}
			}
			s.State = fmt.Sprintf("Asked %d interpreters at once, answers due by %s", len(pending), dueBy(due, now))
		default:
			s.State = "Open: asking the next interpreter"
		}
		if queued > 0 && o.Mode == data.OfferCascade {
			s.State += fmt.Sprintf("; %d more to ask in turn", queued)
		}
	case data.OfferFilled:
		s.State = "Filled: booked " + s.Booked
	case data.OfferUnfilled:
		s.State = "Unfilled: nobody accepted"
	case data.OfferCancelled:
		s.State = "Cancelled: " + o.CancelReason
	}
	return s
}

// declineWords say why an interpreter declined, to coordinators.
var declineWords = map[data.DeclineReason]string{
	data.DeclineUnavailable: "not available then",
	data.DeclineConflict:    "declared a conflict (kept out of this case)",
	data.DeclineOther:       "another reason",
}

// modeWords say how an offer asks.
var modeWords = map[data.OfferMode]string{
	data.OfferCascade:   "One at a time, in order",
	data.OfferBroadcast: "All at once; the first to say yes is booked",
}

// offerView is an offer's page.
type offerView struct {
	Offer offerSummary
	Mode  string
	// Reason keeps the cancellation form as typed when it comes back.
	Reason string
}

// showOffer shows an offer of the user's organisation and its history.
func (p *Pages) showOffer(r *request) error {
	o, err := p.app.GetOffer(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return p.offerWith(r, o, nil)
}

func (p *Pages) offerWith(r *request, o data.Offer, errs fieldErrors) error {
	v := offerView{Offer: p.summarise(r, o, p.namer(r)), Mode: modeWords[o.Mode]}
	v.Reason, _ = formValue(r.c, "reason") // a refused cancellation comes back as typed
	return p.renderForm(r, "offer", "Offer for "+o.CaseReference, v, describe(errs, offerLabels))
}

// cancelOffer ends an open offer; the reason is required.
func (p *Pages) cancelOffer(r *request) error {
	id := r.c.Params("id")
	reason := value(r.c, "reason")
	var err error
	if reason == "" {
		err = &data.ValidationError{Errors: []data.FieldError{{Field: "reason", Message: "Enter why the offer is cancelled"}}}
	} else {
		_, err = p.app.CancelOffer(r.ctx(), r.user, id, reason)
	}
	var errs fieldErrors
	switch f := app.Classify(err); {
	case err == nil:
		return r.c.Redirect("/offers/"+id+"?notice=offer-cancelled", http.StatusSeeOther)
	case f.Kind == app.KindInvalid:
		errs, _ = validationErrors(err)
		errs = renamed(errs, "cancelReason", "reason")
		r.c.Status(http.StatusBadRequest)
	case f.Kind == app.KindConflict:
		errs = fieldErrors{{Message: "This offer is no longer open, so it cannot be cancelled. Where it stands now is shown below."}}
		r.c.Status(http.StatusConflict)
	default:
		return err
	}
	o, gerr := p.app.GetOffer(r.ctx(), r.user, id)
	if gerr != nil {
		return gerr
	}
	return p.offerWith(r, o, errs)
}

// caseOffers is the case page's list of the case's offers, newest first.
func (p *Pages) caseOffers(r *request, caseID string) ([]offerSummary, error) {
	page, err := p.app.ListOffers(r.ctx(), r.user, app.OfferFilter{CaseID: caseID, Limit: 20})
	if err != nil {
		return nil, err
	}
	name := p.namer(r)
	out := make([]offerSummary, 0, len(page.Items))
	for _, o := range page.Items {
		out = append(out, p.summarise(r, o, name))
	}
	return out, nil
}
