package api

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
)

// The benchmarks call the app's request handler directly, as fasthttp
// does once it has read a request off a connection: they measure what the
// service does with a request, not a connection's or app.Test's costs.
// Each request is logged as in production, one JSON line to a file.

// serveBench runs GET path with the headers (name, value, ...) through
// handler until the benchmark ends, failing on any status but want.
func serveBench(b *testing.B, handler fasthttp.RequestHandler, path string, want int, headers ...string) {
	b.Helper()
	var ctx fasthttp.RequestCtx
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI(path)
		for i := 0; i+1 < len(headers); i += 2 {
			ctx.Request.Header.Set(headers[i], headers[i+1])
		}
		handler(&ctx)
		if got := ctx.Response.StatusCode(); got != want {
			b.Fatalf("GET %s: %d, want %d: %s", path, got, want, ctx.Response.Body())
		}
	}
}

// fileLog makes the edge and the API log to a file, as they would to
// stderr: through an edge.LineWriter, as the service writes its log.
func fileLog(b *testing.B) func(*edge.Config) {
	f, err := os.Create(filepath.Join(b.TempDir(), "tolk.log"))
	if err != nil {
		b.Fatal(err)
	}
	lw := edge.NewLineWriter(f)
	b.Cleanup(func() { lw.Close(); f.Close() })
	return func(cfg *edge.Config) { cfg.Logger = slog.New(slog.NewJSONHandler(lw, nil)) }
}

// BenchmarkBareFiber is the baseline of the benchmarks here: a Fiber app
// with one handler and no middleware.
func BenchmarkBareFiber(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	serveBench(b, app.Handler(), "/ok", 200)
}

// BenchmarkHealthz is the shared middleware and little else: a request ID,
// the security headers, the timeout context, the log line, a small JSON
// answer.
func BenchmarkHealthz(b *testing.B) {
	h := newHarness(b, fileLog(b))
	serveBench(b, h.app.Handler(), "/healthz", 200)
}

// BenchmarkAuthenticatedMe measures the authentication path: hash the key,
// look it up, compare, answer.
func BenchmarkAuthenticatedMe(b *testing.B) {
	h := newHarness(b, fileLog(b))
	serveBench(b, h.app.Handler(), "/v1/me", 200, "Authorization", "Bearer "+h.keys[data.RoleSocialWorker])
}

// BenchmarkListInterpretersByLanguage lists one page of 50 Arabic speakers
// out of 1,000 records on the embedded store, through its language index.
func BenchmarkListInterpretersByLanguage(b *testing.B) {
	h := newHarness(b, fileLog(b))
	langs := []string{"ar-SD", "apd", "ti", "ckb", "vi", "ps", "prs", "ro", "sq", "kmr"}
	for i := range 1000 {
		body := validInterpreter()
		body["email"] = fmt.Sprintf("i%d@example.org", i)
		body["languages"] = []any{map[string]any{"tag": langs[i%len(langs)], "proficiency": "native"}}
		if r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", body); r.status != 201 {
			b.Fatal(r.status, string(r.body))
		}
	}
	const path = "/v1/interpreters?language=ar&status=pending&limit=50"
	var page pageView[interpreterView]
	h.do(data.RoleSocialWorker, "GET", path, nil).json(b, &page)
	if len(page.Items) != 50 {
		b.Fatalf("the page holds %d interpreters, want 50", len(page.Items))
	}
	serveBench(b, h.app.Handler(), path, 200, "Authorization", "Bearer "+h.keys[data.RoleSocialWorker])
}

// BenchmarkFeedNotModified measures a calendar client polling a feed it
// holds: the 304 path (look up the token, read the organisation's newest
// audit entries, compare the ETag), beside BenchmarkBareFiber and
// BenchmarkHealthz.
func BenchmarkFeedNotModified(b *testing.B) {
	h := newHarness(b, fileLog(b))
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(b, &f)
	path := f.URL[strings.Index(f.URL, "/feeds/"):]
	etag := h.get(path).header.Get("ETag")
	serveBench(b, h.app.Handler(), path, 304, "If-None-Match", etag)
}
