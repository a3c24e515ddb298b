package api

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// validInterpreter is a complete create body; tests change one thing at a time.
func validInterpreter() map[string]any {
	return map[string]any{
		"name":       "Selam Tesfay",
		"email":      "selam@example.org",
		"phone":      "+44 7700 900123",
		"gender":     "female",
		"languages":  []any{map[string]any{"tag": "ti", "proficiency": "native"}, map[string]any{"tag": "AR-sd", "proficiency": "fluent"}},
		"modalities": []any{"in_person", "video"},
		"regions":    []any{"gb-lnd"},
		"qualifications": []any{
			map[string]any{"kind": "dpsi_law", "reference": "DPSI-1", "awarded": "2019-07-01"},
			map[string]any{"kind": "nrpsi_full", "reference": "NR-1", "awarded": "2020-01-01", "expires": "2026-12-10"},
		},
		"training": []any{
			map[string]any{"kind": "child_protection_l2", "completed": "2025-05-01", "expires": "2026-12-01"},
			map[string]any{"kind": "abe_interviewing", "completed": "2024-03-10"},
		},
		"clearance":      map[string]any{"level": "enhanced_barred_children", "certificate": "001234567890", "issued": "2024-01-10", "validUntil": "2026-11-30", "updateService": true},
		"agreements":     map[string]any{"confidentialitySigned": "2025-01-11"},
		"communityLinks": []any{map[string]any{"kind": "country", "value": "er"}, map[string]any{"kind": "town", "value": "Mékelle"}},
		"experience":     map[string]any{"childInterviews": 40, "traffickingCases": 12, "years": 9},
	}
}

func (h *harness) createInterpreter(body map[string]any) interpreterView {
	h.t.Helper()
	r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("create interpreter: %d %s", r.status, r.body)
	}
	var v interpreterView
	r.json(h.t, &v)
	return v
}

func TestCreateAndReadInterpreter(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	if v.Vetting.Status != data.VettingPending || v.Version != 1 {
		t.Errorf("new record: status %s version %d, want pending version 1", v.Vetting.Status, v.Version)
	}
	if v.Languages[1].Tag != "ar-SD" || v.Regions[0] != "GB-LND" || (*v.CommunityLinks)[0].Value != "ER" || (*v.CommunityLinks)[1].Value != "Mékelle" {
		t.Errorf("not canonicalised as stored: languages %v regions %v links %v", v.Languages, v.Regions, *v.CommunityLinks)
	}

	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/interpreters", validInterpreter()), 403, "forbidden")
	h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/interpreters", validInterpreter()), 403, "forbidden")

	// A social worker's read shows none of the sensitive fields.
	r := h.do(data.RoleSocialWorker, "GET", "/v1/interpreters/"+v.ID, nil)
	if r.status != 200 {
		t.Fatalf("social worker read: %d %s", r.status, r.body)
	}
	for _, secret := range []string{"001234567890", "+44 7700", "Mékelle", `"ER"`, "communityLinks", "certificate", "phone"} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("social worker's view contains %q: %s", secret, r.body)
		}
	}
	// The creation's answer was the coordinator's read of the full record.
	if got := h.auditActions(v.ID); !slices.Equal(got, []string{"interpreter.created", "interpreter.read_sensitive"}) {
		t.Errorf("after a social worker's read, audit = %v; reduced reads are not sensitive", got)
	}

	// A coordinator's read shows them, and is audited.
	r = h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+v.ID, nil)
	var full interpreterView
	r.json(t, &full)
	if full.Phone == "" || full.Clearance.Certificate != "001234567890" || full.CommunityLinks == nil || len(*full.CommunityLinks) != 2 {
		t.Errorf("coordinator's view lacks sensitive fields: %s", r.body)
	}
	if r.header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", r.header.Get("ETag"))
	}
	if got := h.auditActions(v.ID); !slices.Equal(got, []string{"interpreter.created", "interpreter.read_sensitive", "interpreter.read_sensitive"}) {
		t.Errorf("audit = %v", got)
	}
	page, _ := h.store.ListAudit(t.Context(), data.AuditQuery{EntityID: v.ID})
	if page.Items[0].Actor != h.users[data.RoleCoordinator].ID {
		t.Errorf("audit actor = %s", page.Items[0].Actor)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/interpreters/no-such-id", nil), 404, "not_found")
}

