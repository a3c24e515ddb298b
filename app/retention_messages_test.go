package app_test

import (
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/retention"
)

// TestRetentionMessages: 90 days after they were made, settled messages
// (sent, dead) lose their address, subject and bodies, with a
// message.pruned tombstone, and keep their kind and status; a dead letter
// so pruned can no longer be retried; a message about an interpreter on a
// legal hold is held; a message still queued, or made recently, is not
// touched.
func TestRetentionMessages(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	in, kept := e.approved("Nazdar Ali"), e.approved("Kept Apart")
	c := e.newCase(sw, "MSG-1")
	b := e.book(sw, request(c.ID, in.ID, 0))
	e.book(sw, request(e.newCase(sw, "MSG-2").ID, kept.ID, 0))
	s := &fakeSender{fail: func(m data.Message) error {
		if m.BookingID == b.ID {
			return app.ErrUndeliverable
		}
		return nil
	}}
	if _, err := e.app.Deliver(ctx, s, "holder-1", 50); err != nil {
		t.Fatal(err)
	}
	dead := ofKind(e.outbox("north"), data.MessageBookingRequest)
	if len(dead) != 2 {
		t.Fatalf("booking requests: %+v", dead)
	}
	if _, err := e.app.SetInterpreterHold(ctx, coord, kept.ID, true); err != nil {
		t.Fatal(err)
	}

	e.now = testNow.AddDate(0, 0, 89)
	if res, err := e.app.ApplyRetention(ctx); err != nil || res.Classes[retention.Messages].Acted != 0 {
		t.Fatalf("89 days on: %+v, %v", res, err)
	}
	e.now = testNow.AddDate(0, 0, 91)
	plan, err := e.app.RetentionPreview(ctx, e.north[data.RoleAdmin])
	if p := plan.Classes[7]; err != nil || p.Class.Name != retention.Messages || p.DueCount == 0 || p.HeldCount == 0 {
		t.Errorf("the preview of messages: %+v, %v", p, err)
	}
	res, err := e.app.ApplyRetention(ctx)
	if err != nil || res.Classes[retention.Messages].Acted == 0 || res.Classes[retention.Messages].Held == 0 {
		t.Fatalf("91 days on: %+v, %v", res, err)
	}
	for _, m := range e.outbox("north") {
		switch {
		case m.InterpreterID == kept.ID:
			if !m.Pruned.IsZero() || m.To == "" {
				t.Errorf("a message about a held interpreter was pruned: %+v", m)
			}
		case m.Settled():
			if m.Pruned.IsZero() || m.To != "" || m.Subject != "" || m.Text != "" || len(m.Calendar) != 0 || m.Kind == "" || m.Status == "" {
				t.Errorf("a settled message 91 days on: %+v", m)
			}
			if got := e.actions(m.ID); len(got) == 0 || got[len(got)-1] != data.ActionMessagePruned {
				t.Errorf("message %s's audit: %v", m.ID, got)
			}
		default:
			if !m.Pruned.IsZero() {
				t.Errorf("a pending message was pruned: %+v", m)
			}
		}
	}
	for _, m := range ofKind(e.outbox("north"), data.MessageBookingRequest) {
		if m.BookingID == b.ID {
			if m.Status != data.MessageDead {
				t.Fatalf("the refused request: %s", m.Status)
			}
			_, err := e.app.RetryNotification(ctx, coord, m.ID)
			wantCode(t, err, app.KindConflict, "message_pruned")
		}
	}
}

// TestRetentionMessagesHeldByCase: a legal hold on a case keeps the
// messages about its bookings (what was sent, to whom) from being pruned,
// as it keeps the bookings themselves; the same messages of a case not
// held are pruned.
func TestRetentionMessagesHeldByCase(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	held, free := e.newCase(sw, "MSG-HELD"), e.newCase(sw, "MSG-FREE")
	hb := e.book(sw, request(held.ID, e.approved("Held Case").ID, 0))
	fb := e.book(sw, request(free.ID, e.approved("Free Case").ID, 0))
	if _, err := e.app.Deliver(ctx, &fakeSender{}, "holder-1", 50); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SetLegalHold(ctx, coord, held.ID, true); err != nil {
		t.Fatal(err)
	}
	e.now = testNow.AddDate(0, 0, 91)
	if _, err := e.app.ApplyRetention(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range ofKind(e.outbox("north"), data.MessageBookingRequest) {
		switch m.BookingID {
		case hb.ID:
			seen[hb.ID] = true
			if !m.Pruned.IsZero() || m.To == "" {
				t.Errorf("a message about a booking of a held case was pruned: %+v", m)
			}
		case fb.ID:
			seen[fb.ID] = true
			if m.Pruned.IsZero() {
				t.Errorf("a message about a booking of a case not held was kept: %+v", m)
			}
		}
	}
	if !seen[hb.ID] || !seen[fb.ID] {
		t.Fatalf("booking requests found: %v", seen)
	}
}
