package web

import (
	"net/http"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Transfers on the coordinators' home page: the cases other organisations
// sent to theirs, waiting for an answer, each with the child's language
// and age band only, and the forms that accept one into a new case or
// decline it with a reason (a code, chosen in words).

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
