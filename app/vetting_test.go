package app_test

import (
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestGuardedApproval: a record without a clearance, with lapsed child
// protection training and no signed agreement is approved only with a
// confirmation and a note; each refusal names what is missing and changes
// nothing.
func TestGuardedApproval(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	fields := eligible("thin")
	fields.Clearance, fields.Agreements = data.Clearance{}, data.Agreements{}
	fields.Training = []data.Training{{Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2020-01-01"), Expires: data.MustDate("2021-01-01")}}
	in := e.interpreter(fields, "")

	im, err := e.app.VettingImpact(ctx, coord, in.ID, data.DecisionApprove)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.Gap{{Item: "clearance"}, {Item: "training.child_protection", Lapsed: true}, {Item: "agreements.confidentiality"}}
	if len(im.Gaps) != 3 || im.Gaps[0] != want[0] || im.Gaps[1] != want[1] || im.Gaps[2] != want[2] {
		t.Errorf("gaps %+v, want %+v", im.Gaps, want)
	}
	for _, tc := range []struct {
		vd     app.VettingDecision
		fields []string
	}{
		{app.VettingDecision{Decision: data.DecisionApprove}, []string{"confirm", "note"}},
		{app.VettingDecision{Decision: data.DecisionApprove, Note: "checked"}, []string{"confirm"}},
		{app.VettingDecision{Decision: data.DecisionApprove, Confirm: true}, []string{"note"}},
	} {
		_, err := e.app.Decide(ctx, coord, in.ID, tc.vd)
		f := wantCode(t, err, app.KindUnprocessable, "confirmation_required")
		var got []string
		for _, fe := range f.Fields {
			got = append(got, fe.Field)
		}
		if len(got) != len(tc.fields) || got[0] != tc.fields[0] || len(f.Reasons) != 3 {
			t.Errorf("%+v: fields %v and %d reasons, want %v and 3", tc.vd, got, len(f.Reasons), tc.fields)
		}
	}
	if got := e.actions(in.ID); len(got) != 1 {
		t.Errorf("refused approvals wrote %v", got)
	}
	r, err := e.app.Decide(ctx, coord, in.ID, app.VettingDecision{Decision: data.DecisionApprove, Confirm: true, Note: "DBS applied for"})
	if err != nil || r.Interpreter.Vetting.Status != data.VettingApproved {
		t.Errorf("a confirmed approval: %v, %s", err, r.Interpreter.Vetting.Status)
	}
	// A complete record needs no confirmation.
	if _, err := e.app.Decide(ctx, coord, e.interpreter(eligible("full"), "").ID, app.VettingDecision{Decision: data.DecisionApprove}); err != nil {
		t.Errorf("approving a complete record: %v", err)
	}
}

// TestSuspensionSaysWhatItCancels: the impact of a suspension counts the
// bookings it would cancel by organisation (not one already under way),
// and the decision answers the same; the social worker whose booking was
// withdrawn sees it until they dismiss it, which is audited and stored.
func TestSuspensionSaysWhatItCancels(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	in := e.approved("hana")
	north, south := e.north[data.RoleSocialWorker], e.south[data.RoleSocialWorker]
	nc, sc := e.newCase(north, "NR-1"), e.newCase(south, "SO-1")
	underway := e.book(north, request(nc.ID, in.ID, 0))
	later := e.book(north, request(nc.ID, in.ID, 2))
	e.book(north, request(nc.ID, in.ID, 4))
	e.book(south, request(sc.ID, in.ID, 3))
	e.now = underway.Start.Add(10 * time.Minute)

	im, err := e.app.VettingImpact(ctx, coord, in.ID, data.DecisionSuspend)
	if err != nil || im.Bookings.Total() != 3 || im.Organisations() != 2 || im.Bookings["north"] != 2 {
		t.Fatalf("impact %+v, %v; want 3 bookings, 2 of north's, in 2 organisations", im, err)
	}
	r, err := e.app.Decide(ctx, coord, in.ID, app.VettingDecision{Decision: data.DecisionSuspend, Note: "complaint"})
	if err != nil || r.Bookings.Total() != 3 || r.Organisations() != 2 {
		t.Fatalf("decided %+v, %v; want 3 cancelled in 2 organisations", r.Bookings, err)
	}

	shown, err := e.app.WithdrawnBookings(ctx, north, false)
	if err != nil || len(shown) != 2 || shown[0].ID != later.ID {
		t.Fatalf("north's withdrawn bookings: %d, %v; want 2, %s first", len(shown), err, later.ID)
	}
	if all, err := e.app.WithdrawnBookings(ctx, coord, true); err != nil || len(all) != 2 {
		t.Errorf("the coordinator's list of north's withdrawn bookings: %d, %v; want 2", len(all), err)
	}
	if _, err := e.app.WithdrawnBookings(ctx, north, true); app.Classify(err).Kind != app.KindForbidden {
		t.Errorf("a social worker asking for the organisation's: %v, want forbidden", err)
	}
	if _, err := e.app.DismissWithdrawal(ctx, south, later.ID); app.Classify(err).Kind != app.KindNotFound {
		t.Errorf("another organisation dismissing: %v, want not found", err)
	}
	if _, err := e.app.DismissWithdrawal(ctx, north, underway.ID); app.Classify(err).Code != "booking_not_withdrawn" {
		t.Errorf("dismissing a booking still standing: %v", err)
	}
	b, err := e.app.DismissWithdrawal(ctx, north, later.ID)
	if err != nil || b.WithdrawalDismissed.IsZero() {
		t.Fatalf("dismiss: %v, %+v", err, b.WithdrawalDismissed)
	}
	if _, err := e.app.DismissWithdrawal(ctx, north, later.ID); err != nil {
		t.Errorf("dismissing twice: %v", err)
	}
	if shown, _ := e.app.WithdrawnBookings(ctx, north, false); len(shown) != 1 || shown[0].ID == later.ID {
		t.Errorf("after dismissing, north sees %d withdrawn", len(shown))
	}
	if got := e.actions(later.ID); got[len(got)-1] != data.ActionBookingWithdrawalDismissed || len(got) != 3 {
		t.Errorf("audit %v, want created, withdrawn, then one withdrawal_dismissed", got)
	}
}

// TestRegisterSearch: the register is searched by the start of a name or
// by email, listed by name, and a record's duplicates by email are named.
func TestRegisterSearch(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	nazdar := e.interpreter(eligible("Nazdar Ali"), "")
	twice := eligible("Nazdar A.")
	twice.Email = nazdar.Email
	again := e.interpreter(twice, "")
	e.interpreter(eligible("Hana Aziz"), "")
	names := func(f app.InterpreterFilter) []string {
		t.Helper()
		page, err := e.app.ListInterpreters(ctx, coord, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, in := range page.Items {
			out = append(out, in.Name)
		}
		return out
	}
	if got := names(app.InterpreterFilter{Search: "nazdar"}); len(got) != 2 || got[0] != "Nazdar A." {
		t.Errorf("search nazdar: %q", got)
	}
	if got := names(app.InterpreterFilter{Search: " " + nazdar.Email + " "}); len(got) != 2 {
		t.Errorf("search by email: %q", got)
	}
	if got := names(app.InterpreterFilter{ByName: true}); len(got) != 3 || got[0] != "Hana Aziz" {
		t.Errorf("by name: %q", got)
	}
	if _, err := e.app.ListInterpreters(ctx, coord, app.InterpreterFilter{Search: "naz", Language: "ckb"}); app.Classify(err).Kind != app.KindInvalid {
		t.Errorf("a search with a language: %v, want invalid", err)
	}
	same, err := e.app.SameEmail(ctx, coord, nazdar.ID)
	if err != nil || len(same) != 1 || same[0].ID != again.ID {
		t.Errorf("SameEmail: %v, %v; want the second record", same, err)
	}
	if _, err := e.app.SameEmail(ctx, e.north[data.RoleSocialWorker], nazdar.ID); app.Classify(err).Kind != app.KindForbidden {
		t.Errorf("a social worker asking: %v", err)
	}
}
