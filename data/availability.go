package data

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Availability is when an interpreter says they can work: weekly working
// hours on the wall clock of their own time zone (so 09:00-17:00 stays
// 09:00-17:00 across the BST/GMT changes), and dated periods when they
// cannot. No reason is kept for a period: sickness is health data. An
// interpreter who declares no hours may work at any time outside their
// unavailable periods.
type Availability struct {
	// TimeZone is an IANA zone name, such as Europe/London; empty means
	// Europe/London, the service's own.
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

// ParseClock parses "HH:MM", 00:00 to 24:00: two digits, a colon, two
// digits, nothing else (no sign, no space).
func ParseClock(s string) (ClockTime, error) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, fmt.Errorf("%q is not a time of day in the form HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day from 00:00 to 24:00", s)
	}
	return ClockTime(h*60 + m), nil
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
	// MaxTimeZoneLength bounds an IANA zone name.
	MaxTimeZoneLength = 64
)

// zones keeps the time zones loaded, by name: matching judges hundreds of
// availabilities a request, and loading a zone reads and parses its rules.
// Readers load the map without a lock; a new zone is added to a copy,
// under zonesMu. Only names that loaded are kept, so the map holds at most
// the IANA database.
var (
	zones   atomic.Pointer[map[string]*time.Location]
	zonesMu sync.Mutex
)

// Location returns the availability's time zone, or an error naming it.
func (a Availability) Location() (*time.Location, error) {
	if a.TimeZone == "" {
		return London, nil
	}
	if m := zones.Load(); m != nil {
		if loc, ok := (*m)[a.TimeZone]; ok {
			return loc, nil
		}
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil || a.TimeZone == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone such as Europe/London", a.TimeZone)
	}
	zonesMu.Lock()
	defer zonesMu.Unlock()
	var next map[string]*time.Location
	if m := zones.Load(); m != nil {
		next = maps.Clone(*m)
	} else {
		next = map[string]*time.Location{}
	}
	next[a.TimeZone] = loc
	zones.Store(&next)
	return loc, nil
}

// Validate checks the availability's invariants and returns a
// *ValidationError naming each field that breaks one.
func (a Availability) Validate() error {
	var p problems
	a.validate(&p, "")
	return p.err()
}

