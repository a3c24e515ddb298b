package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// matchAnswer is a match answer as a client reads it: matchView with
// each candidate's interpreter decoded.
type matchAnswer struct {
	Candidates []struct {
		Interpreter interpreterView `json:"interpreter"`
		Score       int             `json:"score"`
		Factors     []factorView    `json:"factors"`
		Warnings    []reasonView    `json:"warnings"`
	} `json:"candidates"`
	CandidateCount int            `json:"candidateCount"`
	ExcludedCount  int            `json:"excludedCount"`
	ExcludedCounts map[string]int `json:"excludedCounts"`
	Excluded       []excludedView `json:"excluded"`
	ExcludedNext   string         `json:"excludedNext,omitempty"`
}

// TestMatchShowsTheRecordAsItIsNow: a candidate's record in a match
// answer is the record as it stands, not as an earlier answer encoded it
// (the answers keep their candidates' encodings by version): after a
// coordinator renames the interpreter and changes their languages, the
// next match shows the new name and languages, and never a sensitive
// field of the full record.
func TestMatchShowsTheRecordAsItIsNow(t *testing.T) {
	h := newHarness(t)
	body := soraniInterpreter("hana")
	body["name"] = "Hana Before"
	id := h.approved(body)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	match := func() matchAnswer {
		t.Helper()
		var m matchAnswer
		r := h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", abeNextWeek)
		r.json(t, &m)
		if r.status != 200 || len(m.Candidates) != 1 || m.Candidates[0].Interpreter.ID != id {
			t.Fatalf("match: %d, want the one candidate %s: %s", r.status, id, r.body)
		}
		if strings.Contains(string(r.body), "certificate") || strings.Contains(string(r.body), "phone") {
			t.Errorf("a match answer carries the full record's fields: %s", r.body)
		}
		return m
	}
	if got := match().Candidates[0].Interpreter.Name; got != "Hana Before" {
		t.Fatalf("first match: %q", got)
	}
	match() // the encoding is kept now
	r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+id+"?view=full", nil)
	var rec map[string]any
	r.json(t, &rec)
	rec["name"] = "Hana After"
	rec["languages"] = []any{map[string]any{"tag": "ckb", "proficiency": "native"}, map[string]any{"tag": "ar", "proficiency": "fluent"}}
	if r := h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+id, rec, "If-Match", fmt.Sprintf(`"%v"`, rec["version"])); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	got := match().Candidates[0].Interpreter
	if got.Name != "Hana After" || len(got.Languages) != 2 {
		t.Errorf("after the change: %q speaking %v; want Hana After speaking ckb and ar", got.Name, got.Languages)
	}
}
