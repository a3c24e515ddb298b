package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestHeadOfRecordReadsNothing: HEAD of one record answers GET's status
// and ETag without a body and without the audited read a coordinator's GET
// is (it discloses nothing); each GET is still exactly one read.
func TestHeadOfRecordReadsNothing(t *testing.T) {
	h := newHarness(t)
	v := h.createInterpreter(validInterpreter())
	path := "/v1/interpreters/" + v.ID
	reads := func() int {
		return len(slices.DeleteFunc(h.auditActions(v.ID), func(a string) bool { return a != "interpreter.read_sensitive" }))
	}
	before := reads()
	for _, role := range []data.Role{data.RoleCoordinator, data.RoleSocialWorker} {
		r := h.do(role, "HEAD", path, nil)
		if r.status != http.StatusOK || r.header.Get("ETag") != `"1"` || len(r.body) != 0 {
			t.Errorf("%s: HEAD %d, ETag %q, body %q; want 200, \"1\" and no body", role, r.status, r.header.Get("ETag"), r.body)
		}
	}
	if n := reads() - before; n != 0 {
		t.Errorf("HEAD wrote %d sensitive-read entries, want none", n)
	}
	for i := range 2 {
		if r := h.do(data.RoleCoordinator, "GET", path, nil); r.status != http.StatusOK {
			t.Fatalf("GET: %d %s", r.status, r.body)
		}
		if n := reads() - before; n != i+1 {
			t.Errorf("after %d GETs, %d sensitive-read entries", i+1, n)
		}
	}
	if r := h.do(data.RoleCoordinator, "HEAD", "/v1/interpreters/no-such-id", nil); r.status != http.StatusNotFound {
		t.Errorf("HEAD of no record: %d, want 404", r.status)
	}
	if r := h.do(data.RoleAdmin, "HEAD", path, nil); r.status != http.StatusForbidden {
		t.Errorf("HEAD as an admin: %d, want 403", r.status)
	}
	if r := h.do("", "HEAD", path, nil); r.status != http.StatusUnauthorized {
		t.Errorf("HEAD without a key: %d, want 401", r.status)
	}
}

// TestChangesAuditTheirDisclosure: creating, changing and vetting a record
// answer the full record (certificate number, community links, phone,
// vetting note), and each lands with two audit entries in the one write:
// the change, then the coordinator's sensitive read of what it answers.
// No answer discloses those fields without its entry.
func TestChangesAuditTheirDisclosure(t *testing.T) {
	h := newHarness(t)
	coordinator := h.users[data.RoleCoordinator].ID
	var want []string
	check := func(step string, r response, status int, action string) {
		t.Helper()
		var v interpreterView
		r.json(t, &v)
		if r.status != status || v.Clearance == nil || v.Clearance.Certificate != "001234567890" || v.CommunityLinks == nil || len(*v.CommunityLinks) != 2 || v.Phone == "" {
			t.Fatalf("%s: %d, want %d with the full record: %s", step, r.status, status, r.body)
		}
		want = append(want, action, "interpreter.read_sensitive")
		if got := h.auditActions(v.ID); !slices.Equal(got, want) {
			t.Errorf("%s: audit %v, want %v", step, got, want)
		}
		page, err := h.store.ListAudit(t.Context(), data.AuditQuery{EntityID: v.ID, Limit: 2})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("%s: %d audit entries, %v", step, len(page.Items), err)
		}
		read, change := page.Items[0], page.Items[1]
		if read.Actor != coordinator || change.Actor != coordinator || !read.At.Equal(change.At) || read.Scope != data.ScopeRegister {
			t.Errorf("%s: change %+v and read %+v, want the coordinator's, in the register, at one time", step, change, read)
		}
	}
	r := h.do(data.RoleCoordinator, "POST", "/v1/interpreters", validInterpreter())
	check("create", r, http.StatusCreated, "interpreter.created")
	var v interpreterView
	r.json(t, &v)
	path := "/v1/interpreters/" + v.ID
	check("update", h.do(data.RoleCoordinator, "PUT", path, validInterpreter(), "If-Match", `"1"`), http.StatusOK, "interpreter.updated")
	check("vetting", h.do(data.RoleCoordinator, "POST", path+"/vetting", map[string]any{"decision": "approve", "note": "referee called"}), http.StatusOK, "interpreter.vetting.approve")

	// A refused change answers nothing and writes nothing.
	before := len(h.auditActions(v.ID))
	h.wantProblem(h.do(data.RoleCoordinator, "PUT", path, validInterpreter(), "If-Match", `"1"`), 412, "precondition_failed")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", path+"/vetting", map[string]any{"decision": "reject"}), 409, "invalid_transition")
	if after := len(h.auditActions(v.ID)); after != before {
		t.Errorf("refused changes wrote %d audit entries", after-before)
	}
}
