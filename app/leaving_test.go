package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/retention"
)

// TestInterpreterLeaves: a coordinator records that an interpreter left
// the register (audited): their pending invitation is withdrawn as a
// suspension's is (not_approved) and their booking to come cancelled; a
// match lists them excluded, never a candidate; leaving is final.
func TestInterpreterLeaves(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	a, b := e.approved("Ana Aziz"), e.approved("Bea Baran")
	cs := e.newCase(sw, "LEAVE-1")
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	other := e.newCase(sw, "LEAVE-2")
	booked := e.book(sw, request(other.ID, a.ID, 3))

	_, err = e.app.DecideVetting(ctx, sw, a.ID, data.DecisionLeave, "")
	wantKind(t, err, app.KindForbidden)
	left, err := e.app.DecideVetting(ctx, coord, a.ID, data.DecisionLeave, "moved to another country")
	if err != nil || left.Vetting.Status != data.VettingLeft || !left.Left().Equal(testNow) {
		t.Fatalf("leave: %+v, %v", left.Vetting, err)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	if got := statuses(o); !slices.Equal(got, []data.InvitationStatus{data.InvitationWithdrawn, data.InvitationPending}) {
		t.Errorf("the offer after a left: %v", got)
	}
	if r := o.Invitations[0].Reasons; len(r) == 0 || r[0].Code != "not_approved" {
		t.Errorf("a's invitation withdrawn for %+v, want not_approved", r)
	}
	if got := e.booking(booked.ID); got.Status != data.BookingCancelled {
		t.Errorf("a's booking to come: %s, want cancelled", got.Status)
	}
	res, err := e.app.Match(ctx, sw, cs.ID, slot(interview.AddDate(0, 0, 7)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		if c.Interpreter.ID == a.ID {
			t.Errorf("a left interpreter is a candidate")
		}
	}
	for _, x := range res.Excluded {
		if x.Interpreter.ID == a.ID {
			t.Errorf("a left interpreter is listed among the excluded: %+v", x.Reasons)
		}
	}
	for _, decision := range []data.Decision{data.DecisionApprove, data.DecisionLeave, data.DecisionSuspend} {
		_, err := e.app.DecideVetting(ctx, coord, a.ID, decision, "")
		wantCode(t, err, app.KindConflict, "invalid_transition")
	}
	if got := e.actions(a.ID); !slices.Contains(got, data.ActionVettingLeave) {
		t.Errorf("a's audit: %v", got)
	}
}

// TestRetentionInterpreters: with the clock at 2026-11-22, the record of
// an interpreter who left in 2019 is anonymised with their user account
// (key stopped, sessions ended), and the case's exclusion of them keeps
// its reason; one on a legal hold is not, nor are their old bookings; one
// who left in 2021 is not due; the preview lists them for every admin.
func TestRetentionInterpreters(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord, sw := e.north[data.RoleCoordinator], e.north[data.RoleSocialWorker]
	gone, held, later := e.approved("Gone Early"), e.approved("Held Back"), e.approved("Gone Later")
	user := e.interpreterUser(gone)
	excluding := e.newCase(sw, "EXCL-1")
	fields := caseFields("EXCL-1")
	fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: gone.ID, Reason: "known to the child's family"}}
	if _, err := e.app.UpdateCase(ctx, sw, excluding.ID, excluding.Version, fields); err != nil {
		t.Fatal(err)
	}
	heldBooking := e.pastBooking(excluding, held.ID, time.Date(2018, 3, 5, 10, 0, 0, 0, time.UTC), true)
	e.now = time.Date(2019, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, in := range []app.Interpreter{gone, held} {
		if _, err := e.app.DecideVetting(ctx, coord, in.ID, data.DecisionLeave, "left the area"); err != nil {
			t.Fatal(err)
		}
	}
	e.now = time.Date(2021, 5, 1, 9, 0, 0, 0, time.UTC)
	if _, err := e.app.DecideVetting(ctx, coord, later.ID, data.DecisionLeave, ""); err != nil {
		t.Fatal(err)
	}
	e.now = testNow
	_, err := e.app.SetInterpreterHold(ctx, sw, held.ID, true)
	wantKind(t, err, app.KindForbidden)
	if in, err := e.app.SetInterpreterHold(ctx, coord, held.ID, true); err != nil || !in.LegalHold {
		t.Fatalf("hold: %+v, %v", in.LegalHold, err)
	}
	if got := e.actions(held.ID); got[len(got)-1] != data.ActionInterpreterHoldPlaced {
		t.Errorf("the hold's audit: %v", got)
	}

	plan, err := e.app.RetentionPreview(ctx, e.south[data.RoleAdmin])
	if err != nil {
		t.Fatal(err)
	}
	if p := plan.Classes[3]; p.Class.Name != retention.Interpreters || p.DueCount != 1 || p.Due[0].ID != gone.ID || p.HeldCount != 1 || p.Held[0].ID != held.ID {
		t.Errorf("the preview of interpreters, to another organisation's admin: %+v", p)
	}
	if p := plan.Classes[0]; p.HeldCount != 0 {
		t.Errorf("south's admin sees north's booking: %+v", p)
	}
	if p, _ := e.app.RetentionPreview(ctx, coord); len(p.Classes) != 0 {
		t.Errorf("a coordinator previewed retention")
	}
	res, err := e.app.ApplyRetention(ctx)
	if err != nil || res.Classes[retention.Interpreters] != (app.RetentionCount{Acted: 1, Held: 1}) || res.Held != 1 {
		t.Fatalf("retention: %+v, %v", res, err)
	}
	in, err := e.store.Interpreter(ctx, gone.ID)
	if err != nil || in.Anonymised.IsZero() || in.Name != "" || in.Email != "" || in.Phone != "" || in.Clearance.Certificate != "" ||
		len(in.CommunityLinks) != 0 || in.Vetting.Note != "" || in.Vetting.Status != data.VettingLeft || len(in.Languages) == 0 {
		t.Errorf("the record of who left in 2019: %+v, %v", in, err)
	}
	if got := e.actions(gone.ID); got[len(got)-1] != data.ActionInterpreterAnonymised {
		t.Errorf("the record's audit: %v", got)
	}
	u, err := e.store.User(ctx, user.ID)
	if err != nil || u.Name != "" || u.Email != data.AnonymisedEmail(u.ID) || !u.AccessRevoked {
		t.Errorf("their user account: %+v, %v", u, err)
	}
	if _, err := e.app.Authenticate(ctx, e.keys[user.ID]); err == nil {
		t.Errorf("the anonymised user's key still works")
	}
	if c, _ := e.store.Case(ctx, excluding.ID); len(c.ExcludedInterpreters) != 1 || c.ExcludedInterpreters[0].Reason != "known to the child's family" {
		t.Errorf("the exclusion of the anonymised interpreter: %+v", c.ExcludedInterpreters)
	}
	for _, id := range []string{held.ID, later.ID} {
		if in, _ := e.store.Interpreter(ctx, id); !in.Anonymised.IsZero() || in.Name == "" {
			t.Errorf("interpreter %s (held or not due) was anonymised", id)
		}
	}
	if b := e.booking(heldBooking.ID); !b.Anonymised.IsZero() {
		t.Errorf("a booking of a held interpreter was anonymised")
	}
	_, err = e.app.UpdateInterpreter(ctx, coord, gone.ID, in.Version, eligible("Back Again"))
	wantCode(t, err, app.KindConflict, "interpreter_anonymised")
	if _, err := e.app.SetInterpreterHold(ctx, coord, held.ID, false); err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.ApplyRetention(ctx); err != nil || res.Classes[retention.Interpreters].Acted != 1 || res.Anonymised != 1 {
		t.Errorf("after the hold was lifted: %+v, %v", res, err)
	}
	e.checkConsistent()
	e.checkFile()
}

// failingUsers fails the first update of a user, as a store that went
// away for a moment would.
type failingUsers struct {
	data.Store
	failed bool
}

func (s *failingUsers) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	if !s.failed {
		s.failed = true
		return data.User{}, fmt.Errorf("user %s: %w", id, data.ErrUnavailable)
	}
	return s.Store.UpdateUser(ctx, id, fn)
}

