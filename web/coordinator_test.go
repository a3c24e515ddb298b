package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Sensitive values of the coordinator test records: no page a social
// worker opens may hold any of them.
const (
	coordPhone       = "+44 7700 900123"
	coordCertificate = "001987654321"
	coordLinkValue   = "Kirkuk-Al-Nour-Mosque"
	coordNote        = "Referee called back on Tuesday"
)

// coordRecord is a valid interpreter record speaking lang.
func coordRecord(name, lang string) data.Interpreter {
	return data.Interpreter{
		Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@north.example", Phone: coordPhone,
		Gender: data.GenderFemale, Languages: []data.LanguageSkill{{Tag: lang, Proficiency: data.ProficiencyNative}},
		Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo}, Regions: []string{"GB-LDS"},
		Training: []data.Training{{Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2026-01-10"), Expires: data.MustDate("2026-12-01")}},
		Clearance: data.Clearance{Level: data.ClearanceEnhancedBarredChildren, Certificate: coordCertificate,
			Issued: data.MustDate("2025-01-01"), ValidUntil: data.MustDate("2028-01-01")},
		Agreements:     data.Agreements{ConfidentialitySigned: data.MustDate("2025-02-01")},
		CommunityLinks: []data.CommunityLink{{Kind: data.LinkPlaceOfWorship, Value: coordLinkValue}},
		Experience:     data.Experience{ChildInterviews: 12, TraffickingCases: 3, Years: 6},
	}
}

// addInterpreter stores a record through the app as the coordinator and,
// unless decision is "", decides its vetting with the sensitive note.
func (s *site) addInterpreter(name, lang string, decision data.Decision) app.Interpreter {
	s.t.Helper()
	coord := s.users[data.RoleCoordinator]
	in, err := s.app.CreateInterpreter(s.t.Context(), coord, coordRecord(name, lang))
	if err != nil {
		s.t.Fatal(err)
	}
	if decision != "" {
		if in, err = s.app.DecideVetting(s.t.Context(), coord, in.ID, decision, coordNote); err != nil {
			s.t.Fatal(err)
		}
	}
	return in
}

// interpreterFormValues is the create form filled in for a whole record.
func interpreterFormValues() url.Values {
	return url.Values{
		"name": {"Hana Aziz"}, "email": {"Hana.Aziz@North.example"}, "phone": {coordPhone}, "gender": {"female"},
		"languages[0].tag": {"ckb"}, "languages[0].proficiency": {"native"},
		"languages[1].tag": {"ar"}, "languages[1].proficiency": {"fluent"},
		"languages[2].tag": {""}, "languages[2].proficiency": {""},
		"modalities": {"in_person", "phone"},
		"regions[0]": {"gb-lds"}, "regions[1]": {""},
		"qualifications[0].kind": {"dpsi"}, "qualifications[0].reference": {"DPSI-42"},
		"qualifications[0].awarded": {"2020-06-01"}, "qualifications[0].expires": {""},
		"training[0].kind": {"child_protection_l1"}, "training[0].completed": {"2026-01-05"}, "training[0].expires": {"2027-01-05"},
		"training[1].kind": {""}, "training[1].completed": {""}, "training[1].expires": {""},
		"clearance.level": {"enhanced"}, "clearance.certificate": {coordCertificate},
		"clearance.issued": {"2025-03-01"}, "clearance.validUntil": {"2028-03-01"}, "clearance.updateService": {"true"},
		"agreements.confidentialitySigned": {"2025-03-02"},
		"communityLinks[0].kind":           {"country"}, "communityLinks[0].value": {"iq"},
		"communityLinks[1].kind": {""}, "communityLinks[1].value": {""},
		"experience.childInterviews": {"40"}, "experience.traffickingCases": {"7"}, "experience.years": {"9"},
	}
}

// wantNone fails when the page holds any of the sensitive values.
func wantNone(t *testing.T, where string, p page) {
	t.Helper()
	for _, v := range []string{coordPhone, "&#43;44 7700 900123", coordCertificate, coordLinkValue, coordNote} {
		if strings.Contains(p.body, v) {
			t.Errorf("%s shows the sensitive value %q", where, v)
		}
	}
}

var errorLinkPattern = regexp.MustCompile(`<a href="#([^"]+)">([^<]*)</a>`)

// errorLinks returns the error summary's links, target → message.
func errorLinks(body string) map[string]string {
	out := map[string]string{}
	for _, m := range errorLinkPattern.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The register filters by language and status, pages with a cursor, and
// names a bad filter as the API does.
func TestRegisterFilters(t *testing.T) {
	s := newSite(t)
	tigrinya := s.addInterpreter("Selam Tigrinya", "ti", data.DecisionApprove)
	sorani := s.addInterpreter("Rebin Sorani", "ckb", "")
	b := s.browser()
	b.signIn(data.RoleCoordinator)

	p := b.get("/interpreters?language=ti")
	if p.status != http.StatusOK || !strings.Contains(p.body, `href="/interpreters/`+tigrinya.ID+`"`) || strings.Contains(p.body, sorani.Name) {
		t.Errorf("language=ti: %d, want only %s\n%s", p.status, tigrinya.Name, p.body)
	}
	p = b.get("/interpreters?status=pending")
	if !strings.Contains(p.body, `href="/interpreters/`+sorani.ID+`"`) || strings.Contains(p.body, tigrinya.Name) {
		t.Errorf("status=pending: want only %s\n%s", sorani.Name, p.body)
	}
	p = b.get("/interpreters")
	if !strings.Contains(p.body, tigrinya.Name) || !strings.Contains(p.body, sorani.Name) {
		t.Errorf("no filter: want both interpreters")
	}
	wantNone(t, "the register", p)

	p = b.get("/interpreters?language=" + url.QueryEscape("not a tag!"))
	if links := errorLinks(p.body); p.status != http.StatusBadRequest || !strings.HasPrefix(links["f-language"], "Language") {
		t.Errorf("bad language: %d, error links %v", p.status, links)
	}

	// 51 more pending records: the first page holds 50 and links to the rest.
	for i := range 51 {
		s.addInterpreter(fmt.Sprintf("Pending %02d", i), "fa", "")
	}
	p = b.get("/interpreters?status=pending")
	m := regexp.MustCompile(`<a href="(/interpreters\?[^"]*cursor=[^"]+)">Next page`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no next page link on a page of 50\n%s", p.body)
	}
	next := b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if rows := strings.Count(next.body, `<td><a href="/interpreters/`); next.status != http.StatusOK || rows != 2 {
		t.Errorf("next page: %d with %d rows, want the last 2", next.status, rows)
	}
}

// The create form names each bad field in the error summary, keeps what
// was typed, and stores a whole record when it is right.
func TestCreateInterpreter(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	if p := b.get("/interpreters/new"); p.status != http.StatusOK || !strings.Contains(p.body, `name="languages[0].tag"`) {
		t.Fatalf("new form: %d", p.status)
	}

	bad := interpreterFormValues()
	bad.Set("name", "")
	bad.Set("training[0].completed", "5 January")
	bad.Set("regions[0]", "Atlantis") // no region; names such as Leeds are read (TestInterpreterFormTakesNames)
	p := b.post("/interpreters", bad)
	links := errorLinks(p.body)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "There is a problem") {
		t.Fatalf("bad form: %d\n%s", p.status, p.body)
	}
	for id, words := range map[string]string{"f-name": "Full name is required", "f-training-0-completed": "Date course 1 was completed",
		"f-regions-0": "Region 1"} {
		if !strings.HasPrefix(links[id], words) {
			t.Errorf("error summary link #%s = %q, want it to start %q (links %v)", id, links[id], words, links)
		}
		if !strings.Contains(p.body, `id="`+id+`"`) {
			t.Errorf("no field with id %s for the summary to link to", id)
		}
	}
	if !strings.Contains(p.body, `value="5 January"`) || !strings.Contains(p.body, `value="Hana.Aziz@North.example"`) {
		t.Error("the form did not keep what was typed")
	}
	if page, _ := s.store.ListInterpreters(t.Context(), data.InterpreterQuery{}); len(page.Items) != 0 {
		t.Fatalf("a bad form stored %d records", len(page.Items))
	}

	p = b.post("/interpreters", interpreterFormValues())
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location(), "?notice=interpreter-created") {
		t.Fatalf("create: %d → %q\n%s", p.status, p.location(), p.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/interpreters/"), "?notice=interpreter-created")
	got, err := s.store.Interpreter(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := data.Interpreter{
		ID: id, Name: "Hana Aziz", Email: "hana.aziz@north.example", Phone: coordPhone, Gender: data.GenderFemale,
		Languages:  []data.LanguageSkill{{Tag: "ckb", Proficiency: data.ProficiencyNative}, {Tag: "ar", Proficiency: data.ProficiencyFluent}},
		Modalities: []data.Modality{data.ModalityInPerson, data.ModalityPhone}, Regions: []string{"GB-LDS"},
		Qualifications: []data.Qualification{{Kind: data.QualificationDPSI, Reference: "DPSI-42", Awarded: data.MustDate("2020-06-01")}},
		Training:       []data.Training{{Kind: data.TrainingChildProtectionL1, Completed: data.MustDate("2026-01-05"), Expires: data.MustDate("2027-01-05")}},
		Clearance: data.Clearance{Level: data.ClearanceEnhanced, Certificate: coordCertificate, Issued: data.MustDate("2025-03-01"),
			ValidUntil: data.MustDate("2028-03-01"), UpdateService: true},
		Agreements:     data.Agreements{ConfidentialitySigned: data.MustDate("2025-03-02")},
		CommunityLinks: []data.CommunityLink{{Kind: data.LinkCountry, Value: "IQ"}},
		Experience:     data.Experience{ChildInterviews: 40, TraffickingCases: 7, Years: 9},
		Vetting:        data.Vetting{Status: data.VettingPending}, Version: 1,
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(data.Date{}), cmpopts.IgnoreFields(data.Interpreter{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Errorf("stored record (-want +got):\n%s", diff)
	}
	shown := b.get(p.location())
	if shown.status != http.StatusOK || !strings.Contains(shown.body, "Interpreter record created") || !strings.Contains(shown.body, coordCertificate) {
		t.Errorf("record page after create: %d", shown.status)
	}

	// The edit form round-trips the record: saving it unchanged changes nothing but the version.
	edit := b.get("/interpreters/" + id + "/edit")
	saved := b.post("/interpreters/"+id, formOf(t, edit.body))
	if saved.status != http.StatusSeeOther || saved.location() != "/interpreters/"+id+"?notice=interpreter-saved" {
		t.Fatalf("save unchanged: %d → %q\n%s", saved.status, saved.location(), saved.body)
	}
	again, _ := s.store.Interpreter(t.Context(), id)
	want.Version = 2
	if diff := cmp.Diff(want, again, cmp.AllowUnexported(data.Date{}), cmpopts.IgnoreFields(data.Interpreter{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Errorf("record after saving the edit form unchanged (-want +got):\n%s", diff)
	}
}

var (
	inputPattern    = regexp.MustCompile(`<input [^>]*>`)
	selectPattern   = regexp.MustCompile(`(?s)<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	selectedPattern = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	attrPattern     = regexp.MustCompile(`(\w+)="([^"]*)"`)
)

// formOf reads the values a browser would send from the page's form
// (inputs and selects; enough for the interpreter form).
func formOf(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	unescape := strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#39;", "'", "&#34;", `"`)
	for _, tag := range inputPattern.FindAllString(body, -1) {
		a := map[string]string{}
		for _, m := range attrPattern.FindAllStringSubmatch(tag, -1) {
			a[m[1]] = unescape.Replace(m[2])
		}
		if a["name"] == "" || a["name"] == "_csrf" {
			continue
		}
		if (a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(tag, " checked") {
			continue
		}
		v.Add(a["name"], a["value"])
	}
	for _, m := range selectPattern.FindAllStringSubmatch(body, -1) {
		sel := ""
		if s := selectedPattern.FindStringSubmatch(m[2]); s != nil {
			sel = s[1]
		}
		v.Set(m[1], sel)
	}
	return v
}

// An edit from a version someone else has changed since is refused with
// the 409 page, and nothing is saved.
func TestEditStaleVersion(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Amina Stale", "so", "")
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	form := formOf(t, b.get("/interpreters/"+in.ID+"/edit").body)
	if form.Get("version") != "1" {
		t.Fatalf("edit form version = %q, want 1", form.Get("version"))
	}
	// Someone else saves first.
	other := coordRecord("Amina Other", "so")
	if _, err := s.app.UpdateInterpreter(t.Context(), s.users[data.RoleCoordinator], in.ID, 1, other); err != nil {
		t.Fatal(err)
	}
	form.Set("name", "Amina Mine")
	p := b.post("/interpreters/"+in.ID, form)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Someone else changed this record") {
		t.Errorf("stale edit: %d\n%s", p.status, p.body)
	}
	if got, _ := s.store.Interpreter(t.Context(), in.ID); got.Name != "Amina Other" {
		t.Errorf("name after a stale edit = %q, want the other change kept", got.Name)
	}
	if p := b.post("/interpreters/"+in.ID, url.Values{"name": {"No version"}}); p.status != http.StatusBadRequest {
		t.Errorf("edit without a version: %d, want 400", p.status)
	}
}

// A coordinator approves a pending interpreter from the record's page; a
// decision the status does not allow comes back on the page, 409; the
// audit trail shows the read and the decision.
func TestApprovePending(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Yonas Pending", "ti", "")
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	page := b.get("/interpreters/" + in.ID)
	if !strings.Contains(page.body, `action="/interpreters/`+in.ID+`/vetting"`) || !strings.Contains(page.body, "Pending") {
		t.Fatalf("record page lacks the vetting form\n%s", page.body)
	}

	if p := b.post("/interpreters/"+in.ID+"/vetting", url.Values{"note": {"Forgot to choose"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(errorLinks(p.body)["f-decision"], "Select a decision") || !strings.Contains(p.body, "Forgot to choose") {
		t.Errorf("no decision: %d, links %v", p.status, errorLinks(p.body))
	}
	p := b.post("/interpreters/"+in.ID+"/vetting", url.Values{"decision": {"approve"}, "note": {"References checked"}})
	if p.status != http.StatusSeeOther || p.location() != "/interpreters/"+in.ID+"?notice=vetting" {
		t.Fatalf("approve: %d → %q\n%s", p.status, p.location(), p.body)
	}
	got, _ := s.store.Interpreter(t.Context(), in.ID)
	if got.Vetting.Status != data.VettingApproved || got.Vetting.Note != "References checked" || got.Vetting.DecidedBy != s.users[data.RoleCoordinator].ID {
		t.Errorf("vetting after approve = %+v", got.Vetting)
	}
	if shown := b.get(p.location()); !strings.Contains(shown.body, "Vetting decision recorded") || !strings.Contains(shown.body, "References checked") {
		t.Error("the record page does not confirm the decision or show its note")
	}

	p = b.post("/interpreters/"+in.ID+"/vetting", url.Values{"decision": {"reject"}})
	if p.status != http.StatusConflict || !strings.Contains(errorLinks(p.body)["f-decision"], "cannot reject") {
		t.Errorf("reject an approved record: %d, links %v", p.status, errorLinks(p.body))
	}

	audit := b.get("/interpreters/" + in.ID + "/audit")
	for _, what := range []string{"Created the record", "Read the full record", "Approved"} {
		if !strings.Contains(audit.body, what) {
			t.Errorf("audit trail lacks %q", what)
		}
	}
}

// The renewal report lists what lapses within the days asked and what
// approved records lack; a bad number of days is named.
func TestRenewals(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Lapsing Soon", "ti", data.DecisionApprove) // child protection expires 2026-12-01
	bare := coordRecord("Missing Clearance", "fa")
	bare.Clearance = data.Clearance{}
	lacking, err := s.app.CreateInterpreter(t.Context(), s.users[data.RoleCoordinator], bare)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.DecideVetting(t.Context(), s.users[data.RoleCoordinator], lacking.ID, data.DecisionApprove, "approved before the DBS check came back"); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	p := b.get("/vetting/expiring")
	if !regexp.MustCompile(`href="/interpreters/` + lacking.ID + `">Missing Clearance</a></td>\s*<td>Criminal records check \(DBS\)</td>\s*<td><span class="tag tag-rejected">Missing`).MatchString(p.body) {
		t.Errorf("the report does not list the missing clearance\n%s", p.body)
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, `href="/interpreters/`+in.ID+`"`) || !strings.Contains(p.body, "Training in child protection, level 2") {
		t.Errorf("renewals within 30 days: %d\n%s", p.status, p.body)
	}
	if p := b.get("/vetting/expiring?within=5"); strings.Contains(p.body, "Training in child protection, level 2") {
		t.Error("within=5 lists an item lapsing in 9 days")
	}
	if p := b.get("/vetting/expiring?within=lots"); p.status != http.StatusBadRequest || errorLinks(p.body)["f-within"] == "" {
		t.Errorf("within=lots: %d, links %v", p.status, errorLinks(p.body))
	}
}

// A social worker is refused every coordinator and admin page by the app,
// and no page shows them a phone, certificate number, community link or
// vetting note.
func TestSocialWorkerCoordinatorPages(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Selam Sensitive", "ti", data.DecisionApprove)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)

	for _, path := range []string{"/interpreters/new", "/interpreters/" + in.ID + "/edit", "/interpreters/" + in.ID + "/audit",
		"/vetting/expiring", "/users"} {
		p := b.get(path)
		if p.status != http.StatusForbidden {
			t.Errorf("social worker GET %s: %d, want 403", path, p.status)
		}
		wantNone(t, path, p)
	}
	for path, form := range map[string]url.Values{
		"/interpreters":                       interpreterFormValues(),
		"/interpreters/" + in.ID:              func() url.Values { v := interpreterFormValues(); v.Set("version", "2"); return v }(),
		"/interpreters/" + in.ID + "/vetting": {"decision": {"suspend"}},
		"/users":                              {"name": {"Eve"}, "email": {"eve@north.example"}, "role": {"admin"}},
		"/users/" + s.users[data.RoleCoordinator].ID + "/key": {},
	} {
		if p := b.post(path, form); p.status != http.StatusForbidden {
			t.Errorf("social worker POST %s: %d, want 403", path, p.status)
		}
	}
	if got, _ := s.store.Interpreter(t.Context(), in.ID); got.Vetting.Status != data.VettingApproved || got.Version != 2 {
		t.Errorf("a social worker's posts changed the record: %+v", got.Vetting)
	}

	// What the app shows a social worker (the reduced view) holds nothing sensitive.
	for _, path := range []string{"/interpreters", "/interpreters?status=approved", "/interpreters/" + in.ID} {
		p := b.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, in.Name) {
			t.Errorf("social worker GET %s: %d", path, p.status)
		}
		wantNone(t, path, p)
	}
	if p := b.get("/interpreters/" + in.ID); strings.Contains(p.body, "/vetting\"") || strings.Contains(p.body, "/edit\"") {
		t.Error("a social worker is offered the vetting or edit form")
	}
}
