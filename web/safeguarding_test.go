package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// bookHealth books in for a health interview by video on 1 December
// 10:00-11:00 UTC (London keeps UTC then), as the social worker.
func (s *site) bookHealth(c data.Case, in app.Interpreter) data.Booking {
	s.t.Helper()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	b, _, err := s.app.CreateBooking(s.t.Context(), s.users[data.RoleSocialWorker], app.NewBooking{CaseID: c.ID, InterpreterID: in.ID,
		Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityVideo, Location: "Video", JoinDetails: "https://meet.example.org/x"})
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// TestOutcomeChecklistPage: the booking page shows the safety plan, and
// its outcome form asks the checklist, each item required when the
// interview took place; an interpreter alone with the child is an incident
// on the coordinators' list.
func TestOutcomeChecklistPage(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Hana", "ckb", data.DecisionApprove)
	b := s.bookHealth(s.offerCase("SW-17"), in)
	s.now = b.Start.Add(-time.Hour)
	sw := s.browser()
	sw.signIn(data.RoleSocialWorker)
	p := sw.get("/bookings/" + b.ID)
	for _, want := range []string{"Safety plan", "Join at 09:50 for the briefing (10 minutes", "The debrief: 11:00 to 11:10", "never alone with the child"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the booking page lacks %q", want)
		}
	}
	s.now = b.End.Add(30 * time.Minute)
	sw.signIn(data.RoleSocialWorker) // again: the session idled out
	form := url.Values{"attended": {"true"}, "childComfortable": {"true"}, "checklist.briefed": {"true"}}
	p = sw.post("/bookings/"+b.ID+"/outcome", form)
	if p.status != http.StatusBadRequest {
		t.Fatalf("an attended outcome without the checklist: %d → %q\n%s", p.status, p.location(), p.body)
	}
	for _, want := range []string{`href="#f-checklist-conflictRedeclared"`, `href="#f-checklist-neverAloneWithChild"`, `href="#f-checklist-debriefOffered"`, "Never alone with the child"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if strings.Contains(p.body, `href="#f-checklist-briefed"`) {
		t.Errorf("the answered item is named as missing")
	}
	form.Set("checklist.conflictRedeclared", "true")
	form.Set("checklist.neverAloneWithChild", "false")
	form.Set("checklist.debriefOffered", "true")
	if p = sw.post("/bookings/"+b.ID+"/outcome", form); p.status != http.StatusSeeOther {
		t.Fatalf("the outcome: %d\n%s", p.status, p.body)
	}
	if p = sw.get("/bookings/" + b.ID); !strings.Contains(p.body, "a safeguarding incident, coordinators are told") {
		t.Errorf("the booking page does not show the incident")
	}
	if p = sw.get("/safeguarding"); p.status != http.StatusForbidden {
		t.Errorf("a social worker's /safeguarding: %d, want 403", p.status)
	}
	co := s.browser()
	co.signIn(data.RoleCoordinator)
	if p = co.get("/safeguarding"); p.status != http.StatusOK || !strings.Contains(p.body, "Safeguarding incident") || !strings.Contains(p.body, "/bookings/"+b.ID) {
		t.Errorf("the coordinators' list: %d\n%s", p.status, p.body)
	}
}

// TestInterpreterWellbeingPage: the interpreter's booking page states
// their times and the rules, and once the interview has ended offers the
// button that asks coordinators to offer a debrief.
func TestInterpreterWellbeingPage(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Hana", "ckb", data.DecisionApprove)
	b := s.bookHealth(s.offerCase("SW-17"), in)
	s.now = b.Start.Add(-time.Hour)
	me := s.addInterpreterUser("hana", in)
	p := me.get("/my/bookings/" + b.ID)
	if !strings.Contains(p.body, "Join at 09:50 for the briefing") || !strings.Contains(p.body, "Leave at 11:10 or later") || strings.Contains(p.body, "This interview was distressing") {
		t.Errorf("before the interview:\n%s", p.body)
	}
	s.now = b.End.Add(time.Minute)
	me.signIn("hana") // again: the session idled out
	if p = me.get("/my/bookings/" + b.ID); !strings.Contains(p.body, "This interview was distressing") {
		t.Fatalf("after the interview there is no button:\n%s", p.body)
	}
	p = me.post("/my/bookings/"+b.ID+"/wellbeing", nil)
	if p.status != http.StatusSeeOther || p.location() != "/my/bookings/"+b.ID+"?notice=distressing" {
		t.Fatalf("marking: %d → %q", p.status, p.location())
	}
	if p = me.get(p.location()); !strings.Contains(p.body, "A coordinator will offer you a debrief") || strings.Contains(p.body, `action="/my/bookings/`+b.ID+`/wellbeing"`) {
		t.Errorf("after marking:\n%s", p.body)
	}
	co := s.browser()
	co.signIn(data.RoleCoordinator)
	if p = co.get("/safeguarding"); !strings.Contains(p.body, "Debrief to offer") || !strings.Contains(p.body, "Hana") {
		t.Errorf("the coordinators' list:\n%s", p.body)
	}
	if p = co.get("/bookings/" + b.ID); !strings.Contains(p.body, "Debrief to offer") {
		t.Errorf("the coordinator's booking page does not ask for a debrief")
	}
	// The social worker's booking page says nothing of it.
	sw := s.browser()
	sw.signIn(data.RoleSocialWorker)
	if p = sw.get("/bookings/" + b.ID); strings.Contains(p.body, "distress") {
		t.Errorf("the requester sees the flag")
	}
}
