package mongodb

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests leave schedule locks as writers that died or are still at
// work would leave them, and race booking writers through separate store
// instances.

// morning is the day every booking here is on.
var morning = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// newTestBooking is a confirmed video booking of interpreter from
// morning+from for an hour, of case-1 as an additional interpreter: the
// tests here race one interpreter's time, not the case's slot.
func newTestBooking(interpreter string, from time.Duration) data.Booking {
	now := time.Now()
	return data.Booking{
		ID: data.NewID(now), Organisation: "north", CaseID: "case-1", CaseReference: "NR-1",
		InterpreterID: interpreter, BookedBy: "sw-1", Start: morning.Add(from), End: morning.Add(from + time.Hour),
		InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
		Additional: true, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

func bookingEntry(b data.Booking, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(time.Now(), data.User{ID: "sw-1", Organisation: "north"}, "north", action, data.EntityBooking, b.ID)
}

// bookingCreated is the change that creates b.
func bookingCreated(b data.Booking) data.Change {
	return data.Audited(bookingEntry(b, data.ActionBookingCreated))
}

// bookingChange is the change that writes b at b.Version through its
// interpreter's schedule at scheduleVersion.
func bookingChange(b data.Booking, scheduleVersion int64, audit data.AuditEntry) change {
	return change{
		coll: schedulesCollection, id: b.InterpreterID, version: scheduleVersion,
		doc:        scheduleDocument{ID: b.InterpreterID},
		dependents: []dependent{{coll: bookingsCollection, id: b.ID, version: b.Version, doc: fromBooking(b)}},
		ch:         data.Audited(audit),
	}
}

func sameBooking(t *testing.T, what string, want, got data.Booking) {
	t.Helper()
	if diff := cmp.Diff(fromBooking(want).toBooking(), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func wantOverlap(t *testing.T, what string, err error, existing data.Booking) {
	t.Helper()
	oe, ok := errors.AsType[*data.OverlapError](err)
	if !ok || oe.Existing.ID != existing.ID {
		t.Errorf("%s: error = %v, want an OverlapError naming %s", what, err, existing.ID)
	}
}

// A writer that committed a booking's schedule lock and died (nothing
// landed) holds nothing up for readers: its booking is invisible until the
// lock is LockTimeout old, and the next read or listing after that lands
// it with its audit entry. The same goes for an update (a replace).
func TestDeadBookingWriterLandedByReaders(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	s.LockTimeout, other.LockTimeout = 200*time.Millisecond, 200*time.Millisecond
	ctx := t.Context()
	b := newTestBooking("int-1", 0)
	created := bookingEntry(b, data.ActionBookingCreated)
	commitOnly(t, s, bookingChange(b, 1, created), live)
	if _, err := other.Booking(ctx, b.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Booking while its writer may be at work: %v, want ErrNotFound", err)
	}
	time.Sleep(250 * time.Millisecond)
	page, err := other.ListBookings(ctx, data.BookingQuery{Organisation: "north"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("listing after the take-over timeout: %v, %v", page.Items, err)
	}
	sameBooking(t, "landed booking", b, page.Items[0])
	if ids := auditIDs(t, other, b.ID); !slices.Equal(ids, []string{created.ID}) {
		t.Errorf("audit = %v, want %s", ids, created.ID)
	}
	wantNoLocks(t, s)

	cancelled := b
	cancelled.Status, cancelled.CancelReason, cancelled.Version = data.BookingCancelled, "moved", 2
	entry := bookingEntry(b, data.ActionBookingCancelled)
	commitOnly(t, s, bookingChange(cancelled, 2, entry), dead)
	got, err := other.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameBooking(t, "landed update", cancelled, got)
	if ids := auditIDs(t, other, b.ID); !slices.Equal(ids, []string{created.ID, entry.ID}) {
		t.Errorf("audit = %v, want %s and %s", ids, created.ID, entry.ID)
	}
	// The cancellation freed the slot.
	again := newTestBooking("int-1", 0)
	if err := other.CreateBooking(ctx, again, bookingCreated(again)); err != nil {
		t.Errorf("booking the freed slot: %v", err)
	}
	wantNoLocks(t, s)
}

// A writer that finds a booking change in flight, its schedule landed but
// not yet its booking, waits for the booking before it checks: a writer
// that read the schedule and checked at once would miss it, and its commit
// at the next version would go in once the lock had gone.
func TestBookingWriterWaitsForOutbox(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	first := newTestBooking("int-1", 0)
	l := commitOnly(t, s, bookingChange(first, 1, bookingEntry(first, data.ActionBookingCreated)), live)
	if _, err := s.schedules.InsertOne(t.Context(), l.Doc); err != nil { // landing, step one
		t.Fatal(err)
	}
	landed := make(chan error, 1)
	time.AfterFunc(50*time.Millisecond, func() { landed <- s.settle(context.Background(), l) })
	second := newTestBooking("int-1", 30*time.Minute)
	start := time.Now()
	err := other.CreateBooking(t.Context(), second, bookingCreated(second))
	wantOverlap(t, "booking behind a change in flight", err, first)
	if err := <-landed; err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("the writer returned after %v, before the change in its way landed", waited)
	}
	got, err := other.ConfirmedBookings(t.Context(), []string{"int-1"}, morning, morning.Add(24*time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != first.ID {
		t.Errorf("confirmed bookings = %v, %v; want %s only", got, err, first.ID)
	}
	wantNoLocks(t, s)
}

// A writer whose check passed loses when another booking of the same
// interpreter lands before its commit: nothing of it lands, and its next
// attempt sees the booking that came first.
func TestBookingCommitAfterAnotherLands(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	mine := newTestBooking("int-1", 0)
	version, err := s.scheduleVersion(ctx, mine.InterpreterID)
	if err != nil || version != 0 {
		t.Fatalf("schedule version %d, %v; want 0", version, err)
	}
	if err := s.checkOverlap(ctx, mine); err != nil {
		t.Fatal(err)
	}
	theirs := newTestBooking("int-1", 30*time.Minute)
	if err := other.CreateBooking(ctx, theirs, bookingCreated(theirs)); err != nil {
		t.Fatal(err)
	}
	entry := bookingEntry(mine, data.ActionBookingCreated)
	if _, err := s.commit(ctx, bookingChange(mine, version+1, entry)); !errors.Is(err, errStale) {
		t.Fatalf("commit after another booking landed: %v, want errStale", err)
	}
	if _, err := s.Booking(ctx, mine.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the losing booking was stored: %v", err)
	}
	if ids := auditIDs(t, s, mine.ID); len(ids) != 0 {
		t.Errorf("the losing booking was audited: %v", ids)
	}
	wantOverlap(t, "the next attempt", s.CreateBooking(ctx, mine, data.Audited(entry)), theirs)
	wantNoLocks(t, s)
}

// A booking whose ID another interpreter's booking took between the
// writer's check and its landing is refused when its lock lands: the
// other booking stays as it was, and no audit entry lands.
func TestBookingIDTakenAtLanding(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	theirs := newTestBooking("int-1", 0)
	if err := s.CreateBooking(ctx, theirs, bookingCreated(theirs)); err != nil {
		t.Fatal(err)
	}
	mine := newTestBooking("int-2", 0)
	mine.ID = theirs.ID
	entry := bookingEntry(mine, data.ActionBookingCreated)
	commitOnly(t, s, bookingChange(mine, 1, entry), dead)
	got, err := s.Booking(ctx, theirs.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameBooking(t, "the booking that had the ID", theirs, got)
	if ids := auditIDs(t, s, theirs.ID); len(ids) != 1 || ids[0] == entry.ID {
		t.Errorf("audit = %v, want the first booking's entry only", ids)
	}
	wantNoLocks(t, s)
	// Through the front door, the taken ID is refused before any commit.
	if err := s.CreateBooking(ctx, mine, data.Audited(entry)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateBooking with a taken ID: %v, want ErrDuplicate", err)
	}
}

// Writers of overlapping bookings of one interpreter race through two store
// instances (two clients, two pools): exactly one wins, the others get
// ErrOverlap (or ErrConflict), and only the winner is stored and audited.
func TestOverlappingBookingsTwoClients(t *testing.T) {
	open := freshDatabase(t)
	stores := []*Store{open().(*Store), open().(*Store)}
	const writers = 12
	bookings := make([]data.Booking, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		bookings[i] = newTestBooking("contested", time.Duration(i)*time.Minute)
		wg.Go(func() {
			b := bookings[i]
			errs[i] = stores[i%2].CreateBooking(t.Context(), b, bookingCreated(b))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both booked", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, data.ErrOverlap) && !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want ErrOverlap", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer booked")
	}
	for i, b := range bookings {
		_, err := stores[1].Booking(t.Context(), b.ID)
		if n := len(auditIDs(t, stores[1], b.ID)); (i == winner) != (err == nil) || (i == winner) != (n == 1) {
			t.Errorf("booking %d (winner %d): read %v, %d audit entries", i, winner, err, n)
		}
	}
	wantNoLocks(t, stores[0])
}

// Writers of separate slots of one interpreter race through four store
// instances, several bookings each, so that writers of different instances
// lose to each other and start again: all are booked, each once, with one
// audit entry each, and the schedule counts every change. A writer loses
// only to another change landing, and there are fewer writers than
// changeAttempts, so none may give up.
func TestSeparateBookingsFourClients(t *testing.T) {
	open := freshDatabase(t)
	var stores []*Store
	for range 4 {
		stores = append(stores, open().(*Store))
	}
	const each = 5
	var wg sync.WaitGroup
	var ids []string
	for i, s := range stores {
		for j := range each {
			b := newTestBooking("busy", time.Duration(i*each+j)*time.Hour)
			b.End = b.Start.Add(30 * time.Minute)
			ids = append(ids, b.ID)
			wg.Go(func() {
				if err := s.CreateBooking(t.Context(), b, bookingCreated(b)); err != nil {
					t.Errorf("booking %d of store %d: %v", j, i, err)
				}
			})
		}
	}
	wg.Wait()
	got, err := stores[0].ConfirmedBookings(t.Context(), []string{"busy"}, morning, morning.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, bookingIDsOf(got), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("stored bookings (-want +got):\n%s", diff)
	}
	var schedule stampDocument
	if err := stores[0].schedules.FindOne(t.Context(), bson.D{{Key: "_id", Value: "busy"}}).Decode(&schedule); err != nil {
		t.Fatal(err)
	}
	if want := int64(len(stores) * each); schedule.Version != want {
		t.Errorf("schedule at version %d, want %d", schedule.Version, want)
	}
	for _, id := range ids {
		if n := len(auditIDs(t, stores[0], id)); n != 1 {
			t.Errorf("booking %s has %d audit entries, want 1", id, n)
		}
	}
	wantNoLocks(t, stores[0])
}

func bookingIDsOf(bs []data.Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

// A cursor round-trips; anything else given as one is refused as invalid.
func TestBookingCursors(t *testing.T) {
	b := newTestBooking("int-1", 0)
	b.Start = data.Timestamp(b.Start.Add(1234 * time.Millisecond))
	c, err := decodeCursor(encodeCursor(b))
	if err != nil || !c.start.Equal(b.Start) || c.id != b.ID {
		t.Errorf("cursor round trip: %v %q, %v", c.start, c.id, err)
	}
	far := b
	far.Start = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	s := freshDatabase(t)().(*Store)
	// Not base64; too short; an ID with a NUL; a start no booking has.
	for _, forged := range []string{"not base64!", "AAAA", "AAAAAAAAAAAA", encodeCursor(far)} {
		_, err := s.ListBookings(t.Context(), data.BookingQuery{Organisation: "north", After: forged})
		ve, ok := errors.AsType[*data.ValidationError](err)
		if !ok || ve.Errors[0].Field != "after" {
			t.Errorf("ListBookings after %q: %v, want a ValidationError on after", forged, err)
		}
	}
}
