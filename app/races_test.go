package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// TestRaceRescheduleCancelled: a reschedule that loses to a cancellation
// is refused, judged on the cancelled booking.
func TestRaceRescheduleCancelled(t *testing.T) {
	x := newBooked(t)
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.CancelBooking(ctx, x.sw, x.b.ID, "the child moved")
		must(t, err)
	})
	later := x.b.Start.Add(2 * time.Hour)
	_, err := a.ChangeBooking(t.Context(), x.sw, x.b.ID, app.BookingChange{Start: &later, End: ptr(later.Add(time.Hour))})
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
	wantRuns(t, s)
	got := x.booking(x.b.ID)
	if got.Status != cancelled || !got.Start.Equal(x.b.Start) || got.CancelReason != "the child moved" {
		t.Errorf("stored %+v", got)
	}
	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated, data.ActionBookingCancelled}, x.actions(x.b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRaceRelocateRescheduled: a relocation judged for one slot is not
// written onto a slot someone else moved the booking to meanwhile.
func TestRaceRelocateRescheduled(t *testing.T) {
	x := newBooked(t)
	later := x.b.Start.Add(3 * time.Hour)
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.ChangeBooking(ctx, x.north[data.RoleCoordinator], x.b.ID, app.BookingChange{Start: &later, End: ptr(later.Add(time.Hour))})
		must(t, err)
	})
	_, err := a.ChangeBooking(t.Context(), x.sw, x.b.ID, app.BookingChange{Location: ptr("Room 2")})
	wantCode(t, err, app.KindConflict, "version_conflict")
	wantRuns(t, s)
	if got := x.booking(x.b.ID); !got.Start.Equal(later) || got.Location != "" || got.Version != 2 {
		t.Errorf("stored %+v, want the rival's slot and no location at version 2", got)
	}
}

// TestRaceRescheduleOverlap: a reschedule onto a slot another
// organisation booked meanwhile is refused by the store, naming the slot
// only.
func TestRaceRescheduleOverlap(t *testing.T) {
	x := newBooked(t)
	south := x.south[data.RoleSocialWorker]
	sc := x.newCase(south, "SO-1")
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, _, err := other.CreateBooking(ctx, south, request(sc.ID, x.in.ID, 1))
		must(t, err)
	})
	day1 := request(x.c.ID, x.in.ID, 1)
	_, err := a.ChangeBooking(t.Context(), x.sw, x.b.ID, app.BookingChange{Start: &day1.Start, End: &day1.End})
	f := wantCode(t, err, app.KindConflict, "booking_conflict")
	if f.Conflict == nil || f.Conflict.ID != "" || !f.Conflict.Start.Equal(day1.Start) {
		t.Errorf("conflict %+v, want south's slot without its ID", f.Conflict)
	}
	wantRuns(t, s)
	if got := x.booking(x.b.ID); got.Version != 1 {
		t.Errorf("north's booking was written: %+v", got)
	}
}

// TestRaceCancelTwice: of two cancellations, one lands; the other is
// refused on the cancelled booking.
func TestRaceCancelTwice(t *testing.T) {
	x := newBooked(t)
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.CancelBooking(ctx, x.north[data.RoleCoordinator], x.b.ID, "interpreter ill")
		must(t, err)
	})
	_, err := a.CancelBooking(t.Context(), x.sw, x.b.ID, "child ill")
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
	wantRuns(t, s)
	if got := x.booking(x.b.ID); got.CancelReason != "interpreter ill" || got.Sequence != x.b.Sequence+1 {
		t.Errorf("stored %+v", got)
	}
	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated, data.ActionBookingCancelled}, x.actions(x.b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRaceOutcomeCancelled: an outcome that loses to a cancellation is
// refused.
func TestRaceOutcomeCancelled(t *testing.T) {
	x := newBooked(t)
	x.now = x.b.Start.Add(time.Minute)
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.CancelBooking(ctx, x.sw, x.b.ID, "no show")
		must(t, err)
	})
	_, err := a.RecordOutcome(t.Context(), x.sw, x.b.ID, app.Outcome{Attended: true, ChildComfortable: true, Checklist: allChecked()})
	wantCode(t, err, app.KindConflict, "booking_not_confirmed")
	wantRuns(t, s)
	if got := x.booking(x.b.ID); got.Status != cancelled || got.Outcome != nil {
		t.Errorf("stored %+v", got)
	}
}

