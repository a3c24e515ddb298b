//go:build issue7

package api

import "github.com/gofiber/fiber/v2"

// caseRoutes lists the routes of cases, matching and bookings.
func (s *Server) caseRoutes(v1 fiber.Router) {
	v1.Post("/cases", s.createCase)
	v1.Get("/cases/:id", s.getCase)
	v1.Put("/cases/:id", s.updateCase)
	v1.Post("/cases/:id/matches", s.matchCase)
	v1.Post("/bookings", s.createBooking)
	v1.Get("/bookings", s.listBookings)
	v1.Get("/bookings/:id", s.getBooking)
}
