package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target unless GOGC says otherwise. A run's
// live heap is small (tens of MB) while it allocates steadily, so the default
// target (100) collects many times per run; 400 takes about a tenth off a default
// run's CPU time for a few tens of MB more per run in flight.
const gcPercent = 400

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
