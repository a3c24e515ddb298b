package data

import (
	"context"
	"time"
)

// Retention: records are kept as long as a purpose needs them, then
// anonymised. Anonymising keeps what reports count (IDs, dates, codes,
// statuses, outcome flags) and removes the free text and places: what
// could name or locate someone.

// Anonymise returns the booking with everything but its IDs, dates, codes
// and counts removed, marked anonymised at now: the case reference it
// copied, its location, the cancellation reason, the outcome's note, the
// match's reasons and warning messages (points and codes stay) and the
// idempotency fingerprint. Its sequence and status stay, so no calendar
// sees a change. An anonymised booking is returned as it is.
func (b Booking) Anonymise(now time.Time) Booking {
	if !b.Anonymised.IsZero() {
		return b
	}
	b.CaseReference, b.Location, b.CancelReason, b.Idempotency = "", "", "", ""
	b.JoinDetails = ""
	if b.Outcome != nil {
		o := *b.Outcome
		o.Note = ""
		b.Outcome = &o
	}
	factors := make([]Factor, len(b.Match.Factors))
	for i, f := range b.Match.Factors {
		factors[i] = Factor{Factor: f.Factor, Points: f.Points}
	}
	warnings := make([]Reason, len(b.Match.Warnings))
	for i, w := range b.Match.Warnings {
		warnings[i] = Reason{Code: w.Code}
	}
	b.Match.Factors, b.Match.Warnings = factors, warnings
	b.Anonymised, b.UpdatedAt = Timestamp(now), Timestamp(now)
	return b
}

// RetentionStore finds the records retention is due to act on.
type RetentionStore interface {
	// BookingsEndedBefore returns the bookings not yet anonymised that
	// ended before before, in every organisation, by end then ID, after
	// the booking named by after (the ID a previous page ended with, ""
	// for the first page). ErrInvalid when after names no booking.
	BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Booking], error)
}
