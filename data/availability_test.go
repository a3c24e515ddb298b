package data

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseClock(t *testing.T) {
	for in, want := range map[string]ClockTime{
		"00:00": 0, "00:01": 1, "09:00": 540, "09:30": 570, "17:45": 1065, "23:59": 1439, "24:00": EndOfDay,
	} {
		got, err := ParseClock(in)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("ParseClock(%q).String() = %q", in, got.String())
		}
	}
	for _, bad := range []string{
		"", "9:00", "09:0", "0900", "09.00", "09:00 ", " 9:00", "+9:00", "-1:30", "-0:00", "09:-1", "09:+1",
		"24:01", "25:00", "99:99", "09:60", "ab:cd", "0x:00", "09:5x", "٠٩:٠٠",
	} {
		if got, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) = %d, want an error", bad, got)
		}
	}
}

func TestParseWeekday(t *testing.T) {
	want := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i, name := range Weekdays {
		got, err := ParseWeekday(name)
		if err != nil || got != want[i] {
			t.Errorf("ParseWeekday(%q) = %v, %v; want %v", name, got, err, want[i])
		}
		if upper, err := ParseWeekday(strings.ToUpper(name)); err != nil || upper != want[i] {
			t.Errorf("ParseWeekday(%q) = %v, %v; want %v", strings.ToUpper(name), upper, err, want[i])
		}
		if WeekdayName(want[i]) != name {
			t.Errorf("WeekdayName(%v) = %q, want %q", want[i], WeekdayName(want[i]), name)
		}
	}
	for _, bad := range []string{"", "monday", "Mo", "1", "mon ", "sun,mon"} {
		if got, err := ParseWeekday(bad); err == nil {
			t.Errorf("ParseWeekday(%q) = %v, want an error", bad, got)
		}
	}
}

// hours returns a span of weekly hours from "HH:MM" to "HH:MM".
func hours(day time.Weekday, from, to string) WeeklyHours {
	f, err := ParseClock(from)
	if err != nil {
		panic(err)
	}
	e, err := ParseClock(to)
	if err != nil {
		panic(err)
	}
	return WeeklyHours{Day: day, From: f, To: e}
}

// everyDay returns the span from..to on each day of the week.
func everyDay(from, to string) []WeeklyHours {
	var w []WeeklyHours
	for d := time.Sunday; d <= time.Saturday; d++ {
		w = append(w, hours(d, from, to))
	}
	return w
}

