package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The interpreter's hours and time off: a weekly grid (each day's spans,
// several allowed, with a spare row to add one) and a list of dates away.
// Each form carries the record's version as the API's If-Match, so a
// change made meanwhile (in another window, or by a coordinator) is not
// overwritten; each reads the availability afresh and replaces only its
// own part.

// maxSpanRows bounds the rows of the weekly grid a form may send: every
// span the week may hold and a spare row a day.
const maxSpanRows = data.MaxWeeklyHours + 7

// dayNames are the days' names, Monday first, as data.Weekdays.
var dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// spanRow is one row of the weekly grid: its index in the form's
// weekly[N] fields, and its times as entered ("" for a blank row).
type spanRow struct {
	Index    int
	Day      string // mon..sun
	From, To string
}

// dayRows is one day of the grid.
type dayRows struct {
	Day, Name string
	Rows      []spanRow
}

// awayRow is one declared period away.
type awayRow struct {
	Index int
	Words string
}

// hoursView is the hours page.
type hoursView struct {
	Version  int64
	TimeZone string
	Days     []dayRows
	Away     []awayRow
	// NewIndex names the add form's fields (unavailable[NewIndex].start):
	// the period it adds is the list's next.
	NewIndex int
	// Start and End are the add form as entered, after an error.
	Start, End string
}

// ZoneWords names the time zone the hours are in.
func (v hoursView) ZoneWords() string {
	if v.TimeZone == "" || v.TimeZone == "Europe/London" {
		return "UK time"
	}
	return v.TimeZone + " time"
}

// grid lays out weekly hours as the form's rows: each day's spans, then a
// spare row, numbered from Monday on.
func grid(weekly []data.WeeklyHours) []dayRows {
	days := make([]dayRows, len(data.Weekdays))
	n := 0
	for i, name := range data.Weekdays {
		days[i] = dayRows{Day: name, Name: dayNames[i]}
		for _, w := range weekly {
			if data.WeekdayName(w.Day) == name {
				days[i].Rows = append(days[i].Rows, spanRow{Index: n, Day: name, From: w.From.String(), To: clockValue(w.To)})
				n++
			}
		}
		days[i].Rows = append(days[i].Rows, spanRow{Index: n, Day: name})
		n++
	}
	return days
}

// clockValue is a time of day as a time input's value: 24:00 (the end of
// the day) is 00:00, which as an end time means midnight.
func clockValue(c data.ClockTime) string {
	if c == data.EndOfDay {
		return "00:00"
	}
	return c.String()
}

// awayWords says a period away in words: whole days in the zone as
// "Tuesday 22 December 2026 to Friday 1 January 2027", otherwise from
// instant to instant.
func awayWords(p data.Period, loc *time.Location) string {
	s, e := p.Start.In(loc), p.End.In(loc)
	midnight := func(t time.Time) bool { return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 }
	if midnight(s) && midnight(e) {
		last := e.AddDate(0, 0, -1)
		if sameDay(s, last) {
			return s.Format("Monday 2 January 2006")
		}
		return s.Format("Monday 2 January 2006") + " to " + last.Format("Monday 2 January 2006")
	}
	return s.Format("Monday 2 January 2006, 15:04") + " to " + e.Format("Monday 2 January 2006, 15:04")
}

func (p *Pages) hoursView(av app.Availability) hoursView {
	v := hoursView{Version: av.Version, TimeZone: av.TimeZone, Days: grid(av.Weekly), NewIndex: len(av.Unavailable)}
	loc, err := av.Location()
	if err != nil {
		loc = data.London
	}
	for i, u := range av.Unavailable {
		v.Away = append(v.Away, awayRow{Index: i, Words: awayWords(u, loc)})
	}
	return v
}

// hours shows the interpreter's weekly hours and dates away.
func (p *Pages) hours(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	return p.render(r, "hours", "Your hours and time off", p.hoursView(av))
}

// formVersion reads the form's version (the If-Match).
func formVersion(r *request) (int64, error) {
	v, err := strconv.ParseInt(value(r.c, "version"), 10, 64)
	if err != nil {
		return 0, badForm("hours page")
	}
	return v, nil
}

