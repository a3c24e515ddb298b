package api

import (
	"maps"
	"net/netip"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
)

// newFeed creates a feed as a social worker and returns its token.
func (h *harness) newFeed() string {
	h.t.Helper()
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(h.t, &f)
	m := regexp.MustCompile(`/feeds/([^/]+)\.ics$`).FindStringSubmatch(f.URL)
	if r.status != 201 || m == nil {
		h.t.Fatalf("create feed: %d %s", r.status, r.body)
	}
	return m[1]
}

// wantLimited checks r is the 429 rate_limited problem with Retry-After
// of retry seconds.
func (h *harness) wantLimited(r response, retry int) {
	h.t.Helper()
	h.wantProblem(r, 429, "rate_limited")
	if got := r.header.Get("Retry-After"); got != strconv.Itoa(retry) {
		h.t.Errorf("Retry-After = %q, want %d", got, retry)
	}
}

// TestPerKeyRateLimit: each API key may burst 100 requests and then one
// every 100 ms (600 a minute); past that it is answered 429 with
// Retry-After, and other keys are untouched. The clock is the harness's.
func TestPerKeyRateLimit(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	for i := range edge.DefaultPerKey.Burst {
		if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil); r.status != 200 {
			t.Fatalf("request %d of the burst: %d %s", i, r.status, r.body)
		}
	}
	h.wantLimited(h.do(data.RoleAdmin, "GET", "/v1/me", nil), 1)
	if r := h.do(data.RoleCoordinator, "GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("another key while the first is limited: %d", r.status)
	}
	h.now = h.now.Add(100 * time.Millisecond) // earns one request
	if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("after 100 ms: %d", r.status)
	}
	h.wantLimited(h.do(data.RoleAdmin, "GET", "/v1/me", nil), 1)
	h.now = h.now.Add(10 * time.Second) // a full burst again
	for i := range edge.DefaultPerKey.Burst {
		if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil); r.status != 200 {
			t.Fatalf("request %d of the second burst: %d", i, r.status)
		}
	}
	h.wantLimited(h.do(data.RoleAdmin, "GET", "/v1/me", nil), 1)
	// A wrong key is the brake's business: 401, not another key's 429.
	h.wantProblem(h.do("", "GET", "/v1/me", nil, "Authorization", "Bearer wrong"), 401, "unauthenticated")
}

// TestConfiguredRates: Config.PerKey and PerFeed replace the defaults,
// and Retry-After says how long until the next request is earned.
func TestConfiguredRates(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.PerKey = edge.Rate{N: 3, Per: time.Minute, Burst: 2}
		c.PerFeed = edge.Rate{N: 1, Per: time.Hour, Burst: 1}
	})
	for range 2 {
		if r := h.do(data.RoleSocialWorker, "GET", "/v1/me", nil); r.status != 200 {
			t.Fatalf("within the burst: %d", r.status)
		}
	}
	h.wantLimited(h.do(data.RoleSocialWorker, "GET", "/v1/me", nil), 20)
	h.now = h.now.Add(15 * time.Second)
	h.wantLimited(h.do(data.RoleSocialWorker, "GET", "/v1/me", nil), 5)
	h.now = h.now.Add(5 * time.Second)
	token := h.newFeed() // the request the last 20 s earned
	if r := h.get("/feeds/" + token + ".ics"); r.status != 200 {
		t.Fatalf("feed: %d", r.status)
	}
	h.wantLimited(h.get("/feeds/"+token+".ics"), 3600)
}

// TestPerFeedRateLimit: each feed URL may be fetched 20 times at once and
// then once a second; the limit is per token, so another feed is not
// touched, and changing the case of the path does not escape it.
func TestPerFeedRateLimit(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	token, other := h.newFeed(), h.newFeed()
	path := "/feeds/" + token + ".ics"
	for i := range edge.DefaultPerFeed.Burst {
		if r := h.get(path); r.status != 200 {
			t.Fatalf("fetch %d: %d %s", i, r.status, r.body)
		}
	}
	h.wantLimited(h.get(path), 1)
	h.wantLimited(h.get("/FEEDS/"+token+".ICS"), 1)
	if r := h.get("/feeds/" + other + ".ics"); r.status != 200 {
		t.Errorf("another feed: %d", r.status)
	}
	h.now = h.now.Add(time.Second)
	if r := h.get(path); r.status != 200 {
		t.Errorf("a second later: %d", r.status)
	}
	h.wantLimited(h.get(path), 1)
}