// TestRaceVetting: a decision is judged again on the status as stored.
func TestRaceVetting(t *testing.T) {
	t.Run("approve against a rejection", func(t *testing.T) {
		e := newEnv(t)
		in := e.interpreter(eligible("hana"), "")
		a, s := e.racing("UpdateInterpreter", func(ctx context.Context, other *app.App) {
			_, err := other.DecideVetting(ctx, e.south[data.RoleCoordinator], in.ID, data.DecisionReject, "")
			must(t, err)
		})
		_, err := a.DecideVetting(t.Context(), e.north[data.RoleCoordinator], in.ID, data.DecisionApprove, "")
		wantCode(t, err, app.KindConflict, "invalid_transition")
		wantRuns(t, s)
		if got, _ := e.store.Interpreter(t.Context(), in.ID); got.Vetting.Status != data.VettingRejected || got.Version != 2 {
			t.Errorf("stored vetting %+v at version %d", got.Vetting, got.Version)
		}
	})
	t.Run("suspend twice", func(t *testing.T) {
		x := newBooked(t)
		a, s := x.racing("UpdateInterpreter", func(ctx context.Context, other *app.App) {
			_, err := other.DecideVetting(ctx, x.south[data.RoleCoordinator], x.in.ID, data.DecisionSuspend, "")
			must(t, err)
		})
		_, err := a.DecideVetting(t.Context(), x.north[data.RoleCoordinator], x.in.ID, data.DecisionSuspend, "")
		wantCode(t, err, app.KindConflict, "invalid_transition")
		wantRuns(t, s)
		if diff := cmp.Diff([]data.Action{data.ActionBookingCreated, data.ActionBookingWithdrawn}, x.actions(x.b.ID)); diff != "" {
			t.Errorf("booking audit (-want +got):\n%s", diff)
		}
	})
	t.Run("approve against an edit", func(t *testing.T) {
		e := newEnv(t)
		in := e.interpreter(eligible("hana"), "")
		a, s := e.racing("UpdateInterpreter", func(ctx context.Context, other *app.App) {
			_, err := other.UpdateInterpreter(ctx, e.south[data.RoleCoordinator], in.ID, 1, eligible("hana aziz"))
			must(t, err)
		})
		got, err := a.DecideVetting(t.Context(), e.north[data.RoleCoordinator], in.ID, data.DecisionApprove, "")
		if err != nil {
			t.Fatal(err)
		}
		wantRuns(t, s)
		if got.Name != "hana aziz" || got.Vetting.Status != data.VettingApproved || got.Version != 3 {
			t.Errorf("stored %q, %s at version %d: want the edit and the decision", got.Name, got.Vetting.Status, got.Version)
		}
	})
}

// TestRaceIfMatch: a conditional update that loses to another writer is
// stale, whatever version it read first.
func TestRaceIfMatch(t *testing.T) {
	t.Run("interpreter", func(t *testing.T) {
		e := newEnv(t)
		in := e.approved("hana")
		a, s := e.racing("UpdateInterpreter", func(ctx context.Context, other *app.App) {
			_, err := other.UpdateInterpreter(ctx, e.south[data.RoleCoordinator], in.ID, in.Version, eligible("theirs"))
			must(t, err)
		})
		_, err := a.UpdateInterpreter(t.Context(), e.north[data.RoleCoordinator], in.ID, in.Version, eligible("mine"))
		wantKind(t, err, app.KindStale)
		if se, ok := errors.AsType[*app.StaleError](err); !ok || se.Current != in.Version+1 {
			t.Errorf("err = %v, want a *StaleError at version %d", err, in.Version+1)
		}
		wantRuns(t, s)
		if got, _ := e.store.Interpreter(t.Context(), in.ID); got.Name != "theirs" {
			t.Errorf("stored %q, want the rival's", got.Name)
		}
	})
	t.Run("case", func(t *testing.T) {
		e := newEnv(t)
		c := e.newCase(e.north[data.RoleSocialWorker], "NR-1")
		a, s := e.racing("UpdateCase", func(ctx context.Context, other *app.App) {
			_, err := other.UpdateCase(ctx, e.north[data.RoleCoordinator], c.ID, 1, caseFields("THEIRS"))
			must(t, err)
		})
		_, err := a.UpdateCase(t.Context(), e.north[data.RoleSocialWorker], c.ID, 1, caseFields("MINE"))
		wantKind(t, err, app.KindStale)
		if se, ok := errors.AsType[*app.StaleError](err); !ok || se.Current != 2 {
			t.Errorf("err = %v, want a *StaleError at version 2", err)
		}
		wantRuns(t, s)
		if got, _ := e.store.Case(t.Context(), c.ID); got.Reference != "THEIRS" {
			t.Errorf("stored %q, want the rival's", got.Reference)
		}
	})
}

