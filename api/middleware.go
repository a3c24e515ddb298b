package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

const localRequestID = "requestID"

// requestID returns the request's ID, or "" before one is given.
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// giveRequestID gives the request a fresh ID, shown as X-Request-ID.
func giveRequestID(c *fiber.Ctx) string {
	id := newRequestID()
	c.Locals(localRequestID, id)
	c.Set("X-Request-ID", id)
	return id
}

// Request IDs are 20 characters of base32: ten drawn at random once per
// process (50 bits, so two instances' IDs do not collide) and ten counting
// the process's requests. They tie a client's report to the log; they are
// no secret and grant nothing. Minting one costs an atomic add, not a read
// of the system's random source.
var (
	requestIDPrefix = rand.Text()[:10]
	requestCount    atomic.Uint64
)

// base32 is the alphabet of rand.Text, so every ID reads alike.
const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newRequestID returns the process's next request ID.
func newRequestID() string {
	var b [20]byte
	copy(b[:], requestIDPrefix)
	n := requestCount.Add(1)
	for i := len(b) - 1; i >= len(requestIDPrefix); i-- {
		b[i] = base32[n&31]
		n >>= 5
	}
	return string(b[:])
}

// observe gives each request an ID (X-Request-ID on the response), the
// security headers, a context with the request timeout, recovery from
// panics, and one log line carrying IDs, route, status and duration: never
// bodies, paths, query strings or names (the route is the pattern, so a
// feed's token stays out of the log). Before any handler sees the request
// it refuses ambiguous framing (400), an over-long request target (414),
// and traffic over the per-address and per-feed rate limits (429).
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := giveRequestID(c)
	setSecurityHeaders(c)
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	c.SetUserContext(ctx)
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic", slog.String("request_id", id), slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("panic: %v", r)
		}
		if err != nil {
			if herr := s.answerError(c, err); herr != nil {
				c.Status(http.StatusInternalServerError)
			}
			err = nil
		}
		s.logRequest(ctx, c, id, start)
	}()
	if ambiguousFraming(c.Request().Header.RawHeaders()) {
		c.Context().SetConnectionClose()
		lingerOnClose(c)
		return newError(http.StatusBadRequest, "bad_request", "the request's length is framed two ways (Content-Length twice, or with Transfer-Encoding); send one")
	}
	if len(c.Request().RequestURI()) > maxURIBytes {
		return newError(http.StatusRequestURITooLong, "uri_too_long", "the request's path and query are longer than %d bytes", maxURIBytes)
	}
	if err := s.limitUnauthenticated(c); err != nil {
		return err
	}
	return c.Next()
}

// logRequest writes a request's one log line: its ID, method, route
// pattern (never the path: a feed's token is in it), status, duration and
// the caller's user ID when authenticated. The attributes stay on the
// stack: a line costs no allocation of its own before the handler's.
func (s *Server) logRequest(ctx context.Context, c *fiber.Ctx, id string, start time.Time) {
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	var attrs [6]slog.Attr
	attrs[0] = slog.String("request_id", id)
	attrs[1] = slog.String("method", c.Method())
	attrs[2] = slog.String("route", c.Route().Path)
	attrs[3] = slog.Int("status", c.Response().StatusCode())
	attrs[4] = slog.Int64("duration_us", time.Since(start).Microseconds())
	n := 5
	if u, ok := caller(c); ok {
		attrs[5] = slog.String("user_id", u.ID)
		n = 6
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs[:n]...)
}

// The security headers of every answer. The API serves JSON and
// calendars, never HTML to render: nothing may load, frame or sniff it.
// The web front door sets its own policy for its pages.
const (
	contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
	referrerPolicy        = "no-referrer"
)

// setSecurityHeaders sets the headers every answer carries. Cache-Control
// is no-store: nearly every answer holds personal data, and an error is
// never worth keeping. A handler may set its own afterwards (a feed is
// private, max-age=900), except on an error answer: answerError sets
// these again.
func setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, referrerPolicy)
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderCacheControl, "no-store")
}

// answerError answers err as problem+json (see errorHandler) with the
// security headers, whoever calls it: observe for a handler's error,
// fasthttp for a request it refused before any handler ran.
func (s *Server) answerError(c *fiber.Ctx, err error) error {
	setSecurityHeaders(c)
	return s.errorHandler(c, err)
}

// ambiguousFraming reports whether a request's raw header block frames its
// body more than one way: Content-Length or Transfer-Encoding given twice,
// or both given. Such a request may smuggle a second one past a proxy that
// reads the framing differently; RFC 9112 §6.3 says to treat it as an error
// and close the connection. fasthttp refuses the duplicates itself but
// runs a request with both (by Transfer-Encoding), so the check stays.
func ambiguousFraming(raw []byte) bool {
	var lengths, encodings int
	for line := range bytes.Lines(raw) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch name = bytes.TrimSpace(name); {
		case bytes.EqualFold(name, []byte(fiber.HeaderContentLength)):
			lengths++
		case bytes.EqualFold(name, []byte(fiber.HeaderTransferEncoding)):
			encodings++
		}
	}
	return lengths > 1 || encodings > 1 || (lengths > 0 && encodings > 0)
}
