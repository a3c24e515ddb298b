package app_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestListAudit: who sees which scopes of the audit log.
func TestListAudit(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.approved("hana")                                // register
	e.newCase(e.north[data.RoleSocialWorker], "NR-1") // north
	e.newCase(e.south[data.RoleSocialWorker], "SO-1") // south
	e.app.AuditFailedSignIn(ctx, app.SignInKey)       // security
	all := []string{data.ScopeRegister, "north", "south", app.BootstrapOrganisation, app.ScopeSecurity}
	tests := []struct {
		name   string
		actor  data.User
		want   app.Kind
		scopes []string
	}{
		{"coordinator: the register and their organisation", e.north[data.RoleCoordinator], allow, []string{data.ScopeRegister, "north"}},
		{"admin: their organisation", e.south[data.RoleAdmin], allow, []string{"south"}},
		{"bootstrap: everything", e.boot, allow, all},
		{"social worker", e.north[data.RoleSocialWorker], app.KindForbidden, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := e.app.ListAudit(ctx, tc.actor, app.AuditFilter{Limit: data.MaxPageSize})
			if !expect(t, err, tc.want) {
				return
			}
			var scopes []string
			for _, a := range page.Items {
				if !slices.Contains(scopes, a.Scope) {
					scopes = append(scopes, a.Scope)
				}
			}
			slices.Sort(scopes)
			want := slices.Sorted(slices.Values(tc.scopes))
			if diff := cmp.Diff(want, scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
	// By entity, within the same scopes.
	c := e.newCase(e.south[data.RoleSocialWorker], "SO-2")
	page, err := e.app.ListAudit(ctx, e.north[data.RoleAdmin], app.AuditFilter{EntityID: c.ID})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("north's admin reads south's case history: %v, %v", page.Items, err)
	}
}
