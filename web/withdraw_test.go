package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// A suspended interpreter whose bookings still stand (the suspension's
// cancellations were cut short) is flagged on their record, and one button
// cancels what is left; social workers then see the booking cancelled,
// with why.
func TestSuspendedInterpreterBookingsAreFlaggedAndWithdrawn(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Hana Rahimi", "ckb", data.DecisionApprove)
	sw := s.users[data.RoleSocialWorker]
	c0, err := s.app.CreateCase(t.Context(), sw, data.Case{Reference: "NR-1", Child: data.Child{Languages: []string{"ckb"}}})
	if err != nil {
		t.Fatal(err)
	}
	start := testNow.Add(72 * time.Hour)
	b := data.Booking{
		ID: "b-standing", Organisation: "north", CaseID: c0.ID, CaseReference: "NR-1", InterpreterID: in.ID, BookedBy: sw.ID,
		Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
		Status: data.BookingConfirmed, Version: 1, CreatedAt: testNow, UpdatedAt: testNow,
	}
	if err := s.store.CreateBooking(t.Context(), b, data.Audited(data.NewAuditEntry(testNow, sw, "north", data.ActionBookingCreated, data.EntityBooking, b.ID))); err != nil {
		t.Fatal(err)
	}
	// The suspension lands, but its cancellations never ran.
	coord := s.users[data.RoleCoordinator]
	_, err = s.store.UpdateInterpreter(t.Context(), in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		cur.Vetting.Status = data.VettingSuspended
		return cur, data.Audited(data.NewAuditEntry(testNow, coord, data.ScopeRegister, data.ActionVettingSuspend, data.EntityInterpreter, in.ID)), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	c := s.browser()
	c.signIn(data.RoleCoordinator)
	p := c.get("/interpreters/" + in.ID)
	if !strings.Contains(p.body, "1 booking of this interpreter still stands") {
		t.Fatalf("the record of a suspended interpreter with a standing booking does not say so:\n%s", p.body)
	}
	if r := c.post("/interpreters/"+in.ID+"/withdraw-bookings", nil); r.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", r.status, r.body)
	}
	if p := c.get("/interpreters/" + in.ID); strings.Contains(p.body, "still stand") {
		t.Error("the record still flags standing bookings after they were withdrawn")
	}

	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	p = w.get("/bookings/" + b.ID)
	if !strings.Contains(p.body, "tag-cancelled") || !strings.Contains(p.body, "no longer meets the rules") || !strings.Contains(p.body, "suspended") {
		t.Errorf("the social worker's booking page does not show the withdrawal:\n%s", p.body)
	}
}
