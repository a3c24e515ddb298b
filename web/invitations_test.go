package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// offerTo makes, as the social worker, a cascade offer of case c's
// offerSlot to the interpreters in order.
func (s *site) offerTo(c data.Case, mode data.OfferMode, ins ...app.Interpreter) data.Offer {
	s.t.Helper()
	return s.offer(c, mode, false, ins...)
}

// offerToAdditional is offerTo for a further interpreter of an interview
// the case already has an offer for.
func (s *site) offerToAdditional(c data.Case, mode data.OfferMode, ins ...app.Interpreter) data.Offer {
	s.t.Helper()
	return s.offer(c, mode, true, ins...)
}

func (s *site) offer(c data.Case, mode data.OfferMode, additional bool, ins ...app.Interpreter) data.Offer {
	s.t.Helper()
	no := app.NewOffer{CaseID: c.ID, Start: offerStart, End: offerEnd, InterviewType: data.InterviewHealth,
		Modality: data.ModalityVideo, JoinDetails: "https://meet.example.org/x", Mode: mode, Additional: additional}
	for _, in := range ins {
		no.InterpreterIDs = append(no.InterpreterIDs, in.ID)
	}
	o, err := s.app.CreateOffer(s.t.Context(), s.users[data.RoleSocialWorker], no)
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

// An interpreter's home page is their invitations: what they need to
// decide, in words; accepting needs the declaration and books them.
func TestInterpreterAcceptsFromHome(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	c := s.offerCase("IN-1")
	o := s.offerTo(c, data.OfferCascade, avan, nazdar)
	b := s.addInterpreterUser("avan", avan)

	home := b.get("/")
	for _, want := range []string{"Your invitations", "Waiting for your answer (1)", "Health appointment", "Tuesday 24 November 2026",
		"10:00 to 11:30", "1 hour 30 minutes", "Video", "north", "Kurdish (Sorani)", "12 to 15", "Answer by",
		"I know of no connection between me and anyone in this case", `href="/my/hours"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the interpreter's home page lacks %q", want)
		}
	}
	for _, never := range []string{"IN-1", "Nazdar Ali", coordLinkValue, `href="/cases/new"`} {
		if strings.Contains(home.body, never) {
			t.Errorf("the interpreter's home page shows %q", never)
		}
	}

	// Without the declaration: the invitation page, with the error linked
	// to the checkbox; nothing booked.
	p := b.post("/invitations/"+o.ID+"/accept", url.Values{})
	if p.status != http.StatusBadRequest || errorLinks(p.body)["f-noKnownConflict"] == "" || !strings.Contains(p.body, `id="f-noKnownConflict"`) {
		t.Fatalf("accept without the declaration: %d, errors %v\n%s", p.status, errorLinks(p.body), p.body)
	}
	p = b.post("/invitations/"+o.ID+"/accept", url.Values{"noKnownConflict": {"true"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/my/bookings/") {
		t.Fatalf("accept: %d → %q\n%s", p.status, p.location(), p.body)
	}
	bp := b.get(strings.SplitN(p.location(), "?", 2)[0])
	if bp.status != http.StatusOK || !strings.Contains(bp.body, "You accepted the offer") {
		t.Errorf("the booking page after accepting: %d\n%s", bp.status, bp.body)
	}
	ics := b.get(strings.SplitN(p.location(), "?", 2)[0] + "/invite.ics")
	if ics.status != http.StatusOK || !strings.Contains(ics.header.Get("Content-Type"), "method=REQUEST") || !strings.Contains(ics.body, "BEGIN:VEVENT") {
		t.Errorf("the interpreter's own invitation: %d %s\n%s", ics.status, ics.header.Get("Content-Type"), ics.body)
	}
	if other := b.get("/my/bookings/no-such-booking/invite.ics"); other.status != http.StatusNotFound {
		t.Errorf("another booking's invitation: %d, want 404", other.status)
	}
	if list := b.get("/my/bookings"); !strings.Contains(list.body, "Health appointment") || !strings.Contains(list.body, `value="freebusy"`) {
		t.Errorf("the bookings page lacks the booking or the busy-time link:\n%s", list.body)
	}
	// Answering again: the invitation as it stands, 409.
	if p := b.post("/invitations/"+o.ID+"/decline", url.Values{}); p.status != http.StatusConflict || !strings.Contains(p.body, "You accepted") {
		t.Errorf("decline after accepting: %d\n%s", p.status, p.body)
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	if p := w.get("/cases/" + c.ID); !strings.Contains(p.body, "Filled: booked Avan Rashid") {
		t.Errorf("the case page does not show the filled offer:\n%s", p.body)
	}
}

// A decline declaring a conflict moves a cascade on to the next.
func TestInterpreterDeclinesWithConflict(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	c := s.offerCase("IN-2")
	o := s.offerTo(c, data.OfferCascade, avan, nazdar)
	b := s.addInterpreterUser("avan", avan)
	if p := b.post("/invitations/"+o.ID+"/decline", url.Values{"reason": {"bogus"}}); p.status != http.StatusBadRequest {
		t.Errorf("decline with an unknown reason: %d", p.status)
	}
	p := b.post("/invitations/"+o.ID+"/decline", url.Values{"reason": {"conflict"}})
	if p.status != http.StatusSeeOther || p.location() != "/?notice=declined" {
		t.Fatalf("decline: %d → %q\n%s", p.status, p.location(), p.body)
	}
	if home := b.get("/?notice=declined"); !strings.Contains(home.body, "Waiting for your answer (0)") || !strings.Contains(home.body, "You declined") {
		t.Errorf("home after declining:\n%s", home.body)
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	cp := w.get("/cases/" + c.ID)
	if !strings.Contains(cp.body, "Asked Nazdar Ali, answer due by") || !strings.Contains(cp.body, "Avan Rashid</span>: <span class=\"tag-text tag-text-declined\">declined</span>") {
		t.Errorf("the case page does not show the cascade moved on:\n%s", cp.body)
	}
	if strings.Contains(cp.body, "declared a conflict") {
		t.Error("the social worker sees the declared conflict, which is for coordinators")
	}
	k := s.browser()
	k.signIn(data.RoleCoordinator)
	if p := k.get("/offers/" + o.ID); !strings.Contains(p.body, "declared a conflict") {
		t.Errorf("the coordinator's offer page does not say why Avan declined:\n%s", p.body)
	}
}

// An interpreter sees their own pages only: a case, another's
// invitation, the register, another record, an offer: page not found. A
// social worker or coordinator cannot open an interpreter's pages.
func TestInterpreterPagesAccess(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	c := s.offerCase("AC-1")
	theirs := s.offerTo(c, data.OfferBroadcast, nazdar)
	mine := s.offerToAdditional(c, data.OfferBroadcast, avan)
	b := s.addInterpreterUser("avan", avan)
	s.addInterpreterUser("nazdar", nazdar)

	if p := b.get("/invitations/" + mine.ID); p.status != http.StatusOK || !strings.Contains(p.body, "for the briefing (10 minutes") || !strings.Contains(p.body, "never alone with the child") {
		t.Errorf("own invitation: %d, without the interpreter's times and the rules", p.status)
	}
	for _, path := range []string{"/cases/" + c.ID, "/invitations/" + theirs.ID, "/interpreters", "/interpreters/" + nazdar.ID,
		"/offers/" + mine.ID, "/cases/" + c.ID + "/matches?start=2026-11-24T10:00&end=2026-11-24T11:00&interviewType=health&modality=video",
		"/interpreters/" + avan.ID + "/audit", "/interpreters/new", "/vetting/expiring"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("interpreter GET %s: %d, want 404", path, p.status)
		}
	}
	for path, form := range map[string]url.Values{
		"/invitations/" + theirs.ID + "/accept":  {"noKnownConflict": {"true"}},
		"/invitations/" + theirs.ID + "/decline": {},
		"/offers/" + mine.ID + "/cancel":         {"reason": {"mine now"}},
		"/offers":                                offerSearch(c.ID),
	} {
		if p := b.post(path, form); p.status != http.StatusNotFound && p.status != http.StatusBadRequest {
			t.Errorf("interpreter POST %s: %d, want 404", path, p.status)
		}
	}
	if o, err := s.app.GetOffer(t.Context(), s.users[data.RoleSocialWorker], theirs.ID); err != nil || o.Status != data.OfferOpen {
		t.Errorf("another's invitation after the refused answers: %v, %v", o.Status, err)
	}

	for _, role := range []data.Role{data.RoleSocialWorker, data.RoleCoordinator} {
		w := s.browser()
		w.signIn(role)
		for _, path := range []string{"/my/hours", "/my/bookings", "/my/credentials", "/invitations/" + mine.ID} {
			if p := w.get(path); p.status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", role, path, p.status)
			}
		}
		if p := w.post("/invitations/"+mine.ID+"/accept", url.Values{"noKnownConflict": {"true"}}); p.status != http.StatusForbidden {
			t.Errorf("%s accepting an invitation: %d, want 403", role, p.status)
		}
	}
}

// The hours page: a weekly grid with a spare row a day, errors named per
// field, the version as If-Match, dates away added and removed.
func TestInterpreterHours(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	b := s.addInterpreterUser("avan", avan)

	p := b.get("/my/hours")
	v := versionPattern.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || strings.Count(p.body, `type="time"`) != 14 || v == nil {
		t.Fatalf("hours page: %d\n%s", p.status, p.body)
	}
	version, _ := strconv.Atoi(v[1])
	vs := func(n int) string { return strconv.Itoa(version + n) }
	// Rows 0..6 are Monday..Sunday's spare rows.
	grid := url.Values{"version": {vs(0)}}
	for i, d := range data.Weekdays {
		grid.Set(field("weekly[%d].day", i), d)
		grid.Set(field("weekly[%d].from", i), "")
		grid.Set(field("weekly[%d].to", i), "")
	}
	bad := cloneValues(grid)
	bad.Set("weekly[0].from", "09:00")
	bad.Set("weekly[0].to", "08:00")
	bad.Set("weekly[2].from", "9am")
	bad.Set("weekly[2].to", "12:00")
	p = b.post("/my/hours", bad)
	links := errorLinks(p.body)
	if p.status != http.StatusBadRequest || !strings.HasPrefix(links["f-weekly-0-to"], "Monday") || !strings.HasPrefix(links["f-weekly-2-from"], "Wednesday") {
		t.Fatalf("bad hours: %d, errors %v", p.status, links)
	}
	if !strings.Contains(p.body, `value="9am"`) {
		t.Error("the grid does not keep what was typed")
	}
	good := cloneValues(grid)
	good.Set("weekly[0].from", "09:00")
	good.Set("weekly[0].to", "13:00")
	good.Set("weekly[4].from", "18:00")
	good.Set("weekly[4].to", "00:00") // midnight
	if p := b.post("/my/hours", good); p.status != http.StatusSeeOther {
		t.Fatalf("save hours: %d\n%s", p.status, p.body)
	}
	av, err := s.app.GetAvailability(t.Context(), s.users["avan"], avan.ID)
	if err != nil || len(av.Weekly) != 2 || av.Weekly[1].To != data.EndOfDay || av.Version != int64(version+1) {
		t.Fatalf("saved hours: %+v, %v", av, err)
	}
	p = b.get("/my/hours")
	if strings.Count(p.body, `type="time"`) != 18 || !strings.Contains(p.body, `value="13:00"`) {
		t.Errorf("the saved grid does not show the hours and a spare row a day:\n%s", p.body)
	}
	// An overlap found by the app names the form's row.
	over := cloneValues(good)
	over.Set("version", vs(1))
	over.Set("weekly[1].day", "mon")
	over.Set("weekly[1].from", "12:00")
	over.Set("weekly[1].to", "14:00")
	if p := b.post("/my/hours", over); p.status != http.StatusBadRequest || !strings.Contains(errorLinks(p.body)["f-weekly-1-from"], "Monday: these hours overlap") {
		t.Errorf("overlapping hours: %d, errors %v", p.status, errorLinks(p.body))
	}
	// The old version: someone changed them meanwhile.
	if p := b.post("/my/hours", good); p.status != http.StatusConflict || !strings.Contains(p.body, "changed since you opened") {
		t.Errorf("a stale save: %d", p.status)
	}

	// Dates away: an error, then added, then removed.
	if p := b.post("/my/hours/away", url.Values{"version": {vs(1)}, "unavailable[0].start": {"2026-12-24"}, "unavailable[0].end": {"2026-12-20"}}); p.status != http.StatusBadRequest || errorLinks(p.body)["f-unavailable-0-end"] == "" {
		t.Errorf("last day before the first: %d, errors %v", p.status, errorLinks(p.body))
	}
	if p := b.post("/my/hours/away", url.Values{"version": {vs(1)}, "unavailable[0].start": {"2026-12-21"}, "unavailable[0].end": {"2026-12-24"}}); p.status != http.StatusSeeOther {
		t.Fatalf("add dates away: %d\n%s", p.status, p.body)
	}
	p = b.get("/my/hours")
	if !strings.Contains(p.body, "Monday 21 December 2026 to Thursday 24 December 2026") {
		t.Errorf("the dates away are not listed:\n%s", p.body)
	}
	av, _ = s.app.GetAvailability(t.Context(), s.users["avan"], avan.ID)
	if len(av.Unavailable) != 1 || !av.Unavailable[0].End.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("stored period: %+v", av.Unavailable)
	}
	if p := b.post("/my/hours/away/remove", url.Values{"version": {vs(2)}, "index": {"0"}}); p.status != http.StatusSeeOther {
		t.Fatalf("remove dates away: %d\n%s", p.status, p.body)
	}
	if av, _ = s.app.GetAvailability(t.Context(), s.users["avan"], avan.ID); len(av.Unavailable) != 0 || len(av.Weekly) != 2 {
		t.Errorf("after removing: %+v", av)
	}
}

// The credentials page shows the record's own dates, with what lapses
// soon marked.
func TestInterpreterCredentials(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	b := s.addInterpreterUser("avan", avan)
	p := b.get("/my/credentials")
	for _, want := range []string{"Enhanced DBS with the children&#39;s barred list", "valid until 1 January 2028",
		"Child protection, level 2", "expires in 9 days, on 1 December 2026", "Signed on 1 February 2025", "Leeds"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("credentials page lacks %q", want)
		}
	}
	if p.status != http.StatusOK || strings.Contains(p.body, coordNote) || strings.Contains(p.body, coordCertificate) {
		t.Errorf("credentials page: %d, or shows the vetting note or certificate", p.status)
	}
}

var versionPattern = regexp.MustCompile(`name="version" value="(\d+)"`)

func field(format string, i int) string { return fmt.Sprintf(format, i) }

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
