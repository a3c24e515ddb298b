package app

import (
	"context"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/retention"
)

// MaxRetentionPreview bounds the records a preview lists of each kind;
// its counts count them all.
const MaxRetentionPreview = 100

// RetentionItem is one record retention is due to act on, or holds.
type RetentionItem struct {
	ID           string
	Organisation string
	Ended        time.Time
}

// RetentionPlan is what a retention run would do at At under Policy:
// the bookings that ended before BookingsCutoff and are not anonymised
// yet, to anonymise, and those a legal hold on their case keeps as they
// are. Lists hold at most MaxRetentionPreview each; the counts count all.
type RetentionPlan struct {
	At             time.Time
	Policy         retention.Policy
	BookingsCutoff time.Time
	Anonymise      []RetentionItem
	Held           []RetentionItem
	AnonymiseCount int
	HeldCount      int
}

// RetentionPreview shows an admin what the next retention run would do
// in their organisation (the bootstrap admin: in every organisation). It
// reads what the run reads, writes nothing.
func (a *App) RetentionPreview(ctx context.Context, actor data.User) (RetentionPlan, error) {
	if err := require(actor, data.RoleAdmin); err != nil {
		return RetentionPlan{}, err
	}
	now := a.stamp()
	plan := RetentionPlan{At: now, Policy: a.retention, BookingsCutoff: a.retention.BookingsCutoff(now)}
	err := a.dueBookings(ctx, plan.BookingsCutoff, func(b data.Booking, held bool) error {
		if b.Organisation != actor.Organisation && !isBootstrap(actor) {
			return nil
		}
		item := RetentionItem{ID: b.ID, Organisation: b.Organisation, Ended: b.End}
		if held {
			plan.HeldCount++
			if len(plan.Held) < MaxRetentionPreview {
				plan.Held = append(plan.Held, item)
			}
			return nil
		}
		plan.AnonymiseCount++
		if len(plan.Anonymise) < MaxRetentionPreview {
			plan.Anonymise = append(plan.Anonymise, item)
		}
		return nil
	})
	return plan, err
}

// RetentionResult counts what a retention run did.
type RetentionResult struct {
	Anonymised int
	Held       int
}

// ApplyRetention anonymises every booking whose interview ended longer
// ago than the policy keeps it (data.Booking.Anonymise), unless its case
// is on a legal hold, each in its own write with its tombstone
// (data.ActionBookingAnonymised, by the service, in the booking's
// organisation). What the daily worker runs. Each booking's case is read
// again just before its write, so a hold placed while a run is under way
// holds every booking the run has not reached. A hold landing in the
// moment between that read and the booking's write does not stop that
// one write: joining the case's hold to the booking's write would need a
// transaction across both records, which not every backend has.
func (a *App) ApplyRetention(ctx context.Context) (RetentionResult, error) {
	var res RetentionResult
	now := a.stamp()
	err := a.dueBookings(ctx, a.retention.BookingsCutoff(now), func(b data.Booking, held bool) error {
		if !held { // read as the run reached the case: read it again now
			c, err := a.store.Case(ctx, b.CaseID)
			if err != nil {
				return fmt.Errorf("case of booking %s: %w", b.ID, err)
			}
			held = c.LegalHold
		}
		if held {
			res.Held++
			return nil
		}
		_, err := a.store.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			if !cur.Anonymised.IsZero() {
				return cur, data.Change{}, data.ErrNoChange
			}
			return cur.Anonymise(now), audited(now, System(cur.Organisation, data.RoleAdmin), cur.Organisation,
				data.ActionBookingAnonymised, data.EntityBooking, cur.ID), nil
		})
		if err != nil {
			return fmt.Errorf("anonymise booking %s: %w", b.ID, err)
		}
		res.Anonymised++
		return nil
	})
	if res.Anonymised > 0 || res.Held > 0 {
		a.log.InfoContext(ctx, "retention", "anonymised", res.Anonymised, "held", res.Held)
	}
	return res, err
}

// dueBookings calls fn with each booking not yet anonymised that ended
// before cutoff, oldest first, and whether its case is on a legal hold,
// reading them page by page off the store's retention index and each case
// once.
func (a *App) dueBookings(ctx context.Context, cutoff time.Time, fn func(b data.Booking, held bool) error) error {
	holds := map[string]bool{}
	after := ""
	for {
		page, err := a.store.BookingsEndedBefore(ctx, cutoff, after, data.MaxPageSize)
		if err != nil {
			return err
		}
		for _, b := range page.Items {
			held, ok := holds[b.CaseID]
			if !ok {
				c, err := a.store.Case(ctx, b.CaseID)
				if err != nil {
					return fmt.Errorf("case of booking %s: %w", b.ID, err)
				}
				held = c.LegalHold
				holds[b.CaseID] = held
			}
			if err := fn(b, held); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}

// SetLegalHold places (hold) or lifts a legal hold on a case of the
// coordinator's organisation, audited: while it holds, retention leaves
// the case and its bookings as they are.
func (a *App) SetLegalHold(ctx context.Context, actor data.User, caseID string, hold bool) (data.Case, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Case{}, err
	}
	if _, err := a.GetCase(ctx, actor, caseID); err != nil { // another organisation's case: not found
		return data.Case{}, err
	}
	now := a.stamp()
	action := data.ActionCaseHoldLifted
	if hold {
		action = data.ActionCaseHoldPlaced
	}
	return a.store.UpdateCase(ctx, caseID, func(c data.Case) (data.Case, data.Change, error) {
		if c.LegalHold == hold {
			return c, data.Change{}, data.ErrNoChange
		}
		c.LegalHold, c.UpdatedAt = hold, now
		return c, audited(now, actor, c.Organisation, action, data.EntityCase, c.ID), nil
	})
}
