package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestTransferOverHTTP: north sends a child's case to south, whose
// coordinator finds it pending and accepts it; the new case's first match
// in south puts the interpreter the child was comfortable with first and
// keeps the one the child was not comfortable with, and the one north
// excluded, excluded.
func TestTransferOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.addUser(data.RoleCoordinator, "south-coord", "south")
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	amira, bina, carla := h.approved(soraniInterpreter("amira")), h.approved(soraniInterpreter("bina")), h.approved(soraniInterpreter("carla"))
	seasoned := soraniInterpreter("eve")
	seasoned["training"] = append(seasoned["training"].([]any),
		map[string]any{"kind": "trauma_informed", "completed": "2025-01-01"},
		map[string]any{"kind": "trafficking_modern_slavery", "completed": "2025-01-01"})
	seasoned["experience"] = map[string]any{"childInterviews": 80, "traffickingCases": 30, "years": 15}
	eve := h.approved(seasoned)

	body := soraniCase()
	body["excludedInterpreters"] = []any{map[string]any{"interpreterId": carla, "reason": "knows the family in Ranya"}}
	c := h.createCase(data.RoleSocialWorker, body)
	first := h.book(data.RoleSocialWorker, bookingBody(c.ID, amira))
	next := bookingBody(c.ID, bina)
	next["start"], next["end"] = "2026-12-01T10:00:00Z", "2026-12-01T11:30:00Z"
	second := h.book(data.RoleSocialWorker, next)
	h.now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for id, comfortable := range map[string]bool{first.ID: true, second.ID: false} {
		r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+id+"/outcome", map[string]any{"attended": true, "childComfortable": comfortable, "checklist": allChecked})
		if r.status != http.StatusOK {
			t.Fatalf("outcome: %d %s", r.status, r.body)
		}
	}

	// Bad requests name their field; none is a 500.
	path := "/v1/cases/" + c.ID + "/transfers"
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"unknown legal basis", map[string]any{"toOrganisation": "south", "legalBasis": "convenience"}, "legalBasis"},
		{"unknown organisation", map[string]any{"toOrganisation": "atlantis", "legalBasis": "placement"}, "toOrganisation"},
		{"same organisation", map[string]any{"toOrganisation": "north", "legalBasis": "placement"}, "toOrganisation"},
		{"no organisation", map[string]any{"legalBasis": "placement"}, "toOrganisation"},
		{"bad organisation", map[string]any{"toOrganisation": strings.Repeat("s", 64), "legalBasis": "placement"}, "toOrganisation"},
	} {
		p := h.wantProblem(h.do(data.RoleCoordinator, "POST", path, tc.body), 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), tc.field) {
			t.Errorf("%s: fields %v, want %s", tc.name, fieldsOf(p), tc.field)
		}
	}
	h.wantProblem(h.do(data.RoleCoordinator, "POST", path, `{"toOrganisation":"south","legalBasis":"placement","notes":"x"}`), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", path, map[string]any{"toOrganisation": "south", "legalBasis": "placement"}), 403, "forbidden")
	h.wantProblem(h.do("south-coord", "POST", path, map[string]any{"toOrganisation": "west", "legalBasis": "placement"}), 404, "not_found")

	r := h.do(data.RoleCoordinator, "POST", path, map[string]any{"toOrganisation": "south", "legalBasis": "national_transfer_scheme", "closeSending": true})
	if r.status != http.StatusCreated {
		t.Fatalf("request the transfer: %d %s", r.status, r.body)
	}
	var tr transferView
	r.json(t, &tr)
	if tr.Status != data.TransferPending || tr.CaseID != c.ID || tr.ToOrganisation != "south" || r.header.Get("Location") != "/v1/transfers/"+tr.ID {
		t.Errorf("the transfer: %s", r.body)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "POST", path, map[string]any{"toOrganisation": "south", "legalBasis": "placement"}), 409, "transfer_pending")

	// South's coordinator sees it pending: of the child, language and age band only.
	var page pageView[transferView]
	r = h.do("south-coord", "GET", "/v1/transfers?status=pending", nil)
	r.json(t, &page)
	if r.status != 200 || len(page.Items) != 1 || page.Items[0].ID != tr.ID || page.Items[0].CaseID != "" ||
		page.Items[0].ChildAgeBand != "12-15" || page.Items[0].ChildLanguages[0].Tag != "ckb" {
		t.Fatalf("south's pending transfers: %d %s", r.status, r.body)
	}
	for _, secret := range []string{"Ranya", "NR-2026-0042", "OP-KESTREL", carla} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the pending transfer shows %q to south before it accepts: %s", secret, r.body)
		}
	}
	r = h.do(data.RoleCoordinator, "GET", "/v1/transfers?status=pending", nil)
	if r.json(t, &page); len(page.Items) != 0 {
		t.Errorf("north lists its own transfer as incoming: %s", r.body)
	}
	r = h.do(data.RoleCoordinator, "GET", "/v1/transfers?direction=outgoing", nil)
	if r.json(t, &page); len(page.Items) != 1 {
		t.Errorf("north's outgoing transfers: %s", r.body)
	}
	h.wantProblem(h.do("south-coord", "GET", "/v1/transfers?direction=sideways", nil), 400, "validation_failed")
	h.wantProblem(h.do("south-coord", "GET", "/v1/transfers?status=lost", nil), 400, "validation_failed")
	h.wantProblem(h.do("south-sw", "GET", "/v1/transfers", nil), 403, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/transfers/"+tr.ID+"/accept", nil), 403, "forbidden")
	p := h.wantProblem(h.do("south-coord", "POST", "/v1/transfers/"+tr.ID+"/decline", map[string]any{"reason": "we are full"}), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"reason"}) {
		t.Errorf("decline with free text: fields %v", fieldsOf(p))
	}

	r = h.do("south-coord", "POST", "/v1/transfers/"+tr.ID+"/accept", map[string]any{"reference": "SO-2026-77"})
	if r.status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	var accepted acceptedView
	r.json(t, &accepted)
	if accepted.CaseID == "" || accepted.Transfer.NewCaseID != accepted.CaseID || accepted.Transfer.Status != data.TransferAccepted {
		t.Fatalf("accepted: %s", r.body)
	}
	h.wantProblem(h.do("south-coord", "POST", "/v1/transfers/"+tr.ID+"/accept", nil), 409, "transfer_closed")
	h.wantProblem(h.do("south-coord", "POST", "/v1/transfers/"+tr.ID+"/decline", map[string]any{"reason": "other"}), 409, "transfer_closed")

	var nc caseView
	r = h.do("south-sw", "GET", "/v1/cases/"+accepted.CaseID, nil)
	r.json(t, &nc)
	if r.status != 200 || nc.Organisation != "south" || nc.Reference != "SO-2026-77" || nc.TransferredFrom != tr.ID || len(nc.Continuity) != 2 {
		t.Fatalf("the new case: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "knows the family") {
		t.Errorf("the sending case's free-text reason travelled: %s", r.body)
	}

	slot := map[string]any{"start": "2026-12-14T10:00:00Z", "end": "2026-12-14T11:30:00Z", "interviewType": "abe_police", "modality": "video"}
	var m matchAnswer
	r = h.do("south-sw", "POST", "/v1/cases/"+accepted.CaseID+"/matches", slot)
	r.json(t, &m)
	if r.status != 200 || len(m.Candidates) == 0 || m.Candidates[0].Interpreter.ID != amira {
		t.Fatalf("the transferred case's first match: %d; want amira (%s) first, then eve (%s): %s", r.status, amira, eve, r.body)
	}
	for name, id := range map[string]string{"bina": bina, "carla": carla} {
		i := slices.IndexFunc(m.Excluded, func(x excludedView) bool { return x.Interpreter.ID == id })
		if i < 0 || !slices.ContainsFunc(m.Excluded[i].Reasons, func(r reasonView) bool { return r.Code == "excluded_by_case" }) {
			t.Errorf("%s is not excluded_by_case in the new case: %s", name, r.body)
		}
	}

	// North's case is marked transferred and takes no new booking.
	var sending caseView
	h.do(data.RoleCoordinator, "GET", "/v1/cases/"+c.ID, nil).json(t, &sending)
	if sending.TransferredTo != "south" || sending.TransferPending != "" {
		t.Errorf("north's case after acceptance: %+v", sending)
	}
	later := bookingBody(c.ID, eve)
	later["start"], later["end"] = "2026-12-15T10:00:00Z", "2026-12-15T11:30:00Z"
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", later), 409, "case_transferred")

	// Both sides' audits hold the transfer.
	for _, who := range []data.Role{data.RoleCoordinator, "south-coord"} {
		var audit struct {
			Items []struct {
				Action string `json:"action"`
			} `json:"items"`
		}
		h.do(who, "GET", "/v1/audit?entityId="+tr.ID, nil).json(t, &audit)
		if len(audit.Items) != 2 || audit.Items[0].Action != "transfer.accepted" || audit.Items[1].Action != "transfer.requested" {
			t.Errorf("%s's audit of the transfer: %+v", who, audit.Items)
		}
	}
}

