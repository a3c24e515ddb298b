package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// decideVetting records a coordinator's decision (approve, reject,
// suspend) with its note, guarded: approving a record that lacks what
// every interview needs comes back as a confirmation step (the gaps, a box
// to tick and a note; 422 until both are given), and suspending or
// rejecting first says what it will cancel, asking to confirm. After, the
// record's page says what it cancelled. A decision the record's status
// does not allow comes back on the record's page, 409.
func (p *Pages) decideVetting(r *request) error {
	id := r.c.Params("id")
	decision, note := value(r.c, "decision"), value(r.c, "note")
	d := data.Decision(decision)
	var errs fieldErrors
	status, refusedByState := http.StatusBadRequest, false
	if decision == "" {
		errs = fieldErrors{{Field: "decision", Message: "Select a decision"}}
	} else {
		var res app.VettingResult
		var err error
		if (d == data.DecisionSuspend || d == data.DecisionReject) && !confirmedPost(r) {
			var im app.VettingImpact
			if im, err = p.app.VettingImpact(r.ctx(), r.user, id, d); err == nil {
				return p.vettingConfirm(r, id, vettingConfirmView{Decision: d, Note: note, Impact: im}, nil, http.StatusOK)
			}
		} else {
			res, err = p.app.Decide(r.ctx(), r.user, id, app.VettingDecision{Decision: d, Note: note, Confirm: checked(r.c, "confirm")})
		}
		if err == nil {
			q := url.Values{"notice": {"vetting"}}
			if d != data.DecisionApprove {
				q.Set("cancelled", strconv.Itoa(res.Bookings.Total()))
				q.Set("organisations", strconv.Itoa(res.Organisations()))
				q.Set("invitations", strconv.Itoa(res.Invitations))
			}
			return r.c.Redirect("/interpreters/"+url.PathEscape(id)+"?"+q.Encode(), http.StatusSeeOther)
		}
		if ce, ok := errors.AsType[*app.ConfirmationError](err); ok {
			v := vettingConfirmView{Decision: d, Note: note, Impact: app.VettingImpact{Gaps: ce.Gaps}}
			if value(r.c, "step") != "confirm" {
				// From the record's page: the step itself, nothing wrong yet.
				return p.vettingConfirm(r, id, v, nil, http.StatusOK)
			}
			var errs fieldErrors
			for _, f := range ce.Fields {
				msg := "Say why you approve this record without what it lacks"
				if f.Field == "confirm" {
					msg = "Tick the box to approve this record without what it lacks"
				}
				errs = append(errs, data.FieldError{Field: f.Field, Message: msg})
			}
			return p.vettingConfirm(r, id, v, errs, http.StatusUnprocessableEntity)
		}
		fe, invalid := validationErrors(err)
		switch {
		case invalid:
			errs = describe(fe, vettingLabels)
		case app.Classify(err).Code == "invalid_transition":
			status, refusedByState = http.StatusConflict, true
		default:
			return err
		}
	}
	in, err := p.app.GetInterpreter(r.ctx(), r.user, id)
	if err != nil {
		return err
	}
	if refusedByState {
		errs = fieldErrors{{Field: "decision", Message: "You cannot " + decision + " an interpreter whose vetting is " + strings.ToLower(label(in.Vetting.Status))}}
	}
	v, err := p.recordView(r, in)
	if err != nil {
		return err
	}
	v.Decision, v.Note = decision, note
	r.c.Status(status)
	return p.renderForm(r, "interpreter", in.Name, v, errs)
}

// vettingConfirmView is the confirmation step of a risky vetting decision:
// an approval of a record with gaps (what it lacks, a box and a note), or
// a suspension or rejection (what it will cancel).
type vettingConfirmView struct {
	ID, Name string
	Decision data.Decision
	Note     string
	Impact   app.VettingImpact
}

// Gaps are what the record lacks, in words.
func (v vettingConfirmView) Gaps() []data.Reason {
	var out []data.Reason
	for _, g := range v.Impact.Gaps {
		out = append(out, g.Reason())
	}
	return out
}

// vettingConfirm renders the confirmation step with status.
func (p *Pages) vettingConfirm(r *request, id string, v vettingConfirmView, errs fieldErrors, status int) error {
	in, err := p.app.InterpreterBrief(r.ctx(), r.user, id)
	if err != nil {
		return err
	}
	v.ID, v.Name = id, in.Name
	r.c.Status(status)
	return p.renderForm(r, "vetting-confirm", label(v.Decision)+" "+in.Name+"?", v, errs)
}

