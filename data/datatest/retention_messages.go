package datatest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testMessageRetention pages through the settled messages (sent, dead,
// superseded) not yet pruned that were made before a cutoff, in every
// organisation, by creation then ID: one still queued and one made
// recently are not among them. A pruned message keeps its kind, status,
// dates and the records it is about, loses its address, name, subject,
// bodies, calendar and last error, and leaves the walk.
func testMessageRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base)
	made := func(org string, days int) data.Message {
		m := newMessage(org, data.MessageBookingRequest, now)
		m.CreatedAt, m.BookingID = now.AddDate(0, 0, -days), "booking-1"
		return m
	}
	sent, dead, superseded := made("north", 200), made("south", 150), made("north", 120)
	recent, queued := made("north", 30), made("south", 300)
	queued.Due = now.Add(time.Hour) // not claimed below: stays queued
	appendMessages(t, s, sent, dead, superseded, recent, queued)
	if got := claim(t, s, now, time.Minute, "deliverer-1", 10); len(got) != 4 {
		t.Fatalf("claimed %d, want 4", len(got))
	}
	settle(t, s, "deliverer-1", append(settlements(data.MessageSent, now, sent, recent), settlements(data.MessageSuperseded, now, superseded)...)...)
	if err := s.MarkFailed(ctx, dead.ID, "deliverer-1", "550 mailbox unavailable: "+dead.To, now.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}

	cutoff := now.AddDate(0, 0, -90)
	walk := func() []string {
		return walkDue(t, func(after string) ([]string, string, error) {
			page, err := s.MessagesSettledBefore(ctx, cutoff, after, 1)
			return messageIDs(page.Items), page.Next, err
		})
	}
	if diff := cmp.Diff([]string{sent.ID, dead.ID, superseded.ID}, walk()); diff != "" {
		t.Errorf("messages settled before %s (-want +got):\n%s", cutoff, diff)
	}
	pruned, err := s.UpdateMessage(ctx, dead.ID, func(m data.Message) (data.Message, data.Change, error) {
		return m.Prune(now), messageChange(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, dead.ID)
	if err != nil || !cmp.Equal(pruned, got, cmpOpts) {
		t.Errorf("the pruned message reads back %+v, %v; stored %+v", got, err, pruned)
	}
	if got.Pruned.IsZero() || got.To != "" || got.ToName != "" || got.Subject != "" || got.Text != "" || got.HTML != "" || len(got.Calendar) != 0 ||
		got.LastError != "" || got.Status != data.MessageDead || got.Kind != data.MessageBookingRequest || got.BookingID != "booking-1" ||
		got.InterpreterID != "int-1" || got.Attempts != 1 || !got.CreatedAt.Equal(data.Timestamp(dead.CreatedAt)) {
		t.Errorf("pruned: %+v", got)
	}
	if diff := cmp.Diff([]string{sent.ID, superseded.ID}, walk()); diff != "" {
		t.Errorf("after pruning one (-want +got):\n%s", diff)
	}
	if _, err := s.MessagesSettledBefore(ctx, cutoff, "no-such-message", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no message: %v, want ErrInvalid", err)
	}
}
