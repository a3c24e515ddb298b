package api

import (
	"github.com/gofiber/fiber/v2"
)

// prefixes are the paths the API owns on the edge; every other path is
// the pages'.
var prefixes = []string{"/v1", "/feeds", "/healthz", "/readyz", "/openapi.yaml"}

// Prefixes returns the paths the API owns: /v1 and the feeds, health and
// contract beside it. An unknown path under them is the API's 404 problem,
// never a page.
func (s *Server) Prefixes() []string { return prefixes }

// Routes lists the whole HTTP surface, one line a route. openapi.yaml
// describes the same set; TestRoutesMatchOpenAPI keeps them in step. Who
// may call what is decided by package app, not here. Outside /v1 every
// request counts against its client address, except feeds: a feed counts
// against itself, and only a failed lookup against its address (see
// brakeFeedMisses). Under /v1 a request counts against its key's user, once
// authenticate has checked the key.
func (s *Server) Routes(r fiber.Router) {
	r.Use([]string{"/healthz", "/readyz", "/openapi.yaml"}, s.limitAddress)
	r.Use("/feeds", s.brakeFeedMisses)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/openapi.yaml", s.openAPI)
	r.Get("/feeds/:token.ics", s.feed) // the token in the URL is the credential

	v1 := r.Group("/v1", s.authenticate)
	v1.Post("/users", s.createUser)
	v1.Post("/users/:id/key", s.issueKey)
	v1.Delete("/users/:id/key", s.revokeKey)
	v1.Get("/me", s.me)
	v1.Get("/me/invitations", s.myInvitations)
	v1.Get("/me/bookings", s.myBookings)
	v1.Get("/me/bookings/:id", s.myBooking)
	v1.Get("/audit", s.listAudit)
	v1.Get("/backup", s.backup)
	v1.Get("/retention/preview", s.retentionPreview)

	v1.Post("/interpreters", s.createInterpreter)
	v1.Get("/interpreters", s.listInterpreters)
	v1.Head("/interpreters/:id", s.headInterpreter) // before Get, which would serve HEAD as an audited read
	v1.Get("/interpreters/:id", s.getInterpreter)
	v1.Put("/interpreters/:id", s.updateInterpreter)
	v1.Post("/interpreters/:id/vetting", s.decideVetting)
	v1.Get("/interpreters/:id/vetting-impact", s.vettingImpact)
	v1.Post("/interpreters/:id/withdraw-bookings", s.withdrawBookings)
	v1.Get("/interpreters/:id/availability", s.getAvailability)
	v1.Put("/interpreters/:id/availability", s.putAvailability)
	v1.Get("/interpreters/:id/export", s.exportInterpreter)
	v1.Put("/interpreters/:id/legal-hold", s.setInterpreterHold)
	v1.Get("/vetting/expiring", s.expiring)

	v1.Post("/cases", s.createCase)
	v1.Get("/cases/:id", s.getCase)
	v1.Put("/cases/:id", s.updateCase)
	v1.Post("/cases/:id/matches", s.matchCase)
	v1.Put("/cases/:id/legal-hold", s.setLegalHold)
	v1.Post("/cases/:id/close", s.closeCase)
	v1.Post("/cases/:id/reopen", s.reopenCase)
	v1.Post("/cases/:id/transfers", s.requestTransfer)
	v1.Get("/transfers", s.listTransfers)
	v1.Get("/transfers/:id", s.getTransfer)
	v1.Post("/transfers/:id/accept", s.acceptTransfer)
	v1.Post("/transfers/:id/decline", s.declineTransfer)
	v1.Post("/transfers/:id/withdraw", s.withdrawTransfer)
	v1.Post("/bookings", s.createBooking)
	v1.Get("/bookings", s.listBookings)
	v1.Get("/bookings/:id", s.getBooking)
	v1.Patch("/bookings/:id", s.changeBooking)
	v1.Post("/bookings/:id/cancel", s.cancelBooking)
	v1.Post("/bookings/:id/outcome", s.recordOutcome)
	v1.Post("/bookings/:id/wellbeing", s.markWellbeing)
	v1.Get("/safeguarding", s.listSafeguarding)
	v1.Get("/bookings/:id/ics", s.bookingICS)

	v1.Post("/offers", s.createOffer)
	v1.Get("/offers", s.listOffers)
	v1.Get("/offers/:id", s.getOffer)
	v1.Post("/offers/:id/cancel", s.cancelOffer)
	v1.Post("/offers/:id/accept", s.acceptOffer)
	v1.Post("/offers/:id/decline", s.declineOffer)

	v1.Get("/reports/summary", s.reportSummary)
	v1.Get("/reports/unmet-need", s.reportUnmetNeed)
	v1.Get("/reports/bookings", s.reportBookings)

	v1.Get("/notifications", s.listNotifications)
	v1.Post("/notifications/:id/retry", s.retryNotification)

	v1.Post("/feeds", s.createFeed)
	v1.Get("/feeds", s.listFeeds)
	v1.Delete("/feeds/:id", s.revokeFeed)
}
