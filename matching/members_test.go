package matching

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// members returns in.Pool and in.Bookings as a data.PoolStore hands them
// out: each interpreter's profile and the slots of their bookings that
// hold their time, sorted, the pool in ID order.
func members(in Input) []data.PoolMember {
	pool := slices.Clone(in.Pool)
	slices.SortFunc(pool, func(a, b data.Interpreter) int { return cmpString(a.ID, b.ID) })
	out := make([]data.PoolMember, len(pool))
	for i := range pool {
		var slots []data.Slot
		for _, b := range in.Bookings {
			if b.InterpreterID == pool[i].ID && b.Status.HoldsTime() {
				slots = append(slots, data.SlotOf(b))
			}
		}
		slices.SortFunc(slots, data.CompareSlots)
		out[i] = data.PoolMember{Profile: data.NewProfile(&pool[i]), Slots: slots}
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// varied adds to a random input what randomInput leaves out and the fast
// path judges apart: safety plans on bookings and on the request,
// distressing interviews, a booking being moved, and workload caps. Its
// bookings stay within what a store keeps (data.Booking.CheckStorable),
// which the fast path relies on (judgedStarts).
func varied(r *rand.Rand, in Input, p Policy) (Input, Policy) {
	in.Bookings = slices.Clone(in.Bookings)
	for i := range in.Bookings {
		b := &in.Bookings[i]
		if r.IntN(4) == 0 {
			b.Safety = data.SafetyPlan{Briefing: time.Duration(r.IntN(4)) * 15 * time.Minute, Debrief: time.Duration(r.IntN(3)) * 15 * time.Minute, Arrive: time.Duration(r.IntN(3)) * 10 * time.Minute}
		}
		if r.IntN(6) == 0 {
			b.Wellbeing = &data.Wellbeing{Distressing: true}
			days := r.IntN(20) // moved back, within a store's bounds (data.Booking.CheckStorable)
			b.Start, b.End = b.Start.AddDate(0, 0, -days), b.End.AddDate(0, 0, -days)
		}
	}
	if len(in.Bookings) > 0 && r.IntN(4) == 0 {
		in.IgnoreBookingID = pick(r, in.Bookings).ID
	}
	if r.IntN(3) == 0 {
		in.Plan = data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 30 * time.Minute}
	}
	if r.IntN(2) == 0 {
		p.Workload = data.WorkloadCaps{PerDay: 1 + r.IntN(2), PerWeek: 2 + r.IntN(6)}
	}
	if r.IntN(4) == 0 {
		p.TravelBuffer = time.Duration(r.IntN(5)) * 15 * time.Minute
	}
	return in, p
}

// TestPropertyMembersRankAlike: judging members (the fast path a store's
// profiles and slots take) gives exactly what judging the records and
// bookings gives, on random pools: the same candidates in the same order
// with the same scores, factors and warnings, and the same excluded with
// the same reasons and next available times; in every other run the fast
// path counts the recent bookings (Recent nil) that the plain path is
// given. Each run releases its result, so that the runs after it judge in
// arrays an earlier match filled, as the service's matches do.
func TestPropertyMembersRankAlike(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for run := range propertyRuns {
		in, p := varied(r, randomInput(r, 40), basePolicy())
		countRecent := run%2 == 1
		if countRecent { // the plain path is told what the fast path counts
			in.Recent = map[string]int{}
			for _, b := range in.Bookings {
				if b.Status.HoldsTime() && !b.Start.Before(in.Now.Add(-RecentWindow)) && b.Start.Before(in.Now.Add(RecentWindow)) {
					in.Recent[b.InterpreterID]++
				}
			}
		}
		plain, err := Match(in, p)
		if err != nil {
			t.Fatal(err)
		}
		fast := in
		fast.Members, fast.Pool, fast.Bookings = members(in), nil, nil
		if countRecent {
			fast.Recent = nil
		}
		got, err := Match(fast, p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(plain, got, cmpOpts); diff != "" {
			t.Fatalf("run %d: members judged otherwise (-records +members):\n%s", run, diff)
		}
		// The next run judges in the arrays this one filled.
		got.Release()
		if run == 0 && len(plain.Candidates) == 0 {
			t.Fatal("the first run has no candidate: the property compares nothing")
		}
	}
}

// TestMembersCoverEveryRule: over the random runs, the fast path meets
// every hard rule, every next available time and every factor, so that
// the property above compares them all.
func TestMembersCoverEveryRule(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	seen := map[string]bool{}
	next := false
	for range propertyRuns {
		in, p := varied(r, randomInput(r, 40), basePolicy())
		in.Members, in.Pool, in.Bookings = members(in), nil, nil
		res, err := Match(in, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range res.Excluded {
			for _, rs := range x.Reasons {
				seen[rs.Code] = true
			}
			next = next || !x.NextAvailable.IsZero()
		}
		for _, c := range res.Candidates {
			for _, f := range c.Factors {
				seen[f.Factor] = true
			}
		}
	}
	for _, code := range append(slices.Clone(HardRuleCodes), FactorRecentWorkload, FactorCommunityLinkPenalty, FactorContinuity) {
		if !seen[code] {
			t.Errorf("no run met %s", code)
		}
	}
	if !next {
		t.Error("no run had a next available time")
	}
}
