package api

import (
	"encoding/csv"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// offerAccepted makes an offer of the tests' interview to one interpreter
// for case caseID, and answers it as that interpreter: accept or decline
// (with the reason "conflict").
func (h *harness) offerAnswered(caseID, interpreterID string, accept bool) {
	h.t.Helper()
	me := h.interpreterKey(interpreterID)
	body := map[string]any{"caseId": caseID, "interpreterIds": []string{interpreterID}, "mode": "cascade", "location": "Video link", "joinDetails": "https://meet.example.org/interview"}
	for k, v := range abeNextWeek {
		body[k] = v
	}
	r := h.do(data.RoleSocialWorker, "POST", "/v1/offers", body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("offer: %d %s", r.status, r.body)
	}
	var o offerView
	r.json(h.t, &o)
	if accept {
		r = h.do(me, "POST", "/v1/offers/"+o.ID+"/accept", map[string]any{"noKnownConflict": true})
	} else {
		r = h.do(me, "POST", "/v1/offers/"+o.ID+"/decline", map[string]any{"reason": "conflict"})
	}
	if r.status/100 != 2 {
		h.t.Fatalf("answer: %d %s", r.status, r.body)
	}
}

// TestReportsOverHTTP is the done-when through the API: three
// offers filled, one Tigrinya offer unfilled and one Tigrinya search that
// found nobody make 4 requests, 3 filled, a fill rate of 0.75, and
// Tigrinya's unmet need 2, which a shareable report suppresses; the
// bookings export is a CSV download in which a case reference
// =HYPERLINK("x") arrives as text.
func TestReportsOverHTTP(t *testing.T) {
	h := newHarness(t)
	for i, ref := range []string{`=HYPERLINK("x")`, "NR-2", "NR-3"} {
		body := soraniCase()
		body["reference"] = ref
		c := h.createCase(data.RoleSocialWorker, body)
		h.offerAnswered(c.ID, h.approved(soraniInterpreter("sorani"+string(rune('a'+i)))), true)
	}
	tigrinya := soraniInterpreter("tigrinya")
	tigrinya["languages"] = []any{map[string]any{"tag": "ti", "proficiency": "native"}}
	tiCase := soraniCase()
	tiCase["reference"] = "TI-1"
	tiCase["child"].(map[string]any)["languages"] = []any{map[string]any{"tag": "ti"}}
	c := h.createCase(data.RoleSocialWorker, tiCase)
	h.offerAnswered(c.ID, h.approved(tigrinya), false)
	r := h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", abeNextWeek)
	var m struct {
		CandidateCount int `json:"candidateCount"`
	}
	if r.json(t, &m); r.status != 200 || m.CandidateCount != 0 {
		t.Fatalf("the Tigrinya search: %d %s", r.status, r.body)
	}

	const period = "from=2026-11-30&to=2026-11-30"
	var sum summaryView
	r = h.do(data.RoleCoordinator, "GET", "/v1/reports/summary?"+period, nil)
	if r.json(t, &sum); r.status != 200 || sum.Requests != 4 || sum.Filled != 3 || sum.Unfilled != 1 || sum.FillRate != 0.75 || sum.UnmetSearches != 1 {
		t.Errorf("summary: %d %s", r.status, r.body)
	}

	var need unmetNeedView
	r = h.do(data.RoleSocialWorker, "GET", "/v1/reports/unmet-need?"+period, nil)
	if r.json(t, &need); r.status != 200 || len(need.Items) != 1 || need.Items[0].Language != "ti" || need.Items[0].Total == nil || *need.Items[0].Total != 2 {
		t.Errorf("unmet need: %d %s", r.status, r.body)
	}
	r = h.do(data.RoleSocialWorker, "GET", "/v1/reports/unmet-need?shareable=true&"+period, nil)
	if !strings.Contains(string(r.body), `"total":null`) || strings.Contains(string(r.body), `"total":2`) || !strings.Contains(string(r.body), `"threshold":5`) {
		t.Errorf("shareable unmet need: %d %s", r.status, r.body)
	}
	if r.json(t, &need); need.Items[0].Total != nil || need.Total != nil {
		t.Errorf("shareable: Tigrinya's 2 shown: %s", r.body)
	}
	var sorani unmetNeedView
	r = h.do(data.RoleSocialWorker, "GET", "/v1/reports/unmet-need?language=ckb&"+period, nil)
	if r.json(t, &sorani); r.status != 200 || len(sorani.Items) != 0 || sorani.Total == nil || *sorani.Total != 0 || sorani.Language != "ckb" {
		t.Errorf("Sorani's unmet need alone: %d %s", r.status, r.body)
	}
	r = h.do(data.RoleSocialWorker, "GET", "/v1/reports/unmet-need?format=csv&shareable=true&"+period, nil)
	rows := readCSV(t, r)
	if rows[0][0] != "language" || rows[0][2] != "count" || !contains(rows, []string{"ti", "total", "suppressed"}) || !contains(rows, []string{"all", "total", "suppressed"}) {
		t.Errorf("shareable CSV: %q", rows)
	}

	r = h.do(data.RoleSocialWorker, "GET", "/v1/reports/bookings?format=csv&"+period, nil)
	rows = readCSV(t, r)
	if got := strings.Join(rows[0], ","); got != "date,start,end,caseReference,language,interviewType,modality,interpreter,interpreterId,status,confirmation,outcomeCode" {
		t.Errorf("header: %s", got)
	}
	if len(rows) != 4 || !strings.Contains(string(r.body), `"'=HYPERLINK(""x"")"`) {
		t.Errorf("bookings CSV:\n%s", r.body)
	}
	var found bool
	for _, row := range rows[1:] {
		if row[3] == `'=HYPERLINK("x")` {
			found = row[0] == "2026-11-30" && row[1] == "2026-11-30T10:00:00Z" && row[4] == "ckb" && row[7] == "sorania" && row[9] == "confirmed"
		}
		for _, f := range row {
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				t.Errorf("a field a spreadsheet would take for a formula: %q", f)
			}
		}
	}
	if !found {
		t.Errorf("the =HYPERLINK case's booking, as text: %q", rows)
	}
}

