package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// unmet lists org's unmet need, every page.
func (e *env) unmet(org string) []data.UnmetNeed {
	e.t.Helper()
	var out []data.UnmetNeed
	q := data.UnmetNeedQuery{Organisation: org, Limit: 2}
	for {
		page, err := e.store.ListUnmetNeed(e.t.Context(), q)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

// tigrinyaCase is a case of a Tigrinya-speaking child.
func (e *env) tigrinyaCase(actor data.User, reference string) data.Case {
	e.t.Helper()
	c, err := e.app.CreateCase(e.t.Context(), actor, data.Case{Reference: reference, Child: data.Child{Languages: []string{"ti"}, AgeBand: data.Age12To15}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func slot(start time.Time) app.MatchRequest {
	return app.MatchRequest{Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo}
}

// TestSearchNeed: a search that finds nobody is recorded once per case,
// slot and hour, with why (nobody speaks the language; or the rules that
// excluded each speaker), audited; a search that finds someone records
// nothing.
func TestSearchNeed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	ti := e.tigrinyaCase(sw, "TI-1")
	for range 3 { // the same search, again and again within the hour
		if res, err := e.app.Match(ctx, sw, ti.ID, slot(interview)); err != nil || res.CandidateCount != 0 {
			t.Fatalf("a Tigrinya search: %d candidates, %v", res.CandidateCount, err)
		}
		e.now = e.now.Add(10 * time.Minute)
	}
	got := e.unmet("north")
	want := []data.UnmetNeed{{
		ID: got[0].ID, Organisation: "north", Source: data.NeedSearch, Language: "ti",
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Start: interview, RecordedAt: testNow,
		Reasons: []data.ReasonCount{{Code: data.NeedNoSpeaker, Count: 1}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("three searches within the hour (-want +got):\n%s", diff)
	}
	if acts := e.actions(got[0].ID); len(acts) != 1 || acts[0] != data.ActionUnmetNeedRecorded {
		t.Errorf("the need's audit: %v, want one %s", acts, data.ActionUnmetNeedRecorded)
	}
	e.now = testNow.Add(time.Hour) // the next hour: counted again
	if _, err := e.app.Match(ctx, sw, ti.ID, slot(interview)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Match(ctx, sw, ti.ID, slot(interview.Add(2*time.Hour))); err != nil { // another slot
		t.Fatal(err)
	}
	if n := len(e.unmet("north")); n != 3 {
		t.Errorf("after a search in the next hour and one of another slot: %d entries, want 3", n)
	}

	// Sorani: one speaker, suspended: excluded, and the reason counted.
	ckb := e.newCase(sw, "CKB-1")
	in := e.approved("Dana Doski")
	if _, err := e.app.Match(ctx, sw, ckb.ID, slot(interview)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.unmet("north")); n != 3 {
		t.Errorf("a search that found a candidate recorded need: %d entries", n)
	}
	if _, err := e.app.DecideVetting(ctx, e.north[data.RoleCoordinator], in.ID, data.DecisionSuspend, "lapsed"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Match(ctx, sw, ckb.ID, slot(interview)); err != nil {
		t.Fatal(err)
	}
	var soranis []data.UnmetNeed
	for _, n := range e.unmet("north") {
		if n.Language == "ckb" {
			soranis = append(soranis, n)
		}
	}
	if len(soranis) != 1 || !cmp.Equal(soranis[0].Reasons, []data.ReasonCount{{Code: "not_approved", Count: 1}}) {
		t.Errorf("the Sorani search's need: %+v, want one, not_approved 1", soranis)
	}
	if n := len(e.unmet("south")); n != 0 {
		t.Errorf("south has %d entries of north's need", n)
	}
}

// TestOfferNeed: an offer left unfilled (its only interpreter declined)
// records its need in the same write, with the invitations' outcomes as
// reasons; a filled one records none.
func TestOfferNeed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	a, b := e.approved("Ana Aziz"), e.approved("Bea Baran")
	ua, ub := e.interpreterUser(a), e.interpreterUser(b)
	cs := e.newCase(sw, "OFFER-NEED")
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferBroadcast, a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DeclineOffer(ctx, ua, o.ID, data.DeclineUnavailable); err != nil {
		t.Fatal(err)
	}
	if n := len(e.unmet("north")); n != 0 {
		t.Fatalf("an open offer recorded need: %d", n)
	}
	e.now = e.now.Add(2 * time.Minute)
	if _, err := e.app.DeclineOffer(ctx, ub, o.ID, data.DeclineOther); err != nil {
		t.Fatal(err)
	}
	if o, _ = e.app.GetOffer(ctx, sw, o.ID); o.Status != data.OfferUnfilled {
		t.Fatalf("offer %s after both declined", o.Status)
	}
	got := e.unmet("north")
	want := []data.UnmetNeed{{
		ID: data.OfferNeedID(o.ID, o.Start), Organisation: "north", Source: data.NeedOffer, Language: "ckb",
		InterviewType: o.InterviewType, Modality: o.Modality, Start: o.Start, RecordedAt: e.now,
		Reasons: []data.ReasonCount{{Code: data.NeedDeclined, Count: 2}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the unfilled offer's need (-want +got):\n%s", diff)
	}

	// Expiry: a cascade whose one invitation runs out ends unfilled too.
	o2, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, a.ID))
	if err != nil {
		t.Fatal(err)
	}
	e.now = o2.Invitations[0].RespondBy.Add(time.Second)
	if n, err := e.app.ExpireOffers(ctx, 10); err != nil || n != 1 {
		t.Fatalf("expirer: %d, %v", n, err)
	}
	got = e.unmet("north")
	if len(got) != 2 || !cmp.Equal(got[1].Reasons, []data.ReasonCount{{Code: data.NeedExpired, Count: 1}}) && !cmp.Equal(got[0].Reasons, []data.ReasonCount{{Code: data.NeedExpired, Count: 1}}) {
		t.Errorf("after an expiry left a cascade unfilled: %+v", got)
	}
}
