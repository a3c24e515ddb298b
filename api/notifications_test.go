package api

import (
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// The delivery list over HTTP: the organisation's messages by default or
// scope=organisation, the register's reminders with scope=register for
// coordinators only, and any other scope a 400 naming it.
func TestNotificationsOverHTTP(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"", "?scope=organisation", "?scope=register"} {
		if r := h.do(data.RoleCoordinator, "GET", "/v1/notifications"+q, nil); r.status != 200 {
			t.Errorf("a coordinator's GET /v1/notifications%s: %d %s", q, r.status, r.body)
		}
	}
	h.wantProblem(h.do(data.RoleAdmin, "GET", "/v1/notifications?scope=register", nil), 403, "forbidden")
	p := h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/notifications?scope=world", nil), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"scope"}) {
		t.Errorf("a bad scope names %v", fieldsOf(p))
	}
}
