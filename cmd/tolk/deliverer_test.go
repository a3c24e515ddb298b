package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// countingSender records the messages it is given, in order, and calls
// after (when set) with how many it has sent.
type countingSender struct {
	mu    sync.Mutex
	sent  []string
	after func(n int)
}

func (s *countingSender) Send(_ context.Context, m data.Message) error {
	s.mu.Lock()
	s.sent = append(s.sent, m.ID)
	n := len(s.sent)
	s.mu.Unlock()
	if s.after != nil {
		s.after(n)
	}
	return nil
}

func (s *countingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// queueMessages writes n due messages (numbered from from) into the outbox, each with a user
// created in the same change (the outbox is written only by changes).
func queueMessages(t *testing.T, s data.Store, from, n int) {
	t.Helper()
	now := time.Now()
	for i := from; i < from+n; i++ {
		u := data.User{ID: data.NewID(now), Name: fmt.Sprintf("Worker %d", i), Email: fmt.Sprintf("worker%d@north.example", i),
			Role: data.RoleSocialWorker, Organisation: "north", KeyHash: data.HashKey(data.NewAPIKey()), CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now)}
		ch := data.Audited(data.NewAuditEntry(now, u, "north", data.ActionUserCreated, data.EntityUser, u.ID))
		ch.Messages = []data.Message{{
			ID: data.NewID(now), Kind: data.MessageBookingUpdate, Organisation: "north", RecipientRole: data.RoleSocialWorker,
			To: u.Email, ToName: u.Name, Subject: "An interview on 7 December", Text: "Changed.\r\n", HTML: "<p>Changed.</p>",
			Due: data.Timestamp(now.Add(-time.Minute)), Status: data.MessageQueued, CreatedAt: data.Timestamp(now),
		}}
		if err := s.CreateUser(t.Context(), u, ch); err != nil {
			t.Fatalf("queue message %d: %v", i, err)
		}
	}
}

// TestDelivererSendsFullBatchesAtOnce: while its batches come back full
// the deliverer claims the next at once, so a backlog goes out without
// waiting for the interval; a batch that is not full sends what it holds
// and the deliverer then waits for its interval, so messages written one
// by one (a booking's) are gathered into one claim and one settlement
// instead of a claim each.
func TestDelivererSendsFullBatchesAtOnce(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.WithoutCancel(t.Context())) })
	a := app.New(app.Config{Store: store})
	backlog := 2*deliverBatch + 5
	queueMessages(t, store, 0, backlog)

	// A message written while the last, partial batch is being sent (as
	// a booking writes one while the deliverer works) waits for the
	// interval instead of being claimed on its own at once.
	sender := &countingSender{after: func(n int) {
		if n == backlog {
			queueMessages(t, store, backlog, 1)
		}
	}}
	w := startWorkers(t.Context(), slog.New(slog.DiscardHandler), deliverer(a, sender, "test-deliverer", slog.New(slog.DiscardHandler), time.Hour))
	t.Cleanup(func() { w.stop(context.WithoutCancel(t.Context())) })
	deadline := time.Now().Add(20 * time.Second)
	for sender.count() < backlog && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := sender.count(); n < backlog {
		t.Fatalf("the deliverer sent %d of a backlog of %d within 20 s, its interval an hour: full batches should follow one another at once", n, backlog)
	}
	time.Sleep(300 * time.Millisecond)
	if n := sender.count(); n != backlog {
		t.Errorf("the deliverer sent %d messages, want the backlog's %d: the one written during its last batch, which was not full, should wait for its interval", n, backlog)
	}
}
