package data

import (
	"fmt"
	"time"
)

// SafetyPlan is the safety logistics of one interview: a briefing with the
// interviewer before it and a debrief after it, when the interpreter
// arrives, and how long after the child the interpreter leaves (a
// staggered departure, so they never leave together). Briefing, debrief
// and the staggered departure hold the interpreter's time like the
// interview (see Booking.HeldFrom and Booking.HeldUntil). The zero plan is
// a bare interview, as bookings made before plans existed are.
type SafetyPlan struct {
	// Briefing is how long the interpreter is briefed before the interview.
	Briefing time.Duration
	// Debrief is how long the debrief after the interview lasts.
	Debrief time.Duration
	// Arrive is how long before the briefing the interpreter arrives (in
	// person; zero for video and phone, which are joined at the briefing).
	Arrive time.Duration
	// Stagger is how long after the child the interpreter leaves, at least.
	Stagger time.Duration
}

// MaxSafetyStep bounds each part of a safety plan, so that a store's
// overlap check can seek a bounded window (see Booking.OverlapWindow).
const MaxSafetyStep = 2 * time.Hour

// check adds a problem for each part of the plan outside 0-MaxSafetyStep,
// named under prefix.
func (s SafetyPlan) check(p *problems, prefix string) {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"briefingMinutes", s.Briefing}, {"debriefMinutes", s.Debrief}, {"arriveMinutesBefore", s.Arrive}, {"departAfterChildMinutes", s.Stagger}} {
		if f.d < 0 || f.d > MaxSafetyStep {
			p.add(prefix+f.name, fmt.Sprintf("must be from 0 to %d minutes", MaxSafetyStep/time.Minute))
		}
	}
}

// Lead is how long before the interview the interpreter's time is held:
// the arrival and the briefing.
func (s SafetyPlan) Lead() time.Duration { return s.Arrive + s.Briefing }

// Tail is how long after the interview the interpreter's time is held: the
// debrief or the staggered departure, whichever ends later.
func (s SafetyPlan) Tail() time.Duration { return max(s.Debrief, s.Stagger) }

// Arrival is when the interpreter arrives (or joins the call).
func (b Booking) Arrival() time.Time { return b.Start.Add(-b.Safety.Lead()) }

// BriefingStart is when the briefing begins.
func (b Booking) BriefingStart() time.Time { return b.Start.Add(-b.Safety.Briefing) }

// DebriefEnd is when the debrief ends.
func (b Booking) DebriefEnd() time.Time { return b.End.Add(b.Safety.Debrief) }

// Departure is the earliest time the interpreter leaves: after the debrief,
// and at least Stagger after the child.
func (b Booking) Departure() time.Time { return b.End.Add(b.Safety.Tail()) }

// HeldFrom is the start of the time the booking holds of its interpreter:
// the arrival.
func (b Booking) HeldFrom() time.Time { return b.Arrival() }

// HeldUntil is the end of the time the booking holds: the departure.
func (b Booking) HeldUntil() time.Time { return b.Departure() }

// OverlapWindow is the range of start times a store seeks to find every
// booking of the same interpreter that could Block b: none starting
// outside [from, to) can, since no booking lasts longer than
// MaxBookingDuration, keeps a larger buffer than MaxBuffer, or a plan
// step longer than MaxSafetyStep.
func (b Booking) OverlapWindow() (from, to time.Time) {
	from = b.HeldFrom().Add(-MaxBookingDuration - MaxBuffer - 2*MaxSafetyStep)
	to = b.HeldUntil().Add(MaxBuffer + 2*MaxSafetyStep)
	return from, to
}

// SafetyRules are the rules every interpreter of a child interview keeps,
// in plain words, as invitations, calendars and pages state them.
var SafetyRules = []string{
	"You are never alone with the child: if the interviewer leaves the room, you leave too.",
	"Wait apart from the child, before and after the interview.",
	"Do not leave with the child: leave after them, at the time given.",
}

// PlanLines states a booking's safety plan for its interpreter in plain
// words, times in Europe/London: when to arrive (or join), the briefing,
// the interview, the debrief, when to leave (TimeLines), and the rules
// (SafetyRules). A booking with no plan gets the interview and the rules.
func (b Booking) PlanLines() []string {
	return append(b.TimeLines(), SafetyRules...)
}

// TimeLines states the interpreter's own times of a booking, in plain
// words, Europe/London: PlanLines without the rules.
func (b Booking) TimeLines() []string {
	hm := func(t time.Time) string { return t.In(London).Format("15:04") }
	var out []string
	verb := "Arrive"
	if b.Modality != ModalityInPerson {
		verb = "Join"
	}
	switch {
	case b.Safety.Briefing > 0 && b.Safety.Arrive > 0:
		out = append(out, fmt.Sprintf("%s at %s for the briefing at %s (%d minutes, with the interviewer, without the child).",
			verb, hm(b.Arrival()), hm(b.BriefingStart()), b.Safety.Briefing/time.Minute))
	case b.Safety.Briefing > 0:
		out = append(out, fmt.Sprintf("%s at %s for the briefing (%d minutes, with the interviewer, without the child).",
			verb, hm(b.BriefingStart()), b.Safety.Briefing/time.Minute))
	default:
		out = append(out, fmt.Sprintf("%s at %s.", verb, hm(b.Arrival())))
	}
	out = append(out, fmt.Sprintf("The interview: %s to %s.", hm(b.Start), hm(b.End)))
	if b.Safety.Debrief > 0 {
		out = append(out, fmt.Sprintf("The debrief: %s to %s, once the child has left.", hm(b.End), hm(b.DebriefEnd())))
	}
	switch {
	case b.Safety.Stagger > 0:
		out = append(out, fmt.Sprintf("Leave at %s or later, at least %d minutes after the child.", hm(b.Departure()), b.Safety.Stagger/time.Minute))
	case b.Safety.Debrief > 0:
		out = append(out, fmt.Sprintf("Leave at %s or later.", hm(b.Departure())))
	}
	return out
}
