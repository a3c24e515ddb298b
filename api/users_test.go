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

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
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
	if got := h.auditActions(created.ID); !slices.Equal(got, []string{"user.created"}) {
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
	// An admin acts inside their own organisation.
	r := h.do(data.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "S", "email": "s@south.example", "role": "admin", "organisation": "south"})
	h.wantProblem(r, 403, "forbidden")
	if _, err := h.store.UserByKeyHash(t.Context(), "x"); err == nil {
		t.Error("unexpected user")
	}
	// The bootstrap admin alone creates another organisation's first admin.
	h.addUser(data.RoleAdmin, "boot", "default")
	boot := h.users["boot"]
	boot.ID = app.BootstrapAdminID
	key := data.NewAPIKey()
	boot.KeyHash, boot.Email = data.HashKey(key), "bootstrap@default.example"
	if err := h.store.CreateUser(t.Context(), boot, data.Audited(data.NewAuditEntry(testNow, boot, "default", data.ActionUserCreated, data.EntityUser, boot.ID))); err != nil {
		t.Fatal(err)
	}
	h.keys["bootstrap"] = key
	r = h.do("bootstrap", "POST", "/v1/users", map[string]any{"name": "S", "email": "s@south.example", "role": "admin", "organisation": "south"})
	var created createdUserView
	r.json(t, &created)
	if r.status != 201 || created.Organisation != "south" {
		t.Fatalf("bootstrap admin creating south's admin: %d %s", r.status, r.body)
	}
	// South's admin sees that creation in their own audit; north's does not.
	h.keys["south-admin"] = created.APIKey
	var page struct{ Items []auditView }
	h.do("south-admin", "GET", "/v1/audit?entityId="+created.ID, nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Action != "user.created" {
		t.Errorf("south admin's audit of their own creation: %+v", page.Items)
	}
	page.Items = nil
	h.do(data.RoleAdmin, "GET", "/v1/audit?entityId="+created.ID, nil).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("north's admin reads south's audit: %+v", page.Items)
	}
	p := h.wantProblem(h.do("bootstrap", "POST", "/v1/users", map[string]any{"name": "S", "email": "t@south.example", "role": "coordinator", "organisation": "South Org"}), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"organisation"}) {
		t.Errorf("fields = %v", fieldsOf(p))
	}
}

// TestKeysReissuedAndRevoked: a reissued key replaces the old one at once, a
// revoked key stops at once, and an admin manages only their own
// organisation's users.
func TestKeysReissuedAndRevoked(t *testing.T) {
	h := newHarness(t)
	sw := h.users[data.RoleSocialWorker]
	old := h.keys[data.RoleSocialWorker]
	r := h.do(data.RoleAdmin, "POST", "/v1/users/"+sw.ID+"/key", nil)
	var k keyView
	r.json(t, &k)
	if r.status != 200 || !strings.HasPrefix(k.APIKey, "tolk_") || k.APIKey == old {
		t.Fatalf("reissue: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/me", nil), 401, "unauthenticated")
	h.keys["reissued"] = k.APIKey
	if r := h.do("reissued", "GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("the reissued key: %d", r.status)
	}
	if r := h.do(data.RoleAdmin, "DELETE", "/v1/users/"+sw.ID+"/key", nil); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do("reissued", "GET", "/v1/me", nil), 401, "unauthenticated")
	if got := h.auditActions(sw.ID); !slices.Equal(got, []string{"user.created", "apikey.issued", "apikey.revoked"}) {
		t.Errorf("audit = %v", got)
	}
	// Another organisation's user is not there for this admin; others may not manage keys.
	south := h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users/"+south.ID+"/key", nil), 404, "not_found")
	h.wantProblem(h.do(data.RoleAdmin, "DELETE", "/v1/users/"+south.ID+"/key", nil), 404, "not_found")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/users/"+h.users[data.RoleAdmin].ID+"/key", nil), 403, "forbidden")
	h.wantProblem(h.do(data.RoleAdmin, "POST", "/v1/users/no-such-user/key", nil), 404, "not_found")
	if r := h.do("south-sw", "GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("south's key stopped working: %d", r.status)
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
	if len(page.Items) != len(data.Roles) { // the harness users' creations
		t.Errorf("bad requests wrote %d audit entries", len(page.Items)-len(data.Roles))
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
	} else if page, _ := h.store.ListAudit(t.Context(), data.AuditQuery{}); len(page.Items) != len(data.Roles) {
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
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	for i := range edge.FailuresAllowed {
		if r := h.do("", "GET", "/v1/me", nil, "Authorization", "Bearer wrong-"+strconv.Itoa(i)); r.status != 401 {
			t.Fatalf("failure %d: status %d", i, r.status)
		}
	}
	if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil); r.status != 200 { // a good key never waits
		t.Errorf("a valid key after others' failures: %d", r.status)
	}
	r := h.do("", "GET", "/v1/me", nil, "Authorization", "Bearer wrong")
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
