package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// statuses returns the stored status of each booking.
func (e *env) statuses(bookings ...data.Booking) []data.BookingStatus {
	e.t.Helper()
	out := make([]data.BookingStatus, len(bookings))
	for i, b := range bookings {
		out[i] = e.booking(b.ID).Status
	}
	return out
}

const (
	confirmed = data.BookingConfirmed
	cancelled = data.BookingCancelled
)

// TestSuspensionWithdraws: suspending an interpreter cancels their
// bookings that have not started, in every organisation, audited in each
// booking's organisation; an interview under way is left alone.
func TestSuspensionWithdraws(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	in := e.approved("hana")
	north, south := e.north[data.RoleSocialWorker], e.south[data.RoleSocialWorker]
	nc, sc := e.newCase(north, "NR-1"), e.newCase(south, "SO-1")
	underway := e.book(north, request(nc.ID, in.ID, 0))
	later := e.book(north, request(nc.ID, in.ID, 2))
	theirs := e.book(south, request(sc.ID, in.ID, 3))
	e.now = underway.Start.Add(10 * time.Minute)

	if n, err := e.app.FutureBookings(ctx, coord, in.ID); err != nil || n != 2 {
		t.Errorf("FutureBookings before = %d, %v; want 2", n, err)
	}
	if _, err := e.app.DecideVetting(ctx, coord, in.ID, data.DecisionSuspend, "complaint"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]data.BookingStatus{confirmed, cancelled, cancelled}, e.statuses(underway, later, theirs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n, err := e.app.FutureBookings(ctx, coord, in.ID); err != nil || n != 0 {
		t.Errorf("FutureBookings after = %d, %v; want 0", n, err)
	}
	for _, b := range []data.Booking{later, theirs} {
		got := e.booking(b.ID)
		if !strings.Contains(got.CancelReason, "not approved") || strings.Contains(got.CancelReason, "complaint") || got.Sequence != b.Sequence+1 {
			t.Errorf("withdrawn %s: reason %q, sequence %d", b.ID, got.CancelReason, got.Sequence)
		}
		page, err := e.store.ListAudit(ctx, data.AuditQuery{EntityID: b.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if a := page.Items[0]; a.Action != data.ActionBookingWithdrawn || a.Scope != b.Organisation || a.Actor != coord.ID {
			t.Errorf("withdrawal entry %+v, want booking.withdrawn by %s in %s", a, coord.ID, b.Organisation)
		}
	}
	// Run again, it finds nothing more.
	w, err := e.app.WithdrawBookings(ctx, coord, in.ID)
	if err != nil || w.Total() != 0 {
		t.Errorf("WithdrawBookings again = %v, %v; want none", w, err)
	}
	e.checkConsistent()
}

// TestCaseChangeWithdraws: excluding an interpreter from a case withdraws
// their bookings for that case only.
func TestCaseChangeWithdraws(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	hana, dara := e.approved("hana"), e.approved("dara")
	c1, c2 := e.newCase(sw, "NR-1"), e.newCase(sw, "NR-2")
	hana1, dara1, hana2 := e.book(sw, request(c1.ID, hana.ID, 0)), e.book(sw, request(c1.ID, dara.ID, 1)), e.book(sw, request(c2.ID, hana.ID, 2))
	fields := caseFields("NR-1")
	fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: hana.ID, Reason: "knows the family"}}
	if _, err := e.app.UpdateCase(ctx, sw, c1.ID, 1, fields); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]data.BookingStatus{cancelled, confirmed, confirmed}, e.statuses(hana1, dara1, hana2)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r := e.booking(hana1.ID).CancelReason; !strings.Contains(r, "excluded") || strings.Contains(r, "knows the family") {
		t.Errorf("reason %q", r)
	}
	e.checkConsistent()
}

// TestRecordChangeWithdraws: a new community link that conflicts with a
// case withdraws the interpreter's bookings for that case only.
func TestRecordChangeWithdraws(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	hana := e.approved("hana")
	fields := caseFields("NR-1")
	fields.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}
	c1, err := e.app.CreateCase(ctx, sw, fields)
	if err != nil {
		t.Fatal(err)
	}
	c2 := e.newCase(e.south[data.RoleSocialWorker], "SO-1")
	b1, b2 := e.book(sw, request(c1.ID, hana.ID, 0)), e.book(e.south[data.RoleSocialWorker], request(c2.ID, hana.ID, 1))
	record := eligible("hana")
	record.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "ranya"}}
	if _, err := e.app.UpdateInterpreter(ctx, e.south[data.RoleCoordinator], hana.ID, 2, record); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]data.BookingStatus{cancelled, confirmed}, e.statuses(b1, b2)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r := e.booking(b1.ID).CancelReason; strings.Contains(strings.ToLower(r), "ranya") {
		t.Errorf("reason %q tells the link", r)
	}
}

// TestOutcomeWithdraws: a child who was not comfortable keeps the
// interpreter out of the case's later bookings, not out of other cases.
func TestOutcomeWithdraws(t *testing.T) {
	for _, comfortable := range []bool{true, false} {
		e := newEnv(t)
		sw := e.north[data.RoleSocialWorker]
		hana := e.approved("hana")
		c1, c2 := e.newCase(sw, "NR-1"), e.newCase(sw, "NR-2")
		first, next, other := e.book(sw, request(c1.ID, hana.ID, 0)), e.book(sw, request(c1.ID, hana.ID, 2)), e.book(sw, request(c2.ID, hana.ID, 3))
		e.now = first.End
		if _, err := e.app.RecordOutcome(t.Context(), sw, first.ID, app.Outcome{Attended: true, ChildComfortable: comfortable, Checklist: allChecked()}); err != nil {
			t.Fatal(err)
		}
		want := []data.BookingStatus{data.BookingCompleted, cancelled, confirmed}
		if comfortable {
			want[1] = confirmed
		}
		if diff := cmp.Diff(want, e.statuses(first, next, other)); diff != "" {
			t.Errorf("comfortable %v: statuses (-want +got):\n%s", comfortable, diff)
		}
	}
}

// TestWithdrawBookingsFinishes: a suspension whose withdrawals were cut
// short stands, and WithdrawBookings finishes the job.
func TestWithdrawBookingsFinishes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	in := e.approved("hana")
	sw := e.north[data.RoleSocialWorker]
	b := e.book(sw, request(e.newCase(sw, "NR-1").ID, in.ID, 0))

	cut := e.appOver(&downStore{Store: e.store, only: "UpdateBooking"})
	_, err := cut.DecideVetting(ctx, coord, in.ID, data.DecisionSuspend, "")
	wantKind(t, err, app.KindUnavailable)
	if got, _ := e.store.Interpreter(ctx, in.ID); got.Vetting.Status != data.VettingSuspended {
		t.Errorf("the decision did not stand: %s", got.Vetting.Status)
	}
	if e.booking(b.ID).Status != confirmed {
		t.Fatal("the booking was withdrawn through a store that was down")
	}

	w, err := e.app.WithdrawBookings(ctx, coord, in.ID)
	if err != nil || !cmp.Equal(w, app.Withdrawn{"north": 1}) {
		t.Errorf("WithdrawBookings = %v, %v; want one in north", w, err)
	}
	if e.booking(b.ID).Status != cancelled {
		t.Error("the booking was not withdrawn")
	}
	_, err = e.app.WithdrawBookings(ctx, coord, "nobody")
	wantKind(t, err, app.KindNotFound)
	e.checkConsistent()
}
