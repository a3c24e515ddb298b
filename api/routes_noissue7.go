//go:build !issue7

package api

import "github.com/gofiber/fiber/v2"

// caseRoutes is empty until every store keeps cases and bookings.
func (s *Server) caseRoutes(v1 fiber.Router) {}
