package data

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
)

// AuditEntry records who did what to which record, and when. Entries are
// append-only: no store method updates or deletes one. They never hold the
// values that changed, only the fact of the change.
//
// Every change to a record lands in the store together with its entries
// (the Change every write method takes), so a stored change always has its
// entry and an entry always describes a stored change.
type AuditEntry struct {
	ID           string
	At           time.Time
	Actor        string // the acting user's ID, or ActorSystem
	Organisation string // the actor's organisation
	// Scope is whose history the entry belongs to: ScopeRegister for the
	// interpreter register, which every coordinator keeps jointly, or the
	// organisation that owns the entity (a user, a case, a booking).
	Scope      string
	Action     Action
	EntityType EntityType
	EntityID   string
}

// Action names what an audit entry records. Its text is stable: it is
// stored, listed by GET /v1/audit and shown on the pages.
type Action string

// The audit actions.
const (
	ActionUserCreated Action = "user.created"
	ActionKeyIssued   Action = "apikey.issued"
	ActionKeyRevoked  Action = "apikey.revoked"

	ActionInterpreterCreated       Action = "interpreter.created"
	ActionInterpreterUpdated       Action = "interpreter.updated"
	ActionInterpreterReadSensitive Action = "interpreter.read_sensitive"
	// ActionInterpreterExported is a copy of everything held about an
	// interpreter (subject access), sensitive fields included.
	ActionInterpreterExported Action = "interpreter.exported"
	ActionVettingApprove      Action = "interpreter.vetting.approve"
	ActionVettingReject       Action = "interpreter.vetting.reject"
	ActionVettingSuspend      Action = "interpreter.vetting.suspend"
	ActionVettingLeave        Action = "interpreter.vetting.leave"
	// ActionInterpreterHoldPlaced and ActionInterpreterHoldLifted are a
	// legal hold on an interpreter placed and lifted.
	ActionInterpreterHoldPlaced Action = "interpreter.legal_hold.placed"
	ActionInterpreterHoldLifted Action = "interpreter.legal_hold.lifted"
	// ActionInterpreterAnonymised is retention's tombstone of an
	// interpreter record (see Interpreter.Anonymise), by ActorSystem.
	ActionInterpreterAnonymised Action = "interpreter.anonymised"
	// ActionUserAnonymised is retention's tombstone of the user account
	// of an interpreter whose record it anonymised (see User.Anonymise).
	ActionUserAnonymised      Action = "user.anonymised"
	ActionAvailabilityUpdated Action = "interpreter.availability.updated"

	ActionCaseCreated Action = "case.created"
	ActionCaseUpdated Action = "case.updated"
	// ActionCaseHoldPlaced and ActionCaseHoldLifted are a legal hold on
	// a case placed and lifted: while it holds, retention leaves the case
	// and its bookings alone.
	ActionCaseHoldPlaced Action = "case.legal_hold.placed"
	ActionCaseHoldLifted Action = "case.legal_hold.lifted"
	// ActionCaseLinksChanged is the entry of an update of a case that
	// changed what matching screens against interpreters' community links
	// (the child's links, avoidOwnCommunity, the reference or a linked
	// reference), in place of ActionCaseUpdated: one entry per version
	// still, and a day's changes of one case are counted off the index by
	// entity.
	ActionCaseLinksChanged Action = "case.links_changed"
	// ActionCaseClosed and ActionCaseReopened are a case closed and
	// reopened (see Case.Closed).
	ActionCaseClosed   Action = "case.closed"
	ActionCaseReopened Action = "case.reopened"
	// ActionCaseAnonymised is retention's tombstone of a case (see
	// Case.Anonymise), by ActorSystem.
	ActionCaseAnonymised Action = "case.anonymised"
	// ActionCaseLinksChurn is a notice to coordinators that a case's
	// screened fields changed more often in a day than the policy lets
	// pass unremarked; its actor made the change. It changes nothing, and
	// lands in NoticeScope of the case's organisation.
	ActionCaseLinksChurn Action = "case.links_churn"
	// ActionUserCaseLinksChanged is about the acting user, beside the
	// case's own entry, when they create a case with screened fields or
	// change them: a day's count per user is read off the index by entity.
	ActionUserCaseLinksChanged Action = "user.case_links_changed"

	ActionBookingCreated     Action = "booking.created"
	ActionBookingRescheduled Action = "booking.rescheduled"
	ActionBookingRelocated   Action = "booking.relocated"
	ActionBookingCancelled   Action = "booking.cancelled"
	ActionBookingWithdrawn   Action = "booking.withdrawn"
	ActionBookingOutcome     Action = "booking.outcome"
	// ActionSafeguardingIncident lands with an outcome whose checklist
	// says the interpreter was alone with the child.
	ActionSafeguardingIncident Action = "booking.safeguarding_incident"
	// ActionBookingDistressing is the interpreter marking an interview
	// they did as distressing.
	ActionBookingDistressing Action = "booking.distressing"
	// ActionBookingWithdrawalDismissed is the user who booked dismissing
	// the notice that a rule withdrew their booking.
	ActionBookingWithdrawalDismissed Action = "booking.withdrawal_dismissed"
	// ActionBookingAnonymised is retention's tombstone of a booking: it
	// was anonymised (see Booking.Anonymise), by ActorSystem.
	ActionBookingAnonymised Action = "booking.anonymised"

	ActionOfferCreated   Action = "offer.created"
	ActionOfferAccepted  Action = "offer.accepted"
	ActionOfferDeclined  Action = "offer.declined"
	ActionOfferExpired   Action = "offer.expired"
	ActionOfferWithdrawn Action = "offer.withdrawn"
	ActionOfferCancelled Action = "offer.cancelled"
	// ActionOfferAnonymised is retention's tombstone of an offer (see
	// Offer.Anonymise), by ActorSystem.
	ActionOfferAnonymised Action = "offer.anonymised"

	// ActionTransferRequested, ActionTransferAccepted and
	// ActionTransferDeclined are a case's transfer to another organisation
	// asked for, accepted and declined. Each lands as entries about the
	// transfer in both organisations' scopes (both sides' audits hold it),
	// about the sending case in the sender's, and, on acceptance, about
	// the new case in the receiver's.
	ActionTransferRequested Action = "transfer.requested"
	ActionTransferAccepted  Action = "transfer.accepted"
	ActionTransferDeclined  Action = "transfer.declined"
	// ActionTransferWithdrawn is a pending transfer taken back by its
	// sender, audited as the others are.
	ActionTransferWithdrawn Action = "transfer.withdrawn"

	// ActionUnmetNeedRecorded is a search that found no eligible
	// interpreter, recorded as unmet need (an unfilled offer's entry lands
	// with the offer's own change instead).
	ActionUnmetNeedRecorded Action = "unmet_need.recorded"

	ActionMessageRetried   Action = "message.retried"
	ActionMessageScheduled Action = "message.scheduled"
	// ActionMessagePruned is retention's tombstone of a message whose
	// address and bodies it removed (see Message.Prune), by ActorSystem.
	ActionMessagePruned Action = "message.pruned"

	// ActionStoreBackedUp is a copy of the whole store taken by the
	// bootstrap admin; it lands before the copy is taken, so the copy
	// holds it.
	ActionStoreBackedUp Action = "store.backed_up"

	ActionFeedCreated Action = "feed.created"
	ActionFeedRevoked Action = "feed.revoked"

	ActionSessionStartedKey  Action = "session.started.key"
	ActionSessionStartedOIDC Action = "session.started.oidc"
	ActionSessionEnded       Action = "session.ended"
	ActionSessionExpired     Action = "session.expired"
	ActionSessionRevoked     Action = "session.revoked"
	ActionSignInFailedKey    Action = "signin.failed.key"
	ActionSignInFailedOIDC   Action = "signin.failed.oidc"
	ActionSessionStartedLink Action = "session.started.link"
	ActionSignInFailedLink   Action = "signin.failed.link"
	ActionSignInLinkSent     Action = "signin.link.sent"
	// ActionSignInsDeleted is retention's tombstone of sign-in entries it
	// deleted, and ActionSessionsDeleted of sessions: one per organisation
	// and run's page, about the whole store, by ActorSystem.
	ActionSignInsDeleted  Action = "audit.signins_deleted"
	ActionSessionsDeleted Action = "sessions.deleted"
)

