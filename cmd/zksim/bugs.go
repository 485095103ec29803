package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/reports"
	"github.com/zksim/zksim/scenarios"
)

// bugFlag defines the --bug flag that run, sweep and shrink share.
func bugFlag(fs *flag.FlagSet) *string {
	return fs.String("bug", "", "switch on a catalogued protocol bug (a JIRA key; see `zksim bugs --list`)")
}

// parseBug turns --bug NAME into a set of one catalogued bug.
func parseBug(name string) (bugs.Set, error) {
	if name == "" {
		return bugs.Set{}, nil
	}
	set, err := bugs.New(name)
	if err != nil {
		return bugs.Set{}, usagef("--bug: %v (see `zksim bugs --list`)", err)
	}
	return set, nil
}

// parseFlagsBug parses args, then the --bug flag bugFlag defined on fs:
// the opening run, sweep and shrink share.
func parseFlagsBug(fs *flag.FlagSet, args []string, bug *string) (bugs.Set, error) {
	if err := parseFlags(fs, args); err != nil {
		return bugs.Set{}, err
	}
	return parseBug(*bug)
}

// bugHunt is one catalogued bug's row of the table.
type bugHunt struct {
	bug      bugs.Bug
	found    bool
	scenario string
	seed     uint64
	seeds    int // seeds run until the first detection (or the budget)
	caught   []string
	wall     time.Duration
}

// cmdBugs sweeps, for every catalogued bug, the scenarios that should expose it until
// a seed fails, and prints the table of what found what.
func cmdBugs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bugs", stderr)
	budget := fs.Int("seeds", 1000, "seed budget per bug and scenario")
	parallel := fs.Int("parallel", runtime.NumCPU(), "seeds run at once")
	only := fs.String("bug", "", "hunt only this bug")
	list := fs.Bool("list", false, "list the catalogued bugs and exit")
	reportDir := fs.String("report", "", "write the table (index.html, bugs.md) and each found bug's run report under this directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *budget < 1 || *parallel < 1 {
		return usagef("--seeds and --parallel must be at least 1")
	}
	catalog := bugs.Catalog()
	if *list {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		for _, b := range catalog {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, b.Kind, b.Summary)
		}
		return tw.Flush()
	}
	if *only != "" {
		b, ok := bugs.Lookup(*only)
		if !ok {
			return usagef("--bug: unknown bug %q (see `zksim bugs --list`)", *only)
		}
		catalog = []bugs.Bug{b}
	}
	var hunts []bugHunt
	missed := 0
	for _, b := range catalog {
		if ctx.Err() != nil {
			break
		}
		h := huntBug(ctx, b, *budget, *parallel)
		if !h.found {
			missed++
		}
		hunts = append(hunts, h)
		status := "not found"
		if h.found {
			status = fmt.Sprintf("found by %s seed %d after %d seeds", h.scenario, h.seed, h.seeds)
		}
		fmt.Fprintf(stdout, "%s: %s (%s)\n", b.Name, status, h.wall.Round(time.Millisecond))
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "bug\twhat it does\tscenario\tseeds until found\tcaught by\treproduce\twall")
	for _, h := range hunts {
		if !h.found {
			fmt.Fprintf(tw, "%s\t%s\t-\tnot in %d\t-\t-\t%s\n", h.bug.Name, h.bug.Summary, h.seeds, h.wall.Round(time.Millisecond))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\tzksim run --scenario %s --seed %d --bug %s\t%s\n", h.bug.Name, h.bug.Summary,
			h.scenario, h.seeds, strings.Join(h.caught, ","), h.scenario, h.seed, h.bug.Name, h.wall.Round(time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "found %d of %d catalogued bugs\n", len(hunts)-missed, len(hunts))
	if *reportDir != "" {
		if err := writeBugReport(*reportDir, *budget, hunts); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", filepath.Join(*reportDir, reports.BugsHTMLFile))
	}
	if missed > 0 {
		return errViolation
	}
	return nil
}

// livelockCredit is what the table's caught-by column says of a livelocked run.
const livelockCredit = "livelock"

// credits names what caught a failed run: each failed checker property once, in
// report order, then livelockCredit if the ensemble livelocked (no checker property
// names a livelock: the world stopped before the liveness phase could be judged).
func credits(res scenarios.Result) []string {
	out := violated(res)
	if res.Livelocked {
		out = append(out, livelockCredit)
	}
	return out
}

// showsBug reports whether a failed run is evidence of a bug: a checker property
// failed, or the ensemble livelocked. A fault the harness could not apply is not.
func showsBug(r scenarios.Result) bool {
	return len(r.Report.Failures()) > 0 || r.Livelocked
}

// huntBug runs seeds 1..budget of each of the bug's scenarios, round-robin over the
// scenarios, and stops at the first failing seed (the lowest, so the table is
// deterministic).
func huntBug(ctx context.Context, b bugs.Bug, budget, parallel int) bugHunt {
	start := time.Now()
	set, _ := bugs.New(b.Name)
	var list []scenarios.Scenario
	for _, name := range b.Scenarios {
		if s, err := scenarios.Lookup(name); err == nil {
			list = append(list, s)
		}
	}
	h := bugHunt{bug: b}
	if len(list) == 0 {
		h.wall = time.Since(start)
		return h
	}
	type job struct {
		index int
		s     scenarios.Scenario
		seed  uint64
	}
	total := budget * len(list)
	var best atomic.Int64 // lowest failing job index, or total
	best.Store(int64(total))
	results := make([]*scenarios.Result, total)
	next := make(chan job)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if int64(j.index) > best.Load() {
					continue
				}
				res, err := scenarios.Run(j.s, j.seed, scenarios.RunOptions{Bugs: set})
				if err != nil || !showsBug(res) {
					continue
				}
				// Only a seed the correct protocol passes shows the bug.
				if clean, err := scenarios.Run(j.s, j.seed, scenarios.RunOptions{}); err != nil || !clean.Pass() {
					continue
				}
				results[j.index] = &res
				for {
					cur := best.Load()
					if int64(j.index) >= cur || best.CompareAndSwap(cur, int64(j.index)) {
						break
					}
				}
			}
		}()
	}
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if int64(i) > best.Load() {
			break
		}
		next <- job{index: i, s: list[i%len(list)], seed: uint64(i/len(list) + 1)}
	}
	close(next)
	wg.Wait()
	h.wall = time.Since(start)
	idx := int(best.Load())
	h.seeds = budget
	if idx >= total {
		return h
	}
	res := results[idx]
	h.found = true
	h.scenario = res.Scenario
	h.seed = res.Seed
	h.seeds = idx/len(list) + 1
	h.caught = credits(*res)
	return h
}

