package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/zksim/zksim/scenarios"
	"github.com/zksim/zksim/sim/cputime"
)

// cmdBench measures the simulator on a scenario: events per second, simulated time
// per wall second and per CPU second, client operations per second and checked seeds
// per minute, one seed at a time on one goroutine. Every figure covers whole runs,
// checks included. The CPU figures count the whole process (garbage collection
// included); on a busy machine they are the ones to compare, since wall time there
// mostly measures the other tenants.
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
	var ops, done int
	var simulated, wall, cpu time.Duration
	failed := 0
	for seed := 1; seed <= *seeds; seed++ {
		if ctx.Err() != nil {
			break
		}
		cpu0 := cputime.Now()
		res, err := scenarios.Run(s, uint64(seed), scenarios.RunOptions{})
		if err != nil {
			return err
		}
		runCPU := cputime.Now() - cpu0
		done++
		if !res.Pass() {
			failed++
		}
		events += res.Events
		ops += res.Ops
		simulated += res.Simulated
		wall += res.Wall
		cpu += runCPU
		fmt.Fprintf(stdout, "seed %d: %d events, %d ops, %s simulated in %s wall, %s CPU\n", seed, res.Events, res.Ops,
			res.Simulated.Round(time.Millisecond), res.Wall.Round(time.Millisecond), runCPU.Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "scenario=%s seeds=%d failed=%d\n", s.Name, done, failed)
	fmt.Fprintln(stdout, benchLine("wall", events, ops, done, simulated, wall))
	if cputime.Supported {
		fmt.Fprintln(stdout, benchLine("cpu", events, ops, done, simulated, cpu))
	}
	return nil
}

// benchLine gives the rates per second of the named clock (wall or CPU time).
func benchLine(clock string, events uint64, ops, seeds int, simulated, spent time.Duration) string {
	secs := spent.Seconds()
	if secs <= 0 {
		return fmt.Sprintf("per %s second: no time measured", clock)
	}
	return fmt.Sprintf("per %s second: events/s=%.0f speedup=%.1fx client-ops/s=%.0f checked-seeds/min=%.1f (%s simulated in %s)",
		clock, float64(events)/secs, simulated.Seconds()/secs, float64(ops)/secs, float64(seeds)/secs*60,
		simulated.Round(time.Millisecond), spent.Round(time.Millisecond))
}
