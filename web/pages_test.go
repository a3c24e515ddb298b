package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/web"
)

// A signed-out visitor to any page, known or not, lands on sign-in, and
// is brought back to the page they asked for afterwards.
func TestSignedOutLandsOnSignIn(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for _, path := range []string{"/", "/cases/new", "/cases/some-case", "/cases/x/matches?start=1", "/bookings/b-1",
		"/subscriptions", "/interpreters", "/interpreters/i-1", "/vetting/expiring", "/users", "/no/such/page"} {
		p := b.get(path)
		want := "/sign-in?next=" + url.QueryEscape(path)
		if path == "/" {
			want = "/sign-in"
		}
		if p.status != http.StatusSeeOther || p.location() != want {
			t.Errorf("GET %s signed out: %d → %q, want 303 → %q", path, p.status, p.location(), want)
		}
	}
	for _, path := range []string{"/cases", "/bookings", "/bookings/b-1/cancel", "/subscriptions", "/sign-out"} {
		if p := b.do(http.MethodPost, path, url.Values{"reference": {"R-1"}}); p.status != http.StatusSeeOther || p.location() != "/sign-in" {
			t.Errorf("POST %s signed out: %d → %q, want 303 → /sign-in", path, p.status, p.location())
		}
	}
	// Signing in from the redirect brings the visitor back.
	p := b.do(http.MethodPost, "/sign-in", url.Values{"apiKey": {s.keys[data.RoleSocialWorker]}, "next": {"/cases/new"}})
	if p.status != http.StatusSeeOther || p.location() != "/cases/new" {
		t.Errorf("sign in with next=/cases/new: %d → %q", p.status, p.location())
	}
	if p := b.get("/cases/new"); p.status != http.StatusOK || !strings.Contains(p.body, "Create a case") {
		t.Errorf("GET /cases/new signed in: %d", p.status)
	}
}

// next never leads off the site.
func TestSignInNeverRedirectsOffSite(t *testing.T) {
	s := newSite(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
		"/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example", "/x\\..\\..\\evil", "/\x7f/evil.example"} {
		b := s.browser()
		p := b.do(http.MethodPost, "/sign-in", url.Values{"apiKey": {s.keys[data.RoleSocialWorker]}, "next": {next}})
		if p.location() != "/" {
			t.Errorf("sign in with next=%q went to %q, want /", next, p.location())
		}
	}
}

// A wrong key is refused with the error summary, audited without the
// key, and braked per address like the API's authentication.
func TestSignInWithKey(t *testing.T) {
	s := newSite(t, func(w *web.Config, e *edge.Config) { e.RateLimits = true })
	b := s.browser()
	wrong := "tolk_WRONGWRONGWRONGWRONGWRONG"
	p := b.do(http.MethodPost, "/sign-in", url.Values{"apiKey": {wrong}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, `href="#f-apiKey"`) || !strings.Contains(p.body, "There is a problem") {
		t.Fatalf("wrong key: %d\n%s", p.status, p.body)
	}
	if strings.Contains(p.body, wrong) {
		t.Error("the sign-in page repeats the wrong key")
	}
	audit, err := s.store.ListAudit(t.Context(), data.AuditQuery{Scopes: []string{app.ScopeSecurity}})
	if err != nil || len(audit.Items) != 1 || audit.Items[0].Action != "signin.failed.key" {
		t.Errorf("failed sign-in audit: %+v, %v", audit.Items, err)
	}

	b.signIn(data.RoleSocialWorker)
	home := b.get("/")
	if home.status != http.StatusOK || !strings.Contains(home.body, "Test social_worker") {
		t.Fatalf("home after sign-in: %d", home.status)
	}
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("page CSP = %q", csp)
	}
	if cc := home.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store", cc)
	}
	u := s.users[data.RoleSocialWorker]
	audit, err = s.store.ListAudit(t.Context(), data.AuditQuery{EntityID: u.ID})
	if err != nil || len(audit.Items) == 0 || audit.Items[0].Action != "session.started.key" {
		t.Errorf("sign-in audit: %+v, %v", audit.Items, err)
	}

	// The brake: after enough failures from one address, 429 with Retry-After.
	var last page
	for range 30 {
		if last = s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {wrong}}); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("repeated wrong keys: %d, Retry-After %q; want 429 with Retry-After", last.status, last.header.Get("Retry-After"))
	}
}

