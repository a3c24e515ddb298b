package matching

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// The property tests run Match on random pools and cases with a fixed seed.

const propertyRuns = 300

var (
	randTags  = []string{"ckb", "kmr", "ku", "ar", "apd", "ar-SD", "arz", "ti", "ti-ER", "fa", "prs", "sq", "aln", "en"}
	randLinks = []data.CommunityLink{
		{Kind: data.LinkCountry, Value: "IQ"}, {Kind: data.LinkCountry, Value: "ER"}, {Kind: data.LinkCountry, Value: "SD"},
		{Kind: data.LinkRegion, Value: "IQ-SU"}, {Kind: data.LinkRegion, Value: "ER-MA"},
		{Kind: data.LinkTown, Value: "Ranya"}, {Kind: data.LinkTown, Value: "Keren"},
		{Kind: data.LinkFamily, Value: "Qadir"}, {Kind: data.LinkPlaceOfWorship, Value: "St Mary"},
		{Kind: data.LinkOrganisation, Value: "Lucky Star"}, {Kind: data.LinkCase, Value: "REF-1"}, {Kind: data.LinkCase, Value: "REF-9"},
	}
	randRegions = []string{"GB-LND", "GB-KEN", "GB-MAN", "GB-BIR"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// randomInput builds a random but plausible input: a pool of n interpreters
// around one interview, with their bookings, the case's history and counts.
func randomInput(r *rand.Rand, n int) Input {
	start := time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 7+r.IntN(10), 15*r.IntN(4), 0, 0, time.UTC)
	if r.IntN(4) == 0 { // a few days either side of a clock change
		start = pick(r, clockChanges).Add(time.Duration(r.IntN(4*24*8)-4*24*5) * 15 * time.Minute)
	}
	end := start.Add(time.Duration(1+r.IntN(4)) * 30 * time.Minute)
	day := data.LondonDate(end)
	in := Input{
		Request: Request{
			Case:  data.Case{ID: "case", Reference: "REF-1", LinkedReferences: []string{"REF-2"}},
			Start: start, End: end,
			InterviewType: pick(r, data.InterviewTypes),
			Modality:      pick(r, data.Modalities),
			Region:        pick(r, randRegions),
		},
		Recent: map[string]int{}, Unreliable: map[string]int{},
		Now: start.Add(-72 * time.Hour),
	}
	c := &in.Case.Child
	c.Languages = []string{pick(r, randTags)}
	if r.IntN(3) == 0 {
		c.Languages = append(c.Languages, pick(r, randTags))
	}
	for range r.IntN(4) {
		c.CommunityLinks = append(c.CommunityLinks, pick(r, randLinks))
	}
	c.AvoidOwnCommunity = r.IntN(4) == 0
	if r.IntN(2) == 0 {
		c.InterpreterGender = data.GenderWish{Preference: pick(r, data.Genders), Required: r.IntN(3) == 0}
	}
	strong := []data.ClearanceLevel{data.ClearanceEnhanced, data.ClearanceEnhancedBarredChildren}
	for i := range n {
		id := fmt.Sprintf("i%03d", i)
		it := data.Interpreter{
			ID: id, Gender: pick(r, data.Genders),
			Clearance:  data.Clearance{Level: pick(r, strong), ValidUntil: day.AddDays(r.IntN(400))},
			Vetting:    data.Vetting{Status: data.VettingApproved},
			Agreements: data.Agreements{ConfidentialitySigned: day.AddDays(-400)},
			Experience: data.Experience{
				ChildInterviews: r.IntN(80), TraffickingCases: r.IntN(30), Years: r.IntN(20),
			},
		}
		if r.IntN(6) == 0 {
			it.Clearance = data.Clearance{Level: pick(r, data.ClearanceLevels), ValidUntil: day.AddDays(r.IntN(60) - 30)}
		}
		if r.IntN(12) == 0 {
			it.Vetting.Status = pick(r, data.VettingStatuses)
		}
		if r.IntN(12) == 0 {
			it.Agreements = data.Agreements{}
		}
		for range 1 + r.IntN(2) {
			if tag := pick(r, randTags); !slices.ContainsFunc(it.Languages, func(l data.LanguageSkill) bool { return l.Tag == tag }) {
				it.Languages = append(it.Languages, data.LanguageSkill{Tag: tag, Proficiency: pick(r, data.Proficiencies)})
			}
		}
		for _, m := range data.Modalities {
			if r.IntN(6) != 0 {
				it.Modalities = append(it.Modalities, m)
			}
		}
		for _, g := range randRegions {
			if r.IntN(6) != 0 {
				it.Regions = append(it.Regions, g)
			}
		}
		cp := randomTraining(r, day)
		cp.Kind = pick(r, []data.TrainingKind{data.TrainingChildProtectionL2, data.TrainingChildProtectionL3, data.TrainingChildProtectionL1})
		other := randomTraining(r, day)
		other.Kind = pick(r, []data.TrainingKind{data.TrainingABEInterviewing, data.TrainingTrafficking})
		it.Training = append(it.Training, cp, other)
		for range r.IntN(4) {
			it.Training = append(it.Training, randomTraining(r, day))
		}
		for range 1 + r.IntN(2) {
			q := data.Qualification{Kind: pick(r, data.QualificationKinds), Awarded: day.AddDays(-r.IntN(4000))}
			if r.IntN(2) == 0 {
				q.Kind = pick(r, []data.QualificationKind{data.QualificationDPSILaw, data.QualificationNRPSIFull})
			}
			if r.IntN(3) == 0 {
				q.Expires = day.AddDays(r.IntN(300) - 30)
			}
			it.Qualifications = append(it.Qualifications, q)
		}
		for range r.IntN(3) {
			if r.IntN(2) == 0 {
				it.CommunityLinks = append(it.CommunityLinks, pick(r, randLinks))
			}
		}
		if r.IntN(3) == 0 {
			it.Availability = randomAvailability(r, start)
		}
		in.Pool = append(in.Pool, it)
		for range r.IntN(4) {
			s := start.Add(time.Duration(r.IntN(16*24*4)-4*24) * 15 * time.Minute)
			if r.IntN(4) == 0 { // near the slot
				s = start.Add(time.Duration(r.IntN(24)-12) * 15 * time.Minute)
			}
			b := booking(fmt.Sprintf("b%d", len(in.Bookings)), id, s, s.Add(time.Duration(1+r.IntN(8))*30*time.Minute), pick(r, data.Modalities))
			if r.IntN(5) == 0 {
				b.Status = pick(r, []data.BookingStatus{data.BookingCancelled, data.BookingCompleted})
			}
			in.Bookings = append(in.Bookings, b)
		}
		if r.IntN(8) == 0 {
			h := booking("h"+id, id, start.AddDate(0, -1, 0), start.AddDate(0, -1, 0).Add(time.Hour), data.ModalityVideo)
			h.Status, h.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: r.IntN(3) != 0}
			in.History = append(in.History, h.Sitting())
		}
		if k := r.IntN(6); k > 0 {
			in.Recent[id] = k
		}
		if r.IntN(5) == 0 {
			in.Unreliable[id] = 1 + r.IntN(3)
		}
	}
	if n > 0 && r.IntN(5) == 0 {
		in.Case.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: pick(r, in.Pool).ID}}
	}
	return in
}

