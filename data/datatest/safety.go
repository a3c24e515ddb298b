package datatest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runSafety holds the tests of a booking's safety logistics: its plan
// holds the interpreter's time, its workload caps are judged with the
// overlap rule, and its checklist and wellbeing are kept.
func runSafety(t *testing.T, newDB NewDatabase) {
	t.Run("SafetyRoundTrip", func(t *testing.T) { testSafetyRoundTrip(t, newDB(t)()) })
	t.Run("PlanHoldsTime", func(t *testing.T) { testPlanHoldsTime(t, newDB(t)()) })
	t.Run("WorkloadCaps", func(t *testing.T) { testWorkloadCaps(t, newDB(t)()) })
	t.Run("WorkloadCapsOnAcceptance", func(t *testing.T) { testWorkloadCapsOnAcceptance(t, newDB(t)()) })
	t.Run("ConcurrentWorkload", func(t *testing.T) { testConcurrentWorkload(t, newDB(t)) })
}

// abePlan is the default plan of an ABE interview: 15 minutes of briefing
// and of debrief, leaving 10 minutes after the child.
var abePlan = data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute}

func testSafetyRoundTrip(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := inPerson(newBooking(c, "int-1", "10:00", "11:00"), 30*time.Minute)
	b.Safety = data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 20 * time.Minute, Arrive: 5 * time.Minute, Stagger: 10*time.Minute + 500*time.Millisecond}
	b.Caps = data.WorkloadCaps{PerDay: 2, PerWeek: 8}
	if err := book(t, s, b); err != nil {
		t.Fatalf("CreateBooking: %v", err)
	}
	got, err := s.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedBooking(b), got, cmpOpts); diff != "" {
		t.Errorf("stored booking (-want +got):\n%s", diff)
	}
	// The outcome with its code and checklist, and the interpreter's word.
	updated, err := s.UpdateBooking(ctx, b.ID, func(old data.Booking) (data.Booking, data.Change, error) {
		next, err := old.Complete(data.Outcome{Attended: true, ChildComfortable: true, Code: data.OutcomeAttended,
			Checklist: &data.Checklist{Briefed: true, ConflictRedeclared: true, NeverAloneWithChild: false, DebriefOffered: true}, RecordedBy: "sw-1"}, at("11:05"))
		if err != nil {
			return old, data.Change{}, err
		}
		next, err = next.MarkDistressing(at("11:30"))
		return next, bookingChange(next, data.ActionBookingOutcome), err
	})
	if err != nil {
		t.Fatalf("UpdateBooking: %v", err)
	}
	got, err = s.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedBooking(updated), got, cmpOpts); diff != "" {
		t.Errorf("completed booking (-want +got):\n%s", diff)
	}
	if got.Outcome == nil || got.Outcome.Checklist == nil || got.Outcome.Checklist.NeverAloneWithChild || !got.Outcome.Incident() ||
		got.Outcome.Code != data.OutcomeAttended || got.Wellbeing == nil || !got.Wellbeing.Distressing {
		t.Errorf("outcome %+v, wellbeing %+v: want the checklist, its incident, the code and the distressing flag kept", got.Outcome, got.Wellbeing)
	}
	// An offer keeps its plan.
	o := newOffer(c, data.OfferBroadcast, base, "int-2")
	o.Safety = abePlan
	createOffer(t, s, o)
	gotOffer, err := s.Offer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotOffer.Safety != abePlan {
		t.Errorf("offer's plan %+v, want %+v", gotOffer.Safety, abePlan)
	}
}