// SignInActions are the actions of the sign-in audit: sessions started,
// ended, expired and revoked, sign-ins that failed, sign-in links sent.
// Retention deletes them after their period (AuditStore.DeleteSignIns).
var SignInActions = []Action{
	ActionSessionStartedKey, ActionSessionStartedOIDC, ActionSessionStartedLink, ActionSessionEnded, ActionSessionExpired,
	ActionSessionRevoked, ActionSignInFailedKey, ActionSignInFailedOIDC, ActionSignInFailedLink, ActionSignInLinkSent,
}

// IsSignIn reports whether a is one of SignInActions.
func IsSignIn(a Action) bool { return oneOf(a, SignInActions) }

// VettingAction is the audit action of a vetting decision.
func VettingAction(d Decision) Action { return Action("interpreter.vetting." + string(d)) }

// EntityType names the kind of record an audit entry is about.
type EntityType string

// The entity types.
const (
	EntityUser        EntityType = "user"
	EntityInterpreter EntityType = "interpreter"
	EntityCase        EntityType = "case"
	EntityBooking     EntityType = "booking"
	EntityOffer       EntityType = "offer"
	EntityMessage     EntityType = "message"
	EntityFeed        EntityType = "feed"
	// EntityTransfer is a case's transfer between organisations.
	EntityTransfer EntityType = "transfer"
	// EntityUnmetNeed is an entry of unmet need (UnmetNeed).
	EntityUnmetNeed EntityType = "unmet_need"
	// EntityStore is the whole store, as a backup copies it; its entity
	// ID is StoreEntityID.
	EntityStore EntityType = "store"
)

