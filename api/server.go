// Package api is tolk's HTTP edge: the routes, the JSON shapes clients see,
// strict decoding and validation, authentication and roles, and the one
// table from errors to RFC 9457 problem details. Only this package and cmd
// import Fiber.
package api

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/api/internal/strictjson"
	"github.com/tolk/tolk/app"
)

// Config is what the API needs from the process that serves it.
type Config struct {
	// App is the application every handler calls.
	App    *app.App
	Logger *slog.Logger
	// Now is the clock of the failed-authentication brake; tests set it.
	// Defaults to time.Now.
	Now func() time.Time
	// RateLimits turns on the limit on failed authentications per address.
	RateLimits bool
	// RequestTimeout bounds each request's store work. Defaults to 10s.
	RequestTimeout time.Duration
	// BodyLimit is the largest request body accepted, in bytes. Defaults to 1 MiB.
	BodyLimit int
	// OpenAPI is the contract served at /openapi.yaml.
	OpenAPI []byte
	// BaseURL is the public base of the feed URLs the API hands out.
	// Defaults to http://localhost:8080.
	BaseURL string
}

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	app     *app.App
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	openapi []byte
	baseURL string
	limiter *failureLimiter
}

// New returns the Fiber app serving the whole API.
func New(cfg Config) *fiber.App {
	s := &Server{
		app: cfg.App, log: cfg.Logger, baseURL: strings.TrimRight(cfg.BaseURL, "/"), now: cfg.Now, timeout: cfg.RequestTimeout, openapi: cfg.OpenAPI,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.baseURL == "" {
		s.baseURL = "http://localhost:8080"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout == 0 {
		s.timeout = 10 * time.Second
	}
	if cfg.RateLimits {
		s.limiter = newFailureLimiter(failuresAllowed, failureWindow)
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	app := fiber.New(fiber.Config{
		AppName:      "tolk",
		BodyLimit:    cfg.BodyLimit,
		ErrorHandler: s.errorHandler,
		// Responses are encoded with json v2 semantics: no HTML escaping
		// ("<" stays "<"), deterministic key order.
		JSONEncoder:           strictjson.Marshal,
		DisableStartupMessage: true,
		// Handlers keep strings from requests (IDs, names) beyond the
		// request's life; Immutable copies them instead of reusing buffers.
		Immutable:    true,
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	})
	s.routes(app)
	return app
}
