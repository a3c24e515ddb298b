package api

import (
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestRegisterIsShared: the interpreter register is one register kept by
// every coordinator. A coordinator of another organisation reads and
// approves a record; the first coordinator sees both in its audit.
func TestRegisterIsShared(t *testing.T) {
	h := newHarness(t)
	h.addUser(data.RoleCoordinator, "south-coordinator", "south")
	v := h.createInterpreter(validInterpreter())
	if r := h.do("south-coordinator", "GET", "/v1/interpreters/"+v.ID, nil); r.status != 200 {
		t.Fatalf("south reads north's record: %d %s", r.status, r.body)
	}
	if r := h.do("south-coordinator", "POST", "/v1/interpreters/"+v.ID+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"}); r.status != 200 {
		t.Fatalf("south approves: %d %s", r.status, r.body)
	}
	var page struct{ Items []auditView }
	h.do(data.RoleCoordinator, "GET", "/v1/audit?entityId="+v.ID, nil).json(t, &page)
	var actions []string
	for i := len(page.Items) - 1; i >= 0; i-- {
		actions = append(actions, page.Items[i].Action)
	}
	// Each change's answer is a read of the full record, audited with it.
	want := []string{"interpreter.created", "interpreter.read_sensitive", "interpreter.read_sensitive", "interpreter.vetting.approve", "interpreter.read_sensitive"}
	if !slices.Equal(actions, want) {
		t.Errorf("north's view of the record's audit = %v, want %v", actions, want)
	}
	if last := page.Items[0]; last.Actor != h.users["south-coordinator"].ID {
		t.Errorf("approval attributed to %s", last.Actor)
	}
	// Admins see their organisation's entries, not the register's.
	page.Items = nil
	h.do(data.RoleAdmin, "GET", "/v1/audit?entityId="+v.ID, nil).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("an admin reads the register's audit: %+v", page.Items)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/audit", nil), 403, "forbidden")
}

// TestSocialWorkersSeeApprovedByDefault: a social worker's listing holds
// approved interpreters unless they ask for another status.
func TestSocialWorkersSeeApprovedByDefault(t *testing.T) {
	h := newHarness(t)
	approved := h.createInterpreter(validInterpreter())
	h.do(data.RoleCoordinator, "POST", "/v1/interpreters/"+approved.ID+"/vetting", map[string]any{"decision": "approve", "confirm": true, "note": "checked"})
	pending := h.createInterpreter(validInterpreter())
	ids := func(role data.Role, path string) []string {
		var page struct{ Items []interpreterView }
		h.do(role, "GET", path, nil).json(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		return out
	}
	if got := ids(data.RoleSocialWorker, "/v1/interpreters?language=ti"); !slices.Equal(got, []string{approved.ID}) {
		t.Errorf("social worker's default listing = %v, want only the approved", got)
	}
	if got := ids(data.RoleSocialWorker, "/v1/interpreters?language=ti&status=pending"); !slices.Equal(got, []string{pending.ID}) {
		t.Errorf("social worker asking for pending = %v", got)
	}
	if got := ids(data.RoleCoordinator, "/v1/interpreters?language=ti"); !slices.Equal(got, []string{approved.ID, pending.ID}) {
		t.Errorf("coordinator's listing = %v, want both", got)
	}
}

// TestRegisterSearchAPI: search by the start of a name, by email (a
// duplicate shows), and the register in name order; a sort that is not
// one is a 400 naming it.
func TestRegisterSearchAPI(t *testing.T) {
	h := newHarness(t)
	h.createInterpreter(soraniInterpreter("nazdar"))
	h.createInterpreter(soraniInterpreter("hana"))
	twice := soraniInterpreter("nazdar-again")
	twice["email"] = "NAZDAR@example.org"
	h.createInterpreter(twice)
	var page struct{ Items []struct{ Name string } }
	list := func(query string) []string {
		t.Helper()
		r := h.do(data.RoleCoordinator, "GET", "/v1/interpreters?"+query, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		r.json(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.Name)
		}
		return out
	}
	if got := list("search=NAZ"); len(got) != 2 || got[0] != "nazdar" {
		t.Errorf("search NAZ: %q", got)
	}
	if got := list("search=nazdar%40example.org"); len(got) != 2 {
		t.Errorf("search by email: %q, want both records", got)
	}
	if got := list("sort=name"); len(got) != 3 || got[0] != "hana" {
		t.Errorf("by name: %q", got)
	}
	h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/interpreters?sort=age", nil), 400, "validation_failed")
}
