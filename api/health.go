package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz answers while the process serves.
func (s *Server) healthz(c *fiber.Ctx) error {
	return writeJSON(c, fiber.Map{"status": "ok"})
}

// readyz answers 200 when the store answers within two seconds, 503 otherwise.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.app.Store().Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "store not ready", "request_id", s.guard.RequestID(c), "error", err.Error())
		return newError(http.StatusServiceUnavailable, "not_ready", "the store does not answer")
	}
	return writeJSON(c, fiber.Map{"status": "ready"})
}

// openAPI serves the embedded contract.
func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml")
	return c.Send(s.openapi)
}
