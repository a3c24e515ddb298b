package matching

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// weekly returns the span from..to ("HH:MM") on each of days.
func weekly(from, to string, days ...time.Weekday) []data.WeeklyHours {
	f, err := data.ParseClock(from)
	if err != nil {
		panic(err)
	}
	e, err := data.ParseClock(to)
	if err != nil {
		panic(err)
	}
	var w []data.WeeklyHours
	for _, d := range days {
		w = append(w, data.WeeklyHours{Day: d, From: f, To: e})
	}
	return w
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allWeek  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

// TestOffDuty judges testInput's slot (Wednesday 10 June 2026, 10:00 to
// 12:00 BST) against declared availabilities.
func TestOffDuty(t *testing.T) {
	leave := func(from, to time.Time) []data.Period { return []data.Period{{Start: from, End: to}} }
	tests := []struct {
		name  string
		av    data.Availability
		hours bool // off duty by hours
		away  bool // off duty by unavailability
	}{
		{"nothing declared", data.Availability{}, false, false},
		{"only a zone declared", data.Availability{TimeZone: "America/New_York"}, false, false},
		{"office hours", data.Availability{Weekly: weekly("09:00", "17:00", weekdays...)}, false, false},
		{"office hours, zone named", data.Availability{TimeZone: "Europe/London", Weekly: weekly("09:00", "17:00", weekdays...)}, false, false},
		{"exactly the slot", data.Availability{Weekly: weekly("10:00", "12:00", time.Wednesday)}, false, false},
		{"from noon", data.Availability{Weekly: weekly("12:00", "17:00", weekdays...)}, true, false},
		{"until 11:59", data.Availability{Weekly: weekly("08:00", "11:59", weekdays...)}, true, false},
		{"weekends only", data.Availability{Weekly: weekly("00:00", "24:00", time.Saturday, time.Sunday)}, true, false},
		{"10:00 BST is 09:00 in UTC", data.Availability{TimeZone: "UTC", Weekly: weekly("09:00", "11:00", time.Wednesday)}, false, false},
		{"10:00 to 12:00 in UTC", data.Availability{TimeZone: "UTC", Weekly: weekly("10:00", "12:00", time.Wednesday)}, true, false},
		{"New York office hours", data.Availability{TimeZone: "America/New_York", Weekly: weekly("09:00", "17:00", weekdays...)}, true, false},
		{"New York early shift", data.Availability{TimeZone: "America/New_York", Weekly: weekly("05:00", "07:00", time.Wednesday)}, false, false},
		{"a zone that does not load", data.Availability{TimeZone: "Mars/Olympus", Weekly: weekly("00:00", "24:00", allWeek...)}, true, false},
		{"on leave", data.Availability{Unavailable: leave(testStart.AddDate(0, 0, -2), testStart.AddDate(0, 0, 5))}, false, true},
		{"leave ends as the slot starts", data.Availability{Unavailable: leave(testStart.AddDate(0, 0, -2), testStart)}, false, false},
		{"leave starts as the slot ends", data.Availability{Unavailable: leave(testEnd, testEnd.AddDate(0, 0, 2))}, false, false},
		{"leave starts a minute before the end", data.Availability{Unavailable: leave(testEnd.Add(-time.Minute), testEnd.AddDate(0, 0, 2))}, false, true},
		{"on leave and out of hours", data.Availability{Weekly: weekly("13:00", "17:00", weekdays...), Unavailable: leave(testStart, testEnd)}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, a := testInput(), perfect("a")
			a.Availability = tt.av
			in.Pool = []data.Interpreter{a}
			r := match(t, in)
			if !tt.hours && !tt.away {
				if len(r.Candidates) != 1 {
					t.Fatalf("excluded: %v", r.Excluded)
				}
				return
			}
			if len(r.Excluded) != 1 {
				t.Fatalf("a is a candidate, want off_duty")
			}
			x := r.Excluded[0]
			if diff := cmp.Diff([]string{CodeOffDuty}, codes(x.Reasons)); diff != "" {
				t.Fatalf("reasons (-want +got):\n%s", diff)
			}
			msg := x.Reasons[0].Message
			if got := strings.Contains(msg, "hours"); got != tt.hours {
				t.Errorf("message %q speaks of hours: %v, want %v", msg, got, tt.hours)
			}
			if got := strings.Contains(msg, "cannot work"); got != tt.away {
				t.Errorf("message %q speaks of unavailability: %v, want %v", msg, got, tt.away)
			}
			// The message names the rule, never a value: no time, date or zone.
			if strings.ContainsAny(msg, "0123456789/") || strings.Contains(msg, "Mars") {
				t.Errorf("message %q names a value", msg)
			}
			if _, rs, err := Evaluate(in, a, DefaultPolicy()); err != nil || !cmp.Equal(rs, x.Reasons) {
				t.Errorf("Evaluate = %v, %v; want Match's %v", rs, err, x.Reasons)
			}
		})
	}
}

