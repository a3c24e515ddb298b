package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// wantSecurityHeaders checks the headers every answer carries, and its
// Cache-Control.
func wantSecurityHeaders(t *testing.T, name string, header interface{ Get(string) string }, cacheControl string) {
	t.Helper()
	for k, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           cacheControl,
	} {
		if got := header.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", name, k, got, want)
		}
	}
}

// TestSecurityHeaders: every answer, success or problem, /v1 or not,
// carries nosniff, DENY, no-referrer and a CSP that allows nothing, and
// Cache-Control: no-store; only a feed's own answers (200 and 304) keep
// the feed handler's private, max-age=900, and its errors do not.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = true })
	token := h.newFeed()
	feed := h.get("/feeds/" + token + ".ics")
	for _, tc := range []struct {
		name         string
		r            response
		status       int
		cacheControl string
	}{
		{"GET /v1/me", h.do(data.RoleAdmin, "GET", "/v1/me", nil), 200, "no-store"},
		{"GET /v1/interpreters", h.do(data.RoleCoordinator, "GET", "/v1/interpreters", nil), 200, "no-store"},
		{"POST /v1/cases invalid", h.do(data.RoleSocialWorker, "POST", "/v1/cases", map[string]any{}), 400, "no-store"},
		{"no key", h.do("", "GET", "/v1/me", nil), 401, "no-store"},
		{"forbidden", h.do(data.RoleAdmin, "GET", "/v1/bookings/nope", nil), 403, "no-store"},
		{"unknown booking", h.do(data.RoleSocialWorker, "GET", "/v1/bookings/nope", nil), 404, "no-store"},
		{"unknown route", h.get("/nothing"), 404, "no-store"},
		{"healthz", h.get("/healthz"), 200, "no-store"},
		{"openapi.yaml", h.get("/openapi.yaml"), 200, "no-store"},
		{"feed", feed, 200, "private, max-age=900"},
		{"feed 304", h.get("/feeds/"+token+".ics", "If-None-Match", feed.header.Get("ETag")), 304, "private, max-age=900"},
		{"unknown feed", h.get("/feeds/not-a-token.ics"), 404, "no-store"},
		{"URI too long", h.get("/healthz?q=" + strings.Repeat("a", maxURIBytes)), 414, "no-store"},
	} {
		if tc.r.status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, tc.r.status, tc.status, tc.r.body)
		}
		wantSecurityHeaders(t, tc.name, tc.r.header, tc.cacheControl)
	}
	for range DefaultPerFeed.Burst {
		h.get("/feeds/" + token + ".ics")
	}
	limited := h.get("/feeds/" + token + ".ics")
	h.wantLimited(limited, 1)
	wantSecurityHeaders(t, "feed 429", limited.header, "no-store")
}

// TestURITooLong: a request target over maxURIBytes is a 414 problem; one
// just under passes.
func TestURITooLong(t *testing.T) {
	h := newHarness(t)
	h.wantProblem(h.get("/v1/bookings?cursor="+strings.Repeat("a", maxURIBytes)), 414, "uri_too_long")
	if r := h.get("/healthz?q=" + strings.Repeat("a", maxURIBytes-len("/healthz?q="))); r.status != 200 {
		t.Errorf("a URI of exactly %d bytes: %d %s", maxURIBytes, r.status, r.body)
	}
}

// TestFeedTokensAreNeverLogged: the request log names a feed request by
// its route pattern, never by its path: the token, the feed's only
// credential, appears in no log line, for a served feed, a 304, an
// unknown token's 404 or a rate-limited 429.
func TestFeedTokensAreNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, func(c *Config) {
		c.RateLimits = true
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	token := h.newFeed()
	unknown := "tolkfeedUNKNOWNTOKEN1234567890"
	served := h.get("/feeds/" + token + ".ics")
	h.get("/feeds/"+token+".ics", "If-None-Match", served.header.Get("ETag"))
	h.wantProblem(h.get("/feeds/"+unknown+".ics"), 404, "not_found")
	for range DefaultPerFeed.Burst {
		h.get("/feeds/" + token + ".ics")
	}
	h.wantLimited(h.get("/feeds/"+token+".ics"), 1)

	statuses := map[float64]int{}
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["route"] == "/feeds/:token.ics" {
			statuses[rec["status"].(float64)]++
		}
	}
	for _, status := range []float64{200, 304, 404} {
		if statuses[status] == 0 {
			t.Errorf("no request line with route /feeds/:token.ics and status %v in:\n%s", status, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"status":429`) {
		t.Errorf("the limited fetch was not logged:\n%s", logs.String())
	}
	for _, secret := range []string{token, unknown} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a feed token:\n%s", logs.String())
		}
	}
}
