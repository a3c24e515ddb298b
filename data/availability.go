package data

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Availability is when an interpreter says they can work: weekly working
// hours on the wall clock of their own time zone (so 09:00-17:00 stays
// 09:00-17:00 across the BST/GMT changes), and dated periods when they
// cannot. No reason is kept for a period: sickness is health data. An
// interpreter who declares no hours may work at any time outside their
// unavailable periods.
type Availability struct {
	// TimeZone is an IANA zone name, such as Europe/London; required with
	// Weekly hours.
	TimeZone    string
	Weekly      []WeeklyHours
	Unavailable []Period
}

// WeeklyHours is one span of working hours on one day of the week, From
// to To on the wall clock. A span past midnight is two spans, the first
// ending at 24:00.
type WeeklyHours struct {
	Day      time.Weekday
	From, To ClockTime
}

// ClockTime is a time of day on the wall clock, in minutes after midnight:
// 0 (00:00) to 1440 (24:00, the end of a day).
type ClockTime int

// EndOfDay is 24:00, the latest ClockTime.
const EndOfDay ClockTime = 24 * 60

// ParseClock parses "HH:MM", 00:00 to 24:00.
func ParseClock(s string) (ClockTime, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not a time of day in the form HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day from 00:00 to 24:00", s)
	}
	return ClockTime(h*60 + m), nil
}

// String returns HH:MM.
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Period is a span of time, Start to End.
type Period struct {
	Start, End time.Time
}

// Weekdays are the days' names in the API and the forms, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ParseWeekday parses a day's name (mon..sun).
func ParseWeekday(s string) (time.Weekday, error) {
	i := slices.Index(Weekdays, strings.ToLower(s))
	if i < 0 {
		return 0, fmt.Errorf("%q is not one of %s", s, strings.Join(Weekdays, ", "))
	}
	return time.Weekday((i + 1) % 7), nil
}

// WeekdayName returns a day's name (mon..sun).
func WeekdayName(d time.Weekday) string { return Weekdays[(int(d)+6)%7] }

// Limits of an availability.
const (
	// MaxWeeklyHours bounds the spans of working hours in a week.
	MaxWeeklyHours = 28
	// MaxUnavailable bounds the declared unavailable periods.
	MaxUnavailable = 100
	// MaxUnavailableSpan bounds one unavailable period.
	MaxUnavailableSpan = 366 * 24 * time.Hour
)

// Location returns the availability's time zone, or an error naming it.
func (a Availability) Location() (*time.Location, error) {
	if a.TimeZone == "" {
		return London, nil
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil || a.TimeZone == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone such as Europe/London", a.TimeZone)
	}
	return loc, nil
}

// Validate checks the availability's invariants and returns a
// *ValidationError naming each field that breaks one.
func (a Availability) Validate() error {
	var p problems
	if p.text("timeZone", a.TimeZone, 64, oneLine) {
		if _, err := a.Location(); err != nil {
			p.add("timeZone", err.Error())
		}
	}
	for i, w := range within(&p, "weekly", a.Weekly, MaxWeeklyHours, "spans") {
		f := fmt.Sprintf("weekly[%d]", i)
		switch {
		case w.Day < time.Sunday || w.Day > time.Saturday:
			p.add(f+".day", "must be one of "+strings.Join(Weekdays, ", "))
		case w.From < 0 || w.From >= EndOfDay:
			p.add(f+".from", "must be from 00:00 to 23:59")
		case w.To <= w.From || w.To > EndOfDay:
			p.add(f+".to", "must be after from, at most 24:00")
		}
		for j, o := range a.Weekly[:i] {
			if o.Day == w.Day && o.From < w.To && w.From < o.To {
				p.add(f, fmt.Sprintf("overlaps weekly[%d]", j))
				break
			}
		}
	}
	for i, u := range within(&p, "unavailable", a.Unavailable, MaxUnavailable, "periods") {
		f := fmt.Sprintf("unavailable[%d]", i)
		switch {
		case u.Start.IsZero():
			p.add(f+".start", "is required")
		case u.End.IsZero():
			p.add(f+".end", "is required")
		case !u.End.After(u.Start):
			p.add(f+".end", "must be after start")
		case u.End.Sub(u.Start) > MaxUnavailableSpan:
			p.add(f+".end", "must be at most a year after start")
		case (Booking{Start: u.Start, End: u.Start}).CheckStorable() != nil || (Booking{Start: u.End, End: u.End}).CheckStorable() != nil:
			p.add(f+".start", "must be in the years 1 to 9999")
		}
	}
	return p.err()
}

// Covers reports whether the interpreter can work throughout [start, end):
// no unavailable period meets it, and, when weekly hours are declared,
// every instant of it falls within them on the wall clock of the
// availability's zone (adjacent spans join: Monday to 24:00 and Tuesday
// from 00:00 cover the night between). An availability whose zone does
// not load covers nothing: it cannot be judged.
func (a Availability) Covers(start, end time.Time) bool {
	for _, u := range a.Unavailable {
		if u.Start.Before(end) && start.Before(u.End) {
			return false
		}
	}
	if len(a.Weekly) == 0 {
		return true
	}
	loc, err := a.Location()
	if err != nil {
		return false
	}
	at := start
	for at.Before(end) {
		until, ok := a.spanEnd(at, loc)
		if !ok || !until.After(at) {
			return false
		}
		at = until
	}
	return true
}

// spanEnd returns the end of the weekly span that holds instant t, on the
// wall clock of loc; ok is false when no span holds t.
func (a Availability) spanEnd(t time.Time, loc *time.Location) (time.Time, bool) {
	local := t.In(loc)
	y, m, d := local.Date()
	minute := ClockTime(local.Hour()*60 + local.Minute())
	for _, w := range a.Weekly {
		if w.Day == local.Weekday() && w.From <= minute && minute < w.To {
			return time.Date(y, m, d, 0, int(w.To), 0, 0, loc), true
		}
	}
	return time.Time{}, false
}

// Starts returns the instants in [from, until) at which a declared
// constraint ends: the start of each weekly span, and the end of each
// unavailable period. With from itself, they are the only starts at which
// the earliest interview the availability covers can begin (see
// matching's nextAvailable), in order.
func (a Availability) Starts(from, until time.Time) []time.Time {
	var out []time.Time
	for _, u := range a.Unavailable {
		if !u.End.Before(from) && u.End.Before(until) {
			out = append(out, u.End)
		}
	}
	if loc, err := a.Location(); err == nil && len(a.Weekly) > 0 {
		day := from.In(loc)
		y, m, d := day.Date()
		for date := time.Date(y, m, d, 0, 0, 0, 0, loc); date.Before(until); date = time.Date(date.Year(), date.Month(), date.Day()+1, 0, 0, 0, 0, loc) {
			for _, w := range a.Weekly {
				if w.Day != date.Weekday() {
					continue
				}
				s := time.Date(date.Year(), date.Month(), date.Day(), 0, int(w.From), 0, 0, loc)
				if !s.Before(from) && s.Before(until) {
					out = append(out, s)
				}
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.Compact(out)
}

// Declared reports whether any hours or periods are declared.
func (a Availability) Declared() bool { return len(a.Weekly) > 0 || len(a.Unavailable) > 0 }
