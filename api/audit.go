package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

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

// audit appends an entry for a change the caller made or a sensitive read.
// For changes, call it after the store acknowledged the change and ignore
// the error: it is logged (IDs only), and the change stands. For sensitive
// reads, call it before disclosing and fail the request on error, so no
// sensitive field leaves unaudited.
func (s *Server) audit(c *fiber.Ctx, actor data.User, action, entityType, entityID string) error {
	e := data.NewAuditEntry(s.now(), actor, action, entityType, entityID)
	err := s.store.AppendAudit(c.UserContext(), e)
	if err != nil {
		s.log.ErrorContext(c.UserContext(), "audit append failed", slog.String("request_id", requestID(c)),
			slog.String("action", action), slog.String("entity_id", entityID), slog.String("error", err.Error()))
	}
	return err
}

// listAudit lists audit entries newest first. Admins see every
// organisation's; coordinators see the entries of actors in their own.
func (s *Server) listAudit(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	u, _ := caller(c)
	q := data.AuditQuery{EntityID: c.Query("entityId"), Before: c.Query("cursor"), Limit: limit}
	if u.Role != data.RoleAdmin {
		q.Organisation = u.Organisation
	}
	page, err := s.store.ListAudit(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(toPageView(page, func(e data.AuditEntry) auditView {
		return auditView{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID}
	}))
}
