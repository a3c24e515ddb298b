package app

import (
	"context"

	"github.com/tolk/tolk/data"
)

// AuditFilter is what a caller may ask of the audit log.
type AuditFilter struct {
	EntityID string
	Cursor   string
	Limit    int
}

// ListAudit lists audit entries newest first, within what the actor may
// see: a coordinator, the interpreter register's whole history (every
// change, decision and sensitive read, by anyone of any organisation) and
// their own organisation's entries and notices (data.NoticeScope); an
// admin, their own organisation's entries and notices; the bootstrap
// admin, everything.
func (a *App) ListAudit(ctx context.Context, actor data.User, f AuditFilter) (data.Page[data.AuditEntry], error) {
	if err := require(actor, data.RoleCoordinator, data.RoleAdmin); err != nil {
		return data.Page[data.AuditEntry]{}, err
	}
	q := data.AuditQuery{EntityID: f.EntityID, Before: f.Cursor, Limit: f.Limit}
	switch {
	case isBootstrap(actor):
	case actor.Role == data.RoleCoordinator:
		q.Scopes = []string{data.ScopeRegister, actor.Organisation, data.NoticeScope(actor.Organisation)}
	default:
		q.Scopes = []string{actor.Organisation, data.NoticeScope(actor.Organisation)}
	}
	return a.store.ListAudit(ctx, q)
}
