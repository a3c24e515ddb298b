// Package reports holds tolk's report metrics as pure functions: no I/O,
// no clock, no store. Package app reads the period's records through the
// store's indexes (by organisation and start) and feeds them in here one
// at a time (Tally), so a report of any size holds only its counts; the
// unmet-need table, its disclosure control (Suppress) and the CSV
// encoding (WriteCSV) are here too, so the API and the pages show the same
// numbers from one place.
//
// Metrics live in their own package rather than in app because they need
// nothing of app's (who may, the store) and are tested on fixtures alone.
package reports

import (
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// LateCancellation is how close to the start a cancellation is late,
// for the cancellations recorded before outcome codes were kept (whose
// lateness is judged from their last change); since, each cancellation's
// code says it, by the policy in force when it was made.
const LateCancellation = data.DefaultLateCancellation

// Summary is what happened to an organisation's requests for interpreters
// whose interviews start in a period.
type Summary struct {
	// Requests are the offers made and the direct bookings (agreed by
	// phone) for interviews in the period.
	Requests int
	// Filled are the offers filled and the direct bookings, Unfilled the
	// offers left unfilled, Open those still asking, Withdrawn those the
	// requester cancelled (WithdrawnLate of them late, by their code);
	// FillRate is Filled/Requests (0 without requests).
	Filled, Unfilled, Open, Withdrawn int
	WithdrawnLate                     int
	FillRate                          float64
	// Direct counts the filled requests booked directly (agreed by
	// phone), which have no time to fill.
	Direct int
	// TimeToFill is how long offers took from being made to being
	// accepted.
	TimeToFill Durations
	// Cancellations counts cancelled bookings by who called them off and
	// lateness (by their outcome codes), and those withdrawn by a rule.
	Cancellations Cancellations
	// NotAttended counts interviews recorded as not attended; NoShows
	// those of them the child or the interpreter did not come to, and
	// CoordinationErrors those a mistake in arranging them stopped.
	NotAttended        int
	NoShows            NoShows
	CoordinationErrors int
	// Incidents counts the outcomes whose safety checklist says the
	// interpreter was alone with the child: safeguarding incidents.
	Incidents int
	// Searches counts the searches that found nobody eligible.
	Searches int
	// Workload is how the bookings that hold interpreters' time
	// (confirmed or completed) spread over interpreters.
	Workload Workload
}

// Durations is a distribution of durations: how many, their median and
// 90th percentile (nearest rank), zero when there are none.
type Durations struct {
	Count       int
	Median, P90 time.Duration
}

// Cancellations counts cancelled bookings: all of them and the late ones
// (Total, Late), by the party that called them off (Requester,
// Interpreter), those withdrawn because the interpreter no longer met a
// hard rule (WithdrawnByRule, never late: no party chose them), and those
// cancelled before outcome codes were kept (Unrecorded: by no known
// party, late by LateCancellation from their last change).
type Cancellations struct {
	Total, Late            int
	Requester, Interpreter PartyCount
	WithdrawnByRule        int
	Unrecorded             int
}

// PartyCount counts one party's cancellations, and the late ones.
type PartyCount struct {
	Total, Late int
}

// NoShows counts interviews one side did not come to: the child
// (child_did_not_attend) or the interpreter (interpreter_no_show).
type NoShows struct {
	Child, Interpreter int
}

// Workload is the spread of bookings over the interpreters who have any:
// how many interpreters, and the fewest, median and most bookings one of
// them has.
type Workload struct {
	Interpreters     int
	Min, Median, Max int
	Bookings         int
}

// Tally accumulates a Summary one record at a time. The zero Tally is
// empty and ready.
type Tally struct {
	s       Summary
	fills   []time.Duration
	perHead map[string]int
}

// AddOffer counts an offer whose interview starts in the period: a
// request, filled, unfilled, open or withdrawn.
func (t *Tally) AddOffer(o data.OfferFact) {
	t.s.Requests++
	switch o.Status {
	case data.OfferFilled:
		t.s.Filled++
	case data.OfferUnfilled:
		t.s.Unfilled++
	case data.OfferOpen:
		t.s.Open++
	case data.OfferCancelled:
		t.s.Withdrawn++
		if o.Code.Late() {
			t.s.WithdrawnLate++
		}
	}
}

// AddBooking counts a booking whose interview starts in the period: a
// direct booking is a request filled (an offer's booking was counted with
// its offer, see AddOffer); an offer's time to fill runs from when it was
// made to the booking's creation (its acceptance). How it ended counts by
// its code (see Cancellations, NoShows), and an incident whatever the
// outcome.
func (t *Tally) AddBooking(b data.BookingFact) {
	if b.Confirmation == data.ConfirmationDirect {
		t.s.Requests++
		t.s.Filled++
		t.s.Direct++
	} else if !b.OfferedAt.IsZero() && !b.CreatedAt.Before(b.OfferedAt) {
		t.fills = append(t.fills, b.CreatedAt.Sub(b.OfferedAt))
	}
	switch b.Status {
	case data.BookingCancelled:
		t.cancelled(b)
	case data.BookingCompleted:
		if b.Recorded && !b.Attended {
			t.s.NotAttended++
		}
		switch b.Code {
		case data.OutcomeChildDidNotAttend:
			t.s.NoShows.Child++
		case data.OutcomeInterpreterNoShow:
			t.s.NoShows.Interpreter++
		case data.OutcomeCoordinationError:
			t.s.CoordinationErrors++
		}
	}
	if b.Incident {
		t.s.Incidents++
	}
	if b.Status.HoldsTime() {
		if t.perHead == nil {
			t.perHead = map[string]int{}
		}
		t.perHead[b.InterpreterID]++
	}
}

// cancelled counts a cancelled booking by its code.
func (t *Tally) cancelled(b data.BookingFact) {
	c := &t.s.Cancellations
	c.Total++
	var party *PartyCount
	switch b.Code {
	case data.OutcomeCancelledByRequester, data.OutcomeCancelledByRequesterLate:
		party = &c.Requester
	case data.OutcomeCancelledByInterpreter, data.OutcomeCancelledByInterpreterLate:
		party = &c.Interpreter
	case data.OutcomeWithdrawnByRule:
		c.WithdrawnByRule++
		return
	default: // before codes were kept
		c.Unrecorded++
		if b.Start.Sub(b.UpdatedAt) < LateCancellation {
			c.Late++
		}
		return
	}
	party.Total++
	if b.Code.Late() {
		party.Late++
		c.Late++
	}
}

// AddNeed counts an entry of unmet need whose interview starts in the
// period: a search that found nobody (not a request: it asked nobody).
// An unfilled offer's entry adds nothing: the offer is counted itself
// (AddOffer).
func (t *Tally) AddNeed(n data.UnmetNeed) {
	if n.Source == data.NeedSearch {
		t.s.Searches++
	}
}

// Summary returns the summary of what was added.
func (t *Tally) Summary() Summary {
	s := t.s
	if s.Requests > 0 {
		s.FillRate = float64(s.Filled) / float64(s.Requests)
	}
	fills := slices.Clone(t.fills)
	slices.Sort(fills)
	s.TimeToFill = Durations{Count: len(fills), Median: rank(fills, 50), P90: rank(fills, 90)}
	counts := make([]int, 0, len(t.perHead))
	for _, n := range t.perHead {
		counts = append(counts, n)
		s.Workload.Bookings += n
	}
	slices.Sort(counts)
	if len(counts) > 0 {
		s.Workload.Interpreters = len(counts)
		s.Workload.Min, s.Workload.Max = counts[0], counts[len(counts)-1]
		s.Workload.Median = rank(counts, 50)
	}
	return s
}

// rank is the p-th percentile of sorted by nearest rank: the smallest
// value with at least p% of the values at or below it; zero when empty.
func rank[T any](sorted []T, p int) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(i, 1)-1]
}
