package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

type auditView struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	EntityType string    `json:"entityType"`
	EntityID   string    `json:"entityId"`
}

type pageView[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func toPageView[D any, V any](p data.Page[D], convert func(D) V) pageView[V] {
	out := pageView[V]{Items: make([]V, 0, len(p.Items))}
	for _, d := range p.Items {
		out.Items = append(out.Items, convert(d))
	}
	if p.Next != "" {
		out.NextCursor = &p.Next
	}
	return out
}

// listAudit lists audit entries newest first, as far as the caller may see.
func (s *Server) listAudit(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	u, _ := caller(c)
	page, err := s.app.ListAudit(c.UserContext(), u, app.AuditFilter{EntityID: c.Query("entityId"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, func(e data.AuditEntry) auditView {
		return auditView{ID: e.ID, At: e.At, Actor: e.Actor, Action: string(e.Action), EntityType: string(e.EntityType), EntityID: e.EntityID}
	}))
}
