package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
)

// FuzzPageForms posts arbitrary form bodies to every page that takes a
// post, and arbitrary queries to the pages that read them, signed in as
// each role: whatever comes, the answer is a page below
// 500, never a panic (the server's recovery would answer 500).
func FuzzPageForms(f *testing.F) {
	for _, seed := range []string{
		"reference=NR-1&child.languages%5B0%5D.tag=ti",
		"reference=&child.languages%5B0%5D.tag=not+a+tag&child.communityLinks%5B0%5D.kind=town",
		"caseId=x&interpreterId=y&start=2026-12-01T10%3A00&end=2026-12-01T09%3A00&interviewType=abe_police&modality=video",
		"start=9999-99-99T99%3A99&end=&reason=%00%01&attended=maybe",
		"name=A&email=a%40b.example&role=admin&languages%5B0%5D.tag=ckb&experience.years=-1&version=abc",
		"scope=organisation&interpreterId=%2F..%2F..&decision=approve&note=" + strings.Repeat("x", 3000),
		"child.languages%5B59%5D.tag=ti&linkedReferences%5B0%5D=%E2%80%AE&apiKey=tolk_x&next=%2F%2Fevil",
	} {
		f.Add(uint8(0), uint8(0), seed)
	}
	s := newSite(f)
	type visitor struct {
		role    data.Role
		cookies map[string]string
		csrf    string
	}
	var visitors []visitor
	for _, role := range data.Roles {
		b := s.browser()
		b.signIn(role)
		visitors = append(visitors, visitor{role: role, cookies: b.cookies, csrf: b.csrf()})
	}
	routes := []string{"/cases", "/cases/nope", "/bookings", "/bookings/nope/reschedule", "/bookings/nope/cancel",
		"/bookings/nope/outcome", "/subscriptions", "/subscriptions/nope/revoke", "/interpreters", "/interpreters/nope",
		"/interpreters/nope/vetting", "/interpreters/nope/withdraw-bookings", "/users", "/users/nope/key",
		"/users/nope/revoke", "/sign-in", "/sign-in/link", "/respond/nope", "/notifications/nope/retry"}
	c, err := s.app.CreateCase(f.Context(), s.users[data.RoleSocialWorker], data.Case{Reference: "FZ-1", Child: data.Child{Languages: []string{"ckb"}}})
	if err != nil {
		f.Fatal(err)
	}
	in := s.addInterpreter("Fuzz Target", "ckb", data.DecisionApprove)
	// Pages read by GET, their query fuzzed the same way.
	reads := []string{"/", "/cases/" + c.ID + "/matches", "/interpreters", "/vetting/expiring", "/subscriptions",
		"/interpreters/" + in.ID + "/audit", "/users", "/sign-in", "/notifications", "/respond/nope", "/sign-in/link/nope"}
	f.Fuzz(func(t *testing.T, route, who uint8, body string) {
		v := visitors[int(who)%len(visitors)]
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{"raw": {body}}
		}
		var req *http.Request
		var path string
		if n := int(route) % (len(routes) + len(reads)); n < len(routes) {
			path = routes[n]
			form.Set("_csrf", v.csrf)
			req = httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://tolk.test")
		} else {
			path = reads[n-len(routes)]
			query := form.Encode()
			if len(path)+len(query) > edge.MaxHeaderBytes/2 {
				// A request line that long is refused by the edge (431)
				// before any page runs (edge's limits tests), and
				// Fiber's test client cannot send it: keep what fits.
				query = query[:edge.MaxHeaderBytes/2-len(path)]
			}
			req = httptest.NewRequest(http.MethodGet, path+"?"+query, nil)
		}
		req.Host = "tolk.test"
		for name, value := range v.cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		res, err := s.fiber.Test(req, -1)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, path, err)
		}
		defer res.Body.Close()
		if res.StatusCode >= 500 {
			raw, _ := io.ReadAll(res.Body)
			t.Fatalf("%s %s as %s: %d\n%s", req.Method, path, v.role, res.StatusCode, raw)
		}
	})
}