// withdrawBookings finishes cancelling a suspended or rejected
// interpreter's bookings (app.WithdrawBookings).
func (p *Pages) withdrawBookings(r *request) error {
	id := r.c.Params("id")
	if _, err := p.app.WithdrawBookings(r.ctx(), r.user, id); err != nil {
		return err
	}
	return r.c.Redirect("/interpreters/"+url.PathEscape(id)+"?notice=withdrawn", http.StatusSeeOther)
}

var vettingLabels = map[string]string{"decision": "Decision", "note": "Note", "within": "Days ahead", "confirm": "Approve anyway"}

// auditView is a record's audit trail, newest first.
type auditView struct {
	InterpreterID string
	Name          string // "" when the user may not see the record
	Entries       []auditRow
	Next          string // the next (older) page's address, or ""
}

// auditRow is an audit entry with what it means in words.
type auditRow struct {
	data.AuditEntry
	What string
}

// interpreterAudit lists who created, read, changed and vetted a record.
func (p *Pages) interpreterAudit(r *request) error {
	id := r.c.Params("id")
	page, err := p.app.ListAudit(r.ctx(), r.user, app.AuditFilter{EntityID: id, Cursor: value(r.c, "cursor"), Limit: 50})
	if err != nil {
		return err
	}
	v := auditView{InterpreterID: id}
	// The heading names the record when the user may see it (an admin
	// reads the log, not the register); the brief view is no audited read.
	if in, err := p.app.InterpreterBrief(r.ctx(), r.user, id); err == nil {
		v.Name = in.Name
	} else if k := app.Classify(err).Kind; k != app.KindForbidden && k != app.KindNotFound {
		return err
	}
	for _, e := range page.Items {
		v.Entries = append(v.Entries, auditRow{AuditEntry: e, What: auditAction(e.Action)})
	}
	if page.Next != "" {
		v.Next = "/interpreters/" + url.PathEscape(id) + "/audit?" + query("cursor", page.Next)
	}
	title := "Audit trail"
	if v.Name != "" {
		title += " of " + v.Name
	}
	return p.render(r, "audit", title, v)
}

// auditActions are the record's audit actions in words.
var auditActions = map[data.Action]string{
	data.ActionInterpreterCreated:       "Created the record",
	data.ActionInterpreterUpdated:       "Changed the record",
	data.ActionInterpreterReadSensitive: "Read the full record",
	data.ActionInterpreterExported:      "Exported everything held about them (subject access)",
	data.ActionVettingApprove:           "Approved",
	data.ActionVettingReject:            "Rejected",
	data.ActionVettingSuspend:           "Suspended",
	data.ActionVettingLeave:             "Left the register",
	data.ActionInterpreterHoldPlaced:    "Placed a legal hold",
	data.ActionInterpreterHoldLifted:    "Lifted the legal hold",
	data.ActionInterpreterAnonymised:    "Anonymised by retention",
	data.ActionBookingWithdrawn:         "Cancelled a booking: the interpreter was suspended, rejected or left",
}

// auditAction is an audit action in words, or its code when it has none.
func auditAction(action data.Action) string {
	if w, ok := auditActions[action]; ok {
		return w
	}
	return string(action)
}

// renewalsView is the renewal report.
type renewalsView struct {
	Within                   string
	Items                    []renewalRow
	Missing, Lapsed, Expires int
}

// renewalRow is a renewal item with what it is in words.
type renewalRow struct {
	app.RenewalItem
	What string
}

// renewals is the renewal report: what lapses within `within` days
// (app.DefaultRenewalDays unless asked), what has lapsed, and what approved
// records lack.
func (p *Pages) renewals(r *request) error {
	v := renewalsView{Within: value(r.c, "within")}
	if v.Within == "" {
		v.Within = strconv.Itoa(app.DefaultRenewalDays)
	}
	within, err := strconv.Atoi(v.Within)
	if err != nil {
		// The app names the range; a value that is no number gets its words.
		within = 0
	}
	items, err := p.app.Renewals(r.ctx(), r.user, within)
	if errs, ok := validationErrors(err); ok {
		return p.renderForm(r, "expiring", "Renewals", v, describe(errs, vettingLabels))
	}
	if err != nil {
		return err
	}
	for _, it := range items {
		v.Items = append(v.Items, renewalRow{RenewalItem: it, What: data.RenewalItemWords(it.Item)})
		switch {
		case it.Missing:
			v.Missing++
		case it.Lapsed:
			v.Lapsed++
		default:
			v.Expires++
		}
	}
	return p.render(r, "expiring", "Renewals", v)
}