// The session cookie is HttpOnly and SameSite=Lax; behind TLS it is
// Secure and __Host- prefixed.
func TestSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		base, name string
		secure     bool
	}{{"http://tolk.test", "tolk_session", false}, {"https://tolk.test", "__Host-tolk_session", true}} {
		s := newSite(t, func(w *web.Config, e *edge.Config) { w.BaseURL = tc.base })
		p := s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {s.keys[data.RoleSocialWorker]}}, "Origin", tc.base)
		res := http.Response{Header: p.header}
		var found bool
		for _, c := range res.Cookies() {
			if c.Name != tc.name {
				continue
			}
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
				t.Errorf("%s: cookie %+v", tc.base, c)
			}
		}
		if !found {
			t.Errorf("%s: no %s cookie in %v", tc.base, tc.name, p.header["Set-Cookie"])
		}
	}
}

// A session ends after 30 idle minutes, and after 12 hours however active.
func TestSessionTimeouts(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	s.now = s.now.Add(29 * time.Minute)
	if p := b.get("/"); p.status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want 200", p.status)
	}
	s.now = s.now.Add(31 * time.Minute)
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d, want 303 to sign-in", p.status)
	}

	b = s.browser()
	b.signIn(data.RoleSocialWorker)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		s.now = s.now.Add(20 * time.Minute)
		if p := b.get("/"); p.status != http.StatusOK {
			t.Fatalf("active session after %v: %d, want 200", elapsed+20*time.Minute, p.status)
		}
	}
	s.now = s.now.Add(20 * time.Minute) // past 12 hours
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("after 12 hours: %d, want 303 to sign-in", p.status)
	}
}

// Signing out ends the session in the store: the old cookie opens nothing.
func TestSignOutEndsTheSession(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	stolen := map[string]string{}
	for k, v := range b.cookies {
		stolen[k] = v
	}
	if p := b.post("/sign-out", nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/sign-in") {
		t.Fatalf("sign out: %d → %q", p.status, p.location())
	}
	replay := &browser{s: s, cookies: stolen}
	if p := replay.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("the signed-out session's cookie still opens /: %d", p.status)
	}
	u := s.users[data.RoleCoordinator]
	audit, _ := s.store.ListAudit(t.Context(), data.AuditQuery{EntityID: u.ID})
	if len(audit.Items) == 0 || audit.Items[0].Action != "session.ended" {
		t.Errorf("sign-out audit: %+v", audit.Items)
	}
}

// A post from another site is refused (403) before it changes anything,
// whether the browser says so by Origin or by Sec-Fetch-Site, and so is a
// post without the session's CSRF token.
func TestCrossSitePostsAreRefused(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	form := func() url.Values {
		return url.Values{"reference": {"XSITE-1"}, "child.languages[0].tag": {"ti"}}
	}
	for name, p := range map[string]page{
		"Origin":         b.post("/cases", form(), "Origin", "http://evil.example"),
		"null Origin":    b.post("/cases", form(), "Origin", "null"),
		"Sec-Fetch-Site": b.post("/cases", form(), "Origin", "", "Sec-Fetch-Site", "cross-site"),
		"no CSRF token":  b.do(http.MethodPost, "/cases", form()),
		"wrong token":    b.post("/cases", url.Values{"_csrf": {"00000000000000000000000000000000"}, "reference": {"XSITE-1"}}),
	} {
		if p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.status)
		}
	}
	cases, err := s.app.ListCases(t.Context(), s.users[data.RoleSocialWorker], "", 10)
	if err != nil || len(cases.Items) != 0 {
		t.Errorf("refused posts stored %d cases (%v)", len(cases.Items), err)
	}
	if p := b.post("/cases", form()); p.status != http.StatusSeeOther {
		t.Errorf("the same post from the site: %d, want 303\n%s", p.status, p.body)
	}
}

// Revoking a user's key ends their web sessions at once.
func TestRevokedKeyEndsSessions(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	if err := s.app.RevokeKey(t.Context(), s.users[data.RoleAdmin], s.users[data.RoleSocialWorker].ID); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("after the key was revoked: %d, want 303 to sign-in", p.status)
	}
}

