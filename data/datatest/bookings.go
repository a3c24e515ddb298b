package datatest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// day is the morning every booking fixture is placed on.
var day = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func at(hhmm string) time.Time {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		panic(err)
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
}

var bookingSeq int

// newBooking is a confirmed video booking of interpreter for case c,
// from-to on day, booked directly as an additional interpreter, so that
// the tests of one interpreter's time may put several bookings of one case
// at one time (the case's own rule is testCaseSlots').
func newBooking(c data.Case, interpreter, from, to string) data.Booking {
	bookingSeq++
	now := base.Add(time.Duration(bookingSeq) * time.Millisecond)
	return data.Booking{
		ID: data.NewID(now), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference,
		InterpreterID: interpreter, BookedBy: "sw-1", Start: at(from), End: at(to),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
		Confirmation: data.ConfirmationDirect, Additional: true,
		Match: data.MatchSnapshot{
			Score:    42,
			Factors:  []data.Factor{{Factor: "training", Points: 30, Reason: "trauma-informed training"}, {Factor: "spread", Points: 12, Reason: "few recent bookings"}},
			Warnings: []data.Reason{{Code: "community_link", Message: "shares a declared country link with the child"}},
		},
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

// inPerson makes b an in-person booking with a travel buffer.
func inPerson(b data.Booking, buffer time.Duration) data.Booking {
	b.Modality, b.Region, b.Location, b.Buffer = data.ModalityInPerson, "GB-LND", "Room 4, 1 Example Street", buffer
	return b
}

func storedBooking(b data.Booking) data.Booking {
	b.Start, b.End = data.Timestamp(b.Start), data.Timestamp(b.End)
	b.CreatedAt, b.UpdatedAt = data.Timestamp(b.CreatedAt), data.Timestamp(b.UpdatedAt)
	if !b.OfferedAt.IsZero() {
		b.OfferedAt = data.Timestamp(b.OfferedAt)
	}
	if b.Outcome != nil {
		o := *b.Outcome
		o.RecordedAt = data.Timestamp(o.RecordedAt)
		b.Outcome = &o
	}
	if b.Wellbeing != nil {
		w := *b.Wellbeing
		w.MarkedAt = data.Timestamp(w.MarkedAt)
		b.Wellbeing = &w
	}
	if !b.WithdrawalDismissed.IsZero() {
		b.WithdrawalDismissed = data.Timestamp(b.WithdrawalDismissed)
	}
	return b
}

func bookingAudit(b data.Booking, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, b.Organisation, action, data.EntityBooking, b.ID)
}

func bookingChange(b data.Booking, action data.Action) data.Change {
	return data.Audited(bookingAudit(b, action))
}

func book(t *testing.T, s data.Store, b data.Booking) error {
	t.Helper()
	return s.CreateBooking(t.Context(), b, bookingChange(b, data.ActionBookingCreated))
}

// cancel is the update function that cancels a booking by its state
// machine (data.Booking.Cancel), refusing as it does: by the requester.
func cancel(reason string) data.Update[data.Booking] {
	return cancelAs(reason, data.OutcomeCancelledByRequester)
}

// cancelAs is cancel with the cancellation's code.
func cancelAs(reason string, code data.OutcomeCode) data.Update[data.Booking] {
	return func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.Cancel(reason, code, base)
		if err != nil {
			return b, data.Change{}, err
		}
		return next, bookingChange(next, data.ActionBookingCancelled), nil
	}
}

// reschedule is the update function that moves a booking by its state
// machine (data.Booking.Reschedule), refusing as it does.
func reschedule(from, to string) data.Update[data.Booking] {
	return func(b data.Booking) (data.Booking, data.Change, error) {
		next, action, err := b.Reschedule(at(from), at(to), b.Location, base)
		if err != nil {
			return b, data.Change{}, err
		}
		return next, bookingChange(next, action), nil
	}
}

