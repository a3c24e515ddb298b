package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestStrictBodies: a name given twice, a name in the wrong case and every
// unknown name are 400s naming each field; nothing is stored.
func TestStrictBodies(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, body string
		fields     []string
	}{
		{"gender twice", `{"name":"A","email":"a@example.org","gender":"female","gender":"male","languages":[{"tag":"ti","proficiency":"native"}]}`, []string{"gender"}},
		{"a name in the wrong case", `{"name":"A","email":"a@example.org","Gender":"female","languages":[{"tag":"ti","proficiency":"native"}]}`, []string{"Gender"}},
		{"every unknown name", `{"nmae":"A","email":"a@example.org","gender":"female","languages":[{"tag":"ti","prof":"native"}],"extra":1}`, []string{"nmae", "languages[0].prof", "extra"}},
	} {
		p := h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters", tc.body), 400, "validation_failed")
		for _, f := range tc.fields {
			if !slices.Contains(fieldsOf(p), f) {
				t.Errorf("%s: fields %v, want %s among them", tc.name, fieldsOf(p), f)
			}
		}
	}
	p := h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users", `{"name":"A","email":"a@north.example","ROLE":"admin"}`), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "ROLE") {
		t.Errorf("ROLE: fields %v", fieldsOf(p))
	}
	page, _ := h.store.ListInterpreters(t.Context(), data.InterpreterQuery{})
	if len(page.Items) != 0 {
		t.Errorf("refused bodies stored %d interpreters", len(page.Items))
	}
}

// TestPutAcceptsWhatGetReturned: the representation GET returns goes back
// as a PUT unchanged (its read-only fields ignored); an id naming another
// record is a 400.
func TestPutAcceptsWhatGetReturned(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+v.ID+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"})
	got := h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+v.ID, nil)
	var rec map[string]any
	got.json(t, &rec)
	rec["name"] = "Selam T. Tesfay"
	r := h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+v.ID, rec, "If-Match", `"2"`)
	if r.status != 200 {
		t.Fatalf("PUT of the GET body: %d %s", r.status, r.body)
	}
	var after interpreterView
	r.json(t, &after)
	if after.Name != "Selam T. Tesfay" || after.Version != 3 || after.Vetting.Status != data.VettingApproved {
		t.Errorf("after PUT: name %q version %d status %s", after.Name, after.Version, after.Vetting.Status)
	}
	rec["id"] = "another-record"
	p := h.wantProblem(h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+v.ID, rec, "If-Match", `"3"`), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "id") {
		t.Errorf("fields %v, want id", fieldsOf(p))
	}
	// A stale If-Match goes through the one error table.
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+v.ID, validInterpreter(), "If-Match", `"1"`), 412, "precondition_failed")
}

// TestResponsesAreNotHTMLEscaped: "<" stays "<" in JSON answers.
func TestResponsesAreNotHTMLEscaped(t *testing.T) {
	h := newHarness(t)
	body := validInterpreter()
	body["name"] = "Ana <Ana> & Co"
	r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", body)
	if r.status != 201 || !bytes.Contains(r.body, []byte(`"Ana <Ana> & Co"`)) || bytes.Contains(r.body, []byte(`\u003c`)) {
		t.Errorf("%d %s", r.status, r.body)
	}
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatal(err)
	}
}
