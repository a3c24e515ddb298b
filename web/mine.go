package web

import (
	"net/http"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// myBookingsView is the interpreter's bookings page.
type myBookingsView struct {
	Bookings []data.Booking
}

// myBookings lists the bookings that hold the interpreter's time, in every
// organisation, from a week ago to two months ahead.
func (p *Pages) myBookings(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	bookings, err := p.app.MyBookings(r.ctx(), r.user, p.now().Add(-7*24*time.Hour), p.now().Add(60*24*time.Hour))
	if err != nil {
		return err
	}
	return p.render(r, "my-bookings", "Your bookings", myBookingsView{Bookings: bookings})
}

// myBooking shows one booking of the interpreter's.
func (p *Pages) myBooking(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	b, err := p.app.MyBooking(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	v := myBookingView{Booking: b, Ended: !p.now().Before(b.End) && b.Status != data.BookingCancelled}
	return p.render(r, "my-booking", label(b.InterviewType)+" on "+longDay(b.Start), v)
}

// myBookingView is the interpreter's booking page: the booking, and
// whether its interview has ended (they may then mark it distressing).
type myBookingView struct {
	data.Booking
	Ended bool
}

// markDistressing records that the interpreter found an interview they
// did distressing: coordinators are asked to offer a debrief.
func (p *Pages) markDistressing(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	id := r.c.Params("id")
	if _, err := p.app.MarkDistressing(r.ctx(), r.user, id); err != nil {
		return err
	}
	return r.c.Redirect("/my/bookings/"+id+"?notice=distressing", http.StatusSeeOther)
}

// myBookingInvite serves the interpreter's own booking as the invitation
// their calendar takes.
func (p *Pages) myBookingInvite(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	ics, err := p.app.MyBookingInvite(r.ctx(), r.user, r.c.Params("id"))
	if err != nil {
		return err
	}
	return sendInvite(r, ics)
}

// credentialsView is the interpreter's record as they keep it up to date:
// checks, training, qualifications and agreement, each with its expiry.
type credentialsView struct {
	In        app.Interpreter
	Clearance credential
	Training  []credential
	Quals     []credential
}

// credential is one credential's name, dates and standing.
type credential struct {
	Name, Detail, Expiry string
	Soon                 bool // expired or expiring soon
}

// credentials shows the interpreter's own record's credentials.
func (p *Pages) credentials(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	in, err := p.app.GetInterpreter(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	today := data.LondonDate(p.now())
	v := credentialsView{In: in}
	if c := in.Clearance; c.Level != "" {
		v.Clearance = credential{Name: label(c.Level), Detail: "Issued " + longDate(c.Issued)}
		v.Clearance.Expiry, v.Clearance.Soon = expiry(c.ValidUntil, today)
		if c.ValidUntil.IsZero() {
			v.Clearance.Expiry, v.Clearance.Soon = "no end date recorded", true
		}
	}
	for _, t := range in.Training {
		c := credential{Name: label(t.Kind), Detail: "Completed " + longDate(t.Completed)}
		c.Expiry, c.Soon = expiry(t.Expires, today)
		v.Training = append(v.Training, c)
	}
	for _, q := range in.Qualifications {
		c := credential{Name: label(q.Kind)}
		if !q.Awarded.IsZero() {
			c.Detail = "Awarded " + longDate(q.Awarded)
		}
		c.Expiry, c.Soon = expiry(q.Expires, today)
		v.Quals = append(v.Quals, c)
	}
	return p.render(r, "credentials", "Your credentials", v)
}
