//go:build unix

package sim

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user + system). Benchmarks report
// rates per CPU second too, because wall-clock rates on a shared machine mostly
// measure the other tenants.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
