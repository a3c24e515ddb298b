package web

import (
	"net/http"
	"slices"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The interpreter's pages: their invitations (their home page), one
// invitation with the forms to accept or decline it, their bookings, their
// hours and time off, and their credentials. They are laid out for a phone
// first: one column, large targets. Who sees what is the app's: an offer
// that does not invite the user, and every case, offer or record not
// theirs, is "page not found".

// errNotInterpreter answers a user who is not an interpreter on an
// interpreter's page.
var errNotInterpreter = &pageError{status: http.StatusForbidden, title: "You cannot do this",
	detail: "These pages are for interpreters: their invitations, bookings, hours and credentials."}

// interpreterOnly refuses a user who is not an interpreter linked to a
// record: the interpreter's pages name no interpreter in their address,
// they are always the user's own.
func interpreterOnly(r *request) error {
	if !r.is(data.RoleInterpreter) || r.user.InterpreterID == "" {
		return errNotInterpreter
	}
	return nil
}

// invitationCard is one invitation as the interpreter's pages show it.
type invitationCard struct {
	app.Invitation
	// Due says when the answer is due ("14:00 today"), for a pending one.
	Due string
}

// TimeLines states the interpreter's own times of the interview: arrival,
// briefing, interview, debrief and departure.
func (c invitationCard) TimeLines() []string {
	return data.Booking{Start: c.Start, End: c.End, Modality: c.Modality, Safety: c.Safety}.TimeLines()
}

// Pending reports whether the invitation waits for an answer.
func (c invitationCard) Pending() bool { return c.Status == data.InvitationPending }

// StatusWords says where the invitation stands, to the interpreter.
func (c invitationCard) StatusWords() string { return invitationWords[c.Status] }

// invitationWords say where an invitation stands, to its interpreter.
var invitationWords = map[data.InvitationStatus]string{
	data.InvitationPending:   "Waiting for your answer",
	data.InvitationAccepted:  "You accepted",
	data.InvitationDeclined:  "You declined",
	data.InvitationExpired:   "The time to answer ran out",
	data.InvitationWithdrawn: "Withdrawn: someone else took it, or it was called off",
	data.InvitationSkipped:   "Not asked after all",
}

func (p *Pages) card(inv app.Invitation) invitationCard {
	c := invitationCard{Invitation: inv}
	if inv.Status == data.InvitationPending {
		c.Due = dueBy(inv.RespondBy, p.now())
	}
	return c
}

// invitationsView is the interpreter's home page.
type invitationsView struct {
	Pending []invitationCard
	Earlier []invitationCard
	Next    string // the cursor of older invitations, or ""
	Reasons []data.DeclineReason
}

// interpreterHome lists the interpreter's invitations: those waiting for
// an answer first, the soonest due on top, each with its accept and
// decline forms; then the answered ones, newest first.
func (p *Pages) interpreterHome(r *request) error {
	pending, err := p.app.MyInvitations(r.ctx(), r.user, data.InvitationPending, "", data.MaxPageSize)
	if err != nil {
		return err
	}
	all, err := p.app.MyInvitations(r.ctx(), r.user, "", r.c.Query("cursor"), 20)
	if err != nil {
		return err
	}
	v := invitationsView{Next: all.Next, Reasons: data.DeclineReasons}
	for _, inv := range pending.Items {
		v.Pending = append(v.Pending, p.card(inv))
	}
	slices.SortStableFunc(v.Pending, func(a, b invitationCard) int { return a.RespondBy.Compare(b.RespondBy) })
	for _, inv := range all.Items {
		if inv.Status != data.InvitationPending {
			v.Earlier = append(v.Earlier, p.card(inv))
		}
	}
	return p.render(r, "invitations", "Your invitations", v)
}

// invitationView is one invitation's page.
type invitationView struct {
	Inv     invitationCard
	Reasons []data.DeclineReason
	// Reason is the decline form's choice, after an error.
	Reason string
}

// showInvitation shows one invitation of the interpreter's.
func (p *Pages) showInvitation(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	inv, err := p.app.MyInvitation(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return p.invitationWith(r, inv, nil)
}

func (p *Pages) invitationWith(r *request, inv app.Invitation, errs fieldErrors) error {
	v := invitationView{Inv: p.card(inv), Reasons: data.DeclineReasons, Reason: value(r.c, "reason")}
	return p.renderForm(r, "invitation", label(inv.InterviewType)+" on "+longDay(inv.Start), v, errs)
}

// acceptInvitation books the interpreter, who declares they know of no
// connection with anyone in the case.
func (p *Pages) acceptInvitation(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	id := r.c.Params("id")
	if !checked(r.c, "noKnownConflict") {
		return p.answerRefused(r, id, &data.ValidationError{Errors: []data.FieldError{{Field: "noKnownConflict", Message: declarationMissing}}})
	}
	b, err := p.app.AcceptOffer(r.ctx(), r.user, id, true)
	if err != nil {
		return p.answerRefused(r, id, err)
	}
	return r.c.Redirect("/my/bookings/"+b.ID+"?notice=accepted", http.StatusSeeOther)
}

// declineInvitation records the interpreter's no, with a reason if given.
func (p *Pages) declineInvitation(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	id := r.c.Params("id")
	if _, err := p.app.DeclineOffer(r.ctx(), r.user, id, data.DeclineReason(value(r.c, "reason"))); err != nil {
		return p.answerRefused(r, id, err)
	}
	return r.c.Redirect("/?notice=declined", http.StatusSeeOther)
}

// answerRefused shows the invitation again, as it now stands, saying why
// the answer was not taken; an error that is not about the answer (the
// offer is not the user's, the store is down) is its own page.
func (p *Pages) answerRefused(r *request, id string, err error) error {
	errs, status, ok := answerErrors(err)
	if !ok {
		return err
	}
	r.c.Status(status)
	inv, gerr := p.app.MyInvitation(r.ctx(), r.user, id)
	if gerr != nil {
		return gerr
	}
	return p.invitationWith(r, inv, errs)
}

// answerErrors says why an answer to an invitation was not taken, signed
// in or by link: the form's errors and the status to answer with. ok is
// false for an error that is not about the answer.
func answerErrors(err error) (errs fieldErrors, status int, ok bool) {
	f := app.Classify(err)
	switch {
	case f.Kind == app.KindInvalid:
		errs, _ = validationErrors(err)
		for i, e := range errs {
			switch e.Field {
			case "reason":
				errs[i].Message = "Choose why you decline, or none"
			case "noKnownConflict":
				errs[i].Message = declarationMissing
			}
		}
		return errs, http.StatusBadRequest, true
	case f.Code == data.ErrOfferClosed:
		return fieldErrors{{Message: "You can no longer answer this invitation: it is closed. Where it stands now is shown below."}}, http.StatusConflict, true
	case f.Code == "booking_conflict":
		return fieldErrors{{Message: "You already have a booking at that time, so you cannot accept this interview."}}, http.StatusConflict, true
	case f.Kind == app.KindUnprocessable:
		// The rules' reasons may name the case's community links: the
		// interpreter is told only that a rule is no longer met.
		return fieldErrors{{Message: "You cannot take this interview now: a rule for it is no longer met, such as a check or training that lapses before it, or your declared hours. Check your credentials and hours, or talk to the coordinator."}}, http.StatusUnprocessableEntity, true
	}
	return nil, 0, false
}
