package data

import "time"

// AuditEntry records who did what to which record, and when. Entries are
// append-only: no store method updates or deletes one. They never hold the
// values that changed, only the fact of the change.
//
// Every change to a record lands in the store together with its entry (the
// write methods of Store take it), so a stored change always has its entry
// and an entry always describes a stored change.
type AuditEntry struct {
	ID           string
	At           time.Time
	Actor        string // the acting user's ID, or "system"
	Organisation string // the actor's organisation
	// Scope is whose history the entry belongs to: ScopeRegister for the
	// interpreter register, which every coordinator keeps jointly, or the
	// organisation that owns the entity (a user, a case, a booking).
	Scope      string
	Action     string // e.g. "user.created", "interpreter.read_sensitive"
	EntityType string // "user", "interpreter", ...
	EntityID   string
}

// ScopeRegister is the Scope of entries about interpreter records: the one
// register kept jointly by every coordinator of the deployment.
const ScopeRegister = "register"

// ActorSystem is the actor of entries written by the service itself, such as
// the bootstrap admin and demo data.
const ActorSystem = "system"

// AuditQuery selects audit entries, newest first. Empty fields do not filter.
type AuditQuery struct {
	EntityID string
	// Scopes, when not empty, keeps only entries whose Scope is one of these.
	Scopes []string
	// Before is a cursor: only entries older than the entry with this ID.
	Before string
	Limit  int
}

// NewAuditEntry returns an entry stamped now, with a fresh ID, in the given scope.
func NewAuditEntry(now time.Time, actor User, scope, action, entityType, entityID string) AuditEntry {
	return AuditEntry{
		ID:           NewID(now),
		At:           Timestamp(now),
		Actor:        actor.ID,
		Organisation: actor.Organisation,
		Scope:        scope,
		Action:       action,
		EntityType:   entityType,
		EntityID:     entityID,
	}
}
