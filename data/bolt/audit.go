package bolt

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketAudit         = []byte("audit") // entry ID → entry; IDs sort by time
	bucketAuditByEntity = "audit_by_entity"
	bucketAuditByScope  = "audit_by_scope"
	// "<actor>\x00<id>" for each entry a user (not the service) acted in.
	bucketAuditByActor = "audit_by_actor"
	// "<time key>\x00<id>" for each sign-in entry (data.SignInActions):
	// what retention walks, oldest first.
	bucketAuditSignIns = "audit_signins"
)

var auditKind = recordKind{
	bucket:  bucketAudit,
	indexes: []string{bucketAuditByEntity, bucketAuditByScope, bucketAuditByActor, bucketAuditSignIns},
	entries: decode(auditRecord.toEntry, auditIndexes),
}

// auditIndexes derives every index entry of an audit entry: by entity, with
// the scope as value so a query by entity and scope reads no entries it
// drops, by scope, and by actor unless the service acted.
func auditIndexes(e data.AuditEntry) []indexEntry {
	out := []indexEntry{
		{bucket: bucketAuditByEntity, key: indexKey(e.EntityID, e.ID), value: e.Scope},
		{bucket: bucketAuditByScope, key: indexKey(e.Scope, e.ID)},
	}
	if e.Actor != "" && e.Actor != data.ActorSystem {
		out = append(out, indexEntry{bucket: bucketAuditByActor, key: indexKey(e.Actor, e.ID), value: e.Scope})
	}
	if data.IsSignIn(e.Action) {
		out = append(out, indexEntry{bucket: bucketAuditSignIns, key: indexKey(startKey(e.At), e.ID)})
	}
	return out
}

type auditRecord struct {
	ID           string `json:"id"`
	At           string `json:"at"`
	Actor        string `json:"actor"`
	Organisation string `json:"organisation"`
	Scope        string `json:"scope,omitempty"` // absent in entries written before scopes
	Action       string `json:"action"`
	EntityType   string `json:"entityType"`
	EntityID     string `json:"entityId"`
}

func fromEntry(e data.AuditEntry) auditRecord {
	return auditRecord{
		ID: e.ID, At: encodeTime(e.At), Actor: e.Actor, Organisation: e.Organisation, Scope: e.Scope,
		Action: string(e.Action), EntityType: string(e.EntityType), EntityID: e.EntityID,
	}
}

func (r auditRecord) toEntry() data.AuditEntry {
	return data.AuditEntry{
		ID: r.ID, At: decodeTime(r.At), Actor: r.Actor, Organisation: r.Organisation, Scope: r.Scope,
		Action: data.Action(r.Action), EntityType: data.EntityType(r.EntityType), EntityID: r.EntityID,
	}
}

// putAudit stores e and its index entries in tx; ErrDuplicate when its ID is
// taken, which rolls back the whole transaction. Writes land entries
// through putChange, which calls it for each entry of their change.
func putAudit(tx *bolt.Tx, e data.AuditEntry) error {
	b := tx.Bucket(bucketAudit)
	if b.Get([]byte(e.ID)) != nil {
		return fmt.Errorf("audit entry %s: %w", e.ID, data.ErrDuplicate)
	}
	if err := writeIndexes(tx, nil, auditIndexes(e)); err != nil {
		return err
	}
	// Every entry moves the log's version, in the entry's transaction:
	// the newest entries kept per scope (newestOfScopes) are read at a
	// version, and never served at another.
	if _, err := b.NextSequence(); err != nil {
		return err
	}
	return put(b, e.ID, fromEntry(e))
}

// ListAudit reads the page's IDs off an index, newest first, then the page's
// entries: by entity (keeping those in Scopes), by actor (likewise), by the
// scopes merged, or the whole log. The service as actor is a
// *data.ValidationError: its entries are not kept by actor.
func (s *Store) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	if q.EntityID == "" && q.Actor == data.ActorSystem {
		return data.Page[data.AuditEntry]{}, invalid("actor", "may not be the service itself")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.AuditEntry]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		if q.EntityID == "" && q.Actor == "" && q.Before == "" && len(q.Scopes) > 0 {
			page, err = s.newestOfScopes(tx, q.Scopes, limit)
			return err
		}
		page, err = cachedPageOf(tx.Bucket(bucketAudit), auditIDs(tx, q, limit+1), limit, s.audit)
		return err
	})
	return page, err
}

