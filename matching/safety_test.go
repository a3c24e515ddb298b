package matching

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// The safety fixtures: a Monday in December, when London keeps UTC.
var monday = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func hm(day time.Time, s string) time.Time {
	t, err := time.Parse("15:04", s)
	if err != nil {
		panic(err)
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
}

// abeVideo is a video ABE interview from-to on monday with the policy's plan.
func abeVideo(p Policy, from, to string) Input {
	in := testInput()
	in.Start, in.End = hm(monday, from), hm(monday, to)
	in.Modality, in.Region = data.ModalityVideo, ""
	in.Plan = p.Plan(in.InterviewType, in.Modality)
	in.Now = monday.Add(-72 * time.Hour)
	return in
}

// planned is a confirmed video booking of interp, from-to on day, with plan.
func planned(id, interp string, day time.Time, from, to string, plan data.SafetyPlan) data.Booking {
	b := booking(id, interp, hm(day, from), hm(day, to), data.ModalityVideo)
	b.Safety = plan
	return b
}

func TestPolicyPlan(t *testing.T) {
	p := DefaultPolicy()
	if got, want := p.Plan(data.InterviewABEPolice, data.ModalityVideo), (data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute}); got != want {
		t.Errorf("ABE video plan %+v, want %+v", got, want)
	}
	if got := p.Plan(data.InterviewABEPolice, data.ModalityInPerson); got.Arrive != 5*time.Minute {
		t.Errorf("ABE in person arrives %v before the briefing, want 5m", got.Arrive)
	}
	b := data.Booking{Start: hm(monday, "10:00"), End: hm(monday, "11:00"), Safety: p.Plan(data.InterviewABEPolice, data.ModalityVideo)}
	if !b.HeldFrom().Equal(hm(monday, "09:45")) || !b.HeldUntil().Equal(hm(monday, "11:15")) {
		t.Errorf("an ABE booking 10:00-11:00 holds %v-%v, want 09:45-11:15", b.HeldFrom(), b.HeldUntil())
	}
}

