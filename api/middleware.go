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

// observe gives each request an ID (X-Request-ID on the response), a context
// with the request timeout, recovery from panics, and one log line carrying
// IDs, route, status and duration: never bodies, query strings or names.
// It refuses an ambiguously framed request before any handler sees it.
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := giveRequestID(c)
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	c.SetUserContext(ctx)
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic", slog.String("request_id", id), slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("panic: %v", r)
		}
		if err != nil {
			if herr := s.errorHandler(c, err); herr != nil {
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
	return c.Next()
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
