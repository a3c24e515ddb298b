package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestRenewals: approved interpreters' items lapsing within the window,
// lapsed or missing; missing first, then soonest.
func TestRenewals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	e.approved("fine") // everything valid into 2028
	soon := eligible("soon")
	soon.Clearance.ValidUntil = data.MustDate("2026-12-10")
	soonID := e.interpreter(soon, data.DecisionApprove).ID
	e.interpreter(soon, "") // pending: not reported
	lapsed := eligible("lapsed")
	lapsed.Training[0].Expires = data.MustDate("2026-11-01")
	lapsed.Agreements = data.Agreements{}
	lapsedID := e.interpreter(lapsed, data.DecisionApprove).ID

	got, err := e.app.Renewals(ctx, coord, 30)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.RenewalItem{
		{InterpreterID: lapsedID, Name: "lapsed", Item: "agreements.confidentiality", Missing: true},
		{InterpreterID: lapsedID, Name: "lapsed", Item: "training.child_protection_l2", Expires: data.MustDate("2026-11-01"), Lapsed: true},
		{InterpreterID: soonID, Name: "soon", Item: "clearance", Expires: data.MustDate("2026-12-10")},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(data.Date{})); diff != "" {
		t.Errorf("within 30 days (-want +got):\n%s", diff)
	}
	got, err = e.app.Renewals(ctx, coord, 10)
	if err != nil || len(got) != 2 {
		t.Errorf("within 10 days: %d items, %v; want the lapsed and the missing", len(got), err)
	}
	for _, within := range []int{0, 366, -1} {
		_, err := e.app.Renewals(ctx, coord, within)
		wantKind(t, err, app.KindInvalid)
	}
}
