package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// killMessage makes a message a dead letter as the deliverer would after
// a permanent refusal: claimed, then failed for good.
func (s *site) killMessage(id, reason string) {
	s.t.Helper()
	claimed, err := s.store.ClaimDue(s.t.Context(), s.now.Add(time.Hour), app.DeliveryLease, "test-deliverer", data.MaxPageSize)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range claimed {
		if m.ID == id {
			if err := s.store.MarkFailed(s.t.Context(), id, "test-deliverer", reason, s.now.Add(time.Hour), true); err != nil {
				s.t.Fatal(err)
			}
			return
		}
	}
	s.t.Fatalf("message %s was not due", id)
}

// The delivery list shows a dead letter in words, with its last error and
// Retry, which puts it back in the queue; it filters by status, never
// shows a body or an address, and is for coordinators and admins only.
func TestNotificationsDeadLetterRetried(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	o := s.offerTo(s.offerCase("NT-1"), data.OfferCascade, avan)
	offers := s.outbox(data.MessageOfferInvitation)
	if len(offers) != 1 {
		t.Fatalf("the offer wrote %d invitation messages, want 1", len(offers))
	}
	dead := offers[0]
	s.killMessage(dead.ID, "550 5.1.1 mailbox unavailable")
	// Another message, still queued: a sign-in link.
	if err := s.app.SendSignInLink(t.Context(), s.users[data.RoleInterpreter].Email); err != nil {
		t.Fatal(err)
	}

	k := s.browser()
	k.signIn(data.RoleCoordinator)
	home := k.get("/")
	if !strings.Contains(home.body, `href="/notifications"`) || !strings.Contains(home.body, "Some emails could not be delivered") ||
		!strings.Contains(home.body, `href="/notifications?status=dead"`) {
		t.Errorf("the coordinator's home page does not lead to the dead letter:\n%s", home.body)
	}
	p := k.get("/notifications")
	if p.status != http.StatusOK {
		t.Fatalf("the delivery list: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"Offer to interpret", "Interpreter", "Not delivered", "550 5.1.1 mailbox unavailable",
		"Sign-in link", "Waiting to be sent", `action="/notifications/` + dead.ID + `/retry"`, `href="/offers/` + o.ID + `"`,
		`aria-current="page">All</a>`, `href="/notifications?status=dead"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the delivery list lacks %q", want)
		}
	}
	if n := strings.Count(p.body, `/retry"`); n != 1 {
		t.Errorf("the list has %d Retry forms, want 1 (the dead letter's)", n)
	}
	for _, never := range []string{dead.To, dead.Subject, avan.Name, "/respond/", "NT-1"} {
		if strings.Contains(p.body, never) {
			t.Errorf("the delivery list shows %q", never)
		}
	}
	only := k.get("/notifications?status=dead")
	if !strings.Contains(only.body, "Not delivered") || strings.Contains(only.body, "Sign-in link") ||
		!strings.Contains(only.body, `aria-current="page">Not delivered</a>`) {
		t.Errorf("the dead letters only:\n%s", only.body)
	}
	if p := k.get("/notifications?status=lost"); p.status != http.StatusBadRequest {
		t.Errorf("an unknown status: %d, want 400", p.status)
	}

	// Retry without the CSRF token: refused.
	if p := k.post("/notifications/"+dead.ID+"/retry", url.Values{"_csrf": {"nope"}}); p.status != http.StatusForbidden {
		t.Errorf("retry without the CSRF token: %d", p.status)
	}
	p = k.post("/notifications/"+dead.ID+"/retry", url.Values{"status": {"dead"}})
	if p.status != http.StatusSeeOther || p.location() != "/notifications?notice=retried&status=dead" {
		t.Fatalf("retry: %d → %q\n%s", p.status, p.location(), p.body)
	}
	m, err := s.store.Message(t.Context(), dead.ID)
	if err != nil || m.Status != data.MessageQueued || m.Attempts != 0 {
		t.Fatalf("the retried message: %s after %d attempts, %v", m.Status, m.Attempts, err)
	}
	if p := k.get(p.location()); !strings.Contains(p.body, "back in the queue") || strings.Contains(p.body, "Offer to interpret") {
		t.Errorf("the dead letters after the retry:\n%s", p.body)
	}
	if home := k.get("/"); strings.Contains(home.body, "Some emails could not be delivered") {
		t.Error("the home page still warns of dead letters")
	}
	// Again: it is no longer dead; said above the list, nothing changes.
	if p := k.post("/notifications/"+dead.ID+"/retry", nil); p.status != http.StatusConflict || !strings.Contains(p.body, "was not retried") {
		t.Errorf("retrying a queued message: %d\n%s", p.status, p.body)
	}

	a := s.browser()
	a.signIn(data.RoleAdmin)
	if p := a.get("/notifications"); p.status != http.StatusOK || !strings.Contains(p.body, "Offer to interpret") || strings.Contains(p.body, `href="/offers/`) {
		t.Errorf("the admin's delivery list: %d", p.status)
	}
	if p := a.get("/"); !strings.Contains(p.body, `href="/notifications"`) {
		t.Error("the admin's home page does not link the delivery list")
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	if p := w.get("/notifications"); p.status != http.StatusForbidden {
		t.Errorf("a social worker's delivery list: %d, want 403", p.status)
	}
	if p := w.post("/notifications/"+dead.ID+"/retry", nil); p.status != http.StatusForbidden {
		t.Errorf("a social worker's retry: %d, want 403", p.status)
	}
	if p := w.get("/"); strings.Contains(p.body, `href="/notifications"`) {
		t.Error("a social worker's pages link the delivery list")
	}
	s.killMessage(dead.ID, "550 5.1.1 mailbox unavailable")
	s.addUser(data.RoleCoordinator, "south-coordinator", "south")
	other := s.browser()
	other.signIn(data.Role("south-coordinator"))
	if p := other.get("/notifications"); p.status != http.StatusOK || strings.Contains(p.body, "Offer to interpret") {
		t.Errorf("another organisation's delivery list: %d, or it shows north's messages", p.status)
	}
	if p := other.post("/notifications/"+dead.ID+"/retry", nil); p.status != http.StatusNotFound {
		t.Errorf("another organisation's coordinator retrying: %d, want 404", p.status)
	}
	if m, _ := s.store.Message(t.Context(), dead.ID); m.Status != data.MessageDead {
		t.Errorf("after another organisation's retry the message is %s", m.Status)
	}
}

// The list pages, newest first, keeping the filter.
func TestNotificationsPaging(t *testing.T) {
	s := newSite(t)
	for range 31 {
		if err := s.app.SendSignInLink(t.Context(), s.users[data.RoleInterpreter].Email); err != nil {
			t.Fatal(err)
		}
		s.now = s.now.Add(time.Second)
	}
	k := s.browser()
	k.signIn(data.RoleCoordinator)
	p := k.get("/notifications?status=queued")
	if got := strings.Count(p.body, "Sign-in link"); got != 30 {
		t.Errorf("the first page has %d messages, want 30", got)
	}
	m := regexp.MustCompile(`href="(/notifications\?[^"]*cursor=[^"]+)">Older messages`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no link to older messages:\n%s", p.body)
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "status=queued") {
		t.Errorf("the next page %q loses the filter", next)
	}
	p = k.get(next)
	if got := strings.Count(p.body, "Sign-in link"); got != 1 || strings.Contains(p.body, "Older messages") {
		t.Errorf("the second page has %d messages, want 1\n%s", got, p.body)
	}
}
