package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// againFields reads the hidden fields of the page's "book a second
// interpreter" form, CSRF token aside.
func againFields(t *testing.T, body string) url.Values {
	t.Helper()
	form := regexp.MustCompile(`(?s)<form method="post" action="[^"]*" class="again">(.*?)</form>`).FindStringSubmatch(body)
	if form == nil {
		t.Fatalf("no form to book a second interpreter:\n%s", body)
	}
	out := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form[1], -1) {
		if m[1] != "_csrf" {
			out.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
	}
	return out
}

// TestOneInterviewOneInterpreter is item 1 on the pages: with Nazdar Ali
// booked, the results page for that slot says so first; booking Hana Aziz
// for it asks "Book a second interpreter?" and books nothing; answering
// yes books her as an additional interpreter. An offer for the slot is
// asked the same question.
func TestOneInterviewOneInterpreter(t *testing.T) {
	s := newSite(t)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	hana := s.addInterpreter("Hana Aziz", "ckb", data.DecisionApprove)
	c := s.offerCase("ONE-1")
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	slot := url.Values{"start": {"2026-11-30T10:00"}, "end": {"2026-11-30T11:00"}, "interviewType": {"health"}, "modality": {"video"}}
	book := func(in string, key string) url.Values {
		f := url.Values{"caseId": {c.ID}, "interpreterId": {in}, "location": {"Video link"}, "joinDetails": {"https://meet.example.org/x"},
			"idempotencyKey": {key}, "confirmed": {"yes"}}
		for k, v := range slot {
			f[k] = v
		}
		return f
	}
	if p := b.post("/bookings", book(nazdar.ID, "k-1")); p.status != http.StatusSeeOther {
		t.Fatalf("first booking: %d\n%s", p.status, p.body)
	}

	later := url.Values{"start": {"2026-11-30T10:30"}, "end": {"2026-11-30T11:30"}, "interviewType": {"health"}, "modality": {"video"}}
	p := b.get("/cases/" + c.ID + "/matches?" + later.Encode())
	if p.status != http.StatusOK || !strings.Contains(p.body, "This interview already has Nazdar Ali") {
		t.Errorf("the results page does not say the interview has Nazdar Ali: %d\n%s", p.status, p.body)
	}
	if p := b.get("/cases/" + c.ID + "/matches?start=2026-11-30T11%3A00&end=2026-11-30T12%3A00&interviewType=health&modality=video"); strings.Contains(p.body, "already has") {
		t.Errorf("a slot that only touches the booking is said to have it:\n%s", p.body)
	}

	second := book(hana.ID, "k-2")
	second.Set("start", "2026-11-30T10:30")
	second.Set("end", "2026-11-30T11:30")
	p = b.post("/bookings", second)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "This interview already has Nazdar Ali") ||
		!strings.Contains(p.body, "Book a second interpreter?") || !strings.Contains(p.body, "Nothing was booked") {
		t.Fatalf("a second interpreter for the slot: %d, want 409 and the question\n%s", p.status, p.body)
	}
	if n := len(s.caseBookings(c.ID)); n != 1 {
		t.Errorf("%d bookings after the question, want 1", n)
	}
	yes := againFields(t, p.body)
	if yes.Get("additional") != "true" || yes.Get("interpreterId") != hana.ID || yes.Get("start") != "2026-11-30T10:30" {
		t.Errorf("the yes form sends %v", yes)
	}
	if p := b.post("/bookings", yes); p.status != http.StatusSeeOther {
		t.Fatalf("yes, a second interpreter: %d\n%s", p.status, p.body)
	}
	bs := s.caseBookings(c.ID)
	if len(bs) != 2 || bs[0].Additional || !bs[1].Additional || bs[1].InterpreterID != hana.ID {
		t.Errorf("bookings %+v, want Nazdar's and Hana's additional one", bs)
	}

	offer := url.Values{"caseId": {c.ID}, "interpreterIds": {hana.ID}, "mode": {"cascade"}, "respondWithinMinutes": {"60"}, "joinDetails": {"https://meet.example.org/x"}}
	for k, v := range slot {
		offer[k] = v
	}
	offer.Set("start", "2026-11-30T08:00") // Hana is free then; the slot overlaps Nazdar's 10:00
	offer.Set("end", "2026-11-30T10:05")   // held with its debrief until 10:15, clear of her 10:30 (held from 10:20)
	p = b.post("/offers", offer)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Nothing was sent") || !strings.Contains(p.body, "ask for a second interpreter") {
		t.Errorf("an offer for the booked slot: %d, want 409 and the question\n%s", p.status, p.body)
	}
}

// caseBookings lists a case's bookings by start time.
func (s *site) caseBookings(caseID string) []data.Booking {
	s.t.Helper()
	page, err := s.store.ListBookings(s.t.Context(), data.BookingQuery{Organisation: "north", CaseID: caseID})
	if err != nil {
		s.t.Fatal(err)
	}
	return page.Items
}

// TestBookingListsNameTheInterpreter: the home page and the case page
// list bookings with the interpreter's name, a second interpreter marked
// so, and the case's exclusions by name.
func TestBookingListsNameTheInterpreter(t *testing.T) {
	s := newSite(t)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	hana := s.addInterpreter("Hana Aziz", "ckb", data.DecisionApprove)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	sw := s.users[data.RoleSocialWorker]
	c, err := s.app.CreateCase(s.t.Context(), sw, data.Case{Reference: "NAMES-1", Child: data.Child{Languages: []string{"ckb"}},
		ExcludedInterpreters: []data.CaseExclusion{{InterpreterID: avan.ID, Reason: "known to the family"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, nb := range []app.NewBooking{
		{CaseID: c.ID, InterpreterID: nazdar.ID},
		{CaseID: c.ID, InterpreterID: hana.ID, Additional: true},
	} {
		nb.Start, nb.End, nb.InterviewType, nb.Modality, nb.Location, nb.JoinDetails = offerStart, offerEnd, data.InterviewHealth, data.ModalityVideo, "Video", "https://meet.example.org/x"
		if _, _, err := s.app.CreateBooking(t.Context(), sw, nb); err != nil {
			t.Fatal(err)
		}
	}
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	for _, path := range []string{"/", "/cases/" + c.ID} {
		p := b.get(path)
		if !strings.Contains(p.body, `">Nazdar Ali</td>`) || !strings.Contains(p.body, `">Hana Aziz (second interpreter)</td>`) {
			t.Errorf("%s does not name the booked interpreters:\n%s", path, p.body)
		}
	}
	if p := b.get("/cases/" + c.ID); !strings.Contains(p.body, ">Avan Rashid</span> (known to the family)") {
		t.Errorf("the case page does not name the excluded interpreter:\n%s", p.body)
	}
}
