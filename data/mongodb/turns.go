package mongodb

import (
	"context"
	"fmt"
	"sync"
)

// turns queues the updates of one record (one lock key: the booking
// changes of one interpreter share their schedule's) within one store
// instance, so that a burst of them takes turns instead of racing through
// the lock and losing to each other (each loss costs a re-read, another
// call of the update function and a retry). It is no part of any
// guarantee, which rests on the locks alone and holds across instances
// (locks.go, bookings.go); it only keeps writers of one instance from
// wasting each other's work, so that losses happen only between instances,
// and the bound on attempts (changeAttempts) counts only those.
type turns struct {
	mu sync.Mutex
	m  map[string]*turn
}

// turn is one key's queue: a writer holds the turn while it has sent to ch;
// waiting counts the writers holding or waiting for it.
type turn struct {
	ch      chan struct{}
	waiting int
}

// take waits for key's turn, or until ctx ends. The caller must call the
// release function it returns.
func (ts *turns) take(ctx context.Context, key string) (release func(), err error) {
	ts.mu.Lock()
	if ts.m == nil {
		ts.m = map[string]*turn{}
	}
	t := ts.m[key]
	if t == nil {
		t = &turn{ch: make(chan struct{}, 1)}
		ts.m[key] = t
	}
	t.waiting++
	ts.mu.Unlock()
	leave := func() {
		ts.mu.Lock()
		if t.waiting--; t.waiting == 0 {
			delete(ts.m, key)
		}
		ts.mu.Unlock()
	}
	select {
	case t.ch <- struct{}{}:
		return func() { <-t.ch; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("waiting for the turn of %s: %w", key, ctx.Err())
	}
}