// TestInterpreterValidation: each bad input is a 400 naming the field, and
// nothing is stored.
func TestInterpreterValidation(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		field  string
	}{
		{"bad BCP 47 tag", func(m map[string]any) { m["languages"].([]any)[0].(map[string]any)["tag"] = "not a tag!" }, "languages[0].tag"},
		{"private-use tag", func(m map[string]any) { m["languages"].([]any)[1].(map[string]any)["tag"] = "x-klingon" }, "languages[1].tag"},
		{"unknown training kind", func(m map[string]any) { m["training"].([]any)[1].(map[string]any)["kind"] = "first_aid" }, "training[1].kind"},
		{"unknown clearance level", func(m map[string]any) { m["clearance"].(map[string]any)["level"] = "super_enhanced" }, "clearance.level"},
		{"validUntil before issued", func(m map[string]any) { m["clearance"].(map[string]any)["validUntil"] = "2023-01-01" }, "clearance.validUntil"},
		{"impossible date", func(m map[string]any) { m["training"].([]any)[0].(map[string]any)["completed"] = "2026-02-30" }, "training[0].completed"},
		{"unknown region", func(m map[string]any) { m["regions"] = []any{"XX-123"} }, "regions[0]"},
		{"unknown country link", func(m map[string]any) { m["communityLinks"].([]any)[0].(map[string]any)["value"] = "Eritrea" }, "communityLinks[0].value"},
		{"negative count", func(m map[string]any) { m["experience"].(map[string]any)["years"] = -1 }, "experience.years"},
		{"wrong type", func(m map[string]any) { m["experience"].(map[string]any)["years"] = "nine" }, "experience.years"},
		{"unknown gender", func(m map[string]any) { m["gender"] = "unknown" }, "gender"},
		{"no languages", func(m map[string]any) { m["languages"] = []any{} }, "languages"},
		{"unknown field", func(m map[string]any) { m["religion"] = "x" }, "religion"},
		{"expiry before award", func(m map[string]any) { m["qualifications"].([]any)[1].(map[string]any)["expires"] = "2019-01-01" }, "qualifications[1].expires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := validInterpreter()
			tc.change(body)
			p := h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters", body), 400, "validation_failed")
			if !slices.Contains(fieldsOf(p), tc.field) {
				t.Errorf("fields = %v, want %s among them (%+v)", fieldsOf(p), tc.field, p.Errors)
			}
		})
	}
	page, err := h.store.ListInterpreters(t.Context(), data.InterpreterQuery{})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("rejected creates stored %d records (%v)", len(page.Items), err)
	}
}

func TestUpdateInterpreterNeedsCurrentVersion(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	path := "/v1/interpreters/" + v.ID
	change := validInterpreter()
	change["phone"] = "+44 7700 900999"

	h.wantProblem(h.do(data.RoleCoordinator, "PUT", path, change), 428, "precondition_required")
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", path, change, "If-Match", `"7"`), 412, "precondition_failed")
	if p := h.wantProblem(h.do(data.RoleCoordinator, "PUT", path, change, "If-Match", "garbage"), 400, "validation_failed"); fieldsOf(p)[0] != "If-Match" {
		t.Errorf("fields %v, want If-Match", fieldsOf(p))
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "PUT", path, change, "If-Match", `"1"`), 403, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/nope", change, "If-Match", `"1"`), 404, "not_found")

	r := h.do(data.RoleCoordinator, "PUT", path, change, "If-Match", `"1"`)
	var updated interpreterView
	r.json(t, &updated)
	if r.status != 200 || updated.Version != 2 || updated.Phone != "+44 7700 900999" || r.header.Get("ETag") != `"2"` {
		t.Fatalf("update: %d version %d phone %q etag %q", r.status, updated.Version, updated.Phone, r.header.Get("ETag"))
	}
	if updated.Vetting.Status != data.VettingPending || !updated.CreatedAt.Equal(v.CreatedAt) {
		t.Errorf("update changed vetting or createdAt: %+v", updated.Vetting)
	}
	// The same If-Match again is now stale.
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", path, change, "If-Match", `"1"`), 412, "precondition_failed")
	if got := h.auditActions(v.ID); !slices.Equal(got, []string{"interpreter.created", "interpreter.read_sensitive", "interpreter.updated", "interpreter.read_sensitive"}) {
		t.Errorf("audit = %v", got)
	}
}

