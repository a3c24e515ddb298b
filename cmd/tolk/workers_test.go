package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestWorkersStopDrained: stop ends the workers' context and returns once
// every worker has finished what it held; a worker that will not stop
// makes stop return its context's error when that ends.
func TestWorkersStopDrained(t *testing.T) {
	var finished atomic.Int32
	drain := func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // the work in hand
		finished.Add(1)
		return ctx.Err()
	}
	w := startWorkers(t.Context(), slog.New(slog.DiscardHandler), worker{"a", drain}, worker{"b", drain})
	if err := w.stop(t.Context()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if n := finished.Load(); n != 2 {
		t.Errorf("stop returned with %d of 2 workers drained", n)
	}

	release := make(chan struct{})
	defer close(release)
	stuck := startWorkers(t.Context(), slog.New(slog.DiscardHandler), worker{"stuck", func(context.Context) error {
		<-release
		return nil
	}})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := stuck.stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stop of a worker that does not return: %v, want context.DeadlineExceeded", err)
	}
}

// TestRunDrainsWorkersBeforeClosingStore: run starts the workers with the
// store open and, at shutdown, stops them only once the server has stopped
// serving, waits for them, and closes the store after: a worker draining
// its work still reaches the store, and run returns after the worker.
func TestRunDrainsWorkersBeforeClosingStore(t *testing.T) {
	type seen struct {
		startPing, drainPing error // the store, when the worker starts and once it is stopped
		serving              bool  // the server still answered once the worker was stopped
	}
	var (
		base     string
		result   = make(chan seen, 1)
		returned atomic.Bool
	)
	prev := background
	t.Cleanup(func() { background = prev })
	background = func(store data.Store, _ *app.App, _ app.Sender, _ string, _ *slog.Logger) []worker {
		return []worker{{"probe", func(ctx context.Context) error {
			var s seen
			s.startPing = store.Ping(ctx)
			<-ctx.Done()
			if res, err := http.Get(base + "/healthz"); err == nil {
				res.Body.Close()
				s.serving = true
			}
			time.Sleep(100 * time.Millisecond) // work in hand, drained before run returns
			s.drainPing = store.Ping(context.WithoutCancel(ctx))
			returned.Store(true)
			result <- s
			return ctx.Err()
		}}}
	}
	in := start(t, map[string]string{"TOLK_DB": filepath.Join(t.TempDir(), "tolk.db")})
	base = in.base
	if err := in.shutdown(t); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !returned.Load() {
		t.Fatal("run returned before its worker had drained")
	}
	s := <-result
	if s.startPing != nil {
		t.Errorf("the store at the worker's start: %v", s.startPing)
	}
	if s.serving {
		t.Error("the worker was stopped while the server still served")
	}
	if s.drainPing != nil {
		t.Errorf("the store while the worker drained: %v (closed before the workers stopped)", s.drainPing)
	}
}
