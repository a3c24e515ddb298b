package data

import (
	"context"
	"time"
)

// BookingFact is what reports need of a booking, and no more: no case,
// no place, nothing about the child. Stores answer facts off an index by
// organisation and start without reading the bookings themselves, so a
// year's summary costs what its period holds in index entries.
type BookingFact struct {
	ID            string
	InterpreterID string
	Start         time.Time
	// CreatedAt is when the booking was made (an offer's acceptance),
	// OfferedAt when its offer was (zero for a direct booking), UpdatedAt
	// its last change (a cancellation's time, once cancelled).
	CreatedAt, UpdatedAt, OfferedAt time.Time
	Status                          BookingStatus
	Confirmation                    Confirmation
	// Recorded says an outcome is recorded, and Attended what it says.
	Recorded, Attended bool
	// Code is how the booking ended (Booking.Code): empty while confirmed.
	Code OutcomeCode
	// Incident says the outcome's checklist records a safeguarding
	// incident (Outcome.Incident): the interpreter was alone with the
	// child.
	Incident bool
}

// Fact returns the booking's BookingFact.
func (b Booking) Fact() BookingFact {
	f := BookingFact{
		ID: b.ID, InterpreterID: b.InterpreterID, Start: b.Start, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		OfferedAt: b.OfferedAt, Status: b.Status, Confirmation: b.Confirmation, Code: b.Code,
	}
	if b.Outcome != nil {
		f.Recorded, f.Attended, f.Incident = true, b.Outcome.Attended, b.Outcome.Incident()
	}
	return f
}

// OfferFact is what reports need of an offer: when its interview starts,
// when it was made and last changed, and how it stands.
type OfferFact struct {
	ID                   string
	Start                time.Time
	CreatedAt, UpdatedAt time.Time
	Status               OfferStatus
	// Code is how the offer ended (Offer.Code).
	Code OutcomeCode
}

// Fact returns the offer's OfferFact.
func (o Offer) Fact() OfferFact {
	return OfferFact{ID: o.ID, Start: o.Start, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Status: o.Status, Code: o.Code}
}

// ReportQuery selects one organisation's records, or the whole
// register's, whose interview starts in [From, To), by start then ID.
type ReportQuery struct {
	// Organisation names the organisation; Register, instead, asks for
	// every organisation's records (coordinators' reports across the
	// register). Exactly one of them is set.
	Organisation string
	Register     bool
	From, To     time.Time
	// After is a cursor returned as Page.Next.
	After string
	Limit int
}

// ReportStore answers what reports read beyond the listings.
type ReportStore interface {
	// BookingFacts returns the facts of the bookings matching q, by
	// start then ID, off an index by organisation and start whose entries
	// carry the facts: no booking record is read. Page sizes are those of
	// listings. With Register it reads an index by start alone, so the
	// register's period costs what it holds. ErrInvalid without an
	// organisation or register (or with both), or with a cursor it did not
	// issue; its cursors are ListBookings's.
	BookingFacts(ctx context.Context, q ReportQuery) (Page[BookingFact], error)
	// OfferFacts returns the facts of the offers matching q, by start
	// then ID, as BookingFacts does the bookings'; the status is as
	// stored (an offer whose last invitation ran out shows open until the
	// expirer moves it, see Offer.AsOf).
	OfferFacts(ctx context.Context, q ReportQuery) (Page[OfferFact], error)
}

// Scope checks that q names exactly one organisation or the register,
// and returns the organisation ("" for the register).
func (q ReportQuery) Scope() (string, error) {
	switch {
	case q.Register && q.Organisation != "":
		return "", &ValidationError{Errors: []FieldError{{Field: "organisation", Message: "must be empty when the register is asked for"}}}
	case !q.Register && q.Organisation == "":
		return "", &ValidationError{Errors: []FieldError{{Field: "organisation", Message: "is required, or the register"}}}
	}
	return q.Organisation, nil
}
