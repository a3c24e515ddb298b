package bolt

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// createPolledFeed creates a social worker's "mine" feed of the
// organisation north in s, and returns it, its owner and the audit entry
// of its creation.
func createPolledFeed(t *testing.T, s *Store) (data.Feed, data.User, data.AuditEntry) {
	t.Helper()
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	actor := data.User{ID: "u-1", Organisation: "north"}
	f := data.Feed{
		ID: data.NewID(at), Organisation: "north", Owner: "u-1", Scope: data.FeedMine,
		TokenHash: data.HashKey("a calendar's token"), Version: 1, CreatedAt: at, UpdatedAt: at,
	}
	created := data.NewAuditEntry(at, actor, "north", data.ActionFeedCreated, data.EntityFeed, f.ID)
	if err := s.CreateFeed(t.Context(), f, data.Audited(created)); err != nil {
		t.Fatal(err)
	}
	return f, actor, created
}

// coversNorth is the audit scopes a feed of createPolledFeed's covers:
// its organisation's.
func coversNorth(data.Feed) []string { return []string{"north"} }

// A poll kept between writes is never handed out after a write has been
// acknowledged: while one goroutine writes audit entries into the feed's
// organisation, polls from others, each begun after a write returned,
// always mark that entry or a newer one.
func TestPollFeedSeesEveryAcknowledgedWrite(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	f, actor, created := createPolledFeed(t, s)
	at := created.At
	var acked atomic.Int64 // the time of the newest entry whose write has returned, in ms
	acked.Store(data.Timestamp(created.At).UnixMilli())
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range 150 {
			e := data.NewAuditEntry(at.Add(time.Duration(i+1)*time.Millisecond), actor, "north", data.ActionBookingCreated, data.EntityBooking, "b-1")
			if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
				t.Error(err)
				return
			}
			acked.Store(data.Timestamp(e.At).UnixMilli())
		}
	})
	var polls, stale atomic.Int64
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				want := acked.Load()
				_, m, err := s.PollFeed(ctx, f.TokenHash, 5, coversNorth)
				if err != nil {
					t.Error(err)
					return
				}
				polls.Add(1)
				if m.Latest.UnixMilli() < want {
					stale.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if stale.Load() > 0 || polls.Load() == 0 {
		t.Errorf("%d of %d polls marked an entry older than one already written", stale.Load(), polls.Load())
	}
	// With nothing written, the kept poll answers, and is the same.
	_, m1, err1 := s.PollFeed(ctx, f.TokenHash, 5, coversNorth)
	_, m2, err2 := s.PollFeed(ctx, f.TokenHash, 5, coversNorth)
	if err1 != nil || err2 != nil || m1 != m2 || m1.Latest.UnixMilli() != acked.Load() {
		t.Errorf("two polls after the writes: %v (latest %v), %v (latest %v), %v %v", m1.Digest[:4], m1.Latest, m2.Digest[:4], m2.Latest, err1, err2)
	}
}

// A write transaction that writes nothing (rolled back: the deliverer's
// claim of an empty outbox, every two seconds in a running service; a
// settle whose every message is a conflict; an update function that
// refuses) leaves the kept poll in use: the next poll begins no read
// transaction. A write that lands still moves it on.
func TestPollFeedKeptAcrossWritesThatWriteNothing(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	f, actor, created := createPolledFeed(t, s)
	at := created.At
	poll := func() data.AuditMark {
		t.Helper()
		_, m, err := s.PollFeed(ctx, f.TokenHash, 5, coversNorth)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := poll()
	reads := s.db.Stats().TxN
	if got, err := s.ClaimDue(ctx, at, time.Minute, "deliverer", 20); err != nil || len(got) != 0 {
		t.Fatalf("ClaimDue of an empty outbox: %v, %v", got, err)
	}
	if conflicts, err := s.SettleSent(ctx, "deliverer", []data.Settlement{{ID: "no-such-message", Status: data.MessageSent, At: at}}); err != nil || len(conflicts) != 1 {
		t.Fatalf("SettleSent of an unknown message: %v, %v", conflicts, err)
	}
	if _, err := s.UpdateFeed(ctx, f.ID, func(data.Feed) (data.Feed, data.Change, error) { return data.Feed{}, data.Change{}, data.ErrNoChange }); err != nil {
		t.Fatalf("UpdateFeed that changes nothing: %v", err)
	}
	if m := poll(); m != first {
		t.Errorf("the poll after writes that wrote nothing marks %v, want %v", m.Latest, first.Latest)
	}
	if n := s.db.Stats().TxN - reads; n != 0 {
		t.Errorf("the poll after writes that wrote nothing began %d read transactions, want 0 (the kept poll)", n)
	}
	e := data.NewAuditEntry(at.Add(time.Second), actor, "north", data.ActionBookingCreated, data.EntityBooking, "b-1")
	if err := s.AppendChange(ctx, data.Audited(e)); err != nil {
		t.Fatal(err)
	}
	if m := poll(); !m.Latest.Equal(data.Timestamp(e.At)) {
		t.Errorf("the poll after a write that landed marks %v, want %v", m.Latest, e.At)
	}
}