func bookingIDs(bs []data.Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

func testBookings(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := inPerson(newBooking(c, "int-1", "10:00", "11:30"), 30*time.Minute)
	b.Start = b.Start.In(time.FixedZone("BST", 3600)).Add(123456789) // zone and nanoseconds are normalised
	b.Idempotency = data.HashKey("sw-1\x00key-1\x00the request")
	if err := b.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	if err := book(t, s, b); err != nil {
		t.Fatalf("CreateBooking: %v", err)
	}
	got, err := s.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedBooking(b), got, cmpOpts); diff != "" {
		t.Errorf("Booking round trip (-want +got):\n%s", diff)
	}
	if got.Start.Location() != time.UTC {
		t.Errorf("Start in %v, want UTC", got.Start.Location())
	}
	if err := book(t, s, b); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateBooking with a taken ID: %v, want ErrDuplicate", err)
	}
	// A video booking keeps the link the interpreter joins by, ...
	video := newBooking(c, "int-7", "10:00", "11:30")
	video.Modality, video.JoinDetails, video.Additional = data.ModalityVideo, "https://meet.example.org/abc-defg-hij, PIN 4821", true
	// ... withdrawn by a rule, its notice dismissed by the booker.
	video.Status, video.Code, video.CancelReason, video.Sequence = data.BookingCancelled, data.OutcomeWithdrawnByRule, "vetting suspended", 1
	video.WithdrawalDismissed = base.Add(time.Hour)
	if err := book(t, s, video); err != nil {
		t.Fatalf("CreateBooking(video): %v", err)
	}
	if got, err := s.Booking(ctx, video.ID); err != nil || got.JoinDetails != video.JoinDetails || !cmp.Equal(storedBooking(video), got, cmpOpts) {
		t.Errorf("video booking round trip: %v, joinDetails %q (-want +got):\n%s", err, got.JoinDetails, cmp.Diff(storedBooking(video), got, cmpOpts))
	}
	if _, err := s.Booking(ctx, "no-such-booking"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Booking(unknown): %v, want ErrNotFound", err)
	}
	// An outcome and a cancellation reason round-trip.
	done := got
	done.Status, done.Sequence = data.BookingCompleted, 1
	done.Outcome = &data.Outcome{Attended: true, ChildComfortable: false, Note: "asked for a break", RecordedBy: "sw-1", RecordedAt: base}
	updated, err := s.UpdateBooking(ctx, b.ID, to(done, bookingChange(b, data.ActionBookingOutcome)))
	if err != nil {
		t.Fatalf("UpdateBooking: %v", err)
	}
	want := storedBooking(done)
	want.Version = 2
	if diff := cmp.Diff(want, updated, cmpOpts); diff != "" {
		t.Errorf("UpdateBooking result (-want +got):\n%s", diff)
	}
	if got, _ := s.Booking(ctx, b.ID); !cmp.Equal(want, got, cmpOpts) {
		t.Errorf("stored after update: %+v", got)
	}
	if got := auditActions(t, s, b.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated, data.ActionBookingOutcome}) {
		t.Errorf("booking audit = %v", got)
	}
}

// testBookingOverlaps: a confirmed booking blocks the times it covers and,
// for in-person interviews, the travel buffer around them; touching video
// bookings do not block; other interpreters and cancelled bookings never do.
func testBookingOverlaps(t *testing.T, s data.Store) {
	c := newCase(1, "north")
	existing := newBooking(c, "int-1", "10:00", "11:00")
	if err := book(t, s, existing); err != nil {
		t.Fatal(err)
	}
	travel := inPerson(newBooking(c, "int-2", "10:00", "11:00"), 30*time.Minute)
	if err := book(t, s, travel); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		b       data.Booking
		blocked *data.Booking
	}{
		{"the same slot", newBooking(c, "int-1", "10:00", "11:00"), &existing},
		{"inside", newBooking(c, "int-1", "10:15", "10:45"), &existing},
		{"around", newBooking(c, "int-1", "09:00", "12:00"), &existing},
		{"overlapping the end", newBooking(c, "int-1", "10:59", "12:00"), &existing},
		{"video right after", newBooking(c, "int-1", "11:00", "12:00"), nil},
		{"video right before", newBooking(c, "int-1", "09:00", "10:00"), nil},
		{"in person inside its own buffer", inPerson(newBooking(c, "int-1", "11:15", "12:00"), 30*time.Minute), &existing},
		{"in person just outside its buffer", inPerson(newBooking(c, "int-1", "08:00", "09:30"), 30*time.Minute), nil},
		{"video inside the buffer of an in-person booking", newBooking(c, "int-2", "11:10", "12:00"), &travel},
		{"video just outside that buffer", newBooking(c, "int-2", "11:30", "12:00"), nil},
		{"another interpreter, same slot", newBooking(c, "int-3", "10:00", "11:00"), nil},
		{"a cancelled booking in the slot", func() data.Booking {
			b := newBooking(c, "int-1", "10:00", "11:00")
			b.Status = data.BookingCancelled
			return b
		}(), nil},
	} {
		err := book(t, s, tc.b)
		var oe *data.OverlapError
		switch {
		case tc.blocked == nil && err != nil:
			t.Errorf("%s: %v, want it booked", tc.name, err)
		case tc.blocked != nil && (!errors.Is(err, data.ErrOverlap) || !errors.As(err, &oe)):
			t.Errorf("%s: error = %v, want an OverlapError", tc.name, err)
		case tc.blocked != nil && oe.Existing.ID != tc.blocked.ID:
			t.Errorf("%s: blocked by %s, want %s", tc.name, oe.Existing.ID, tc.blocked.ID)
		case tc.blocked != nil:
			if _, err := s.Booking(t.Context(), tc.b.ID); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("%s: the refused booking was stored: %v", tc.name, err)
			}
			if got := auditActions(t, s, tc.b.ID); len(got) != 0 {
				t.Errorf("%s: the refused booking was audited: %v", tc.name, got)
			}
		}
		// Keep the interpreters' days clean for the next case.
		if err == nil && tc.b.Status == data.BookingConfirmed {
			if _, err := s.UpdateBooking(t.Context(), tc.b.ID, cancel("keep the day clean")); err != nil {
				t.Fatalf("%s: cancel: %v", tc.name, err)
			}
		}
	}
}