func testPlanHoldsTime(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	first := newBooking(c, "int-1", "10:00", "11:00")
	first.Safety = abePlan // holds 09:45 to 11:15
	if err := book(t, s, first); err != nil {
		t.Fatalf("CreateBooking: %v", err)
	}
	for _, tc := range []struct {
		from, to string
		plan     data.SafetyPlan
		blocked  bool
	}{
		{"11:00", "12:00", data.SafetyPlan{}, true},  // during the debrief
		{"11:14", "12:00", data.SafetyPlan{}, true},  // the last minute of the debrief
		{"11:15", "12:00", data.SafetyPlan{}, false}, // from its departure
		{"09:00", "09:46", data.SafetyPlan{}, true},  // into the briefing
		{"09:00", "09:45", data.SafetyPlan{}, false}, // up to the briefing
		{"11:20", "12:00", abePlan, true},            // its own briefing from 11:05
		{"11:30", "12:00", abePlan, false},           // its own briefing from 11:15
		{"08:00", "09:35", abePlan, true},            // its own debrief to 09:50
		{"08:00", "09:30", abePlan, false},           // its own debrief to 09:45
	} {
		b := newBooking(c, "int-1", tc.from, tc.to)
		b.Safety = tc.plan
		err := book(t, s, b)
		if !tc.blocked {
			if err != nil {
				t.Errorf("%s-%s with plan %v: %v, want booked", tc.from, tc.to, tc.plan, err)
			}
			// Free the time for the next case.
			if _, err := s.UpdateBooking(ctx, b.ID, cancel("test")); err != nil {
				t.Fatal(err)
			}
			continue
		}
		oe, ok := errors.AsType[*data.OverlapError](err)
		if !ok || oe.Existing.ID != first.ID {
			t.Errorf("%s-%s with plan %v: %v, want an overlap naming %s", tc.from, tc.to, tc.plan, err, first.ID)
		}
	}
	// Rescheduling into the debrief is refused too.
	second := newBooking(c, "int-1", "13:00", "14:00")
	if err := book(t, s, second); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, second.ID, reschedule("11:10", "12:00")); !errors.Is(err, data.ErrOverlap) {
		t.Errorf("reschedule into the debrief: %v, want ErrOverlap", err)
	}
}

// capped is a booking of interpreter on day+dayOffset, hh:00 to hh:30,
// under caps of 2 a day and 3 a week.
func capped(c data.Case, interpreter string, dayOffset, hour int) data.Booking {
	b := newBooking(c, interpreter, fmt.Sprintf("%02d:00", hour), fmt.Sprintf("%02d:30", hour))
	b.Start, b.End = b.Start.AddDate(0, 0, dayOffset), b.End.AddDate(0, 0, dayOffset)
	b.Caps = data.WorkloadCaps{PerDay: 2, PerWeek: 3}
	return b
}