func TestPlanHoldsTime(t *testing.T) {
	p := DefaultPolicy()
	abe := p.Plan(data.InterviewABEPolice, data.ModalityVideo)
	a := perfect("a")
	for _, tc := range []struct {
		name     string
		from, to string
		plan     bool
		existing data.Booking
		want     []string
	}{
		{"after its debrief, with a briefing", "11:15", "12:00", true, planned("b1", "a", monday, "10:00", "11:00", abe), []string{CodeUnavailable}},
		{"after its debrief and our briefing", "11:30", "12:00", true, planned("b1", "a", monday, "10:00", "11:00", abe), nil},
		{"at its end, no plan of ours", "11:00", "12:00", false, planned("b1", "a", monday, "10:00", "11:00", abe), []string{CodeUnavailable}},
		{"at its departure, no plan of ours", "11:15", "12:00", false, planned("b1", "a", monday, "10:00", "11:00", abe), nil},
		{"our debrief into its briefing", "08:00", "09:40", true, planned("b1", "a", monday, "10:00", "11:00", abe), []string{CodeUnavailable}},
		{"a bare booking before ours", "08:00", "09:00", true, planned("b1", "a", monday, "09:00", "09:40", data.SafetyPlan{}), []string{CodeUnavailable}},
		{"a bare booking ending at our briefing", "10:00", "11:00", true, planned("b1", "a", monday, "09:00", "09:45", data.SafetyPlan{}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := abeVideo(p, tc.from, tc.to)
			if !tc.plan {
				in.Plan = data.SafetyPlan{}
			}
			in.Bookings = []data.Booking{tc.existing}
			_, rs, err := Evaluate(in, a, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := codes(rs); !slices.Equal(got, tc.want) {
				t.Errorf("reasons %v, want %v", rs, tc.want)
			}
		})
	}
}

func TestNextAvailableCountsPlan(t *testing.T) {
	p := DefaultPolicy()
	abe := p.Plan(data.InterviewABEPolice, data.ModalityVideo)
	in := abeVideo(p, "10:30", "11:30")
	in.Pool = []data.Interpreter{perfect("a")}
	in.Bookings = []data.Booking{planned("b1", "a", monday, "10:00", "11:00", abe)}
	res, err := Match(in, p)
	if err != nil {
		t.Fatal(err)
	}
	// It departs at 11:15; ours needs 15 minutes of briefing first.
	if len(res.Excluded) != 1 || !res.Excluded[0].NextAvailable.Equal(hm(monday, "11:30")) {
		t.Fatalf("excluded %+v, want a next available at 11:30", res.Excluded)
	}
}

func TestWorkloadLimit(t *testing.T) {
	p := DefaultPolicy() // 2 a day, 8 a week
	a := perfect("a")
	in := abeVideo(p, "15:00", "16:00")
	in.Bookings = []data.Booking{
		planned("b1", "a", monday, "09:00", "10:00", data.SafetyPlan{}),
		planned("b2", "a", monday, "11:00", "12:00", data.SafetyPlan{}),
	}
	_, rs, err := Evaluate(in, a, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes(rs), []string{CodeWorkloadLimit}) || rs[0].Message != "already has 2 child interviews that day; the policy allows 2 a day" {
		t.Fatalf("a third interview on the day: %v, want workload_limit with its reason", rs)
	}
	// Rescheduling one of the two is not a third.
	in.IgnoreBookingID = "b2"
	if _, rs, _ := Evaluate(in, a, p); len(rs) != 0 {
		t.Errorf("moving the second of the day: %v, want a candidate", rs)
	}
	in.IgnoreBookingID = ""
	// A cancelled one does not count.
	in.Bookings[1].Status = data.BookingCancelled
	if _, rs, _ := Evaluate(in, a, p); len(rs) != 0 {
		t.Errorf("with one cancelled: %v, want a candidate", rs)
	}
	// The week: 8 on other days of it (Tuesday to Friday), none today.
	in.Bookings = nil
	for d := 1; d <= 4; d++ {
		for _, h := range []string{"09:00", "13:00"} {
			in.Bookings = append(in.Bookings, planned(fmt.Sprintf("w%d%s", d, h), "a", monday.AddDate(0, 0, d), h, h[:2]+":30", data.SafetyPlan{}))
		}
	}
	if _, rs, _ := Evaluate(in, a, p); !slices.Equal(codes(rs), []string{CodeWorkloadLimit}) {
		t.Errorf("a ninth interview in the week: %v, want workload_limit", rs)
	}
	// Next Monday is another week.
	next := abeVideo(p, "15:00", "16:00")
	next.Start, next.End = next.Start.AddDate(0, 0, 7), next.End.AddDate(0, 0, 7)
	next.Bookings = in.Bookings
	if _, rs, _ := Evaluate(next, a, p); len(rs) != 0 {
		t.Errorf("next week: %v, want a candidate", rs)
	}
}

func TestLongSession(t *testing.T) {
	p := DefaultPolicy()
	for _, tc := range []struct {
		to   string
		want string
	}{
		{"11:00", ""},
		{"11:01", "the interview lasts longer than 60 minutes: plan a break for the interpreter"},
		{"12:00", "the interview lasts longer than 60 minutes: plan a break for the interpreter"},
		{"12:01", "the interview lasts longer than 120 minutes: book two interpreters or split it"},
	} {
		c, rs, err := Evaluate(abeVideo(p, "10:00", tc.to), perfect("a"), p)
		if err != nil || len(rs) > 0 {
			t.Fatalf("10:00-%s: %v %v", tc.to, rs, err)
		}
		got := ""
		for _, w := range c.Warnings {
			if w.Code == CodeLongSession {
				got = w.Message
			}
		}
		if got != tc.want {
			t.Errorf("10:00-%s: long_session %q, want %q", tc.to, got, tc.want)
		}
	}
}

func TestRecentWorkloadFactor(t *testing.T) {
	p := DefaultPolicy()
	in := abeVideo(p, "10:00", "11:00")
	hard := planned("b1", "a", monday.AddDate(0, 0, -3), "10:00", "11:00", data.SafetyPlan{})
	hard.Status = data.BookingCompleted
	hard.Wellbeing = &data.Wellbeing{Distressing: true, MarkedAt: hard.End.Add(time.Hour)}
	in.Bookings = []data.Booking{hard}
	c, rs, err := Evaluate(in, perfect("a"), p)
	if err != nil || len(rs) > 0 {
		t.Fatalf("%v %v", rs, err)
	}
	i := slices.IndexFunc(c.Factors, func(f data.Factor) bool { return f.Factor == FactorRecentWorkload })
	if i < 0 || c.Factors[i].Points >= 0 || c.Factors[i].Reason != "marked an interview as distressing on 2026-12-04: ranked lower until 2026-12-18, and a debrief is offered" {
		t.Fatalf("factors %+v, want a negative recent_workload explained", c.Factors)
	}
	// Past the wellbeing period, nothing.
	in.Start, in.End = in.Start.AddDate(0, 0, 12), in.End.AddDate(0, 0, 12)
	if c, _, _ := Evaluate(in, perfect("a"), p); slices.ContainsFunc(c.Factors, func(f data.Factor) bool { return f.Factor == FactorRecentWorkload }) {
		t.Errorf("15 days later, factors %+v, want no recent_workload", c.Factors)
	}
}

// TestPropertyDistressNeverExcludes: marking bookings distressing changes
// no interpreter's reasons, and never raises a score.
func TestPropertyDistressNeverExcludes(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	p := DefaultPolicy()
	for run := range propertyRuns {
		in := randomInput(r, 20)
		in.Plan = p.Plan(in.InterviewType, in.Modality)
		marked := in
		marked.Bookings = slices.Clone(in.Bookings)
		for i := range marked.Bookings {
			if r.IntN(2) == 0 {
				marked.Bookings[i].Wellbeing = &data.Wellbeing{Distressing: true}
			}
		}
		for _, it := range in.Pool {
			c0, rs0, err := Evaluate(in, it, p)
			if err != nil {
				t.Fatal(err)
			}
			c1, rs1, err := Evaluate(marked, it, p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(codes(rs0), codes(rs1)) {
				t.Fatalf("run %d: %s: reasons %v unmarked, %v marked", run, it.ID, rs0, rs1)
			}
			if len(rs0) == 0 && c1.Score > c0.Score {
				t.Fatalf("run %d: %s scores %d marked, %d unmarked", run, it.ID, c1.Score, c0.Score)
			}
		}
	}
}

// TestPropertyWorkloadNeverRaises: one more booking of an interpreter (and
// one more in their recent count) never raises their score, and never
// turns an excluded interpreter into a candidate.
func TestPropertyWorkloadNeverRaises(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2))
	p := DefaultPolicy()
	for run := range propertyRuns {
		in := randomInput(r, 20)
		in.Plan = p.Plan(in.InterviewType, in.Modality)
		for _, it := range in.Pool {
			c0, rs0, err := Evaluate(in, it, p)
			if err != nil {
				t.Fatal(err)
			}
			more := in
			s := in.Start.Add(time.Duration(r.IntN(14*24*4)-7*24*4) * 15 * time.Minute)
			b := booking("extra", it.ID, s, s.Add(time.Duration(1+r.IntN(4))*30*time.Minute), pick(r, data.Modalities))
			b.Safety = p.Plan(b.InterviewType, b.Modality)
			more.Bookings = append(slices.Clone(in.Bookings), b)
			more.Recent = map[string]int{it.ID: in.Recent[it.ID] + 1}
			for k, v := range in.Recent {
				if k != it.ID {
					more.Recent[k] = v
				}
			}
			c1, rs1, err := Evaluate(more, it, p)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case len(rs0) > 0 && len(rs1) == 0:
				t.Fatalf("run %d: %s excluded %v, a candidate with one more booking", run, it.ID, rs0)
			case len(rs0) == 0 && len(rs1) == 0 && c1.Score > c0.Score:
				t.Fatalf("run %d: %s scores %d with one more booking, %d without", run, it.ID, c1.Score, c0.Score)
			}
		}
	}
}