// testBookingUpdates: a reschedule is checked against the interpreter's
// other bookings (not itself), and one onto another is an *OverlapError
// naming it; a reschedule to where the booking is writes nothing; a
// cancellation frees the slot at once.
func testBookingUpdates(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	first := newBooking(c, "int-1", "09:00", "10:00")
	second := newBooking(c, "int-1", "11:00", "12:00")
	for _, b := range []data.Booking{first, second} {
		if err := book(t, s, b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UpdateBooking(ctx, first.ID, reschedule("09:30", "10:30"))
	if err != nil || got.Version != 2 || got.Sequence != 1 || !got.Start.Equal(at("09:30")) {
		t.Fatalf("reschedule over its own old slot: %+v, %v", got, err)
	}
	_, err = s.UpdateBooking(ctx, first.ID, reschedule("11:30", "12:30"))
	if oe, ok := errors.AsType[*data.OverlapError](err); !ok || oe.Existing.ID != second.ID {
		t.Errorf("reschedule onto another booking: %v, want an OverlapError naming %s", err, second.ID)
	}
	if now, _ := s.Booking(ctx, first.ID); now.Version != 2 || !now.Start.Equal(at("09:30")) {
		t.Errorf("a refused reschedule was stored: %+v", now)
	}
	same, err := s.UpdateBooking(ctx, first.ID, reschedule("09:30", "10:30"))
	if err != nil || !cmp.Equal(got, same, cmpOpts) {
		t.Errorf("a reschedule to where the booking is: %+v, %v; want the booking as it was", same, err)
	}
	other := got
	other.InterpreterID = "int-9"
	if _, err := s.UpdateBooking(ctx, first.ID, to(other, bookingChange(first, data.ActionBookingRescheduled))); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("changing the interpreter: %v, want ErrInvalid", err)
	}
	unknown := newBooking(c, "int-1", "15:00", "16:00")
	if _, err := s.UpdateBooking(ctx, unknown.ID, reschedule("15:30", "16:30")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateBooking(unknown): %v, want ErrNotFound", err)
	}
	// Cancelling the second frees 11:00-12:00 at once.
	if _, err := s.UpdateBooking(ctx, second.ID, cancel("the interview moved")); err != nil {
		t.Fatal(err)
	}
	if err := book(t, s, newBooking(c, "int-1", "11:00", "12:00")); err != nil {
		t.Errorf("the freed slot did not book again: %v", err)
	}
	if got := auditActions(t, s, first.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated, data.ActionBookingRescheduled}) {
		t.Errorf("audit = %v, want one entry per stored change", got)
	}
}

