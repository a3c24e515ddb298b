package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
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
	id := rand.Text()[:16]
	c.Locals(localRequestID, id)
	c.Set("X-Request-ID", id)
	return id
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
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", c.Method()),
			slog.String("route", c.Route().Path),
			slog.Int("status", c.Response().StatusCode()),
			slog.Int64("duration_us", time.Since(start).Microseconds()),
		}
		if u, ok := caller(c); ok {
			attrs = append(attrs, slog.String("user_id", u.ID))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
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
