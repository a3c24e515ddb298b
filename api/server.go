// Package api is tolk's HTTP edge: the routes, the JSON shapes clients see,
// strict decoding and validation, authentication and roles, and the one
// table from errors to RFC 9457 problem details. Only this package and cmd
// import Fiber.
package api

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

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
	// RateLimits turns on the request rate limits (PerKey, PerAddress,
	// PerFeed) and the brake on failed authentications per address.
	RateLimits bool
	// PerKey limits the requests made with each API key. A Rate that
	// allows nothing (the zero Rate) means DefaultPerKey.
	PerKey Rate
	// PerAddress limits the requests from each client address outside /v1
	// (feeds, health, the contract). Zero: DefaultPerAddress.
	PerAddress Rate
	// PerFeed limits the fetches of each feed URL. Zero: DefaultPerFeed.
	PerFeed Rate
	// RequestTimeout bounds each request's store work. Defaults to 10s.
	RequestTimeout time.Duration
	// BodyLimit is the largest request body accepted, in bytes. Defaults to 1 MiB.
	BodyLimit int
	// OpenAPI is the contract served at /openapi.yaml.
	OpenAPI []byte
	// BaseURL is the public base of the feed URLs the API hands out.
	// Defaults to http://localhost:8080.
	BaseURL string
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the service (TOLK_TRUSTED_PROXIES). From them, and only from them,
	// X-Forwarded-For names the client. Empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// ReadTimeout bounds reading one request's body, from the end of its
	// headers; a client slower than that gets 408. Defaults to 30s.
	ReadTimeout time.Duration
	// HeaderTimeout bounds reading one request's line and headers, from
	// the connection's opening or, on a kept-alive connection, from the
	// request's first byte: a client trickling its headers (slowloris) is
	// answered 408 and cut off. Defaults to 10s, or ReadTimeout if shorter.
	HeaderTimeout time.Duration
	// Pages, when set, mounts the web front door on the same server after
	// the API's routes. The API keeps /v1, /feeds, /healthz, /readyz and
	// /openapi.yaml; every other path is the pages', which apply the rate
	// limits themselves through the Guard (a signed-in visitor counts
	// against their own user, not their office's address).
	Pages func(r fiber.Router, g Guard)
}

// Limits of the request line and headers (see New).
const (
	// maxHeaderBytes bounds the request line and headers together: over
	// it, fasthttp answers 431.
	maxHeaderBytes = 4 << 10
	// maxURIBytes bounds the request target, path and query: over it,
	// observe answers 414. Cursors, IDs and filters take a few hundred.
	maxURIBytes = 2 << 10
)

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	app     *app.App
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	openapi []byte
	baseURL string
	limiter *failureLimiter
	proxies []netip.Prefix
	pages   func(fiber.Router, Guard)

	// The rate limits; nil when Config.RateLimits is off.
	perKey, perAddress, perFeed *rateLimiter
}

