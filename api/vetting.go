package api

import (
	"cmp"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

type expiryView struct {
	InterpreterID string `json:"interpreterId"`
	Name          string `json:"name"`
	Item          string `json:"item"`
	Expires       string `json:"expires"`
	Lapsed        bool   `json:"lapsed"`
}

// expiring lists every clearance, training and qualification of approved
// interpreters that lapses within `within` days of today (UTC), or already
// has, soonest first.
func (s *Server) expiring(c *fiber.Ctx) error {
	within, err := queryInt(c, "within", 30, 1, 365)
	if err != nil {
		return err
	}
	today := data.DateOf(s.now())
	until := today.AddDays(within)
	items := []expiryView{}
	q := data.InterpreterQuery{Status: data.VettingApproved, Limit: data.MaxPageSize}
	for {
		page, err := s.store.ListInterpreters(c.UserContext(), q)
		if err != nil {
			return err
		}
		for _, in := range page.Items {
			for _, e := range in.ExpiringBy(until) {
				items = append(items, expiryView{
					InterpreterID: in.ID, Name: in.Name, Item: e.Item,
					Expires: e.Expires.String(), Lapsed: e.Expires.Before(today),
				})
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortFunc(items, func(a, b expiryView) int {
		return cmp.Or(cmp.Compare(a.Expires, b.Expires), cmp.Compare(a.InterpreterID, b.InterpreterID), cmp.Compare(a.Item, b.Item))
	})
	return c.JSON(fiber.Map{"items": items})
}
