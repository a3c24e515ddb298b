package api

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// addBootstrap stores the bootstrap admin, its key under "bootstrap".
func (h *harness) addBootstrap() {
	h.t.Helper()
	key := data.NewAPIKey()
	u := data.User{ID: app.BootstrapAdminID, Name: "Bootstrap", Email: "bootstrap@default.example", Role: data.RoleAdmin,
		Organisation: app.BootstrapOrganisation, KeyHash: data.HashKey(key), CreatedAt: testNow, UpdatedAt: testNow}
	if err := h.store.CreateUser(h.t.Context(), u, data.Audited(data.NewAuditEntry(testNow, u, u.Organisation, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		h.t.Fatal(err)
	}
	h.keys["bootstrap"] = key
}

// TestBackup: the bootstrap admin gets the whole store, exactly
// Content-Length bytes that open as a sound store holding the backup's
// own audit entry; nobody else gets it.
func TestBackup(t *testing.T) {
	h := newHarness(t)
	h.addBootstrap()
	r := h.do("bootstrap", "GET", "/v1/backup", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("backup: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) || n == 0 || r.header.Get("X-Tolk-Backup-Size") != strconv.Itoa(n) {
		t.Errorf("Content-Length %s, X-Tolk-Backup-Size %s, body %d bytes", r.header.Get("Content-Length"), r.header.Get("X-Tolk-Backup-Size"), len(r.body))
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	report, err := bolt.Check(t.Context(), path)
	if err != nil || !report.OK() || report.Records["users"] != len(data.Roles)+1 {
		t.Fatalf("check of the copy: %v %+v", err, report)
	}
	copied, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close(t.Context())
	entries, err := copied.ListAudit(t.Context(), data.AuditQuery{EntityID: data.StoreEntityID})
	if err != nil || len(entries.Items) != 1 || entries.Items[0].Action != data.ActionStoreBackedUp || entries.Items[0].Actor != app.BootstrapAdminID {
		t.Errorf("the copy's own audit entry: %v %+v", err, entries.Items)
	}

	for _, role := range []data.Role{data.RoleAdmin, data.RoleCoordinator, data.RoleSocialWorker} {
		h.wantProblem(h.do(role, "GET", "/v1/backup", nil), 403, "forbidden")
	}
	h.wantProblem(h.do(data.RoleInterpreter, "GET", "/v1/backup", nil), 404, "not_found")
	h.wantProblem(h.do("", "GET", "/v1/backup", nil), 401, "unauthenticated")
}

// TestBackupUnsupported: a store that cannot copy itself (MongoDB) is a
// 422 naming mongodump, never a 500.
func TestBackupUnsupported(t *testing.T) {
	h := newHarness(t)
	h.addBootstrap()
	h.serve(struct{ data.Store }{h.store}) // hides Snapshot, as the MongoDB store has none
	p := h.wantProblem(h.do("bootstrap", "GET", "/v1/backup", nil), 422, "backup_unsupported")
	if want := "mongodump"; !strings.Contains(p.Detail, want) {
		t.Errorf("detail %q does not name %s", p.Detail, want)
	}
}
