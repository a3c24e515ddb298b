package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	if !both.UnavailableDuring(mon(11, 0), mon(13, 0)) || both.UnavailableDuring(mon(9, 0), mon(12, 0)) {
		t.Error("UnavailableDuring disagrees with the periods")
	}
	if both.InHours(mon(8, 0), mon(9, 0)) || !both.InHours(mon(9, 0).AddDate(0, 0, 1), mon(10, 0).AddDate(0, 0, 1)) {
		t.Error("InHours disagrees with the hours")
	}
	checkCovers(t, Availability{}, []slot{{"nothing declared", mon(3, 0), mon(4, 0), true}})
	checkCovers(t, Availability{TimeZone: "Europe/Atlantis", Weekly: everyDay("00:00", "24:00")},
		[]slot{{"a zone that does not load", mon(10, 0), mon(11, 0), false}})
}

// TestCoversClockChanges: declared hours keep their wall-clock meaning on
// both UK change days of 2027 (28 March, 31 October, both Sundays), and in
// New York, whose clocks change on other days (14 March, 7 November).
func TestCoversClockChanges(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	type day struct {
		y int
		m time.Month
		d int
	}
	for _, z := range []struct {
		zone string
		loc  *time.Location
		days []day
	}{
		{"Europe/London", London, []day{{2027, 3, 27}, {2027, 3, 28}, {2027, 3, 29}, {2027, 10, 30}, {2027, 10, 31}, {2027, 11, 1}}},
		{"America/New_York", newYork, []day{{2027, 3, 13}, {2027, 3, 14}, {2027, 3, 15}, {2027, 3, 28}, {2027, 3, 29}, {2027, 10, 31}, {2027, 11, 1}, {2027, 11, 6}, {2027, 11, 7}, {2027, 11, 8}}},
	} {
		a := Availability{TimeZone: z.zone, Weekly: everyDay("09:00", "17:00")}
		for _, d := range z.days {
			at := func(h, m int) time.Time { return time.Date(d.y, d.m, d.d, h, m, 0, 0, z.loc) }
			name := fmt.Sprintf("%s %d-%02d-%02d", z.zone, d.y, d.m, d.d)
			checkCovers(t, a, []slot{
				{name + " 09:00-10:00", at(9, 0), at(10, 0), true},
				{name + " 16:00-17:00", at(16, 0), at(17, 0), true},
				{name + " 09:00-17:00", at(9, 0), at(17, 0), true},
				{name + " 08:30-09:30", at(8, 30), at(9, 30), false},
				{name + " 16:30-17:30", at(16, 30), at(17, 30), false},
			})
		}
	}
	// The same, spelled out in UTC so that the offsets are seen to move.
	london := Availability{TimeZone: "Europe/London", Weekly: everyDay("09:00", "17:00")}
	newYorkHours := Availability{TimeZone: "America/New_York", Weekly: everyDay("09:00", "17:00")}
	checkCovers(t, london, []slot{
		{"Saturday before, GMT: 09:00Z", utc(2027, 3, 27, 9, 0), utc(2027, 3, 27, 10, 0), true},
		{"Saturday before, GMT: 08:00Z", utc(2027, 3, 27, 8, 0), utc(2027, 3, 27, 9, 0), false},
		{"Monday after, BST: 08:00Z", utc(2027, 3, 29, 8, 0), utc(2027, 3, 29, 9, 0), true},
		{"Monday after, BST: 16:00Z is 17:00", utc(2027, 3, 29, 16, 0), utc(2027, 3, 29, 17, 0), false},
		{"Saturday before, BST: 08:00Z", utc(2027, 10, 30, 8, 0), utc(2027, 10, 30, 9, 0), true},
		{"Monday after, GMT: 08:00Z is 08:00", utc(2027, 11, 1, 8, 0), utc(2027, 11, 1, 9, 0), false},
		{"Monday after, GMT: 16:00Z", utc(2027, 11, 1, 16, 0), utc(2027, 11, 1, 17, 0), true},
	})
	checkCovers(t, newYorkHours, []slot{
		{"New York, EST: 14:00Z", utc(2027, 3, 13, 14, 0), utc(2027, 3, 13, 15, 0), true},
		{"New York, EST: 13:00Z", utc(2027, 3, 13, 13, 0), utc(2027, 3, 13, 14, 0), false},
		{"New York, EDT: 13:00Z", utc(2027, 3, 14, 13, 0), utc(2027, 3, 14, 14, 0), true},
		{"New York on the UK change day, EDT: 13:00Z", utc(2027, 3, 28, 13, 0), utc(2027, 3, 28, 14, 0), true},
		{"New York on the UK change day, EDT: 12:30Z", utc(2027, 3, 28, 12, 30), utc(2027, 3, 28, 13, 30), false},
		{"New York on the UK change day, EDT: 13:00Z", utc(2027, 10, 31, 13, 0), utc(2027, 10, 31, 14, 0), true},
		{"New York, EST again: 13:00Z", utc(2027, 11, 7, 13, 0), utc(2027, 11, 7, 14, 0), false},
		{"New York, EST again: 14:00Z", utc(2027, 11, 7, 14, 0), utc(2027, 11, 7, 22, 0), true},
		// Between the two countries' changes New York is four hours behind
		// London, not five: 13:00 in London is 09:00 there.
		{"London 13:00 between the changes", time.Date(2027, 3, 20, 13, 0, 0, 0, London), time.Date(2027, 3, 20, 14, 0, 0, 0, London), true},
		{"London 12:30 between the changes", time.Date(2027, 3, 20, 12, 30, 0, 0, London), time.Date(2027, 3, 20, 13, 30, 0, 0, London), false},
	})

	// Sunday 28 March 2027 is 23 hours long in London, Sunday 31 October 25.
	sunday := Availability{Weekly: []WeeklyHours{hours(time.Sunday, "00:00", "24:00")}}
	if d := time.Date(2027, 3, 29, 0, 0, 0, 0, London).Sub(time.Date(2027, 3, 28, 0, 0, 0, 0, London)); d != 23*time.Hour {
		t.Fatalf("28 March 2027 lasts %v in London", d)
	}
	checkCovers(t, sunday, []slot{
		{"the whole short Sunday", utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 23, 0), true},
		{"a minute past the short Sunday", utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 23, 1), false},
		{"a minute before the short Sunday", utc(2027, 3, 27, 23, 59), utc(2027, 3, 28, 1, 0), false},
		{"across the skipped hour", utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1, 30), true},
		{"the whole long Sunday", utc(2027, 10, 30, 23, 0), utc(2027, 11, 1, 0, 0), true},
		{"a minute past the long Sunday", utc(2027, 10, 30, 23, 0), utc(2027, 11, 1, 0, 1), false},
		{"a minute before the long Sunday", utc(2027, 10, 30, 22, 59), utc(2027, 10, 31, 1, 0), false},
		{"across the repeated hour", utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30), true},
	})

	// Spans that start or end in the skipped hour start or end at the
	// change (01:00 UTC, when 01:00 GMT becomes 02:00 BST).
	checkCovers(t, Availability{Weekly: []WeeklyHours{hours(time.Sunday, "00:30", "03:00")}}, []slot{
		{"a span across the gap", utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 0), true},
		{"a span across the gap, a minute past", utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 1), false},
	})
	late := Availability{Weekly: []WeeklyHours{hours(time.Sunday, "01:30", "03:00")}}
	checkCovers(t, late, []slot{
		{"a span from inside the gap", utc(2027, 3, 28, 1, 0), utc(2027, 3, 28, 2, 0), true},
		{"a span from inside the gap, a minute early", utc(2027, 3, 28, 0, 59), utc(2027, 3, 28, 2, 0), false},
	})
	checkStarts(t, late, utc(2027, 3, 27, 12, 0), utc(2027, 3, 29, 0, 0), utc(2027, 3, 28, 1, 0))
	early := Availability{Weekly: []WeeklyHours{hours(time.Sunday, "00:00", "01:30")}}
	checkCovers(t, early, []slot{
		{"a span into the gap", utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 1, 0), true},
		{"a span into the gap, a minute past", utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 1, 1), false},
	})

	// In the repeated hour (01:00-02:00 BST, then 01:00-02:00 GMT), a time
	// of day is within the hours each time the clock shows it.
	checkCovers(t, early, []slot{
		{"to 01:30 BST", utc(2027, 10, 30, 23, 0), utc(2027, 10, 31, 0, 30), true},
		{"01:30-02:00 BST", utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 0), false},
		{"01:00-01:30 GMT", utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 1, 30), true},
		{"01:00-01:31 GMT", utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 1, 31), false},
	})
	checkStarts(t, early, utc(2027, 10, 30, 12, 0), utc(2027, 11, 1, 0, 0), utc(2027, 10, 30, 23, 0), utc(2027, 10, 31, 1, 0))
	quarter := Availability{Weekly: []WeeklyHours{hours(time.Sunday, "01:15", "03:00")}}
	checkCovers(t, quarter, []slot{
		{"01:15 BST to the change", utc(2027, 10, 31, 0, 15), utc(2027, 10, 31, 1, 0), true},
		{"01:15 BST past the change", utc(2027, 10, 31, 0, 15), utc(2027, 10, 31, 1, 5), false},
		{"01:15 GMT to 03:00 GMT", utc(2027, 10, 31, 1, 15), utc(2027, 10, 31, 3, 0), true},
	})
	checkStarts(t, quarter, utc(2027, 10, 30, 12, 0), utc(2027, 11, 1, 0, 0), utc(2027, 10, 31, 0, 15), utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 1, 15))

	// New York skips 02:00-03:00 EST on 14 March and repeats 01:00-02:00 on
	// 7 November; time.Date resolves both the other way from London.
	gap := Availability{TimeZone: "America/New_York", Weekly: []WeeklyHours{hours(time.Sunday, "02:30", "04:00")}}
	checkCovers(t, gap, []slot{
		{"New York, a span from inside the gap", utc(2027, 3, 14, 7, 0), utc(2027, 3, 14, 8, 0), true},
		{"New York, a minute early", utc(2027, 3, 14, 6, 59), utc(2027, 3, 14, 8, 0), false},
	})
	checkStarts(t, gap, utc(2027, 3, 13, 12, 0), utc(2027, 3, 15, 0, 0), utc(2027, 3, 14, 7, 0))
	repeat := Availability{TimeZone: "America/New_York", Weekly: []WeeklyHours{hours(time.Sunday, "01:30", "03:00")}}
	checkCovers(t, repeat, []slot{
		{"New York, 01:30-02:00 EDT", utc(2027, 11, 7, 5, 30), utc(2027, 11, 7, 6, 0), true},
		{"New York, 01:00-01:30 EST", utc(2027, 11, 7, 6, 0), utc(2027, 11, 7, 6, 30), false},
		{"New York, 01:30-03:00 EST", utc(2027, 11, 7, 6, 30), utc(2027, 11, 7, 8, 0), true},
	})
	checkStarts(t, repeat, utc(2027, 11, 6, 12, 0), utc(2027, 11, 8, 0, 0), utc(2027, 11, 7, 5, 30), utc(2027, 11, 7, 6, 0), utc(2027, 11, 7, 6, 30))
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

