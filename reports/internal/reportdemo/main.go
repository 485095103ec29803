// Command reportdemo writes the report of a failing run into a directory: a real
// simulated run with one read corrupted (see package corrupt), for `make report-check`
// and the README's picture.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zksim/zksim/reports"
	"github.com/zksim/zksim/reports/internal/corrupt"
	"github.com/zksim/zksim/scenarios"
)

func main() {
	out := flag.String("out", "report-demo", "directory to write the report into")
	name := flag.String("scenario", "standalone", "scenario to run")
	seed := flag.Uint64("seed", 1, "seed")
	from := flag.Duration("from", 30*time.Second, "corrupt the first successful read from this simulated time on")
	flag.Parse()
	if err := run(*out, *name, *seed, *from); err != nil {
		fmt.Fprintln(os.Stderr, "reportdemo:", err)
		os.Exit(1)
	}
}

func run(dir, name string, seed uint64, from time.Duration) error {
	s, err := scenarios.Lookup(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	res, op, err := corrupt.Run(s, seed, from, filepath.Join(dir, "linearizability.html"))
	if err != nil {
		return err
	}
	reproduce := fmt.Sprintf("zksim run --scenario %s --seed %d", name, seed)
	if err := reports.WriteRun(dir, reports.Run{Scenario: s, Result: res, Reproduce: reproduce}); err != nil {
		return err
	}
	fmt.Printf("wrote %s (op %d corrupted; pass=%v)\n", filepath.Join(dir, reports.HTMLFile), op, res.Pass())
	return nil
}
