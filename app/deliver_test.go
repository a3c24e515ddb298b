package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// settleCounter is a store that records each SettleSent it is asked,
// and passes it on.
type settleCounter struct {
	data.Store
	calls [][]data.Settlement
}

func (s *settleCounter) SettleSent(ctx context.Context, holder string, settled []data.Settlement) ([]string, error) {
	s.calls = append(s.calls, slices.Clone(settled))
	return s.Store.SettleSent(ctx, holder, settled)
}

// sizes is how many settlements each call held.
func (s *settleCounter) sizes() []int {
	var out []int
	for _, c := range s.calls {
		out = append(out, len(c))
	}
	return out
}

// dueRequests books n interviews of one interpreter and returns their
// invitations, due now, oldest first.
func (e *env) dueRequests(n int) []data.Message {
	e.t.Helper()
	sw := e.north[data.RoleSocialWorker]
	in := e.approved("Cem Celik")
	cs := e.newCase(sw, "BATCH-1")
	for i := range n {
		e.book(sw, request(cs.ID, in.ID, 2+i))
	}
	out := ofKind(e.outbox("north"), data.MessageBookingRequest)
	slices.Reverse(out)
	if len(out) != n {
		e.t.Fatalf("%d invitations, want %d", len(out), n)
	}
	return out
}

// wantStatuses fails the test unless each message is stored in the
// status want gives it, after as many attempts.
func (e *env) wantStatuses(ms []data.Message, want func(i int) (data.MessageStatus, int)) {
	e.t.Helper()
	for i, m := range ms {
		got, err := e.store.Message(e.t.Context(), m.ID)
		status, attempts := want(i)
		if err != nil || got.Status != status || got.Attempts != attempts {
			e.t.Errorf("message %d: %s after %d attempts (%v), want %s after %d", i, got.Status, got.Attempts, err, status, attempts)
		}
	}
}

// A batch of due messages is settled in one store write once all are
// sent.
func TestDeliverSettlesABatchInOneWrite(t *testing.T) {
	e := newEnv(t)
	ms := e.dueRequests(5)
	store := &settleCounter{Store: e.store}
	n, err := e.appOver(store).Deliver(t.Context(), &fakeSender{}, "holder-1", 10)
	if err != nil || n != len(ms) {
		t.Fatalf("Deliver: %d, %v; want %d sent", n, err, len(ms))
	}
	if got := store.sizes(); !slices.Equal(got, []int{len(ms)}) {
		t.Errorf("SettleSent calls of sizes %v, want one of %d", got, len(ms))
	}
	e.wantStatuses(ms, func(int) (data.MessageStatus, int) { return data.MessageSent, 1 })
}

// A send that fails in the middle of a batch is marked failed, alone;
// the messages sent before and after it are settled as sent.
func TestDeliverFailureInTheMiddle(t *testing.T) {
	e := newEnv(t)
	ms := e.dueRequests(5)
	store := &settleCounter{Store: e.store}
	s := &fakeSender{fail: func(m data.Message) error {
		if m.ID == ms[2].ID {
			return errors.New("421 4.3.2 try again later")
		}
		return nil
	}}
	if n, err := e.appOver(store).Deliver(t.Context(), s, "holder-1", 10); err != nil || n != 4 {
		t.Fatalf("Deliver: %d, %v; want 4 sent", n, err)
	}
	e.wantStatuses(ms, func(i int) (data.MessageStatus, int) {
		if i == 2 {
			return data.MessageFailed, 1
		}
		return data.MessageSent, 1
	})
	if got := store.sizes(); !slices.Equal(got, []int{4}) {
		t.Errorf("SettleSent calls of sizes %v, want one of 4", got)
	}
}

// With a slow mail server, once the batch's leases are a quarter old each
// send is settled before the next, and no send starts once they are three
// quarters old: the rest stay held, for a later claim, so no lease lapses
// on a message already sent.
func TestDeliverSettlesBeforeTheLeaseLapses(t *testing.T) {
	e := newEnv(t)
	ms := e.dueRequests(5)
	store := &settleCounter{Store: e.store}
	slow := &fakeSender{fail: func(data.Message) error {
		e.now = e.now.Add(app.DeliveryLease / 4) // each send takes a quarter of the lease
		return nil
	}}
	if n, err := e.appOver(store).Deliver(t.Context(), slow, "holder-1", 10); err != nil || n != 3 {
		t.Fatalf("Deliver: %d, %v; want 3 sent before the leases are three quarters old", n, err)
	}
	// Sent by a quarter, half and three quarters of the lease: each
	// recorded before the next send would start.
	if got := store.sizes(); !slices.Equal(got, []int{1, 1, 1}) {
		t.Errorf("SettleSent calls of sizes %v, want 1, 1, 1", got)
	}
	for i, m := range ms {
		got, err := e.store.Message(t.Context(), m.ID)
		if sent := got.Status == data.MessageSent; err != nil || sent != (i < 3) {
			t.Errorf("message %d: %s, %v; want the first three sent, the rest waiting", i, got.Status, err)
		}
	}
}

// A deliverer stopped in the middle of a batch (its context ended)
// still settles what it sent; the rest stay held until their lease ends.
func TestDeliverStoppedSettlesWhatItSent(t *testing.T) {
	e := newEnv(t)
	ms := e.dueRequests(5)
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	s := &fakeSender{fail: func(m data.Message) error {
		if m.ID == ms[2].ID {
			stop()
			return ctx.Err()
		}
		return nil
	}}
	n, err := e.app.Deliver(ctx, s, "holder-1", 10)
	if n != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver stopped at the third: %d, %v; want 2 sent and the context's error", n, err)
	}
	e.wantStatuses(ms, func(i int) (data.MessageStatus, int) {
		if i < 2 {
			return data.MessageSent, 1
		}
		return data.MessageQueued, 0
	})
}
