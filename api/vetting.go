package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
)

type renewalView struct {
	InterpreterID string `json:"interpreterId"`
	Name          string `json:"name"`
	Item          string `json:"item"`
	Expires       string `json:"expires,omitempty"`
	Lapsed        bool   `json:"lapsed"`
	Missing       bool   `json:"missing"`
}

// expiring is the renewal report: what lapses within `within` days, what
// has lapsed, and what approved records lack.
func (s *Server) expiring(c *fiber.Ctx) error {
	within, err := queryInt(c, "within", app.DefaultRenewalDays, 1, app.MaxRenewalDays)
	if err != nil {
		return err
	}
	u, _ := caller(c)
	items, err := s.app.Renewals(c.UserContext(), u, within)
	if err != nil {
		return err
	}
	out := make([]renewalView, len(items))
	for i, it := range items {
		out[i] = renewalView{InterpreterID: it.InterpreterID, Name: it.Name, Item: it.Item, Expires: it.Expires.String(), Lapsed: it.Lapsed, Missing: it.Missing}
	}
	return writeJSON(c, fiber.Map{"items": out})
}
