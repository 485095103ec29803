package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

// harnessProblem names the failure of a run whose schedule did not run as written (a
// fault the harness could not apply, a livelocked ensemble): it has no checker property.
const harnessProblem = "harness-problem"

// failedProperties names what a run failed: each violated checker property once, in
// report order, and harnessProblem last when the harness hit problems.
func failedProperties(r scenarios.Result) []string {
	out := violated(r)
	if len(r.Problems) > 0 {
		out = append(out, harnessProblem)
	}
	return out
}

// violated names each checker property the run failed once, in report order.
func violated(r scenarios.Result) []string {
	var out []string
	for _, f := range r.Report.Failures() {
		if p := string(f.Property); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// runFunc runs the scenario's seed with a schedule, with the bug on or off, and
// returns the properties the run failed (none when it passed).
type runFunc func(sched nemesis.Schedule, bugOn bool) ([]string, error)

// faithful is the shrink predicate: a candidate still fails only if, with the bug on
// (or with no bug set), it fails at least one of the properties the original run
// failed, and, when a bug is set, the correct protocol passes it. Without these a
// shrink drifts to an unrelated failure, or to one the correct protocol shares, which
// shows nothing about the bug.
func faithful(want []string, bugSet bool, run runFunc) func(nemesis.Schedule) bool {
	return func(sched nemesis.Schedule) bool {
		got, err := run(sched, bugSet)
		if err != nil || !slices.ContainsFunc(got, func(p string) bool { return slices.Contains(want, p) }) {
			return false
		}
		if !bugSet {
			return true
		}
		clean, err := run(sched, false)
		return err == nil && len(clean) == 0
	}
}

func cmdShrink(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("shrink", stderr)
	name := fs.String("scenario", "", "scenario name")
	seed := fs.Uint64("seed", 0, "failing seed")
	out := fs.String("out", "", "file for the shrunk schedule (default NAME-seed-N.schedule)")
	parallel := fs.Int("parallel", runtime.NumCPU(), "candidate schedules run at once (the result does not depend on it)")
	bug := bugFlag(fs)
	bugSet, err := parseFlagsBug(fs, args, bug)
	if err != nil {
		return err
	}
	if *name == "" || *seed == 0 {
		return usagef("shrink needs --scenario and --seed")
	}
	if *parallel < 1 {
		return usagef("--parallel must be at least 1")
	}
	s, err := scenarios.Lookup(*name)
	if err != nil {
		return usagef("%v", err)
	}
	first, err := scenarios.Run(s, *seed, scenarios.RunOptions{Bugs: bugSet})
	if err != nil {
		return usagef("%v", err)
	}
	if first.Pass() {
		fmt.Fprintf(stdout, "%s seed %d passes: nothing to shrink\n", s.Name, *seed)
		return nil
	}
	want := failedProperties(first)
	var runs atomic.Int64
	run := func(sched nemesis.Schedule, bugOn bool) ([]string, error) {
		runs.Add(1)
		opts := scenarios.RunOptions{Schedule: sched}
		if bugOn {
			opts.Bugs = bugSet
		}
		res, err := scenarios.Run(s, *seed, opts)
		if err != nil {
			return nil, err
		}
		return failedProperties(res), nil
	}
	if *bug != "" {
		// The original schedule must itself isolate the bug, or no subset can.
		clean, err := run(first.Schedule, false)
		if err != nil {
			return err
		}
		if len(clean) > 0 {
			return fmt.Errorf("%s seed %d also fails without --bug (%s): it does not isolate %s; nothing to shrink",
				s.Name, *seed, strings.Join(clean, ","), *bug)
		}
	}
	shrunk := nemesis.ShrinkParallel(first.Schedule, faithful(want, *bug != "", run), *parallel)
	final, err := run(shrunk, *bug != "")
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = fmt.Sprintf("%s-seed-%d.schedule", s.Name, *seed)
	}
	if err := os.WriteFile(path, []byte(shrunk.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shrunk %d faults to %d in %d runs; schedule written to %s\n", len(first.Schedule.Removable()), len(shrunk.Removable()), runs.Load(), path)
	fmt.Fprintf(stdout, "original run fails: %s\n", strings.Join(want, ","))
	fmt.Fprintf(stdout, "shrunk schedule fails: %s\n", strings.Join(final, ","))
	if *bug != "" {
		fmt.Fprintf(stdout, "the correct protocol passes it: the failure is %s's\n", *bug)
	}
	fmt.Fprint(stdout, indent(shrunk.String()))
	fmt.Fprintf(stdout, "replay: %s\n", reproduce(s.Name, *seed, path, *bug))
	return nil
}
