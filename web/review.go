package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// The review step: a booking or an offer posted from the results page
// first comes back as what would happen (who, when in UK time, where, what
// each person will receive), checked by the app without writing anything
// (app.NewBooking.Review, app.NewOffer.Review), with one button that posts
// the same fields again with confirmed=yes. Only that second post books or
// sends.

// confirmedField is the form field that says the review was seen.
const confirmedField = "confirmed"

// confirmedPost reports whether r posts a reviewed booking or offer.
func confirmedPost(r *request) bool { return value(r.c, confirmedField) == "yes" }

// reviewView is the review page of a booking or an offer.
type reviewView struct {
	// Offer: the review of an offer (its interpreters asked), not of a
	// direct booking.
	Offer bool
	// Reference is the case's reference; Back the results page.
	Reference, Back string
	// Start and End are the interview's times; Type, Modality, Region,
	// Location and JoinDetails what and where.
	Start, End    time.Time
	Type          data.InterviewType
	Modality      data.Modality
	Region        string
	Location      string
	JoinDetails   string
	TimeLines     []string
	Additional    bool
	Asked         []reviewInvitee // the interpreters, in order (one for a direct booking)
	InterpreterID string          // a direct booking's interpreter
	Mode          data.OfferMode
	RespondWithin time.Duration
	// Action and Fields repeat the post, confirmed.
	Action string
	Fields []hiddenField
}

// reviewInvitee is one interpreter a review names: who, and whether they
// can be asked (Reasons when a rule rules them out now).
type reviewInvitee struct {
	ID, Name string
	Reasons  []data.Reason
}

// hiddenField is one field a form repeats.
type hiddenField struct{ Name, Value string }

// Receives says what the interpreter will receive, in a sentence.
func (v reviewView) Receives() string {
	how := "the address"
	if v.Modality != data.ModalityInPerson {
		how = "how to join"
	}
	if v.Offer {
		return "Each interpreter asked gets an email with a link to accept or decline: the kind of interview, when, how they take part, the organisation, and the child's language and age band; never the case reference or the other interpreters. The first to accept is booked and gets a calendar invitation with " + how + ", their own times and the safety rules, and a reminder the day before. You are told who accepted, or that nobody did."
	}
	return "The interpreter gets an email now with a calendar invitation: when, " + how + ", your name and email as the contact, their own times and the safety rules; and a reminder the day before."
}

// RespondWords says how long each interpreter has to answer.
func (v reviewView) RespondWords() string {
	if v.RespondWithin <= 0 {
		return ""
	}
	return durationWords(v.RespondWithin)
}

// durationWords says a duration in hours and minutes ("1 hour 30 minutes").
func durationWords(d time.Duration) string {
	var t time.Time
	return duration(t, t.Add(d))
}

// reviewFields are r's posted fields to post again, confirmed: without the
// CSRF token (the page adds its own) or an earlier confirmation.
func reviewFields(r *request) []hiddenField {
	var out []hiddenField
	for k, v := range r.c.Request().PostArgs().All() {
		if name := string(k); name != "_csrf" && name != confirmedField {
			out = append(out, hiddenField{name, string(v)})
		}
	}
	return append(out, hiddenField{confirmedField, "yes"})
}

// showReview renders the review page with status 200: nothing is booked
// or sent yet.
func (p *Pages) showReview(r *request, v reviewView) error {
	v.Action, v.Fields = string(r.c.Request().URI().Path()), reviewFields(r)
	title := "Check the booking"
	if v.Offer {
		title = "Check the offer"
	}
	r.c.Status(http.StatusOK)
	return p.render(r, "review", title, v)
}

// ModeWords says how the offer will ask.
func (v reviewView) ModeWords() string {
	if v.Mode == data.OfferBroadcast {
		return "All at once: the first to say yes is booked, and the others are told it is taken."
	}
	return "One at a time, in this order: the next is asked when one declines or does not answer in time."
}

// Where says where the interview is, or how it is joined.
func (v reviewView) Where() string {
	switch v.Modality {
	case data.ModalityInPerson:
		return strings.TrimSpace(v.Location)
	case data.ModalityPhone:
		return "By phone: " + strings.TrimSpace(v.JoinDetails)
	default:
		return "By video: " + strings.TrimSpace(v.JoinDetails)
	}
}
