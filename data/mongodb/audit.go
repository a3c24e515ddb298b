package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

type auditDocument struct {
	ID           string    `bson:"_id"`
	At           time.Time `bson:"at"`
	Actor        string    `bson:"actor"`
	Organisation string    `bson:"organisation"`
	Scope        string    `bson:"scope"`
	Action       string    `bson:"action"`
	EntityType   string    `bson:"entityType"`
	EntityID     string    `bson:"entityId"`
}

func fromAuditEntry(e data.AuditEntry) auditDocument {
	return auditDocument{
		ID: e.ID, At: data.Timestamp(e.At), Actor: e.Actor, Organisation: e.Organisation, Scope: e.Scope,
		Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
	}
}

func (d auditDocument) toAuditEntry() data.AuditEntry {
	return data.AuditEntry{
		ID: d.ID, At: utc(d.At), Actor: d.Actor, Organisation: d.Organisation, Scope: d.Scope,
		Action: d.Action, EntityType: d.EntityType, EntityID: d.EntityID,
	}
}

// AppendAudit inserts e; the collection is only ever inserted into. Entries
// that describe a change land through the change's lock instead (locks.go).
func (s *Store) AppendAudit(ctx context.Context, e data.AuditEntry) error {
	_, err := s.audit.InsertOne(ctx, fromAuditEntry(e))
	return translate(err, "audit entry "+e.ID)
}

// ListAudit returns entries newest first (IDs sort by time), from the index
// on (entityId, -_id) or (scope, -_id).
func (s *Store) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	filter := bson.D{}
	if q.EntityID != "" {
		filter = append(filter, bson.E{Key: "entityId", Value: q.EntityID})
	}
	if len(q.Scopes) > 0 {
		filter = append(filter, bson.E{Key: "scope", Value: bson.D{{Key: "$in", Value: q.Scopes}}})
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	return findPage(ctx, s.audit, filter, -1, data.PageSize(q.Limit), auditDocument.toAuditEntry,
		func(e data.AuditEntry) string { return e.ID })
}
