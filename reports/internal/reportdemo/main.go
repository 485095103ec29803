// Command reportdemo writes the report of a failing run into a directory, for `make
// report-check` and the README's picture: a real simulated run with a catalogued
// protocol bug switched on (-bug), or else with one read corrupted (see package
// corrupt). It fails when the run passes, since a report without a violation shows
// less than the check needs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/reports"
	"github.com/zksim/zksim/reports/internal/corrupt"
	"github.com/zksim/zksim/scenarios"
)

func main() {
	out := flag.String("out", "report-demo", "directory to write the report into")
	name := flag.String("scenario", "standalone", "scenario to run")
	seed := flag.Uint64("seed", 1, "seed")
	from := flag.Duration("from", 30*time.Second, "without -bug: corrupt the first successful read from this simulated time on")
	bug := flag.String("bug", "", "switch on this catalogued protocol bug (see `zksim bugs --list`) instead of corrupting a read")
	flag.Parse()
	if err := run(*out, *name, *seed, *from, *bug); err != nil {
		fmt.Fprintln(os.Stderr, "reportdemo:", err)
		os.Exit(1)
	}
}

func run(dir, name string, seed uint64, from time.Duration, bug string) error {
	s, err := scenarios.Lookup(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	vis := filepath.Join(dir, "linearizability.html")
	reproduce := fmt.Sprintf("zksim run --scenario %s --seed %d", name, seed)
	var res scenarios.Result
	what := "bug " + bug
	if bug != "" {
		set, err := bugs.New(bug)
		if err != nil {
			return err
		}
		reproduce += " --bug " + bug
		if res, err = scenarios.Run(s, seed, scenarios.RunOptions{Bugs: set, KeepTrace: true, VisualizationPath: vis}); err != nil {
			return err
		}
	} else {
		var op int
		if res, op, err = corrupt.Run(s, seed, from, vis); err != nil {
			return err
		}
		what = fmt.Sprintf("op %d corrupted", op)
	}
	if err := reports.WriteRun(dir, reports.Run{Scenario: s, Result: res, Reproduce: reproduce}); err != nil {
		return err
	}
	if res.Pass() {
		return fmt.Errorf("%s passed (%s): its report shows no violation", reproduce, what)
	}
	fmt.Printf("wrote %s (%s; %d failures)\n", filepath.Join(dir, reports.HTMLFile), what, len(res.Report.Failures()))
	return nil
}