func testWorkloadCaps(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	// day is a Monday: London's week runs to Sunday.
	a, b := capped(c, "int-1", 0, 9), capped(c, "int-1", 0, 11)
	for _, x := range []data.Booking{a, b} {
		if err := book(t, s, x); err != nil {
			t.Fatalf("CreateBooking: %v", err)
		}
	}
	third := capped(c, "int-1", 0, 14)
	var we *data.WorkloadError
	if err := book(t, s, third); !errors.As(err, &we) || we.Period != "day" || we.Cap != 2 || we.Count != 2 || !errors.Is(err, data.ErrWorkload) {
		t.Fatalf("third booking of the day: %v, want a day's WorkloadError (2 of 2)", err)
	}
	wantNoBooking(t, s, third.ID, "a booking past the day's cap")
	// Another interpreter, and the same one without caps, are not held back.
	if err := book(t, s, capped(c, "int-2", 0, 14)); err != nil {
		t.Errorf("another interpreter: %v", err)
	}
	uncapped := capped(c, "int-1", 0, 16)
	uncapped.Caps = data.WorkloadCaps{}
	if err := book(t, s, uncapped); err != nil {
		t.Errorf("a booking with no caps: %v", err)
	}
	if _, err := s.UpdateBooking(ctx, uncapped.ID, cancel("test")); err != nil {
		t.Fatal(err)
	}
	// Recording an outcome does not trip the cap it was booked under.
	if _, err := s.UpdateBooking(ctx, a.ID, func(old data.Booking) (data.Booking, data.Change, error) {
		next, err := old.Complete(data.Outcome{}, at("09:10"))
		return next, bookingChange(next, data.ActionBookingOutcome), err
	}); err != nil {
		t.Errorf("outcome of a booking on a full day: %v", err)
	}
	// The week: a third on Tuesday fits, a fourth on Sunday does not.
	if err := book(t, s, capped(c, "int-1", 1, 9)); err != nil {
		t.Fatalf("third of the week: %v", err)
	}
	sunday := capped(c, "int-1", 6, 9)
	if err := book(t, s, sunday); !errors.As(err, &we) || we.Period != "week" || we.Cap != 3 {
		t.Errorf("fourth of the week: %v, want a week's WorkloadError", err)
	}
	// Next Monday is another week.
	if err := book(t, s, capped(c, "int-1", 7, 9)); err != nil {
		t.Errorf("next week: %v", err)
	}
	// Moving a booking into a full day is refused; cancelling frees a place.
	wed := capped(c, "int-2", 2, 9)
	if err := book(t, s, wed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, b.ID, cancel("test")); err != nil {
		t.Fatal(err)
	}
	if err := book(t, s, sunday); err != nil {
		t.Errorf("after a cancellation: %v, want booked", err)
	}
	if _, err := s.UpdateBooking(ctx, sunday.ID, func(old data.Booking) (data.Booking, data.Change, error) {
		next, action, err := old.Reschedule(old.Start.AddDate(0, 0, -6).Add(5*time.Hour), old.End.AddDate(0, 0, -6).Add(5*time.Hour), old.Location, base)
		return next, bookingChange(next, action), err
	}); err != nil {
		t.Errorf("moving within the week to a day with room: %v", err)
	}
}

func testWorkloadCapsOnAcceptance(t *testing.T, s data.Store) {
	c := newCase(1, "north")
	for _, h := range []int{7, 8} {
		if err := book(t, s, capped(c, "int-a", 0, h)); err != nil {
			t.Fatal(err)
		}
	}
	o := newOffer(c, data.OfferBroadcast, base, "int-a")
	createOffer(t, s, o)
	id := "bk-accept-capped"
	_, _, err := s.FillOffer(t.Context(), o.ID, func(cur data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, b, ch, err := accept("int-a", id, base)(cur)
		b.Caps = data.WorkloadCaps{PerDay: 2}
		return next, b, ch, err
	})
	if !errors.Is(err, data.ErrWorkload) {
		t.Errorf("acceptance past the day's cap: %v, want ErrWorkload", err)
	}
	wantNoBooking(t, s, id, "an acceptance past the cap")
	if got, err := s.Offer(t.Context(), o.ID); err != nil || got.Status != data.OfferOpen {
		t.Errorf("offer after a refused acceptance: %v %v, want still open", got.Status, err)
	}
}

// testConcurrentWorkload races bookings of separate slots of one
// interpreter's day, through two store instances, under a cap of 2 with
// one booked: exactly one lands.
func testConcurrentWorkload(t *testing.T, open func() data.Store) {
	stores := []data.Store{open(), open()}
	c := newCase(1, "north")
	if err := book(t, stores[0], capped(c, "busy", 0, 7)); err != nil {
		t.Fatal(err)
	}
	const writers = 10
	bookings := make([]data.Booking, writers)
	for i := range writers {
		bookings[i] = capped(c, "busy", 0, 8+i)
	}
	if wins := oneWins(t, stores, bookings, data.ErrWorkload); wins != 1 {
		t.Errorf("%d bookings won a day with room for one, want exactly 1", wins)
	}
	got, err := stores[1].ConfirmedBookings(t.Context(), []string{"busy"}, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("%d bookings stored on the day, want 2", len(got))
	}
}