// validate adds the availability's problems to p, each field named after
// prefix.
func (a Availability) validate(p *problems, prefix string) {
	if p.text(prefix+"timeZone", a.TimeZone, MaxTimeZoneLength, oneLine) {
		if _, err := a.Location(); err != nil {
			p.add(prefix+"timeZone", err.Error())
		}
	}
	for i, w := range within(p, prefix+"weekly", a.Weekly, MaxWeeklyHours, "spans") {
		f := fmt.Sprintf("%sweekly[%d]", prefix, i)
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
	for i, u := range within(p, prefix+"unavailable", a.Unavailable, MaxUnavailable, "periods") {
		f := fmt.Sprintf("%sunavailable[%d]", prefix, i)
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
}

// Covers reports whether the interpreter can work throughout [start, end):
// no unavailable period meets it (UnavailableUntil) and it lies within
// their weekly hours (InHours).
func (a Availability) Covers(start, end time.Time) bool {
	if _, away := a.UnavailableUntil(start, end); away {
		return false
	}
	return a.InHours(start, end)
}

// UnavailableUntil reports whether a declared unavailable period meets
// [start, end) and returns the latest end of those that do: no interview
// that meets the same periods can start before it. A period that only
// touches the span (ends as it starts, or starts as it ends) does not meet
// it.
func (a Availability) UnavailableUntil(start, end time.Time) (time.Time, bool) {
	var until time.Time
	away := false
	for _, u := range a.Unavailable {
		if u.Start.Before(end) && start.Before(u.End) {
			if !away || u.End.After(until) {
				until = u.End
			}
			away = true
		}
	}
	return until, away
}

// InHours reports whether every instant of [start, end) is within the
// weekly hours (see OutOfHours).
func (a Availability) InHours(start, end time.Time) bool {
	_, out := a.OutOfHours(start, end)
	return !out
}

// OutOfHours reports whether an instant of [start, end) is outside the
// weekly hours and returns the first that is. An instant is within the
// hours when its day and time of day on the wall clock of the
// availability's zone lie in a span. With no hours declared, no instant is
// outside them; with a zone that does not load, start is (the hours cannot
// be judged). Adjacent spans join: Monday to 24:00 and Tuesday from 00:00
// cover the night between.
//
// Judging each instant by the wall clock is what keeps declared hours
// across clock changes: 09:00-17:00 is 09:00-17:00 in BST and in GMT; a
// Sunday 00:00-24:00 lasts 23 hours on the day the clocks go forward and 25
// on the day they go back; a span that starts or ends in the skipped hour
// starts or ends at the change; and a time of day in the repeated hour is
// within the hours both times the clock shows it, or neither time.
func (a Availability) OutOfHours(start, end time.Time) (time.Time, bool) {
	if len(a.Weekly) == 0 || !start.Before(end) {
		return time.Time{}, false
	}
	r, err := a.ReadClock(start)
	if err != nil {
		return start, true
	}
	return a.OutOfHoursFrom(r, end)
}

// Reading is what a zone's wall clock shows at one instant, and until when
// its offset holds. Read once (Availability.ReadClock), it judges every
// availability in the same zone against spans that start at that instant
// (Availability.OutOfHoursFrom) without looking the zone up again: matching
// judges a pool of hundreds against one slot.
type Reading struct {
	at     time.Time
	loc    *time.Location
	offset time.Duration // east of UTC, at at
	until  time.Time     // the offset's next change; zero: none
}

// ReadClock reads the wall clock of the availability's zone at t, or
// returns the error of Location.
func (a Availability) ReadClock(t time.Time) (Reading, error) {
	loc, err := a.Location()
	if err != nil {
		return Reading{}, err
	}
	return readClock(t, loc), nil
}

func readClock(t time.Time, loc *time.Location) Reading {
	local := t.In(loc)
	_, off := local.Zone()
	_, until := local.ZoneBounds()
	return Reading{at: t, loc: loc, offset: time.Duration(off) * time.Second, until: until}
}

// OutOfHoursFrom is OutOfHours from the instant r was read at to end; r
// must come from ReadClock of an availability in the same zone (a zone
// name of the same meaning).
func (a Availability) OutOfHoursFrom(r Reading, end time.Time) (time.Time, bool) {
	if len(a.Weekly) == 0 || r.loc == nil {
		return time.Time{}, false
	}
	for at := r.at; at.Before(end); {
		if !r.until.IsZero() && !at.Before(r.until) {
			r = readClock(at, r.loc)
		}
		next, ok := a.spanEnd(at, r)
		if !ok {
			return at, true
		}
		at = next
	}
	return time.Time{}, false
}

// spanEnd reports whether the wall-clock reading of instant t (at which r's
// offset holds) lies in a weekly span and, if so, returns the next instant
// at which to judge again: when the reading reaches the span's end, or the
// zone's next change of offset if that comes first (the reading jumps
// there). It is always after t.
func (a Availability) spanEnd(t time.Time, r Reading) (time.Time, bool) {
	wall := t.Add(r.offset).UTC() // read in UTC: no zone to look up
	h, m, s := wall.Clock()
	sec := h*3600 + m*60 + s
	day := wall.Weekday()
	for _, w := range a.Weekly {
		if w.Day != day || sec < int(w.From)*60 || sec >= int(w.To)*60 {
			continue
		}
		// The reading runs on with the instant until the offset changes.
		next := t.Add(time.Duration(int(w.To)*60-sec)*time.Second - time.Duration(wall.Nanosecond()))
		if !r.until.IsZero() && r.until.Before(next) {
			next = r.until
		}
		return next, true
	}
	return time.Time{}, false
}

// Starts returns, in order, the instants in [from, until) at which a
// declared constraint may stop holding an interview back: the end of each
// unavailable period, and with weekly hours, the start of each span every
// time the wall clock shows it (twice when it falls in a repeated hour, at
// the change when it falls in a skipped one) and each change of the zone's
// offset. The earliest start at or after from of an interview the
// availability covers is from or one of these (see matching's
// nextAvailable).
func (a Availability) Starts(from, until time.Time) []time.Time {
	return a.AppendStarts(nil, from, until)
}

// AppendStarts appends Starts(from, until) to dst and returns the result,
// so that a caller judging many availabilities reuses one slice.
func (a Availability) AppendStarts(dst []time.Time, from, until time.Time) []time.Time {
	n := len(dst)
	for _, u := range a.Unavailable {
		if !u.End.Before(from) && u.End.Before(until) {
			dst = append(dst, u.End)
		}
	}
	if len(a.Weekly) > 0 && from.Before(until) {
		if loc, err := a.Location(); err == nil {
			dst = appendWeeklyStarts(dst, a.Weekly, loc, from, until)
		}
	}
	added := dst[n:]
	slices.SortFunc(added, time.Time.Compare)
	added = slices.CompactFunc(added, time.Time.Equal)
	return dst[:n+len(added)]
}

// appendWeeklyStarts appends the instants in [from, until) at which the
// reading of loc's wall clock enters a span of weekly: the changes of
// offset, and each span's start every time the clock shows it.
func appendWeeklyStarts(dst []time.Time, weekly []WeeklyHours, loc *time.Location, from, until time.Time) []time.Time {
	local := from.In(loc)
	_, off := local.Zone()
	since, change := local.ZoneBounds()
	// Away from a change, a reading is one instant: the civil time less the
	// offset. Within two days of one, shown sorts out skips and repeats.
	const margin = 48 * time.Hour
	steady := (since.IsZero() || !since.After(from.Add(-margin))) && (change.IsZero() || change.After(until.Add(margin)))
	for !change.IsZero() && change.Before(until) {
		dst = append(dst, change)
		_, change = change.In(loc).ZoneBounds()
	}
	// Civil dates run in UTC, where every day has 24 hours. The day before
	// the window's first catches a reading shown out of its day's order
	// (a zone that goes back across midnight).
	fy, fm, fd := local.Date()
	uy, um, ud := until.In(loc).Date()
	last := time.Date(uy, um, ud, 0, 0, 0, 0, time.UTC)
	for date := time.Date(fy, fm, fd-1, 0, 0, 0, 0, time.UTC); !date.After(last); date = date.AddDate(0, 0, 1) {
		day := date.Weekday()
		for _, w := range weekly {
			if w.Day != day {
				continue
			}
			var at [2]time.Time
			shownAt := at[:0]
			if steady {
				shownAt = append(shownAt, date.Add(time.Duration(w.From)*time.Minute-time.Duration(off)*time.Second))
			} else {
				shownAt = shown(shownAt, date, w.From, loc)
			}
			for _, s := range shownAt {
				if !s.Before(from) && s.Before(until) {
					dst = append(dst, s)
				}
			}
		}
	}
	return dst
}

// shown appends to dst the instants at which loc's wall clock shows the
// time of day c on the civil date (a UTC midnight): one instant, two when
// the clocks go back over it, or when they skip it, the change.
func shown(dst []time.Time, date time.Time, c ClockTime, loc *time.Location) []time.Time {
	want := date.Add(time.Duration(c) * time.Minute)
	y, m, d := date.Date()
	t := time.Date(y, m, d, 0, int(c), 0, 0, loc)
	before, after := t.ZoneBounds()
	got := reading(t, loc)
	switch {
	case got.After(want): // skipped; time.Date went past the gap
		return append(dst, before)
	case got.Before(want): // skipped; time.Date stayed before the gap
		return append(dst, after)
	}
	dst = append(dst, t)
	_, off := t.Zone()
	if !before.IsZero() {
		_, prev := before.Add(-time.Nanosecond).Zone()
		if u := t.Add(time.Duration(off-prev) * time.Second); u.Before(before) {
			dst = append(dst, u)
		}
	}
	if !after.IsZero() {
		_, next := after.Zone()
		if u := t.Add(time.Duration(off-next) * time.Second); !u.Before(after) {
			dst = append(dst, u)
		}
	}
	return dst
}

// reading returns what loc's wall clock shows at t, as the same date and
// time of day in UTC (to compare readings).
func reading(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	h, mi, s := l.Clock()
	return time.Date(y, m, d, h, mi, s, l.Nanosecond(), time.UTC)
}

// Declared reports whether any hours or periods are declared.
func (a Availability) Declared() bool { return len(a.Weekly) > 0 || len(a.Unavailable) > 0 }
