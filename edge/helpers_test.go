package edge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// testDoor is the door of the edge's tests. It owns its prefixes and
// answers its errors as problems with the status of a *fiber.Error (500
// for any other), and adds the routes of routes, or by default: GET
// /healthz ({"status":"ok"}), and POST /v1/me, which reads its body.
type testDoor struct {
	prefixes []string
	routes   func(r fiber.Router)
}

func (d testDoor) Prefixes() []string { return d.prefixes }

func (d testDoor) Routes(r fiber.Router) {
	if d.routes != nil {
		d.routes(r)
		return
	}
	r.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	r.Post("/v1/me", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"read": len(c.Body())}) })
}

func (d testDoor) Answer(c *fiber.Ctx, err error) error {
	status, code := http.StatusInternalServerError, "internal"
	if fe, ok := errors.AsType[*fiber.Error](err); ok {
		status, code = fe.Code, "door_"+strings.ReplaceAll(strings.ToLower(http.StatusText(fe.Code)), " ", "_")
	}
	c.Status(status)
	return c.JSON(problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status,
		Detail: "answered by the door", Code: code, RequestID: requestID(c)}, "application/problem+json")
}

// newTestEdge returns an edge with the test door on /v1 and /healthz,
// configured by opts.
func newTestEdge(t testing.TB, opts ...func(*Config)) *Edge {
	t.Helper()
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	e := New(cfg)
	e.Mount(testDoor{prefixes: []string{"/v1", "/healthz"}})
	return e
}

// get sends method path with the headers (name, value, ...) through app.Test.
func get(t testing.TB, e *Edge, method, path string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res
}

// wantSecurityHeaders checks the headers every answer carries, and its
// Cache-Control.
func wantSecurityHeaders(t *testing.T, name string, header http.Header, cacheControl string) {
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

// syncBuffer is a log sink the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveTCP serves a test edge (see newTestEdge) on 127.0.0.1 as cmd/tolk
// does, logging into the returned buffer, and returns the address.
func serveTCP(t *testing.T, opts ...func(*Config)) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	opts = append(opts, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	return serveEdge(t, newTestEdge(t, opts...)), logs
}

// serveEdge serves e on 127.0.0.1 until the test ends and returns the address.
func serveEdge(t *testing.T, e *Edge) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 10*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
	})
	return ln.Addr().String()
}

// exchange writes payload on a new connection, then reads until the server
// closes it or 2 s pass. closed reports whether the server closed it.
func exchange(t *testing.T, addr string, payload []byte) (answer []byte, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write(payload); err != nil {
		t.Fatalf("write: %v", err)
	}
	answer, err = io.ReadAll(conn)
	var ne net.Error
	return answer, err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// responses parses every HTTP response in raw, in order.
func responses(t *testing.T, raw []byte) []*http.Response {
	t.Helper()
	var out []*http.Response
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		if _, err := br.Peek(1); err != nil {
			return out
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d does not parse: %v\n%q", len(out)+1, err, raw)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, res)
	}
}

// wireProblem checks that res is a problem+json answer with the status and
// code, carrying one request ID in X-Request-ID and requestId, and returns that ID.
func wireProblem(t *testing.T, res *http.Response, status int, code string) string {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status = %d, want %d", res.StatusCode, status)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatalf("body is not a problem: %v", err)
	}
	if p.Status != status || p.Code != code || p.Detail == "" || p.Type != problemTypeBase+code || p.Title == "" {
		t.Errorf("problem = %+v, want status %d code %s with a type, title and detail", p, status, code)
	}
	id := res.Header.Get("X-Request-ID")
	if id == "" || p.RequestID != id {
		t.Errorf("X-Request-ID %q, requestId %q: want the same ID in both", id, p.RequestID)
	}
	return id
}

// wantLogged checks that the log has a line for request id with status.
func wantLogged(t *testing.T, logs *syncBuffer, id string, status int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		for line := range strings.Lines(logs.String()) {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["request_id"] == id && rec["status"] == float64(status) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("no log line with request_id %q and status %d in:\n%s", id, status, logs.String())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
