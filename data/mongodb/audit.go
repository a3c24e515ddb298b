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
	Action       string    `bson:"action"`
	EntityType   string    `bson:"entityType"`
	EntityID     string    `bson:"entityId"`
}

// AppendAudit inserts e; the collection is only ever inserted into.
func (s *Store) AppendAudit(ctx context.Context, e data.AuditEntry) error {
	_, err := s.audit.InsertOne(ctx, auditDocument{
		ID: e.ID, At: data.Timestamp(e.At), Actor: e.Actor, Organisation: e.Organisation,
		Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
	})
	return translate(err, "audit entry")
}

// ListAudit returns entries newest first (IDs sort by time).
func (s *Store) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	filter := bson.D{}
	if q.EntityID != "" {
		filter = append(filter, bson.E{Key: "entityId", Value: q.EntityID})
	}
	if q.Organisation != "" {
		filter = append(filter, bson.E{Key: "organisation", Value: q.Organisation})
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	return findPage(ctx, s.audit, filter, -1, data.PageSize(q.Limit),
		func(d auditDocument) data.AuditEntry {
			return data.AuditEntry{
				ID: d.ID, At: utc(d.At), Actor: d.Actor, Organisation: d.Organisation,
				Action: d.Action, EntityType: d.EntityType, EntityID: d.EntityID,
			}
		},
		func(e data.AuditEntry) string { return e.ID })
}