// TestNextAvailableOffDuty: NextAvailable respects declared hours and
// unavailability as well as bookings and buffers, for an interpreter ruled
// out only by time.
func TestNextAvailableOffDuty(t *testing.T) {
	day := 24 * time.Hour
	bst := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, data.London) }
	tests := []struct {
		name     string
		av       data.Availability
		bookings [][2]time.Time // video bookings
		reasons  []string
		want     time.Time
	}{
		{"after declared leave", data.Availability{Unavailable: []data.Period{{Start: testStart.Add(-day), End: testStart.Add(3 * day)}}},
			nil, []string{CodeOffDuty}, testStart.Add(3 * day)},
		{"after declared leave, within hours", data.Availability{
			Weekly:      weekly("09:00", "17:00", weekdays...),
			Unavailable: []data.Period{{Start: testStart.Add(-day), End: bst(6, 12, 18, 0)}}, // to Friday evening
		}, nil, []string{CodeOffDuty}, bst(6, 15, 9, 0)}, // Monday morning
		{"when the hours begin", data.Availability{Weekly: weekly("12:00", "17:00", weekdays...)},
			nil, []string{CodeOffDuty}, bst(6, 10, 12, 0)},
		{"the hours are too short today", data.Availability{Weekly: weekly("09:00", "11:30", weekdays...)},
			nil, []string{CodeOffDuty}, bst(6, 11, 9, 0)},
		{"after a booking, within hours", data.Availability{Weekly: weekly("12:00", "17:00", weekdays...)},
			[][2]time.Time{{bst(6, 10, 11, 0), bst(6, 10, 14, 0)}}, []string{CodeUnavailable, CodeOffDuty}, bst(6, 10, 14, 0)},
		{"a booking fills the rest of the hours", data.Availability{Weekly: weekly("09:00", "17:00", weekdays...)},
			[][2]time.Time{{bst(6, 10, 11, 0), bst(6, 10, 15, 30)}}, []string{CodeUnavailable}, bst(6, 11, 9, 0)},
		{"across midnight, adjacent spans", data.Availability{Weekly: slices.Concat(weekly("23:00", "24:00", time.Wednesday), weekly("00:00", "01:00", time.Thursday))},
			nil, []string{CodeOffDuty}, bst(6, 10, 23, 0)},
		{"hours in New York", data.Availability{TimeZone: "America/New_York", Weekly: weekly("09:00", "17:00", weekdays...)},
			nil, []string{CodeOffDuty}, bst(6, 10, 14, 0)},
		{"leave for three weeks", data.Availability{Unavailable: []data.Period{{Start: testStart, End: testStart.Add(21 * day)}}},
			nil, []string{CodeOffDuty}, time.Time{}},
		{"hours too short for the slot", data.Availability{Weekly: weekly("09:00", "10:00", weekdays...)},
			nil, []string{CodeOffDuty}, time.Time{}},
		{"leave ending on the 14th day", data.Availability{Unavailable: []data.Period{{Start: testStart, End: testStart.Add(14 * day)}}},
			nil, []string{CodeOffDuty}, testStart.Add(14 * day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, a := testInput(), perfect("a")
			in.Modality = data.ModalityVideo
			a.Availability = tt.av
			for i, b := range tt.bookings {
				in.Bookings = append(in.Bookings, booking(string(rune('a'+i)), "a", b[0], b[1], data.ModalityVideo))
			}
			in.Pool = []data.Interpreter{a}
			r := match(t, in)
			if len(r.Excluded) != 1 {
				t.Fatalf("a is a candidate")
			}
			if diff := cmp.Diff(tt.reasons, codes(r.Excluded[0].Reasons)); diff != "" {
				t.Fatalf("reasons (-want +got):\n%s", diff)
			}
			if got := r.Excluded[0].NextAvailable; !got.Equal(tt.want) {
				t.Errorf("NextAvailable = %v, want %v", got.UTC(), tt.want.UTC())
			}
			if !tt.want.IsZero() { // the suggested slot is indeed free and in hours
				in.Start, in.End = tt.want, tt.want.Add(testEnd.Sub(testStart))
				if _, rs := evaluate(t, in, a); len(rs) != 0 {
					t.Errorf("at NextAvailable: %v", rs)
				}
			}
		})
	}
}