// writeBugReport writes the bug table (index.html and bugs.md) and, for each found
// bug, the run report of the seed that found it (the same seed replayed with its trace
// kept).
func writeBugReport(dir string, budget int, hunts []bugHunt) error {
	table := reports.BugHunt{Budget: budget}
	for _, h := range hunts {
		row := reports.Hunt{Bug: h.bug.Name, Summary: h.bug.Summary, Found: h.found, Seeds: h.seeds, Wall: h.wall}
		if h.found {
			row.Scenario, row.Seed, row.Caught = h.scenario, h.seed, h.caught
			row.Reproduce = reproduce(h.scenario, h.seed, "", h.bug.Name)
			if err := writeBugRun(filepath.Join(dir, h.bug.Name), h, row.Reproduce); err != nil {
				return fmt.Errorf("%s: %w", h.bug.Name, err)
			}
			row.Report = h.bug.Name
		}
		table.Hunts = append(table.Hunts, row)
	}
	return reports.WriteBugs(dir, table)
}

// writeBugRun replays the seed that found the bug and writes its run files into dir.
func writeBugRun(dir string, h bugHunt, reproduceCmd string) error {
	s, err := scenarios.Lookup(h.scenario)
	if err != nil {
		return err
	}
	set, err := bugs.New(h.bug.Name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	res, err := scenarios.Run(s, h.seed, scenarios.RunOptions{Bugs: set, KeepTrace: true,
		VisualizationPath: filepath.Join(dir, "linearizability.html")})
	if err != nil {
		return err
	}
	return writeRunFiles(dir, s, res, reproduceCmd)
}
