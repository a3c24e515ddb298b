package api

import (
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

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// observe gives each request an ID (X-Request-ID on the response), a context
// with the request timeout, recovery from panics, and one log line carrying
// IDs, route, status and duration: never bodies, query strings or names.
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := rand.Text()[:16]
	c.Locals(localRequestID, id)
	c.Set("X-Request-ID", id)
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
	return c.Next()
}
