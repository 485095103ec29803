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
	"text/tabwriter"
	"time"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("zksim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and turns flag errors into usage errors (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// resolveScenario finds the scenario named by --scenario or loaded by --scenario-file.
func resolveScenario(name, file string) (scenarios.Scenario, error) {
	if file != "" {
		s, err := scenarios.Load(file)
		if err != nil {
			return scenarios.Scenario{}, usagef("%v", err)
		}
		return s, nil
	}
	s, err := scenarios.Lookup(name)
	if err != nil {
		return scenarios.Scenario{}, usagef("%v", err)
	}
	return s, nil
}

// reproduce is the command that replays a run exactly.
func reproduce(scenario string, seed uint64, scheduleFile, bug string) string {
	cmd := fmt.Sprintf("zksim run --scenario %s --seed %d", scenario, seed)
	if bug != "" {
		cmd += " --bug " + bug
	}
	if scheduleFile != "" {
		cmd += " --schedule " + scheduleFile
	}
	return cmd
}

func cmdRun(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	name := fs.String("scenario", "default", "scenario name (see `zksim scenarios`)")
	file := fs.String("scenario-file", "", "load the scenario from this JSON file instead")
	seed := fs.Uint64("seed", 1, "seed that fixes the whole run")
	scheduleFile := fs.String("schedule", "", "replay this fault schedule instead of generating one")
	reportDir := fs.String("report", "", "write the run's report (report.html, report.md), schedule and trace to this directory")
	verbose := fs.Bool("v", false, "print the schedule and every applied fault")
	bug := bugFlag(fs)
	bugSet, err := parseFlagsBug(fs, args, bug)
	if err != nil {
		return err
	}
	s, err := resolveScenario(*name, *file)
	if err != nil {
		return err
	}
	opts := scenarios.RunOptions{KeepTrace: *reportDir != "", Bugs: bugSet}
	if *scheduleFile != "" {
		text, err := os.ReadFile(*scheduleFile)
		if err != nil {
			return usagef("%v", err)
		}
		sched, err := nemesis.ParseSchedule(string(text))
		if err != nil {
			return usagef("%s: %v", *scheduleFile, err)
		}
		opts.Schedule = sched
	}
	if *reportDir != "" {
		if err := os.MkdirAll(*reportDir, 0o755); err != nil {
			return err
		}
		opts.VisualizationPath = filepath.Join(*reportDir, "linearizability.html")
	}
	fmt.Fprintf(stdout, "scenario=%s seed=%d voters=%d observers=%d clients=%d duration=%s quiesce=%s nemesis=%q\n",
		s.Name, *seed, s.Voters, s.Observers, s.Clients, time.Duration(s.Duration), time.Duration(s.Quiesce), s.Nemesis)
	res, err := scenarios.Run(s, *seed, opts)
	if err != nil {
		return usagef("%v", err)
	}
	if *verbose {
		fmt.Fprintln(stdout, "schedule:")
		fmt.Fprint(stdout, indent(res.Schedule.String()))
		fmt.Fprintln(stdout, "applied:")
		for _, a := range res.Applied {
			fmt.Fprintf(stdout, "  %s\n", a.String())
		}
	}
	again := reproduce(s.Name, *seed, *scheduleFile, *bug)
	if *file != "" {
		// The scenario came from a file: only the file brings it back.
		again = strings.Replace(again, "--scenario "+s.Name, "--scenario-file "+*file, 1)
	}
	if *reportDir != "" {
		if err := writeRunFiles(*reportDir, s, res, again); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", *reportDir)
	}
	if !res.Pass() {
		fmt.Fprint(stdout, res.Explain())
		fmt.Fprintf(stdout, "reproduce: %s\n", again)
	}
	fmt.Fprintln(stdout, res.Summary())
	if !res.Pass() {
		return errViolation
	}
	return nil
}

func indent(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// sweepOutcome is one seed's result in a sweep.
type sweepOutcome struct {
	scenario string
	seed     uint64
	pass     bool
	summary  string
	explain  string
	err      error
	ops      int
	sim      time.Duration
	events   uint64
	wall     time.Duration // the run's own wall time
	report   string        // the seed's report directory under the sweep's, when written
	bug      string        // the catalogued bug switched on, if any
}

func cmdSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sweep", stderr)
	name := fs.String("scenario", "", "scenario name, or all")
	seedsFlag := fs.String("seeds", "", "inclusive seed range A..B")
	parallel := fs.Int("parallel", runtime.NumCPU(), "seeds run at once")
	shardFlag := fs.String("shard", "", "i/n: run only this machine's share of the range")
	reportDir := fs.String("report", "", "write the sweep's report, and each failing seed's run report, under this directory")
	bug := bugFlag(fs)
	bugSet, err := parseFlagsBug(fs, args, bug)
	if err != nil {
		return err
	}
	if *name == "" || *seedsFlag == "" {
		return usagef("sweep needs --scenario and --seeds")
	}
	if *parallel < 1 {
		return usagef("--parallel must be at least 1")
	}
	seeds, err := parseSeeds(*seedsFlag)
	if err != nil {
		return err
	}
	sh, err := parseShard(*shardFlag)
	if err != nil {
		return err
	}
	var list []scenarios.Scenario
	if *name == "all" {
		list = scenarios.All()
	} else {
		s, err := scenarios.Lookup(*name)
		if err != nil {
			return usagef("%v", err)
		}
		list = []scenarios.Scenario{s}
	}
	type job struct {
		s    scenarios.Scenario
		seed uint64
	}
	var jobs []job
	for _, s := range list {
		for _, seed := range seeds.seeds(sh) {
			jobs = append(jobs, job{s, seed})
		}
	}
	results := make([]sweepOutcome, len(jobs))
	progress := newProgress(stdout, len(jobs))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range *parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				opts := scenarios.RunOptions{Bugs: bugSet}
				dir := ""
				if *reportDir != "" {
					dir = filepath.Join(*reportDir, fmt.Sprintf("%s-seed-%d", j.s.Name, j.seed))
				}
				res, err := scenarios.Run(j.s, j.seed, opts)
				out := sweepOutcome{scenario: j.s.Name, seed: j.seed, err: err, bug: *bug}
				if err == nil {
					out.pass, out.summary, out.explain, out.ops, out.sim = res.Pass(), res.Summary(), res.Explain(), res.Ops, res.Simulated
					out.events, out.wall = res.Events, res.Wall
					if !out.pass && dir != "" {
						// Re-run with the trace kept: same seed, same run.
						if os.MkdirAll(dir, 0o755) == nil {
							full, ferr := scenarios.Run(j.s, j.seed, scenarios.RunOptions{KeepTrace: true, Bugs: bugSet,
								VisualizationPath: filepath.Join(dir, "linearizability.html")})
							if ferr == nil && writeRunFiles(dir, j.s, full, reproduce(j.s.Name, j.seed, "", *bug)) == nil {
								out.report = filepath.Base(dir)
							}
						}
					}
				}
				results[i] = out
				progress.done(out.pass && out.err == nil)
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	progress.finish()
	wall := time.Since(start)
	if *reportDir != "" {
		if err := writeSweepReport(*reportDir, results, wall); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", *reportDir)
	}
	return printSweep(stdout, results, wall)
}

func printSweep(stdout io.Writer, results []sweepOutcome, wall time.Duration) error {
	type tally struct {
		runs, pass, fail int
		ops              int
		sim              time.Duration
	}
	byScenario := map[string]*tally{}
	var order []string
	var failures []sweepOutcome
	for _, r := range results {
		if r.scenario == "" {
			continue // not run: interrupted
		}
		t := byScenario[r.scenario]
		if t == nil {
			t = &tally{}
			byScenario[r.scenario] = t
			order = append(order, r.scenario)
		}
		t.runs++
		t.ops += r.ops
		t.sim += r.sim
		if r.err == nil && r.pass {
			t.pass++
		} else {
			t.fail++
			failures = append(failures, r)
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tseeds\tpass\tfail\tops\tsimulated")
	for _, name := range order {
		t := byScenario[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", name, t.runs, t.pass, t.fail, t.ops, t.sim.Round(time.Second))
	}
	tw.Flush()
	var total time.Duration
	for _, t := range byScenario {
		total += t.sim
	}
	if wall > 0 {
		fmt.Fprintf(stdout, "simulated %s in %s wall (%.0fx)\n", total.Round(time.Second), wall.Round(time.Millisecond), float64(total)/float64(wall))
	}
	for _, f := range failures {
		if f.err != nil {
			fmt.Fprintf(stdout, "ERROR %s seed %d: %v\n", f.scenario, f.seed, f.err)
			continue
		}
		fmt.Fprintf(stdout, "FAIL %s seed %d: %s\n", f.scenario, f.seed, firstLine(f.explain))
		fmt.Fprintf(stdout, "  reproduce: %s\n", reproduce(f.scenario, f.seed, "", f.bug))
	}
	if len(failures) > 0 {
		return errViolation
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// progress reports a sweep's progress: a bar redrawn in place on a terminal, plain
// lines (every 10%) otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	total    int
	finished int
	failed   int
	start    time.Time
	lastPct  int
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total, start: time.Now(), lastPct: -1}
}

func (p *progress) done(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	if !ok {
		p.failed++
	}
	rate := float64(p.finished) / time.Since(p.start).Seconds()
	if p.tty {
		const width = 30
		filled := width * p.finished / max(p.total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d seeds, %d failed, %.1f seeds/s ", strings.Repeat("#", filled),
			strings.Repeat(" ", width-filled), p.finished, p.total, p.failed, rate)
		return
	}
	pct := 100 * p.finished / max(p.total, 1)
	if pct/10 != p.lastPct/10 || p.finished == p.total {
		p.lastPct = pct
		fmt.Fprintf(p.w, "progress: %d/%d seeds (%d%%), %d failed, %.1f seeds/s\n", p.finished, p.total, pct, p.failed, rate)
	}
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

func cmdScenarios(args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlags("scenarios", stderr), args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	for _, s := range scenarios.All() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Description)
	}
	return tw.Flush()
}

func cmdFaults(args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlags("faults", stderr), args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT KINDS")
	for _, e := range nemesis.Kinds() {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Description)
	}
	fmt.Fprintln(tw, "\nCRASH POINTS (crash-point point=NAME)")
	for _, e := range nemesis.CrashPoints() {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Description)
	}
	return tw.Flush()
}