func TestAvailabilityValidate(t *testing.T) {
	start := time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC)
	ok := Availability{
		TimeZone: "Europe/London",
		Weekly: []WeeklyHours{
			hours(time.Monday, "09:00", "12:00"), hours(time.Monday, "12:00", "17:00"), // touching, not overlapping
			hours(time.Monday, "22:00", "24:00"), hours(time.Tuesday, "00:00", "06:00"),
		},
		Unavailable: []Period{{start, start.Add(24 * time.Hour)}, {start.Add(12 * time.Hour), start.Add(48 * time.Hour)}},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a sound availability: %v", err)
	}
	for _, zone := range []string{"", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"} {
		if err := (Availability{TimeZone: zone, Weekly: ok.Weekly}).Validate(); err != nil {
			t.Errorf("zone %q: %v", zone, err)
		}
	}
	tooManySpans := make([]WeeklyHours, MaxWeeklyHours+1)
	for i := range tooManySpans {
		tooManySpans[i] = WeeklyHours{Day: time.Weekday(i % 7), From: ClockTime(i * 10), To: ClockTime(i*10 + 5)}
	}
	tooManyPeriods := make([]Period, MaxUnavailable+1)
	for i := range tooManyPeriods {
		tooManyPeriods[i] = Period{start.AddDate(0, 0, i), start.AddDate(0, 0, i).Add(time.Hour)}
	}
	tests := []struct {
		name   string
		a      Availability
		fields []string
	}{
		{"overlapping spans", Availability{Weekly: []WeeklyHours{hours(time.Monday, "09:00", "17:00"), hours(time.Tuesday, "09:00", "17:00"), hours(time.Monday, "16:59", "18:00")}}, []string{"weekly[2]"}},
		{"same span twice", Availability{Weekly: []WeeklyHours{hours(time.Friday, "09:00", "17:00"), hours(time.Friday, "09:00", "17:00")}}, []string{"weekly[1]"}},
		{"to before from", Availability{Weekly: []WeeklyHours{hours(time.Monday, "17:00", "09:00")}}, []string{"weekly[0].to"}},
		{"to equal to from", Availability{Weekly: []WeeklyHours{hours(time.Monday, "09:00", "09:00")}}, []string{"weekly[0].to"}},
		{"from 24:00", Availability{Weekly: []WeeklyHours{{Day: time.Monday, From: EndOfDay, To: EndOfDay}}}, []string{"weekly[0].from"}},
		{"to past 24:00", Availability{Weekly: []WeeklyHours{{Day: time.Monday, From: 0, To: EndOfDay + 1}}}, []string{"weekly[0].to"}},
		{"negative from", Availability{Weekly: []WeeklyHours{{Day: time.Monday, From: -1, To: 60}}}, []string{"weekly[0].from"}},
		{"no such day", Availability{Weekly: []WeeklyHours{{Day: 7, From: 0, To: 60}}}, []string{"weekly[0].day"}},
		{"bad zone", Availability{TimeZone: "Europe/Atlantis", Weekly: ok.Weekly}, []string{"timeZone"}},
		{"local zone", Availability{TimeZone: "Local"}, []string{"timeZone"}},
		{"zone path", Availability{TimeZone: "../../etc/passwd"}, []string{"timeZone"}},
		{"zone too long", Availability{TimeZone: strings.Repeat("A", MaxTimeZoneLength+1)}, []string{"timeZone"}},
		{"zone with a control character", Availability{TimeZone: "Europe/London\n"}, []string{"timeZone"}},
		{"too many spans", Availability{Weekly: tooManySpans}, []string{"weekly"}},
		{"too many periods", Availability{Unavailable: tooManyPeriods}, []string{"unavailable"}},
		{"period ending before it starts", Availability{Unavailable: []Period{{start, start.Add(-time.Minute)}}}, []string{"unavailable[0].end"}},
		{"period ending as it starts", Availability{Unavailable: []Period{ok.Unavailable[0], {start, start}}}, []string{"unavailable[1].end"}},
		{"period without a start", Availability{Unavailable: []Period{{End: start}}}, []string{"unavailable[0].start"}},
		{"period without an end", Availability{Unavailable: []Period{{Start: start}}}, []string{"unavailable[0].end"}},
		{"period over a year", Availability{Unavailable: []Period{{start, start.Add(MaxUnavailableSpan + time.Minute)}}}, []string{"unavailable[0].end"}},
		{"period past year 9999", Availability{Unavailable: []Period{{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC)}}}, []string{"unavailable[0].start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fe.Field)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
			// Inside an interpreter record, the fields are prefixed.
			in := Interpreter{Name: "A", Email: "a@example.org", Gender: GenderFemale,
				Languages: []LanguageSkill{{Tag: "ti", Proficiency: ProficiencyNative}}, Vetting: Vetting{Status: VettingPending},
				Availability: tt.a}
			if ve, ok := in.Validate().(*ValidationError); !ok || ve.Errors[0].Field != "availability."+tt.fields[0] {
				t.Errorf("in a record: %v, want availability.%s", in.Validate(), tt.fields[0])
			}
		})
	}
}

// utc returns an instant given in UTC.
func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// slot is one Covers question and its answer.
type slot struct {
	name       string
	start, end time.Time
	covered    bool
}

func checkCovers(t *testing.T, a Availability, slots []slot) {
	t.Helper()
	for _, s := range slots {
		if got := a.Covers(s.start, s.end); got != s.covered {
			t.Errorf("%s: Covers(%s, %s) = %v, want %v", s.name, s.start.UTC().Format(time.DateTime), s.end.UTC().Format(time.DateTime), got, s.covered)
		}
	}
}