// The case form names the API's fields: a bad case is 400 with an error
// summary linking to each field, and nothing is stored.
func TestCaseFormErrors(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	p := b.post("/cases", url.Values{"reference": {""}, "child.languages[0].tag": {"not a tag!"}, "child.communityLinks[0].kind": {"town"}, "child.communityLinks[0].value": {""}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad case: %d, want 400", p.status)
	}
	for _, field := range []string{"f-reference", "f-child-languages-0-tag", "f-child-communityLinks-0-value"} {
		if !strings.Contains(p.body, `href="#`+field+`"`) || !strings.Contains(p.body, `id="`+field+`"`) {
			t.Errorf("the error summary does not link to #%s, or the field is missing", field)
		}
	}
	if !strings.Contains(p.body, "<title>Error: ") {
		t.Error("the title does not start with Error:")
	}
	if !strings.Contains(p.body, `value="not a tag!"`) {
		t.Error("the form lost what was typed")
	}
	cases, _ := s.app.ListCases(t.Context(), s.users[data.RoleSocialWorker], "", 10)
	if len(cases.Items) != 0 {
		t.Errorf("a refused case was stored")
	}
}

// An admin does not work on cases: the case pages are 403, from package app.
func TestAdminCannotOpenCases(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleAdmin)
	if p := b.post("/cases", url.Values{"reference": {"R"}, "child.languages[0].tag": {"ti"}}); p.status != http.StatusForbidden {
		t.Errorf("admin creating a case: %d, want 403", p.status)
	}
	// Pages offer only what the role may do: no blank form to an admin.
	if p := b.get("/cases/new"); p.status != http.StatusForbidden || strings.Contains(p.body, `action="/cases"`) {
		t.Errorf("admin opening the new-case form: %d, want 403 and no form", p.status)
	}
}

// A malformed cursor or filter is the visitor's mistake: 400, not 500.
func TestBadQueryIsNotAnError500(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	for _, path := range []string{"/?cursor=zzzz", "/?cursor=%00"} {
		if p := b.get(path); p.status != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, p.status)
		}
	}
}

// Another site cannot make a coordinator's browser read a full record (an
// audited read in their name): a cross-site navigation gets a button to
// open it from tolk itself, and nothing is audited until it is pressed.
func TestCrossSiteLinkToRecordAsksFirst(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Rezan Kaya", "kmr", data.DecisionApprove)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	reads := func() int { return s.sensitiveReads(in.ID) }
	for _, path := range []string{"/interpreters/" + in.ID, "/interpreters/" + in.ID + "/edit"} {
		p := b.do(http.MethodGet, path, nil, "Sec-Fetch-Site", "cross-site")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Open the record") || strings.Contains(p.body, coordCertificate) {
			t.Errorf("cross-site GET %s: %d, want the confirmation page without the record", path, p.status)
		}
	}
	if n := reads(); n != 0 {
		t.Errorf("cross-site links wrote %d sensitive-read entries", n)
	}
	if p := b.do(http.MethodGet, "/interpreters/"+in.ID, nil, "Sec-Fetch-Site", "same-origin"); !strings.Contains(p.body, coordCertificate) {
		t.Error("the record opened from tolk does not show the full record")
	}
	if n := reads(); n != 1 {
		t.Errorf("opening the record from tolk wrote %d entries, want 1", n)
	}
}

// A sign-in post that says nothing of where it comes from (neither Origin
// nor Sec-Fetch-Site) is refused: with no session there is no CSRF token.
func TestSignInPostMustNameItsOrigin(t *testing.T) {
	s := newSite(t)
	p := s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {s.keys[data.RoleSocialWorker]}}, "Origin", "")
	if p.status != http.StatusForbidden {
		t.Errorf("sign-in without Origin or Sec-Fetch-Site: %d, want 403", p.status)
	}
	p = s.browser().do(http.MethodPost, "/sign-in", url.Values{"apiKey": {s.keys[data.RoleSocialWorker]}}, "Origin", "", "Sec-Fetch-Site", "same-origin")
	if p.status != http.StatusSeeOther {
		t.Errorf("sign-in with Sec-Fetch-Site same-origin: %d, want 303", p.status)
	}
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == "tolk_session" && (!c.Expires.IsZero() || c.MaxAge != 0) {
			t.Errorf("the session cookie outlives the browser: Expires %v, Max-Age %d", c.Expires, c.MaxAge)
		}
	}
}

// A social worker's post to the register is refused as such (403), even
// when the form would not have been valid.
func TestSocialWorkerPostToRegisterIsRefusedFirst(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	if p := b.post("/interpreters", url.Values{"name": {""}, "experience.years": {"lots"}}); p.status != http.StatusForbidden {
		t.Errorf("social worker posting a bad record: %d, want 403", p.status)
	}
}

