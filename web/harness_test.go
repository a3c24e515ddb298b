package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/web"
)

// testNow is the pages' clock in tests: 2026-11-22 09:00 UTC.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// site is the web pages and the API on a real bolt store in a temporary
// directory, with one user of each role in organisation "north".
type site struct {
	t     testing.TB
	now   time.Time // the clock of the app and the pages; tests move it
	fiber *fiber.App
	app   *app.App
	store data.Store
	keys  map[data.Role]string
	users map[data.Role]data.User
}

// siteOption changes the configuration of a test site: its pages' and
// its edge's.
type siteOption func(*web.Config, *edge.Config)

func newSite(t testing.TB, opts ...siteOption) *site {
	t.Helper()
	return newSiteOver(t, nil, opts...)
}

// newSiteOver is newSite with the application working through wrap's
// store (a wrapper of the site's own, to make it fail): the site's store
// stays the real one.
func newSiteOver(t testing.TB, wrap func(data.Store) data.Store, opts ...siteOption) *site {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(t.Context()) })
	st := &site{t: t, now: testNow, store: s, keys: map[data.Role]string{}, users: map[data.Role]data.User{}}
	clock := func() time.Time { return st.now }
	var appStore data.Store = s
	if wrap != nil {
		appStore = wrap(s)
	}
	st.app = app.New(app.Config{Store: appStore, Now: clock, BaseURL: "http://tolk.test"})
	for _, role := range data.Roles {
		st.addUser(role, string(role), "north")
	}
	wcfg := web.Config{App: st.app, Now: clock, BaseURL: "http://tolk.test"}
	ecfg := edge.Config{Now: clock}
	for _, o := range opts {
		o(&wcfg, &ecfg)
	}
	e := edge.New(ecfg)
	wcfg.Guard = e
	pages, err := web.New(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Mount(api.New(api.Config{App: st.app, Guard: e, BaseURL: "http://tolk.test"}))
	e.Mount(pages)
	st.fiber = e.App()
	return st
}

// addUser stores a user with a fresh key in organisation org.
func (s *site) addUser(role data.Role, name, org string) data.User {
	s.t.Helper()
	key := data.NewAPIKey()
	u := data.User{
		ID: data.NewID(testNow), Name: "Test " + name, Email: name + "@" + org + ".example", Role: role,
		Organisation: org, KeyHash: data.HashKey(key), CreatedAt: testNow, UpdatedAt: testNow,
	}
	if err := s.store.CreateUser(s.t.Context(), u, data.Audited(data.NewAuditEntry(testNow, u, org, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		s.t.Fatal(err)
	}
	s.keys[data.Role(name)], s.users[data.Role(name)] = key, u
	return u
}

// page is an answer to a page request.
type page struct {
	status int
	header http.Header
	body   string
}

// location returns the redirect target.
func (p page) location() string { return p.header.Get("Location") }

// browser is one visitor: their cookies.
type browser struct {
	s       *site
	cookies map[string]string
}

func (s *site) browser() *browser { return &browser{s: s, cookies: map[string]string{}} }

// do sends a request as this browser, from this site's pages (Origin set)
// unless headers say otherwise, and keeps the cookies it is given.
func (b *browser) do(method, path string, form url.Values, headers ...string) page {
	b.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.Host = "tolk.test"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		req.Header.Set("Origin", "http://tolk.test")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	res, err := b.s.fiber.Test(req, -1)
	if err != nil {
		b.s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return page{status: res.StatusCode, header: res.Header, body: string(raw)}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends a form with the CSRF token of the browser's last page.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf())
	}
	return b.do(http.MethodPost, path, form, headers...)
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// csrf reads the CSRF token from a page of the site.
func (b *browser) csrf() string {
	m := csrfPattern.FindStringSubmatch(b.get("/subscriptions").body)
	if m == nil {
		return ""
	}
	return m[1]
}

// signIn signs the browser in with role's key.
func (b *browser) signIn(role data.Role) {
	b.s.t.Helper()
	p := b.do(http.MethodPost, "/sign-in", url.Values{"apiKey": {b.s.keys[role]}})
	if p.status != http.StatusSeeOther || p.location() != "/" {
		b.s.t.Fatalf("sign in as %s: %d → %q\n%s", role, p.status, p.location(), p.body)
	}
}
