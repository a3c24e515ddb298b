package data

import "time"

// AuditEntry records who did what to which record, and when. Entries are
// append-only: no store method updates or deletes one. They never hold the
// values that changed, only the fact of the change.
type AuditEntry struct {
	ID           string
	At           time.Time
	Actor        string // the acting user's ID, or "system"
	Organisation string // the actor's organisation
	Action       string // e.g. "user.created", "interpreter.read_sensitive"
	EntityType   string // "user", "interpreter", ...
	EntityID     string
}

// ActorSystem is the actor of entries written by the service itself, such as
// the bootstrap admin and demo data.
const ActorSystem = "system"

// AuditQuery selects audit entries, newest first. Empty fields do not filter.
type AuditQuery struct {
	EntityID     string
	Organisation string
	// Before is a cursor: only entries older than the entry with this ID.
	Before string
	Limit  int
}

// NewAuditEntry returns an entry stamped now, with a fresh ID.
func NewAuditEntry(now time.Time, actor User, action, entityType, entityID string) AuditEntry {
	return AuditEntry{
		ID:           NewID(now),
		At:           Timestamp(now),
		Actor:        actor.ID,
		Organisation: actor.Organisation,
		Action:       action,
		EntityType:   entityType,
		EntityID:     entityID,
	}
}
