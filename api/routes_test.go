package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestUnknownAPIPathIsAProblem: a path under /v1 that no route has is a
// 404 problem for a valid key (never a page or a redirect to sign in), and
// the 401 for no key, as every /v1 path is.
func TestUnknownAPIPathIsAProblem(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/v1/no-such-route", "/v1", "/v1/interpreters/x/y/z", "/V1/NO-SUCH-ROUTE"} {
		p := h.wantProblem(h.do(data.RoleCoordinator, "GET", path, nil), 404, "not_found")
		if p.RequestID == "" {
			t.Errorf("GET %s: no request ID in %+v", path, p)
		}
	}
	h.wantProblem(h.do("", "GET", "/v1/no-such-route", nil), 401, "unauthenticated")
	h.wantProblem(h.get("/feeds/a/b.ics"), 404, "not_found")
}

// TestKnownAPIPathOtherMethodIs405: a /v1 path that has routes for other
// methods is a 405 problem whose Allow header names them.
func TestKnownAPIPathOtherMethodIs405(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/me", "GET, HEAD"},
		{"PATCH", "/v1/cases/c-1", "GET, HEAD, PUT"},
		{"GET", "/v1/bookings/b-1/cancel", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		r := h.do(data.RoleCoordinator, tc.method, tc.path, nil)
		h.wantProblem(r, 405, "method_not_allowed")
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

// TestRoutesUnderPrefixes: every route the API adds lies under a prefix it
// claims (Prefixes), so the edge hands every error on it to the API.
func TestRoutesUnderPrefixes(t *testing.T) {
	for _, r := range newHarness(t).app.GetRoutes(true) {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return r.Path == p || strings.HasPrefix(r.Path, p+"/") }) {
			t.Errorf("%s %s lies under none of %v", r.Method, r.Path, prefixes)
		}
	}
}
