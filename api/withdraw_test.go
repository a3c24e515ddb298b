package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// bookAt books interpreter for case c at start, for an hour, by video.
func (h *harness) bookAt(role data.Role, caseID, interpreter, start string) bookingView {
	h.t.Helper()
	body := bookingBody(caseID, interpreter)
	s, _ := time.Parse(time.RFC3339, start)
	body["start"], body["end"] = start, s.Add(time.Hour).Format(time.RFC3339)
	return h.book(role, body)
}

// status reads a booking as role.
func (h *harness) booking(role data.Role, id string) bookingView {
	h.t.Helper()
	var b bookingView
	r := h.do(role, "GET", "/v1/bookings/"+id, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("GET booking %s: %d %s", id, r.status, r.body)
	}
	r.json(h.t, &b)
	return b
}

// wantWithdrawn checks that a booking was cancelled with a reason naming
// what, its sequence raised, and audited as booking.withdrawn.
func (h *harness) wantWithdrawn(role data.Role, before bookingView, what string) {
	h.t.Helper()
	got := h.booking(role, before.ID)
	if got.Status != data.BookingCancelled || got.Sequence != before.Sequence+1 || !strings.Contains(got.CancelReason, what) {
		h.t.Errorf("booking %s: status %s, sequence %d (was %d), reason %q; want cancelled, raised, naming %q",
			before.ID, got.Status, got.Sequence, before.Sequence, got.CancelReason, what)
	}
	if acts := h.auditActions(before.ID); !slices.Contains(acts, "booking.withdrawn") {
		h.t.Errorf("audit of %s: %v, want booking.withdrawn", before.ID, acts)
	}
}

// wantStanding checks that a booking is still confirmed.
func (h *harness) wantStanding(role data.Role, b bookingView) {
	h.t.Helper()
	if got := h.booking(role, b.ID); got.Status != data.BookingConfirmed {
		h.t.Errorf("booking %s is %s (%q), want it to stand", b.ID, got.Status, got.CancelReason)
	}
}

// TestSuspensionWithdrawsBookings: suspending an interpreter cancels their
// bookings that have not started, in every organisation, so a suspended
// interpreter never walks into an interview on an old booking; an
// interview already under way, and other interpreters' bookings, stand.
func TestSuspensionWithdrawsBookings(t *testing.T) {
	h := newHarness(t)
	bad := h.approved(soraniInterpreter("bad"))
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	underway := h.bookAt(data.RoleSocialWorker, c.ID, bad, "2026-12-01T10:00:00Z")
	mine := h.bookAt(data.RoleSocialWorker, c.ID, bad, "2026-12-03T10:00:00Z")
	second := bookingBody(c.ID, good)
	second["start"], second["end"], second["additional"] = "2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z", true
	kept := h.book(data.RoleSocialWorker, second) // a second interpreter for that interview
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	sc := h.createCase("south-sw", soraniCase())
	south := h.bookAt("south-sw", sc.ID, bad, "2026-12-02T10:00:00Z")
	h.now = underway.Start.Add(10 * time.Minute)

	if r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+bad+"/vetting", map[string]any{"decision": "suspend", "note": "safeguarding concern"}); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	h.wantStanding(data.RoleSocialWorker, underway)
	h.wantWithdrawn(data.RoleSocialWorker, mine, "suspended")
	h.wantWithdrawn("south-sw", south, "suspended")
	h.wantStanding(data.RoleSocialWorker, kept)

	// Run again, nothing is left; nobody but a coordinator may run it.
	var w struct{ Withdrawn int }
	if r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+bad+"/withdraw-bookings", nil); r.status != 200 {
		t.Fatalf("withdraw again: %d %s", r.status, r.body)
	} else if r.json(t, &w); w.Withdrawn != 0 {
		t.Errorf("withdraw again cancelled %d", w.Withdrawn)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/interpreters/"+bad+"/withdraw-bookings", nil), 403, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters/nobody/withdraw-bookings", nil), 404, "not_found")
}

// TestRecordChangeWithdrawsBookings: a community link added to an
// interpreter's record that ties them to a booked child's town withdraws
// that booking (and only that one), with a reason naming the rule, never
// the town.
func TestRecordChangeWithdrawsBookings(t *testing.T) {
	h := newHarness(t)
	id := h.approved(soraniInterpreter("linked"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	other := soraniCase()
	other["child"].(map[string]any)["communityLinks"] = []any{}
	other["child"].(map[string]any)["avoidOwnCommunity"] = false
	c2 := h.createCase(data.RoleSocialWorker, other)
	tied := h.bookAt(data.RoleSocialWorker, c.ID, id, "2026-12-01T10:00:00Z")
	free := h.bookAt(data.RoleSocialWorker, c2.ID, id, "2026-12-02T10:00:00Z")

	var in map[string]any
	r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+id, nil)
	r.json(t, &in)
	in["communityLinks"] = []any{map[string]any{"kind": "town", "value": "Ranya"}}
	if r := h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+id, in, "If-Match", r.header.Get("ETag")); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	h.wantWithdrawn(data.RoleSocialWorker, tied, "community link")
	if got := h.booking(data.RoleSocialWorker, tied.ID); strings.Contains(got.CancelReason, "Ranya") {
		t.Errorf("the reason names the town: %q", got.CancelReason)
	}
	h.wantStanding(data.RoleSocialWorker, free)
}

