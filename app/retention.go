package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/retention"
)

// MaxRetentionPreview bounds the records a preview lists of each kind;
// its counts count them all.
const MaxRetentionPreview = 100

// RetentionItem is one record retention is due to act on, or holds: its
// ID, organisation ("" for the register's records) and the time its
// class's period counted from.
type RetentionItem struct {
	ID           string
	Organisation string
	Ended        time.Time
}

// RetentionClassPlan is what a run would do with one class: the records
// whose period ended before Cutoff, to act on (Due) and those a legal
// hold keeps (Held). A class that keeps its records has no cutoff and no
// records. Lists hold at most MaxRetentionPreview; the counts count all.
type RetentionClassPlan struct {
	Class     retention.Class
	Cutoff    time.Time
	Due       []RetentionItem
	DueCount  int
	Held      []RetentionItem
	HeldCount int
}

// RetentionPlan is what a retention run would do at At under Policy,
// class by class (in the order of retention.Names). BookingsCutoff,
// Anonymise and Held (with their counts) repeat the bookings' class.
type RetentionPlan struct {
	At             time.Time
	Policy         retention.Policy
	Classes        []RetentionClassPlan
	BookingsCutoff time.Time
	Anonymise      []RetentionItem
	Held           []RetentionItem
	AnonymiseCount int
	HeldCount      int
}

// due is one record a class's walk found: whether a legal hold keeps it
// (as the walk read it), and how to act on it.
type due struct {
	item RetentionItem
	held bool
	// act applies the class's action to the record at now, in its own
	// write with its tombstone, reading its hold again first: it reports
	// whether a hold (placed since the walk) kept it.
	act func(ctx context.Context, now time.Time) (held bool, err error)
}

// retentionWalk is one class's walk: it calls fn with each record due
// before cutoff, oldest first, page by page off the store's index.
type retentionWalk func(ctx context.Context, cutoff time.Time, fn func(due) error) error

// walks returns the walk of each class the policy acts on.
func (a *App) walks() map[retention.Name]retentionWalk {
	return map[retention.Name]retentionWalk{
		retention.Bookings:     a.dueBookings,
		retention.Offers:       a.dueOffers,
		retention.Cases:        a.dueCases,
		retention.Interpreters: a.dueInterpreters,
		retention.Sessions:     a.dueSessions,
		retention.SignIns:      a.dueSignIns,
		retention.Messages:     a.dueMessages,
	}
}

// RetentionPreview shows an admin what the next retention run would do
// in their organisation (the bootstrap admin: in every organisation) and
// in the register, which every organisation shares (its records have no
// organisation). It reads what the run reads, writes nothing.
func (a *App) RetentionPreview(ctx context.Context, actor data.User) (RetentionPlan, error) {
	if err := require(actor, data.RoleAdmin); err != nil {
		return RetentionPlan{}, err
	}
	now := a.stamp()
	plan := RetentionPlan{At: now, Policy: a.retention}
	walks := a.walks()
	for _, class := range a.retention.Classes() {
		cp := RetentionClassPlan{Class: class, Cutoff: class.Cutoff(now)}
		if walk := walks[class.Name]; walk != nil && class.Action != retention.Keep {
			err := walk(ctx, cp.Cutoff, func(d due) error {
				if d.item.Organisation != "" && d.item.Organisation != actor.Organisation && !isBootstrap(actor) {
					return nil
				}
				list, count := &cp.Due, &cp.DueCount
				if d.held {
					list, count = &cp.Held, &cp.HeldCount
				}
				*count++
				if len(*list) < MaxRetentionPreview {
					*list = append(*list, d.item)
				}
				return nil
			})
			if err != nil {
				return RetentionPlan{}, err
			}
		}
		if class.Name == retention.Bookings {
			plan.BookingsCutoff, plan.Anonymise, plan.AnonymiseCount, plan.Held, plan.HeldCount = cp.Cutoff, cp.Due, cp.DueCount, cp.Held, cp.HeldCount
		}
		plan.Classes = append(plan.Classes, cp)
	}
	return plan, nil
}

// RetentionCount counts what a run did with one class: records acted on
// (anonymised, deleted, bodies removed) and records a legal hold kept.
type RetentionCount struct {
	Acted int
	Held  int
}

// RetentionResult counts what a retention run did, class by class;
// Anonymised and Held repeat the bookings' counts.
type RetentionResult struct {
	Anonymised int
	Held       int
	Classes    map[retention.Name]RetentionCount
}