func TestCovers(t *testing.T) {
	// Monday 5 July 2027, BST: 09:00 London is 08:00 UTC.
	mon := func(h, m int) time.Time { return time.Date(2027, 7, 5, h, m, 0, 0, London) }
	weekdays := Availability{TimeZone: "Europe/London"}
	for d := time.Monday; d <= time.Friday; d++ {
		weekdays.Weekly = append(weekdays.Weekly, hours(d, "09:00", "17:00"))
	}
	checkCovers(t, weekdays, []slot{
		{"inside", mon(10, 0), mon(12, 0), true},
		{"the whole span", mon(9, 0), mon(17, 0), true},
		{"starts a minute early", mon(8, 59), mon(10, 0), false},
		{"ends a minute late", mon(16, 0), mon(17, 1), false},
		{"the evening", mon(18, 0), mon(19, 0), false},
		{"Saturday", mon(10, 0).AddDate(0, 0, 5), mon(11, 0).AddDate(0, 0, 5), false},
		{"Monday to Tuesday across the night", mon(16, 0), mon(10, 0).AddDate(0, 0, 1), false},
		{"empty", mon(20, 0), mon(20, 0), true},
		{"in UTC", utc(2027, 7, 5, 8, 0), utc(2027, 7, 5, 16, 0), true},
		{"in UTC, an hour late", utc(2027, 7, 5, 9, 0), utc(2027, 7, 5, 17, 0), false},
	})

	// Adjacent spans join: Monday to 24:00 and Tuesday from 00:00, and two
	// spans of one day that touch.
	nights := Availability{Weekly: []WeeklyHours{
		hours(time.Monday, "18:00", "24:00"), hours(time.Tuesday, "00:00", "06:00"),
		hours(time.Wednesday, "09:00", "12:00"), hours(time.Wednesday, "12:00", "13:00"),
	}}
	checkCovers(t, nights, []slot{
		{"across midnight", mon(23, 0), mon(1, 0).AddDate(0, 0, 1), true},
		{"the whole night", mon(18, 0), mon(6, 0).AddDate(0, 0, 1), true},
		{"a minute past the night", mon(23, 0), mon(6, 1).AddDate(0, 0, 1), false},
		{"Monday to 24:00 exactly", mon(22, 0), mon(0, 0).AddDate(0, 0, 1), true},
		{"touching spans", mon(11, 0).AddDate(0, 0, 2), mon(13, 0).AddDate(0, 0, 2), true},
		{"Sunday night is not Monday night", mon(23, 0).AddDate(0, 0, -1), mon(1, 0), false},
	})

	// Unavailable periods block what they meet, not what they touch; with
	// no hours declared they are the only constraint.
	leave := Availability{Unavailable: []Period{{mon(12, 0), mon(12, 0).AddDate(0, 0, 7)}}}
	checkCovers(t, leave, []slot{
		{"before the leave, touching it", mon(10, 0), mon(12, 0), true},
		{"into the leave", mon(11, 0), mon(12, 1), false},
		{"inside the leave", mon(3, 0).AddDate(0, 0, 3), mon(4, 0).AddDate(0, 0, 3), false},
		{"around the leave", mon(11, 0), mon(13, 0).AddDate(0, 0, 7), false},
		{"after the leave, touching it", mon(12, 0).AddDate(0, 0, 7), mon(14, 0).AddDate(0, 0, 7), true},
		{"Sunday at 03:00, no hours declared", mon(3, 0).AddDate(0, 0, -1), mon(4, 0).AddDate(0, 0, -1), true},
	})
	both := weekdays
	both.Unavailable = leave.Unavailable
	checkCovers(t, both, []slot{
		{"in hours before the leave", mon(9, 0), mon(12, 0), true},
		{"in hours during the leave", mon(9, 0).AddDate(0, 0, 1), mon(10, 0).AddDate(0, 0, 1), false},
		{"out of hours before the leave", mon(8, 0), mon(9, 0), false},
	})
	// Each part on its own: the latest end of the periods met, the first
	// instant out of hours.
	twice := both
	twice.Unavailable = append(slices.Clone(both.Unavailable), Period{mon(10, 0), mon(14, 0)}, Period{mon(18, 0), mon(19, 0)})
	if until, away := twice.UnavailableUntil(mon(11, 0), mon(13, 0)); !away || !until.Equal(mon(12, 0).AddDate(0, 0, 7)) {
		t.Errorf("UnavailableUntil = %v, %v; want the end of the leave", until, away)
	}
	if until, away := twice.UnavailableUntil(mon(9, 0), mon(10, 0)); away {
		t.Errorf("UnavailableUntil = %v, %v before the periods", until, away)
	}
	if out, ok := both.OutOfHours(mon(15, 0), mon(19, 0)); !ok || !out.Equal(mon(17, 0)) {
		t.Errorf("OutOfHours = %v, %v; want 17:00", out, ok)
	}
	if out, ok := both.OutOfHours(mon(9, 0), mon(17, 0)); ok {
		t.Errorf("OutOfHours = %v within the hours", out)
	}
	if out, ok := (Availability{}).OutOfHours(mon(3, 0), mon(4, 0)); ok {
		t.Errorf("OutOfHours = %v with no hours declared", out)
	}
	checkCovers(t, Availability{}, []slot{{"nothing declared", mon(3, 0), mon(4, 0), true}})
	checkCovers(t, Availability{TimeZone: "Europe/Atlantis", Weekly: everyDay("00:00", "24:00")},
		[]slot{{"a zone that does not load", mon(10, 0), mon(11, 0), false}})
}

