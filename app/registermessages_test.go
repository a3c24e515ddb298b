package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The reminders to interpreters of their lapsing credentials belong to the
// register, not to an organisation: coordinators see them (scope register),
// retry them when they were not delivered, and the daily summary counts
// those not delivered; nobody else sees them.
func TestRegisterMessagesSeenAndRetried(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	lapsing := eligible("Dee Dara")
	lapsing.Clearance.ValidUntil = data.LondonDate(testNow).AddDays(25)
	e.interpreter(lapsing, data.DecisionApprove)
	e.now = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	if page, err := e.app.ListNotifications(ctx, coord, app.NotificationFilter{}); err != nil || len(ofKind(page.Items, data.MessageCredentialLapse)) != 0 {
		t.Fatalf("the organisation's list holds the register's reminder: %v (%v)", page.Items, err)
	}
	page, err := e.app.ListNotifications(ctx, coord, app.NotificationFilter{Register: true})
	if err != nil || len(ofKind(page.Items, data.MessageCredentialLapse)) != 1 {
		t.Fatalf("the register's list: %v (%v), want the lapse reminder", page.Items, err)
	}
	for _, role := range []data.Role{data.RoleAdmin, data.RoleSocialWorker} {
		if _, err := e.app.ListNotifications(ctx, e.north[role], app.NotificationFilter{Register: true}); err == nil {
			t.Errorf("%s read the register's messages", role)
		}
	}
	// Not delivered, for good.
	id := page.Items[0].ID
	if _, err := e.store.ClaimDue(ctx, e.now.Add(time.Hour), app.DeliveryLease, "test", data.MaxPageSize); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkFailed(ctx, id, "test", "550 no such mailbox", e.now.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	sums := ofKind(e.outbox("north"), data.MessageDailySummary)
	if len(sums) != 1 || !strings.Contains(sums[0].Text, "1 reminders to interpreters about their credentials could not be delivered") {
		t.Errorf("the daily summary does not count the reminder not delivered: %+v", sums)
	}
	if _, err := e.app.RetryNotification(ctx, e.north[data.RoleAdmin], id); err == nil {
		t.Error("an admin retried the register's message")
	}
	m, err := e.app.RetryNotification(ctx, coord, id)
	if err != nil || m.Status != data.MessageQueued {
		t.Errorf("the coordinator's retry: %s (%v), want queued", m.Status, err)
	}
}