// TestReportsAcrossTheRegister: a coordinator's scope=register counts
// every organisation's searches that found nobody (north's and south's),
// the organisation's scope only its own; a social worker is refused the
// register (403), a scope that is none is a 400 naming scope, and the
// bookings export, which lists records, has no register scope (400).
func TestReportsAcrossTheRegister(t *testing.T) {
	h := newHarness(t)
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.addUser(data.RoleCoordinator, "south-coordinator", "south")
	for _, who := range []data.Role{data.RoleSocialWorker, "south-sw"} {
		body := soraniCase()
		body["reference"] = "TI-" + string(who)
		body["child"].(map[string]any)["languages"] = []any{map[string]any{"tag": "ti"}}
		c := h.createCase(who, body)
		if r := h.do(who, "POST", "/v1/cases/"+c.ID+"/matches", abeNextWeek); r.status != 200 {
			t.Fatalf("the Tigrinya search of %s: %d %s", who, r.status, r.body)
		}
	}
	const period = "from=2026-11-30&to=2026-11-30"
	for _, c := range []struct {
		who   data.Role
		scope string
		want  int
	}{
		{data.RoleCoordinator, "", 1}, {data.RoleCoordinator, "organisation", 1}, {data.RoleCoordinator, "register", 2},
		{"south-coordinator", "register", 2}, {data.RoleSocialWorker, "", 1},
	} {
		var sum summaryView
		r := h.do(c.who, "GET", "/v1/reports/summary?scope="+c.scope+"&"+period, nil)
		if r.json(t, &sum); r.status != 200 || sum.UnmetSearches != c.want || (sum.Scope == "register") != (c.scope == "register") {
			t.Errorf("%s's summary, scope %q: %d %s; want %d searches", c.who, c.scope, r.status, r.body, c.want)
		}
		var need unmetNeedView
		r = h.do(c.who, "GET", "/v1/reports/unmet-need?scope="+c.scope+"&"+period, nil)
		if r.json(t, &need); r.status != 200 || need.Total == nil || *need.Total != c.want {
			t.Errorf("%s's unmet need, scope %q: %d %s; want %d", c.who, c.scope, r.status, r.body, c.want)
		}
	}
	r := h.do(data.RoleCoordinator, "GET", "/v1/reports/unmet-need?format=csv&scope=register&"+period, nil)
	if rows := readCSV(t, r); !contains(rows, []string{"ti", "total", "2"}) {
		t.Errorf("the register's unmet need as CSV: %q", rows)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/reports/summary?scope=register&"+period, nil), 403, "forbidden")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/reports/unmet-need?scope=register&"+period, nil), 403, "forbidden")
	for _, path := range []string{"/v1/reports/summary?scope=everyone&", "/v1/reports/unmet-need?scope=everyone&", "/v1/reports/bookings?format=csv&scope=register&"} {
		p := h.wantProblem(h.do(data.RoleCoordinator, "GET", path+period, nil), 400, "validation_failed")
		if f := fieldsOf(p); len(f) != 1 || f[0] != "scope" {
			t.Errorf("GET %s: fields %v, want scope", path, f)
		}
	}
}

