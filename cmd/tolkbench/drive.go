package main

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// drive runs op from clients goroutines at once, each calling it again as
// soon as it returns, until duration has passed, and sums up every call.
// op's k counts the calls from 0 across all clients; op returns what went
// wrong ("" for nothing), or sent false when it has nothing more to do,
// which ends its client without counting the call. A call under way when
// the time is up finishes and counts.
func drive(ctx context.Context, name string, clients int, duration time.Duration, op func(k int) (problem string, sent bool)) stats {
	var next atomic.Int64
	samples, firstErr, took := driveSlice(ctx, clients, duration, &next, op)
	st := summarise(name, clients, samples, took)
	st.FirstError = firstErr
	return st
}

// driveSlice is drive's work: it runs op as drive does, taking each call's
// k from next (so that slices of one run never repeat a k), and returns
// every call's sample, the first problem and the wall time it took.
func driveSlice(ctx context.Context, clients int, duration time.Duration, next *atomic.Int64, op func(k int) (problem string, sent bool)) ([]sample, string, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var first sync.Once
	var firstErr string
	per := make([][]sample, clients)
	began := time.Now()
	var wg sync.WaitGroup
	for w := range per {
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				problem, sent := op(int(next.Add(1) - 1))
				if !sent {
					return
				}
				per[w] = append(per[w], sample{took: time.Since(t0), ok: problem == ""})
				if problem != "" {
					first.Do(func() { firstErr = problem })
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(per...), firstErr, time.Since(began)
}