// checkStarts compares Starts(from, until) with want, as instants.
func checkStarts(t *testing.T, a Availability, from, until time.Time, want ...time.Time) {
	t.Helper()
	got := a.Starts(from, until)
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("Starts(%s, %s) = %v, want %v", from.Format(time.DateTime), until.Format(time.DateTime), inUTC(got), inUTC(want))
	}
}

func inUTC(ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.UTC().Format(time.DateTime))
	}
	return out
}

func TestStarts(t *testing.T) {
	// Monday 5 July 2027 (BST) to Monday 12 July.
	mon := func(d, h, m int) time.Time { return time.Date(2027, 7, 5+d, h, m, 0, 0, London) }
	a := Availability{
		Weekly: []WeeklyHours{
			hours(time.Monday, "09:00", "12:00"), hours(time.Monday, "13:00", "17:00"),
			hours(time.Wednesday, "09:00", "17:00"), hours(time.Saturday, "10:00", "12:00"),
		},
		Unavailable: []Period{
			{mon(2, 8, 0), mon(2, 12, 30)},  // ends on Wednesday
			{mon(-3, 0, 0), mon(0, 9, 30)},  // ends on Monday, inside the window
			{mon(-9, 0, 0), mon(-8, 0, 0)},  // ends before the window
			{mon(6, 0, 0), mon(7, 10, 0)},   // ends on the window's last instant: not in it
			{mon(3, 11, 0), mon(3, 11, 0)},  // empty, ends on Thursday
			{mon(2, 10, 0), mon(2, 12, 30)}, // ends as another does
		},
	}
	checkStarts(t, a, mon(0, 10, 0), mon(7, 10, 0),
		mon(0, 13, 0), mon(2, 9, 0), mon(2, 12, 30), mon(3, 11, 0), mon(5, 10, 0), mon(7, 9, 0))
	// from itself is a start when one falls on it.
	checkStarts(t, a, mon(0, 9, 0), mon(0, 13, 0), mon(0, 9, 0), mon(0, 9, 30))
	checkStarts(t, a, mon(0, 10, 0), mon(0, 10, 0))
	checkStarts(t, Availability{}, mon(0, 0, 0), mon(14, 0, 0))
	// The zone's changes are starts: the clock may jump into a span there.
	checkStarts(t, Availability{Weekly: []WeeklyHours{hours(time.Friday, "09:00", "10:00")}}, utc(2027, 10, 29, 12, 0), utc(2027, 11, 6, 0, 0),
		utc(2027, 10, 31, 1, 0), utc(2027, 11, 5, 9, 0))

	// AppendStarts keeps what dst held and sorts only what it adds.
	dst := []time.Time{mon(9, 0, 0)}
	got := a.AppendStarts(dst, mon(0, 10, 0), mon(0, 14, 0))
	if want := []time.Time{mon(9, 0, 0), mon(0, 13, 0)}; !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("AppendStarts = %v, want %v", inUTC(got), inUTC(want))
	}
}

