package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// heldPool is a store whose MatchPool waits until release is closed, once
// entered has been signalled: a match that holds its turn for as long as
// a test needs.
type heldPool struct {
	data.Store
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (h *heldPool) MatchPool(ctx context.Context, keys []string, from, to time.Time) ([]data.PoolMember, error) {
	h.once.Do(func() {
		close(h.entered)
		<-h.release
	})
	return h.Store.MatchPool(ctx, keys, from, to)
}

// TestMatchTurns: with one turn, a match waits while another is worked
// out; one whose request ends while it waits is answered as unavailable
// (a 503, never a half answer); the turn comes back however a match ends,
// a refused one included, so the matches after it are answered.
func TestMatchTurns(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "TURNS-1")
	e.approved("ana")
	held := &heldPool{Store: e.store, entered: make(chan struct{}), release: make(chan struct{})}
	a := app.New(app.Config{Store: held, Now: func() time.Time { return e.now }, MatchTurns: 1})

	first := make(chan error, 1)
	go func() {
		_, err := a.Match(ctx, sw, c.ID, matchAt(0, 0))
		first <- err
	}()
	<-held.entered // the first match holds the only turn

	waiting, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := a.Match(waiting, sw, c.ID, matchAt(0, 0))
	if f := app.Classify(err); f.Kind != app.KindUnavailable {
		t.Errorf("a match whose request ended while it waited: %+v (%v), want unavailable", f, err)
	}

	close(held.release)
	if err := <-first; err != nil {
		t.Fatalf("the match holding the turn: %v", err)
	}
	// Each of these would wait for ever had a turn not come back: they
	// give up after 10 s, as unavailable.
	soon := func() context.Context {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	bad := matchAt(0, 0) // refused by the match's own checks, in its turn
	bad.End = bad.Start.Add(-time.Hour)
	if f := app.Classify(func() error { _, err := a.Match(soon(), sw, c.ID, bad); return err }()); f.Kind != app.KindInvalid {
		t.Fatalf("an end before the start: %+v, want invalid", f)
	}
	for range 3 {
		if _, err := a.Match(soon(), sw, c.ID, matchAt(0, 0)); err != nil {
			t.Fatalf("a match after the others: %v (a turn did not come back)", err)
		}
	}
}