func randomTraining(r *rand.Rand, day data.Date) data.Training {
	t := data.Training{Kind: pick(r, data.TrainingKinds), Completed: day.AddDays(-r.IntN(1500) + 5)}
	if r.IntN(3) == 0 {
		t.Expires = day.AddDays(r.IntN(300) - 20)
	}
	return t
}

// TestPropertyConsistent: candidates and excluded are disjoint pool members,
// scores are their factors' sums, the ranking is ordered, NextAvailable is
// set only for those ruled out only by time (unavailable, off_duty), and
// Evaluate agrees with Match on every pool member.
func TestPropertyConsistent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := basePolicy()
	for run := range propertyRuns {
		in := randomInput(r, 30)
		res := match(t, in)
		seen := map[string]bool{}
		for i, c := range res.Candidates {
			seen[c.Interpreter.ID] = true
			sum := 0
			for _, f := range c.Factors {
				sum += f.Points
			}
			if sum != c.Score {
				t.Fatalf("run %d: %s scores %d, factors sum to %d", run, c.Interpreter.ID, c.Score, sum)
			}
			if i > 0 {
				if prev := res.Candidates[i-1]; prev.Score < c.Score || (prev.Score == c.Score && prev.Interpreter.ID >= c.Interpreter.ID) {
					t.Fatalf("run %d: candidates out of order at %d", run, i)
				}
			}
		}
		for _, x := range res.Excluded {
			if seen[x.Interpreter.ID] {
				t.Fatalf("run %d: %s is both candidate and excluded", run, x.Interpreter.ID)
			}
			seen[x.Interpreter.ID] = true
			if len(x.Reasons) == 0 {
				t.Fatalf("run %d: %s excluded without a reason", run, x.Interpreter.ID)
			}
			if !onlyTime(x.Reasons) && !x.NextAvailable.IsZero() {
				t.Fatalf("run %d: %s has NextAvailable with reasons %v", run, x.Interpreter.ID, x.Reasons)
			}
		}
		for _, it := range in.Pool {
			c, rs, err := Evaluate(in, it, p)
			if err != nil {
				t.Fatal(err)
			}
			if i := rankOf(res, it.ID); i >= 0 {
				if len(rs) != 0 || !reflect.DeepEqual(res.Candidates[i], c) {
					t.Fatalf("run %d: Evaluate(%s) = %v (-match +evaluate):\n%s", run, it.ID, rs, cmp.Diff(res.Candidates[i], c, cmpOpts))
				}
			} else if j := slices.IndexFunc(res.Excluded, func(x Excluded) bool { return x.Interpreter.ID == it.ID }); j >= 0 {
				if !cmp.Equal(res.Excluded[j].Reasons, rs) {
					t.Fatalf("run %d: Evaluate(%s) reasons %v, Match %v", run, it.ID, rs, res.Excluded[j].Reasons)
				}
			} else if !slices.Contains(codes(rs), CodeLanguageMismatch) {
				t.Fatalf("run %d: %s, outside the pool, gets %v from Evaluate", run, it.ID, rs)
			}
		}
	}
}

