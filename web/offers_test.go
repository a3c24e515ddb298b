package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The offer pages: a social worker asks candidates from the results page
// and follows the offer on the case page and its own page.

// offerSlot is the interview the offer tests ask for: a health
// appointment by video (coordRecord qualifies), Tuesday 24 November 2026,
// 10:00 to 11:30 UK time.
var (
	offerStart = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	offerEnd   = offerStart.Add(90 * time.Minute)
)

// offerSearch is the results page's search for offerSlot, as its forms
// send it.
func offerSearch(caseID string) url.Values {
	return url.Values{"caseId": {caseID}, "start": {"2026-11-24T10:00"}, "end": {"2026-11-24T11:30"},
		"interviewType": {"health"}, "modality": {"video"}, "region": {""}}
}

// addInterpreterUser gives an interpreter record a user of its own, made
// by the coordinator, and returns a browser signed in as them.
func (s *site) addInterpreterUser(name string, in app.Interpreter) *browser {
	s.t.Helper()
	u, key, err := s.app.CreateUser(s.t.Context(), s.users[data.RoleCoordinator], app.NewUser{Role: data.RoleInterpreter, InterpreterID: in.ID})
	if err != nil {
		s.t.Fatal(err)
	}
	s.keys[data.Role(name)], s.users[data.Role(name)] = key, u
	b := s.browser()
	b.signIn(data.Role(name))
	return b
}