func TestParsePolicySafety(t *testing.T) {
	p, err := ParsePolicy([]byte("arriveBefore: 10m\nworkload: {perDay: 3, perWeek: 0}\nwellbeingDays: 7\nlongSession: 45m\nsafety:\n  health: {briefing: 5m, departAfterChild: 20m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := data.SafetyPlan{Briefing: 5 * time.Minute, Debrief: 10 * time.Minute, Stagger: 20 * time.Minute, Arrive: 10 * time.Minute}
	if got := p.Plan(data.InterviewHealth, data.ModalityInPerson); got != want || p.Workload != (data.WorkloadCaps{PerDay: 3}) || p.WellbeingDays != 7 || p.LongSession != 45*time.Minute || p.VeryLongSession != 2*time.Hour {
		t.Errorf("parsed %+v (health in person %+v), want the file's values over the defaults", p, got)
	}
	for _, bad := range []string{"safety: {health: {briefing: 3h}}", "safety: {chat: {briefing: 5m}}", "safety: {health: {lunch: 5m}}", "workload: {perDay: -1}", "workload: {perMonth: 3}", "wellbeingDays: 400", "arriveBefore: soon"} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("ParsePolicy(%q) = nil error", bad)
		}
	}
}

// TestBusyWeekIsRecentWorkload: a week already half full of child
// interviews (half the weekly cap) costs the same recent_workload points
// as a distressing interview, with its own words for coordinators, so the
// factor a requester sees never tells them of the flag.
func TestBusyWeekIsRecentWorkload(t *testing.T) {
	p := DefaultPolicy() // 8 a week: 4 make it busy
	a := perfect("a")
	in := abeVideo(p, "15:00", "16:00")
	for d := 1; d <= 3; d++ {
		in.Bookings = append(in.Bookings, planned(fmt.Sprintf("w%d", d), "a", monday.AddDate(0, 0, d), "09:00", "10:00", data.SafetyPlan{}))
	}
	factor := func() (data.Factor, bool) {
		c, rs, err := Evaluate(in, a, p)
		if err != nil || len(rs) != 0 {
			t.Fatalf("evaluate: %v %v", rs, err)
		}
		for _, f := range c.Factors {
			if f.Factor == FactorRecentWorkload {
				return f, true
			}
		}
		return data.Factor{}, false
	}
	if f, ok := factor(); ok {
		t.Errorf("three interviews in the week: %+v, want no recent_workload", f)
	}
	in.Bookings = append(in.Bookings, planned("w4", "a", monday.AddDate(0, 0, 4), "09:00", "10:00", data.SafetyPlan{}))
	f, ok := factor()
	if !ok || f.Points != pointsRecentDistress || !strings.Contains(f.Reason, "4 child interviews this week") {
		t.Errorf("four interviews in the week: %+v (%v), want recent_workload of %d saying so", f, ok, pointsRecentDistress)
	}
}

// TestPolicyLateCancellation: 24 hours by default; the file sets it, from
// 0 to data.MaxLateCancellation, each bad value naming the key.
func TestPolicyLateCancellation(t *testing.T) {
	if d := DefaultPolicy().LateCancellation; d != 24*time.Hour {
		t.Errorf("default: %v, want 24h", d)
	}
	p, err := ParsePolicy([]byte("lateCancellation: 48h\n"))
	if err != nil || p.LateCancellation != 48*time.Hour {
		t.Errorf("48h: %v, %v", p.LateCancellation, err)
	}
	for _, bad := range []string{"lateCancellation: -1h", "lateCancellation: 400h", "lateCancellation: soon"} {
		if _, err := ParsePolicy([]byte(bad)); err == nil || !strings.Contains(err.Error(), "lateCancellation") {
			t.Errorf("%q: %v, want an error naming lateCancellation", bad, err)
		}
	}
}
