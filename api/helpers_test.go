package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/edge"
)

// testNow is the clock of every API test: 2026-11-22 09:00 UTC.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// harness is an API on its edge, on a real bolt store in a temporary
// directory, with one user of each role in organisation "north".
type harness struct {
	t     testing.TB
	now   time.Time // the API's clock; tests may move it
	edge  *edge.Edge
	app   *fiber.App // the edge's
	store data.Store
	keys  map[data.Role]string
	users map[data.Role]data.User
}

func newHarness(t testing.TB, opts ...func(*edge.Config)) *harness {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(t.Context()) })
	h := &harness{t: t, now: testNow, store: s, keys: map[data.Role]string{}, users: map[data.Role]data.User{}}
	for _, role := range data.Roles {
		h.addUser(role, string(role), "north")
	}
	h.serve(s, opts...)
	return h
}

// serve (re)builds the API over store, on an edge configured by opts
// with the test clock, and the API's log is the edge's.
func (h *harness) serve(store data.Store, opts ...func(*edge.Config)) {
	clock := func() time.Time { return h.now }
	ecfg := edge.Config{Now: clock}
	for _, o := range opts {
		o(&ecfg)
	}
	e := edge.New(ecfg)
	e.Mount(New(Config{App: app.New(app.Config{Store: store, Now: clock}), Guard: e, Logger: ecfg.Logger, OpenAPI: tolk.OpenAPI}))
	h.edge, h.app = e, e.App()
}

// addUser stores a user with a fresh key under name (the key's name in
// h.keys) in organisation org.
func (h *harness) addUser(role data.Role, name, org string) data.User {
	h.t.Helper()
	key := data.NewAPIKey()
	u := data.User{
		ID: data.NewID(testNow), Name: "Test " + name, Email: name + "@" + org + ".example", Role: role,
		Organisation: org, KeyHash: data.HashKey(key), CreatedAt: testNow, UpdatedAt: testNow,
	}
	if err := h.store.CreateUser(h.t.Context(), u, data.Audited(data.NewAuditEntry(testNow, u, org, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		h.t.Fatal(err)
	}
	h.keys[data.Role(name)], h.users[data.Role(name)] = key, u
	return u
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p Problem
	r.json(t, &p)
	return p
}

// do sends a request as role ("" for no key). body may be a string (sent as
// is) or any value (sent as JSON). Headers come in name, value pairs.
func (h *harness) do(role data.Role, method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+h.keys[role])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.app.Test(req, -1)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// wantProblem checks status and code of a problem response.
func (h *harness) wantProblem(r response, status int, code string) Problem {
	h.t.Helper()
	if r.status != status {
		h.t.Errorf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	p := r.problem(h.t)
	if p.Code != code || p.Status != status || p.Type != problemTypeBase+code || p.Title == "" || p.Detail == "" {
		h.t.Errorf("problem = %+v, want code %s status %d with type, title, detail", p, code, status)
	}
	return p
}

func fieldsOf(p Problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

func (h *harness) auditActions(entityID string) []string {
	h.t.Helper()
	page, err := h.store.ListAudit(h.t.Context(), data.AuditQuery{EntityID: entityID})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for i := len(page.Items) - 1; i >= 0; i-- { // oldest first
		out = append(out, string(page.Items[i].Action))
	}
	return out
}
