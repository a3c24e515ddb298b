package data

import "time"

// CheckStorable refuses, with a *ValidationError, a booking that the
// stores' guarantee against double booking cannot cover: one starting or
// ending outside the years 1-9999 (fixed-width start keys; RFC 3339 and BSON
// dates read no later year back), lasting longer than MaxBookingDuration, or
// keeping a buffer outside 0-MaxBuffer or a safety plan step outside
// 0-MaxSafetyStep (a store's overlap check seeks a
// window that assumes those bounds). Validate refuses all but the years;
// stores call this themselves rather than rely on their callers.
func (b Booking) CheckStorable() error {
	var p problems
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"start", b.Start}, {"end", b.End}} {
		if y := f.t.UTC().Year(); y < 1 || y > 9999 {
			p.add(f.name, "must be in the years 1 to 9999")
		}
	}
	if b.End.Sub(b.Start) > MaxBookingDuration {
		p.add("end", "must be at most "+DurationWords(MaxBookingDuration)+" after start")
	}
	if b.Buffer < 0 || b.Buffer > MaxBuffer {
		p.add("buffer", "must be from 0 to "+DurationWords(MaxBuffer))
	}
	b.Safety.check(&p, "safety.")
	return p.err()
}

// HoldsTime reports whether a booking in this status keeps its
// interpreter's time: a confirmed booking, and a completed one (its
// interview happened; recording the outcome early must not free the rest
// of the slot). A cancelled booking frees it.
func (s BookingStatus) HoldsTime() bool {
	return s == BookingConfirmed || s == BookingCompleted
}
