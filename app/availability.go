package app

import (
	"context"
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// Availability is an interpreter's declared hours and time off, with the
// version of the record they belong to (the ETag a change must name).
type Availability struct {
	InterpreterID string
	data.Availability
	Version int64
}

// mayKeepAvailability admits the interpreter themself and coordinators.
func mayKeepAvailability(actor data.User, interpreterID string) error {
	if self(actor, interpreterID) {
		return nil
	}
	return require(actor, data.RoleCoordinator)
}

// GetAvailability returns an interpreter's declared hours and time off,
// to the interpreter themself or a coordinator; anyone else: not found
// (interpreters) or forbidden.
func (a *App) GetAvailability(ctx context.Context, actor data.User, interpreterID string) (Availability, error) {
	if err := mayKeepAvailability(actor, interpreterID); err != nil {
		return Availability{}, err
	}
	in, err := a.store.Interpreter(ctx, interpreterID)
	if err != nil {
		return Availability{}, err
	}
	return Availability{InterpreterID: in.ID, Availability: in.Availability, Version: in.Version}, nil
}

// UpdateAvailability replaces an interpreter's declared hours and time off
// if ifMatch is the record's current version (a *StaleError otherwise),
// by the interpreter themself or a coordinator, audited. Periods of time
// off that ended more than a day ago are dropped: they can no longer
// change a decision, and no history of someone's absences is kept.
// Bookings already made stand: a new absence is the interpreter's to
// raise with the people who booked them (matching refuses new ones).
func (a *App) UpdateAvailability(ctx context.Context, actor data.User, interpreterID string, ifMatch int64, av data.Availability) (Availability, error) {
	if err := mayKeepAvailability(actor, interpreterID); err != nil {
		return Availability{}, err
	}
	now := a.stamp()
	av.Unavailable = slices.DeleteFunc(slices.Clone(av.Unavailable), func(p data.Period) bool { return p.End.Before(now.Add(-24 * time.Hour)) })
	for i := range av.Unavailable {
		av.Unavailable[i].Start, av.Unavailable[i].End = data.Timestamp(av.Unavailable[i].Start), data.Timestamp(av.Unavailable[i].End)
	}
	slices.SortFunc(av.Weekly, func(x, y data.WeeklyHours) int {
		return int((x.Day+6)%7)*int(data.EndOfDay) + int(x.From) - (int((y.Day+6)%7)*int(data.EndOfDay) + int(y.From))
	})
	slices.SortFunc(av.Unavailable, func(x, y data.Period) int { return x.Start.Compare(y.Start) })
	if err := av.Validate(); err != nil {
		return Availability{}, err
	}
	in, err := a.store.UpdateInterpreter(ctx, interpreterID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		if cur.Version != ifMatch {
			return cur, data.Change{}, &StaleError{Current: cur.Version}
		}
		if !cur.Anonymised.IsZero() {
			return cur, data.Change{}, errInterpreterAnonymised
		}
		cur.Availability, cur.UpdatedAt = av, now
		return cur, audited(now, actor, data.ScopeRegister, data.ActionAvailabilityUpdated, data.EntityInterpreter, cur.ID), nil
	})
	if err != nil {
		return Availability{}, err
	}
	return Availability{InterpreterID: in.ID, Availability: in.Availability, Version: in.Version}, nil
}