// ApplyRetention applies the policy to every class it acts on, in the
// order of retention.Names: each due record is acted on in its own write
// with its tombstone in the audit (by the service, in the record's
// organisation), unless a legal hold keeps it. What the daily worker
// runs. Each record's hold is read again just before its write, so a hold
// placed while a run is under way holds every record the run has not
// reached. A hold landing in the moment between that read and the
// record's write does not stop that one write: joining the hold to the
// record's write would need a transaction across both records, which not
// every backend has. A class's error stops that class; the others still
// run, and the first error is returned.
func (a *App) ApplyRetention(ctx context.Context) (RetentionResult, error) {
	res := RetentionResult{Classes: map[retention.Name]RetentionCount{}}
	now := a.stamp()
	walks := a.walks()
	var first error
	for _, class := range a.retention.Classes() {
		walk := walks[class.Name]
		if walk == nil || class.Action == retention.Keep {
			continue
		}
		var n RetentionCount
		err := walk(ctx, class.Cutoff(now), func(d due) error {
			held := d.held
			if !held {
				var err error
				if held, err = d.act(ctx, now); err != nil {
					return fmt.Errorf("%s %s: %w", class.Name, d.item.ID, err)
				}
			}
			if held {
				n.Held++
			} else {
				n.Acted++
			}
			return nil
		})
		res.Classes[class.Name] = n
		if n.Acted > 0 || n.Held > 0 {
			a.log.InfoContext(ctx, "retention", "class", string(class.Name), "acted", n.Acted, "held", n.Held)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	res.Anonymised, res.Held = res.Classes[retention.Bookings].Acted, res.Classes[retention.Bookings].Held
	return res, first
}

// holds reads whether cases and interpreters are on a legal hold, each
// once per walk.
type holds struct {
	a            *App
	cases, inter map[string]bool
}

func (a *App) holds() *holds {
	return &holds{a: a, cases: map[string]bool{}, inter: map[string]bool{}}
}

// held reports whether the case or any of the interpreters is on a legal
// hold, as first read.
func (h *holds) held(ctx context.Context, caseID string, interpreterIDs ...string) (bool, error) {
	held, ok := h.cases[caseID]
	if !ok {
		var err error
		if held, err = h.a.caseHeld(ctx, caseID); err != nil {
			return false, err
		}
		h.cases[caseID] = held
	}
	for _, id := range interpreterIDs {
		if held {
			return true, nil
		}
		var err error
		if held, err = h.interpreter(ctx, id); err != nil {
			return false, err
		}
	}
	return held, nil
}

// interpreter reports whether the interpreter is on a legal hold, as
// first read.
func (h *holds) interpreter(ctx context.Context, id string) (bool, error) {
	if held, ok := h.inter[id]; ok {
		return held, nil
	}
	held, err := h.a.interpreterHeld(ctx, id)
	if err != nil {
		return false, err
	}
	h.inter[id] = held
	return held, nil
}

// heldNow reads the case and the interpreters again and reports whether
// any is on a legal hold.
func (a *App) heldNow(ctx context.Context, caseID string, interpreterIDs ...string) (bool, error) {
	return a.holds().held(ctx, caseID, interpreterIDs...)
}

// caseHeld reads the case now and reports whether it is on a legal hold.
func (a *App) caseHeld(ctx context.Context, caseID string) (bool, error) {
	c, err := a.store.Case(ctx, caseID)
	if err != nil {
		return false, fmt.Errorf("case %s: %w", caseID, err)
	}
	return c.LegalHold, nil
}

// interpreterHeld reads the interpreter now and reports whether they are
// on a legal hold; an interpreter the register does not hold is not.
func (a *App) interpreterHeld(ctx context.Context, id string) (bool, error) {
	in, err := a.store.Interpreter(ctx, id)
	if errors.Is(err, data.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("interpreter %s: %w", id, err)
	}
	return in.LegalHold, nil
}

// dueBookings walks the bookings not yet anonymised that ended before
// cutoff (data.Booking.Anonymise; tombstone data.ActionBookingAnonymised),
// held by a legal hold on their case or their interpreter.
func (a *App) dueBookings(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	holds := a.holds()
	return pages(ctx, func(after string) (data.Page[data.Booking], error) {
		return a.store.BookingsEndedBefore(ctx, cutoff, after, data.MaxPageSize)
	}, func(b data.Booking) error {
		held, err := holds.held(ctx, b.CaseID, b.InterpreterID)
		if err != nil {
			return err
		}
		return fn(due{item: RetentionItem{ID: b.ID, Organisation: b.Organisation, Ended: b.End}, held: held,
			act: func(ctx context.Context, now time.Time) (bool, error) {
				if held, err := a.heldNow(ctx, b.CaseID, b.InterpreterID); err != nil || held {
					return held, err
				}
				_, err := a.store.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
					if !cur.Anonymised.IsZero() {
						return cur, data.Change{}, data.ErrNoChange
					}
					return cur.Anonymise(now), audited(now, System(cur.Organisation, data.RoleAdmin), cur.Organisation,
						data.ActionBookingAnonymised, data.EntityBooking, cur.ID), nil
				})
				return false, err
			}})
	})
}

// dueOffers walks the offers not yet anonymised whose interview ended
// before cutoff (data.Offer.Anonymise; tombstone
// data.ActionOfferAnonymised), held by a legal hold on their case or on
// an interpreter they invited.
func (a *App) dueOffers(ctx context.Context, cutoff time.Time, fn func(due) error) error {
	holds := a.holds()
	return pages(ctx, func(after string) (data.Page[data.Offer], error) {
		return a.store.OffersEndedBefore(ctx, cutoff, after, data.MaxPageSize)
	}, func(o data.Offer) error {
		invited := make([]string, len(o.Invitations))
		for i, inv := range o.Invitations {
			invited[i] = inv.InterpreterID
		}
		held, err := holds.held(ctx, o.CaseID, invited...)
		if err != nil {
			return err
		}
		return fn(due{item: RetentionItem{ID: o.ID, Organisation: o.Organisation, Ended: o.End}, held: held,
			act: func(ctx context.Context, now time.Time) (bool, error) {
				if held, err := a.heldNow(ctx, o.CaseID, invited...); err != nil || held {
					return held, err
				}
				_, err := a.store.UpdateOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Change, error) {
					if !cur.Anonymised.IsZero() {
						return cur, data.Change{}, data.ErrNoChange
					}
					return cur.Anonymise(now), audited(now, System(cur.Organisation, data.RoleAdmin), cur.Organisation,
						data.ActionOfferAnonymised, data.EntityOffer, cur.ID), nil
				})
				return false, err
			}})
	})
}

// pages calls fn with each item of the pages read by page, from the first
// ("" after) to the last.
func pages[T any](ctx context.Context, page func(after string) (data.Page[T], error), fn func(T) error) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := page(after)
		if err != nil {
			return err
		}
		for _, item := range p.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		after = p.Next
	}
}
