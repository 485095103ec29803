// Command zksim runs seeded chaos scenarios against a simulated ZooKeeper ensemble,
// checks every recorded history, and says exactly how to reproduce any failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit codes: 0 every property held, 1 a violation, 2 usage or configuration error.
const (
	exitPass      = 0
	exitViolation = 1
	exitUsage     = 2
)

// usageError marks errors that are the user's to fix (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errViolation is returned when a run or sweep found a violation (exit 1); the
// details were already printed.
var errViolation = errors.New("violation found")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitPass
	case errors.Is(err, errViolation):
		return exitViolation
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "zksim:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "zksim:", err)
		return exitUsage
	}
}

const topUsage = `zksim: deterministic simulation and chaos testing of a ZooKeeper-compatible ensemble

Usage:
  zksim run       [--scenario NAME] [--scenario-file FILE] [--seed N] [--schedule FILE] [--report DIR] [--bug NAME] [-v]
  zksim sweep     --scenario NAME|all --seeds A..B [--parallel P] [--shard i/n] [--report DIR] [--bug NAME]
  zksim shrink    --scenario NAME --seed N [--out FILE] [--bug NAME]
  zksim bugs      [--seeds N] [--parallel P] [--bug NAME] [--list]: rediscover every catalogued bug
  zksim scenarios list the named scenarios
  zksim faults    list the fault kinds and named crash points
  zksim bench     measure simulator speed
  zksim jepsen    [--scenario NAME] [--nodes N] [--duration D] [--seed N] [--report DIR]: real zkserver processes

Run 'zksim COMMAND -h' for a command's flags. Exit status: 0 pass, 1 violation, 2 usage error.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cmdRun(ctx, nil, stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "sweep":
		return cmdSweep(ctx, rest, stdout, stderr)
	case "shrink":
		return cmdShrink(ctx, rest, stdout, stderr)
	case "scenarios":
		return cmdScenarios(rest, stdout, stderr)
	case "faults":
		return cmdFaults(rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "bugs":
		return cmdBugs(ctx, rest, stdout, stderr)
	case "jepsen":
		return cmdJepsen(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return nil
	}
	fmt.Fprint(stderr, topUsage)
	return usagef("unknown command %q", cmd)
}
