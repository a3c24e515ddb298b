package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// routes lists the whole HTTP surface, one line a route. openapi.yaml
// describes the same set; TestRoutesMatchOpenAPI keeps them in step.
func (s *Server) routes(app *fiber.App) {
	const (
		admin       = data.RoleAdmin
		coordinator = data.RoleCoordinator
		social      = data.RoleSocialWorker
	)
	app.Use(s.observe)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/openapi.yaml", s.openAPI)

	v1 := app.Group("/v1", s.authenticate)
	v1.Post("/users", allow(admin), s.createUser)
	v1.Get("/me", s.me)
	v1.Get("/audit", allow(coordinator, admin), s.listAudit)

	v1.Post("/interpreters", allow(coordinator), s.createInterpreter)
	v1.Get("/interpreters", allow(coordinator, social), s.listInterpreters)
	v1.Get("/interpreters/:id", allow(coordinator, social), s.getInterpreter)
	v1.Put("/interpreters/:id", allow(coordinator), s.updateInterpreter)
	v1.Post("/interpreters/:id/vetting", allow(coordinator), s.decideVetting)
	v1.Get("/vetting/expiring", allow(coordinator), s.expiring)
}
