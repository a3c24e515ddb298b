package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestLongLanguageTagIsRefusedFast: a 900 KB private-use tag is a 400
// naming the field, answered without parsing the tag (the probe measured
// 3.85 s of CPU for one such request) and without echoing it; nothing is
// stored. Both the interpreter and the case bodies are checked.
func TestLongLanguageTagIsRefusedFast(t *testing.T) {
	h := newHarness(t)
	tag := "en-x-" + strings.Repeat("abcdefgh-", 100_000) + "abcdefgh" // 900 KB, well formed
	interp := validInterpreter()
	interp["languages"] = []any{map[string]any{"tag": tag, "proficiency": "native"}}
	cs := map[string]any{"reference": "REF-1", "child": map[string]any{"languages": []any{map[string]any{"tag": tag}}}}
	for _, tc := range []struct {
		path  string
		body  any
		field string
	}{
		{"/v1/interpreters", interp, "languages[0].tag"},
		{"/v1/cases", cs, "child.languages[0].tag"},
	} {
		start := time.Now()
		r := h.do(data.RoleCoordinator, "POST", tc.path, tc.body)
		took := time.Since(start)
		p := h.wantProblem(r, 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), tc.field) {
			t.Errorf("%s: fields %v, want %s", tc.path, fieldsOf(p), tc.field)
		}
		if len(r.body) > 4<<10 {
			t.Errorf("%s: the answer is %d bytes; it echoes the tag", tc.path, len(r.body))
		}
		// Generous: decoding 900 KB takes milliseconds; parsing the tag took seconds.
		if took > 2*time.Second {
			t.Errorf("%s: refusing the tag took %v", tc.path, took)
		}
	}
	page, _ := h.store.ListInterpreters(t.Context(), data.InterpreterQuery{})
	if len(page.Items) != 0 {
		t.Errorf("%d interpreters stored", len(page.Items))
	}
}