// TestPropertyDeterministic: the same input gives the same output, and so
// does the same input with its pool and bookings shuffled.
func TestPropertyDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for run := range propertyRuns {
		in := randomInput(r, 30)
		first := match(t, in)
		if second := match(t, in); !reflect.DeepEqual(first, second) {
			t.Fatalf("run %d: second Match differs:\n%s", run, cmp.Diff(first, second, cmpOpts))
		}
		in.Pool, in.Bookings, in.History = slices.Clone(in.Pool), slices.Clone(in.Bookings), slices.Clone(in.History)
		r.Shuffle(len(in.Pool), func(i, j int) { in.Pool[i], in.Pool[j] = in.Pool[j], in.Pool[i] })
		r.Shuffle(len(in.Bookings), func(i, j int) { in.Bookings[i], in.Bookings[j] = in.Bookings[j], in.Bookings[i] })
		r.Shuffle(len(in.History), func(i, j int) { in.History[i], in.History[j] = in.History[j], in.History[i] })
		if shuffled := match(t, in); !reflect.DeepEqual(first, shuffled) {
			t.Fatalf("run %d: Match of the shuffled input differs:\n%s", run, cmp.Diff(first, shuffled, cmpOpts))
		}
	}
}

// TestPropertySharedLinkNeverHelps: adding a link the child also has to one
// interpreter never raises their score or rank, and never changes another's.
func TestPropertySharedLinkNeverHelps(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for run := 0; run < propertyRuns; {
		in := randomInput(r, 30)
		in.Case.Child.CommunityLinks = append(in.Case.Child.CommunityLinks, pick(r, randLinks))
		before := match(t, in)
		if len(before.Candidates) == 0 {
			continue // only runs with a candidate count
		}
		run++
		who := pick(r, before.Candidates).Interpreter.ID
		i := slices.IndexFunc(in.Pool, func(x data.Interpreter) bool { return x.ID == who })
		in.Pool = slices.Clone(in.Pool)
		in.Pool[i] = clone(in.Pool[i])
		l := pick(r, in.Case.Child.CommunityLinks)
		in.Pool[i].CommunityLinks = append(in.Pool[i].CommunityLinks, data.CommunityLink{Kind: l.Kind, Value: " " + l.Value + " "})
		after := match(t, in)
		assertNotBetter(t, run, before, after, who)
	}
}

// TestPropertyMoreMeritNeverHurts: adding training or experience to one
// interpreter never lowers their score or rank, never excludes a candidate,
// and never adds a reason to an excluded one.
func TestPropertyMoreMeritNeverHurts(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for run := range propertyRuns {
		in := randomInput(r, 30)
		before := match(t, in)
		i := r.IntN(len(in.Pool))
		who := in.Pool[i].ID
		in.Pool = slices.Clone(in.Pool)
		in.Pool[i] = clone(in.Pool[i])
		switch r.IntN(3) {
		case 0:
			in.Pool[i].Training = append(in.Pool[i].Training, randomTraining(r, data.LondonDate(in.End)))
		case 1:
			in.Pool[i].Experience.ChildInterviews += 1 + r.IntN(30)
		default:
			in.Pool[i].Experience.TraffickingCases += 1 + r.IntN(30)
		}
		after := match(t, in)
		// Viewed from after, before had less merit: before is "not better".
		if rb := rankOf(before, who); rb >= 0 {
			ra := rankOf(after, who)
			if ra < 0 || ra > rb || after.Candidates[ra].Score < before.Candidates[rb].Score {
				t.Fatalf("run %d: %s went from rank %d to %d", run, who, rb, ra)
			}
		}
		if xa := excludedReasons(after, who); xa != nil {
			xb := excludedReasons(before, who)
			for _, c := range xa {
				if !slices.Contains(xb, c) {
					t.Fatalf("run %d: %s gained reason %s", run, who, c)
				}
			}
		}
	}
}

// assertNotBetter checks who ranks no higher and scores no more in after,
// or is excluded there, and every other candidate keeps their score.
func assertNotBetter(t *testing.T, run int, before, after Result, who string) {
	t.Helper()
	rb, ra := rankOf(before, who), rankOf(after, who)
	if ra >= 0 && (ra < rb || after.Candidates[ra].Score > before.Candidates[rb].Score) {
		t.Fatalf("run %d: %s went from rank %d (%d) to %d (%d)", run, who, rb, before.Candidates[rb].Score, ra, after.Candidates[ra].Score)
	}
	for _, c := range before.Candidates {
		if c.Interpreter.ID == who {
			continue
		}
		if j := rankOf(after, c.Interpreter.ID); j < 0 || after.Candidates[j].Score != c.Score {
			t.Fatalf("run %d: %s changed when only %s did", run, c.Interpreter.ID, who)
		}
	}
}

func excludedReasons(r Result, id string) []string {
	for _, x := range r.Excluded {
		if x.Interpreter.ID == id {
			return codes(x.Reasons)
		}
	}
	return nil
}
