package app_test

import (
	"strings"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestCaseClosing: a case is closed by its organisation's social worker
// or coordinator once nothing is still to happen in it (an open offer or
// a booking to come refuses it, naming them), audited; a closed case
// refuses a match, a booking and an offer with case_closed; an ordinary
// change keeps it closed; reopened, it takes them again.
func TestCaseClosing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	in := e.approved("Nazdar Ali")
	c := e.newCase(sw, "N-CLOSE-1")

	o, err := e.app.CreateOffer(ctx, sw, offer(c.ID, data.OfferCascade, in.ID))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.app.CloseCase(ctx, sw, c.ID, true)
	if f := wantCode(t, err, app.KindConflict, "case_has_open_work"); !strings.Contains(f.Message, o.ID) {
		t.Errorf("the refusal does not name the open offer: %q", f.Message)
	}
	if _, err := e.app.CancelOffer(ctx, sw, o.ID, "the police asked to wait"); err != nil {
		t.Fatal(err)
	}
	b := e.book(sw, request(c.ID, in.ID, 1))
	_, err = e.app.CloseCase(ctx, sw, c.ID, true)
	if f := wantCode(t, err, app.KindConflict, "case_has_open_work"); !strings.Contains(f.Message, b.ID) {
		t.Errorf("the refusal does not name the booking to come: %q", f.Message)
	}
	if _, err := e.app.CancelBooking(ctx, sw, b.ID, "not needed"); err != nil {
		t.Fatal(err)
	}

	_, err = e.app.CloseCase(ctx, e.south[data.RoleCoordinator], c.ID, true)
	wantKind(t, err, app.KindNotFound) // another organisation's case
	_, err = e.app.CloseCase(ctx, e.north[data.RoleAdmin], c.ID, true)
	wantKind(t, err, app.KindForbidden)
	closed, err := e.app.CloseCase(ctx, sw, c.ID, true)
	if err != nil || closed.State() != data.CaseClosed || !closed.Closed.Equal(testNow) {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	if again, err := e.app.CloseCase(ctx, coord, c.ID, true); err != nil || again.Version != closed.Version {
		t.Errorf("closing a closed case changed it: %+v, %v", again, err)
	}

	_, err = e.app.Match(ctx, sw, c.ID, slot(interview))
	if f := wantCode(t, err, app.KindConflict, "case_closed"); !strings.Contains(f.Message, "closed") {
		t.Errorf("the refusal does not name the state: %q", f.Message)
	}
	_, _, err = e.app.CreateBooking(ctx, sw, request(c.ID, in.ID, 2))
	wantCode(t, err, app.KindConflict, "case_closed")
	_, err = e.app.CreateOffer(ctx, coord, offer(c.ID, data.OfferBroadcast, in.ID))
	wantCode(t, err, app.KindConflict, "case_closed")

	fields := caseFields("N-CLOSE-1")
	fields.Child.AgeBand = data.Age16To17
	if u, err := e.app.UpdateCase(ctx, sw, c.ID, closed.Version, fields); err != nil || u.State() != data.CaseClosed {
		t.Errorf("an update of a closed case: %+v, %v", u.State(), err)
	}

	reopened, err := e.app.CloseCase(ctx, coord, c.ID, false)
	if err != nil || reopened.State() != data.CaseOpen || !reopened.Closed.IsZero() {
		t.Fatalf("reopen: %+v, %v", reopened, err)
	}
	if _, err := e.app.Match(ctx, sw, c.ID, slot(interview)); err != nil {
		t.Errorf("a match of a reopened case: %v", err)
	}
	got := e.actions(c.ID)
	if n := len(got); n < 3 || got[n-3] != data.ActionCaseClosed || got[n-1] != data.ActionCaseReopened {
		t.Errorf("the case's audit: %v, want closed, updated, reopened last", got)
	}
	e.checkConsistent()
}