// New returns the Fiber app serving the whole API.
func New(cfg Config) *fiber.App {
	s := &Server{
		app: cfg.App, log: cfg.Logger, baseURL: strings.TrimRight(cfg.BaseURL, "/"), now: cfg.Now, timeout: cfg.RequestTimeout, openapi: cfg.OpenAPI,
		proxies: cfg.TrustedProxies, pages: cfg.Pages,
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
		s.perKey = newRateLimiter(orDefault(cfg.PerKey, DefaultPerKey))
		s.perAddress = newRateLimiter(orDefault(cfg.PerAddress, DefaultPerAddress))
		s.perFeed = newRateLimiter(orDefault(cfg.PerFeed, DefaultPerFeed))
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = min(10*time.Second, cfg.ReadTimeout)
	}
	proxies := make([]string, len(cfg.TrustedProxies))
	for i, p := range cfg.TrustedProxies {
		proxies[i] = p.String()
	}
	app := fiber.New(fiber.Config{
		AppName:      "tolk",
		BodyLimit:    cfg.BodyLimit,
		ErrorHandler: s.answerError,
		// Responses are encoded with json v2 semantics: no HTML escaping
		// ("<" stays "<"), deterministic key order.
		JSONEncoder:           strictjson.Marshal,
		DisableStartupMessage: true,
		// Handlers keep strings from requests (IDs, names) beyond the
		// request's life; Immutable copies them instead of reusing buffers.
		Immutable: true,
		// fasthttp's ReadTimeout runs from a connection's opening, or from
		// a kept-alive request's first byte, and is not renewed by each
		// byte: it bounds the headers. HeaderReceived below gives the body
		// its own ReadTimeout.
		ReadTimeout:    cfg.HeaderTimeout,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    2 * time.Minute,
		ReadBufferSize: maxHeaderBytes,
		// Only the configured proxies may speak for a client: without the
		// check, Fiber believes X-Forwarded-* from anyone. The brake reads
		// X-Forwarded-For itself (see clientAddr), from the right.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
	})
	// fasthttp's own error messages then never quote the request.
	app.Server().SecureErrorLogMessage = true
	app.Server().HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if h.ContentLength() == 0 {
			return fasthttp.RequestConfig{} // no body: the header deadline stands
		}
		return fasthttp.RequestConfig{ReadTimeout: cfg.ReadTimeout}
	}
	s.refuseUnknownMethods(app)
	s.routes(app)
	return app
}

// refuseUnknownMethods answers a request whose method Fiber does not know
// (BREW, or a garbled request line that still parses) with a 501 problem,
// through errorHandler like the HTTP layer's other refusals. Fiber would
// answer it in plain text, without a request ID, before any middleware.
func (s *Server) refuseUnknownMethods(app *fiber.App) {
	known := map[string]bool{}
	for _, m := range app.Config().RequestMethods {
		known[m] = true
	}
	handle := app.Server().Handler
	app.Server().Handler = func(rc *fasthttp.RequestCtx) {
		if known[string(rc.Method())] {
			handle(rc)
			return
		}
		c := app.AcquireCtx(rc)
		defer app.ReleaseCtx(c)
		if err := s.answerError(c, fiber.ErrNotImplemented); err != nil {
			c.Status(http.StatusNotImplemented)
		}
	}
}

// Serve serves app, built by New, on ln until app shuts down. Use it
// instead of app.Listener: a connection the service closes after refusing a
// request (413, 431, a malformed or ambiguously framed request) first reads
// and discards what the client is still sending, up to lingerBytes or
// lingerTime, as nginx's lingering close does. Closing at once would reset
// the connection, and a client that writes its whole body before reading
// (Python's urllib and requests do) would see the reset, not the answer.
func Serve(app *fiber.App, ln net.Listener) error {
	return app.Listener(lingerListener{ln})
}

// Bounds of a lingering close: beyond them the connection is closed even
// if the client is still sending.
const (
	lingerBytes = 8 << 20
	lingerTime  = 5 * time.Second
)

// lingerListener hands out connections that can close lingeringly.
type lingerListener struct{ net.Listener }

// Accept wraps the next connection in a *lingerConn.
func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn is a connection that, once marked by lingerOnClose, drains
// what the client is still sending before it closes.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

// Close closes the connection, lingering first if it is marked: it ends
// the write side (the answer is complete), then discards what arrives for
// up to lingerTime or lingerBytes, or until the client closes its side.
func (c *lingerConn) Close() error {
	if c.linger.Swap(false) {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
		io.CopyN(io.Discard, c.Conn, lingerBytes)
	}
	return c.Conn.Close()
}

// lingerOnClose marks the request's connection to linger when the server
// closes it. It does nothing to a connection Serve did not accept (app.Test).
func lingerOnClose(c *fiber.Ctx) {
	if lc, ok := c.Context().Conn().(*lingerConn); ok {
		lc.linger.Store(true)
	}
}
