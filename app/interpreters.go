package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Interpreter is a record as one actor may see it. Full is set for
// coordinators reading one record; otherwise the sensitive fields (phone,
// certificate number, community links, vetting note) are cleared and must
// not be shown.
type Interpreter struct {
	data.Interpreter
	Full bool
}

// View is what a change of a record (CreateInterpreter, UpdateInterpreter,
// DecideVetting) answers. A front door asks for the full record only when
// it shows the answer; the app then audits the disclosure with the change.
type View int

const (
	// ViewReduced, the default, answers the reduced view and records no
	// read: for a caller that shows nothing of the answer (the pages send
	// the browser on to the record's page, an audited read of its own).
	ViewReduced View = iota
	// ViewFull answers the full record, and lands the change with two audit
	// entries in its one write: the change's own, then the actor's
	// interpreter.read_sensitive of the record it answers. The change and
	// its read land together or not at all, so no answer discloses the
	// sensitive fields without its entry.
	ViewFull
)

// full reports whether view, a change's optional last argument, asks for
// the full record.
func full(view []View) bool { return len(view) > 0 && view[len(view)-1] == ViewFull }

// withRead returns ch, a change of the record id, with the actor's read of
// the full record added when view asks for the full record.
func withRead(ch data.Change, now time.Time, actor data.User, id string, view []View) data.Change {
	if full(view) {
		ch.Audit = append(ch.Audit, data.NewAuditEntry(now, actor, data.ScopeRegister, data.ActionInterpreterReadSensitive, data.EntityInterpreter, id))
	}
	return ch
}

// shown returns the changed record in the view asked for: the full record
// (whose read landed with the change, see withRead) or the reduced view.
func shown(in data.Interpreter, view []View) Interpreter {
	if full(view) {
		return Interpreter{Interpreter: in, Full: true}
	}
	return reduced(in)
}

// reduced clears the sensitive fields.
func reduced(in data.Interpreter) Interpreter {
	in.Phone = ""
	in.Clearance.Certificate = ""
	in.CommunityLinks = nil
	in.Vetting.Note = ""
	in.Availability = data.Availability{} // the interpreter's own and coordinators'
	return Interpreter{Interpreter: in}
}

// CreateInterpreter stores a new record awaiting vetting. fields carries
// what the coordinator entered; its ID, vetting, version and timestamps are
// set here. It answers the record in the view asked for (ViewReduced
// unless view is ViewFull, whose read is audited with the creation).
func (a *App) CreateInterpreter(ctx context.Context, actor data.User, fields data.Interpreter, view ...View) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	now := a.stamp()
	in := fields
	in.Normalize()
	in.ID = a.newID(fields.ID, now)
	in.Vetting = data.Vetting{Status: data.VettingPending}
	in.Availability = data.Availability{} // declared through UpdateAvailability
	in.Version = 1
	in.CreatedAt, in.UpdatedAt = now, now
	if err := in.Validate(); err != nil {
		return Interpreter{}, err
	}
	ch := withRead(audited(now, actor, data.ScopeRegister, data.ActionInterpreterCreated, data.EntityInterpreter, in.ID), now, actor, in.ID, view)
	if err := a.store.CreateInterpreter(ctx, in, ch); err != nil {
		return Interpreter{}, err
	}
	return shown(in, view), nil
}

// GetInterpreter shows a coordinator, and the interpreter themself, the
// full record, writing the audit entry of this sensitive read before
// disclosing it (no entry, no record); a social worker gets the reduced
// view; any other interpreter is ErrNotFound.
func (a *App) GetInterpreter(ctx context.Context, actor data.User, id string) (Interpreter, error) {
	if err := mayRead(actor, id); err != nil {
		return Interpreter{}, err
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return Interpreter{}, err
	}
	if actor.Role == data.RoleSocialWorker {
		return reduced(in), nil
	}
	read := audited(a.now(), actor, data.ScopeRegister, data.ActionInterpreterReadSensitive, data.EntityInterpreter, in.ID)
	if err := a.store.AppendChange(ctx, read); err != nil {
		return Interpreter{}, fmt.Errorf("audit of a sensitive read: %w", err)
	}
	return Interpreter{Interpreter: in, Full: true}, nil
}

