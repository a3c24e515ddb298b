package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// matchAt is a match request for the tests' interview, shifted by days.
func matchAt(days, limit int) app.MatchRequest {
	start := interview.AddDate(0, 0, days)
	return app.MatchRequest{Start: start, End: start.Add(90 * time.Minute), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Limit: limit}
}

// TestMatch: candidates and the excluded with every reason, all in the
// reduced view; an interpreter excluded only as busy says when they are
// next free.
func TestMatch(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	hana, dara := e.approved("hana"), e.approved("dara")
	pending := e.interpreter(eligible("pending"), "")
	french := eligible("french")
	french.Languages = []data.LanguageSkill{{Tag: "fr", Proficiency: data.ProficiencyNative}}
	e.interpreter(french, data.DecisionApprove)
	busy := e.book(sw, request(c.ID, hana.ID, 0))

	res, err := e.app.Match(ctx, sw, c.ID, matchAt(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var candidates []string
	for _, cand := range res.Candidates {
		candidates = append(candidates, cand.Interpreter.ID)
		if cand.Interpreter.Phone != "" || cand.Interpreter.Clearance.Certificate != "" || cand.Interpreter.Full || cand.Score <= 0 {
			t.Errorf("candidate %+v", cand)
		}
	}
	if diff := cmp.Diff([]string{dara.ID}, candidates); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	excluded := map[string][]string{}
	for _, ex := range res.Excluded {
		for _, r := range ex.Reasons {
			excluded[ex.Interpreter.ID] = append(excluded[ex.Interpreter.ID], r.Code)
		}
		if ex.Interpreter.ID == hana.ID && !ex.NextAvailable.After(busy.Start) {
			t.Errorf("next available %v, want after the booking", ex.NextAvailable)
		}
		if ex.Interpreter.ID == pending.ID && !ex.NextAvailable.IsZero() {
			t.Errorf("pending interpreter next available %v", ex.NextAvailable)
		}
	}
	want := map[string][]string{hana.ID: {matching.CodeUnavailable}, pending.ID: {matching.CodeNotApproved}}
	if diff := cmp.Diff(want, excluded); diff != "" {
		t.Errorf("excluded (-want +got):\n%s", diff)
	}

	res, err = e.app.Match(ctx, sw, c.ID, matchAt(1, 1))
	if err != nil || len(res.Candidates) != 1 || len(res.Excluded) != 1 {
		t.Errorf("limit 1: %d candidates, %d excluded, %v; want 1 and the one excluded", len(res.Candidates), len(res.Excluded), err)
	}
}

func TestMatchRequestRules(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	tests := []struct {
		name  string
		req   app.MatchRequest
		field string
	}{
		{"limit above 100", matchAt(0, 101), "limit"},
		{"negative limit", matchAt(0, -1), "limit"},
		{"in the past", app.MatchRequest{Start: testNow.Add(-2 * time.Hour), End: testNow.Add(-time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityPhone}, "start"},
		{"too long", app.MatchRequest{Start: interview, End: interview.Add(13 * time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityPhone}, "end"},
		{"an unknown interview type", app.MatchRequest{Start: interview, End: interview.Add(time.Hour), InterviewType: "tea", Modality: data.ModalityPhone}, "interviewType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.app.Match(t.Context(), sw, c.ID, tc.req)
			f := wantKind(t, err, app.KindInvalid)
			if len(f.Fields) == 0 || f.Fields[0].Field != tc.field {
				t.Errorf("fields %v, want %s first", f.Fields, tc.field)
			}
		})
	}
	_, err := e.app.Match(t.Context(), sw, "nothing", matchAt(0, 0))
	wantKind(t, err, app.KindNotFound)
}

// TestFairSpreadCountsUpcoming: fair spread counts the work an
// interpreter already has coming, not only what they did: of two equal
// interpreters, the one booked for another interview next week scores
// less for spread, and the reason says what was counted.
func TestFairSpreadCountsUpcoming(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	hana, dara := e.approved("hana"), e.approved("dara")
	e.book(sw, request(e.newCase(sw, "NR-9").ID, hana.ID, 7)) // a week after the interview, still ahead
	res, err := e.app.Match(t.Context(), sw, e.newCase(sw, "NR-1").ID, matchAt(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	spread := map[string]data.Factor{}
	for _, c := range res.Candidates {
		for _, f := range c.Factors {
			if f.Factor == matching.FactorFairSpread {
				spread[c.Interpreter.ID] = f
			}
		}
	}
	if h, d := spread[hana.ID], spread[dara.ID]; h.Points >= d.Points || h.Reason != "fair spread of work: 1 booking in the 30 days before and after today" {
		t.Errorf("fair spread: hana %+v, dara %+v; want hana's lower for her booking to come", h, d)
	}
}

// TestMatchFollowsWrites: a match sees every write made since the last
// one, whatever the store kept of the pool for it: a booking made and
// cancelled, a suspension, a new speaker.
func TestMatchFollowsWrites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-1")
	hana, dara := e.approved("hana"), e.approved("dara")
	other := e.newCase(sw, "NR-2")
	reasons := func(step string) (candidates []string, excluded map[string][]string) {
		t.Helper()
		res, err := e.app.Match(ctx, sw, c.ID, matchAt(0, 0))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		excluded = map[string][]string{}
		for _, cand := range res.Candidates {
			candidates = append(candidates, cand.Interpreter.ID)
		}
		for _, ex := range res.Excluded {
			for _, r := range ex.Reasons {
				excluded[ex.Interpreter.ID] = append(excluded[ex.Interpreter.ID], r.Code)
			}
		}
		return candidates, excluded
	}
	if got, _ := reasons("first"); len(got) != 2 {
		t.Fatalf("first match: candidates %v, want hana and dara", got)
	}
	busy := e.book(sw, request(other.ID, hana.ID, 0))
	if _, ex := reasons("booked"); !cmp.Equal(ex[hana.ID], []string{matching.CodeUnavailable}) {
		t.Errorf("after booking hana elsewhere: her reasons %v, want unavailable", ex[hana.ID])
	}
	if _, err := e.app.CancelBooking(ctx, sw, busy.ID, "moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DecideVetting(ctx, coord, dara.ID, data.DecisionSuspend, "lapsed"); err != nil {
		t.Fatal(err)
	}
	got, ex := reasons("cancelled and suspended")
	if !cmp.Equal(got, []string{hana.ID}) || !cmp.Equal(ex[dara.ID], []string{matching.CodeNotApproved}) {
		t.Errorf("after cancelling hana's booking and suspending dara: candidates %v, dara's reasons %v", got, ex[dara.ID])
	}
	avan := e.approved("avan")
	if got, _ := reasons("a speaker added"); len(got) != 2 || !slices.Contains(got, avan.ID) {
		t.Errorf("after approving avan: candidates %v, want hana and avan", got)
	}
}
