package mongodb

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
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
		Action: string(e.Action), EntityType: string(e.EntityType), EntityID: e.EntityID,
	}
}

func (d auditDocument) toAuditEntry() data.AuditEntry {
	return data.AuditEntry{
		ID: d.ID, At: utc(d.At), Actor: d.Actor, Organisation: d.Organisation, Scope: d.Scope,
		Action: data.Action(d.Action), EntityType: data.EntityType(d.EntityType), EntityID: d.EntityID,
	}
}

// AppendChange lands a change that touches no record, through the one
// function that turns a change into documents (changeOutbox). A change of
// one document (an audit entry alone) is one insert, atomic on every
// server. A change of several documents lands through the lock mechanism
// (locks.go) as the create of its first audit entry with the others as its
// outbox (its messages, then its other entries), so that they land
// together or not at all: the entry is stamped with a version and token
// like any locked record, and ListAudit, and readers of the outbox, land
// the changes of writers that died. The locked record is never a message:
// a message already in the outbox is the same message, which lands
// nothing, while the record a lock creates must be new. Entries that
// describe a change of a record land through that change's lock instead.
func (s *Store) AppendChange(ctx context.Context, ch data.Change) error {
	docs, err := changeOutbox(ch)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(docs, func(o outboxDocument) bool { return o.Collection == auditCollection })
	first := docs[i] // Check made sure there is an entry
	what := first.Collection + " " + first.ID
	if len(docs) == 1 {
		_, err := s.db.Collection(first.Collection).InsertOne(ctx, first.Doc)
		return translate(err, what)
	}
	token := rand.Text()
	doc, err := stamped(first.Doc, 1, token)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	l := lockOf(first.Collection, first.ID, 1, token, doc, slices.Concat(docs[:i], docs[i+1:]))
	l.Messages = changeMessages(ch)
	l.Unmet = len(ch.UnmetNeed) > 0
	err = s.commitLock(ctx, l)
	if errors.Is(err, errStale) { // another change with that first entry landed first
		return fmt.Errorf("%s: %w", what, data.ErrDuplicate)
	}
	return err
}

// ListAudit lands the changes of several documents in flight (see
// AppendChange), then returns entries newest first (IDs sort by time),
// from the index on (entityId, -_id) or (scope, -_id).
func (s *Store) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	if err := s.finishPending(ctx, auditCollection); err != nil {
		return data.Page[data.AuditEntry]{}, err
	}
	filter := bson.D{}
	hint := ""
	switch {
	case q.EntityID != "":
		filter = append(filter, bson.E{Key: "entityId", Value: q.EntityID})
	case q.Actor == data.ActorSystem:
		return data.Page[data.AuditEntry]{}, invalid("actor", "may not be the service itself")
	case q.Actor != "":
		filter, hint = append(filter, bson.E{Key: "actor", Value: q.Actor}), auditByActor
	}
	if len(q.Scopes) > 0 {
		filter = append(filter, bson.E{Key: "scope", Value: bson.D{{Key: "$in", Value: q.Scopes}}})
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	if hint != "" {
		return findPageHinted(ctx, s.audit, filter, hint, -1, data.PageSize(q.Limit), auditDocument.toAuditEntry,
			func(e data.AuditEntry) string { return e.ID })
	}
	return findPage(ctx, s.audit, filter, -1, data.PageSize(q.Limit), auditDocument.toAuditEntry,
		func(e data.AuditEntry) string { return e.ID })
}

// auditByActor is the index of what one user did, newest first.
const auditByActor = "actor_newest"

// NewestAudit marks the first page ListAudit lists for the scopes.
func (s *Store) NewestAudit(ctx context.Context, scopes []string, n int) (data.AuditMark, error) {
	if err := data.CheckNewestAudit(scopes, n); err != nil {
		return data.AuditMark{}, err
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{Scopes: scopes, Limit: n})
	if err != nil {
		return data.AuditMark{}, err
	}
	return data.MarkOf(page.Items), nil
}
