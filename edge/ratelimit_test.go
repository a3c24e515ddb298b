package edge

import (
	"strconv"
	"testing"
	"time"
)

// testNow is the clock of the limits' tests: 2026-11-22 09:00 UTC.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// TestRateLimiterTableIsBounded: 100,000 distinct keys leave at most
// maxTracked entries, a request at a full table allocates at most once
// (the new key's map slot), and the newest keys are still limited.
func TestRateLimiterTableIsBounded(t *testing.T) {
	l := newRateLimiter(Rate{N: 60, Per: time.Minute, Burst: 2})
	keys := make([]string, 200_000)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	for _, k := range keys[:100_000] {
		l.take(k, testNow)
	}
	if n := l.len(); n > maxTracked {
		t.Fatalf("%d keys tracked, want at most %d", n, maxTracked)
	}
	next := 100_000
	allocs := testing.AllocsPerRun(10_000, func() {
		l.take(keys[next], testNow)
		next++
	})
	if allocs > 1 {
		t.Errorf("a request at a full table allocates %.1f times, want at most 1", allocs)
	}
	k := keys[next-1] // taken once already
	if l.take(k, testNow) != 0 {
		t.Error("the second request of a burst of 2 was refused")
	}
	if wait := l.take(k, testNow); wait != time.Second {
		t.Errorf("the third request waits %v, want 1s", wait)
	}
}

// BenchmarkRateLimiterAtFullTable is the cost of one limited request
// when the table is full of other keys.
func BenchmarkRateLimiterAtFullTable(b *testing.B) {
	l := newRateLimiter(DefaultPerKey)
	keys := make([]string, 2*maxTracked)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	for _, k := range keys[:maxTracked] {
		l.take(k, testNow)
	}
	i := 0
	for b.Loop() {
		l.take(keys[i&(2*maxTracked-1)], testNow)
		i++
	}
}
