package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads GOGC without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestFloorRaisesGOGCOnASmallHeap: with a floor of 1 GiB and this test's
// small live heap, a collection leaves GOGC far above 100 (the next
// collection waits for about 1 GiB of growth); stopping brings back the
// GOGC the process had.
func TestFloorRaisesGOGCOnASmallHeap(t *testing.T) {
	before := gcPercent()
	if before < 0 {
		t.Fatal("GOGC=off in the test's environment: nothing to measure")
	}
	stop := Start(1 << 30)
	defer stop()
	for range 50 { // the finalizer runs on its own goroutine after a cycle
		runtime.GC()
		if gcPercent() > 1000 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := gcPercent(); got <= 1000 {
		t.Fatalf("GOGC %d after collections with a 1 GiB floor on a small heap, want far above 100", got)
	}
	stop()
	if got := gcPercent(); got != before {
		t.Errorf("GOGC %d after stop, want %d, what it was", got, before)
	}
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := gcPercent(); got != before {
		t.Errorf("GOGC %d after a collection once stopped, want %d: the floor still adjusts", got, before)
	}
}

// TestPercent: the headroom is the floor's, or the starting GOGC's when
// that gives more.
func TestPercent(t *testing.T) {
	f := &floor{bytes: 64 << 20, base: 100}
	for _, c := range []struct {
		live uint64
		want int
	}{
		{16 << 20, 400},  // 64 MiB more is 400 % of 16 MiB
		{64 << 20, 100},  // as the default
		{512 << 20, 100}, // a large heap: never less than the default
		{0, 100},
	} {
		if got := f.percent(c.live); got != c.want {
			t.Errorf("live %d MiB: GOGC %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestStartsShareOneFloor: a second Start while one runs shares its
// floor; only the last stop restores the GOGC the first found.
func TestStartsShareOneFloor(t *testing.T) {
	before := gcPercent()
	stop1 := Start(1 << 30)
	stop2 := Start(1 << 30)
	stop1()
	stop1() // a second call does nothing
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := gcPercent(); got <= before {
		t.Errorf("GOGC %d after one of two stops, want the floor still raising it above %d", got, before)
	}
	stop2()
	if got := gcPercent(); got != before {
		t.Errorf("GOGC %d after both stops, want %d", got, before)
	}
}
