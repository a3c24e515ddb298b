//go:build unix

package matching

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used, user and system,
// garbage collection included: what a benchmark's ns/op is on a machine
// of its own, where the wall clock also counts the time other work held
// the CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