// TestValidationAnswerIsCapped: a 1 MB body of 100,000 repeated bad values
// draws at most 50 field errors and a last entry counting the rest, not a
// multi-megabyte answer.
func TestValidationAnswerIsCapped(t *testing.T) {
	h := newHarness(t)
	many := func(n int, v any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	for name, mutate := range map[string]func(map[string]any){
		"regions":    func(b map[string]any) { b["regions"] = many(100_000, "XX-1") },
		"languages":  func(b map[string]any) { b["languages"] = many(30_000, map[string]any{"tag": "zz", "proficiency": "x"}) },
		"modalities": func(b map[string]any) { b["modalities"] = many(100_000, "boat") },
		"links": func(b map[string]any) {
			b["communityLinks"] = many(30_000, map[string]any{"kind": "country", "value": "QQ"})
		},
	} {
		body := validInterpreter()
		mutate(body)
		raw, _ := json.Marshal(body)
		if len(raw) > 1<<20 {
			t.Fatalf("%s: body is %d bytes, over the limit", name, len(raw))
		}
		r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", raw)
		p := h.wantProblem(r, 400, "validation_failed")
		if len(r.body) > 16<<10 {
			t.Errorf("%s: the answer is %d bytes", name, len(r.body))
		}
		if len(p.Errors) > 51 {
			t.Errorf("%s: %d errors listed, want at most 50 and a count", name, len(p.Errors))
		}
	}
	// Unknown names are counted the same way by the strict decoder.
	unknown := validInterpreter()
	for i := range 100 {
		unknown[fmt.Sprintf("x%d", i)] = 1
	}
	p := h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters", unknown), 400, "validation_failed")
	if last := p.Errors[len(p.Errors)-1]; len(p.Errors) != 51 || last.Field != "" || last.Message != "and 50 more problems" {
		t.Errorf("unknown names: %d errors, last %+v", len(p.Errors), last)
	}
	// Past 50, the last entry counts the rest.
	merged := mergeInvalid(validationFailed(manyFields(40, "a")...), &data.ValidationError{Errors: toDataFields(manyFields(40, "b"))})
	got, _ := toProblem(merged)
	if len(got.Errors) != 51 || got.Errors[50].Field != "" || got.Errors[50].Message != "and 30 more problems" {
		t.Errorf("merged: %d errors, last %+v", len(got.Errors), got.Errors[len(got.Errors)-1])
	}
}

func manyFields(n int, prefix string) []fieldError {
	out := make([]fieldError, n)
	for i := range out {
		out[i] = fieldError{Field: fmt.Sprintf("%s[%d]", prefix, i), Message: "is wrong"}
	}
	return out
}

func toDataFields(fs []fieldError) []data.FieldError {
	out := make([]data.FieldError, len(fs))
	for i, f := range fs {
		out[i] = data.FieldError(f)
	}
	return out
}

// TestControlCharactersAreRefused: NUL and other control characters are a
// 400 naming the field in names, emails, references, IDs, tags and
// community links; free text (notes, reasons, locations) keeps tabs and
// line breaks but refuses the rest.
func TestControlCharactersAreRefused(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		field  string
		mutate func(map[string]any)
	}{
		{"name", func(b map[string]any) { b["name"] = "Selam\x00Tesfay" }},
		{"name", func(b map[string]any) { b["name"] = "Selam\u0085Tesfay" }}, // C1 NEL
		{"name", func(b map[string]any) { b["name"] = "Selam\tTesfay" }},
		{"email", func(b map[string]any) { b["email"] = "selam\x1b@example.org" }},
		{"phone", func(b map[string]any) { b["phone"] = "+44\x007700" }},
		{"communityLinks[1].value", func(b map[string]any) {
			b["communityLinks"] = []any{map[string]any{"kind": "country", "value": "er"}, map[string]any{"kind": "town", "value": "Mek\x00elle"}}
		}},
		{"clearance.certificate", func(b map[string]any) {
			b["clearance"].(map[string]any)["certificate"] = "0012\x7f34"
		}},
		{"qualifications[0].reference", func(b map[string]any) {
			b["qualifications"].([]any)[0].(map[string]any)["reference"] = "DPSI\n1"
		}},
	} {
		body := validInterpreter()
		tc.mutate(body)
		p := h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters", body), 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), tc.field) {
			t.Errorf("%s: fields %v", tc.field, fieldsOf(p))
		}
	}

	cs := map[string]any{"reference": "REF\x00-1", "linkedReferences": []any{"OK-1", "B\x01D"},
		"child":                map[string]any{"languages": []any{map[string]any{"tag": "ti"}}},
		"excludedInterpreters": []any{map[string]any{"interpreterId": "abc\x00", "reason": "line one\nline two\x00"}}}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases", cs), 400, "validation_failed")
	for _, f := range []string{"reference", "linkedReferences[1]", "excludedInterpreters[0].interpreterId", "excludedInterpreters[0].reason"} {
		if !slices.Contains(fieldsOf(p), f) {
			t.Errorf("case: fields %v, want %s", fieldsOf(p), f)
		}
	}
	p = h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "Ana\x00", "email": "ana@north.example", "role": "coordinator"}), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "name") {
		t.Errorf("user: fields %v", fieldsOf(p))
	}

	// Free text keeps tabs and line breaks, and refuses other controls.
	v := h.createInterpreter(validInterpreter())
	path := "/v1/interpreters/" + v.ID + "/vetting"
	p = h.wantProblem(h.do(data.RoleCoordinator, "POST", path, map[string]any{"decision": "approve", "note": "checked\x00"}), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "note") {
		t.Errorf("vetting: fields %v", fieldsOf(p))
	}
	if r := h.do(data.RoleCoordinator, "POST", path, map[string]any{"decision": "approve", "note": "checked:\tDBS\r\nreferences ok"}); r.status != 200 {
		t.Errorf("a note with tab and line breaks: %d %s", r.status, r.body)
	}
	page, _ := h.store.ListInterpreters(t.Context(), data.InterpreterQuery{})
	if len(page.Items) != 1 {
		t.Errorf("%d interpreters stored, want only the valid one", len(page.Items))
	}

	// Bookings: the location is free text; a cancellation reason too.
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	body := bookingBody(c.ID, good)
	body["location"] = "Room 2\x00"
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "location") {
		t.Errorf("booking: fields %v", fieldsOf(p))
	}
	body["location"] = "Room 2\nSecond floor"
	b := h.book(data.RoleSocialWorker, body)
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+b.ID+"/cancel", map[string]any{"reason": "moved\x1b[2J"}), 400, "validation_failed")
	var got bookingView
	h.do(data.RoleSocialWorker, "GET", "/v1/bookings/"+b.ID, nil).json(t, &got)
	if got.Status != data.BookingConfirmed {
		t.Errorf("after a refused cancellation the booking is %s", got.Status)
	}
}

// TestOnlyUTF8BodiesAreRead: a JSON body in any charset but UTF-8 is a 415.
func TestOnlyUTF8BodiesAreRead(t *testing.T) {
	h := newHarness(t)
	body, _ := json.Marshal(validInterpreter())
	for _, ct := range []string{"application/json; charset=utf-16", "application/json; charset=UTF-16LE", "application/json;charset=latin1", "application/json; charset=\"utf-32\""} {
		h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters", string(body), "Content-Type", ct), 415, "unsupported_media_type")
	}
	for i, ct := range []string{"application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json;charset=\"utf-8\""} {
		b := validInterpreter()
		b["email"] = fmt.Sprintf("utf8-%d@example.org", i)
		raw, _ := json.Marshal(b)
		if r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", string(raw), "Content-Type", ct); r.status != 201 {
			t.Errorf("%s: %d %s", ct, r.status, r.body)
		}
	}
}