// TestNextAvailableOnlyByTime: an interpreter ruled out by anything but
// time gets no NextAvailable, however free they are later.
func TestNextAvailableOnlyByTime(t *testing.T) {
	in, a := testInput(), perfect("a")
	a.Availability.Weekly = weekly("13:00", "17:00", weekdays...)
	a.Agreements = data.Agreements{}
	in.Bookings = []data.Booking{booking("b1", "a", testStart, testEnd, data.ModalityVideo)}
	in.Pool = []data.Interpreter{a}
	r := match(t, in)
	if diff := cmp.Diff([]string{CodeAgreementMissing, CodeUnavailable, CodeOffDuty}, codes(r.Excluded[0].Reasons)); diff != "" {
		t.Fatalf("reasons (-want +got):\n%s", diff)
	}
	if !r.Excluded[0].NextAvailable.IsZero() {
		t.Errorf("NextAvailable %v for an interpreter ruled out by more than time", r.Excluded[0].NextAvailable)
	}
}

// TestNextAvailableClockChanges: declared hours keep their wall-clock
// meaning in NextAvailable across both UK clock changes of 2027, and in New
// York, whose clocks change on other days.
func TestNextAvailableClockChanges(t *testing.T) {
	utc := func(m time.Month, d, h, min int) time.Time { return time.Date(2027, m, d, h, min, 0, 0, time.UTC) }
	london := data.Availability{TimeZone: "Europe/London", Weekly: weekly("09:00", "17:00", allWeek...)}
	newYork := data.Availability{TimeZone: "America/New_York", Weekly: weekly("09:00", "17:00", allWeek...)}
	away := func(a data.Availability, from, to time.Time) data.Availability {
		a.Unavailable = []data.Period{{Start: from, End: to}}
		return a
	}
	tests := []struct {
		name  string
		av    data.Availability
		start time.Time // of an hour-long slot
		want  time.Time
	}{
		{"Saturday before the spring change, GMT", london, utc(3, 26, 18, 0), utc(3, 27, 9, 0)},
		{"the spring change day, BST", away(london, utc(3, 27, 0, 0), utc(3, 28, 0, 0)), utc(3, 26, 18, 0), utc(3, 28, 8, 0)},
		{"the day after the spring change", away(london, utc(3, 27, 0, 0), utc(3, 29, 0, 0)), utc(3, 26, 18, 0), utc(3, 29, 8, 0)},
		{"8:30 BST is too early on the change day", london, utc(3, 28, 7, 30), utc(3, 28, 8, 0)},
		{"Saturday before the autumn change, BST", london, utc(10, 29, 18, 0), utc(10, 30, 8, 0)},
		{"the autumn change day, GMT", away(london, utc(10, 30, 0, 0), utc(10, 31, 0, 0)), utc(10, 29, 18, 0), utc(10, 31, 9, 0)},
		{"the day after the autumn change", away(london, utc(10, 30, 0, 0), utc(11, 1, 0, 0)), utc(10, 29, 18, 0), utc(11, 1, 9, 0)},
		{"8:30 GMT is too early on the change day", london, utc(10, 31, 8, 30), utc(10, 31, 9, 0)},
		{"New York before its spring change, EST", newYork, utc(3, 13, 3, 0), utc(3, 13, 14, 0)},
		{"New York's spring change day, EDT", away(newYork, utc(3, 13, 0, 0), utc(3, 14, 0, 0)), utc(3, 13, 3, 0), utc(3, 14, 13, 0)},
		{"New York on the UK spring change day", newYork, utc(3, 28, 3, 0), utc(3, 28, 13, 0)},
		{"New York on the UK autumn change day", newYork, utc(10, 31, 3, 0), utc(10, 31, 13, 0)},
		{"New York's autumn change day, EST", newYork, utc(11, 7, 3, 0), utc(11, 7, 14, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, a := testInput(), perfect("a")
			in.Modality = data.ModalityVideo
			in.Start, in.End, in.Now = tt.start, tt.start.Add(time.Hour), tt.start.Add(-48*time.Hour)
			a.Availability = tt.av
			in.Pool = []data.Interpreter{a}
			r := match(t, in)
			if len(r.Excluded) != 1 || !cmp.Equal(codes(r.Excluded[0].Reasons), []string{CodeOffDuty}) {
				t.Fatalf("want a off duty; got %d candidates, %v", len(r.Candidates), r.Excluded)
			}
			if got := r.Excluded[0].NextAvailable; !got.Equal(tt.want) {
				t.Errorf("NextAvailable = %v, want %v", got.UTC(), tt.want)
			}
		})
	}
}