// StoreEntityID is the entity ID of entries about the whole store.
const StoreEntityID = "store"

// ScopeRegister is the Scope of entries about interpreter records: the one
// register kept jointly by every coordinator of the deployment.
const ScopeRegister = "register"

// NoticeScope is the Scope of the notices to an organisation's
// coordinators (ActionCaseLinksChurn), kept apart from its other entries
// so that its coordinators' home page lists them off the index by scope,
// however busy the organisation's log is. No organisation name holds a
// colon, so no notice scope is an organisation's.
func NoticeScope(organisation string) string { return "notices:" + organisation }

// ActorSystem is the actor of entries written by the service itself, such as
// the bootstrap admin, demo data and expired sessions.
const ActorSystem = "system"

// AuditQuery selects audit entries, newest first. Empty fields do not filter.
type AuditQuery struct {
	EntityID string
	// Actor, when set (and EntityID is not), keeps the entries of what this
	// user did, whatever record it was about (off an index of its own).
	// Entries of ActorSystem are not kept by actor: Actor may not be it.
	Actor string
	// Scopes, when not empty, keeps only entries whose Scope is one of these.
	Scopes []string
	// Before is a cursor: only entries older than the entry with this ID.
	Before string
	Limit  int
}

// NewAuditEntry returns an entry stamped now, with a fresh ID, in the given scope.
func NewAuditEntry(now time.Time, actor User, scope string, action Action, entityType EntityType, entityID string) AuditEntry {
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

// AuditStore keeps the audit log, and lands changes that touch no record.
type AuditStore interface {
	// AppendChange lands a change that touches no record: a sensitive read,
	// a sign-in that failed. Its entries are never updated or deleted.
	// ErrDuplicate when an entry's ID is taken; ErrInvalid when the change
	// fails Change.Check. Nothing is written on error.
	AppendChange(ctx context.Context, ch Change) error
	// ListAudit returns entries matching q, newest first.
	ListAudit(ctx context.Context, q AuditQuery) (Page[AuditEntry], error)
	// SignInsBefore returns the sign-in entries (SignInActions) made
	// before before, in every organisation, by time then ID, after the
	// entry named by after ("" for the first page). ErrInvalid when after
	// names no entry.
	SignInsBefore(ctx context.Context, before time.Time, after string, limit int) (Page[AuditEntry], error)
	// DeleteSignIns deletes the sign-in entries with these IDs (an ID
	// naming none is skipped) and lands ch, the deletion's tombstone: the
	// one exception to entries never being deleted, for retention.
	// ErrInvalid when an ID names an entry that is not a sign-in, or ch
	// fails Change.Check; nothing is deleted then. A store without
	// multi-document atomicity lands ch first, so a crash between leaves
	// a tombstone of entries still there, which the next run deletes.
	DeleteSignIns(ctx context.Context, ids []string, ch Change) error
	// NewestAudit returns the mark (MarkOf) of the newest n entries of
	// the scopes (at least one), those ListAudit lists first for them with
	// limit n: what a calendar feed's ETag covers, polled far more often
	// than anything changes, without a page of entries to copy. Errors:
	// the context's, ErrClosed; ErrInvalid without a scope or for n
	// outside 1 to MaxPageSize.
	NewestAudit(ctx context.Context, scopes []string, n int) (AuditMark, error)
}

// AuditMark sums up some audit entries: two marks are equal when they were
// taken of the same entries in the same order.
type AuditMark struct {
	// Digest is SHA-256 of the entries' IDs, each followed by a NUL.
	Digest [sha256.Size]byte
	// Latest is the latest At among them; zero for none.
	Latest time.Time
}

// MarkOf returns the mark of entries.
func MarkOf(entries []AuditEntry) AuditMark {
	var m AuditMark
	var buf [2048]byte // most marks' IDs fit: nothing to allocate
	b := buf[:0]
	for _, e := range entries {
		b = append(append(b, e.ID...), 0)
		if e.At.After(m.Latest) {
			m.Latest = e.At
		}
	}
	m.Digest = sha256.Sum256(b)
	return m
}

// CheckNewestAudit returns the ErrInvalid of NewestAudit's arguments, or nil.
func CheckNewestAudit(scopes []string, n int) error {
	if len(scopes) == 0 || n < 1 || n > MaxPageSize {
		return fmt.Errorf("newest audit entries of %d scopes, %d of them: %w", len(scopes), n, ErrInvalid)
	}
	return nil
}
