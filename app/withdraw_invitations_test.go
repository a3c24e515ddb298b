package app_test

import (
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestIneligibleInvitationsWithdrawn: an interpreter who stops passing the
// rules while their invitation is pending (suspended; excluded by the
// case) loses the invitation at once, with the rules as its reasons, is
// told it is no longer open, and the cascade asks the next interpreter
// then, not when the answer would have fallen due; with nobody left the
// offer is unfilled and the social worker told. Each step is audited.
func TestIneligibleInvitationsWithdrawn(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	a, b := e.approved("Ana Aziz"), e.approved("Bea Baran")
	ua := e.interpreterUser(a)
	cs := e.newCase(sw, "WITHDRAW-1")
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}

	// a is suspended while asked: withdrawn, and b asked now.
	if _, err := e.app.DecideVetting(ctx, coord, a.ID, data.DecisionSuspend, ""); err != nil {
		t.Fatal(err)
	}
	o, err = e.app.GetOffer(ctx, sw, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []data.InvitationStatus{data.InvitationWithdrawn, data.InvitationPending}
	if got := statuses(o); !slices.Equal(got, want) {
		t.Fatalf("after a's suspension: %v, want %v", got, want)
	}
	if r := o.Invitations[0].Reasons; len(r) == 0 || r[0].Code != "not_approved" {
		t.Errorf("a's invitation withdrawn for %+v, want not_approved", r)
	}
	if _, err := e.app.AcceptOffer(ctx, ua, o.ID, true); err == nil {
		t.Error("a accepted a withdrawn invitation")
	}
	msgs := e.outbox("north")
	if got := ofKind(msgs, data.MessageOfferWithdrawn); len(got) != 1 || got[0].InterpreterID != a.ID {
		t.Errorf("withdrawal notes %+v, want one to a", got)
	}
	asked := ofKind(msgs, data.MessageOfferInvitation)
	if !slices.ContainsFunc(asked, func(m data.Message) bool { return m.InterpreterID == b.ID }) {
		t.Errorf("b was not sent an invitation: %+v", asked)
	}

	// The case now excludes b: withdrawn, and nobody is left.
	cur, err := e.app.GetCase(ctx, sw, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := cur
	next.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: b.ID, Reason: "the family knows her"}}
	if _, err := e.app.UpdateCase(ctx, sw, cs.ID, cur.Version, next); err != nil {
		t.Fatal(err)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	want = []data.InvitationStatus{data.InvitationWithdrawn, data.InvitationWithdrawn}
	if got := statuses(o); o.Status != data.OfferUnfilled || !slices.Equal(got, want) {
		t.Fatalf("after b's exclusion: %s %v, want unfilled %v", o.Status, got, want)
	}
	if r := o.Invitations[1].Reasons; len(r) == 0 || r[0].Code != "excluded_by_case" {
		t.Errorf("b's invitation withdrawn for %+v, want excluded_by_case", r)
	}
	if got := ofKind(e.outbox("north"), data.MessageOfferUnfilled); len(got) != 1 {
		t.Errorf("%d unfilled notes to the social worker, want 1", len(got))
	}
	wantActions := []data.Action{data.ActionOfferCreated, data.ActionOfferWithdrawn, data.ActionOfferWithdrawn}
	if got := e.actions(o.ID); !slices.Equal(got, wantActions) {
		t.Errorf("the offer's audit %v, want %v", got, wantActions)
	}
	// Run again, nothing more changes.
	if _, err := e.app.WithdrawBookings(ctx, coord, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.actions(o.ID); !slices.Equal(got, wantActions) {
		t.Errorf("a second run changed the offer: %v", got)
	}
}