// TestPerAddressRateLimit: traffic outside /v1 (health, the contract,
// unknown paths) counts against the client's address, 100 at once and then
// 10 a second; authenticated /v1 requests and feeds from the same address
// never do, and another client behind a trusted proxy has its own.
func TestPerAddressRateLimit(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} // app.Test's remote address
	})
	token := h.newFeed()
	paths := []string{"/healthz", "/readyz", "/openapi.yaml", "/nothing-here"}
	for i := range edge.DefaultPerAddress.Burst {
		if r := h.get(paths[i%len(paths)], "X-Forwarded-For", "203.0.113.5"); r.status == 429 {
			t.Fatalf("request %d of the burst: 429", i)
		}
	}
	h.wantLimited(h.get("/healthz", "X-Forwarded-For", "203.0.113.5"), 1)
	if r := h.get("/healthz", "X-Forwarded-For", "203.0.113.6"); r.status != 200 {
		t.Errorf("another client: %d", r.status)
	}
	if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil, "X-Forwarded-For", "203.0.113.5"); r.status != 200 {
		t.Errorf("a valid key from the limited address: %d", r.status)
	}
	if r := h.get("/feeds/"+token+".ics", "X-Forwarded-For", "203.0.113.5"); r.status != 200 {
		t.Errorf("a feed from the limited address: %d", r.status)
	}
	h.now = h.now.Add(100 * time.Millisecond)
	if r := h.get("/healthz", "X-Forwarded-For", "203.0.113.5"); r.status != 200 {
		t.Errorf("100 ms later: %d", r.status)
	}
}

// TestFeedGuessesBrakeOnlyGuesses: guessing feed tokens from one address
// (150 unknown tokens) brakes that address's failed lookups, 20 in a minute
// and then 429 instead of 404, and nothing else: a valid feed fetched from
// the same address is served (200, then 304), /healthz and the requests
// the per-address limit counts (an unknown path, as the sign-in page) still
// answer, a revoked token is braked like an unknown one, another address's
// guess is a 404, and a minute later the guesser's misses are 404 again.
func TestFeedGuessesBrakeOnlyGuesses(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} // app.Test's remote address
	})
	token := h.newFeed()
	const guesser = "203.0.113.5"
	statuses := map[int]int{}
	for i := range 150 {
		r := h.get("/feeds/tolkcal_GUESS"+strconv.Itoa(i)+"AAAAAAAAAAAAAAAAAAAA.ics", "X-Forwarded-For", guesser)
		statuses[r.status]++
		if i == 149 {
			h.wantLimited(r, 60)
		}
	}
	if want := map[int]int{404: edge.FailuresAllowed, 429: 150 - edge.FailuresAllowed}; !maps.Equal(statuses, want) {
		t.Errorf("150 guesses answered %v, want %v", statuses, want)
	}
	h.wantLimited(h.get("/feeds/a/b.ics", "X-Forwarded-For", guesser), 60) // no feed at that path either
	feed := h.get("/feeds/"+token+".ics", "X-Forwarded-For", guesser)
	if feed.status != 200 {
		t.Fatalf("a valid feed from the guessing address: %d %s", feed.status, feed.body)
	}
	if r := h.get("/feeds/"+token+".ics", "X-Forwarded-For", guesser, "If-None-Match", feed.header.Get("ETag")); r.status != 304 {
		t.Errorf("a valid feed's 304 from the guessing address: %d %s", r.status, r.body)
	}
	if r := h.get("/healthz", "X-Forwarded-For", guesser); r.status != 200 {
		t.Errorf("/healthz from the guessing address: %d %s", r.status, r.body)
	}
	if r := h.get("/nothing-here", "X-Forwarded-For", guesser); r.status != 404 {
		t.Errorf("a request the per-address limit counts, from the guessing address: %d %s", r.status, r.body)
	}
	if r := h.get("/feeds/tolkcal_GUESSAAAAAAAAAAAAAAAAAAAAAAA.ics", "X-Forwarded-For", "203.0.113.6"); r.status != 404 {
		t.Errorf("another address's guess: %d, want 404", r.status)
	}
	r := h.do(data.RoleSocialWorker, "GET", "/v1/feeds", nil)
	var page struct{ Items []feedView }
	r.json(t, &page)
	if r := h.do(data.RoleSocialWorker, "DELETE", "/v1/feeds/"+page.Items[0].ID, nil); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	h.wantLimited(h.get("/feeds/"+token+".ics", "X-Forwarded-For", guesser), 60)
	h.now = h.now.Add(edge.FailureWindow)
	h.wantProblem(h.get("/feeds/tolkcal_GUESSAAAAAAAAAAAAAAAAAAAAAAA.ics", "X-Forwarded-For", guesser), 404, "not_found")
}

// TestLimitsKeepToTheAPIsPaths: Fiber runs a middleware used on "/feeds"
// for "/feedsX" too, a path the API does not own; the API's limits and
// brakes leave such paths to the edge (here no door owns them: the edge's
// 404, counted against the address), so their answers are never the API's
// refusals handed to another door (a 500 there).
func TestLimitsKeepToTheAPIsPaths(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	for _, path := range []string{"/feedsX", "/healthzX", "/FEEDS.ics"} {
		for i := range 150 {
			if r := h.get(path); r.status != 404 && r.status != 429 {
				t.Fatalf("GET %s, request %d: %d %s", path, i, r.status, r.body)
			}
		}
	}
}

// TestRateLimitsOff: with RateLimits off (TOLK_RATE_LIMITS=off, for load
// runs) no request is limited, however many arrive at one instant.
func TestRateLimitsOff(t *testing.T) {
	h := newHarness(t)
	token := h.newFeed()
	for i := range 300 {
		for _, r := range []response{h.do(data.RoleAdmin, "GET", "/v1/me", nil), h.get("/healthz"), h.get("/feeds/" + token + ".ics")} {
			if r.status == 429 {
				t.Fatalf("round %d: 429 with rate limits off", i)
			}
		}
	}
}
