package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// ErrCaseBooked means a case already has an interpreter, or an open offer,
// for an interview overlapping the slot of a booking or offer that did not
// say it was additional; the concrete error is a *CaseBookedError.
var ErrCaseBooked = data.ErrCaseBooked

// Holder is what a case already has for an interview slot: a confirmed
// booking (BookingID) or an open offer (OfferID), its slot, and the
// interpreter it names (the one booked, or the one the offer is asking
// now; empty when it asks nobody yet).
type Holder struct {
	BookingID, OfferID             string
	Start, End                     time.Time
	InterpreterID, InterpreterName string
}

// CaseBookedError is the store's *data.CaseBookedError as people read it:
// what is in the way, its slot, and the interpreter it names, so the
// requester can decide whether a second interpreter is meant. It matches
// ErrCaseBooked.
type CaseBookedError struct{ Holder }

// Error says what the case already has and how to book another anyway.
func (e *CaseBookedError) Error() string {
	who := "an interpreter"
	if e.InterpreterName != "" {
		who = e.InterpreterName
	}
	slot := fmt.Sprintf("from %s to %s", e.Start.UTC().Format(time.RFC3339), e.End.UTC().Format(time.RFC3339))
	if e.BookingID != "" {
		return fmt.Sprintf("this interview already has %s (booking %s, %s); to book a second interpreter, send additional: true", who, e.BookingID, slot)
	}
	if e.InterpreterName != "" {
		who = "asks " + e.InterpreterName
	} else {
		who = "is open"
	}
	return fmt.Sprintf("this interview already has an offer that %s (offer %s, %s); to ask for a second interpreter, send additional: true", who, e.OfferID, slot)
}

// Is reports whether target is ErrCaseBooked.
func (e *CaseBookedError) Is(target error) bool { return target == ErrCaseBooked }

// caseBooked turns the store's *data.CaseBookedError into a
// *CaseBookedError naming the interpreter in the way; any other error
// passes as it is. The case is the actor's organisation's, so its booking
// and offer, and who they name, are the actor's to see.
func (a *App) caseBooked(ctx context.Context, err error) error {
	cb, ok := errors.AsType[*data.CaseBookedError](err)
	if !ok {
		return err
	}
	var h Holder
	switch {
	case cb.Booking != nil:
		h = bookingHolder(*cb.Booking)
	case cb.Offer != nil:
		h = offerHolder(*cb.Offer)
	}
	if err := a.nameHolder(ctx, &h); err != nil {
		return err
	}
	return &CaseBookedError{h}
}

func bookingHolder(b data.Booking) Holder {
	return Holder{BookingID: b.ID, Start: b.Start, End: b.End, InterpreterID: b.InterpreterID}
}

func offerHolder(o data.Offer) Holder {
	h := Holder{OfferID: o.ID, Start: o.Start, End: o.End}
	for _, inv := range o.Invitations {
		if inv.Status == data.InvitationPending {
			h.InterpreterID = inv.InterpreterID
			break
		}
	}
	return h
}

// nameHolder fills in the name of the interpreter h names, if any.
func (a *App) nameHolder(ctx context.Context, h *Holder) error {
	if h.InterpreterID == "" {
		return nil
	}
	in, err := a.store.Interpreter(ctx, h.InterpreterID)
	switch {
	case err == nil:
		h.InterpreterName = in.Name
	case !errors.Is(err, data.ErrNotFound):
		return err
	}
	return nil
}

// CaseSlot returns what a case of the actor's organisation already has for
// an interview from start to end: its confirmed bookings whose slots
// overlap, then its open offers whose slots overlap, each naming its
// interpreter. The match page shows them first, so a second interpreter is
// booked only when meant. The store judges the rule again when a booking
// or offer is written.
func (a *App) CaseSlot(ctx context.Context, actor data.User, caseID string, start, end time.Time) ([]Holder, error) {
	c, err := a.GetCase(ctx, actor, caseID)
	if err != nil {
		return nil, err
	}
	var out []Holder
	q := data.BookingQuery{Organisation: c.Organisation, CaseID: c.ID, From: start.Add(-data.CaseWindow), To: end, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListBookings(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Items {
			if b.Status == data.BookingConfirmed && data.SlotsOverlap(start, end, b.Start, b.End) {
				out = append(out, bookingHolder(b))
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	oq := data.OfferQuery{Organisation: c.Organisation, CaseID: c.ID, Status: data.OfferOpen, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListOffers(ctx, oq)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			if o = o.AsOf(a.now()); o.Status == data.OfferOpen && data.SlotsOverlap(start, end, o.Start, o.End) {
				out = append(out, offerHolder(o))
			}
		}
		if page.Next == "" {
			break
		}
		oq.Before = page.Next
	}
	for i := range out {
		if err := a.nameHolder(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reviewSlot is what a review (NewBooking.Review, NewOffer.Review) says
// of the case's slot: a *CaseBookedError naming the first holder, unless
// the request is additional. The write judges it again.
func (a *App) reviewSlot(ctx context.Context, actor data.User, caseID string, start, end time.Time, additional bool) error {
	if additional {
		return nil
	}
	holders, err := a.CaseSlot(ctx, actor, caseID, start, end)
	if err != nil || len(holders) == 0 {
		return err
	}
	return &CaseBookedError{holders[0]}
}
