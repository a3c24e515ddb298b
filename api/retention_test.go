package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestRetentionOverHTTP: a coordinator places a legal hold on a case (a
// PUT of the case's representation keeps it); the admin's preview lists a
// booking of an interview more than six years old as held, and after the
// hold is lifted, as to anonymise; nobody else may preview.
func TestRetentionOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	old := data.Booking{ID: "b-2019", Organisation: "north", CaseID: c.ID, CaseReference: c.Reference, InterpreterID: "int-1", BookedBy: "sw",
		Start: time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC), End: time.Date(2019, 5, 1, 11, 0, 0, 0, time.UTC), InterviewType: data.InterviewHealth,
		Modality: data.ModalityVideo, Location: "Clinic", Status: data.BookingConfirmed, Confirmation: data.ConfirmationDirect, Version: 1}
	if err := h.store.CreateBooking(t.Context(), old, data.Audited(data.NewAuditEntry(testNow, h.users[data.RoleSocialWorker], "north", data.ActionBookingCreated, data.EntityBooking, old.ID))); err != nil {
		t.Fatal(err)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID+"/legal-hold", map[string]any{"hold": true}), http.StatusForbidden, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", "/v1/cases/"+c.ID+"/legal-hold", map[string]any{}), http.StatusBadRequest, "validation_failed")
	var held caseView
	r := h.do(data.RoleCoordinator, "PUT", "/v1/cases/"+c.ID+"/legal-hold", map[string]any{"hold": true})
	r.json(t, &held)
	if r.status != http.StatusOK || !held.LegalHold {
		t.Fatalf("hold: %d %s", r.status, r.body)
	}
	// The representation GET answers, PUT back, keeps the hold.
	r = h.do(data.RoleSocialWorker, "GET", "/v1/cases/"+c.ID, nil)
	r = h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, r.body, "If-Match", r.header.Get("ETag"))
	var put caseView
	r.json(t, &put)
	if r.status != http.StatusOK || !put.LegalHold {
		t.Fatalf("PUT of the representation: %d %s", r.status, r.body)
	}

	preview := func() retentionPreviewView {
		t.Helper()
		var v retentionPreviewView
		r := h.do(data.RoleAdmin, "GET", "/v1/retention/preview", nil)
		if r.status != http.StatusOK {
			t.Fatalf("preview: %d %s", r.status, r.body)
		}
		r.json(t, &v)
		return v
	}
	v := preview()
	if v.Held.Count != 1 || v.Held.Items[0].ID != old.ID || v.Anonymise.Count != 0 || v.Policy["bookings"].Years != 6 || v.Policy["bookings"].Action != "anonymise" {
		t.Errorf("preview with the hold: %+v", v)
	}
	if cl := v.Classes["bookings"]; cl.Held.Count != 1 || cl.Cutoff == nil || cl.Action != "anonymise" {
		t.Errorf("the bookings' class in the preview: %+v", cl)
	}
	if cl := v.Classes["unmetNeed"]; cl.Action != "keep" || cl.Cutoff != nil || v.Policy["unmetNeed"].Action != "keep" {
		t.Errorf("unmet need in the preview: %+v, %+v", cl, v.Policy["unmetNeed"])
	}
	if len(v.Classes) != len(v.Policy) || len(v.Classes) != 9 {
		t.Errorf("the preview's classes: %d, the policy's: %d, want 9", len(v.Classes), len(v.Policy))
	}
	h.do(data.RoleCoordinator, "PUT", "/v1/cases/"+c.ID+"/legal-hold", map[string]any{"hold": false})
	if v := preview(); v.Held.Count != 0 || v.Anonymise.Count != 1 || v.Anonymise.Items[0].ID != old.ID {
		t.Errorf("preview without the hold: %+v", v)
	}
	for _, role := range []data.Role{data.RoleCoordinator, data.RoleSocialWorker} {
		h.wantProblem(h.do(role, "GET", "/v1/retention/preview", nil), http.StatusForbidden, "forbidden")
	}
}

// TestCaseClosingOverHTTP: a social worker closes a case (200, state
// closed, closedAt); a match of it is then 409 case_closed naming the
// state; the representation GET answers PUT back keeps it closed; reopened,
// it is open again; another organisation's coordinator gets 404.
func TestCaseClosingOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	r := h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/close", nil)
	var v caseView
	r.json(t, &v)
	if r.status != http.StatusOK || v.State != data.CaseClosed || v.ClosedAt == nil {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{
		"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z", "interviewType": "health", "modality": "video"}), http.StatusConflict, "case_closed")
	if !strings.Contains(p.Detail, "closed") {
		t.Errorf("the refusal does not name the state: %+v", p)
	}
	r = h.do(data.RoleSocialWorker, "GET", "/v1/cases/"+c.ID, nil)
	r = h.do(data.RoleSocialWorker, "PUT", "/v1/cases/"+c.ID, r.body, "If-Match", r.header.Get("ETag"))
	r.json(t, &v)
	if r.status != http.StatusOK || v.State != data.CaseClosed {
		t.Errorf("PUT of a closed case's representation: %d %s", r.status, r.body)
	}
	r = h.do(data.RoleCoordinator, "POST", "/v1/cases/"+c.ID+"/reopen", nil)
	var open caseView
	r.json(t, &open)
	if r.status != http.StatusOK || open.State != data.CaseOpen || open.ClosedAt != nil {
		t.Errorf("reopen: %d %s", r.status, r.body)
	}
}

// TestInterpreterHoldAndLeavingOverHTTP: a coordinator records that an
// interpreter left (vetting decision leave; status left) and places a
// legal hold on the record (legalHold shows, a PUT of the representation
// keeps it); a social worker may do neither; a second leave is 409.
func TestInterpreterHoldAndLeavingOverHTTP(t *testing.T) {
	h := newHarness(t)
	id := h.approved(validInterpreter())
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "leave"}), http.StatusForbidden, "forbidden")
	r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "leave", "note": "moved away"})
	var v interpreterView
	r.json(t, &v)
	if r.status != http.StatusOK || v.Vetting.Status != data.VettingLeft {
		t.Fatalf("leave: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "leave"}), http.StatusConflict, "invalid_transition")

	h.wantProblem(h.do(data.RoleSocialWorker, "PUT", "/v1/interpreters/"+id+"/legal-hold", map[string]any{"hold": true}), http.StatusForbidden, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+id+"/legal-hold", map[string]any{"hold": "yes"}), http.StatusBadRequest, "validation_failed")
	r = h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+id+"/legal-hold", map[string]any{"hold": true})
	var held interpreterView
	r.json(t, &held)
	if r.status != http.StatusOK || !held.LegalHold {
		t.Fatalf("hold: %d %s", r.status, r.body)
	}
	r = h.do(data.RoleCoordinator, "GET", "/v1/interpreters/"+id, nil)
	r = h.do(data.RoleCoordinator, "PUT", "/v1/interpreters/"+id, r.body, "If-Match", r.header.Get("ETag"))
	var put interpreterView
	r.json(t, &put)
	if r.status != http.StatusOK || !put.LegalHold {
		t.Errorf("PUT of a held record's representation: %d %s", r.status, r.body)
	}
}
