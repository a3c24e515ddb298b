package web

import (
	"errors"
	"net/http"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// An offer's email carries a single-use link, /respond/{token}, that
// answers its invitation without signing in, on a phone first like the
// interpreter's other pages. The token in the address is the only
// credential: these pages read no session and set no cookie. Their posts
// have no session to hold a CSRF token, so they must come from this site
// as sign-in's must (Origin, or Sec-Fetch-Site; see open); a forged post
// would need the token anyway. The token stays out of the log (the edge
// and fail log the route pattern, never the path) and out of every Referer
// (these pages send none: see setPageHeaders), and no link on them leaves
// the site.

// declarationMissing is the error of an acceptance without the
// declaration, on either way of answering.
const declarationMissing = "Tick the box to declare that you know of no connection between you and anyone in this case"

// errLinkUnknown answers a link that names no invitation: mistyped, cut
// short, or never sent.
var errLinkUnknown = &pageError{status: http.StatusNotFound, title: "This link is not recognised",
	detail: "Check that you opened the whole link from the email: a link copied by hand may be cut short. To see your invitations, sign in."}

// goneTitles say why a link no longer answers its invitation, by
// app.LinkGoneError's Why.
var goneTitles = map[string]string{
	"used":      "You have already answered this invitation",
	"expired":   "The time to answer ran out",
	"withdrawn": "This invitation was withdrawn: the interview was filled or cancelled",
}

// respondView is a link's page: the invitation and its two answers.
type respondView struct {
	Inv     invitationCard
	Token   string
	Reasons []data.DeclineReason
	// Reason is the decline form's choice, after an error.
	Reason string
}

// answeredView is the page after an answer by link, and the page of a
// link that no longer works (Why says why).
type answeredView struct {
	Inv    invitationCard
	Reason data.DeclineReason
	Why    string
}

// respondPage shows the invitation a link names, as its interpreter may
// see it, with the forms to accept or decline it.
func (p *Pages) respondPage(r *request) error {
	token := r.c.Params("token")
	inv, err := p.app.InvitationByLink(r.ctx(), token)
	if err != nil {
		return p.linkRefused(r, inv, err)
	}
	return p.respondWith(r, token, inv, nil)
}

func (p *Pages) respondWith(r *request, token string, inv app.Invitation, errs fieldErrors) error {
	v := respondView{Inv: p.card(inv), Token: token, Reasons: data.DeclineReasons, Reason: value(r.c, "reason")}
	return p.renderForm(r, "respond", label(inv.InterviewType)+" on "+longDay(inv.Start), v, errs)
}

// respond takes a link's answer: accept, with the declaration, which books
// the interpreter; or decline, with an optional reason. Each is one step,
// and the page that follows says what happened.
func (p *Pages) respond(r *request) error {
	token := r.c.Params("token")
	inv, err := p.app.InvitationByLink(r.ctx(), token)
	if err != nil {
		return p.linkRefused(r, inv, err)
	}
	switch value(r.c, "answer") {
	case "accept":
		if !checked(r.c, "noKnownConflict") {
			return p.respondWith(r, token, inv, fieldErrors{{Field: "noKnownConflict", Message: declarationMissing}})
		}
		b, err := p.app.AcceptByLink(r.ctx(), token, true)
		if err != nil {
			return p.linkAnswerRefused(r, token, err)
		}
		// Read again: once booked, the interpreter sees the place too.
		if after, _ := p.app.InvitationByLink(r.ctx(), token); after.OfferID != "" {
			inv = after
		}
		inv.Status, inv.BookingID = data.InvitationAccepted, b.ID
		return p.render(r, "respond-done", "You are booked", answeredView{Inv: p.card(inv)})
	case "decline":
		reason := data.DeclineReason(value(r.c, "reason"))
		answered, err := p.app.DeclineByLink(r.ctx(), token, reason)
		if err != nil {
			return p.linkAnswerRefused(r, token, err)
		}
		return p.render(r, "respond-done", "You declined this invitation", answeredView{Inv: p.card(answered), Reason: reason})
	}
	return badForm("link in your email")
}

// linkRefused answers a link that cannot answer its invitation: 410 with
// why (answered, too late, withdrawn) and what became of it, or 404 for a
// link that names none. Any other error is its own page.
func (p *Pages) linkRefused(r *request, inv app.Invitation, err error) error {
	if gone, ok := errors.AsType[*app.LinkGoneError](err); ok {
		r.c.Status(http.StatusGone)
		return p.render(r, "respond-gone", goneTitles[gone.Why], answeredView{Inv: p.card(inv), Why: gone.Why})
	}
	if app.Classify(err).Kind == app.KindNotFound {
		return errLinkUnknown
	}
	return err
}

// linkAnswerRefused shows the link's page again, as the invitation now
// stands, saying why the answer was not taken; a link that stopped working
// meanwhile (another answer, the offer filled) is its 410 page.
func (p *Pages) linkAnswerRefused(r *request, token string, err error) error {
	if app.Classify(err).Kind != app.KindGone {
		errs, status, ok := answerErrors(err)
		if !ok {
			return err
		}
		r.c.Status(status)
		inv, gerr := p.app.InvitationByLink(r.ctx(), token)
		if gerr != nil {
			return p.linkRefused(r, inv, gerr)
		}
		return p.respondWith(r, token, inv, errs)
	}
	inv, gerr := p.app.InvitationByLink(r.ctx(), token)
	if gerr == nil {
		gerr = err
	}
	return p.linkRefused(r, inv, gerr)
}
