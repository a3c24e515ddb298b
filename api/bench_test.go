package api

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// BenchmarkBareFiber is the baseline of the benchmarks here: a Fiber app
// with one handler and no middleware, driven the same way (app.Test).
func BenchmarkBareFiber(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	req := httptest.NewRequest("GET", "/ok", nil)
	for b.Loop() {
		res, err := app.Test(req, -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		res.Body.Close()
	}
}

// BenchmarkAuthenticatedMe measures the authentication path: hash the key,
// look it up, compare, answer.
func BenchmarkAuthenticatedMe(b *testing.B) {
	h := newHarness(b)
	benchGet(b, h, "/v1/me")
}

// BenchmarkListInterpretersByLanguage lists one page of 50 Arabic speakers
// out of 1,000 records on the embedded store, through its language index.
func BenchmarkListInterpretersByLanguage(b *testing.B) {
	h := newHarness(b)
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
	benchGet(b, h, path)
}

// benchGet measures GET path as a social worker, failing on any answer but 200.
func benchGet(b *testing.B, h *harness, path string) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+h.keys[data.RoleSocialWorker])
	for b.Loop() {
		res, err := h.app.Test(req, -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		res.Body.Close()
	}
}

// BenchmarkFeedNotModified measures a calendar client polling a feed it
// holds: the 304 path (look up the token, read the organisation's newest
// audit entry, compare the ETag), beside BenchmarkBareFiber.
func BenchmarkFeedNotModified(b *testing.B) {
	h := newHarness(b)
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(b, &f)
	path := f.URL[strings.Index(f.URL, "/feeds/"):]
	etag := h.get(path).header.Get("ETag")
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("If-None-Match", etag)
	for b.Loop() {
		res, err := h.app.Test(req, -1)
		if err != nil || res.StatusCode != 304 {
			b.Fatal(err, res.StatusCode)
		}
		res.Body.Close()
	}
}
