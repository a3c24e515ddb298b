package data

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestHeldTime(t *testing.T) {
	start := time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC) // 10:00 in London (BST)
	b := Booking{Start: start, End: start.Add(time.Hour), Modality: ModalityInPerson,
		Safety: SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Arrive: 5 * time.Minute, Stagger: 20 * time.Minute}}
	if !b.HeldFrom().Equal(start.Add(-20*time.Minute)) || !b.HeldUntil().Equal(start.Add(80*time.Minute)) {
		t.Errorf("held %v-%v, want from the arrival to the staggered departure", b.HeldFrom(), b.HeldUntil())
	}
	want := []string{
		"Arrive at 09:40 for the briefing at 09:45 (15 minutes, with the interviewer, without the child).",
		"The interview: 10:00 to 11:00.",
		"The debrief: 11:00 to 11:15, once the child has left.",
		"Leave at 11:20 or later, at least 20 minutes after the child.",
	}
	if got := b.TimeLines(); !slices.Equal(got, want) {
		t.Errorf("TimeLines = %q, want %q", got, want)
	}
	if got := b.PlanLines(); len(got) != len(want)+len(SafetyRules) {
		t.Errorf("PlanLines holds %d lines, want the times and the rules", len(got))
	}
	// Two bookings blocked only by the plan.
	next := Booking{Start: b.End.Add(10 * time.Minute), End: b.End.Add(time.Hour)}
	if !Blocks(b, next) || !Blocks(next, b) {
		t.Errorf("a booking during the staggered departure does not block")
	}
	next.Start = b.HeldUntil()
	if Blocks(b, next) {
		t.Errorf("a booking from the departure blocks")
	}
	from, to := b.OverlapWindow()
	if !from.Before(b.HeldFrom().Add(-MaxBookingDuration)) || !to.After(b.HeldUntil()) {
		t.Errorf("overlap window %v-%v too narrow", from, to)
	}
	// A plan out of bounds is refused.
	b.Safety.Debrief = MaxSafetyStep + time.Minute
	if err := b.CheckStorable(); err == nil {
		t.Errorf("a debrief past MaxSafetyStep is storable")
	}
}

func TestWorkWeekAcrossClockChanges(t *testing.T) {
	// Sunday 29 March 2026, 23:30 BST is in the week from Monday 23 March.
	sun := time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC)
	from, to := WorkWeek(sun)
	if want := time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC); !from.Equal(want) || !to.Equal(time.Date(2026, 3, 29, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("week %v-%v, want Monday 23 March 00:00 GMT to Monday 30 March 00:00 BST", from, to)
	}
	if d0, d1 := WorkDay(sun); !d0.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) || d1.Sub(d0) != 23*time.Hour {
		t.Errorf("the day of the clock change %v-%v, want 23 hours", d0, d1)
	}
}

func TestCheckWorkload(t *testing.T) {
	mon := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	b := Booking{ID: "new", InterpreterID: "a", Start: mon.Add(6 * time.Hour), Status: BookingConfirmed, Caps: WorkloadCaps{PerDay: 2, PerWeek: 3}}
	other := func(id string, at time.Time, s BookingStatus) Booking {
		return Booking{ID: id, InterpreterID: "a", Start: at, Status: s}
	}
	others := []Booking{
		other("1", mon, BookingConfirmed), other("x", mon.Add(time.Hour), BookingCancelled),
		{ID: "y", InterpreterID: "b", Start: mon, Status: BookingConfirmed}, other("new", mon.Add(6*time.Hour), BookingConfirmed),
		other("prev-week", mon.AddDate(0, 0, -1), BookingConfirmed),
	}
	if err := CheckWorkload(b, others); err != nil {
		t.Errorf("a second of the day: %v", err)
	}
	others = append(others, other("2", mon.Add(2*time.Hour), BookingConfirmed))
	var we *WorkloadError
	if err := CheckWorkload(b, others); !errors.As(err, &we) || we.Period != "day" || we.Count != 2 {
		t.Errorf("a third of the day: %v", err)
	}
	b.Start = mon.AddDate(0, 0, 3)
	if err := CheckWorkload(b, others); err != nil {
		t.Errorf("a third of the week: %v", err)
	}
	others = append(others, other("3", mon.AddDate(0, 0, 1), BookingCompleted))
	if err := CheckWorkload(b, others); !errors.As(err, &we) || we.Period != "week" {
		t.Errorf("a fourth of the week: %v", err)
	}
	if JudgesWorkload(b, b) || !JudgesWorkload(Booking{}, b) {
		t.Errorf("JudgesWorkload: an unmoved booking is judged, or a new one is not")
	}
}

func TestCompleteNeedsChecklist(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b := Booking{Status: BookingConfirmed, Start: start, End: start.Add(time.Hour)}
	if _, err := b.Complete(Outcome{Attended: true}, start); !errors.Is(err, ErrInvalid) {
		t.Errorf("attended without a checklist: %v, want ErrInvalid", err)
	}
	done, err := b.Complete(Outcome{Attended: true, Checklist: &Checklist{}}, start)
	if err != nil || done.Outcome.Code != OutcomeAttended || !done.Outcome.Incident() {
		t.Errorf("attended with a checklist: %+v %v", done.Outcome, err)
	}
	if _, err := b.Complete(Outcome{Code: OutcomeChildDidNotAttend}, start); err != nil {
		t.Errorf("not attended: %v", err)
	}
	if _, err := b.MarkDistressing(start); err == nil {
		t.Errorf("marked before the interview ended")
	}
}
