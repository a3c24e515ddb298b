package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

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
			s, e := from.Add(time.Duration(i)*time.Minute), from.Add(time.Duration(i+n)*time.Minute)
			if got := a.InHours(s, e); got != want {
				t.Fatalf("run %d: %s %v: InHours(+%dm, +%dm from %s) = %v, want %v", run, a.TimeZone, a.Weekly, i, i+n, from, got, want)
			}
			// A reading of the zone's clock, taken through another
			// availability in the zone, judges the same.
			r, err := Availability{TimeZone: a.TimeZone}.ReadClock(s)
			if err != nil {
				t.Fatal(err)
			}
			out, ok := a.OutOfHoursFrom(r, e)
			k := int(out.Sub(from) / time.Minute) // the first minute out of hours
			if ok == want || (ok && (out.Before(s) || !out.Before(e) || in[k] || slices.Contains(in[i:k], false))) {
				t.Fatalf("run %d: %s %v: OutOfHoursFrom(+%dm, +%dm from %s) = %v, %v; want in hours %v", run, a.TimeZone, a.Weekly, i, i+n, from, out, ok, want)
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
