package app

import (
	"context"
	"errors"
	"fmt"

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

// reduced clears the sensitive fields.
func reduced(in data.Interpreter) Interpreter {
	in.Phone = ""
	in.Clearance.Certificate = ""
	in.CommunityLinks = nil
	in.Vetting.Note = ""
	return Interpreter{Interpreter: in}
}

// CreateInterpreter stores a new record awaiting vetting. fields carries
// what the coordinator entered; its ID, vetting, version and timestamps are
// set here.
func (a *App) CreateInterpreter(ctx context.Context, actor data.User, fields data.Interpreter) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	now := a.stamp()
	in := fields
	in.Normalize()
	in.ID = data.NewID(now)
	in.Vetting = data.Vetting{Status: data.VettingPending}
	in.Version = 1
	in.CreatedAt, in.UpdatedAt = now, now
	if err := in.Validate(); err != nil {
		return Interpreter{}, err
	}
	audit := data.NewAuditEntry(now, actor, data.ScopeRegister, "interpreter.created", "interpreter", in.ID)
	if err := a.store.CreateInterpreter(ctx, in, audit); err != nil {
		return Interpreter{}, err
	}
	return Interpreter{Interpreter: in, Full: true}, nil
}

// GetInterpreter shows a coordinator the full record, writing the audit
// entry of this sensitive read before disclosing it (no entry, no record);
// a social worker gets the reduced view.
func (a *App) GetInterpreter(ctx context.Context, actor data.User, id string) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator, data.RoleSocialWorker); err != nil {
		return Interpreter{}, err
	}
	in, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return Interpreter{}, err
	}
	if actor.Role != data.RoleCoordinator {
		return reduced(in), nil
	}
	audit := data.NewAuditEntry(a.now(), actor, data.ScopeRegister, "interpreter.read_sensitive", "interpreter", in.ID)
	if err := a.store.AppendAudit(ctx, audit); err != nil {
		return Interpreter{}, fmt.Errorf("audit of a sensitive read: %w", err)
	}
	return Interpreter{Interpreter: in, Full: true}, nil
}

// InterpreterFilter is what a caller may ask of the register listing.
type InterpreterFilter struct {
	Language string // a BCP 47 tag, matched as a language (ar finds apd)
	Status   data.VettingStatus
	Cursor   string
	Limit    int
}

// ListInterpreters pages through the register in creation order, in the
// reduced view for everyone (the full record is one audited read away).
// Social workers see approved interpreters unless they ask for a status.
func (a *App) ListInterpreters(ctx context.Context, actor data.User, f InterpreterFilter) (data.Page[Interpreter], error) {
	if err := require(actor, data.RoleCoordinator, data.RoleSocialWorker); err != nil {
		return data.Page[Interpreter]{}, err
	}
	q := data.InterpreterQuery{Status: f.Status, After: f.Cursor, Limit: f.Limit}
	if f.Language != "" {
		canonical, err := data.CanonicalLanguage(f.Language)
		if err != nil {
			return data.Page[Interpreter]{}, invalid("language", err.Error())
		}
		q.LanguageKey = canonical
	}
	if q.Status != "" && !q.Status.Valid() {
		return data.Page[Interpreter]{}, invalid("status", "must be one of pending, approved, rejected, suspended")
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

// UpdateInterpreter replaces a record's fields if ifMatch is its current
// version (a *StaleError otherwise). Vetting, ID, version and creation time
// are kept: vetting changes only through DecideVetting.
func (a *App) UpdateInterpreter(ctx context.Context, actor data.User, id string, ifMatch int64, fields data.Interpreter) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	cur, err := a.store.Interpreter(ctx, id)
	if err != nil {
		return Interpreter{}, err
	}
	if cur.Version != ifMatch {
		return Interpreter{}, &StaleError{Current: cur.Version}
	}
	in := fields
	in.Normalize()
	in.ID, in.Version, in.CreatedAt, in.Vetting = cur.ID, cur.Version, cur.CreatedAt, cur.Vetting
	in.UpdatedAt = a.stamp()
	if err := in.Validate(); err != nil {
		return Interpreter{}, err
	}
	audit := data.NewAuditEntry(in.UpdatedAt, actor, data.ScopeRegister, "interpreter.updated", "interpreter", in.ID)
	updated, err := a.store.UpdateInterpreter(ctx, in, audit)
	if errors.Is(err, data.ErrConflict) {
		// Another write landed between our read and our write.
		if now, rerr := a.store.Interpreter(ctx, id); rerr == nil {
			return Interpreter{}, &StaleError{Current: now.Version}
		}
		return Interpreter{}, &StaleError{Current: ifMatch + 1}
	}
	if err != nil {
		return Interpreter{}, err
	}
	// A changed record (a new community link, a lapsed clearance) may no
	// longer pass the rules for interviews already booked.
	if err := a.afterChange(ctx, actor, updated.ID, ""); err != nil {
		return Interpreter{}, err
	}
	return Interpreter{Interpreter: updated, Full: true}, nil
}

// DecideVetting applies a coordinator's decision to the record as it is
// now: when another write lands in between, it re-reads the record and
// re-checks the decision, a few times, before giving up with ErrConflict.
// Suspending or rejecting an interpreter cancels their bookings that have
// not started, in every organisation (see withdrawBookings): the decision
// lands first, so a failure part way leaves it in force, and
// WithdrawBookings finishes the cancellations.
func (a *App) DecideVetting(ctx context.Context, actor data.User, id string, d data.Decision, note string) (Interpreter, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return Interpreter{}, err
	}
	for range retries {
		cur, err := a.store.Interpreter(ctx, id)
		if err != nil {
			return Interpreter{}, err
		}
		now := a.stamp()
		next, err := cur.Vetting.Decide(d, actor.ID, now, note)
		if err != nil {
			return Interpreter{}, err
		}
		cur.Vetting, cur.UpdatedAt = next, now
		audit := data.NewAuditEntry(now, actor, data.ScopeRegister, "interpreter.vetting."+string(d), "interpreter", cur.ID)
		updated, err := a.store.UpdateInterpreter(ctx, cur, audit)
		if errors.Is(err, data.ErrConflict) {
			continue
		}
		if err != nil {
			return Interpreter{}, err
		}
		if updated.Vetting.Status != data.VettingApproved {
			if err := a.afterChange(ctx, actor, updated.ID, ""); err != nil {
				return Interpreter{}, err
			}
		}
		return Interpreter{Interpreter: updated, Full: true}, nil
	}
	return Interpreter{}, fmt.Errorf("vetting %s: %w", id, data.ErrConflict)
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
