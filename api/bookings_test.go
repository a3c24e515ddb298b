package api

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tolk/tolk/data"
)

// soraniInterpreter is an approved-to-be, ABE-ready, cleared female Sorani
// interpreter with no community links; tests change one thing at a time.
func soraniInterpreter(name string) map[string]any {
	return map[string]any{
		"name": name, "email": fmt.Sprintf("%s@example.org", name), "gender": "female",
		"languages":      []any{map[string]any{"tag": "ckb", "proficiency": "native"}},
		"modalities":     []any{"in_person", "video"},
		"regions":        []any{"GB-LND"},
		"qualifications": []any{map[string]any{"kind": "dpsi", "awarded": "2020-01-01"}},
		"training": []any{
			map[string]any{"kind": "child_protection_l2", "completed": "2025-01-01", "expires": "2028-01-01"},
			map[string]any{"kind": "abe_interviewing", "completed": "2024-01-01"},
		},
		"clearance":      map[string]any{"level": "enhanced_barred_children", "certificate": "0099", "issued": "2025-01-01", "validUntil": "2028-01-01"},
		"agreements":     map[string]any{"confidentialitySigned": "2025-01-01"},
		"communityLinks": []any{},
		"experience":     map[string]any{"childInterviews": 10, "traffickingCases": 3, "years": 4},
	}
}

// approved creates and approves an interpreter, returning its ID.
func (h *harness) approved(body map[string]any) string {
	h.t.Helper()
	id := h.createInterpreter(body).ID
	if r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"}); r.status != 200 {
		h.t.Fatalf("approve: %d %s", r.status, r.body)
	}
	return id
}

// soraniCase is a Sorani-speaking girl from a named town who asked for a
// female interpreter from outside her community.
func soraniCase() map[string]any {
	return map[string]any{
		"reference":        "NR-2026-0042",
		"linkedReferences": []any{"OP-KESTREL-2024"},
		"child": map[string]any{
			"languages":         []any{map[string]any{"tag": "ckb"}},
			"interpreterGender": map[string]any{"preference": "female", "required": true},
			"communityLinks":    []any{map[string]any{"kind": "town", "value": "Ranya"}, map[string]any{"kind": "country", "value": "iq"}},
			"avoidOwnCommunity": true,
			"ageBand":           "12-15",
		},
	}
}

func (h *harness) createCase(role data.Role, body map[string]any) caseView {
	h.t.Helper()
	r := h.do(role, "POST", "/v1/cases", body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("create case: %d %s", r.status, r.body)
	}
	var v caseView
	r.json(h.t, &v)
	return v
}

// abeNextWeek is the interview slot of the tests: testNow is 2026-11-22.
var abeNextWeek = map[string]any{"start": "2026-11-30T10:00:00Z", "end": "2026-11-30T11:30:00Z", "interviewType": "abe_police", "modality": "video"}

func TestCases(t *testing.T) {
	h := newHarness(t)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	if c.Organisation != "north" || c.Version != 1 || c.Child.Languages[0].Tag != "ckb" || c.Child.CommunityLinks[1].Value != "IQ" {
		t.Errorf("created case %+v", c)
	}
	if r := h.do(data.RoleCoordinator, "GET", "/v1/cases/"+c.ID, nil); r.status != 200 {
		t.Errorf("a coordinator of the organisation reads the case: %d", r.status)
	}
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.wantProblem(h.do("south-sw", "GET", "/v1/cases/"+c.ID, nil), 404, "not_found")
	h.wantProblem(h.do(data.RoleAdmin, "GET", "/v1/cases/"+c.ID, nil), 403, "forbidden")

	// PUT back what GET returned, with its version.
	var rec map[string]any
	h.do(data.RoleSocialWorker, "GET", "/v1/cases/"+c.ID, nil).json(t, &rec)
	rec["reference"] = "NR-2026-0042-A"
	r := h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, rec, "If-Match", `"1"`)
	if r.status != 200 {
		t.Fatalf("PUT case: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, rec, "If-Match", `"1"`), 412, "precondition_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, rec), 428, "precondition_required")
	h.wantProblem(h.do("south-sw", "PUT", "/v1/cases/"+c.ID, rec, "If-Match", `"2"`), 404, "not_found")

	// Bad cases name their fields; no field for a child's name exists.
	bad := soraniCase()
	bad["child"].(map[string]any)["languages"] = []any{map[string]any{"tag": "x-klingon"}}
	bad["child"].(map[string]any)["interpreterGender"] = map[string]any{"required": true}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases", bad), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"child.languages[0].tag", "child.interpreterGender.preference"}) {
		t.Errorf("fields %v", fieldsOf(p))
	}
	unknown := soraniCase()
	unknown["excludedInterpreters"] = []any{map[string]any{"interpreterId": "no-such-interpreter", "reason": "x"}}
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases", unknown), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"excludedInterpreters[0].interpreterId"}) {
		t.Errorf("fields %v", fieldsOf(p))
	}
	named := soraniCase()
	named["child"].(map[string]any)["name"] = "A child's name"
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases", named), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "child.name") {
		t.Errorf("a child's name was not refused: %v", fieldsOf(p))
	}
	// The reference is screened against interpreters' case links, so its
	// change is audited as a change of links (issue 22).
	if got := h.auditActions(c.ID); !slices.Equal(got, []string{"case.created", "case.links_changed"}) {
		t.Errorf("case audit = %v", got)
	}
}

