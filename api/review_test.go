package api

import (
	"regexp"
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestChangesAreRejudged: after an interpreter is suspended, even a
// location-only change of their booking is refused (no invitation goes to
// them again); a slot in the past cannot be booked or matched. A
// suspension withdraws the interpreter's bookings itself
// (TestSuspensionWithdrawsBookings); here it lands in the store alone, as
// when the withdrawal is cut short.
func TestChangesAreRejudged(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	_, err := h.store.UpdateInterpreter(t.Context(), good, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Vetting.Status = data.VettingSuspended
		return in, data.Audited(data.NewAuditEntry(testNow, h.users[data.RoleCoordinator], data.ScopeRegister, data.ActionVettingSuspend, data.EntityInterpreter, good)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room 4"}), 422, "ineligible")
	if len(p.Reasons) == 0 || p.Reasons[0].Code != "not_approved" {
		t.Errorf("reasons %+v", p.Reasons)
	}
	past := bookingBody(c.ID, good)
	past["start"], past["end"] = "2026-11-22T08:00:00Z", "2026-11-22T09:30:00Z" // testNow is 09:00
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", past), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "start") {
		t.Errorf("fields %v", fieldsOf(p))
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-22T08:00:00Z", "end": "2026-11-22T09:30:00Z", "interviewType": "abe_police", "modality": "video"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-30T08:00:00Z", "end": "2026-12-30T09:30:00Z", "interviewType": "abe_police", "modality": "video"}), 400, "validation_failed")
}

// TestOverlapHidesOtherOrganisations: a 409 names the slot in the way, but
// not another organisation's booking.
func TestOverlapHidesOtherOrganisations(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	sc := h.createCase("south-sw", soraniCase())
	p := h.wantProblem(h.do("south-sw", "POST", "/v1/bookings", bookingBody(sc.ID, good)), 409, "booking_conflict")
	if p.Conflict == nil || p.Conflict.BookingID != "" || !p.Conflict.Start.Equal(b.Start) || regexp.MustCompile(b.ID).MatchString(p.Detail) {
		t.Errorf("conflict %+v detail %q: want the slot without north's booking ID", p.Conflict, p.Detail)
	}
}

// TestRevokedKeyEndsFeeds: when an admin revokes a user's key, the user's
// calendar feeds stop at once.
func TestRevokedKeyEndsFeeds(t *testing.T) {
	h := newHarness(t)
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(t, &f)
	path := f.URL[regexp.MustCompile(`/feeds/`).FindStringIndex(f.URL)[0]:]
	if r := h.get(path); r.status != 200 {
		t.Fatalf("feed before: %d", r.status)
	}
	if r := h.do(data.RoleAdmin, "DELETE", "/v1/users/"+h.users[data.RoleSocialWorker].ID+"/key", nil); r.status != 204 {
		t.Fatalf("revoke key: %d", r.status)
	}
	if r := h.get(path); r.status != 404 {
		t.Errorf("the feed of a user whose key was revoked: %d, want 404", r.status)
	}
}

// TestFreeTextIsClean: a control character in a cancellation reason or an
// outcome note is refused naming the request's field.
func TestFreeTextIsClean(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	for path, body := range map[string]map[string]any{
		"/cancel":  {"reason": "moved\u0000"},
		"/outcome": {"attended": true, "childComfortable": true, "note": "ok\u0007"},
	} {
		p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+b.ID+path, body), 400, "validation_failed")
		if f := fieldsOf(p); len(f) != 1 || (f[0] != "reason" && f[0] != "note") {
			t.Errorf("%s: fields %v", path, f)
		}
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room\u001b[2J"}), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"location"}) {
		t.Errorf("location: fields %v", fieldsOf(p))
	}
}