// TestNextAvailableEarliest checks nextAvailable against a scan of every
// minute of its window on random inputs: no earlier start would have done.
// Every time in the inputs is on the minute, so the scan misses nothing.
func TestNextAvailableEarliest(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	p := DefaultPolicy()
	runs, scanned := 100, 0
	if testing.Short() {
		runs = 20
	}
	for run := range runs {
		in := randomInput(r, 8)
		m, err := newMatcher(&in, p)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range in.Pool {
			ids = append(ids, it.ID)
		}
		m.indexBookings(ids)
		d := in.End.Sub(in.Start)
		for i := range in.Pool {
			it := &in.Pool[i]
			got := m.nextAvailable(&it.Availability, m.spansOf(it.ID))
			spans := m.spansOf(it.ID)
			var want time.Time
			for st := in.Start; !st.After(in.Start.Add(nextAvailableWithin)); st = st.Add(time.Minute) {
				scanned++
				if free(spans, st, st.Add(d)) && it.Availability.Covers(st, st.Add(d)) {
					want = st
					break
				}
			}
			if !got.Equal(want) {
				t.Fatalf("run %d: %s (%+v): nextAvailable = %v, the first minute that fits is %v", run, it.ID, it.Availability, got.UTC(), want.UTC())
			}
		}
	}
	t.Logf("%d minutes scanned", scanned)
}

// clockChanges are the UK's and New York's clock changes of 2026.
var clockChanges = []time.Time{
	time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC),
	time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
}