// TestMatchSoraniGirl is the scenario of issue 7: only female, approved,
// ABE-trained, cleared Sorani interpreters without a shared town or country
// link are candidates; every other Sorani or Kurdish speaker is excluded
// with all their reasons.
func TestMatchSoraniGirl(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	townLink := soraniInterpreter("town")
	townLink["communityLinks"] = []any{map[string]any{"kind": "town", "value": "RANYA"}}
	sameTown := h.approved(townLink)
	male := soraniInterpreter("male")
	male["gender"] = "male"
	maleID := h.approved(male)
	kurmanji := soraniInterpreter("kurmanji")
	kurmanji["languages"] = []any{map[string]any{"tag": "kmr", "proficiency": "native"}}
	kurmanjiID := h.approved(kurmanji)
	country := soraniInterpreter("country")
	country["communityLinks"] = []any{map[string]any{"kind": "country", "value": "IQ"}}
	countryID := h.approved(country)
	pendingID := h.createInterpreter(soraniInterpreter("pending")).ID
	noABE := soraniInterpreter("noabe")
	noABE["training"] = []any{map[string]any{"kind": "child_protection_l2", "completed": "2025-01-01"}}
	noABEID := h.approved(noABE)
	several := soraniInterpreter("several")
	several["gender"], several["agreements"] = "male", map[string]any{}
	severalID := h.approved(several)
	h.approved(func() map[string]any {
		b := soraniInterpreter("tigrinya")
		b["languages"] = []any{map[string]any{"tag": "ti", "proficiency": "native"}}
		return b
	}())

	c := h.createCase(data.RoleSocialWorker, soraniCase())
	r := h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", abeNextWeek)
	if r.status != 200 {
		t.Fatalf("match: %d %s", r.status, r.body)
	}
	var m matchAnswer
	r.json(t, &m)
	if len(m.Candidates) != 1 || m.Candidates[0].Interpreter.ID != good {
		t.Fatalf("candidates %+v, want only %s", m.Candidates, good)
	}
	cand := m.Candidates[0]
	if cand.Score <= 0 || len(cand.Factors) == 0 || cand.Interpreter.CommunityLinks != nil || cand.Interpreter.Phone != "" {
		t.Errorf("candidate %+v: want a score with factors, in the reduced view", cand)
	}
	want := map[string][]string{
		sameTown:   {"community_conflict"},
		maleID:     {"gender_mismatch"},
		kurmanjiID: {"language_mismatch"},
		countryID:  {"community_conflict"},
		pendingID:  {"not_approved"},
		noABEID:    {"training_missing"},
		severalID:  {"agreement_missing", "gender_mismatch"},
	}
	got := map[string][]string{}
	for _, ex := range m.Excluded {
		var codes []string
		for _, rs := range ex.Reasons {
			codes = append(codes, rs.Code)
			if rs.Message == "" || containsAny(rs.Message, "Ranya", "RANYA", "IQ") {
				t.Errorf("reason %+v: a message names the rule, never the value", rs)
			}
		}
		sort.Strings(codes)
		got[ex.Interpreter.ID] = codes
	}
	for id, codes := range want {
		if !slices.Equal(got[id], codes) {
			t.Errorf("%s excluded with %v, want %v", id, got[id], codes)
		}
	}
	if len(got) != len(want) {
		t.Errorf("excluded %d interpreters, want %d (the Tigrinya speaker is not in the pool)", len(got), len(want))
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-30T10:00:00Z", "end": "2026-11-30T09:00:00Z", "interviewType": "abe_police", "modality": "video"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-30T10:00:00Z", "end": "2026-11-30T11:00:00Z", "interviewType": "abe_police", "modality": "in_person"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/no-such-case/matches", abeNextWeek), 404, "not_found")
}

func containsAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}

func bookingBody(caseID, interpreterID string) map[string]any {
	b := map[string]any{"caseId": caseID, "interpreterId": interpreterID, "location": "Video link sent by the police", "joinDetails": "https://meet.example.org/interview"}
	for k, v := range abeNextWeek {
		b[k] = v
	}
	return b
}

