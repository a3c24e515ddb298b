package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// Export is everything tolk holds about one interpreter, for their
// subject access request: their record (availability included), their own
// user account (if they have one) with its audit (sign-ins, sign-outs,
// keys), what they did as that user on other records, and, from every
// organisation, their invitations and answers, their bookings, the audit
// entries about their record and the messages about them (to them, or
// about them to others: whom their data went to).
//
// It never holds anything about a child (no case reference, case, age
// band, outcome note or comfort), nor about other people: no other
// invitee, no name, address or user ID of the staff involved (an
// organisation and a role stand for them), no message's address or body,
// no location or free-text cancellation reason, and no hard-rule reasons
// (excluded_by_case or community_conflict would disclose a case's
// exclusions or a child's community). Language is the interview's
// language.
type Export struct {
	At            time.Time
	Interpreter   data.Interpreter
	Invitations   []ExportInvitation
	Bookings      []ExportBooking
	Audit         []ExportAuditEntry
	Notifications []ExportNotification
	// Account is their own user account, nil when they have none;
	// AccountAudit the entries about it (its sign-ins above all) and
	// Actions what they did as that user, on any record.
	Account      *ExportAccount
	AccountAudit []ExportAuditEntry
	Actions      []ExportAction
}

// ExportAccount is the interpreter's own user account: never its key.
type ExportAccount struct {
	ID            string
	Name          string
	Email         string
	Role          data.Role
	Organisation  string
	AccessRevoked bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ExportAction is one thing the interpreter did as their user: when,
// what, and on which record (an offer they answered, a booking they
// marked, their own record or account).
type ExportAction struct {
	At         time.Time
	Action     data.Action
	EntityType data.EntityType
	EntityID   string
}

// ExportInvitation is one invitation of the interpreter, as they answered it.
type ExportInvitation struct {
	OfferID       string
	Organisation  string
	Status        data.InvitationStatus
	Asked         time.Time
	RespondBy     time.Time
	Answered      time.Time
	Decline       data.DeclineReason
	Start, End    time.Time
	InterviewType data.InterviewType
	Modality      data.Modality
	Language      string
	BookingID     string // when they accepted
}

// ExportBooking is one booking of the interpreter.
type ExportBooking struct {
	ID            string
	Organisation  string
	Start, End    time.Time
	Language      string
	InterviewType data.InterviewType
	Modality      data.Modality
	Status        data.BookingStatus
	Confirmation  data.Confirmation
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ExportAuditEntry is one audit entry about the interpreter's record: when,
// what, and the organisation of whoever acted (never who).
type ExportAuditEntry struct {
	At           time.Time
	Action       data.Action
	Organisation string
}

// ExportNotification is one message about the interpreter: what kind, to
// whom by role and organisation, and how its delivery went.
type ExportNotification struct {
	ID            string
	Kind          data.MessageKind
	Organisation  string
	RecipientRole data.Role
	Status        data.MessageStatus
	CreatedAt     time.Time
	SentAt        time.Time
	Attempts      int
}

// ExportInterpreter returns everything held about one interpreter, to a
// coordinator or to the interpreter themself (anyone else: not found, or
// forbidden). It discloses the full record, so it lands its audit entry
// (data.ActionInterpreterExported) first: no entry, no export. Every list
// is read page by page off an index (an interpreter's offers, bookings,
// audit entries and messages), and each case once, by ID, for its
// language.
func (a *App) ExportInterpreter(ctx context.Context, actor data.User, id string) (Export, error) {
	if !self(actor, id) {
		if err := require(actor, data.RoleCoordinator); err != nil {
			return Export{}, err
		}
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return Export{}, err
	}
	now := a.stamp()
	if err := a.store.AppendChange(ctx, audited(now, actor, data.ScopeRegister, data.ActionInterpreterExported, data.EntityInterpreter, id)); err != nil {
		return Export{}, fmt.Errorf("audit of an export: %w", err)
	}
	out := Export{At: now, Interpreter: in}
	languages := caseLanguages{a: a, seen: map[string]string{}}

	offers, err := allPages(func(cursor string) (data.Page[data.Offer], error) {
		return a.store.ListOffers(ctx, data.OfferQuery{InterpreterID: id, Before: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return Export{}, err
	}
	for _, o := range offers {
		o = o.AsOf(now)
		i := o.Invitation(id)
		if i < 0 {
			continue
		}
		inv := o.Invitations[i]
		lang, err := languages.of(ctx, o.CaseID)
		if err != nil {
			return Export{}, err
		}
		e := ExportInvitation{OfferID: o.ID, Organisation: o.Organisation, Status: inv.Status, Asked: inv.Asked, RespondBy: inv.RespondBy,
			Answered: inv.Answered, Decline: inv.Decline, Start: o.Start, End: o.End, InterviewType: o.InterviewType, Modality: o.Modality, Language: lang}
		if inv.Status == data.InvitationAccepted {
			e.BookingID = o.BookingID
		}
		out.Invitations = append(out.Invitations, e)
	}

	bookings, err := allPages(func(cursor string) (data.Page[data.Booking], error) {
		return a.store.ListBookings(ctx, data.BookingQuery{InterpreterID: id, After: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return Export{}, err
	}
	for _, b := range bookings {
		lang, err := languages.of(ctx, b.CaseID)
		if err != nil {
			return Export{}, err
		}
		out.Bookings = append(out.Bookings, ExportBooking{ID: b.ID, Organisation: b.Organisation, Start: b.Start, End: b.End, Language: lang,
			InterviewType: b.InterviewType, Modality: b.Modality, Status: b.Status, Confirmation: b.Confirmation, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt})
	}

	entries, err := allPages(func(cursor string) (data.Page[data.AuditEntry], error) {
		return a.store.ListAudit(ctx, data.AuditQuery{EntityID: id, Before: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return Export{}, err
	}
	for _, e := range entries {
		out.Audit = append(out.Audit, ExportAuditEntry{At: e.At, Action: e.Action, Organisation: e.Organisation})
	}

	messages, err := allPages(func(cursor string) (data.Page[data.Message], error) {
		return a.store.ListMessages(ctx, data.MessageQuery{InterpreterID: id, Before: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return Export{}, err
	}
	for _, m := range messages {
		out.Notifications = append(out.Notifications, ExportNotification{ID: m.ID, Kind: m.Kind, Organisation: m.Organisation,
			RecipientRole: m.RecipientRole, Status: m.Status, CreatedAt: m.CreatedAt, SentAt: m.SentAt, Attempts: m.Attempts})
	}
	if err := a.exportAccount(ctx, id, &out); err != nil {
		return Export{}, err
	}
	return out, nil
}

// exportAccount adds the interpreter's own user account, the audit about
// it and what they did as it, each list read off its index (entries by
// entity, entries by actor).
func (a *App) exportAccount(ctx context.Context, interpreterID string, out *Export) error {
	u, err := a.store.UserByInterpreter(ctx, interpreterID)
	if errors.Is(err, data.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	out.Account = &ExportAccount{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Organisation: u.Organisation,
		AccessRevoked: u.AccessRevoked, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	about, err := allPages(func(cursor string) (data.Page[data.AuditEntry], error) {
		return a.store.ListAudit(ctx, data.AuditQuery{EntityID: u.ID, Before: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return err
	}
	for _, e := range about {
		out.AccountAudit = append(out.AccountAudit, ExportAuditEntry{At: e.At, Action: e.Action, Organisation: e.Organisation})
	}
	did, err := allPages(func(cursor string) (data.Page[data.AuditEntry], error) {
		return a.store.ListAudit(ctx, data.AuditQuery{Actor: u.ID, Before: cursor, Limit: data.MaxPageSize})
	})
	if err != nil {
		return err
	}
	for _, e := range did {
		out.Actions = append(out.Actions, ExportAction{At: e.At, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID})
	}
	return nil
}

// maxExportPages bounds each list of an export: a page of
// data.MaxPageSize at a time, far beyond any interpreter's working life.
const maxExportPages = 1000

// allPages reads every page of a listing, from the first.
func allPages[T any](list func(cursor string) (data.Page[T], error)) ([]T, error) {
	var out []T
	cursor := ""
	for range maxExportPages {
		page, err := list(cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
	return nil, fmt.Errorf("a listing of more than %d pages", maxExportPages)
}

// caseLanguages reads each case once, for the interview's language (the
// child's preferred one): nothing else of the case leaves it.
type caseLanguages struct {
	a    *App
	seen map[string]string
}

func (c caseLanguages) of(ctx context.Context, caseID string) (string, error) {
	if lang, ok := c.seen[caseID]; ok {
		return lang, nil
	}
	cs, err := c.a.store.Case(ctx, caseID)
	if err != nil {
		return "", fmt.Errorf("case %s: %w", caseID, err)
	}
	lang := ""
	if len(cs.Child.Languages) > 0 {
		lang = cs.Child.Languages[0]
	}
	c.seen[caseID] = lang
	return lang, nil
}