// inHoursAt is the definition InHours implements, one instant at a time:
// the instant's day and time of day on the zone's wall clock lie in a span.
func inHoursAt(a Availability, loc *time.Location, t time.Time) bool {
	l := t.In(loc)
	c := ClockTime(l.Hour()*60 + l.Minute())
	return slices.ContainsFunc(a.Weekly, func(w WeeklyHours) bool { return w.Day == l.Weekday() && w.From <= c && c < w.To })
}

// randomAvailability returns random weekly hours on the quarter hour in a
// zone with clock changes (Lord Howe's move by half an hour), or none.
func randomAvailability(r *rand.Rand) Availability {
	zones := []string{"Europe/London", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"}
	a := Availability{TimeZone: zones[r.IntN(len(zones))]}
	for d := time.Sunday; d <= time.Saturday; d++ {
		at := ClockTime(0)
		for r.IntN(3) != 0 && at < EndOfDay {
			from := at + ClockTime(r.IntN(4*8))*15
			if r.IntN(4) == 0 {
				from = at // touching the last span, or from midnight
			}
			if from >= EndOfDay {
				break
			}
			to := min(from+ClockTime(1+r.IntN(4*10))*15, EndOfDay)
			a.Weekly = append(a.Weekly, WeeklyHours{Day: d, From: from, To: to})
			at = to
		}
	}
	return a
}

// TestInHoursIsPerInstant checks InHours against inHoursAt minute by minute
// around clock changes in several zones, and that every earliest covered
// start is from or among Starts.
func TestInHoursIsPerInstant(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	changes := []time.Time{
		utc(2027, 3, 28, 1, 0), utc(2027, 10, 31, 1, 0), // London, Berlin
		utc(2027, 3, 14, 7, 0), utc(2027, 11, 7, 6, 0), // New York
		utc(2027, 4, 3, 15, 0), utc(2027, 10, 2, 15, 30), // Lord Howe
		utc(2027, 4, 4, 3, 0), utc(2027, 9, 5, 4, 0), // Santiago
	}
	for run := range 200 {
		a := randomAvailability(r)
		if err := a.Validate(); err != nil {
			t.Fatalf("run %d: random hours do not validate: %v", run, err)
		}
		loc, err := a.Location()
		if err != nil {
			t.Fatal(err)
		}
		from := changes[r.IntN(len(changes))].Add(time.Duration(r.IntN(4*48)-4*36) * 15 * time.Minute)
		const window = 3 * 24 * 60 // minutes
		in := make([]bool, window+12*60)
		for i := range in {
			in[i] = inHoursAt(a, loc, from.Add(time.Duration(i)*time.Minute))
		}
		for range 30 {
			i, n := r.IntN(window), 1+r.IntN(12*60)
			want := !slices.Contains(in[i:i+n], false)
			if got := a.InHours(from.Add(time.Duration(i)*time.Minute), from.Add(time.Duration(i+n)*time.Minute)); got != want {
				t.Fatalf("run %d: %s %v: InHours(+%dm, +%dm from %s) = %v, want %v", run, a.TimeZone, a.Weekly, i, i+n, from, got, want)
			}
		}
		n := 15 * (1 + r.IntN(16))
		earliest := -1
		for i := range window {
			if !slices.Contains(in[i:i+n], false) {
				earliest = i
				break
			}
		}
		if earliest <= 0 {
			continue
		}
		at := from.Add(time.Duration(earliest) * time.Minute)
		if !slices.ContainsFunc(a.Starts(from, from.Add(window*time.Minute)), at.Equal) {
			t.Fatalf("run %d: %s %v: the earliest %d minutes from %s start at %s, not among Starts %v",
				run, a.TimeZone, a.Weekly, n, from, at, inUTC(a.Starts(from, from.Add(window*time.Minute))))
		}
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
