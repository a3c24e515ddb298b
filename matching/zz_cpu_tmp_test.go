package matching

import (
	"syscall"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkZZCPU(b *testing.B) {
	in, speakers := benchInput(b)
	in.Pool = speakers
	ids := map[string]bool{}
	for _, s := range speakers {
		ids[s.ID] = true
	}
	own := in
	own.Bookings = nil
	for _, bk := range in.Bookings {
		if ids[bk.InterpreterID] {
			own.Bookings = append(own.Bookings, bk)
		}
	}
	p := DefaultPolicy()
	pools := []struct {
		name string
		pool []data.Interpreter
	}{{"none", speakers}, {"covering", withAvailability(speakers, true)}, {"declared", withAvailability(speakers, false)}}
	for _, bk := range []struct {
		name string
		in   Input
	}{{"all-bookings", in}, {"own-bookings", own}} {
		for _, av := range pools {
			b.Run(bk.name+"/"+av.name, func(b *testing.B) {
				in := bk.in
				in.Pool = av.pool
				c0, n := cpuNow(), 0
				for b.Loop() {
					Match(in, p)
					n++
				}
				b.ReportMetric(float64(cpuNow()-c0)/float64(n), "cpu-ns/op")
			})
		}
	}
}