// InterpreterVersion returns the version of the record id to an actor
// GetInterpreter would show it to, with GetInterpreter's refusals, reading
// nothing sensitive and writing no audit entry: what a HEAD of the record
// answers (its ETag), which discloses no field.
func (a *App) InterpreterVersion(ctx context.Context, actor data.User, id string) (int64, error) {
	if err := mayRead(actor, id); err != nil {
		return 0, err
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return 0, err
	}
	return in.Version, nil
}

// mayRead refuses an actor who may read no view of the record id: anyone
// but coordinators, social workers and the interpreter themself.
func mayRead(actor data.User, id string) error {
	if self(actor, id) {
		return nil
	}
	return require(actor, data.RoleCoordinator, data.RoleSocialWorker)
}

// InterpreterFilter is what a caller may ask of the register listing.
type InterpreterFilter struct {
	Language string // a BCP 47 tag, matched as a language (ar finds apd)
	Status   data.VettingStatus
	// Search finds records by email (when it holds an @) or by the start
	// of the name, case and accents aside; it does not combine with
	// Language.
	Search string
	// ByName lists in name order instead of creation order.
	ByName bool
	Cursor string
	Limit  int
}

// ListInterpreters pages through the register in creation order, in the
// reduced view for everyone (the full record is one audited read away).
// Social workers see approved interpreters unless they ask for a status.
func (a *App) ListInterpreters(ctx context.Context, actor data.User, f InterpreterFilter) (data.Page[Interpreter], error) {
	if err := require(actor, data.RoleCoordinator, data.RoleSocialWorker); err != nil {
		return data.Page[Interpreter]{}, err
	}
	q := data.InterpreterQuery{Status: f.Status, After: f.Cursor, Limit: f.Limit, ByName: f.ByName}
	switch search := strings.TrimSpace(f.Search); {
	case search != "" && f.Language != "":
		return data.Page[Interpreter]{}, invalid("search", "searches the whole register: leave the language empty, or the search")
	case strings.Contains(search, "@"):
		q.Email, q.ByName = search, false
	case search != "":
		q.NamePrefix = search
	}
	if len(f.Search) > data.MaxEmailLength {
		return data.Page[Interpreter]{}, invalid("search", fmt.Sprintf("must be at most %d characters", data.MaxEmailLength))
	}
	if f.Language != "" && f.ByName {
		return data.Page[Interpreter]{}, invalid("sort", "by name lists the whole register: leave the language empty")
	}
	if f.Language != "" {
		canonical, err := data.CanonicalLanguage(f.Language)
		if err != nil {
			return data.Page[Interpreter]{}, invalid("language", err.Error())
		}
		q.LanguageKey = canonical
	}
	if q.Status != "" && !q.Status.Valid() {
		return data.Page[Interpreter]{}, invalid("status", "must be one of "+statusList())
	}
	if q.Status == "" && actor.Role == data.RoleSocialWorker {
		q.Status = data.VettingApproved
	}
	page, err := a.store.ListInterpreters(ctx, q)
	if err != nil {
		return data.Page[Interpreter]{}, err
	}
	out := data.Page[Interpreter]{Next: page.Next, Items: make([]Interpreter, len(page.Items))}
	for i, in := range page.Items {
		out.Items[i] = reduced(in)
	}
	return out, nil
}

// errInterpreterAnonymised refuses a change of a record retention
// anonymised.
var errInterpreterAnonymised = &data.StateError{Code: "interpreter_anonymised", Reason: "the record was anonymised by retention: it can no longer change"}

