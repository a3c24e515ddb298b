package edge

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicIsAnswered: a handler's panic is logged with the request's ID
// and its stack, and the door answers it as a 500; the service goes on.
func TestPanicIsAnswered(t *testing.T) {
	logs := &syncBuffer{}
	e := New(Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/panic", func(c *fiber.Ctx) error { panic("boom") })
	}})
	id := wireProblem(t, get(t, e, "GET", "/v1/panic"), 500, "internal")
	var logged bool
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "panic" && rec["request_id"] == id && rec["stack"] != nil {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no panic line for request %s in:\n%s", id, logs)
	}
	wantLogged(t, logs, id, 500)
}

// TestRequestIDsAreMinted: every answer carries a fresh X-Request-ID; one
// the client sends is not adopted.
func TestRequestIDsAreMinted(t *testing.T) {
	e := newTestEdge(t)
	a := get(t, e, "GET", "/healthz", "X-Request-ID", "chosen-by-the-client").Header.Get("X-Request-ID")
	b := get(t, e, "GET", "/healthz").Header.Get("X-Request-ID")
	if a == "" || a == "chosen-by-the-client" || a == b || len(a) != 20 {
		t.Errorf("request IDs %q and %q: want two fresh IDs of 20 characters", a, b)
	}
}

// TestLogLine: each request is one log line with its ID, method, route
// pattern (never the path), status and duration, and the user a door named
// through UserWait.
func TestLogLine(t *testing.T) {
	logs := &syncBuffer{}
	e := New(Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/things/:secret", func(c *fiber.Ctx) error {
			e.UserWait(c, "user-1")
			return c.SendString("ok")
		})
	}})
	res := get(t, e, "GET", "/v1/things/s3cr3t?q=private")
	var rec map[string]any
	if err := json.Unmarshal([]byte(logs.String()), &rec); err != nil {
		t.Fatalf("log %q: %v", logs, err)
	}
	want := map[string]any{"msg": "request", "request_id": res.Header.Get("X-Request-ID"), "method": "GET",
		"route": "/v1/things/:secret", "status": float64(200), "user_id": "user-1"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("log %s = %v, want %v", k, rec[k], v)
		}
	}
	if _, ok := rec["duration_us"]; !ok || strings.Contains(logs.String(), "s3cr3t") || strings.Contains(logs.String(), "private") {
		t.Errorf("log line %s: want a duration and neither path nor query", logs)
	}
}

// TestLogLineLevel: the request line is written at info, and at warn when
// the service failed (5xx), so a logger at warn (TOLK_LOG_LEVEL=warn) keeps
// only the problems: no line for a served request or a client's mistake,
// one for a failure.
func TestLogLineLevel(t *testing.T) {
	logs := &syncBuffer{}
	e := New(Config{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
		r.Get("/v1/unavailable", func(c *fiber.Ctx) error { return fiber.ErrServiceUnavailable })
	}})
	get(t, e, "GET", "/v1/ok")
	get(t, e, "GET", "/v1/no-such-route")
	id := get(t, e, "GET", "/v1/unavailable").Header.Get("X-Request-ID")
	var lines []map[string]any
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, rec)
	}
	if len(lines) != 1 || lines[0]["msg"] != "request" || lines[0]["level"] != "WARN" || lines[0]["request_id"] != id || lines[0]["status"] != float64(503) {
		t.Errorf("log at warn:\n%s\nwant one request line at WARN, for the 503 %s", logs, id)
	}
}
