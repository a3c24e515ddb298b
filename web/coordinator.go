package web

import "github.com/gofiber/fiber/v2"

// mountCoordinator adds the coordinators' and admins' pages: the register,
// vetting, renewals and users (being built).
func (p *Pages) mountCoordinator(r fiber.Router) {}
