package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Dates away: whole days in the availability's time zone, the first to
// the last, kept as the period from the first day's midnight to the
// midnight after the last.

// addAway adds a period away: the add form's unavailable[N].start and
// .end, the first and last days.
func (p *Pages) addAway(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	n := -1
	for i := range data.MaxUnavailable + 1 {
		if _, ok := formValue(r.c, fmt.Sprintf("unavailable[%d].start", i)); ok {
			n = i
			break
		}
	}
	if n < 0 {
		return badForm("hours page")
	}
	startField, endField := fmt.Sprintf("unavailable[%d].start", n), fmt.Sprintf("unavailable[%d].end", n)
	first, last := value(r.c, startField), value(r.c, endField)
	av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	show := func(errs fieldErrors) error {
		v := p.hoursView(av)
		v.Version, v.NewIndex, v.Start, v.End = version, n, first, last
		return p.renderForm(r, "hours", "Your hours and time off", v, errs)
	}
	loc, err := av.Location()
	if err != nil {
		loc = data.London
	}
	var errs fieldErrors
	start, err := parseDay(first, loc)
	if first == "" {
		errs = append(errs, data.FieldError{Field: startField, Message: "Enter the first day you are away"})
	} else if err != nil {
		errs = append(errs, data.FieldError{Field: startField, Message: "The first day must be a date, like 2026-12-22"})
	}
	end := start
	if last != "" {
		if end, err = parseDay(last, loc); err != nil {
			errs = append(errs, data.FieldError{Field: endField, Message: "The last day must be a date, like 2026-12-24"})
		} else if end.Before(start) {
			errs = append(errs, data.FieldError{Field: endField, Message: "The last day must be the first day or after it"})
		}
	}
	if len(errs) > 0 {
		return show(errs)
	}
	y, m, d := end.Date()
	period := data.Period{Start: start.UTC(), End: time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()}
	next := av.Availability
	next.Unavailable = append(slices.Clone(av.Unavailable), period)
	_, err = p.app.UpdateAvailability(r.ctx(), r.user, r.user.InterpreterID, version, next)
	if fe, ok := validationErrors(err); ok {
		// The stored periods passed before: what the app finds is the new
		// one's (or the list's length).
		for _, e := range fe {
			field := startField
			if strings.HasSuffix(e.Field, ".end") {
				field = endField
			}
			msg := "These dates: " + e.Message
			if e.Field == "unavailable" {
				msg = fmt.Sprintf("You can declare at most %d periods away; remove some that have passed", data.MaxUnavailable)
			}
			errs = append(errs, data.FieldError{Field: field, Message: msg})
		}
		return show(errs)
	}
	if app.Classify(err).Kind == app.KindStale {
		return p.hoursStale(r)
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/my/hours?notice=away-added", http.StatusSeeOther)
}

// parseDay reads a date input's value as the start of that day in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, s, loc)
}

// removeAway removes the period away at the form's index.
func (p *Pages) removeAway(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	var i int
	if _, err := fmt.Sscan(value(r.c, "index"), &i); err != nil || i < 0 {
		return badForm("hours page")
	}
	if av.Version != version || i >= len(av.Unavailable) {
		return p.hoursStale(r)
	}
	next := av.Availability
	next.Unavailable = slices.Delete(slices.Clone(av.Unavailable), i, i+1)
	_, err = p.app.UpdateAvailability(r.ctx(), r.user, r.user.InterpreterID, version, next)
	if app.Classify(err).Kind == app.KindStale {
		return p.hoursStale(r)
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/my/hours?notice=away-removed", http.StatusSeeOther)
}
