// Package api is tolk's JSON front door: the routes under /v1 and the
// feeds, health and contract beside them (routes.go lists them all), the
// JSON shapes clients see, strict decoding and validation, authentication
// by API key, and the one table from app's error kinds to RFC 9457 problem
// details. It is a door of the HTTP edge (package edge), which owns the
// Fiber app, the shared middleware and the rate limits; the API applies
// the limits where it knows who is calling, through its Guard. Who may do
// what is package app's.
package api

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/api/internal/strictjson"
	"github.com/tolk/tolk/app"
)

// Guard is what the edge lends the API: the rate limits, the brakes on
// failed authentications and failed feed lookups, and the request's ID.
// Each Wait and each brake returns how long the client must wait, zero
// when it may go on.
type Guard interface {
	// AddressWait counts a request without a key against its client address.
	AddressWait(c *fiber.Ctx) time.Duration
	// FeedWait counts a fetch of the feed with token against the feed.
	FeedWait(c *fiber.Ctx, token string) time.Duration
	// UserWait counts a request with a valid key against its user.
	UserWait(c *fiber.Ctx, userID string) time.Duration
	// SignInFailed counts a failed authentication against the client
	// address and returns the wait once the address is past the brake.
	SignInFailed(c *fiber.Ctx) time.Duration
	// FeedLookupFailed counts a feed token that names no live feed
	// against the client address, in a brake of its own, and returns the
	// wait once the address is past it.
	FeedLookupFailed(c *fiber.Ctx) time.Duration
	// RequestID returns the request's ID, shown in every problem.
	RequestID(c *fiber.Ctx) string
}

// Config is what the API needs from the process that serves it.
type Config struct {
	// App is the application every handler calls.
	App *app.App
	// Guard is the edge's: required.
	Guard  Guard
	Logger *slog.Logger
	// OpenAPI is the contract served at /openapi.yaml.
	OpenAPI []byte
	// BaseURL is the public base of the feed URLs the API hands out.
	// Defaults to http://localhost:8080.
	BaseURL string
}

// Server holds the API's dependencies; its methods are the handlers. It
// is an edge.Door: mount it on the edge.
type Server struct {
	app     *app.App
	guard   Guard
	log     *slog.Logger
	openapi []byte
	baseURL string
	// reducedViews keeps the match answers' encoded interpreters.
	reducedViews reducedViews
}

// New returns the API, to mount on the edge. It panics without a Guard.
func New(cfg Config) *Server {
	if cfg.Guard == nil {
		panic("api: Config.Guard is required")
	}
	s := &Server{app: cfg.App, guard: cfg.Guard, log: cfg.Logger, openapi: cfg.OpenAPI, baseURL: strings.TrimRight(cfg.BaseURL, "/")}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.baseURL == "" {
		s.baseURL = "http://localhost:8080"
	}
	return s
}

// writeJSON answers v as application/json, encoded with json v2
// semantics (strictjson.Marshal: no HTML escaping, map keys sorted, nil
// slices as []) whatever encoder the edge's Fiber app has: the API's
// answers are the API's contract. It stands for Fiber's c.JSON.
// It encodes into the response's own buffer, and leaves it empty on an
// error, which the error handler then answers.
func writeJSON(c *fiber.Ctx, v any) error {
	resp := c.Response()
	resp.ResetBody()
	if err := strictjson.MarshalWrite(resp.BodyWriter(), v); err != nil {
		resp.ResetBody()
		return err
	}
	resp.Header.SetContentType(fiber.MIMEApplicationJSON)
	return nil
}
