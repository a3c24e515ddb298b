// Package heapfloor gives the garbage collector a floor of headroom, so
// that a service whose live heap is small does not collect many times a
// second.
//
// Go starts a collection when the heap has grown by GOGC percent of what
// the last one left live. tolk's live heap is small (tens of megabytes on
// a register of 10,000) while each request allocates a few hundred
// kilobytes, so at the default GOGC=100 the collector ran a cycle every
// few dozen matches, and the requests that met a cycle set the p99 (see
// README, Performance). A fixed larger GOGC would multiply a large heap
// too: a store's caches can hold hundreds of megabytes. So after each
// collection the floor sets GOGC so that the next one waits until the
// heap has grown by at least Floor bytes, and never sooner than the GOGC
// the process started with: it costs at most Floor bytes of memory more
// than the default, whatever the live heap.
//
// This is hand-written because the runtime offers a ceiling
// (GOMEMLIMIT) but no floor, and the ballast of old (a large unused
// allocation) distorts the heap's figures; it is small: one finalizer a
// cycle and a read of runtime/metrics.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultFloor is the headroom the service gives the collector: 256 MiB.
//
// It was 64 MiB, set for matches. Bookings allocate about 500 KB each,
// most of it bbolt's nodes for the pages a commit rewrites, and with 64
// MiB over a live heap of about 75 MB (the kept pools and records) the
// collector marked that heap every half second under a stream of
// bookings, on the core beside bbolt's writer, whose commit slows when
// that core is busy. In three alternate runs on a fresh service, 256 MiB
// made the service's bookings 0.84-0.87 of the store's durable write of
// the same change where 64 MiB gave 0.75-0.77 (README, Performance, 6
// December 2026). A GOMEMLIMIT the operator sets still caps the heap.
const DefaultFloor = 256 << 20

// liveMetric is the heap the last collection left live.
const liveMetric = "/gc/heap/live:bytes"

// floor is one started floor.
type floor struct {
	bytes   uint64
	base    int // the GOGC the process had when the floor started
	stopped atomic.Bool
	mu      sync.Mutex // serialises adjust with stop
	sample  []metrics.Sample
}

// Start keeps, after every collection, the next one from starting before
// the heap has grown by bytes beyond what the collection left live, or by
// the GOGC the process started with if that is more. It does nothing
// when collection is off (GOGC=off). stop undoes it; it may be called
// more than once.
//
// A process has one floor: a Start while one runs (two services in one
// test binary) shares it, and the last stop restores the GOGC the first
// Start found.
func Start(bytes uint64) (stop func()) {
	running.mu.Lock()
	defer running.mu.Unlock()
	if running.users == 0 {
		base := debug.SetGCPercent(100)
		debug.SetGCPercent(base)
		if base < 0 {
			return func() {}
		}
		running.f = &floor{bytes: bytes, base: base, sample: []metrics.Sample{{Name: liveMetric}}}
		running.f.adjust()
		running.f.arm()
	}
	running.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			running.mu.Lock()
			defer running.mu.Unlock()
			if running.users--; running.users == 0 {
				running.f.stop()
				running.f = nil
			}
		})
	}
}

// running is the process's floor and how many Starts share it.
var running struct {
	mu    sync.Mutex
	f     *floor
	users int
}

// percent is the GOGC that gives live bytes the floor's headroom.
func (f *floor) percent(live uint64) int {
	if live == 0 {
		return f.base
	}
	p := int((f.bytes*100 + live - 1) / live)
	return max(p, f.base)
}

// adjust sets GOGC for the heap the last collection left live.
func (f *floor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Load() {
		return
	}
	metrics.Read(f.sample)
	if f.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	debug.SetGCPercent(f.percent(f.sample[0].Value.Uint64()))
}

// sentinel is garbage as soon as it is made: its finalizer runs after the
// collection that finds it, and arms the next one.
type sentinel struct{ f *floor }

func (f *floor) arm() {
	runtime.SetFinalizer(&sentinel{f: f}, func(s *sentinel) {
		if s.f.stopped.Load() {
			return
		}
		s.f.adjust()
		s.f.arm()
	})
}

func (f *floor) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.stopped.Swap(true) {
		debug.SetGCPercent(f.base)
	}
}