// newestOfScopes is the first page of the scopes' entries, newest first:
// what every poll of a calendar feed reads for its ETag. It is kept per
// scopes and size at the log's version (moved by every entry, see
// putAudit), so polls between changes read no index and no record, and a
// change is seen by the next read.
func (s *Store) newestOfScopes(tx *bolt.Tx, scopes []string, limit int) (data.Page[data.AuditEntry], error) {
	entries, err := s.newestEntries(tx, scopes, limit)
	if err != nil {
		return data.Page[data.AuditEntry]{}, err
	}
	var page data.Page[data.AuditEntry]
	if len(entries) > limit {
		page.Next = entries[limit-1].ID
	}
	page.Items = slices.Clone(entries[:min(limit, len(entries))]) // entries have no slices: a shallow copy is theirs
	return page, nil
}

// newestEntries returns the scopes' limit+1 newest entries (fewer when
// there are no more), kept as newestOfScopes says: shared, never change
// them.
func (s *Store) newestEntries(tx *bolt.Tx, scopes []string, limit int) ([]data.AuditEntry, error) {
	return s.newestEntriesAt(tx, tx.Bucket(bucketAudit).Sequence(), newestKey(scopes, limit), scopes, limit)
}

// newestKey names the newest limit entries of the scopes among the
// listings kept.
func newestKey(scopes []string, limit int) string {
	var buf [128]byte // one allocation, the key itself, for most
	b := buf[:0]
	for _, scope := range scopes {
		b = append(append(b, scope...), 0)
	}
	return string(strconv.AppendInt(b, int64(limit), 10))
}

// newestEntriesAt is newestEntries for tx at the log's version, the
// listing named key.
func (s *Store) newestEntriesAt(tx *bolt.Tx, version uint64, key string, scopes []string, limit int) ([]data.AuditEntry, error) {
	entries, ok := s.audit.lists.get(version, key)
	if !ok {
		page, err := cachedPageOf(tx.Bucket(bucketAudit), auditIDs(tx, data.AuditQuery{Scopes: scopes}, limit+1), limit+1, s.audit)
		if err != nil {
			return nil, err
		}
		entries = page.Items
		s.audit.lists.put(version, key, entries)
	}
	return entries, nil
}

// NewestAudit marks the scopes' newest n entries, from the listing
// newestOfScopes keeps: a poll of a feed between changes reads no index,
// no record, and copies nothing.
func (s *Store) NewestAudit(ctx context.Context, scopes []string, n int) (data.AuditMark, error) {
	if err := data.CheckNewestAudit(scopes, n); err != nil {
		return data.AuditMark{}, err
	}
	var m data.AuditMark
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		m, err = s.newestMark(tx, scopes, n)
		return err
	})
	return m, err
}

// newestMark marks the scopes' newest n entries in tx (see NewestAudit).
// The mark is kept as the listing it marks is (newestOfScopes), at the
// log's version: polls between changes hash nothing.
func (s *Store) newestMark(tx *bolt.Tx, scopes []string, n int) (data.AuditMark, error) {
	version, key := tx.Bucket(bucketAudit).Sequence(), newestKey(scopes, n)
	if m, ok := s.marks.get(version, key); ok {
		return m[0], nil
	}
	entries, err := s.newestEntriesAt(tx, version, key, scopes, n)
	if err != nil {
		return data.AuditMark{}, err
	}
	m := data.MarkOf(entries[:min(n, len(entries))])
	s.marks.put(version, key, []data.AuditMark{m})
	return m, nil
}

// auditIDs returns the IDs of up to n entries matching q, newest first.
func auditIDs(tx *bolt.Tx, q data.AuditQuery, n int) []string {
	switch {
	case q.EntityID != "":
		var keep func([]byte) bool
		if len(q.Scopes) > 0 {
			keep = func(scope []byte) bool { return slices.Contains(q.Scopes, string(scope)) }
		}
		return seekIndex(tx.Bucket([]byte(bucketAuditByEntity)), indexPrefix(q.EntityID), q.Before, true).take(n, keep)
	case q.Actor != "":
		var keep func([]byte) bool
		if len(q.Scopes) > 0 {
			keep = func(scope []byte) bool { return slices.Contains(q.Scopes, string(scope)) }
		}
		return seekIndex(tx.Bucket([]byte(bucketAuditByActor)), indexPrefix(q.Actor), q.Before, true).take(n, keep)
	case len(q.Scopes) > 0:
		b := tx.Bucket([]byte(bucketAuditByScope))
		walks := make([]*indexCursor, len(q.Scopes))
		for i, scope := range q.Scopes {
			walks[i] = seekIndex(b, indexPrefix(scope), q.Before, true)
		}
		return merge(walks, n)
	default:
		return seekIndex(tx.Bucket(bucketAudit), nil, q.Before, true).take(n, nil)
	}
}
