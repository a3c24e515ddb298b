package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// caseForm is the case form: the record as entered and how many rows
// each repeating part shows.
type caseForm struct {
	Case                                  data.Case
	LanguageRows, LinkRows, RefRows, Excl int
	AgeBands                              []data.AgeBand
	LinkKinds                             []data.CommunityLinkKind
	// Names are the excluded interpreters' names by ID, shown in place of
	// their IDs; Choices, by exclusion row, the interpreters a typed name
	// could mean, to choose from.
	Names   map[string]string
	Choices map[int][]app.Interpreter
}

// ExclusionInput is what the i-th exclusion row's field shows: the
// interpreter's name when the row names one by ID, or what was typed.
func (f caseForm) ExclusionInput(i int) string {
	id := f.Exclusion(i).InterpreterID
	if n, ok := f.Names[id]; ok {
		return n
	}
	return id
}

// resolveExclusions reads each exclusion row's interpreter as the person
// typed it (resolveInterpreter): one match is taken, several come back as
// Choices to pick from, none as an error naming what was typed. It
// returns the errors, the choices and the names of the interpreters named.
func (p *Pages) resolveExclusions(r *request, cs *data.Case) (fieldErrors, map[int][]app.Interpreter, map[string]string) {
	var errs fieldErrors
	choices, names := map[int][]app.Interpreter{}, map[string]string{}
	for i := range cs.ExcludedInterpreters {
		field := fmt.Sprintf("excludedInterpreters[%d].interpreterId", i)
		in, several, ferr := p.resolveInterpreter(r, field, cs.ExcludedInterpreters[i].InterpreterID)
		switch {
		case ferr != nil:
			errs, choices[i] = append(errs, *ferr), several
		case in.ID != "":
			cs.ExcludedInterpreters[i].InterpreterID, names[in.ID] = in.ID, in.Name
		}
	}
	return errs, choices, names
}

// resolveInterpreter reads an interpreter as a person types one into
// field: their ID, their name or its start (case and accents aside), or
// their email. One match is the interpreter; several are returned to
// choose from, with an error saying so; none is an error naming what was
// typed. Blank is no interpreter and no error.
func (p *Pages) resolveInterpreter(r *request, field, typed string) (app.Interpreter, []app.Interpreter, *data.FieldError) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return app.Interpreter{}, nil, nil
	}
	if in, err := p.app.InterpreterBrief(r.ctx(), r.user, typed); err == nil {
		return in, nil, nil
	}
	page, err := p.app.ListInterpreters(r.ctx(), r.user, app.InterpreterFilter{Search: typed, ByName: true, Limit: 10})
	if err != nil {
		return app.Interpreter{}, nil, &data.FieldError{Field: field, Message: "Type an interpreter's name or email"}
	}
	matches := page.Items
	if exact := slices.DeleteFunc(slices.Clone(matches), func(in app.Interpreter) bool { return data.NameKey(in.Name) != data.NameKey(typed) }); len(exact) == 1 {
		matches = exact
	}
	switch len(matches) {
	case 0:
		return app.Interpreter{}, nil, &data.FieldError{Field: field, Message: fmt.Sprintf("No interpreter on the register is called %q: check the spelling, or type the start of the name", typed)}
	case 1:
		return matches[0], nil, nil
	}
	return app.Interpreter{}, matches, &data.FieldError{Field: field, Message: fmt.Sprintf("Several interpreters match %q: choose one", typed)}
}

func newCaseForm(c data.Case) caseForm {
	return caseForm{
		Case:         c,
		LanguageRows: padded(len(c.Child.Languages), 1, 3),
		LinkRows:     padded(len(c.Child.CommunityLinks), 1, 2),
		RefRows:      padded(len(c.LinkedReferences), 1, 2),
		Excl:         padded(len(c.ExcludedInterpreters), 1, 1),
		AgeBands:     data.AgeBands,
		LinkKinds:    data.CommunityLinkKinds,
	}
}

// Lang returns the i-th language row as the form shows it: the language's
// name (data.LanguageInput), or what was typed when it names nothing
// known, or "".
func (f caseForm) Lang(i int) string { return data.LanguageInput(at(f.Case.Child.Languages, i)) }

// Ref returns the i-th linked reference, or "".
func (f caseForm) Ref(i int) string { return at(f.Case.LinkedReferences, i) }

// Link returns the i-th community link, or a blank one.
func (f caseForm) Link(i int) data.CommunityLink {
	if i < len(f.Case.Child.CommunityLinks) {
		return f.Case.Child.CommunityLinks[i]
	}
	return data.CommunityLink{}
}

