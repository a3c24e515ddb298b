package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

func TestCreateUserAndMe(t *testing.T) {
	h := newHarness(t)
	r := h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "Priya Shah", "email": "Priya.Shah@North.example", "role": "social_worker"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created createdUserView
	r.json(t, &created)
	if created.Organisation != "north" || created.Role != data.RoleSocialWorker || created.Email != "priya.shah@north.example" {
		t.Errorf("created = %+v", created)
	}
	if !strings.HasPrefix(created.APIKey, "tolk_") || len(created.APIKey) < 5+26 {
		t.Errorf("apiKey %q is not a tolk key of 128+ bits", created.APIKey)
	}
	stored, err := h.store.User(t.Context(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.KeyHash, created.APIKey) || stored.KeyHash != data.HashKey(created.APIKey) {
		t.Errorf("stored key hash %q: the key must be stored only as its hash", stored.KeyHash)
	}
	if got := h.auditActions(created.ID); !slices.Equal(got, []string{"user.created", "apikey.issued"}) {
		t.Errorf("audit = %v", got)
	}

	h.keys["new"] = created.APIKey
	me := h.do("new", "GET", "/v1/me", nil)
	var u userView
	me.json(t, &u)
	if me.status != 200 || u.ID != created.ID || u.Role != data.RoleSocialWorker {
		t.Errorf("me = %d %+v", me.status, u)
	}
	if bytes.Contains(me.body, []byte("apiKey")) || bytes.Contains(me.body, []byte("keyHash")) {
		t.Errorf("/v1/me shows key material: %s", me.body)
	}

	// The new social worker may not create users.
	p := h.wantProblem(h.do("new", "POST", "/v1/users", map[string]any{"name": "X", "email": "x@north.example", "role": "admin"}), 403, "forbidden")
	if p.RequestID == "" {
		t.Error("problem has no requestId")
	}
	// The same email again is a conflict.
	h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "Again", "email": "priya.shah@north.example", "role": "coordinator"}), 409, "duplicate")
}

func TestCreateUserOtherOrganisation(t *testing.T) {
	h := newHarness(t)
	r := h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "S", "email": "s@south.example", "role": "coordinator", "organisation": "south"})
	var created createdUserView
	r.json(t, &created)
	if r.status != 201 || created.Organisation != "south" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	p := h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "S", "email": "t@south.example", "role": "coordinator", "organisation": "South Org"}), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"organisation"}) {
		t.Errorf("fields = %v", fieldsOf(p))
	}
}

// TestBadRequestsCreateNothing sends each kind of bad request to
// POST /v1/users and checks the problem and that no user was written.
func TestBadRequestsCreateNothing(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		code                    string
		fields                  []string
	}{
		{"malformed JSON", `{"name": "A",`, "application/json", 400, "malformed_json", nil},
		{"not an object", `[1,2]`, "application/json", 400, "malformed_json", nil},
		{"empty body", ``, "application/json", 400, "malformed_json", nil},
		{"trailing data", `{"name":"A","email":"a@north.example","role":"admin"} {}`, "application/json", 400, "malformed_json", nil},
		{"unknown field", `{"name":"A","email":"a@north.example","role":"admin","isAdmin":true}`, "application/json", 400, "validation_failed", []string{"isAdmin"}},
		{"wrong type", `{"name":"A","email":42,"role":"admin"}`, "application/json", 400, "validation_failed", []string{"email"}},
		{"missing required", `{"email":"a@north.example","role":"admin"}`, "application/json", 400, "validation_failed", []string{"name"}},
		{"out of range", `{"name":"A","email":"a@north.example","role":"superuser"}`, "application/json", 400, "validation_failed", []string{"role"}},
		{"text/plain", `{"name":"A","email":"a@north.example","role":"admin"}`, "text/plain", 415, "unsupported_media_type", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(data.RoleAdmin, "POST", "/v1/users", tc.body, "Content-Type", tc.contentType)
			p := h.wantProblem(r, tc.status, tc.code)
			if tc.fields != nil && !slices.Equal(fieldsOf(p), tc.fields) {
				t.Errorf("fields = %v, want %v", fieldsOf(p), tc.fields)
			}
		})
	}
	page, err := h.store.ListAudit(t.Context(), data.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Errorf("bad requests wrote %d audit entries", len(page.Items))
	}
	if _, err := h.store.UserByKeyHash(t.Context(), data.HashKey("x")); err == nil {
		t.Error("unexpected user")
	}
}

// TestOversizedBody sends 2 MB through a real listener: fasthttp refuses
// the body before any handler runs, and the answer is still a problem.
func TestOversizedBody(t *testing.T) {
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go h.app.Listener(ln)
	t.Cleanup(func() { h.app.Shutdown() })
	// Announce 2 MB and send only the headers: the server answers from the
	// Content-Length alone, before reading the body.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/users HTTP/1.1\r\nHost: tolk\r\nContent-Type: application/json\r\n"+
		"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n{\"name\":\"", h.keys[data.RoleAdmin], 2<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	h.wantProblem(response{status: res.StatusCode, header: res.Header, body: body}, 413, "body_too_large")
	if _, err := h.store.ListAudit(t.Context(), data.AuditQuery{}); err != nil {
		t.Fatal(err)
	} else if page, _ := h.store.ListAudit(t.Context(), data.AuditQuery{}); len(page.Items) != 0 {
		t.Error("oversized request wrote an audit entry")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := newHarness(t)
	h.wantProblem(h.do(data.RoleAdmin, "GET", "/v1/nothing-here", nil), 404, "not_found")
	h.wantProblem(h.do("", "GET", "/nothing", nil), 404, "not_found")
	h.wantProblem(h.do(data.RoleAdmin, "DELETE", "/v1/me", nil), 405, "method_not_allowed")
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	r := h.do("", "GET", "/v1/me", nil)
	h.wantProblem(r, 401, "unauthenticated")
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	h.wantProblem(h.do("", "GET", "/v1/me", nil, "Authorization", "Bearer tolk_NOTAREALKEYNOTAREALKEYNOTARE"), 401, "unauthenticated")
	h.wantProblem(h.do("", "GET", "/v1/me", nil, "Authorization", "Basic dXNlcjpwYXNz"), 401, "unauthenticated")
	if r := h.do(data.RoleCoordinator, "GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("valid key: %d", r.status)
	}
}

func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = true })
	for i := range failuresAllowed {
		if r := h.do("", "GET", "/v1/me", nil, "Authorization", "Bearer wrong-"+strconv.Itoa(i)); r.status != 401 {
			t.Fatalf("failure %d: status %d", i, r.status)
		}
	}
	r := h.do(data.RoleAdmin, "GET", "/v1/me", nil) // even a good key waits
	h.wantProblem(r, 429, "rate_limited")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
}

func TestHealth(t *testing.T) {
	h := newHarness(t)
	if r := h.do("", "GET", "/healthz", nil); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	if r := h.do("", "GET", "/readyz", nil); r.status != 200 {
		t.Errorf("readyz %d", r.status)
	}
	r := h.do("", "GET", "/openapi.yaml", nil)
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte("openapi: 3.1")) {
		t.Errorf("openapi.yaml: %d %.40s", r.status, r.body)
	}
}
