package api

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tolk/tolk"
	"github.com/tolk/tolk/data"
)

// TestRoutesMatchOpenAPI fails when a route exists that openapi.yaml lacks,
// or the reverse.
func TestRoutesMatchOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(tolk.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var inSpec []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch":
				inSpec = append(inSpec, strings.ToUpper(method)+" "+path)
			}
		}
	}
	var inApp []string
	for _, r := range newHarness(t).app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Path == "/" {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				name, ext, _ := strings.Cut(p[1:], ".") // ":token.ics" is "{token}.ics"
				parts[i] = "{" + name + "}"
				if ext != "" {
					parts[i] += "." + ext
				}
			}
		}
		route := r.Method + " " + strings.Join(parts, "/")
		if !slices.Contains(inApp, route) {
			inApp = append(inApp, route)
		}
	}
	slices.Sort(inSpec)
	slices.Sort(inApp)
	for _, r := range inApp {
		if !slices.Contains(inSpec, r) {
			t.Errorf("route %s is served but not in openapi.yaml", r)
		}
	}
	for _, r := range inSpec {
		if !slices.Contains(inApp, r) {
			t.Errorf("openapi.yaml describes %s, which is not served", r)
		}
	}
}

// failingStore is a real store with some methods made to fail.
type failingStore struct {
	data.Store
	failPing, failAudit, failInterpreter bool
}

var errBroken = errors.New("disk on fire: /var/lib/tolk/secret-path")

func (s failingStore) Ping(ctx context.Context) error {
	if s.failPing {
		return errBroken
	}
	return s.Store.Ping(ctx)
}

func (s failingStore) AppendChange(ctx context.Context, ch data.Change) error {
	if s.failAudit {
		return errBroken
	}
	return s.Store.AppendChange(ctx, ch)
}

func (s failingStore) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	if s.failInterpreter {
		return data.Interpreter{}, errBroken
	}
	return s.Store.Interpreter(ctx, id)
}

func withFailing(h *harness, fs failingStore) {
	fs.Store = h.store
	h.serve(fs)
}

func TestInternalErrorsRevealNothing(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	withFailing(h, failingStore{failInterpreter: true})
	r := h.do(data.RoleSocialWorker, "GET", "/v1/interpreters/"+v.ID, nil)
	p := h.wantProblem(r, 500, "internal")
	if strings.Contains(string(r.body), "disk on fire") || strings.Contains(string(r.body), "/var/lib") {
		t.Errorf("500 leaks the internal error: %s", r.body)
	}
	if p.RequestID == "" || r.header.Get("X-Request-ID") != p.RequestID {
		t.Errorf("requestId %q, header %q: want the same ID in both", p.RequestID, r.header.Get("X-Request-ID"))
	}
}

func TestNotReadyWhenStoreFails(t *testing.T) {
	h := newHarness(t)
	withFailing(h, failingStore{failPing: true})
	h.wantProblem(h.do("", "GET", "/readyz", nil), 503, "not_ready")
	if r := h.do("", "GET", "/healthz", nil); r.status != 200 {
		t.Errorf("healthz = %d while the store is down; the process still serves", r.status)
	}
}

// TestSensitiveReadFailsClosed: when the audit entry cannot be written, a
// coordinator does not get the sensitive fields.
func TestSensitiveReadFailsClosed(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	withFailing(h, failingStore{failAudit: true})
	r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+v.ID, nil)
	h.wantProblem(r, 500, "internal")
	if strings.Contains(string(r.body), "001234567890") {
		t.Error("certificate disclosed without an audit entry")
	}
}
