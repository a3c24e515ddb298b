package web_test

// The machinery of the browser tests (browser_test.go): finding Chromium,
// a live service on 127.0.0.1 with fictional data, a tab driven through
// chromedp, axe-core on every page, and the check that a social worker's
// pages hold no sensitive interpreter field.

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tolk/tolk"
	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/web"
)

// axeSource is axe-core, vendored from npm (see testdata/axe/VERSION).
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// noBrowserBanner is what a run without Chromium prints.
const noBrowserBanner = `
==========================================================================
BROWSER TESTS DID NOT RUN: no Chromium found (apt-get install chromium,
or set TOLK_CHROMIUM to its path). TOLK_REQUIRE_BROWSER=1 makes this fail.
go test caches the skip: once Chromium is there, go test -count=1 ./web/
==========================================================================
`

// noBrowserSkip is the message of each skipped browser test.
const noBrowserSkip = "BROWSER TESTS DID NOT RUN: no Chromium found (apt-get install chromium, or set TOLK_CHROMIUM)"

// chromiumPath returns the browser to drive: $TOLK_CHROMIUM, or the first
// of chromium, chromium-browser, google-chrome on PATH; "" when none.
func chromiumPath() string {
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	if p := os.Getenv("TOLK_CHROMIUM"); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func init() {
	if chromiumPath() == "" {
		announceNoBrowser()
	}
}

// announceNoBrowser prints noBrowserBanner where it will be seen. go test
// shows a passing package's output only with -v, so on Linux, when the test
// binary runs under the go command and that command's stderr is a terminal
// or a pipe (as in CI), the banner goes there; otherwise to our stderr.
// A result replayed from the test cache says nothing.
func announceNoBrowser() {
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	if comm, err := os.ReadFile(parent + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "go" {
		if f, err := os.OpenFile(parent+"/fd/2", os.O_WRONLY|os.O_APPEND, 0); err == nil {
			defer f.Close()
			if fi, err := f.Stat(); err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0 {
				fmt.Fprint(f, noBrowserBanner)
				return
			}
		}
	}
	fmt.Fprint(os.Stderr, noBrowserBanner)
}

// needChromium returns the browser's path, or skips the test loudly (fails
// it when TOLK_REQUIRE_BROWSER=1, as in CI).
func needChromium(t *testing.T) string {
	t.Helper()
	if p := chromiumPath(); p != "" {
		return p
	}
	if os.Getenv("TOLK_REQUIRE_BROWSER") == "1" {
		t.Fatal("TOLK_REQUIRE_BROWSER=1 but no Chromium found: apt-get install chromium, or set TOLK_CHROMIUM")
	}
	t.Skip(noBrowserSkip)
	return ""
}

// liveSite is the whole service (API and pages, rate limits on) on a real
// bolt store, listening on 127.0.0.1, with one user of each role in
// organisation "north" and the interpreters of seedInterpreters.
type liveSite struct {
	url   string
	app   *app.App
	store data.Store
	keys  map[data.Role]string
	users map[data.Role]data.User
	ids   map[string]string // interpreter IDs by first name
}

func newLiveSite(t *testing.T) *liveSite {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.WithoutCancel(t.Context())) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &liveSite{url: "http://" + ln.Addr().String(), keys: map[data.Role]string{}, users: map[data.Role]data.User{}, ids: map[string]string{}}
	s.store = store
	s.app = app.New(app.Config{Store: store, BaseURL: s.url})
	now := time.Now()
	for _, role := range data.Roles {
		key := data.NewAPIKey()
		u := data.User{ID: data.NewID(now), Name: "Test " + strings.ReplaceAll(string(role), "_", " "), Email: string(role) + "@north.example", Role: role,
			Organisation: "north", KeyHash: data.HashKey(key), CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now)}
		if err := store.CreateUser(t.Context(), u, data.Audited(data.NewAuditEntry(now, u, "north", data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
			t.Fatal(err)
		}
		s.keys[role], s.users[role] = key, u
	}
	s.seedInterpreters(t, now)

	server := edge.New(edge.Config{RateLimits: true})
	pages, err := web.New(web.Config{App: s.app, Guard: server, BaseURL: s.url})
	if err != nil {
		t.Fatal(err)
	}
	server.Mount(api.New(api.Config{App: s.app, Guard: server, BaseURL: s.url, OpenAPI: tolk.OpenAPI}))
	server.Mount(pages)
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		// Shutdown closes only the listeners Serve has taken up; a test
		// that ends at once (skipped) can beat it there.
		ln.Close()
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

// The sensitive fields of the interpreter a social worker books: none may
// appear on any page a social worker sees.
var sensitiveValues = []string{
	"009917734412",                  // clearance certificate number
	"Quillfeather Cultural Society", // community link
	"Referee called: Marchbank",     // vetting note
	"+44 7700 900987",               // phone
}

// seedInterpreters creates fictional Sorani (ckb) interpreters through the
// application, as a coordinator would: Shirin (approved, the best match,
// carrying sensitiveValues), Hero (approved), Karwan (approved, clearance
// lapsing within the renewal report's window) and Zana (pending).
func (s *liveSite) seedInterpreters(t *testing.T, now time.Time) {
	t.Helper()
	coordinator := s.users[data.RoleCoordinator]
	today := data.DateOf(now)
	for _, p := range []struct {
		name      string
		gender    data.Gender
		clearance int // valid for this many days
		years     int
		approve   bool
	}{
		{"Shirin Ahmadi", data.GenderFemale, 700, 14, true},
		{"Hero Karim", data.GenderFemale, 650, 6, true},
		{"Karwan Aziz", data.GenderMale, 20, 5, true},
		{"Zana Baran", data.GenderNonbinary, 500, 1, false},
	} {
		first, _, _ := strings.Cut(p.name, " ")
		in := data.Interpreter{
			Name: p.name + " (fictional)", Email: strings.ToLower(first) + "@interpreters.example", Phone: "+44 7700 900100",
			Gender: p.gender, Languages: []data.LanguageSkill{{Tag: "ckb", Proficiency: data.ProficiencyNative}, {Tag: "en", Proficiency: data.ProficiencyFluent}},
			Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo}, Regions: []string{"GB-LND"},
			Qualifications: []data.Qualification{{Kind: data.QualificationDPSILaw, Reference: "REF-" + first, Awarded: today.AddDays(-2000)}},
			Training: []data.Training{
				{Kind: data.TrainingChildProtectionL3, Completed: today.AddDays(-300), Expires: today.AddDays(500)},
				{Kind: data.TrainingTrafficking, Completed: today.AddDays(-300)},
				{Kind: data.TrainingABEInterviewing, Completed: today.AddDays(-300)},
			},
			Clearance: data.Clearance{Level: data.ClearanceEnhancedBarredChildren, Certificate: "0019" + strconv.Itoa(10000000+len(s.ids)),
				Issued: today.AddDays(p.clearance - 1095), ValidUntil: today.AddDays(p.clearance)},
			Agreements: data.Agreements{ConfidentialitySigned: today.AddDays(-400)},
			Experience: data.Experience{ChildInterviews: 5 * p.years, TraffickingCases: p.years, Years: p.years},
		}
		note := ""
		if first == "Shirin" {
			in.Clearance.Certificate, in.Phone, note = sensitiveValues[0], sensitiveValues[3], sensitiveValues[2]
			in.CommunityLinks = []data.CommunityLink{{Kind: data.LinkOrganisation, Value: sensitiveValues[1]}}
		}
		created, err := s.app.CreateInterpreter(t.Context(), coordinator, in)
		if err != nil {
			t.Fatalf("seed %s: %v", p.name, err)
		}
		if p.approve {
			if _, err := s.app.DecideVetting(t.Context(), coordinator, created.ID, data.DecisionApprove, note); err != nil {
				t.Fatalf("approve %s: %v", p.name, err)
			}
		}
		s.ids[first] = created.ID
	}
}

// liveTab is one browser tab (in a fresh Chromium with its own profile)
// on a liveSite. Its methods fail the test on any error.
type liveTab struct {
	t    *testing.T
	ctx  context.Context
	site *liveSite
	// seen is the HTML of every page checked, by page name.
	seen    map[string]string
	mu      sync.Mutex
	console []string // errors the page logged (CSP violations among them)
	// plain makes check also scan the page's text for codes shown as the
	// only name of a thing (checkPlainWords): set on a social worker's tab.
	plain bool
}

// newLiveTab starts Chromium (headless, quiet, fresh profile) and opens a
// tab. The whole test gets at most 90 seconds.
func newLiveTab(t *testing.T, site *liveSite) *liveTab {
	t.Helper()
	path := needChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 90*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	tab := &liveTab{t: t, ctx: ctx, site: site, seen: map[string]string{}}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			switch {
			case strings.Contains(m.Text, "Failed to load resource: the server responded with a status of"):
				// A 4xx page (each test checks the statuses it
				// expects) or /favicon.ico, which tolk has not.
			case m.Type == chromedp.ConsoleError || m.IsException():
				tab.mu.Lock()
				tab.console = append(tab.console, m.String())
				tab.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		tab.mu.Lock()
		defer tab.mu.Unlock()
		for _, m := range tab.console {
			t.Errorf("browser console error: %s", m)
		}
	})
	return tab
}

// do runs actions, failing the test with step on an error.
func (b *liveTab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// open loads path of the site and returns the response's status.
func (b *liveTab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.site.url+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit runs actions that load a page (a click, a key) and returns the
// status of the page loaded.
func (b *liveTab) submit(step string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
	return statusOf(resp)
}

func statusOf(r *network.Response) int64 {
	if r == nil {
		return 0
	}
	return r.Status
}

// fetch GETs path with the browser's cookies, outside the page (whose
// policy allows it no fetch), and returns the status and body.
func (b *liveTab) fetch(path string) (int, string) {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.site.url + "/"}})
	if err != nil {
		b.t.Fatalf("cookies: %v", err)
	}
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, b.site.url+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// path returns the current page's path and query.
func (b *liveTab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// text returns the visible text of the first element sel matches.
func (b *liveTab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// eval evaluates a JavaScript expression (awaiting a promise) in the page.
func eval[T any](b *liveTab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return v
}

// wantPage fails the test unless the page loaded with status and its path
// starts with prefix.
func (b *liveTab) wantPage(step string, status, wantStatus int64, prefix string) {
	b.t.Helper()
	if p := b.path(); status != wantStatus || !strings.HasPrefix(p, prefix) {
		b.t.Fatalf("%s: at %s with status %d, want %s… with %d; page says: %.300s", step, p, status, prefix, wantStatus, b.text("main"))
	}
}

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// check runs axe-core on the page, failing the test on any serious or
// critical violation (and logging the others), and keeps the page's HTML
// under name for checkSensitive.
func (b *liveTab) check(name string) {
	b.t.Helper()
	b.seen[name] = eval[string](b, `document.documentElement.outerHTML`)
	if b.plain {
		b.checkPlainWords(name)
	}
	if !eval[bool](b, `typeof window.axe === "object"`) {
		b.do("load axe-core", chromedp.Evaluate[chromedp.Void](axeSource))
	}
	vs := eval[[]axeViolation](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.flat(Infinity).join(" "))})))`)
	for _, v := range vs {
		msg := fmt.Sprintf("axe on %s (%s): %s [%s] %s; nodes: %s", name, b.path(), v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}

// checkSensitive fails the test if any page kept by check (or extra
// documents) holds a sensitive interpreter value.
func (b *liveTab) checkSensitive(extra map[string]string) {
	b.t.Helper()
	for name, html := range b.seen {
		extra[name] = html
	}
	if len(extra) == 0 {
		b.t.Fatal("no pages to check")
	}
	for name, html := range extra {
		for _, v := range sensitiveValues {
			if strings.Contains(html, v) {
				b.t.Errorf("the social worker's %s shows the sensitive value %q", name, v)
			}
		}
	}
}

// screenshot saves a PNG of the whole page in $TOLK_SCREENSHOTS, or the
// test's temporary directory.
func (b *liveTab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("TOLK_SCREENSHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join(dir, b.t.Name()+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}

// focused describes the element that has the keyboard focus.
func (b *liveTab) focused() string {
	b.t.Helper()
	return eval[string](b, `(e => e ? e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : "") +
		" " + (e.innerText || e.value || "").trim().slice(0, 40) : "nothing")(document.activeElement)`)
}

// tabTo presses Tab until the element sel matches has the focus.
func (b *liveTab) tabTo(sel string) {
	b.t.Helper()
	var path []string
	for range 120 {
		b.do("press Tab", chromedp.KeyEvent(kb.Tab))
		if eval[bool](b, fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, sel)) {
			return
		}
		if f := b.focused(); len(path) == 0 || path[len(path)-1] != f {
			path = append(path, f)
		}
	}
	b.t.Fatalf("Tab never reached %s; the focus went through: %s", sel, strings.Join(path, " → "))
}

// typeKeys types s, key by key, into the focused element.
func (b *liveTab) typeKeys(s string) {
	b.t.Helper()
	b.do("type", chromedp.KeyEvent(s))
}

// confirmReview checks the review page a booking or offer leads to (at
// path, status 200, axe-clean, nothing made yet), that it says each of
// want, and confirms it, landing on prefix.
func (b *liveTab) confirmReview(step, path, prefix string, want ...string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.t.Fatalf("%s: at %s, want the review at %s", step, got, path)
	}
	b.check(step + " review")
	b.screenshot(strings.ReplaceAll(step, " ", "-") + "-review")
	s := b.text("main")
	for _, w := range want {
		if !strings.Contains(s, w) {
			b.t.Errorf("%s: the review does not say %q: %.600q", step, w, s)
		}
	}
	b.wantPage(step+" confirmed", b.submit(step+": confirm", chromedp.Click(chromedp.CSS("form.confirm button[type=submit]"))), 200, prefix)
}
