package api

import (
	"maps"
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestMatchAnswerPaged: over HTTP a match answers the counts (candidates,
// excluded, excluded by reason) and a page of the excluded with the cursor
// of the next; following it shows each excluded interpreter once; a bad
// cursor or page size is a 400 naming its field.
func TestMatchAnswerPaged(t *testing.T) {
	h := newHarness(t)
	h.approved(soraniInterpreter("good"))
	for _, name := range []string{"p1", "p2", "p3"} {
		h.createInterpreter(soraniInterpreter(name)) // pending: not_approved
	}
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	body := maps.Clone(abeNextWeek)
	body["excludedLimit"] = 2
	var seen []string
	for page := 1; ; page++ {
		r := h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", body)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", page, r.status, r.body)
		}
		var v struct {
			CandidateCount int            `json:"candidateCount"`
			ExcludedCount  int            `json:"excludedCount"`
			ExcludedCounts map[string]int `json:"excludedCounts"`
			ExcludedNext   string         `json:"excludedNext"`
			Excluded       []struct {
				Interpreter struct{ ID string } `json:"interpreter"`
			} `json:"excluded"`
		}
		r.json(t, &v)
		if v.CandidateCount != 1 || v.ExcludedCount != 3 || v.ExcludedCounts["not_approved"] != 3 || len(v.ExcludedCounts) != 1 {
			t.Errorf("page %d: counts %d, %d, %v; want 1, 3, {not_approved: 3}", page, v.CandidateCount, v.ExcludedCount, v.ExcludedCounts)
		}
		for _, ex := range v.Excluded {
			seen = append(seen, ex.Interpreter.ID)
		}
		if v.ExcludedNext == "" {
			if page != 2 {
				t.Errorf("%d pages of 2 for 3 excluded, want 2", page)
			}
			break
		}
		if page > 3 {
			t.Fatal("the cursor does not end")
		}
		body["excludedAfter"] = v.ExcludedNext
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(seen) != 3 || len(slices.Compact(sorted)) != 3 {
		t.Errorf("the pages showed %v, want each of the 3 excluded once", seen)
	}

	body["excludedAfter"] = "nonsense"
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", body), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"excludedAfter"}) {
		t.Errorf("a bad cursor names %v", fieldsOf(p))
	}
	delete(body, "excludedAfter")
	body["excludedLimit"] = 101
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", body), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"excludedLimit"}) {
		t.Errorf("a page too large names %v", fieldsOf(p))
	}
}
