package web

import (
	"net/http"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Transfers on the coordinators' home page: the cases other organisations
// sent to theirs, waiting for an answer, each with the child's language
// and age band only, and the forms that accept one into a new case or
// decline it with a reason (a code, chosen in words). On the case page,
// a coordinator sends the case to another organisation (the legal basis
// chosen in words), or takes back the transfer still waiting.

// legalBasisWords and transferDeclineWords are the codes of transfers in
// words.
var (
	legalBasisWords = map[data.LegalBasis]string{
		data.LegalBasisPlacement:              "A placement",
		data.LegalBasisNationalTransferScheme: "The National Transfer Scheme",
		data.LegalBasisSafeguarding:           "Safeguarding",
	}
	transferDeclineWords = map[data.TransferDecline]string{
		data.DeclineNotOurArea:  "The child is not in our area",
		data.DeclineAlreadyHeld: "We already hold a case for this child",
		data.DeclineLegalBasis:  "The legal basis does not apply",
		data.DeclineOtherReason: "Another reason (we will explain to them)",
	}
)

// transferRow is a pending transfer as the home page lists it.
type transferRow struct {
	data.Transfer
	Basis string
}

// declineChoice is one reason a transfer may be declined with.
type declineChoice struct {
	Code  data.TransferDecline
	Words string
}

// declineChoices lists the reasons, in data's order.
func declineChoices() []declineChoice {
	out := make([]declineChoice, len(data.TransferDeclines))
	for i, d := range data.TransferDeclines {
		out[i] = declineChoice{d, transferDeclineWords[d]}
	}
	return out
}

// pendingTransfers lists, for a coordinator, the newest transfers sent to
// their organisation that wait for an answer.
func (p *Pages) pendingTransfers(r *request) ([]transferRow, error) {
	page, err := p.app.ListTransfers(r.ctx(), r.user, app.TransferFilter{Status: data.TransferPending, Limit: 20})
	if err != nil {
		return nil, err
	}
	rows := make([]transferRow, len(page.Items))
	for i, t := range page.Items {
		rows[i] = transferRow{Transfer: t, Basis: legalBasisWords[t.LegalBasis]}
	}
	return rows, nil
}

// acceptTransfer accepts a transfer into a new case, under the reference
// the coordinator gave (or one naming the transfer), and opens the case.
func (p *Pages) acceptTransfer(r *request) error {
	id := r.c.Params("id")
	_, nc, err := p.app.AcceptTransfer(r.ctx(), r.user, id, value(r.c, "reference"))
	switch f := app.Classify(err); {
	case err == nil:
		return r.c.Redirect("/cases/"+nc.ID+"?notice=transfer-accepted", http.StatusSeeOther)
	case f.Kind == app.KindInvalid:
		errs, _ := validationErrors(err)
		return p.homeWith(r, renamed(errs, "reference", "reference-"+id))
	case f.Kind == app.KindConflict:
		r.c.Status(http.StatusConflict)
		return p.homeWith(r, fieldErrors{{Message: "That transfer was already answered, or the case cannot be accepted now: " + f.Message + "."}})
	default:
		return err
	}
}

// declineTransfer declines a transfer with the reason chosen.
func (p *Pages) declineTransfer(r *request) error {
	id := r.c.Params("id")
	reason := value(r.c, "reason")
	var err error
	if reason == "" {
		err = &data.ValidationError{Errors: []data.FieldError{{Field: "reason", Message: "Choose why you decline the transfer"}}}
	} else {
		_, err = p.app.DeclineTransfer(r.ctx(), r.user, id, data.TransferDecline(reason))
	}
	switch f := app.Classify(err); {
	case err == nil:
		return r.c.Redirect("/?notice=transfer-declined", http.StatusSeeOther)
	case f.Kind == app.KindInvalid:
		errs, _ := validationErrors(err)
		return p.homeWith(r, renamed(errs, "reason", "reason-"+id))
	case f.Kind == app.KindConflict:
		r.c.Status(http.StatusConflict)
		return p.homeWith(r, fieldErrors{{Message: "That transfer was already answered."}})
	default:
		return err
	}
}

// transferForm is the case page's transfer part: for a coordinator, the
// form that sends the case (as typed, when refused), or the one that
// takes back the transfer pending.
type transferForm struct {
	// Can says the reader is a coordinator, who sends and withdraws.
	Can bool
	// Pending is the ID of the transfer waiting for an answer, if any.
	Pending                    string
	ToOrganisation, LegalBasis string
	CloseSending               bool
	Bases                      []basisChoice
}

// basisChoice is one legal basis a case may be sent on.
type basisChoice struct {
	Code  data.LegalBasis
	Words string
}

// transferFormFor is the case page's transfer part for c, with what the
// request typed (a refused form comes back as typed).
func (p *Pages) transferFormFor(r *request, c data.Case) transferForm {
	f := transferForm{Can: r.user.Role == data.RoleCoordinator && !c.Transferred(), Pending: c.TransferPending}
	if r.c.Method() == http.MethodPost {
		f.ToOrganisation, f.LegalBasis, f.CloseSending = value(r.c, "toOrganisation"), value(r.c, "legalBasis"), value(r.c, "closeSending") == "yes"
	}
	for _, b := range data.LegalBases {
		f.Bases = append(f.Bases, basisChoice{b, legalBasisWords[b]})
	}
	return f
}

// sendTransfer sends the case to another organisation, on the legal
// basis chosen; a refusal is the case page again with the form as typed
// and its errors (400), or what stands in the way (409).
func (p *Pages) sendTransfer(r *request) error {
	id := r.c.Params("id")
	req := app.NewTransfer{ToOrganisation: value(r.c, "toOrganisation"), LegalBasis: data.LegalBasis(value(r.c, "legalBasis")),
		CloseSending: value(r.c, "closeSending") == "yes"}
	var err error
	if req.LegalBasis == "" {
		err = &data.ValidationError{Errors: []data.FieldError{{Field: "legalBasis", Message: "Choose the legal basis of the transfer"}}}
	} else {
		_, err = p.app.RequestTransfer(r.ctx(), r.user, id, req)
	}
	if err == nil {
		return r.c.Redirect("/cases/"+id+"?notice=transfer-sent", http.StatusSeeOther)
	}
	return p.caseAgain(r, id, err)
}

// withdrawTransfer takes back the transfer pending and shows the case.
func (p *Pages) withdrawTransfer(r *request) error {
	t, err := p.app.WithdrawTransfer(r.ctx(), r.user, r.c.Params("id"))
	if err == nil {
		return r.c.Redirect("/cases/"+t.CaseID+"?notice=transfer-withdrawn", http.StatusSeeOther)
	}
	f := app.Classify(err)
	if f.Kind != app.KindConflict {
		return err
	}
	r.c.Status(http.StatusConflict)
	return p.homeWith(r, fieldErrors{{Message: "That transfer was already answered or taken back."}})
}

// caseAgain shows case id again after a refused transfer: invalid input
// as the form's errors (400), a conflict as what stands in the way (409);
// anything else is the error page.
func (p *Pages) caseAgain(r *request, id string, err error) error {
	f := app.Classify(err)
	var errs fieldErrors
	switch f.Kind {
	case app.KindInvalid:
		errs, _ = validationErrors(err)
	case app.KindConflict:
		r.c.Status(http.StatusConflict)
		errs = fieldErrors{{Message: "The case cannot be sent now: " + f.Message + "."}}
	default:
		return err
	}
	c, cerr := p.app.GetCase(r.ctx(), r.user, id)
	if cerr != nil {
		return cerr
	}
	return p.showCaseWith(r, c, newSearchForm(p.now()), errs)
}
