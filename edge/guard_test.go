package edge

import (
	"net/netip"
	"strconv"
	"testing"
)

// TestBrakeTableIsBounded: 100,000 distinct failing addresses inside one
// window leave at most maxTracked entries, and a failure costs the same at a
// full table as at an empty one: no allocation beyond the new entry, no scan.
func TestBrakeTableIsBounded(t *testing.T) {
	l := newFailureLimiter(FailuresAllowed, FailureWindow)
	now := testNow
	keys := make([]string, 200_000)
	for i := range keys {
		keys[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
	}
	for _, k := range keys[:100_000] {
		l.fail(k, now)
	}
	if n := l.len(); n > maxTracked {
		t.Fatalf("%d addresses tracked, want at most %d", n, maxTracked)
	}
	next := 100_000
	allocs := testing.AllocsPerRun(10_000, func() {
		l.fail(keys[next], now)
		next++
	})
	if allocs > 1 {
		t.Errorf("a failure at a full table allocates %.1f times, want at most 1", allocs)
	}
	if n := l.len(); n > maxTracked {
		t.Errorf("%d addresses tracked, want at most %d", n, maxTracked)
	}
	// The newest addresses are still braked once they fail often enough.
	for range FailuresAllowed {
		l.fail(keys[next-1], now)
	}
	if l.fail(keys[next-1], now) == 0 {
		t.Error("an address over the limit is not braked at a full table")
	}
}

// BenchmarkBrakeFailureAtFullTable is the cost of counting one failure
// when the table is full of other addresses' failures.
func BenchmarkBrakeFailureAtFullTable(b *testing.B) {
	l := newFailureLimiter(FailuresAllowed, FailureWindow)
	for i := range maxTracked {
		l.fail("k"+strconv.Itoa(i), testNow)
	}
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "n" + strconv.Itoa(i)
	}
	i := 0
	for b.Loop() {
		l.fail(keys[i&(1<<16-1)], testNow)
		i++
	}
}