// Once an address is braked, its further failures are answered 429 and
// write no more audit entries; a valid key from the same address still
// signs in (an office behind one address is not locked out by a guesser).
func TestBrakedSignInsWriteNothing(t *testing.T) {
	s := newSite(t, func(w *web.Config, e *edge.Config) { e.RateLimits = true })
	wrong := url.Values{"apiKey": {"tolk_WRONGWRONGWRONGWRONGWRONG"}}
	for range 25 {
		s.browser().do(http.MethodPost, "/sign-in", wrong)
	}
	count := func() int {
		page, err := s.store.ListAudit(t.Context(), data.AuditQuery{Scopes: []string{app.ScopeSecurity}, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Items)
	}
	before := count()
	if before > 21 {
		t.Errorf("%d failures audited of 25, want at most the 20 allowed and the first braked one", before)
	}
	for range 10 {
		if p := s.browser().do(http.MethodPost, "/sign-in", wrong); p.status != http.StatusTooManyRequests {
			t.Fatalf("a braked attempt: %d, want 429", p.status)
		}
	}
	if after := count(); after != before {
		t.Errorf("braked attempts wrote %d audit entries", after-before)
	}
	s.browser().signIn(data.RoleSocialWorker) // fails the test unless it lands on /
}

// Sessions that timed out are ended at the user's next sign-in, so the
// live sessions the store keeps for a user stay few.
func TestSignInSweepsExpiredSessions(t *testing.T) {
	s := newSite(t)
	u := s.users[data.RoleSocialWorker]
	for range 3 {
		s.browser().signIn(data.RoleSocialWorker)
	}
	s.now = s.now.Add(time.Hour) // all three idle past 30 minutes
	s.browser().signIn(data.RoleSocialWorker)
	live, err := s.store.ListSessions(t.Context(), data.SessionQuery{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Items) != 1 {
		t.Errorf("%d live sessions after a sign-in an hour later, want 1", len(live.Items))
	}
}

// The home page pages through the organisation's cases, newest first.
func TestHomePagesThroughCases(t *testing.T) {
	s := newSite(t)
	sw := s.users[data.RoleSocialWorker]
	for i := range 23 {
		s.now = s.now.Add(time.Millisecond)
		if _, err := s.app.CreateCase(t.Context(), sw, data.Case{Reference: fmt.Sprintf("HP-%02d", i), Child: data.Child{Languages: []string{"ti"}}}); err != nil {
			t.Fatal(err)
		}
	}
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	first := b.get("/")
	if !strings.Contains(first.body, "HP-22") || strings.Contains(first.body, "HP-02<") {
		t.Fatalf("the first page does not start with the newest case")
	}
	m := regexp.MustCompile(`href="(/\?casesBefore=[^"]+)"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatal("no link to older cases")
	}
	older := b.get(html.UnescapeString(m[1]))
	for _, ref := range []string{"HP-00", "HP-01", "HP-02"} {
		if !strings.Contains(older.body, ref) {
			t.Errorf("the older page lacks %s", ref)
		}
	}
	if strings.Contains(older.body, "HP-22") {
		t.Error("the older page repeats the newest case")
	}
}

// A HEAD of a record's page or form reads nothing: it is refused (405)
// and writes no interpreter.read_sensitive entry, where each GET writes
// one (issue 22, item 5, for the pages as for the API).
func TestHeadOfRecordPageReadsNothing(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Rezan Kaya", "kmr", data.DecisionApprove)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	reads := func() int { return s.sensitiveReads(in.ID) }
	for _, path := range []string{"/interpreters/" + in.ID, "/interpreters/" + in.ID + "/edit"} {
		if p := b.do(http.MethodHead, path, nil); p.status != http.StatusMethodNotAllowed || p.body != "" {
			t.Errorf("HEAD %s: %d %q, want 405 and no body", path, p.status, p.body)
		}
	}
	if n := reads(); n != 0 {
		t.Errorf("two HEADs wrote %d sensitive reads, want none", n)
	}
	b.get("/interpreters/" + in.ID)
	if n := reads(); n != 1 {
		t.Errorf("a GET wrote %d sensitive reads, want 1", n)
	}
}

// sensitiveReads counts the interpreter.read_sensitive entries about the
// interpreter with this ID.
func (s *site) sensitiveReads(id string) int {
	s.t.Helper()
	page, err := s.store.ListAudit(s.t.Context(), data.AuditQuery{EntityID: id})
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, e := range page.Items {
		if e.Action == "interpreter.read_sensitive" {
			n++
		}
	}
	return n
}
