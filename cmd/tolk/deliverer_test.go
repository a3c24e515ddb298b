package main

import (
	"context"
	"errors"
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
// after (when set) with how many it has been given. It refuses the
// messages to the addresses in refuse with a temporary failure.
type countingSender struct {
	mu     sync.Mutex
	sent   []string
	refuse map[string]bool
	after  func(n int)
}

func (s *countingSender) Send(_ context.Context, m data.Message) error {
	s.mu.Lock()
	s.sent = append(s.sent, m.ID)
	n := len(s.sent)
	s.mu.Unlock()
	if s.after != nil {
		s.after(n)
	}
	if s.refuse[m.To] {
		return errors.New("421 try again later")
	}
	return nil
}

func (s *countingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// queueMessages writes n due messages into the outbox (to
// worker<i>@north.example, i from from on), each with a user created in
// the same change (the outbox is written only by changes).
func queueMessages(ctx context.Context, s data.Store, from, n int) error {
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
		if err := s.CreateUser(ctx, u, ch); err != nil {
			return fmt.Errorf("queue message %d: %w", i, err)
		}
	}
	return nil
}

// startDeliverer opens a store, queues backlog due messages and starts
// the service's deliverer over it, sending through sender, with an
// interval of an hour: whatever it sends before then it sends without
// waiting for its interval.
func startDeliverer(t *testing.T, sender *countingSender, backlog int) data.Store {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.WithoutCancel(t.Context())) })
	if err := queueMessages(t.Context(), store, 0, backlog); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Store: store})
	w := startWorkers(t.Context(), slog.New(slog.DiscardHandler), deliverer(a, sender, "test-deliverer", slog.New(slog.DiscardHandler), time.Hour))
	t.Cleanup(func() { w.stop(context.WithoutCancel(t.Context())) })
	return store
}

// waitSent waits up to 20 s until sender has been given want messages,
// and fails the test if it has not.
func waitSent(t *testing.T, sender *countingSender, want int, why string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for sender.count() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := sender.count(); n < want {
		t.Fatalf("the deliverer was given %d messages within 20 s, want %d: %s", n, want, why)
	}
}

// TestDelivererSendsFullBatchesAtOnce: while its claims come back full
// the deliverer claims again at once, so a backlog goes out without
// waiting for the interval, even when a message of a batch fails; after a
// claim that was not full it waits for its interval, so messages written
// one by one (a booking's) are gathered into one claim and one settlement
// instead of a claim each.
func TestDelivererSendsFullBatchesAtOnce(t *testing.T) {
	backlog := 2*deliverBatch + 5
	var store data.Store
	// A message written while the last, partial batch is being sent (as
	// a booking writes one while the deliverer works).
	sender := &countingSender{after: func(n int) {
		if n == backlog {
			if err := queueMessages(context.Background(), store, backlog, 1); err != nil {
				t.Error(err) // not Fatal: this runs on the deliverer's goroutine
			}
		}
	}}
	store = startDeliverer(t, sender, backlog)
	waitSent(t, sender, backlog, "full batches should follow one another at once")
	// The old loop claimed the message written meanwhile within a
	// millisecond of its batch's end; a loaded machine could take longer,
	// so this can pass wrongly there, never fail wrongly.
	time.Sleep(300 * time.Millisecond)
	if n := sender.count(); n != backlog {
		t.Errorf("the deliverer sent %d messages, want the backlog's %d: the one written during its last batch, which was not full, should wait for its interval", n, backlog)
	}
}

// TestDelivererGoesOnAfterAFailure: a full claim in which a message fails
// (a relay's 421) is followed by the next claim at once, like any full
// claim: what was claimed decides, not what was sent.
func TestDelivererGoesOnAfterAFailure(t *testing.T) {
	backlog := 2*deliverBatch + 5
	sender := &countingSender{refuse: map[string]bool{"worker3@north.example": true}}
	startDeliverer(t, sender, backlog)
	waitSent(t, sender, backlog, "a claim that came back full, one message refused, should be followed by the next at once")
}
