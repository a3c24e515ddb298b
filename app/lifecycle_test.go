package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// booked is an env with one confirmed booking of north's, by its social
// worker, of an approved interpreter.
type booked struct {
	*env
	sw data.User
	c  data.Case
	in app.Interpreter
	b  data.Booking
}

func newBooked(t *testing.T) booked {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	in := e.approved("hana")
	return booked{env: e, sw: sw, c: c, in: in, b: e.book(sw, request(c.ID, in.ID, 0))}
}

func ptr[T any](v T) *T { return &v }

func TestChangeBooking(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	later := x.b.Start.Add(2 * time.Hour)

	moved, err := x.app.ChangeBooking(ctx, x.sw, x.b.ID, app.BookingChange{Start: &later, End: ptr(later.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if !moved.Start.Equal(later) || moved.Sequence != x.b.Sequence+1 || moved.Version != 2 || moved.Match.Score <= 0 {
		t.Errorf("rescheduled %+v", moved)
	}
	relocated, err := x.app.ChangeBooking(ctx, x.north[data.RoleCoordinator], x.b.ID, app.BookingChange{Location: ptr(" Room 2 ")})
	if err != nil {
		t.Fatal(err)
	}
	if relocated.Location != "Room 2" || relocated.Sequence != moved.Sequence+1 || !relocated.Start.Equal(later) {
		t.Errorf("relocated %+v", relocated)
	}
	// A change of nothing writes nothing.
	same, err := x.app.ChangeBooking(ctx, x.sw, x.b.ID, app.BookingChange{Location: ptr("Room 2"), Start: &later})
	if err != nil || same.Version != relocated.Version {
		t.Errorf("no change: version %d, %v; want %d", same.Version, err, relocated.Version)
	}
	want := []data.Action{data.ActionBookingCreated, data.ActionBookingRescheduled, data.ActionBookingRelocated}
	if diff := cmp.Diff(want, x.actions(x.b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	x.checkConsistent()
}

// TestChangeBookingRules: every change is judged again and booked by the
// store; refused changes leave the booking as it was.
func TestChangeBookingRules(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	other := x.book(x.sw, request(x.c.ID, x.in.ID, 1))
	lapsed := time.Date(2028, 2, 1, 10, 0, 0, 0, time.UTC) // clearance and training lapse on 2028-01-01
	tests := []struct {
		name string
		ch   app.BookingChange
		kind app.Kind
		code string
	}{
		{"into the past", app.BookingChange{Start: ptr(testNow.Add(-time.Hour)), End: ptr(testNow)}, app.KindInvalid, "validation_failed"},
		{"longer than a booking may be", app.BookingChange{End: ptr(x.b.Start.Add(13 * time.Hour))}, app.KindInvalid, "validation_failed"},
		{"onto the interpreter's other booking", app.BookingChange{Start: ptr(other.Start), End: ptr(other.End)}, app.KindConflict, "booking_conflict"},
		{"to when the interpreter no longer qualifies", app.BookingChange{Start: &lapsed, End: ptr(lapsed.Add(time.Hour))}, app.KindUnprocessable, "ineligible"},
		{"a location with control characters", app.BookingChange{Location: ptr("Room\x001")}, app.KindInvalid, "validation_failed"},
		{"a location too long", app.BookingChange{Location: ptr(strings.Repeat("x", data.MaxLocationLength+1))}, app.KindInvalid, "validation_failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x.app.ChangeBooking(ctx, x.sw, x.b.ID, tc.ch)
			f := wantCode(t, err, tc.kind, tc.code)
			if tc.code == "ineligible" {
				var codes []string
				for _, r := range f.Reasons {
					codes = append(codes, r.Code)
				}
				if diff := cmp.Diff([]string{matching.CodeClearanceInvalid, matching.CodeTrainingMissing}, codes); diff != "" {
					t.Errorf("reasons (-want +got):\n%s", diff)
				}
			}
		})
	}
	if got := x.booking(x.b.ID); got.Version != 1 {
		t.Errorf("refused changes wrote version %d", got.Version)
	}
	// A cancelled booking no longer changes.
	if _, err := x.app.CancelBooking(ctx, x.sw, x.b.ID, "ill"); err != nil {
		t.Fatal(err)
	}
	_, err := x.app.ChangeBooking(ctx, x.sw, x.b.ID, app.BookingChange{Location: ptr("Room 3")})
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
}

func TestCancelBooking(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	for _, reason := range []string{"", "   ", "ill\x00", strings.Repeat("x", data.MaxCancelReasonLength+1)} {
		_, err := x.app.CancelBooking(ctx, x.sw, x.b.ID, reason)
		f := wantKind(t, err, app.KindInvalid)
		if len(f.Fields) != 1 || f.Fields[0].Field != "reason" {
			t.Errorf("reason %q: fields %v", reason, f.Fields)
		}
	}
	got, err := x.app.CancelBooking(ctx, x.north[data.RoleCoordinator], x.b.ID, " the child is ill ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != data.BookingCancelled || got.CancelReason != "the child is ill" || got.Sequence != x.b.Sequence+1 {
		t.Errorf("cancelled %+v", got)
	}
	_, err = x.app.CancelBooking(ctx, x.sw, x.b.ID, "again")
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated, data.ActionBookingCancelled}, x.actions(x.b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	// The slot is free at once.
	x.book(x.sw, request(x.c.ID, x.in.ID, 0))
	_, err = x.app.CancelBooking(ctx, x.sw, "nobody", "ill")
	wantKind(t, err, app.KindNotFound)
	x.checkConsistent()
}

func TestRecordOutcome(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	o := app.Outcome{Attended: true, ChildComfortable: true, Note: " went well ", Checklist: allChecked()}
	_, err := x.app.RecordOutcome(ctx, x.sw, x.b.ID, o)
	wantCode(t, err, app.KindConflict, "interview_not_started")

	x.now = x.b.Start.Add(10 * time.Minute)
	_, err = x.app.RecordOutcome(ctx, x.sw, x.b.ID, app.Outcome{Note: strings.Repeat("x", data.MaxNoteLength+1)})
	wantKind(t, err, app.KindInvalid)
	got, err := x.app.RecordOutcome(ctx, x.sw, x.b.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	want := &data.Outcome{Attended: true, ChildComfortable: true, Note: "went well", Code: data.OutcomeAttended, Checklist: allChecked(), RecordedBy: x.sw.ID, RecordedAt: x.now}
	if diff := cmp.Diff(want, got.Outcome); diff != "" || got.Status != data.BookingCompleted {
		t.Errorf("status %s, outcome (-want +got):\n%s", got.Status, diff)
	}
	_, err = x.app.RecordOutcome(ctx, x.sw, x.b.ID, o)
	wantCode(t, err, app.KindConflict, "outcome_recorded")
	_, err = x.app.CancelBooking(ctx, x.sw, x.b.ID, "too late")
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")

	// A cancelled booking has no outcome.
	y := newBooked(t)
	if _, err := y.app.CancelBooking(ctx, y.sw, y.b.ID, "ill"); err != nil {
		t.Fatal(err)
	}
	y.now = y.b.Start.Add(time.Minute)
	_, err = y.app.RecordOutcome(ctx, y.sw, y.b.ID, o)
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
	x.checkConsistent()
}

// TestLifecycleIsolation: another organisation's booking is not found by
// any change, and stays as it was.
func TestLifecycleIsolation(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	x.now = x.b.Start.Add(time.Minute) // an outcome could be recorded
	for _, actor := range []data.User{x.south[data.RoleSocialWorker], x.south[data.RoleCoordinator]} {
		_, err := x.app.ChangeBooking(ctx, actor, x.b.ID, app.BookingChange{Location: ptr("Room 9")})
		wantCode(t, err, app.KindNotFound, "not_found")
		_, err = x.app.CancelBooking(ctx, actor, x.b.ID, "mine now")
		wantCode(t, err, app.KindNotFound, "not_found")
		_, err = x.app.RecordOutcome(ctx, actor, x.b.ID, app.Outcome{Attended: true, Checklist: allChecked()})
		wantCode(t, err, app.KindNotFound, "not_found")
	}
	if got := x.booking(x.b.ID); !cmp.Equal(got, x.b) {
		t.Errorf("south changed north's booking: %+v", got)
	}
}

// TestChangeBookingRejudges: a booking whose interpreter was suspended
// (and whose withdrawal was cut short) cannot be moved or relocated: the
// invitation would go out again to someone who may no longer take it.
func TestChangeBookingRejudges(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	cut := x.appOver(&downStore{Store: x.store, only: "UpdateBooking"})
	_, err := cut.DecideVetting(ctx, x.north[data.RoleCoordinator], x.in.ID, data.DecisionSuspend, "")
	wantKind(t, err, app.KindUnavailable)
	_, err = x.app.ChangeBooking(ctx, x.sw, x.b.ID, app.BookingChange{Location: ptr("Room 2")})
	f := wantCode(t, err, app.KindUnprocessable, "ineligible")
	if len(f.Reasons) != 1 || f.Reasons[0].Code != matching.CodeNotApproved {
		t.Errorf("reasons %+v, want not_approved", f.Reasons)
	}
	if got := x.booking(x.b.ID); got.Version != 1 {
		t.Errorf("the booking changed: %+v", got)
	}
}