// TestRetentionInterpreterAccountNeverLeftBehind: a run that fails on the
// account of an interpreter who left long ago leaves the record to the
// next run, which anonymises both: the account never keeps its name and
// email once the record is gone from the walk.
func TestRetentionInterpreterAccountNeverLeftBehind(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	gone := e.approved("Gone Long Ago")
	user := e.interpreterUser(gone)
	e.now = time.Date(2019, 5, 1, 9, 0, 0, 0, time.UTC)
	if _, err := e.app.DecideVetting(ctx, e.north[data.RoleCoordinator], gone.ID, data.DecisionLeave, "left the area"); err != nil {
		t.Fatal(err)
	}
	e.now = testNow
	if _, err := e.appOver(&failingUsers{Store: e.store}).ApplyRetention(ctx); err == nil {
		t.Fatal("a run whose account write failed reported no error")
	}
	if _, err := e.app.ApplyRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if in, err := e.store.Interpreter(ctx, gone.ID); err != nil || in.Anonymised.IsZero() {
		t.Errorf("the record after the second run: %+v, %v", in.Anonymised, err)
	}
	if u, err := e.store.User(ctx, user.ID); err != nil || u.Name != "" || u.Email != data.AnonymisedEmail(u.ID) {
		t.Errorf("the account after the second run: %q %q, %v", u.Name, u.Email, err)
	}
}