// statusList names every vetting status, for a message.
func statusList() string {
	out := make([]string, len(data.VettingStatuses))
	for i, s := range data.VettingStatuses {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// UpdateInterpreter replaces a record's fields if ifMatch is its current
// version (a *StaleError otherwise). Vetting, ID, version and creation time
// are kept: vetting changes only through DecideVetting. It answers the
// record in the view asked for (ViewReduced unless view is ViewFull, whose
// read is audited with the change).
func (a *App) UpdateInterpreter(ctx context.Context, actor data.User, id string, ifMatch int64, fields data.Interpreter, view ...View) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	in := fields
	in.Normalize()
	now := a.stamp()
	updated, err := a.store.UpdateInterpreter(ctx, id, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		if cur.Version != ifMatch {
			return cur, data.Change{}, &StaleError{Current: cur.Version}
		}
		next := in
		next.ID, next.Version, next.CreatedAt, next.Vetting, next.UpdatedAt = cur.ID, cur.Version, cur.CreatedAt, cur.Vetting, now
		next.Availability = cur.Availability // changes only through UpdateAvailability
		next.LegalHold = cur.LegalHold       // changes only through SetInterpreterHold
		if !cur.Anonymised.IsZero() {
			return cur, data.Change{}, errInterpreterAnonymised
		}
		if err := next.Validate(); err != nil {
			return cur, data.Change{}, err
		}
		ch := audited(now, actor, data.ScopeRegister, data.ActionInterpreterUpdated, data.EntityInterpreter, cur.ID)
		return next, withRead(ch, now, actor, cur.ID, view), nil
	})
	if err != nil {
		return Interpreter{}, err
	}
	// A changed record (a new community link, a lapsed clearance) may no
	// longer pass the rules for interviews already booked.
	if err := a.afterChange(ctx, actor, updated.ID, ""); err != nil {
		return Interpreter{}, err
	}
	return shown(updated, view), nil
}

// DecideVetting applies a coordinator's decision to the record as it is
// when the store writes it (data.Vetting.Decide states which decisions the
// current status allows). Suspending or rejecting an interpreter cancels
// their bookings that have not started, in every organisation (see
// withdrawBookings): the decision lands first, so a failure part way
// leaves it in force, and WithdrawBookings finishes the cancellations. It
// answers the record in the view asked for (ViewReduced unless view is
// ViewFull, whose read is audited with the decision).
//
// The caller has confirmed the decision (Decide with Confirm): approving a
// record with Gaps still needs a note saying why.
func (a *App) DecideVetting(ctx context.Context, actor data.User, id string, d data.Decision, note string, view ...View) (Interpreter, error) {
	r, err := a.Decide(ctx, actor, id, VettingDecision{Decision: d, Note: note, Confirm: true}, view...)
	return r.Interpreter, err
}

// InterpreterBrief returns an interpreter in the reduced view for anyone
// who works on cases (a booking page names its interpreter), without the
// audited read of the full record.
func (a *App) InterpreterBrief(ctx context.Context, actor data.User, id string) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator, data.RoleSocialWorker); err != nil {
		return Interpreter{}, err
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return Interpreter{}, err
	}
	return reduced(in), nil
}

// MayEditRegister says whether the actor may create and change interpreter
// records: nil for a coordinator, a *ForbiddenError otherwise. A front
// door asks it before offering a blank form, which reads nothing.
func (a *App) MayEditRegister(actor data.User) error {
	return require(actor, data.RoleCoordinator)
}

// SameEmail lists the other records of the register with the email of the
// record with this ID (at most a page): a duplicate a coordinator should
// check, found off the store's email index. Coordinators only.
func (a *App) SameEmail(ctx context.Context, actor data.User, id string) ([]Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return nil, err
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil || in.Email == "" {
		return nil, err
	}
	page, err := a.store.ListInterpreters(ctx, data.InterpreterQuery{Email: in.Email, Limit: data.MaxPageSize})
	if err != nil {
		return nil, err
	}
	var out []Interpreter
	for _, other := range page.Items {
		if other.ID != id {
			out = append(out, reduced(other))
		}
	}
	return out, nil
}
