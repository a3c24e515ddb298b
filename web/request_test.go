package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// A path no page has is the pages' own answer, on the edge shared with the
// API: "page not found" for a signed-in visitor, whatever the method;
// while a path under /v1 is always the API's problem, never a page or a
// redirect to sign in, whoever asks.
func TestUnknownPaths(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/no/such/page"}, {"GET", "/bookings"}, {"DELETE", "/cases/new"},
	} {
		p := b.do(tc.method, tc.path, nil)
		if p.status != http.StatusNotFound || !strings.Contains(p.body, "Page not found") ||
			!strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || p.header.Get("Allow") != "" {
			t.Errorf("%s %s signed in: %d %q Allow %q, want the 404 page", tc.method, tc.path, p.status, p.header.Get("Content-Type"), p.header.Get("Allow"))
		}
	}
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"signed in, no key", nil, http.StatusUnauthorized},
		{"with a key", []string{"Authorization", "Bearer " + s.keys[data.RoleSocialWorker]}, http.StatusNotFound},
	} {
		p := b.do("GET", "/v1/no-such-route", nil, tc.headers...)
		if p.status != tc.status || p.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET /v1/no-such-route %s: %d %q, want %d problem+json", tc.name, p.status, p.header.Get("Content-Type"), tc.status)
		}
	}
	p := b.do("DELETE", "/v1/me", nil, "Authorization", "Bearer "+s.keys[data.RoleSocialWorker])
	if p.status != http.StatusMethodNotAllowed || p.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE /v1/me: %d, Allow %q; want 405 with Allow: GET, HEAD", p.status, p.header.Get("Allow"))
	}
}
