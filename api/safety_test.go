package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// allChecked is an outcome's checklist with every item attested.
var allChecked = map[string]any{"briefed": true, "conflictRedeclared": true, "neverAloneWithChild": true, "debriefOffered": true}

// abeAt is a video ABE booking body of interpreter for case c, from-to
// (RFC 3339).
func abeAt(caseID, interpreterID, from, to string) map[string]any {
	b := bookingBody(caseID, interpreterID)
	b["start"], b["end"] = from, to
	return b
}

// TestSafetyOverHTTP: an ABE booking 10:00-11:00 holds 09:45-11:15, and
// says so; a video booking of the same interpreter at 11:00 is 409 naming
// it; a third interview that day is 422 workload_limit.
func TestSafetyOverHTTP(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	first := h.book(data.RoleSocialWorker, abeAt(c.ID, good, "2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z"))
	r := h.do(data.RoleSocialWorker, "GET", "/v1/bookings/"+first.ID, nil)
	var v bookingView
	r.json(t, &v)
	want := safetyView{BriefingMinutes: 15, DebriefMinutes: 15, DepartAfterChildMinutes: 10,
		Arrival: time.Date(2026, 11, 30, 9, 45, 0, 0, time.UTC), BriefingStart: time.Date(2026, 11, 30, 9, 45, 0, 0, time.UTC),
		DebriefEnd: time.Date(2026, 11, 30, 11, 15, 0, 0, time.UTC), Departure: time.Date(2026, 11, 30, 11, 15, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, v.Safety); diff != "" {
		t.Errorf("safety (-want +got):\n%s", diff)
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", abeAt(c.ID, good, "2026-11-30T11:00:00Z", "2026-11-30T12:00:00Z")), 409, "booking_conflict")
	if p.Conflict == nil || p.Conflict.BookingID != first.ID {
		t.Errorf("conflict %+v, want booking %s named", p.Conflict, first.ID)
	}
	h.book(data.RoleSocialWorker, abeAt(c.ID, good, "2026-11-30T13:00:00Z", "2026-11-30T14:00:00Z"))
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", abeAt(c.ID, good, "2026-11-30T16:00:00Z", "2026-11-30T17:00:00Z")), 422, "ineligible")
	if len(p.Reasons) != 1 || p.Reasons[0].Code != "workload_limit" || p.Reasons[0].Message == "" {
		t.Errorf("reasons %+v, want workload_limit with its reason", p.Reasons)
	}
}

// TestOutcomeChecklistOverHTTP: attended without the checklist is 400
// naming each missing item; a false neverAloneWithChild is stored and
// listed for coordinators as an incident.
func TestOutcomeChecklistOverHTTP(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, abeAt(c.ID, good, "2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z"))
	h.now = time.Date(2026, 11, 30, 11, 30, 0, 0, time.UTC)
	path := "/v1/bookings/" + b.ID + "/outcome"
	all := []string{"checklist.briefed", "checklist.conflictRedeclared", "checklist.neverAloneWithChild", "checklist.debriefOffered"}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", path, map[string]any{"attended": true, "childComfortable": true}), 400, "validation_failed")
	if got := fieldsOf(p); !slices.Equal(got, all) {
		t.Errorf("no checklist: fields %v, want %v", got, all)
	}
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", path, map[string]any{"attended": true, "childComfortable": true, "checklist": map[string]any{"briefed": true, "debriefOffered": false}}), 400, "validation_failed")
	if got := fieldsOf(p); !slices.Equal(got, []string{"checklist.conflictRedeclared", "checklist.neverAloneWithChild"}) {
		t.Errorf("a partial checklist: fields %v", got)
	}
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", path, map[string]any{"attended": false, "childComfortable": true, "code": "lost"}), 400, "validation_failed")
	if got := fieldsOf(p); !slices.Equal(got, []string{"code"}) {
		t.Errorf("an unknown code: fields %v", got)
	}
	alone := map[string]any{"briefed": true, "conflictRedeclared": true, "neverAloneWithChild": false, "debriefOffered": true}
	r := h.do(data.RoleSocialWorker, "POST", path, map[string]any{"attended": true, "childComfortable": true, "checklist": alone})
	if r.status != http.StatusOK {
		t.Fatalf("outcome: %d %s", r.status, r.body)
	}
	var v bookingView
	r.json(t, &v)
	if v.Outcome == nil || v.Outcome.Code != data.OutcomeAttended || v.Outcome.Checklist == nil || v.Outcome.Checklist.NeverAloneWithChild || !v.Outcome.Checklist.Briefed {
		t.Errorf("outcome %+v, want the checklist kept, code attended", v.Outcome)
	}
	if got := h.auditActions(b.ID); !slices.Contains(got, string(data.ActionSafeguardingIncident)) {
		t.Errorf("audit %v, want the incident", got)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/safeguarding", nil), 403, "forbidden")
	var list pageView[safeguardingItemView]
	h.do(data.RoleCoordinator, "GET", "/v1/safeguarding?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].BookingID != b.ID || !list.Items[0].Incident || list.Items[0].Debrief {
		t.Errorf("safeguarding %+v, want the incident", list.Items)
	}
}

// TestWellbeingOverHTTP: the booked interpreter marks an ended interview
// distressing; nobody else can; coordinators see a debrief to offer.
func TestWellbeingOverHTTP(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	me := h.interpreterKey(good)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, abeAt(c.ID, good, "2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z"))
	path := "/v1/bookings/" + b.ID + "/wellbeing"
	h.wantProblem(h.do(me, "POST", path, map[string]any{"distressing": true}), 409, "interview_not_ended")
	h.now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", path, map[string]any{"distressing": true}), 403, "forbidden")
	h.wantProblem(h.do(me, "POST", path, map[string]any{"distressing": false}), 400, "validation_failed")
	h.wantProblem(h.do(me, "POST", path, map[string]any{}), 400, "validation_failed")
	r := h.do(me, "POST", path, map[string]any{"distressing": true})
	var w wellbeingView
	if r.json(t, &w); r.status != http.StatusOK || !w.Distressing || w.BookingID != b.ID {
		t.Fatalf("wellbeing: %d %s", r.status, r.body)
	}
	// The social worker's view of the booking says nothing of it.
	if r := h.do(data.RoleSocialWorker, "GET", "/v1/bookings/"+b.ID, nil); r.status != http.StatusOK || strings.Contains(string(r.body), "distress") || strings.Contains(string(r.body), "wellbeing") {
		t.Errorf("the requester's view tells the flag: %s", r.body)
	}
	var list pageView[safeguardingItemView]
	h.do(data.RoleCoordinator, "GET", "/v1/safeguarding", nil).json(t, &list)
	if len(list.Items) != 1 || !list.Items[0].Debrief || list.Items[0].Incident {
		t.Errorf("safeguarding %+v, want a debrief to offer", list.Items)
	}
}