// TestCaseChangeAndOutcomeWithdrawBookings: excluding a booked interpreter
// from a case withdraws their bookings for it; an outcome where the child
// was not comfortable withdraws the interpreter's later bookings for the
// case.
func TestCaseChangeAndOutcomeWithdrawBookings(t *testing.T) {
	h := newHarness(t)
	a := h.approved(soraniInterpreter("anna"))
	b := h.approved(soraniInterpreter("bea"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	aBooked := h.bookAt(data.RoleSocialWorker, c.ID, a, "2026-12-01T10:00:00Z")
	bFirst := h.bookAt(data.RoleSocialWorker, c.ID, b, "2026-11-23T10:00:00Z")
	bLater := h.bookAt(data.RoleSocialWorker, c.ID, b, "2026-12-04T10:00:00Z")

	var cur map[string]any
	r := h.do(data.RoleSocialWorker, "GET", "/v1/cases/"+c.ID, nil)
	r.json(t, &cur)
	cur["excludedInterpreters"] = []any{map[string]any{"interpreterId": a, "reason": "knows the family"}}
	if r := h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, cur, "If-Match", r.header.Get("ETag")); r.status != 200 {
		t.Fatalf("PUT case: %d %s", r.status, r.body)
	}
	h.wantWithdrawn(data.RoleSocialWorker, aBooked, "excluded")
	h.wantStanding(data.RoleSocialWorker, bLater)

	h.now = bFirst.End
	if r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+bFirst.ID+"/outcome", map[string]any{"checklist": allChecked, "attended": true, "childComfortable": false}); r.status != 200 {
		t.Fatalf("outcome: %d %s", r.status, r.body)
	}
	h.wantWithdrawn(data.RoleSocialWorker, bLater, "not comfortable")
}

// TestGuardedVetting: approving a record without a clearance or signed
// agreement is 422 confirmation_required naming confirm and note, with
// what the record lacks, and writes nothing; with both it is approved.
// vetting-impact says beforehand what a suspension would cancel (bookings
// in two organisations) and the decision's headers what it did.
func TestGuardedVetting(t *testing.T) {
	h := newHarness(t)
	thin := soraniInterpreter("thin")
	delete(thin, "clearance")
	delete(thin, "agreements")
	id := h.createInterpreter(thin).ID
	path := "/v1/interpreters/" + id

	var impact vettingImpactView
	if r := h.do(data.RoleCoordinator, "GET", path+"/vetting-impact?decision=approve", nil); r.status != 200 {
		t.Fatalf("impact: %d %s", r.status, r.body)
	} else if r.json(t, &impact); len(impact.Gaps) != 2 || impact.Gaps[0].Code != "clearance_missing" || impact.Gaps[1].Code != "agreements_confidentiality_missing" {
		t.Errorf("the approval's gaps %+v, want the clearance and the agreement", impact.Gaps)
	}
	p := h.wantProblem(h.do(data.RoleCoordinator, "POST", path+"/vetting", map[string]any{"decision": "approve"}), 422, "confirmation_required")
	if len(p.Errors) != 2 || p.Errors[0].Field != "confirm" || p.Errors[1].Field != "note" || len(p.Reasons) != 2 {
		t.Errorf("errors %+v and reasons %+v, want confirm and note named and two gaps", p.Errors, p.Reasons)
	}
	p = h.wantProblem(h.do(data.RoleCoordinator, "POST", path+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": " "}), 422, "confirmation_required")
	if len(p.Errors) != 1 || p.Errors[0].Field != "note" {
		t.Errorf("errors %+v, want the note named", p.Errors)
	}
	if r := h.do(data.RoleCoordinator, "GET", path, nil); !strings.Contains(string(r.body), `"status":"pending"`) {
		t.Errorf("a refused approval changed the record: %s", r.body)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "GET", path+"/vetting-impact?decision=ban", nil), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", path+"/vetting-impact?decision=approve", nil), 403, "forbidden")

	full := h.approved(soraniInterpreter("full"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	h.bookAt(data.RoleSocialWorker, c.ID, full, "2026-12-03T10:00:00Z")
	h.bookAt(data.RoleSocialWorker, c.ID, full, "2026-12-04T10:00:00Z")
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.bookAt("south-sw", h.createCase("south-sw", soraniCase()).ID, full, "2026-12-02T10:00:00Z")
	if r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+full+"/vetting-impact?decision=suspend", nil); r.status != 200 {
		t.Fatalf("impact: %d %s", r.status, r.body)
	} else if r.json(t, &impact); impact.Bookings != 3 || impact.Organisations != 2 || len(impact.Gaps) != 0 {
		t.Errorf("the suspension's impact %+v, want 3 bookings in 2 organisations", impact)
	}
	r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+full+"/vetting", map[string]any{"decision": "suspend", "note": "concern"})
	if r.status != 200 || r.header.Get("Tolk-Withdrawn-Bookings") != "3" {
		t.Errorf("suspend: %d, withdrew %q bookings, want 3", r.status, r.header.Get("Tolk-Withdrawn-Bookings"))
	}
	if r := h.do(data.RoleCoordinator, "POST", path+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "DBS applied for; agreement signed on paper"}); r.status != 200 {
		t.Errorf("a confirmed approval: %d %s", r.status, r.body)
	}
}