// TestConcurrentPuts: two PUTs with the same If-Match race; exactly one is
// 200, the other 412, and the record holds the winner.
func TestConcurrentPuts(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	for round := range 5 {
		version := strconv.Itoa(round + 1)
		var wg sync.WaitGroup
		results := make([]response, 2)
		for i := range 2 {
			body := validInterpreter()
			body["phone"] = "+44 7700 90000" + strconv.Itoa(i)
			wg.Go(func() {
				results[i] = h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+v.ID, body, "If-Match", `"`+version+`"`)
			})
		}
		wg.Wait()
		codes := []int{results[0].status, results[1].status}
		slices.Sort(codes)
		if !slices.Equal(codes, []int{200, 412}) {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, codes)
		}
		winner := 0
		if results[1].status == 200 {
			winner = 1
		}
		got, err := h.store.Interpreter(t.Context(), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "+44 7700 90000" + strconv.Itoa(winner); got.Phone != want {
			t.Errorf("round %d: record holds %q, winner sent %q", round, got.Phone, want)
		}
	}
}

func TestVettingTransitions(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	path := "/v1/interpreters/" + v.ID + "/vetting"
	decide := func(decision string) response {
		return h.do(data.RoleCoordinator, "POST", path, map[string]any{"decision": decision, "note": "checked " + decision})
	}
	for _, step := range []struct {
		decision string
		want     data.VettingStatus
	}{{"approve", data.VettingApproved}, {"suspend", data.VettingSuspended}, {"approve", data.VettingApproved}} {
		r := decide(step.decision)
		var got interpreterView
		r.json(t, &got)
		if r.status != 200 || got.Vetting.Status != step.want || got.Vetting.DecidedBy != h.users[data.RoleCoordinator].ID || got.Vetting.Note != "checked "+step.decision {
			t.Fatalf("%s: %d %+v", step.decision, r.status, got.Vetting)
		}
	}
	// Each answer is the full record, its read audited with the change.
	const read = "interpreter.read_sensitive"
	want := []string{"interpreter.created", read, "interpreter.vetting.approve", read, "interpreter.vetting.suspend", read, "interpreter.vetting.approve", read}
	if got := h.auditActions(v.ID); !slices.Equal(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
	p := h.wantProblem(decide("reject"), 409, "invalid_transition")
	if !bytes.Contains([]byte(p.Detail), []byte("approved")) {
		t.Errorf("detail %q does not name the current status", p.Detail)
	}

	other := h.createInterpreter(validInterpreter())
	otherPath := "/v1/interpreters/" + other.ID + "/vetting"
	if r := h.do(data.RoleCoordinator, "POST", otherPath, map[string]any{"decision": "reject"}); r.status != 200 {
		t.Fatalf("reject: %d %s", r.status, r.body)
	}
	p = h.wantProblem(h.do(data.RoleCoordinator, "POST", otherPath, map[string]any{"decision": "suspend"}), 409, "invalid_transition")
	if !bytes.Contains([]byte(p.Detail), []byte("rejected")) {
		t.Errorf("detail %q does not name the current status", p.Detail)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "POST", otherPath, map[string]any{"decision": "ban"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", otherPath, map[string]any{"decision": "approve"}), 403, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters/nope/vetting", map[string]any{"decision": "approve"}), 404, "not_found")
}

func TestListInterpretersByLanguage(t *testing.T) {
	h := newHarness(t)
	mk := func(tags ...string) string {
		body := validInterpreter()
		var langs []any
		for _, tag := range tags {
			langs = append(langs, map[string]any{"tag": tag, "proficiency": "native"})
		}
		body["languages"] = langs
		return h.createInterpreter(body).ID
	}
	sudanese, apd, sorani, kurmanji := mk("ar-SD"), mk("apd"), mk("ckb"), mk("kmr")
	h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+sorani+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"})
	list := func(query string) []string {
		r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters"+query, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		var page pageView[interpreterView]
		r.json(t, &page)
		var ids []string
		for _, v := range page.Items {
			if v.CommunityLinks != nil || v.Phone != "" {
				t.Errorf("listing shows sensitive fields of %s", v.ID)
			}
			ids = append(ids, v.ID)
		}
		return ids
	}
	for query, want := range map[string][]string{
		"?language=AR-sd":                         {sudanese},
		"?language=ar":                            {sudanese, apd},
		"?language=apd":                           {apd},
		"?language=ku":                            {sorani, kurmanji},
		"?language=ku&status=approved":            {sorani},
		"?language=vi":                            nil,
		"?status=pending&language=kmr":            {kurmanji},
		"?language=ar&limit=1&cursor=" + sudanese: {apd},
	} {
		if diff := cmp.Diff(want, list(query)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", query, diff)
		}
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/interpreters?language=!!", nil), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/interpreters?status=lost", nil), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/interpreters?limit=0", nil), 400, "validation_failed")
}

// TestExpiringReport: today is 2026-11-22. Only approved interpreters count.
func TestExpiringReport(t *testing.T) {
	h := newHarness(t)
	// validInterpreter: clearance 2026-11-30, child_protection_l2 2026-12-01,
	// nrpsi_full 2026-12-10; abe_interviewing and dpsi_law never lapse.
	a := h.createInterpreter(validInterpreter())
	lapsed := validInterpreter()
	lapsed["clearance"].(map[string]any)["validUntil"] = "2026-11-01"
	lapsed["training"] = []any{map[string]any{"kind": "child_protection_l2", "completed": "2023-01-01", "expires": "2027-06-01"}}
	lapsed["qualifications"] = []any{}
	b := h.createInterpreter(lapsed)
	pending := h.createInterpreter(validInterpreter())
	for _, id := range []string{a.ID, b.ID} {
		h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"})
	}
	_ = pending

	r := h.do(data.RoleCoordinator, "GET", "/v1/vetting/expiring?within=10", nil)
	var got struct{ Items []renewalView }
	r.json(t, &got)
	want := []renewalView{
		{InterpreterID: b.ID, Name: "Selam Tesfay", Item: "clearance", Expires: "2026-11-01", Lapsed: true},
		{InterpreterID: a.ID, Name: "Selam Tesfay", Item: "clearance", Expires: "2026-11-30"},
		{InterpreterID: a.ID, Name: "Selam Tesfay", Item: "training.child_protection_l2", Expires: "2026-12-01"},
	}
	if diff := cmp.Diff(want, got.Items); diff != "" {
		t.Errorf("within=10 (-want +got):\n%s", diff)
	}
	r = h.do(data.RoleCoordinator, "GET", "/v1/vetting/expiring?within=18", nil)
	r.json(t, &got)
	if len(got.Items) != 4 || got.Items[3].Item != "qualification.nrpsi_full" {
		t.Errorf("within=18: %+v", got.Items)
	}

	// Nothing drops out of renewal: a PUT that removes b's clearance, its
	// child protection training and its signed agreement lists each as missing.
	gone := validInterpreter()
	delete(gone, "clearance")
	delete(gone, "agreements")
	gone["training"] = []any{map[string]any{"kind": "abe_interviewing", "completed": "2024-03-10"}}
	gone["qualifications"] = []any{}
	if r := h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+b.ID, gone, "If-Match", `"2"`); r.status != 200 {
		t.Fatalf("PUT removing items: %d %s", r.status, r.body)
	}
	r = h.do(data.RoleCoordinator, "GET", "/v1/vetting/expiring?within=10", nil)
	got.Items = nil
	r.json(t, &got)
	want = []renewalView{
		{InterpreterID: b.ID, Name: "Selam Tesfay", Item: "agreements.confidentiality", Missing: true},
		{InterpreterID: b.ID, Name: "Selam Tesfay", Item: "clearance", Missing: true},
		{InterpreterID: b.ID, Name: "Selam Tesfay", Item: "training.child_protection", Missing: true},
		{InterpreterID: a.ID, Name: "Selam Tesfay", Item: "clearance", Expires: "2026-11-30"},
		{InterpreterID: a.ID, Name: "Selam Tesfay", Item: "training.child_protection_l2", Expires: "2026-12-01"},
	}
	if diff := cmp.Diff(want, got.Items); diff != "" {
		t.Errorf("after removing items, within=10 (-want +got):\n%s", diff)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/vetting/expiring?within=0", nil), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/vetting/expiring?within=366", nil), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/vetting/expiring", nil), 403, "forbidden")
}