// readCSV checks a CSV download and reads it.
func readCSV(t *testing.T, r response) [][]string {
	t.Helper()
	if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8; header=present" ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename="`) {
		t.Fatalf("CSV answer: %d %v %s", r.status, r.header, r.body)
	}
	if !strings.Contains(string(r.body), "\r\n") {
		t.Errorf("CSV lines do not end in CRLF")
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("read CSV: %v\n%s", err, r.body)
	}
	return rows
}

func contains(rows [][]string, want []string) bool {
	for _, r := range rows {
		if strings.Join(r, "\x00") == strings.Join(want, "\x00") {
			return true
		}
	}
	return false
}

// TestReportRefusals: bad periods and options are 400s naming the field;
// an admin is 403, an interpreter 404; nobody without a key.
func TestReportRefusals(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ path, field string }{
		{"/v1/reports/summary?to=2026-11-30", "from"},
		{"/v1/reports/summary?from=2026-11-30", "to"},
		{"/v1/reports/summary?from=2026-11-31&to=2026-12-01", "from"},
		{"/v1/reports/summary?from=2026-12-02&to=2026-12-01", "to"},
		{"/v1/reports/summary?from=2026-01-01&to=2027-01-02", "to"},
		{"/v1/reports/unmet-need?from=2026-11-01&to=2026-11-30&format=xml", "format"},
		{"/v1/reports/unmet-need?from=2026-11-01&to=2026-11-30&shareable=yes", "shareable"},
		{"/v1/reports/bookings?from=2026-11-01&to=2026-11-30&format=json", "format"},
		{"/v1/reports/bookings?from=x&to=2026-11-30", "from"},
		{"/v1/reports/unmet-need?from=2026-11-01&to=2026-11-30&language=xx-%21%21", "language"},
	} {
		p := h.wantProblem(h.do(data.RoleCoordinator, "GET", c.path, nil), 400, "validation_failed")
		if f := fieldsOf(p); len(f) != 1 || f[0] != c.field {
			t.Errorf("GET %s: fields %v, want %s", c.path, f, c.field)
		}
	}
	const ok = "/v1/reports/summary?from=2026-11-01&to=2026-11-30"
	h.wantProblem(h.do(data.RoleAdmin, "GET", ok, nil), 403, "forbidden")
	h.wantProblem(h.do(data.RoleInterpreter, "GET", ok, nil), 404, "not_found")
	h.wantProblem(h.do("", "GET", ok, nil), 401, "unauthenticated")
	if r := h.do(data.RoleSocialWorker, "GET", ok, nil); r.status != 200 {
		t.Errorf("an empty month: %d %s", r.status, r.body)
	}
}

// TestOutcomeCodesOverHTTP: who called a booking off is cancelledBy (a
// party, else a 400 naming it); the booking reads its outcomeCode (late
// two hours before the start), its interpreter does not; the outcome form
// sets the code; the summary counts cancellations by party and lateness,
// no-shows and the checklist's incident; the bookings export's
// outcomeCode column carries each code.
func TestOutcomeCodesOverHTTP(t *testing.T) {
	h := newHarness(t)
	var ids, interpreters []string
	for i, ref := range []string{"CODE-A", "CODE-B", "CODE-C"} {
		body := soraniCase()
		body["reference"] = ref
		c := h.createCase(data.RoleSocialWorker, body)
		in := h.approved(soraniInterpreter("coded" + string(rune('a'+i))))
		h.offerAnswered(c.ID, in, true)
		var page pageView[bookingView]
		h.do(data.RoleSocialWorker, "GET", "/v1/bookings?caseId="+c.ID, nil).json(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("case %s: %d bookings", ref, len(page.Items))
		}
		ids, interpreters = append(ids, page.Items[0].ID), append(interpreters, in)
	}
	cancelPath := "/v1/bookings/" + ids[0] + "/cancel"
	p := h.wantProblem(h.do(data.RoleCoordinator, "POST", cancelPath, map[string]any{"reason": "ill", "cancelledBy": "the child"}), 400, "validation_failed")
	if f := fieldsOf(p); len(f) != 1 || f[0] != "cancelledBy" {
		t.Errorf("cancelledBy the child: fields %v, want cancelledBy", f)
	}
	h.now = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) // two hours before the start
	var b bookingView
	r := h.do(data.RoleCoordinator, "POST", cancelPath, map[string]any{"reason": "the interpreter is ill", "cancelledBy": "interpreter"})
	if r.json(t, &b); r.status != 200 || b.OutcomeCode != data.OutcomeCancelledByInterpreterLate {
		t.Fatalf("cancel by the interpreter: %d %s", r.status, r.body)
	}
	r = h.do(data.Role("interpreter:"+interpreters[0]), "GET", "/v1/me/bookings/"+ids[0], nil)
	if r.status != 200 || strings.Contains(string(r.body), "outcomeCode") || strings.Contains(string(r.body), "cancelled_by") {
		t.Errorf("the interpreter's own cancelled booking: %d %s", r.status, r.body)
	}

	h.now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	alone := map[string]any{"briefed": true, "conflictRedeclared": true, "neverAloneWithChild": false, "debriefOffered": true}
	for i, body := range []map[string]any{
		{"attended": true, "childComfortable": true, "checklist": alone},
		{"attended": false, "childComfortable": true, "code": "interpreter_no_show"},
	} {
		if r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+ids[1+i]+"/outcome", body); r.status != 200 {
			t.Fatalf("outcome %d: %d %s", i, r.status, r.body)
		}
	}
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+ids[1]+"/outcome", map[string]any{"attended": false, "childComfortable": true}), 400, "validation_failed")
	if f := fieldsOf(p); len(f) != 1 || f[0] != "code" {
		t.Errorf("not attended without a code: fields %v, want code", f)
	}

	const period = "from=2026-11-30&to=2026-11-30"
	var sum summaryView
	r = h.do(data.RoleCoordinator, "GET", "/v1/reports/summary?"+period, nil)
	r.json(t, &sum)
	want := cancellationsView{Total: 1, Late: 1, ByInterpreter: partyView{Total: 1, Late: 1}}
	if r.status != 200 || sum.Cancellations != want || sum.NoShows != (noShowsView{Interpreter: 1}) || sum.Incidents != 1 || sum.NotAttended != 1 {
		t.Errorf("summary: %d %s", r.status, r.body)
	}
	for _, field := range []string{`"byRequester":{"total":0,"late":0}`, `"withdrawnByRule":0`, `"coordinationErrors":0`, `"incidents":1`} {
		if !strings.Contains(string(r.body), field) {
			t.Errorf("summary without %s: %s", field, r.body)
		}
	}

	rows := readCSV(t, h.do(data.RoleSocialWorker, "GET", "/v1/reports/bookings?format=csv&"+period, nil))
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[3]] = row[11]
	}
	if w := map[string]string{"CODE-A": "cancelled_by_interpreter_late", "CODE-B": "attended", "CODE-C": "interpreter_no_show"}; !maps.Equal(got, w) {
		t.Errorf("outcomeCode by case: %v, want %v", got, w)
	}
}