// randomAvailability returns declared hours (office hours, long days, or
// random spans on the quarter hour, in one of a few zones) or none, and up
// to three unavailable periods around start.
func randomAvailability(r *rand.Rand, start time.Time) data.Availability {
	a := data.Availability{TimeZone: pick(r, []string{"", "Europe/London", "America/New_York", "Europe/Berlin", "Asia/Kolkata"})}
	switch r.IntN(4) {
	case 0:
		a.Weekly = weekly("09:00", "17:00", weekdays...)
	case 1:
		a.Weekly = weekly("07:30", "21:00", allWeek...)
	case 2:
		for _, d := range allWeek {
			at := data.ClockTime(0)
			for r.IntN(3) != 0 && at < data.EndOfDay {
				from := at + data.ClockTime(r.IntN(4*10))*15
				if from >= data.EndOfDay {
					break
				}
				to := min(from+data.ClockTime(1+r.IntN(4*12))*15, data.EndOfDay)
				a.Weekly = append(a.Weekly, data.WeeklyHours{Day: d, From: from, To: to})
				at = to
			}
		}
	}
	for range r.IntN(4) {
		s := start.Add(time.Duration(r.IntN(4*24*14)-4*24*2) * 15 * time.Minute)
		a.Unavailable = append(a.Unavailable, data.Period{Start: s, End: s.Add(time.Duration(1+r.IntN(4*24*7)) * 15 * time.Minute)})
	}
	return a
}

// TestPropertyOffDutyNeverHelps: declaring hours or unavailability for one
// interpreter never raises their score or rank, never changes another's,
// and excludes them, if at all, as off_duty alone.
func TestPropertyOffDutyNeverHelps(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for run := 0; run < propertyRuns; {
		in := randomInput(r, 30)
		before := match(t, in)
		if len(before.Candidates) == 0 {
			continue
		}
		run++
		who := pick(r, before.Candidates).Interpreter.ID
		i := slices.IndexFunc(in.Pool, func(x data.Interpreter) bool { return x.ID == who })
		in.Pool = slices.Clone(in.Pool)
		in.Pool[i] = clone(in.Pool[i])
		for !in.Pool[i].Availability.Declared() {
			in.Pool[i].Availability = randomAvailability(r, in.Start)
		}
		after := match(t, in)
		assertNotBetter(t, run, before, after, who)
		if xa := excludedReasons(after, who); xa != nil && !slices.Equal(xa, []string{CodeOffDuty}) {
			t.Fatalf("run %d: %s, a candidate, declared %+v and got %v", run, who, in.Pool[i].Availability, xa)
		}
	}
}

// TestPropertyNextAvailableFree: every NextAvailable lies in the 14 days
// from the requested start, and there the interpreter is neither
// unavailable nor off duty.
func TestPropertyNextAvailableFree(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	p := DefaultPolicy()
	seen := map[string]int{}
	for run := range propertyRuns {
		in := randomInput(r, 30)
		res := match(t, in)
		d := in.End.Sub(in.Start)
		for _, x := range res.Excluded {
			na := x.NextAvailable
			if na.IsZero() {
				continue
			}
			for _, c := range codes(x.Reasons) {
				seen[c]++
			}
			if na.Before(in.Start) || na.After(in.Start.Add(nextAvailableWithin)) {
				t.Fatalf("run %d: %s NextAvailable %v outside %v + 14 days", run, x.Interpreter.ID, na, in.Start)
			}
			at := in
			at.Start, at.End = na, na.Add(d)
			_, rs, err := Evaluate(at, *x.Interpreter, p)
			if err != nil {
				t.Fatal(err)
			}
			if c := codes(rs); slices.Contains(c, CodeUnavailable) || slices.Contains(c, CodeOffDuty) {
				t.Fatalf("run %d: %s at NextAvailable %v: %v", run, x.Interpreter.ID, na, rs)
			}
		}
	}
	if seen[CodeUnavailable] < 50 || seen[CodeOffDuty] < 50 {
		t.Errorf("too few NextAvailable to judge: %v", seen)
	}
}
