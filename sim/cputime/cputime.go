// Package cputime reads the CPU time the process has used. Benchmarks and zksim bench
// report simulated time per CPU second besides per wall second, because on a shared
// machine wall-clock rates mostly measure the other tenants. Nothing here may reach a
// simulated run.
package cputime

import "time"

// Supported reports whether Now measures anything on this platform.
const Supported = supported

// Now is the CPU time (user + system, every thread) the process has used so far; 0
// where the platform does not say.
func Now() time.Duration { return now() }
