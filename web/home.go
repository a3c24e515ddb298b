package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// homeView is the home page: for a social worker their upcoming bookings,
// the withdrawn ones to book again and their organisation's newest cases;
// for a coordinator, first their work list.
type homeView struct {
	Bookings  []data.Booking
	Names     map[string]string // the bookings' interpreters, by ID
	Next      string
	Cases     []data.Case
	CasesNext string // the cursor of older cases, or ""
	// Withdrawn are the user's bookings a rule withdrew that they have not
	// dismissed: shown until they do.
	Withdrawn []data.Booking
	// DeadLetters says, to coordinators and admins, that some messages
	// were not delivered.
	DeadLetters bool
	// LinkNotices are, to coordinators, the newest cases whose community
	// links changed often in a day, and who changed them.
	LinkNotices []app.LinkNotice
	// Work is the coordinator's work list; nil for anyone else.
	Work *workList
	// Transfers are, to coordinators, the cases other organisations sent
	// to theirs, waiting for an answer, and Declines the reasons they may
	// decline one with.
	Transfers []transferRow
	Declines  []declineChoice
}

// workList is what a coordinator has to do: records waiting for vetting,
// credentials lapsed or lapsing (and items approved records lack), the
// organisation's withdrawn bookings nobody has booked again, and the
// emails that could not be delivered.
type workList struct {
	Pending                  []app.Interpreter
	MorePending              bool
	Lapsed, Lapsing, Missing int
	Renewals                 []renewalRow // the first few, soonest first
	Withdrawn                []data.Booking
	DeadLetters              int
	MoreDeadLetters          bool
	Empty                    bool
	LapsingDays              int
}

// workListSize is how many of each kind of work the home page lists.
const workListSize = 5

// home is the signed-in user's start page (see homeView).
func (p *Pages) home(r *request) error { return p.homeWith(r, nil) }

// homeWith is the home page with the errors of a form on it (an answer to
// a transfer).
func (p *Pages) homeWith(r *request, errs fieldErrors) error {
	if r.is(data.RoleInterpreter) && r.user.InterpreterID != "" {
		return p.interpreterHome(r)
	}
	var v homeView
	if r.is(data.RoleCoordinator, data.RoleAdmin) {
		dead, err := p.app.ListNotifications(r.ctx(), r.user, app.NotificationFilter{Status: data.MessageDead, Limit: workListSize})
		if err != nil {
			return err
		}
		v.DeadLetters = len(dead.Items) > 0
		if r.is(data.RoleCoordinator) {
			if v.Work, err = p.workList(r); err != nil {
				return err
			}
			v.Work.DeadLetters, v.Work.MoreDeadLetters = len(dead.Items), dead.Next != ""
			v.Work.Empty = v.Work.Empty && len(dead.Items) == 0
		}
	}
	if r.is(data.RoleCoordinator) {
		notices, err := p.app.LinkNotices(r.ctx(), r.user, "", 5)
		if err != nil {
			return err
		}
		v.LinkNotices = notices.Items
		if v.Transfers, err = p.pendingTransfers(r); err != nil {
			return err
		}
		v.Declines = declineChoices()
		v.Work.Empty = v.Work.Empty && len(v.Transfers) == 0
	}
	if !r.is(data.RoleSocialWorker, data.RoleCoordinator) {
		return p.renderForm(r, "home", "Home", v, errs)
	}
	withdrawn, err := p.app.WithdrawnBookings(r.ctx(), r.user, false)
	if err != nil {
		return err
	}
	page, err := p.app.ListBookings(r.ctx(), r.user, app.BookingFilter{Mine: true, From: p.now().Add(-24 * time.Hour),
		Cursor: r.c.Query("cursor"), Limit: 20})
	if err != nil {
		return err
	}
	cases, err := p.app.ListCases(r.ctx(), r.user, r.c.Query("casesBefore"), 20)
	if err != nil {
		return err
	}
	v.Bookings, v.Next, v.Cases, v.CasesNext, v.Withdrawn = page.Items, page.Next, cases.Items, cases.Next, withdrawn
	v.Names = p.interpreterNames(r, append(append([]data.Booking{}, page.Items...), withdrawn...))
	if v.Work != nil && len(v.Work.Withdrawn) > 0 {
		for id, n := range p.interpreterNames(r, v.Work.Withdrawn) {
			v.Names[id] = n
		}
	}
	title := "Your bookings"
	if v.Work != nil {
		title = "Your work"
	}
	return p.renderForm(r, "home", title, v, errs)
}

// workList reads a coordinator's work list.
func (p *Pages) workList(r *request) (*workList, error) {
	w := &workList{LapsingDays: app.DefaultRenewalDays}
	pending, err := p.app.ListInterpreters(r.ctx(), r.user, app.InterpreterFilter{Status: data.VettingPending, Limit: workListSize})
	if err != nil {
		return nil, err
	}
	w.Pending, w.MorePending = pending.Items, pending.Next != ""
	items, err := p.app.Renewals(r.ctx(), r.user, app.DefaultRenewalDays)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		switch {
		case it.Missing:
			w.Missing++
		case it.Lapsed:
			w.Lapsed++
		default:
			w.Lapsing++
		}
	}
	// Missing and lapsed first: they keep the interpreter out of work now.
	for _, pass := range []func(app.RenewalItem) bool{
		func(it app.RenewalItem) bool { return it.Missing || it.Lapsed },
		func(it app.RenewalItem) bool { return !it.Missing && !it.Lapsed },
	} {
		for _, it := range items {
			if pass(it) && len(w.Renewals) < workListSize {
				w.Renewals = append(w.Renewals, renewalRow{RenewalItem: it, What: data.RenewalItemWords(it.Item)})
			}
		}
	}
	if w.Withdrawn, err = p.app.WithdrawnBookings(r.ctx(), r.user, true); err != nil {
		return nil, err
	}
	w.Empty = len(w.Pending) == 0 && len(items) == 0 && len(w.Withdrawn) == 0
	return w, nil
}

// dismissWithdrawal hides a withdrawn booking's notice from the home page
// of the user who made it (app.DismissWithdrawal).
func (p *Pages) dismissWithdrawal(r *request) error {
	if _, err := p.app.DismissWithdrawal(r.ctx(), r.user, r.c.Params("id")); err != nil {
		return err
	}
	return r.c.Redirect("/?"+url.Values{"notice": {"dismissed"}}.Encode(), http.StatusSeeOther)
}
