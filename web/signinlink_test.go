package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/web"
)

// An interpreter asks for a sign-in link on the sign-in page; the link
// arrives in the outbox, signs them in once (the session cookie as a key
// sign-in sets it) and then leads back to sign-in, saying it is used. The
// answer to the form is the same for anyone's email.
func TestSignInWithLink(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	s.addInterpreterUser("avan", avan)
	email := s.users["avan"].Email

	b := s.browser()
	form := b.get("/sign-in")
	for _, want := range []string{"Email me a link to sign in", `action="/sign-in/link"`, `name="email"`, `autocomplete="email"`, "15 minutes"} {
		if !strings.Contains(form.body, want) {
			t.Errorf("the sign-in page lacks %q", want)
		}
	}
	if p := b.do(http.MethodPost, "/sign-in/link", url.Values{"email": {""}}); p.status != http.StatusBadRequest || errorLinks(p.body)["f-email"] == "" {
		t.Errorf("no email: %d, errors %v", p.status, errorLinks(p.body))
	}
	if p := b.do(http.MethodPost, "/sign-in/link", url.Values{"email": {"not an address"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, `value="not an address"`) {
		t.Errorf("a malformed email: %d", p.status)
	}
	for _, headers := range [][]string{{"Origin", "https://evil.example"}, {"Origin", "null"}, {"Origin", "null", "Sec-Fetch-Site", "same-origin"}} {
		if p := b.do(http.MethodPost, "/sign-in/link", url.Values{"email": {email}}, headers...); p.status != http.StatusForbidden {
			t.Errorf("asking with %q: %d, want 403", headers, p.status)
		}
	}
	if n := len(s.outbox(data.MessageSignInLink)); n != 0 {
		t.Fatalf("%d sign-in links sent before a good request", n)
	}
	// The same answer for an interpreter, a stranger and a social worker.
	var answers []string
	for _, who := range []string{"  " + strings.ToUpper(email) + " ", "nobody@nowhere.example", s.users[data.RoleSocialWorker].Email} {
		p := b.do(http.MethodPost, "/sign-in/link", url.Values{"email": {who}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("asking a link for %q: %d\n%s", who, p.status, p.body)
		}
		answers = append(answers, p.location())
	}
	if answers[0] != "/sign-in?notice=link-sent" || answers[1] != answers[0] || answers[2] != answers[0] {
		t.Errorf("the answers differ: %q", answers)
	}
	if p := b.get(answers[0]); !strings.Contains(p.body, "If that email belongs to an interpreter, a link is on its way") {
		t.Errorf("the sign-in page after asking:\n%s", p.body)
	}
	sent := s.outbox(data.MessageSignInLink)
	if len(sent) != 1 || sent[0].To != email {
		t.Fatalf("sign-in links sent: %+v, want one to %s", sent, email)
	}
	link := s.linkTo(data.MessageSignInLink, "")

	p := b.get(link)
	if p.status != http.StatusSeeOther || p.location() != "/" || p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("the link: %d → %q, Referrer-Policy %q\n%s", p.status, p.location(), p.header.Get("Referrer-Policy"), p.body)
	}
	res := http.Response{Header: p.header}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "tolk_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.MaxAge != 0 {
		t.Fatalf("the link's session cookie: %+v", cookie)
	}
	if home := b.get("/"); home.status != http.StatusOK || !strings.Contains(home.body, "Your invitations") {
		t.Fatalf("home after the link: %d\n%s", home.status, home.body)
	}
	audit, err := s.store.ListAudit(t.Context(), data.AuditQuery{EntityID: s.users["avan"].ID})
	if err != nil || len(audit.Items) == 0 || audit.Items[0].Action != "session.started.link" {
		t.Errorf("the link's sign-in audit: %+v, %v", audit.Items, err)
	}

	// Used: back to sign-in, saying so; no session.
	again := s.browser()
	p = again.get(link)
	if p.status != http.StatusSeeOther || p.location() != "/sign-in?failed=link" || len(again.cookies) != 0 {
		t.Fatalf("the used link: %d → %q, cookies %v", p.status, p.location(), again.cookies)
	}
	if p := again.get(p.location()); !strings.Contains(p.body, "That sign-in link has been used or has run out") {
		t.Errorf("the sign-in page after a used link:\n%s", p.body)
	}

	// Run out: a fresh link, opened 16 minutes later.
	s.now = s.now.Add(time.Minute)
	if p := b.do(http.MethodPost, "/sign-in/link", url.Values{"email": {email}}); p.status != http.StatusSeeOther {
		t.Fatalf("asking again: %d", p.status)
	}
	late := s.linkTo(data.MessageSignInLink, "")
	if late == link {
		t.Fatal("the second request sent the first link")
	}
	s.now = s.now.Add(app.SignInLinkLife + time.Minute)
	if p := s.browser().get(late); p.location() != "/sign-in?failed=link" {
		t.Errorf("the late link: %d → %q", p.status, p.location())
	}
	if p := s.browser().get("/sign-in/link/tolklink_NOSUCHLINK"); p.location() != "/sign-in?failed=link" {
		t.Errorf("an unknown link: %d → %q", p.status, p.location())
	}
}

// Asking for links and failing with them count against the address's
// brake, as wrong keys do.
func TestSignInLinkBraked(t *testing.T) {
	s := newSite(t, func(w *web.Config, e *edge.Config) { e.RateLimits = true })
	var last page
	for range 30 {
		if last = s.browser().do(http.MethodPost, "/sign-in/link", url.Values{"email": {"someone@north.example"}}); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("repeated link requests: %d, Retry-After %q; want 429", last.status, last.header.Get("Retry-After"))
	}
	if p := s.browser().get("/sign-in/link/tolklink_NOSUCHLINK"); p.status != http.StatusTooManyRequests {
		t.Errorf("a bad link from a braked address: %d, want 429", p.status)
	}
}
