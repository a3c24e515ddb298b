package data

import (
	"fmt"
	"time"
)

// ErrCaseBooked means a case already has an interpreter (a confirmed
// booking) or an open offer for an interview overlapping the slot of a new
// booking or offer that does not say it is additional; the concrete error
// is a *CaseBookedError naming it.
var ErrCaseBooked = fmt.Errorf("case already booked for this slot")

// CaseBookedError names what a case already has for an overlapping slot:
// a confirmed booking, or else an open offer. It matches ErrCaseBooked
// under errors.Is.
type CaseBookedError struct {
	Booking *Booking
	Offer   *Offer
}

// Error names the booking or offer in the way and its slot.
func (e *CaseBookedError) Error() string {
	if e.Booking != nil {
		return fmt.Sprintf("the case already has an interpreter booked from %s to %s (booking %s)",
			e.Booking.Start.UTC().Format(time.RFC3339), e.Booking.End.UTC().Format(time.RFC3339), e.Booking.ID)
	}
	if e.Offer != nil {
		return fmt.Sprintf("the case already has an open offer from %s to %s (offer %s)",
			e.Offer.Start.UTC().Format(time.RFC3339), e.Offer.End.UTC().Format(time.RFC3339), e.Offer.ID)
	}
	return ErrCaseBooked.Error()
}

// Is reports whether target is ErrCaseBooked.
func (e *CaseBookedError) Is(target error) bool { return target == ErrCaseBooked }

// SlotsOverlap reports whether [aStart, aEnd) and [bStart, bEnd) share an
// instant: two interviews of one case at the same time. Slots that merely
// touch do not overlap.
func SlotsOverlap(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// CaseWindow is how far before a slot's start a store seeks a case's
// bookings that could overlap it: no booking lasts longer.
const CaseWindow = MaxBookingDuration

// CheckCaseSlot is the rule "one interview, one interpreter, unless
// meant": it returns a *CaseBookedError naming the first of bookings that
// is confirmed, or else the first of offers that is open, whose slot
// overlaps start-end, ignoring the record with ID self. Stores call it,
// inside the write of a booking or offer that is not additional, with the
// case's bookings and offers that could overlap.
func CheckCaseSlot(start, end time.Time, self string, bookings []Booking, offers []Offer) error {
	for _, b := range bookings {
		if b.ID != self && b.Status == BookingConfirmed && SlotsOverlap(start, end, b.Start, b.End) {
			return &CaseBookedError{Booking: &b}
		}
	}
	for _, o := range offers {
		if o.ID != self && o.Status == OfferOpen && SlotsOverlap(start, end, o.Start, o.End) {
			return &CaseBookedError{Offer: &o}
		}
	}
	return nil
}

// ClaimsCaseSlot reports whether CreateBooking judges b by CheckCaseSlot:
// a confirmed direct booking that is not Additional. A booking made by an
// offer is not judged again: its offer was, when it was made.
func (b Booking) ClaimsCaseSlot() bool {
	return b.Status == BookingConfirmed && b.Confirmation == ConfirmationDirect && !b.Additional
}

// MovesIntoCaseSlot reports whether storing next in place of prev moves a
// confirmed booking that is not Additional to another slot, which the
// store judges by its case's slot as it judges a new direct booking: a
// move must not put two interpreters on one interview, whichever way the
// booking was made.
func MovesIntoCaseSlot(prev, next Booking) bool {
	return next.Status == BookingConfirmed && !next.Additional &&
		(!prev.Start.Equal(next.Start) || !prev.End.Equal(next.End))
}

// ClaimsCaseSlot reports whether CreateOffer judges o by CheckCaseSlot:
// an open offer that is not Additional.
func (o Offer) ClaimsCaseSlot() bool { return o.Status == OfferOpen && !o.Additional }