// saveHours replaces the weekly hours with the grid as entered.
func (p *Pages) saveHours(r *request) error {
	if err := interpreterOnly(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	rows, weekly, sorted, errs := readGrid(r)
	if rows == nil && errs == nil {
		return badForm("hours page")
	}
	show := func(errs fieldErrors) error {
		av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
		if err != nil {
			return err
		}
		v := p.hoursView(av)
		v.Version, v.Days = version, regrid(rows)
		return p.renderForm(r, "hours", "Your hours and time off", v, errs)
	}
	if len(errs) > 0 {
		return show(errs)
	}
	av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	next := av.Availability
	next.Weekly = weekly
	_, err = p.app.UpdateAvailability(r.ctx(), r.user, r.user.InterpreterID, version, next)
	if errs, ok := validationErrors(err); ok {
		return show(gridErrors(errs, sorted, rows))
	}
	if app.Classify(err).Kind == app.KindStale {
		return p.hoursStale(r)
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/my/hours?notice=hours-saved", http.StatusSeeOther)
}

// hoursStale shows the hours as they now are, after a change made since
// the page was opened refused the user's.
func (p *Pages) hoursStale(r *request) error {
	av, err := p.app.GetAvailability(r.ctx(), r.user, r.user.InterpreterID)
	if err != nil {
		return err
	}
	r.c.Status(http.StatusConflict)
	return p.renderForm(r, "hours", "Your hours and time off", p.hoursView(av), fieldErrors{{
		Message: "Your hours changed since you opened this page (in another window, or by a coordinator). They are shown below as they are now: make your change again."}})
}

// readGrid reads the weekly grid: every row as entered (nil when the
// form has none), the spans it declares, sorted as the app keeps them,
// the form row of each sorted span (to name an error the app finds), and
// the rows' own errors.
func readGrid(r *request) (rows []spanRow, weekly []data.WeeklyHours, rowOf []int, errs fieldErrors) {
	type span struct {
		w   data.WeeklyHours
		row int
	}
	var spans []span
	for i := range maxSpanRows + 1 {
		day, ok := formValue(r.c, fmt.Sprintf("weekly[%d].day", i))
		if !ok {
			break
		}
		if i == maxSpanRows {
			return nil, nil, nil, nil // more rows than the page makes
		}
		row := spanRow{Index: i, Day: day, From: value(r.c, fmt.Sprintf("weekly[%d].from", i)), To: value(r.c, fmt.Sprintf("weekly[%d].to", i))}
		rows = append(rows, row)
		d, err := data.ParseWeekday(day)
		if err != nil {
			return nil, nil, nil, nil
		}
		if row.From == "" && row.To == "" {
			continue
		}
		name := dayNames[slices.Index(data.Weekdays, day)]
		w := data.WeeklyHours{Day: d}
		bad := false
		if row.From == "" {
			errs = append(errs, data.FieldError{Field: fmt.Sprintf("weekly[%d].from", i), Message: name + ": enter the time you start, like 09:00"})
			bad = true
		} else if w.From, err = data.ParseClock(row.From); err != nil || w.From == data.EndOfDay {
			errs = append(errs, data.FieldError{Field: fmt.Sprintf("weekly[%d].from", i), Message: name + ": the start must be a time like 09:00"})
			bad = true
		}
		if row.To == "" {
			errs = append(errs, data.FieldError{Field: fmt.Sprintf("weekly[%d].to", i), Message: name + ": enter the time you finish, like 17:00"})
			bad = true
		} else if w.To, err = data.ParseClock(row.To); err != nil {
			errs = append(errs, data.FieldError{Field: fmt.Sprintf("weekly[%d].to", i), Message: name + ": the finish must be a time like 17:00"})
			bad = true
		}
		if w.To == 0 {
			w.To = data.EndOfDay // 00:00 as a finish is midnight at the day's end
		}
		if !bad && w.To <= w.From {
			errs = append(errs, data.FieldError{Field: fmt.Sprintf("weekly[%d].to", i), Message: name + ": the finish must be after the start (00:00 is midnight at the end of the day)"})
		}
		spans = append(spans, span{w: w, row: i})
	}
	// The app keeps spans Monday first, then by start: sorted the same way
	// here, the index of an error it names is a row of the form.
	monFirst := func(d time.Weekday) int { return (int(d) + 6) % 7 }
	slices.SortStableFunc(spans, func(a, b span) int {
		if c := monFirst(a.w.Day) - monFirst(b.w.Day); c != 0 {
			return c
		}
		return int(a.w.From - b.w.From)
	})
	for _, s := range spans {
		weekly, rowOf = append(weekly, s.w), append(rowOf, s.row)
	}
	if rows == nil {
		rows = []spanRow{}
	}
	return rows, weekly, rowOf, errs
}

// regrid lays out rows as entered, by day.
func regrid(rows []spanRow) []dayRows {
	days := make([]dayRows, len(data.Weekdays))
	for i, name := range data.Weekdays {
		days[i] = dayRows{Day: name, Name: dayNames[i]}
		for _, row := range rows {
			if row.Day == name {
				days[i].Rows = append(days[i].Rows, row)
			}
		}
	}
	return days
}

// spanField matches a field the app names in the weekly hours:
// weekly[2].from, weekly[2] (an overlap), weekly (too many).
var spanField = regexp.MustCompile(`^weekly\[(\d+)\](\.(day|from|to))?$`)

// gridErrors renames the app's errors of the sorted spans to the form's
// rows, in words that name the day.
func gridErrors(errs fieldErrors, rowOf []int, rows []spanRow) fieldErrors {
	out := make(fieldErrors, 0, len(errs))
	for _, e := range errs {
		m := spanField.FindStringSubmatch(e.Field)
		if m == nil {
			if e.Field == "weekly" {
				e.Message = "You can declare at most " + strconv.Itoa(data.MaxWeeklyHours) + " spans of hours a week"
				e.Field = "weekly[0].from"
			}
			out = append(out, e)
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(rowOf) {
			out = append(out, data.FieldError{Message: e.Message})
			continue
		}
		row, part := rowOf[i], m[3]
		if part == "" || part == "day" {
			part = "from"
		}
		msg := e.Message
		if strings.HasPrefix(msg, "overlaps") {
			msg = "these hours overlap other hours that day"
		}
		if d := slices.Index(data.Weekdays, rows[row].Day); d >= 0 {
			msg = dayNames[d] + ": " + msg
		}
		out = append(out, data.FieldError{Field: fmt.Sprintf("weekly[%d].%s", row, part), Message: msg})
	}
	return out
}
