package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestApprovalWithGapsIsConfirmed: approving a record without a clearance
// from its page leads to a step that says what it lacks and writes
// nothing; confirming without the box or the note comes back 422 naming
// them, keeping the note; with both, the record is approved.
func TestApprovalWithGapsIsConfirmed(t *testing.T) {
	s := newSite(t)
	coord := s.users[data.RoleCoordinator]
	rec := coordRecord("Hana Aziz", "ckb")
	rec.Clearance = data.Clearance{}
	in, err := s.app.CreateInterpreter(t.Context(), coord, rec)
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	path := "/interpreters/" + in.ID + "/vetting"
	p := b.post(path, url.Values{"decision": {"approve"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Approve Hana Aziz without what every interview needs?") ||
		!strings.Contains(p.body, "no criminal records check (DBS) clearance") || strings.Contains(p.body, "There is a problem") {
		t.Fatalf("the approval's confirmation step: %d\n%s", p.status, p.body)
	}
	p = b.post(path, url.Values{"decision": {"approve"}, "step": {"confirm"}, "note": {"DBS applied for"}})
	if p.status != http.StatusUnprocessableEntity || errorLinks(p.body)["f-confirm"] == "" || !strings.Contains(p.body, "DBS applied for") {
		t.Errorf("confirming without the box: %d, errors %v", p.status, errorLinks(p.body))
	}
	p = b.post(path, url.Values{"decision": {"approve"}, "step": {"confirm"}, "confirm": {"true"}})
	if p.status != http.StatusUnprocessableEntity || errorLinks(p.body)["f-note"] == "" {
		t.Errorf("confirming without a note: %d, errors %v", p.status, errorLinks(p.body))
	}
	if got, _ := s.store.Interpreter(t.Context(), in.ID); got.Vetting.Status != data.VettingPending {
		t.Fatalf("unconfirmed approvals changed the record to %s", got.Vetting.Status)
	}
	p = b.post(path, url.Values{"decision": {"approve"}, "step": {"confirm"}, "confirm": {"true"}, "note": {"DBS applied for"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("a confirmed approval: %d\n%s", p.status, p.body)
	}
	if got, _ := s.store.Interpreter(t.Context(), in.ID); got.Vetting.Status != data.VettingApproved || got.Vetting.Note != "DBS applied for" {
		t.Errorf("after confirming: %s, note %q", got.Vetting.Status, got.Vetting.Note)
	}
}

// TestSuspensionSaysWhatItCancelsPage: suspending from the record's page
// first says how many bookings in how many organisations it cancels, and
// changes nothing; confirmed, the record's page says what it cancelled.
// The social worker sees the withdrawn booking on their home page, with a
// link to find another interpreter, until they dismiss it; the
// coordinator's home lists it as work until then.
func TestSuspensionSaysWhatItCancelsPage(t *testing.T) {
	s := newSite(t)
	hana := s.addInterpreter("Hana Aziz", "ckb", data.DecisionApprove)
	pending := s.addInterpreter("Avan Rashid", "ckb", "")
	c := s.offerCase("SU-1")
	bk := s.bookHealth(c, hana)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	path := "/interpreters/" + hana.ID + "/vetting"
	p := b.post(path, url.Values{"decision": {"suspend"}, "note": {"complaint received"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "This cancels 1 booking in 1 organisation") ||
		!strings.Contains(p.body, `name="confirmed" value="yes"`) || !strings.Contains(p.body, "complaint received") {
		t.Fatalf("the suspension's confirmation step: %d\n%s", p.status, p.body)
	}
	if got, _ := s.store.Booking(t.Context(), bk.ID); got.Status != data.BookingConfirmed {
		t.Fatalf("the confirmation step cancelled the booking")
	}
	p = b.post(path, url.Values{"decision": {"suspend"}, "note": {"complaint received"}, "confirmed": {"yes"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("suspend: %d\n%s", p.status, p.body)
	}
	p = b.get(p.location())
	if !strings.Contains(p.body, "It cancelled 1 booking in 1 organisation.") {
		t.Errorf("the record's page does not say what the suspension cancelled:\n%s", p.body)
	}

	home := b.get("/")
	for _, want := range []string{"Your work", "Waiting for vetting", pending.Name, "Withdrawn bookings to book again", "SU-1"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the coordinator's home does not say %q", want)
		}
	}

	sw := s.browser()
	sw.signIn(data.RoleSocialWorker)
	home = sw.get("/")
	if !strings.Contains(home.body, "A booking of yours was withdrawn") || !strings.Contains(home.body, "Hana Aziz") ||
		!strings.Contains(home.body, "/cases/"+c.ID+"/matches?start=") {
		t.Fatalf("the social worker's home does not show the withdrawn booking:\n%s", home.body)
	}
	p = sw.post("/bookings/"+bk.ID+"/dismiss", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("dismiss: %d\n%s", p.status, p.body)
	}
	if home = sw.get(p.location()); strings.Contains(home.body, "was withdrawn") || !strings.Contains(home.body, "no longer listed") {
		t.Errorf("after dismissing, the home page:\n%s", home.body)
	}
	if got, _ := s.store.Booking(t.Context(), bk.ID); got.WithdrawalDismissed.IsZero() {
		t.Error("the dismissal was not stored")
	}
	if home = b.get("/"); strings.Contains(home.body, "Withdrawn bookings to book again") {
		t.Error("the coordinator's work list still lists the dismissed booking")
	}
}

// TestRegisterSearchPage: the register finds records by the start of a
// name and by email, lists them by name, and a record created with an
// email already on the register warns of it, naming the other record.
func TestRegisterSearchPage(t *testing.T) {
	s := newSite(t)
	s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	s.addInterpreter("Hana Aziz", "ckb", "")
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	p := b.get("/interpreters?search=nazd")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Nazdar Ali") || strings.Contains(p.body, "Hana Aziz</a>") {
		t.Errorf("search nazd: %d\n%s", p.status, p.body)
	}
	p = b.get("/interpreters?sort=name")
	if i, j := strings.Index(p.body, "Hana Aziz</a>"), strings.Index(p.body, "Nazdar Ali</a>"); i < 0 || j < 0 || i > j {
		t.Errorf("by name, Hana is not before Nazdar:\n%s", p.body)
	}
	if p := b.get("/interpreters?sort=age"); p.status != http.StatusBadRequest {
		t.Errorf("an order that is not one: %d", p.status)
	}

	form := interpreterFormValues()
	form.Set("email", "nazdar.ali@north.example")
	p = b.post("/interpreters", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", p.status, p.body)
	}
	p = b.get(p.location())
	if !strings.Contains(p.body, "Another record has this email") || !strings.Contains(p.body, "Nazdar Ali</a>") {
		t.Errorf("the new record does not warn of the duplicate email:\n%s", p.body)
	}
	if p = b.get("/interpreters?search=NAZDAR.ALI%40north.example"); strings.Count(p.body, "<tr>") != 3 { // the head and two records
		t.Errorf("search by email does not list both records:\n%s", p.body)
	}
}

// TestExclusionsByName: the case form takes the interpreter never to offer
// by name: a unique start of a name is taken, several matches come back as
// a list to choose from (no script needed), a name nobody has is named in
// the error; the edit form shows the name, not the ID.
func TestExclusionsByName(t *testing.T) {
	s := newSite(t)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	nazanin := s.addInterpreter("Nazanin Rahimi", "ckb", data.DecisionApprove)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	form := url.Values{"reference": {"EX-1"}, "child.languages[0].tag": {"Kurdish (Sorani)"},
		"excludedInterpreters[0].interpreterId": {"naz"}, "excludedInterpreters[0].reason": {"knows the family"}}
	p := b.post("/cases", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `Several interpreters match &#34;naz&#34;`) ||
		!strings.Contains(p.body, `type="radio"`) || !strings.Contains(p.body, `value="`+nazanin.ID+`"`) || !strings.Contains(p.body, "knows the family") {
		t.Fatalf("an ambiguous name: %d\n%s", p.status, p.body)
	}
	form.Set("excludedInterpreters[0].interpreterId", "Nobody Here")
	if p = b.post("/cases", form); p.status != http.StatusBadRequest || !strings.Contains(p.body, "No interpreter on the register is called") {
		t.Errorf("an unknown name: %d", p.status)
	}
	form.Set("excludedInterpreters[0].interpreterId", nazanin.ID) // the chosen radio's value
	if p = b.post("/cases", form); p.status != http.StatusSeeOther {
		t.Fatalf("the interpreter chosen from the list: %d\n%s", p.status, p.body)
	}
	form.Set("reference", "EX-2")
	form.Set("excludedInterpreters[0].interpreterId", "nazd")
	if p = b.post("/cases", form); p.status != http.StatusSeeOther {
		t.Fatalf("a unique start of a name: %d\n%s", p.status, p.body)
	}
	cases, _ := s.app.ListCases(t.Context(), s.users[data.RoleSocialWorker], "", 10)
	got := map[string]string{}
	for _, c := range cases.Items {
		for _, x := range c.ExcludedInterpreters {
			got[c.Reference] = x.InterpreterID
		}
	}
	if got["EX-1"] != nazanin.ID || got["EX-2"] != nazdar.ID {
		t.Fatalf("the stored exclusions: %v, want EX-1 Nazanin's and EX-2 Nazdar's", got)
	}
	var ex2 string
	for _, c := range cases.Items {
		if c.Reference == "EX-2" {
			ex2 = c.ID
		}
	}
	edit := b.get("/cases/" + ex2 + "/edit")
	if !strings.Contains(edit.body, `value="Nazdar Ali"`) || strings.Contains(edit.body, `value="`+nazdar.ID+`"`) {
		t.Errorf("the edit form does not show the excluded interpreter by name:\n%s", edit.body)
	}
}

// TestSubscriptionByInterpreterName: a coordinator subscribes to one
// interpreter's bookings by typing their name; two of the same start come
// back as a choice.
func TestSubscriptionByInterpreterName(t *testing.T) {
	s := newSite(t)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	s.addInterpreter("Nazanin Rahimi", "ckb", data.DecisionApprove)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	p := b.post("/subscriptions", url.Values{"scope": {"interpreter"}, "interpreterId": {"Naz"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Which interpreter's bookings?") || !strings.Contains(p.body, `value="`+nazdar.ID+`"`) ||
		!strings.Contains(p.body, `value="interpreter" checked`) {
		t.Fatalf("an ambiguous name: %d\n%s", p.status, p.body)
	}
	p = b.post("/subscriptions", url.Values{"scope": {"interpreter"}, "interpreterId": {"nazdar ali"}})
	if p.status != http.StatusCreated {
		t.Fatalf("by name: %d\n%s", p.status, p.body)
	}
	feeds, _ := s.app.ListFeeds(t.Context(), s.users[data.RoleCoordinator], "", 10)
	if len(feeds.Items) != 1 || feeds.Items[0].InterpreterID != nazdar.ID {
		t.Errorf("feeds %+v, want one of Nazdar's bookings", feeds.Items)
	}
}

// TestInterpreterFormTakesNames: the interpreter form takes languages and
// regions by name, stores their codes, and shows them by name again.
func TestInterpreterFormTakesNames(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	form := interpreterFormValues()
	form.Set("languages[0].tag", "Kurdish (Sorani)")
	form.Set("languages[1].tag", "Arabic (Sudanese)")
	form.Set("regions[0]", "Leeds")
	p := b.post("/interpreters", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("create by names: %d, errors %v", p.status, errorLinks(p.body))
	}
	id := strings.TrimPrefix(strings.SplitN(p.location(), "?", 2)[0], "/interpreters/")
	in, err := s.store.Interpreter(t.Context(), id)
	if err != nil || in.Languages[0].Tag != "ckb" || in.Languages[1].Tag != "apd" || in.Regions[0] != "GB-LDS" {
		t.Fatalf("stored %+v and %v, want ckb, apd and GB-LDS (%v)", in.Languages, in.Regions, err)
	}
	edit := b.get("/interpreters/" + id + "/edit")
	for _, want := range []string{`value="Kurdish (Sorani)"`, `value="Arabic (Sudanese)"`, `value="Leeds"`} {
		if !strings.Contains(edit.body, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	form.Set("languages[0].tag", "Kurdsh")
	if p := b.post("/interpreters", form); p.status != http.StatusBadRequest || !strings.Contains(errorLinks(p.body)["f-languages-0-tag"], "did you mean") {
		t.Errorf("a misspelt language: %d, errors %v", p.status, errorLinks(p.body))
	}
}
