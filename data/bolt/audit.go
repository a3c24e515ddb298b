package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

type auditRecord struct {
	ID           string `json:"id"`
	At           string `json:"at"`
	Actor        string `json:"actor"`
	Organisation string `json:"organisation"`
	Action       string `json:"action"`
	EntityType   string `json:"entityType"`
	EntityID     string `json:"entityId"`
}

// AppendAudit stores e under its ID; IDs sort by time, so the bucket is in
// time order.
func (s *Store) AppendAudit(ctx context.Context, e data.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("audit entry %s: %w", e.ID, data.ErrDuplicate)
		}
		return put(b, e.ID, auditRecord{
			ID: e.ID, At: encodeTime(e.At), Actor: e.Actor, Organisation: e.Organisation,
			Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		})
	})
}

// ListAudit walks the bucket backwards from the cursor, filtering as it goes.
func (s *Store) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	limit := data.PageSize(q.Limit)
	var page data.Page[data.AuditEntry]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		if q.Before == "" {
			k, v = c.Last()
		} else {
			k, v = c.Seek([]byte(q.Before))
			if k == nil {
				k, v = c.Last()
			}
			for k != nil && bytes.Compare(k, []byte(q.Before)) >= 0 {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			var r auditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode audit %s: %w", k, err)
			}
			if (q.EntityID != "" && r.EntityID != q.EntityID) || (q.Organisation != "" && r.Organisation != q.Organisation) {
				continue
			}
			if len(page.Items) == limit {
				page.Next = page.Items[limit-1].ID
				return nil
			}
			page.Items = append(page.Items, data.AuditEntry{
				ID: r.ID, At: decodeTime(r.At), Actor: r.Actor, Organisation: r.Organisation,
				Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID,
			})
		}
		return nil
	})
	return page, err
}
