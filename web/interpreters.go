package web

import (
	"github.com/gofiber/fiber/v2"
	"net/http"
	"strconv"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// registerView is the register: one page of records in the reduced view
// (the listing never holds a sensitive field), the filters, and the link
// to the next page.
type registerView struct {
	Items            []app.Interpreter
	Language, Status string
	// Search is a name's start or an email; Sort "name" lists by name.
	Search, Sort string
	Statuses     []data.VettingStatus
	Next         string // the next page's address, or ""
}

// register lists the interpreters, filtered by language and status.
func (p *Pages) register(r *request) error {
	v := registerView{Language: value(r.c, "language"), Status: value(r.c, "status"), Statuses: data.VettingStatuses,
		Search: value(r.c, "search"), Sort: value(r.c, "sort")}
	tag, ferr := readLanguage("language", v.Language) // "Arabic" as well as "ar"
	if ferr != nil {
		return p.renderForm(r, "interpreters", "Interpreters", v, describe(fieldErrors{*ferr}, registerLabels))
	}
	if v.Sort != "" && v.Sort != "name" {
		return p.renderForm(r, "interpreters", "Interpreters", v, fieldErrors{{Field: "sort", Message: "Choose an order from the list"}})
	}
	page, err := p.app.ListInterpreters(r.ctx(), r.user, app.InterpreterFilter{
		Language: tag, Status: data.VettingStatus(v.Status), Cursor: value(r.c, "cursor"), Limit: 50,
		Search: v.Search, ByName: v.Sort == "name",
	})
	if errs, ok := validationErrors(err); ok {
		return p.renderForm(r, "interpreters", "Interpreters", v, describe(errs, registerLabels))
	}
	if err != nil {
		return err
	}
	v.Items = page.Items
	if page.Next != "" {
		v.Next = "/interpreters?" + query("search", v.Search, "language", v.Language, "status", v.Status, "sort", v.Sort, "cursor", page.Next)
	}
	return p.render(r, "interpreters", "Interpreters", v)
}

var registerLabels = map[string]string{"language": "Language", "status": "Vetting status", "search": "Name or email", "sort": "Order"}

// recordView is one interpreter's page: the record as the app lets the
// user see it and, for a coordinator, the vetting form.
type recordView struct {
	In        app.Interpreter
	Decisions []data.Decision
	Decision  string // the vetting form as entered, after an error
	Note      string
	// Standing counts the bookings of a suspended or rejected interpreter
	// that have not started and are still confirmed: a suspension's
	// cancellations were cut short, and the page offers to finish them.
	Standing int
	// Cancelled says, after a suspension or rejection, what it cancelled
	// (from the redirect's query; nil otherwise).
	Cancelled *cancelledCounts
	// SameEmail are, for a coordinator, the other records with this
	// record's email: perhaps the same person entered twice.
	SameEmail []app.Interpreter
}

// cancelledCounts is what a vetting decision cancelled: bookings, in how
// many organisations, and invitations withdrawn.
type cancelledCounts struct{ Bookings, Organisations, Invitations int }

// readCancelled reads what a decision cancelled from the redirect's query.
func readCancelled(r *request) *cancelledCounts {
	if r.c.Query("notice") != "vetting" || r.c.Query("cancelled") == "" {
		return nil
	}
	n := func(k string) int { v, _ := strconv.Atoi(r.c.Query(k)); return max(v, 0) }
	return &cancelledCounts{n("cancelled"), n("organisations"), n("invitations")}
}

// showInterpreter shows one record: for a coordinator the full record, an
// audited read; for anyone else what the app's reduced view leaves.
func (p *Pages) showInterpreter(r *request) error {
	if crossSite(r.c) {
		return p.confirmRead(r)
	}
	in, err := p.app.GetInterpreter(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	v, err := p.recordView(r, in)
	if err != nil {
		return err
	}
	v.Cancelled = readCancelled(r)
	return p.renderForm(r, "interpreter", in.Name, v, nil)
}

// recordView is the record page's data: for a coordinator reading a
// suspended or rejected record, with the bookings of theirs still standing.
func (p *Pages) recordView(r *request, in app.Interpreter) (recordView, error) {
	v := recordView{In: in, Decisions: data.Decisions}
	if in.Full && r.is(data.RoleCoordinator) {
		same, err := p.app.SameEmail(r.ctx(), r.user, in.ID)
		if err != nil {
			return v, err
		}
		v.SameEmail = same
	}
	if in.Full && (in.Vetting.Status == data.VettingSuspended || in.Vetting.Status == data.VettingRejected || in.Vetting.Status == data.VettingLeft) {
		n, err := p.app.FutureBookings(r.ctx(), r.user, in.ID)
		if err != nil {
			return v, err
		}
		v.Standing = n
	}
	return v, nil
}

// newInterpreter shows the blank create form to those the app lets edit
// the register (it refuses the post to anyone else too).
func (p *Pages) newInterpreter(r *request) error {
	if err := p.app.MayEditRegister(r.user); err != nil {
		return err
	}
	return p.render(r, "interpreter-form", "Add an interpreter", newInterpreterForm(interpreterFields{}))
}

// createInterpreter stores a new record, pending until vetting decides.
func (p *Pages) createInterpreter(r *request) error {
	if err := p.app.MayEditRegister(r.user); err != nil {
		return err // before reading the form: a refusal, not a form's errors
	}
	f := readInterpreterFields(r)
	rec, errs := f.record()
	if len(errs) > 0 {
		return p.renderForm(r, "interpreter-form", "Add an interpreter", newInterpreterForm(f), describe(errs, interpreterLabels))
	}
	in, err := p.app.CreateInterpreter(r.ctx(), r.user, rec)
	if errs, ok := validationErrors(err); ok {
		return p.renderForm(r, "interpreter-form", "Add an interpreter", newInterpreterForm(f), describe(inFormOrder(errs), interpreterLabels))
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/interpreters/"+in.ID+"?notice=interpreter-created", http.StatusSeeOther)
}

// editInterpreter shows the edit form, filled from the full record (an
// audited read). Editing needs the full record: anyone the app shows only
// the reduced view may not edit.
func (p *Pages) editInterpreter(r *request) error {
	if crossSite(r.c) {
		return p.confirmRead(r)
	}
	in, err := p.app.GetInterpreter(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	if err := p.app.MayEditRegister(r.user); err != nil {
		return err
	}
	return p.render(r, "interpreter-form", "Edit "+in.Name, newInterpreterForm(fieldsOf(in.Interpreter)))
}

// updateInterpreter saves the edit form; its hidden version is the
// If-Match of the API, so an edit over someone else's is refused (409).
func (p *Pages) updateInterpreter(r *request) error {
	if err := p.app.MayEditRegister(r.user); err != nil {
		return err
	}
	id := r.c.Params("id")
	version, err := strconv.ParseInt(value(r.c, "version"), 10, 64)
	if err != nil {
		return badForm("interpreter's record")
	}
	f := readInterpreterFields(r)
	f.ID, f.Version = id, version
	rec, errs := f.record()
	if len(errs) == 0 {
		_, err = p.app.UpdateInterpreter(r.ctx(), r.user, id, version, rec)
		if err == nil {
			return r.c.Redirect("/interpreters/"+id+"?notice=interpreter-saved", http.StatusSeeOther)
		}
		var ok bool
		if errs, ok = validationErrors(err); !ok {
			return err
		}
		errs = inFormOrder(errs)
	}
	return p.renderForm(r, "interpreter-form", "Edit "+f.Name, newInterpreterForm(f), describe(errs, interpreterLabels))
}

// LinkKind names a community link kind in words.
func (v recordView) LinkKind(k data.CommunityLinkKind) string { return linkKind(k) }

// crossSite reports whether a page was opened from another site (a link
// in an email client's web page, or a page planted to make the visitor's
// browser fetch it): the browser's Sec-Fetch-Site says so.
func crossSite(c *fiber.Ctx) bool {
	site := c.Get("Sec-Fetch-Site")
	return site == "cross-site" || site == "same-site"
}

// confirmRead answers a cross-site request for a page whose reading is
// audited (the full record) with a button that opens it from tolk itself:
// another site cannot make a coordinator's browser write "read the full
// record" entries in their name.
func (p *Pages) confirmRead(r *request) error {
	return p.render(r, "confirm-read", "Open the interpreter's record", map[string]string{"Path": r.c.OriginalURL()})
}