// TestCoversAllocates nothing once the zone is loaded: matching asks it of
// every interpreter of a pool.
func TestCoversAllocates(t *testing.T) {
	a := Availability{TimeZone: "America/New_York", Weekly: everyDay("09:00", "17:00"),
		Unavailable: []Period{{utc(2027, 8, 1, 0, 0), utc(2027, 8, 14, 0, 0)}}}
	start := utc(2027, 7, 5, 14, 0)
	a.Covers(start, start.Add(2*time.Hour))
	if n := testing.AllocsPerRun(100, func() { a.Covers(start, start.Add(2*time.Hour)) }); n != 0 {
		t.Errorf("Covers allocates %v times a call", n)
	}
	buf := make([]time.Time, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = a.AppendStarts(buf[:0], start, start.Add(14*24*time.Hour)) }); n != 0 {
		t.Errorf("AppendStarts allocates %v times a call into a slice with room", n)
	}
}

// benchAvailability is office hours in New York with three periods away.
func benchAvailability() Availability {
	return Availability{TimeZone: "America/New_York", Weekly: everyDay("09:00", "17:00"), Unavailable: []Period{
		{utc(2027, 6, 1, 0, 0), utc(2027, 6, 8, 0, 0)}, {utc(2027, 7, 20, 12, 0), utc(2027, 7, 21, 0, 0)}, {utc(2027, 8, 1, 0, 0), utc(2027, 8, 14, 0, 0)},
	}}
}

// BenchmarkCovers judges a two-hour slot inside the hours.
func BenchmarkCovers(b *testing.B) {
	a, start := benchAvailability(), utc(2027, 7, 5, 14, 0)
	for b.Loop() {
		if !a.Covers(start, start.Add(2*time.Hour)) {
			b.Fatal("not covered")
		}
	}
}

// BenchmarkAppendStarts works out a day's starts, as matching's
// nextAvailable does at each step, and a fortnight's.
func BenchmarkAppendStarts(b *testing.B) {
	a, start := benchAvailability(), utc(2027, 7, 5, 14, 0)
	for _, d := range []time.Duration{24 * time.Hour, 14 * 24 * time.Hour} {
		b.Run(d.String(), func(b *testing.B) {
			buf := make([]time.Time, 0, 64)
			for b.Loop() {
				buf = a.AppendStarts(buf[:0], start, start.Add(d))
			}
		})
	}
}

// TestLocationConcurrent loads zones from many goroutines at once: each
// gets its own zone, and the cache keeps every one (run with -race).
func TestLocationConcurrent(t *testing.T) {
	names := []string{"Europe/Paris", "Asia/Tokyo", "America/Chicago", "Africa/Nairobi", "Pacific/Auckland", "Europe/Lisbon"}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			name := names[i%len(names)]
			loc, err := Availability{TimeZone: name}.Location()
			if err != nil || loc.String() != name {
				t.Errorf("Location(%s) = %v, %v", name, loc, err)
			}
		})
	}
	wg.Wait()
	for _, name := range names {
		if _, ok := (*zones.Load())[name]; !ok {
			t.Errorf("%s is not kept", name)
		}
	}
}
