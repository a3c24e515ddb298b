package matching

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func TestFactors(t *testing.T) {
	in, a := testInput(), perfect("a")
	a.Gender = data.GenderMale
	a.Training = append(a.Training,
		data.Training{Kind: data.TrainingChildProtectionL3, Completed: data.MustDate("2025-05-01")},
		data.Training{Kind: data.TrainingTraumaInformed, Completed: data.MustDate("2025-05-01")},
		data.Training{Kind: data.TrainingTrafficking, Completed: data.MustDate("2025-05-01")},
	)
	a.Qualifications = append(a.Qualifications, data.Qualification{Kind: data.QualificationNRPSIFull})
	a.Experience = data.Experience{ChildInterviews: 23, TraffickingCases: 40, Years: 9}
	a.CommunityLinks = []data.CommunityLink{{Kind: data.LinkCountry, Value: "IQ"}, {Kind: data.LinkTown, Value: "Erbil"}}
	in.Case.Child.InterpreterGender = data.GenderWish{Preference: data.GenderMale}
	in.Recent = map[string]int{"a": 3}
	in.Unreliable = map[string]int{"a": 2}
	done := booking("h1", "a", testStart.AddDate(0, -2, 0), testStart.AddDate(0, -2, 0).Add(testEnd.Sub(testStart)), data.ModalityVideo)
	done.Status, done.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: true}
	in.History = []data.Sitting{done.Sitting()}

	c, rs := evaluate(t, in, a)
	if len(rs) != 0 {
		t.Fatalf("excluded: %v", rs)
	}
	want := map[string]int{
		FactorContinuity:           100,
		FactorLanguage:             26,
		FactorTraumaInformed:       8,
		FactorTraffickingTraining:  6,
		FactorChildProtection:      3, // level 3 over the level 2 required
		FactorQualification:        10,
		FactorChildInterviews:      4,
		FactorTraffickingCases:     10, // capped
		FactorPreferredGender:      10,
		FactorFairSpread:           4,
		FactorReliability:          -10,
		FactorCommunityLinkPenalty: -10,
	}
	if diff := cmp.Diff(want, factorPoints(c.Factors)); diff != "" {
		t.Errorf("factors (-want +got):\n%s", diff)
	}
	sum := 0
	for _, f := range c.Factors {
		sum += f.Points
		if f.Reason == "" {
			t.Errorf("factor %s has no reason", f.Factor)
		}
	}
	if c.Score != sum {
		t.Errorf("score %d, factors sum to %d", c.Score, sum)
	}
	if diff := cmp.Diff([]string{CodeCommunityLink}, codes(c.Warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestContinuityComesFirst: the continuity bonus outweighs every other bonus
// together, so an interpreter the child was comfortable with, and otherwise
// minimal, ranks above one with every other bonus at its cap.
func TestContinuityComesFirst(t *testing.T) {
	p := DefaultPolicy()
	p.Requirements[data.InterviewHealth] = Requirement{Clearance: data.ClearanceBasic} // minCP 0: largest CP bonus
	in := testInput()
	in.InterviewType = data.InterviewHealth
	in.Case.Child.InterpreterGender = data.GenderWish{Preference: data.GenderFemale}

	maxed := perfect("a-maxed")
	maxed.Training = nil
	for _, k := range data.TrainingKinds {
		maxed.Training = append(maxed.Training, data.Training{Kind: k, Completed: data.MustDate("2025-01-01")})
	}
	maxed.Qualifications = []data.Qualification{{Kind: data.QualificationNRPSIFull}}
	maxed.Experience = data.Experience{ChildInterviews: 1000, TraffickingCases: 1000, Years: 40}

	trusted := perfect("z-trusted")
	trusted.Gender = data.GenderMale
	trusted.Languages = []data.LanguageSkill{{Tag: "ckb-IQ", Proficiency: data.ProficiencyProfessional}}
	trusted.Qualifications = nil
	trusted.Training = []data.Training{{Kind: data.TrainingChildProtectionL1, Completed: data.MustDate("2025-01-01")}}
	in.Recent = map[string]int{"z-trusted": 20}
	done := booking("h1", "z-trusted", testStart.AddDate(0, -1, 0), testStart.AddDate(0, -1, 0).Add(testEnd.Sub(testStart)), data.ModalityVideo)
	done.Status, done.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: true}
	in.History = []data.Sitting{done.Sitting()}
	in.Pool = []data.Interpreter{maxed, trusted}

	r, err := Match(in, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Candidates) != 2 || r.Candidates[0].Interpreter.ID != "z-trusted" {
		t.Fatalf("candidates = %v, want z-trusted first", r.Candidates)
	}
	if got := r.Candidates[1].Score; got >= pointsContinuity {
		t.Errorf("every other bonus together = %d, not below continuity's %d", got, pointsContinuity)
	}
	for _, f := range r.Candidates[1].Factors {
		if f.Points >= pointsContinuity {
			t.Errorf("factor %s = %d outweighs continuity", f.Factor, f.Points)
		}
	}
}

func TestCommunityLinkPenalty(t *testing.T) {
	in := testInput()
	plain := perfect("a")
	linked := perfect("b")
	linked.CommunityLinks = []data.CommunityLink{
		{Kind: data.LinkCountry, Value: "iq"}, {Kind: data.LinkCountry, Value: "IQ"}, // one value, counted once
		{Kind: data.LinkRegion, Value: "IQ-SU"},
		{Kind: data.LinkCountry, Value: "GB"}, // not shared
	}
	in.Pool = []data.Interpreter{linked, plain}
	r := match(t, in)
	if rankOf(r, "a") != 0 || rankOf(r, "b") != 1 {
		t.Fatalf("ranking %v, want a before b", r.Candidates)
	}
	if d := r.Candidates[0].Score - r.Candidates[1].Score; d != 20 {
		t.Errorf("penalty = %d, want 20", d)
	}
	if diff := cmp.Diff([]string{CodeCommunityLink}, codes(r.Candidates[1].Warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestLapsingWarnings(t *testing.T) {
	// testEnd is on 2026-06-10 in London; 30 days later is 2026-07-10.
	tests := []struct {
		name  string
		fix   func(*data.Interpreter)
		codes []string
	}{
		{"clearance last day 29 days after", func(i *data.Interpreter) { i.Clearance.ValidUntil = data.MustDate("2026-07-09") }, []string{CodeClearanceLapsing}},
		{"clearance on the interview day", func(i *data.Interpreter) { i.Clearance.ValidUntil = data.MustDate("2026-06-10") }, []string{CodeClearanceLapsing}},
		{"clearance last day 30 days after", func(i *data.Interpreter) { i.Clearance.ValidUntil = data.MustDate("2026-07-10") }, nil},
		{"training lapsing", func(i *data.Interpreter) { i.Training[0].Expires = data.MustDate("2026-06-20") }, []string{CodeTrainingLapsing}},
		{"training lapsing, another lasts", func(i *data.Interpreter) {
			i.Training[0].Expires = data.MustDate("2026-06-20")
			i.Training = append(i.Training, data.Training{Kind: data.TrainingChildProtectionL3, Completed: data.MustDate("2026-01-01"), Expires: data.MustDate("2029-01-01")})
		}, nil},
		{"unrequired training lapsing", func(i *data.Interpreter) {
			i.Training = append(i.Training, data.Training{Kind: data.TrainingTraumaInformed, Completed: data.MustDate("2024-01-01"), Expires: data.MustDate("2026-06-20")})
		}, nil},
		{"both", func(i *data.Interpreter) {
			i.Clearance.ValidUntil = data.MustDate("2026-06-11")
			i.Training[0].Expires = data.MustDate("2026-06-11")
		}, []string{CodeClearanceLapsing, CodeTrainingLapsing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := perfect("a")
			tt.fix(&a)
			c, rs := evaluate(t, testInput(), a)
			if len(rs) != 0 {
				t.Fatalf("excluded: %v", rs)
			}
			if diff := cmp.Diff(tt.codes, codes(c.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEqualScoresByID(t *testing.T) {
	in := testInput()
	in.Pool = []data.Interpreter{perfect("c"), perfect("a"), perfect("b")}
	in.Recent = map[string]int{"b": 5} // b scores less
	r := match(t, in)
	var got []string
	for _, c := range r.Candidates {
		got = append(got, c.Interpreter.ID)
	}
	if diff := cmp.Diff([]string{"a", "c", "b"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestExcludedByID(t *testing.T) {
	in := testInput()
	var pool []data.Interpreter
	for _, id := range []string{"d", "b", "c", "a"} {
		i := perfect(id)
		i.Vetting.Status = data.VettingPending
		pool = append(pool, i)
	}
	in.Pool = pool
	r := match(t, in)
	var got []string
	for _, x := range r.Excluded {
		got = append(got, x.Interpreter.ID)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
