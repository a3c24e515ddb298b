package bolt

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// A poll kept between writes is never handed out after a write has been
// acknowledged: while one goroutine writes audit entries into the feed's
// organisation, polls from others, each begun after a write returned,
// always mark that entry or a newer one.
func TestPollFeedSeesEveryAcknowledgedWrite(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	actor := data.User{ID: "u-1", Organisation: "north"}
	f := data.Feed{
		ID: data.NewID(at), Organisation: "north", Owner: "u-1", Scope: data.FeedMine,
		TokenHash: data.HashKey("a calendar's token"), Version: 1, CreatedAt: at, UpdatedAt: at,
	}
	created := data.NewAuditEntry(at, actor, "north", data.ActionFeedCreated, data.EntityFeed, f.ID)
	if err := s.CreateFeed(ctx, f, data.Audited(created)); err != nil {
		t.Fatal(err)
	}
	covers := func(data.Feed) []string { return []string{"north"} }
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
				_, m, err := s.PollFeed(ctx, f.TokenHash, 5, covers)
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
	_, m1, err1 := s.PollFeed(ctx, f.TokenHash, 5, covers)
	_, m2, err2 := s.PollFeed(ctx, f.TokenHash, 5, covers)
	if err1 != nil || err2 != nil || m1 != m2 || m1.Latest.UnixMilli() != acked.Load() {
		t.Errorf("two polls after the writes: %v (latest %v), %v (latest %v), %v %v", m1.Digest[:4], m1.Latest, m2.Digest[:4], m2.Latest, err1, err2)
	}
}