// Exclusion returns the i-th excluded interpreter, or a blank one.
func (f caseForm) Exclusion(i int) data.CaseExclusion {
	if i < len(f.Case.ExcludedInterpreters) {
		return f.Case.ExcludedInterpreters[i]
	}
	return data.CaseExclusion{}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// named returns the app's field errors with those of the fields that a
// name was typed into replaced by the errors saying which names are
// nearest (readLanguage), and any such error the app did not raise added.
func named(errs, names fieldErrors) fieldErrors {
	out := slices.Clone(errs)
	for _, n := range names {
		i := slices.IndexFunc(out, func(e data.FieldError) bool { return e.Field == n.Field })
		if i < 0 {
			out = append(out, n)
			continue
		}
		out[i] = n
	}
	return out
}

// readCase reads the case form. Blank rows are dropped; a half-filled
// link or exclusion row is kept so validation names it. A language is
// read by its name or tag (readLanguage); one that names nothing known
// stays as typed for the app to judge, with the error to show instead of
// the app's (named) suggesting the nearest names.
func readCase(r *request) (data.Case, fieldErrors) {
	c := r.c
	var errs fieldErrors
	var languages []string
	for i, typed := range rows(c, "child.languages[%d].tag") {
		if typed == "" {
			continue
		}
		tag, ferr := readLanguage(fmt.Sprintf("child.languages[%d].tag", i), typed)
		if ferr != nil {
			errs, tag = append(errs, *ferr), typed
		}
		languages = append(languages, tag)
	}
	cs := data.Case{
		Reference:        value(c, "reference"),
		LinkedReferences: nonEmpty(rows(c, "linkedReferences[%d]")),
		Child: data.Child{
			Languages: languages,
			InterpreterGender: data.GenderWish{
				Preference: data.Gender(value(c, "child.interpreterGender.preference")),
				Required:   checked(c, "child.interpreterGender.required"),
			},
			AvoidOwnCommunity: checked(c, "child.avoidOwnCommunity"),
			AgeBand:           data.AgeBand(value(c, "child.ageBand")),
		},
	}
	kinds, values := rows(c, "child.communityLinks[%d].kind"), rows(c, "child.communityLinks[%d].value")
	for i := range min(len(kinds), len(values)) {
		if kinds[i] != "" || values[i] != "" {
			cs.Child.CommunityLinks = append(cs.Child.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(kinds[i]), Value: values[i]})
		}
	}
	ids, reasons := rows(c, "excludedInterpreters[%d].interpreterId"), rows(c, "excludedInterpreters[%d].reason")
	for i := range min(len(ids), len(reasons)) {
		if ids[i] != "" || reasons[i] != "" {
			cs.ExcludedInterpreters = append(cs.ExcludedInterpreters, data.CaseExclusion{InterpreterID: ids[i], Reason: reasons[i]})
		}
	}
	cs.Normalize()
	return cs, errs
}

func (p *Pages) newCase(r *request) error {
	if err := p.app.MayKeepCases(r.user); err != nil {
		return err // pages offer only what the role may do
	}
	return p.render(r, "case-form", "Create a case", newCaseForm(data.Case{}))
}

