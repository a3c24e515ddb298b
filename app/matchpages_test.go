package app_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// TestMatchPagesTheExcluded: a match answers every candidate's count and
// how many each rule excluded, and pages the excluded nearest to eligible
// first (ruled out only by time, soonest free first; then by fewest
// reasons); following the cursor shows each excluded interpreter once,
// and a cursor that no match answered is a 400 naming excludedAfter.
func TestMatchPagesTheExcluded(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "PAGES-1")
	e.approved("free")
	// Two busy: one for longer, so free later.
	early, late := e.approved("busy early"), e.approved("busy late")
	e.book(sw, request(c.ID, early.ID, 0))
	long := request(c.ID, late.ID, 0)
	long.End = long.Start.Add(4 * time.Hour)
	long.Additional = true // two interpreters for one long interview
	e.book(sw, long)
	// Three pending (one reason), and one pending whose clearance lapsed
	// (two reasons).
	var pending []string
	for _, name := range []string{"pending a", "pending b", "pending c"} {
		pending = append(pending, e.interpreter(eligible(name), "").ID)
	}
	lapsed := eligible("pending lapsed")
	lapsed.Clearance.ValidUntil = data.MustDate("2026-01-01")
	twoReasons := e.interpreter(lapsed, "").ID
	slices.Sort(pending)

	req := matchAt(0, 0)
	req.ExcludedLimit = 2
	var seen []string
	var pages int
	for {
		res, err := e.app.Match(ctx, sw, c.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if res.CandidateCount != 1 || len(res.Candidates) != 1 || res.ExcludedCount != 6 {
			t.Errorf("page %d: %d of %d candidates, %d excluded; want 1 of 1, 6", pages, len(res.Candidates), res.CandidateCount, res.ExcludedCount)
		}
		wantCounts := map[string]int{matching.CodeUnavailable: 2, matching.CodeNotApproved: 4, matching.CodeClearanceInvalid: 1}
		if diff := cmp.Diff(wantCounts, res.ExcludedCounts); diff != "" {
			t.Errorf("page %d: counts by reason (-want +got):\n%s", pages, diff)
		}
		if len(res.Excluded) > 2 {
			t.Fatalf("page %d holds %d excluded, asked for 2", pages, len(res.Excluded))
		}
		for _, ex := range res.Excluded {
			seen = append(seen, ex.Interpreter.ID)
		}
		if res.ExcludedNext == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the cursor does not end")
		}
		req.ExcludedAfter = res.ExcludedNext
	}
	want := append(append([]string{early.ID, late.ID}, pending...), twoReasons)
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("the excluded over %d pages, nearest to eligible first (-want +got):\n%s", pages, diff)
	}
	if pages != 3 {
		t.Errorf("%d pages of 2 for 6 excluded, want 3", pages)
	}

	req.ExcludedAfter = "not-a-cursor"
	_, err := e.app.Match(ctx, sw, c.ID, req)
	if f := app.Classify(err); f.Kind != app.KindInvalid || len(f.Fields) != 1 || f.Fields[0].Field != "excludedAfter" {
		t.Errorf("a bad cursor: %+v, want invalid naming excludedAfter", f)
	}
	req.ExcludedAfter, req.ExcludedLimit = "", app.MaxMatchLimit+1
	if f := app.Classify(func() error { _, err := e.app.Match(ctx, sw, c.ID, req); return err }()); f.Kind != app.KindInvalid {
		t.Errorf("excludedLimit over the maximum: %+v, want invalid", f)
	}
}

// TestConcurrentMatchesAnswerAlike: matches running at once, for
// different interviews and by different roles, each answer what the same
// match answers alone. Matching reuses its arrays from one match to the
// next (matching.Result.Release), so an answer that kept a slice of them
// would show another match's factors or reasons here.
func TestConcurrentMatchesAnswerAlike(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, co := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "CONC-1")
	var ids []string
	for _, name := range []string{"ana", "ben", "cai", "dee", "eli"} {
		ids = append(ids, e.approved(name).ID)
	}
	e.book(sw, request(c.ID, ids[0], 0)) // busy on day 0, free on day 1
	for _, name := range []string{"pending a", "pending b"} {
		e.interpreter(eligible(name), "")
	}
	lapsed := eligible("lapsed")
	lapsed.Clearance.ValidUntil = data.MustDate("2026-01-01")
	e.interpreter(lapsed, "")

	type ask struct {
		actor data.User
		req   app.MatchRequest
	}
	asks := []ask{{sw, matchAt(0, 0)}, {co, matchAt(1, 0)}, {co, matchAt(0, 2)}, {sw, matchAt(1, 1)}}
	asks[2].req.ExcludedLimit = 1
	want := make([]app.MatchResult, len(asks))
	for i, a := range asks {
		var err error
		if want[i], err = e.app.Match(ctx, a.actor, c.ID, a.req); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want[0], want[1], sameDates); diff == "" {
		t.Fatal("two different interviews answer alike: the test compares nothing")
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for n := range 30 {
				i := (g + n) % len(asks)
				got, err := e.app.Match(ctx, asks[i].actor, c.ID, asks[i].req)
				if err == nil {
					if diff := cmp.Diff(want[i], got, sameDates); diff != "" {
						err = fmt.Errorf("match %d answered otherwise at once (-alone +at once):\n%s", i, diff)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// sameDates compares data.Dates by value.
var sameDates = cmp.Comparer(func(a, b data.Date) bool { return a == b })