// TestTransferWithdrawnOverHTTP: the sender takes back a pending
// transfer (200, status withdrawn); the receiver may not (403) and can no
// longer answer it (409 transfer_closed); a second withdrawal is 409; the
// receiver lists it as withdrawn, not pending; the case may be sent again.
func TestTransferWithdrawnOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.addUser(data.RoleCoordinator, "south-coord", "south")
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	send := func() string {
		r := h.do(data.RoleCoordinator, "POST", "/v1/cases/"+c.ID+"/transfers", map[string]any{"toOrganisation": "south", "legalBasis": "placement"})
		var v struct{ ID string }
		if r.json(t, &v); r.status != http.StatusCreated || v.ID == "" {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
		return v.ID
	}
	id := send()
	h.wantProblem(h.do("south-coord", "POST", "/v1/transfers/"+id+"/withdraw", nil), 403, "forbidden")
	r := h.do(data.RoleCoordinator, "POST", "/v1/transfers/"+id+"/withdraw", nil)
	var v struct{ Status string }
	if r.json(t, &v); r.status != http.StatusOK || v.Status != "withdrawn" {
		t.Fatalf("withdraw: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do("south-coord", "POST", "/v1/transfers/"+id+"/accept", nil), 409, "transfer_closed")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/transfers/"+id+"/withdraw", nil), 409, "transfer_closed")
	for status, want := range map[string]int{"pending": 0, "withdrawn": 1} {
		var page struct{ Items []struct{ ID string } }
		r := h.do("south-coord", "GET", "/v1/transfers?status="+status, nil)
		if r.json(t, &page); r.status != http.StatusOK || len(page.Items) != want {
			t.Errorf("south's %s transfers: %d %s, want %d", status, r.status, r.body, want)
		}
	}
	if again := send(); again == id {
		t.Error("the case sent again reuses the withdrawn transfer")
	}
}