// testConcurrentBookings races 50 writers through two store instances:
// 25 want overlapping slots of one interpreter (exactly one may win), 25
// want separate slots of another (all must win).
func testConcurrentBookings(t *testing.T, open func() data.Store) {
	stores := []data.Store{open(), open()}
	c := newCase(1, "north")
	const writers = 50
	bookings := make([]data.Booking, writers)
	for i := range writers {
		if i%2 == 0 {
			bookings[i] = newBooking(c, "contested", fmt.Sprintf("10:%02d", i), fmt.Sprintf("11:%02d", i))
		} else { // 25 separate 20-minute slots, 30 minutes apart
			bookings[i] = newBooking(c, "free", "00:00", "00:20")
			bookings[i].Start = day.Add(time.Duration(i/2) * 30 * time.Minute)
			bookings[i].End = bookings[i].Start.Add(20 * time.Minute)
		}
	}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			b := bookings[i]
			errs[i] = stores[i%2].CreateBooking(t.Context(), b, bookingChange(b, data.ActionBookingCreated))
		})
	}
	wg.Wait()
	contestedWins := 0
	for i, err := range errs {
		switch {
		case i%2 == 1 && err != nil:
			t.Errorf("separate slot %d: %v, want booked", i, err)
		case i%2 == 0 && err == nil:
			contestedWins++
		case i%2 == 0 && !errors.Is(err, data.ErrOverlap) && !errors.Is(err, data.ErrConflict):
			t.Errorf("contested slot %d: %v, want ErrOverlap", i, err)
		}
	}
	if contestedWins != 1 {
		t.Errorf("%d overlapping bookings of one interpreter won, want exactly 1", contestedWins)
	}
	got, err := stores[1].ConfirmedBookings(t.Context(), []string{"contested", "free"}, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1+writers/2 {
		t.Errorf("%d confirmed bookings stored, want %d", len(got), 1+writers/2)
	}
	for i := 1; i < len(got); i++ {
		if got[i].InterpreterID == got[i-1].InterpreterID && data.Blocks(got[i], got[i-1]) {
			t.Errorf("stored bookings %s and %s overlap", got[i-1].ID, got[i].ID)
		}
	}
}

// testConcurrentRepeatedBookings races one booking, its ID included (as a
// request repeated under an Idempotency-Key makes it), through two store
// instances: it is stored once, with one audit entry, and every repeat is
// told the ID is taken, never that the booking overlaps itself. (A store
// may give up on a repeat with ErrConflict under contention.)
func testConcurrentRepeatedBookings(t *testing.T, open func() data.Store) {
	stores := []data.Store{open(), open()}
	b := newBooking(newCase(1, "north"), "int-1", "10:00", "11:00")
	b.Idempotency = data.HashKey("sw-1\x00key-1\x00the request")
	if wins := oneWins(t, stores, slices.Repeat([]data.Booking{b}, 8), data.ErrDuplicate); wins != 1 {
		t.Errorf("the booking was created %d times, want once", wins)
	}
	if got, err := stores[1].Booking(t.Context(), b.ID); err != nil || !cmp.Equal(storedBooking(b), got, cmpOpts) {
		t.Errorf("stored %+v, %v; want the booking", got, err)
	}
	if got := auditActions(t, stores[0], b.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated}) {
		t.Errorf("audit = %v, want one creation", got)
	}
}

// testCompletedHoldsTime: recording an outcome early does not free the rest
// of the slot: a completed booking blocks overlapping bookings and is among
// the bookings that hold the interpreter's time.
func testCompletedHoldsTime(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := newBooking(c, "int-1", "10:00", "12:00")
	if err := book(t, s, b); err != nil {
		t.Fatal(err)
	}
	done := b
	done.Status, done.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: true, RecordedBy: "sw-1", RecordedAt: base}
	if _, err := s.UpdateBooking(ctx, b.ID, to(done, bookingChange(b, data.ActionBookingOutcome))); err != nil {
		t.Fatal(err)
	}
	if err := book(t, s, newBooking(c, "int-1", "11:00", "11:30")); !errors.Is(err, data.ErrOverlap) {
		t.Errorf("a booking inside a completed one: %v, want ErrOverlap", err)
	}
	got, err := s.ConfirmedBookings(ctx, []string{"int-1"}, day, day.Add(24*time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("ConfirmedBookings = %v, %v; want the completed booking", bookingIDs(got), err)
	}
}

// oneWins creates the bookings through raceN and returns how many landed;
// every other must be refused with refusal (or ErrConflict: a store may
// give up under contention).
func oneWins(t *testing.T, stores []data.Store, bookings []data.Booking, refusal error) int {
	t.Helper()
	errs := raceN(stores, len(bookings), func(s data.Store, i int) error {
		return s.CreateBooking(t.Context(), bookings[i], bookingChange(bookings[i], data.ActionBookingCreated))
	})
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, refusal) && !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want %v", i, err, refusal)
		}
	}
	return wins
}