// TestRaceFeedRevokedTwice: a feed revoked meanwhile stays revoked as the
// rival revoked it, with one entry.
func TestRaceFeedRevokedTwice(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	f, _, err := e.app.CreateFeed(t.Context(), sw, app.NewFeed{Scope: data.FeedMine})
	if err != nil {
		t.Fatal(err)
	}
	a, s := e.racing("UpdateFeed", func(ctx context.Context, other *app.App) { must(t, other.RevokeFeed(ctx, sw, f.ID)) })
	if err := a.RevokeFeed(t.Context(), sw, f.ID); err != nil {
		t.Errorf("revoking a feed revoked meanwhile: %v", err)
	}
	wantRuns(t, s)
	got, err := e.store.Feed(t.Context(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.RevokedAt.Equal(e.now.Add(time.Minute)) || got.Version != 2 {
		t.Errorf("stored revoked at %v, version %d; want the rival's revocation", got.RevokedAt, got.Version)
	}
	if diff := cmp.Diff([]data.Action{data.ActionFeedCreated, data.ActionFeedRevoked}, e.actions(f.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRaceRevokeKeyAgainstIssue: a revocation that loses to a new key
// still ends access: the key issued meanwhile does not work.
func TestRaceRevokeKeyAgainstIssue(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	var issued string
	a, s := e.racing("UpdateUser", func(ctx context.Context, other *app.App) {
		var err error
		issued, err = other.IssueKey(ctx, e.boot, sw.ID)
		must(t, err)
	})
	if err := a.RevokeKey(t.Context(), e.north[data.RoleAdmin], sw.ID); err != nil {
		t.Fatal(err)
	}
	wantRuns(t, s)
	if _, err := e.app.Authenticate(t.Context(), issued); err != app.ErrUnauthenticated {
		t.Errorf("the key issued meanwhile: %v, want ErrUnauthenticated", err)
	}
	if u, _ := e.store.User(t.Context(), sw.ID); !u.AccessRevoked {
		t.Error("access not revoked")
	}
	want := []data.Action{data.ActionUserCreated, data.ActionKeyIssued, data.ActionKeyRevoked}
	if diff := cmp.Diff(want, e.actions(sw.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRaceWithdrawCancelled: a withdrawal that loses to a cancellation
// leaves the cancellation as it is, unaudited as a withdrawal.
func TestRaceWithdrawCancelled(t *testing.T) {
	x := newBooked(t)
	x.excludeFromCase()
	a, s := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.CancelBooking(ctx, x.sw, x.b.ID, "the child moved")
		must(t, err)
	})
	if _, err := a.WithdrawBookings(t.Context(), x.north[data.RoleCoordinator], x.in.ID); err != nil {
		t.Fatal(err)
	}
	wantRuns(t, s)
	if got := x.booking(x.b.ID); got.CancelReason != "the child moved" || got.Sequence != x.b.Sequence+1 {
		t.Errorf("stored %+v", got)
	}
	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated, data.ActionBookingCancelled}, x.actions(x.b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestRaceWithdrawCounts: WithdrawBookings counts only the bookings it
// withdrew, not one a rival cancelled meanwhile.
func TestRaceWithdrawCounts(t *testing.T) {
	x := newBooked(t)
	x.excludeFromCase()
	a, _ := x.racing("UpdateBooking", func(ctx context.Context, other *app.App) {
		_, err := other.CancelBooking(ctx, x.sw, x.b.ID, "the child moved")
		must(t, err)
	})
	w, err := a.WithdrawBookings(t.Context(), x.north[data.RoleCoordinator], x.in.ID)
	if err != nil || w.Total() != 0 {
		t.Errorf("WithdrawBookings = %v, %v; want none withdrawn", w, err)
	}
}

// excludeFromCase makes the case exclude the booked interpreter, written
// straight to the store so that nothing withdraws the booking yet.
func (x booked) excludeFromCase() {
	x.t.Helper()
	_, err := x.store.UpdateCase(x.t.Context(), x.c.ID, func(c data.Case) (data.Case, data.Change, error) {
		c.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: x.in.ID}}
		return c, data.Audited(data.NewAuditEntry(x.now, app.System("north", ""), "north", data.ActionCaseUpdated, data.EntityCase, c.ID)), nil
	})
	if err != nil {
		x.t.Fatal(err)
	}
}

// TestRaceIdempotentRepeat: a repeat that loses to its first request
// answers the first booking; another request under the key is refused.
func TestRaceIdempotentRepeat(t *testing.T) {
	for _, same := range []bool{true, false} {
		x := newBooked(t)
		nb := request(x.c.ID, x.in.ID, 1)
		nb.IdempotencyKey = "k1"
		first := nb
		if !same {
			first = request(x.c.ID, x.in.ID, 2)
			first.IdempotencyKey = "k1"
		}
		var landed data.Booking
		a, _ := x.racing("CreateBooking", func(ctx context.Context, other *app.App) {
			var err error
			landed, _, err = other.CreateBooking(ctx, x.sw, first)
			must(t, err)
		})
		got, replayed, err := a.CreateBooking(t.Context(), x.sw, nb)
		if !same {
			wantCode(t, err, app.KindUnprocessable, "idempotency_key_reused")
			continue
		}
		if err != nil || !replayed || !cmp.Equal(got, landed) {
			t.Errorf("repeat: %v, replayed %v, %s; want the first booking %s", err, replayed, got.ID, landed.ID)
		}
		if diff := cmp.Diff([]data.Action{data.ActionBookingCreated}, x.actions(landed.ID)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	}
}

// TestRaceBootstrapAdmin: two instances starting at once with one key:
// one creates the admin, the other finds it holding the key and writes
// nothing.
func TestRaceBootstrapAdmin(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	other := app.New(app.Config{Store: s})
	a := app.New(app.Config{Store: &losingStore{Store: s, method: "CreateUser", rival: func(ctx context.Context) {
		must(t, other.EnsureBootstrapAdmin(ctx, bootstrapKey))
	}}})
	if err := a.EnsureBootstrapAdmin(t.Context(), bootstrapKey); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListAudit(t.Context(), data.AuditQuery{EntityID: app.BootstrapAdminID})
	if err != nil || len(page.Items) != 1 || page.Items[0].Action != data.ActionUserCreated {
		t.Errorf("audit %+v, %v; want one user.created", page.Items, err)
	}
	if _, err := a.Authenticate(t.Context(), bootstrapKey); err != nil {
		t.Errorf("the bootstrap key: %v", err)
	}
}

// TestRaceSignOutTwice: a sign-out that finds the session ended meanwhile
// signs out quietly, with one entry.
func TestRaceSignOutTwice(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	signed, err := e.app.SignInWithKey(t.Context(), e.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	a, _ := e.racing("EndSession", func(ctx context.Context, other *app.App) { must(t, other.SignOut(ctx, signed.Token)) })
	if err := a.SignOut(t.Context(), signed.Token); err != nil {
		t.Errorf("signing out of a session ended meanwhile: %v", err)
	}
	want := []data.Action{data.ActionUserCreated, data.ActionSessionStartedKey, data.ActionSessionEnded}
	if diff := cmp.Diff(want, e.actions(sw.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}
