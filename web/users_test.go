package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// An admin adds a user and reissues their key: each key is shown once and
// signs in; the old key then fails. Revoking ends the user's sessions.
func TestUsersPage(t *testing.T) {
	s := newSite(t)
	admin := s.browser()
	admin.signIn(data.RoleAdmin)
	if p := admin.get("/users"); p.status != http.StatusOK || !strings.Contains(p.body, "Test coordinator") {
		t.Fatalf("users page: %d", p.status)
	}
	coord := s.browser()
	coord.signIn(data.RoleCoordinator)
	if p := coord.get("/users"); p.status != http.StatusForbidden {
		t.Errorf("coordinator GET /users: %d, want 403", p.status)
	}

	p := admin.post("/users", url.Values{"name": {""}, "email": {"not-an-email"}, "role": {"social_worker"}})
	links := errorLinks(p.body)
	if p.status != http.StatusBadRequest || !strings.HasPrefix(links["f-name"], "Full name") || !strings.HasPrefix(links["f-email"], "Email address") {
		t.Errorf("bad user: %d, links %v", p.status, links)
	}

	p = admin.post("/users", url.Values{"name": {"Nadia New"}, "email": {"nadia@north.example"}, "role": {"social_worker"}})
	first := keyOn(t, p)
	if p.status != http.StatusCreated || !strings.Contains(p.body, "shown only now") {
		t.Fatalf("create user: %d", p.status)
	}
	if again := admin.get("/users"); strings.Contains(again.body, first) {
		t.Error("the key is shown again on the next visit")
	}
	if dup := admin.post("/users", url.Values{"name": {"Nadia Again"}, "email": {"nadia@north.example"}, "role": {"coordinator"}}); dup.status != http.StatusBadRequest ||
		errorLinks(dup.body)["f-email"] == "" {
		t.Errorf("duplicate email: %d, links %v", dup.status, errorLinks(dup.body))
	}
	nadia := signInWithKey(t, s, first)
	u, err := s.store.UserByEmail(t.Context(), "nadia@north.example")
	if err != nil {
		t.Fatal(err)
	}

	p = admin.post("/users/"+u.ID+"/key", nil)
	second := keyOn(t, p)
	if p.status != http.StatusOK || second == first || !strings.Contains(p.body, "Nadia New") {
		t.Fatalf("reissue: %d", p.status)
	}
	if r := nadia.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/sign-in") {
		t.Errorf("session opened with the old key after reissue: %d → %q, want sign-in", r.status, r.location())
	}
	if r := s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {first}}); r.status != http.StatusUnauthorized {
		t.Errorf("sign in with the old key: %d, want 401", r.status)
	}
	nadia = signInWithKey(t, s, second)

	p = admin.post("/users/"+u.ID+"/revoke", nil)
	if p.status != http.StatusSeeOther || p.location() != "/users?notice=key-revoked" {
		t.Fatalf("revoke: %d → %q", p.status, p.location())
	}
	if r := admin.get(p.location()); !strings.Contains(r.body, "Key revoked") {
		t.Error("no notice after revoking")
	}
	if r := nadia.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/sign-in") {
		t.Errorf("revoked user's next page: %d → %q, want sign-in", r.status, r.location())
	}
	if r := s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {second}}); r.status != http.StatusUnauthorized {
		t.Errorf("sign in with a revoked key: %d, want 401", r.status)
	}
}

var keyPattern = regexp.MustCompile(`id="new-key" value="(tolk_[A-Z0-9]+)"`)

// keyOn returns the new key a users page shows.
func keyOn(t *testing.T, p page) string {
	t.Helper()
	m := keyPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no key on the page (%d)\n%s", p.status, p.body)
	}
	return m[1]
}

// signInWithKey signs a new browser in with key and opens the home page.
func signInWithKey(t *testing.T, s *site, key string) *browser {
	t.Helper()
	b := s.browser()
	if p := b.do(http.MethodPost, "/sign-in", url.Values{"apiKey": {key}}); p.status != http.StatusSeeOther || p.location() != "/" {
		t.Fatalf("sign in with the new key: %d → %q", p.status, p.location())
	}
	if p := b.get("/"); p.status != http.StatusOK {
		t.Fatalf("home with the new key: %d", p.status)
	}
	return b
}

// An admin gives an interpreter record a user of its own from the users
// page (its name and email taken from the record); signed in, their home
// page is their invitations.
func TestUsersPageMakesAnInterpreter(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	admin := s.browser()
	admin.signIn(data.RoleAdmin)
	if p := admin.post("/users", url.Values{"role": {"interpreter"}}); p.status != http.StatusBadRequest || errorLinks(p.body)["f-interpreterId"] == "" {
		t.Errorf("an interpreter user without a record: %d, links %v", p.status, errorLinks(p.body))
	}
	p := admin.post("/users", url.Values{"role": {"interpreter"}, "interpreterId": {in.ID}})
	if p.status != http.StatusCreated || !strings.Contains(p.body, "Avan Rashid") {
		t.Fatalf("create an interpreter user: %d\n%s", p.status, p.body)
	}
	home := signInWithKey(t, s, keyOn(t, p)).get("/")
	if !strings.Contains(home.body, "Your invitations") || !strings.Contains(home.body, "(Interpreter, north)") || strings.Contains(home.body, `href="/cases/new"`) {
		t.Errorf("the interpreter's home page:\n%s", home.body)
	}
}
