package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/zksim/zksim/scenarios"
)

// cmdBench measures the simulator on a scenario: events per second, simulated time
// per wall second, client operations per second and checked seeds per minute, one
// seed at a time on one goroutine.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	name := fs.String("scenario", "default", "scenario to measure")
	seeds := fs.Int("seeds", 3, "seeds to run (1..N)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *seeds < 1 {
		return usagef("--seeds must be at least 1")
	}
	s, err := scenarios.Lookup(*name)
	if err != nil {
		return usagef("%v", err)
	}
	var events uint64
	var ops int
	var simulated, wall time.Duration
	failed := 0
	for seed := 1; seed <= *seeds; seed++ {
		if ctx.Err() != nil {
			break
		}
		res, err := scenarios.Run(s, uint64(seed), scenarios.RunOptions{})
		if err != nil {
			return err
		}
		if !res.Pass() {
			failed++
		}
		events += res.Events
		ops += res.Ops
		simulated += res.Simulated
		wall += res.Wall
		fmt.Fprintf(stdout, "seed %d: %d events, %d ops, %s simulated in %s wall\n", seed, res.Events, res.Ops,
			res.Simulated.Round(time.Millisecond), res.Wall.Round(time.Millisecond))
	}
	secs := wall.Seconds()
	fmt.Fprintf(stdout, "scenario=%s seeds=%d failed=%d\n", s.Name, *seeds, failed)
	fmt.Fprintf(stdout, "events/s=%.0f speedup=%.1fx client-ops/s=%.0f checked-seeds/min=%.1f\n",
		float64(events)/secs, simulated.Seconds()/secs, float64(ops)/secs, float64(*seeds)/secs*60)
	return nil
}
