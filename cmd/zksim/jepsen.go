package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zksim/zksim/jepsen"
	"github.com/zksim/zksim/nemesis"
)

// cmdJepsen runs a scenario against a real ensemble of zkserver processes on loopback.
func cmdJepsen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// SIGTERM, like the interrupt main already catches, cancels the run so that Run
	// stops every server and relay; the servers also die with zksim (Pdeathsig).
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	fs := newFlags("jepsen", stderr)
	name := fs.String("scenario", "kill-restart", "scenario name (see `zksim scenarios`)")
	file := fs.String("scenario-file", "", "load the scenario from this JSON file instead")
	nodes := fs.Int("nodes", 3, "voting zkserver processes (1..9)")
	clients := fs.Int("clients", 5, "client sessions; 0 means the scenario's")
	duration := fs.Duration("duration", 20*time.Second, "safety phase with faults; 0 means the scenario's")
	quiesce := fs.Duration("quiesce", 10*time.Second, "recovery phase after the final heal; 0 means the scenario's")
	seed := fs.Uint64("seed", 1, "seed that fixes the fault schedule and the workload")
	scheduleFile := fs.String("schedule", "", "apply this fault schedule instead of generating one")
	reportDir := fs.String("report", "", "write schedule, history, verdict and server logs to this directory")
	bug := bugFlag(fs)
	binary := fs.String("zkserver", "", "use this zkserver binary instead of building cmd/zkserver")
	var serverArgs stringList
	fs.Var(&serverArgs, "zkserver-arg", "pass this argument to every zkserver before start-foreground (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	s, err := resolveScenario(*name, *file)
	if err != nil {
		return err
	}
	bugSet, err := parseBug(*bug)
	if err != nil {
		return err
	}
	if *nodes < 1 || *nodes > 9 {
		return usagef("--nodes %d: want 1..9", *nodes)
	}
	opts := jepsen.Options{Scenario: s, Seed: *seed, Nodes: *nodes, Clients: *clients, Duration: *duration,
		Quiesce: *quiesce, Log: stdout, ServerArgs: serverArgs, Bugs: bugSet}
	if *scheduleFile != "" {
		text, err := os.ReadFile(*scheduleFile)
		if err != nil {
			return usagef("%v", err)
		}
		if opts.Schedule, err = nemesis.ParseSchedule(string(text)); err != nil {
			return usagef("%s: %v", *scheduleFile, err)
		}
	}
	work, err := os.MkdirTemp("", "zksim-jepsen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	opts.Binary = *binary
	if opts.Binary == "" {
		root, err := moduleRoot(ctx)
		if err != nil {
			return usagef("cannot find the zksim module to build cmd/zkserver (use --zkserver): %v", err)
		}
		if opts.Binary, err = jepsen.BuildServer(ctx, root, work); err != nil {
			return err
		}
	}
	opts.Dir = filepath.Join(work, "cluster")
	fmt.Fprintf(stdout, "jepsen scenario=%s seed=%d nodes=%d clients=%d duration=%s quiesce=%s nemesis=%q (loopback)\n",
		s.Name, *seed, *nodes, *clients, *duration, *quiesce, s.Nemesis)
	fmt.Fprintln(stdout, "note: a real run is not bit-reproducible; the seed fixes the schedule and the workload")
	if !bugSet.Empty() {
		fmt.Fprintf(stdout, "bug: %s switched on in every zkserver (--test-only-bugs)\n", bugSet)
	}
	res, err := jepsen.Run(ctx, opts)
	if err != nil {
		if errors.Is(err, jepsen.ErrConfig) {
			return usagef("%v", err)
		}
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "fault note: %s\n", n)
	}
	if *reportDir != "" {
		if err := res.WriteDir(*reportDir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", *reportDir)
	}
	for _, f := range res.Failures() {
		fmt.Fprintf(stdout, "violation: %s\n", f.String())
	}
	fmt.Fprintln(stdout, res.VerdictLine())
	if !res.Pass() {
		return errViolation
	}
	return nil
}

// moduleRoot is the directory of the main module, found by the go command.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