// offerCase is a case of the social worker's whose child speaks ckb.
func (s *site) offerCase(ref string) data.Case {
	s.t.Helper()
	c, err := s.app.CreateCase(s.t.Context(), s.users[data.RoleSocialWorker], data.Case{Reference: ref,
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

var offerLink = regexp.MustCompile(`^/offers/([^/?]+)\?notice=offer-sent$`)

// The results page asks the top three in cascade by default; sending the
// offer leads to its page, and the case page tells its state in words.
func TestOfferFromResults(t *testing.T) {
	s := newSite(t)
	for _, name := range []string{"Avan Rashid", "Nazdar Ali", "Dilan Saeed", "Rezan Omar"} {
		s.addInterpreter(name, "ckb", data.DecisionApprove)
	}
	c := s.offerCase("OF-1")
	w := s.browser()
	w.signIn(data.RoleSocialWorker)

	q := offerSearch(c.ID)
	q.Del("caseId")
	res := w.get("/cases/" + c.ID + "/matches?" + q.Encode())
	if res.status != http.StatusOK {
		t.Fatalf("results: %d\n%s", res.status, res.body)
	}
	if n := strings.Count(res.body, `name="interpreterIds"`); n != 4 {
		t.Errorf("the offer form has %d interpreters to choose, want 4", n)
	}
	if n := regexp.MustCompile(`name="interpreterIds" value="[^"]+" checked`).FindAllString(res.body, -1); len(n) != 3 {
		t.Errorf("%d interpreters are chosen for the offer, want the top 3", len(n))
	}
	if !strings.Contains(res.body, `id="mode-cascade" name="mode" value="cascade" checked`) {
		t.Error("the offer form does not ask one at a time by default")
	}
	if !strings.Contains(res.body, "(already agreed by phone)") {
		t.Error("the results no longer offer direct booking as the secondary action")
	}

	// Nobody chosen: the error names the list, and the page comes back.
	form := offerSearch(c.ID)
	form.Set("mode", "cascade")
	p := w.post("/offers", form)
	if p.status != http.StatusBadRequest || errorLinks(p.body)["f-interpreterIds"] == "" {
		t.Fatalf("an offer to nobody: %d, errors %v", p.status, errorLinks(p.body))
	}

	ids := regexp.MustCompile(`name="interpreterIds" value="([^"]+)"`).FindAllStringSubmatch(res.body, -1)
	for _, m := range ids[:3] {
		form.Add("interpreterIds", m[1])
	}
	form.Set("respondWithinMinutes", "120")
	// Without the link to send, the form comes back naming it.
	p = w.post("/offers", form)
	if p.status != http.StatusBadRequest || errorLinks(p.body)["f-joinDetails"] == "" {
		t.Fatalf("an offer by video without its link: %d, errors %v", p.status, errorLinks(p.body))
	}
	// With it, the review says who is asked, when in UK time, how to
	// join and what they receive; nothing is sent yet.
	form.Set("joinDetails", "https://meet.example.org/of-1")
	p = w.post("/offers", form)
	for _, want := range []string{"Check the offer before it is sent", "Avan Rashid", "Tue 24 Nov 2026, 10:00 GMT", "By video: https://meet.example.org/of-1",
		"Each interpreter asked gets an email", "Each has 2 hours to answer", `name="confirmed" value="yes"`} {
		if p.status != http.StatusOK || !strings.Contains(p.body, want) {
			t.Errorf("the review: %d, want %q in\n%s", p.status, want, p.body)
		}
	}
	if n := len(s.outbox(data.MessageOfferInvitation)); n != 0 {
		t.Errorf("the review sent %d invitations", n)
	}
	form.Set("confirmed", "yes")
	p = w.post("/offers", form)
	m := offerLink.FindStringSubmatch(p.location())
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("send the offer: %d → %q\n%s", p.status, p.location(), p.body)
	}
	o, err := s.app.GetOffer(t.Context(), s.users[data.RoleSocialWorker], m[1])
	if err != nil {
		t.Fatal(err)
	}
	if o.Mode != data.OfferCascade || len(o.Invitations) != 3 || o.RespondWithin != 2*time.Hour || o.Invitations[0].InterpreterID != ids[0][1] {
		t.Errorf("offer made: mode %s, %d invitations, answer within %v, first %s", o.Mode, len(o.Invitations), o.RespondWithin, o.Invitations[0].InterpreterID)
	}
	first, err := s.app.InterpreterBrief(t.Context(), s.users[data.RoleSocialWorker], ids[0][1])
	if err != nil {
		t.Fatal(err)
	}
	op := w.get("/offers/" + o.ID)
	want := "Asked " + first.Name + ", answer due by 11:00 today; 2 more to ask in turn"
	if op.status != http.StatusOK || !strings.Contains(op.body, want) || !strings.Contains(op.body, "waiting their turn") || !strings.Contains(op.body, "for the briefing (10 minutes") {
		t.Errorf("offer page: %d, want %q\n%s", op.status, want, op.body)
	}
	cp := w.get("/cases/" + c.ID)
	if !strings.Contains(cp.body, want) || !strings.Contains(cp.body, `action="/offers/`+o.ID+`/cancel"`) {
		t.Errorf("the case page does not show the open offer's state and its cancel form:\n%s", cp.body)
	}

	// Cancelling needs a reason; then the offer is cancelled in words.
	if p := w.post("/offers/"+o.ID+"/cancel", url.Values{"reason": {""}}); p.status != http.StatusBadRequest || errorLinks(p.body)["f-reason"] == "" {
		t.Errorf("cancel without a reason: %d, errors %v", p.status, errorLinks(p.body))
	}
	if p := w.post("/offers/"+o.ID+"/cancel", url.Values{"reason": {"Interview postponed"}}); p.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", p.status, p.body)
	}
	if p := w.get("/cases/" + c.ID); !strings.Contains(p.body, "Cancelled: Interview postponed") {
		t.Errorf("the case page does not show the cancelled offer:\n%s", p.body)
	}
	if p := w.post("/offers/"+o.ID+"/cancel", url.Values{"reason": {"Again"}}); p.status != http.StatusConflict || !strings.Contains(p.body, "no longer open") {
		t.Errorf("cancel a cancelled offer: %d", p.status)
	}
}

// An offer nobody chosen may take is refused with each one's reasons, by
// name.
func TestOfferToIneligible(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	c := s.offerCase("OF-2")
	c, err := s.app.UpdateCase(t.Context(), s.users[data.RoleSocialWorker], c.ID, c.Version, data.Case{Reference: "OF-2",
		Child: c.Child, ExcludedInterpreters: []data.CaseExclusion{{InterpreterID: in.ID, Reason: "known to the family"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	form := offerSearch(c.ID)
	form.Set("mode", "broadcast")
	form.Add("interpreterIds", in.ID)
	form.Set("joinDetails", "https://meet.example.org/of-2")
	p := w.post("/offers", form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Avan Rashid") || !strings.Contains(p.body, "excluded_by_case") {
		t.Errorf("offer to an excluded interpreter: %d\n%s", p.status, p.body)
	}
}
