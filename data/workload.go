package data

import (
	"errors"
	"fmt"
	"time"
)

// WorkloadCaps bound how many child interviews one interpreter does: on one
// day and in one week (Monday to Sunday), in Europe/London, counting every
// booking that holds their time, from every organisation. Zero is no cap.
// A booking keeps the caps of the policy it was booked under, and the store
// judges them atomically with the overlap rule (see BookingStore).
type WorkloadCaps struct {
	PerDay  int
	PerWeek int
}

// MaxWorkloadCap bounds a cap a policy may set.
const MaxWorkloadCap = 100

// ErrWorkload is what a *WorkloadError matches under errors.Is.
var ErrWorkload = errors.New("workload limit reached")

// WorkloadError says a booking would take its interpreter past a cap.
type WorkloadError struct {
	Period string // "day" or "week"
	Cap    int
	Count  int // the interpreter's other bookings in that period
}

// Error names the cap, never another booking.
func (e *WorkloadError) Error() string {
	return fmt.Sprintf("the interpreter already has %d child interviews that %s; the policy allows %d", e.Count, e.Period, e.Cap)
}

// Is reports whether target is ErrWorkload.
func (e *WorkloadError) Is(target error) bool { return target == ErrWorkload }

// WorkDay returns the London day [from, to) that holds t.
func WorkDay(t time.Time) (from, to time.Time) {
	y, m, d := t.In(London).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, London).UTC(), time.Date(y, m, d+1, 0, 0, 0, 0, London).UTC()
}

// WorkWeek returns the London week [from, to), Monday to Sunday, that holds t.
func WorkWeek(t time.Time) (from, to time.Time) {
	l := t.In(London)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	y, m, d := l.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, London).UTC(), time.Date(y, m, d-back+7, 0, 0, 0, 0, London).UTC()
}

// JudgesWorkload reports whether storing next in place of prev (zero for a
// new booking) must be judged against next's caps: next holds its
// interpreter's time, has a cap, and did not hold that day before (new, or
// moved to another start). Recording an outcome never trips a cap.
func JudgesWorkload(prev, next Booking) bool {
	if !next.Status.HoldsTime() || next.Caps == (WorkloadCaps{}) {
		return false
	}
	return prev.ID == "" || !prev.Status.HoldsTime() || !prev.Start.Equal(next.Start)
}

// CheckWorkload returns a *WorkloadError when b would take its interpreter
// past b's caps, given others: bookings of the interpreter that start in
// b's week (WorkWeek) and hold time. b itself and bookings of other
// interpreters among others are not counted.
func CheckWorkload(b Booking, others []Booking) error {
	dayFrom, dayTo := WorkDay(b.Start)
	weekFrom, weekTo := WorkWeek(b.Start)
	day, week := 0, 0
	for _, o := range others {
		if o.ID == b.ID || o.InterpreterID != b.InterpreterID || !o.Status.HoldsTime() || o.Start.Before(weekFrom) || !o.Start.Before(weekTo) {
			continue
		}
		week++
		if !o.Start.Before(dayFrom) && o.Start.Before(dayTo) {
			day++
		}
	}
	switch {
	case b.Caps.PerDay > 0 && day+1 > b.Caps.PerDay:
		return &WorkloadError{Period: "day", Cap: b.Caps.PerDay, Count: day}
	case b.Caps.PerWeek > 0 && week+1 > b.Caps.PerWeek:
		return &WorkloadError{Period: "week", Cap: b.Caps.PerWeek, Count: week}
	}
	return nil
}