func TestBookings(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	noABE := soraniInterpreter("noabe")
	noABE["training"] = []any{}
	noABE["agreements"] = map[string]any{}
	noABEID := h.approved(noABE)
	c := h.createCase(data.RoleSocialWorker, soraniCase())

	r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings", bookingBody(c.ID, good))
	if r.status != 201 {
		t.Fatalf("book: %d %s", r.status, r.body)
	}
	var b bookingView
	r.json(t, &b)
	if b.Status != data.BookingConfirmed || b.Sequence != 0 || b.Match.Score <= 0 || len(b.Match.Factors) == 0 || b.CaseReference != "NR-2026-0042" {
		t.Errorf("booking %+v", b)
	}
	// The same interpreter at an overlapping time: 409 naming the booking and slot.
	overlap := bookingBody(c.ID, good)
	overlap["start"], overlap["end"] = "2026-11-30T11:00:00Z", "2026-11-30T12:00:00Z"
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", overlap), 409, "booking_conflict")
	if p.Conflict == nil || p.Conflict.BookingID != b.ID || !p.Conflict.Start.Equal(b.Start) {
		t.Errorf("conflict %+v, want booking %s", p.Conflict, b.ID)
	}
	// An ineligible interpreter: 422 with every reason, whatever the client saw.
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", bookingBody(c.ID, noABEID)), 422, "ineligible")
	var codes []string
	for _, rs := range p.Reasons {
		codes = append(codes, rs.Code)
	}
	sort.Strings(codes)
	if !slices.Equal(codes, []string{"agreement_missing", "training_missing"}) {
		t.Errorf("reasons %v", codes)
	}
	// Unknown IDs name their field; another organisation's case is not there.
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", bookingBody("no-such-case", good)), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", bookingBody(c.ID, "no-such-interpreter")), 400, "validation_failed")
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.wantProblem(h.do("south-sw", "POST", "/v1/bookings", bookingBody(c.ID, good)), 400, "validation_failed")
	h.wantProblem(h.do("south-sw", "GET", "/v1/bookings/"+b.ID, nil), 404, "not_found")

	// Reads are organisation-scoped and paged.
	if r := h.do(data.RoleCoordinator, "GET", "/v1/bookings/"+b.ID, nil); r.status != 200 {
		t.Errorf("coordinator reads the booking: %d", r.status)
	}
	var page pageView[bookingView]
	h.do(data.RoleSocialWorker, "GET", "/v1/bookings?caseId="+c.ID, nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != b.ID {
		t.Errorf("bookings of the case: %+v", page.Items)
	}
	page.Items = nil
	h.do("south-sw", "GET", "/v1/bookings?caseId="+c.ID, nil).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("another organisation lists the case's bookings: %+v", page.Items)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/bookings?from=yesterday", nil), 400, "validation_failed")
	if got := h.auditActions(b.ID); !slices.Equal(got, []string{"booking.created"}) {
		t.Errorf("booking audit = %v", got)
	}
}

// TestConcurrentBookings: 32 concurrent bookings of one interpreter for one
// slot give one 201 and 31 × 409.
func TestConcurrentBookings(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	statuses := make([]int, 32)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = h.do(data.RoleSocialWorker, "POST", "/v1/bookings", bookingBody(c.ID, good)).status
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != 31 {
		t.Errorf("statuses %v, want one 201 and 31 × 409", count)
	}
}

// TestJoinDetailsRequired: a video or phone booking or offer without the
// link or number to send is a 400 naming joinDetails, an in-person one
// without its address one naming location; given, the booking and the
// offer return them.
func TestJoinDetailsRequired(t *testing.T) {
	h := newHarness(t)
	in := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	named := func(p Problem, field string) {
		t.Helper()
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("errors %+v, want one naming %s", p.Errors, field)
		}
	}
	body := bookingBody(c.ID, in)
	delete(body, "joinDetails")
	named(h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body), http.StatusBadRequest, "validation_failed"), "joinDetails")
	offer := map[string]any{"caseId": c.ID, "interpreterIds": []string{in}, "mode": "cascade"}
	for k, v := range abeNextWeek {
		offer[k] = v
	}
	named(h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/offers", offer), http.StatusBadRequest, "validation_failed"), "joinDetails")
	inPerson := maps.Clone(body)
	inPerson["modality"], inPerson["region"], inPerson["location"] = "in_person", "GB-LND", ""
	named(h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", inPerson), http.StatusBadRequest, "validation_failed"), "location")

	body["joinDetails"] = "https://meet.example.org/abc"
	if b := h.book(data.RoleSocialWorker, body); b.JoinDetails != "https://meet.example.org/abc" {
		t.Errorf("the booking's joinDetails %q", b.JoinDetails)
	}
}
