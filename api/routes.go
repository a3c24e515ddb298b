package api

import (
	"github.com/gofiber/fiber/v2"
)

// routes lists the whole HTTP surface, one line a route. openapi.yaml
// describes the same set; TestRoutesMatchOpenAPI keeps them in step. Who
// may call what is decided by package app, not here.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.observe)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/openapi.yaml", s.openAPI)
	app.Get("/feeds/:token.ics", s.feed) // the token in the URL is the credential

	v1 := app.Group("/v1", s.authenticate)
	v1.Post("/users", s.createUser)
	v1.Post("/users/:id/key", s.issueKey)
	v1.Delete("/users/:id/key", s.revokeKey)
	v1.Get("/me", s.me)
	v1.Get("/audit", s.listAudit)

	v1.Post("/interpreters", s.createInterpreter)
	v1.Get("/interpreters", s.listInterpreters)
	v1.Get("/interpreters/:id", s.getInterpreter)
	v1.Put("/interpreters/:id", s.updateInterpreter)
	v1.Post("/interpreters/:id/vetting", s.decideVetting)
	v1.Post("/interpreters/:id/withdraw-bookings", s.withdrawBookings)
	v1.Get("/vetting/expiring", s.expiring)

	v1.Post("/cases", s.createCase)
	v1.Get("/cases/:id", s.getCase)
	v1.Put("/cases/:id", s.updateCase)
	v1.Post("/cases/:id/matches", s.matchCase)
	v1.Post("/bookings", s.createBooking)
	v1.Get("/bookings", s.listBookings)
	v1.Get("/bookings/:id", s.getBooking)
	v1.Patch("/bookings/:id", s.changeBooking)
	v1.Post("/bookings/:id/cancel", s.cancelBooking)
	v1.Post("/bookings/:id/outcome", s.recordOutcome)
	v1.Get("/bookings/:id/ics", s.bookingICS)

	v1.Post("/feeds", s.createFeed)
	v1.Get("/feeds", s.listFeeds)
	v1.Delete("/feeds/:id", s.revokeFeed)

	if s.pages != nil {
		s.pages(app, s) // the web pages: every path the API does not own
	}
}