func (p *Pages) createCase(r *request) error {
	fields, nameErrs := readCase(r)
	if exclErrs, choices, names := p.resolveExclusions(r, &fields); len(exclErrs) > 0 {
		f := newCaseForm(fields)
		f.Choices, f.Names = choices, names
		return p.renderForm(r, "case-form", "Create a case", f, describe(named(exclErrs, nameErrs), caseLabels))
	}
	c, err := p.app.CreateCase(r.ctx(), r.user, fields)
	if errs, ok := validationErrors(err); ok {
		errs = named(errs, nameErrs)
		return p.renderForm(r, "case-form", "Create a case", newCaseForm(fields), describe(errs, caseLabels))
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/cases/"+c.ID+"?notice=case-created", http.StatusSeeOther)
}

// caseView is the case page: the case, its bookings and the match form.
type caseView struct {
	Case     data.Case
	Bookings []data.Booking
	Names    map[string]string // the bookings' interpreters, by ID
	// BookingsNext is the cursor of the case's later bookings, or "".
	BookingsNext string
	Search       searchForm
	// Offers are the case's offers, newest first, each in words.
	Offers []offerSummary
	// Transfer is the form that sends the case to another organisation
	// (coordinators), or takes back the transfer pending.
	Transfer transferForm
}

func (p *Pages) showCase(r *request) error {
	c, err := p.app.GetCase(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return p.showCaseWith(r, c, newSearchForm(p.now()), nil)
}

func (p *Pages) showCaseWith(r *request, c data.Case, s searchForm, errs fieldErrors) error {
	page, err := p.app.ListBookings(r.ctx(), r.user, app.BookingFilter{CaseID: c.ID, Cursor: r.c.Query("bookingsAfter"), Limit: 50})
	if err != nil {
		return err
	}
	offers, err := p.caseOffers(r, c.ID)
	if err != nil {
		return err
	}
	names := p.interpreterNames(r, page.Items)
	name := p.namer(r)
	for _, x := range c.ExcludedInterpreters {
		names[x.InterpreterID] = name(x.InterpreterID)
	}
	for _, x := range c.Continuity {
		names[x.InterpreterID] = name(x.InterpreterID)
	}
	return p.renderForm(r, "case", "Case "+c.Reference, caseView{Case: c, Bookings: page.Items, Names: names, BookingsNext: page.Next, Search: s, Offers: offers,
		Transfer: p.transferFormFor(r, c)}, errs)
}

// closeCase closes the case; a case with an open offer or a booking to
// come is shown again with why it stays open (409).
func (p *Pages) closeCase(r *request) error { return p.caseState(r, true) }

// reopenCase reopens a closed case.
func (p *Pages) reopenCase(r *request) error { return p.caseState(r, false) }

func (p *Pages) caseState(r *request, closed bool) error {
	id := r.c.Params("id")
	_, err := p.app.CloseCase(r.ctx(), r.user, id, closed)
	switch f := app.Classify(err); {
	case err == nil && closed:
		return r.c.Redirect("/cases/"+id+"?notice=case-closed", http.StatusSeeOther)
	case err == nil:
		return r.c.Redirect("/cases/"+id+"?notice=case-reopened", http.StatusSeeOther)
	case f.Kind == app.KindConflict:
		c, gerr := p.app.GetCase(r.ctx(), r.user, id)
		if gerr != nil {
			return gerr
		}
		r.c.Status(http.StatusConflict)
		return p.showCaseWith(r, c, newSearchForm(p.now()), fieldErrors{{Message: f.Message}})
	default:
		return err
	}
}

func (p *Pages) editCase(r *request) error {
	c, err := p.app.GetCase(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	f := newCaseForm(c)
	f.Names = map[string]string{}
	name := p.namer(r)
	for _, x := range c.ExcludedInterpreters {
		f.Names[x.InterpreterID] = name(x.InterpreterID)
	}
	return p.render(r, "case-form", "Edit case "+c.Reference, f)
}

// updateCase saves the edit form; its hidden version field is the
// If-Match of the API, so an edit over someone else's is refused.
func (p *Pages) updateCase(r *request) error {
	id := r.c.Params("id")
	version, err := strconv.ParseInt(value(r.c, "version"), 10, 64)
	if err != nil {
		return p.fail(r, &pageError{status: http.StatusBadRequest, title: "The form is incomplete", detail: "Open the case again and make your change."})
	}
	fields, nameErrs := readCase(r)
	if exclErrs, choices, names := p.resolveExclusions(r, &fields); len(exclErrs) > 0 {
		fields.ID, fields.Version = id, version
		f := newCaseForm(fields)
		f.Choices, f.Names = choices, names
		return p.renderForm(r, "case-form", "Edit case", f, describe(named(exclErrs, nameErrs), caseLabels))
	}
	c, err := p.app.UpdateCase(r.ctx(), r.user, id, version, fields)
	if errs, ok := validationErrors(err); ok {
		errs = named(errs, nameErrs)
		fields.ID, fields.Version = id, version
		return p.renderForm(r, "case-form", "Edit case", newCaseForm(fields), describe(errs, caseLabels))
	}
	if err != nil {
		return err
	}
	return r.c.Redirect(fmt.Sprintf("/cases/%s?notice=case-saved", c.ID), http.StatusSeeOther)
}

// caseLabels name the case form's fields in error messages, by their API
// path with row indexes emptied ("Language 2 must be ...").
var caseLabels = map[string]string{
	"reference":                            "Case reference",
	"linkedReferences":                     "Linked references",
	"linkedReferences[]":                   "Linked reference %d",
	"child.languages":                      "Languages",
	"child.languages[].tag":                "Language %d",
	"child.interpreterGender.preference":   "Interpreter's gender",
	"child.ageBand":                        "Child's age",
	"child.communityLinks":                 "Community links",
	"child.communityLinks[].kind":          "Community link %d: kind",
	"child.communityLinks[].value":         "Community link %d: value",
	"excludedInterpreters":                 "Interpreters never to offer",
	"excludedInterpreters[].interpreterId": "Interpreter never to offer %d",
	"excludedInterpreters[].reason":        "Reason %d",
}
