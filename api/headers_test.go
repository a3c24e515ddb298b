package api

import (
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
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

// TestSecurityHeaders: every answer through the edge, success or problem,
// /v1 or not, carries nosniff, DENY, no-referrer and a CSP that allows
// nothing, and Cache-Control: no-store; only a feed's own answers (200 and
// 304) keep the feed handler's private, max-age=900, and its errors do not.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
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
		{"unknown API route", h.do(data.RoleAdmin, "GET", "/v1/nothing", nil), 404, "no-store"},
		{"another method", h.do(data.RoleAdmin, "DELETE", "/v1/me", nil), 405, "no-store"},
		{"healthz", h.get("/healthz"), 200, "no-store"},
		{"openapi.yaml", h.get("/openapi.yaml"), 200, "no-store"},
		{"feed", feed, 200, "private, max-age=900"},
		{"feed 304", h.get("/feeds/"+token+".ics", "If-None-Match", feed.header.Get("ETag")), 304, "private, max-age=900"},
		{"unknown feed", h.get("/feeds/not-a-token.ics"), 404, "no-store"},
		{"URI too long", h.get("/healthz?q=" + strings.Repeat("a", edge.MaxURIBytes)), 414, "no-store"},
	} {
		if tc.r.status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, tc.r.status, tc.status, tc.r.body)
		}
		wantSecurityHeaders(t, tc.name, tc.r.header, tc.cacheControl)
	}
	for range edge.DefaultPerFeed.Burst {
		h.get("/feeds/" + token + ".ics")
	}
	limited := h.get("/feeds/" + token + ".ics")
	h.wantLimited(limited, 1)
	wantSecurityHeaders(t, "feed 429", limited.header, "no-store")
}
