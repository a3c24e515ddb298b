package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/tolk/tolk/data"
)

// RenewalItem is one line of the renewal report.
type RenewalItem struct {
	InterpreterID string
	Name          string
	Item          string
	Expires       data.Date // zero when Missing
	Lapsed        bool
	Missing       bool
}

// How far ahead the renewal report looks, in days.
const (
	// DefaultRenewalDays is the report's window unless asked.
	DefaultRenewalDays = 30
	// MaxRenewalDays is the longest window the report takes.
	MaxRenewalDays = 365
)

// Renewals lists, for coordinators, every clearance, training and
// qualification of approved interpreters that lapses within `within` days
// of today (UTC) or already has, and every item an approved record lacks
// (no clearance, no signed agreement, no child protection training):
// missing items first, then soonest first. The store finds the records
// through its renewal index, so the cost follows the report's length.
func (a *App) Renewals(ctx context.Context, actor data.User, within int) ([]RenewalItem, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return nil, err
	}
	if within < 1 || within > MaxRenewalDays {
		return nil, invalid("within", fmt.Sprintf("must be an integer from 1 to %d", MaxRenewalDays))
	}
	today := data.DateOf(a.now())
	until := today.AddDays(within)
	items := []RenewalItem{}
	q := data.InterpreterQuery{Status: data.VettingApproved, RenewalBy: until, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListInterpreters(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, in := range page.Items {
			for _, r := range in.Renewals() {
				if r.Missing || !r.Expires.After(until) {
					items = append(items, RenewalItem{
						InterpreterID: in.ID, Name: in.Name, Item: r.Item, Expires: r.Expires,
						Lapsed: !r.Missing && r.Expires.Before(today), Missing: r.Missing,
					})
				}
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortFunc(items, func(a, b RenewalItem) int {
		return cmp.Or(cmp.Compare(a.Expires.String(), b.Expires.String()), cmp.Compare(a.InterpreterID, b.InterpreterID), cmp.Compare(a.Item, b.Item))
	})
	return items, nil
}
