package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/zksim/zksim/reports"
	"github.com/zksim/zksim/scenarios"
)

// writeRunFiles keeps what a person needs to look at a run again: its report (HTML
// and Markdown), schedule, trace and verdict.
func writeRunFiles(dir string, s scenarios.Scenario, res scenarios.Result, reproduceCmd string) error {
	files := []struct{ name, text string }{
		{"schedule.txt", res.Schedule.String()},
		{"trace.txt", res.Trace},
		{"verdict.txt", res.Explain() + res.Summary() + "\n"},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.text), 0o644); err != nil {
			return err
		}
	}
	return reports.WriteRun(dir, reports.Run{Scenario: s, Result: res, Reproduce: reproduceCmd})
}

// writeSweepReport writes the sweep's summary pages; each failing seed's run report
// was written under dir as it finished.
func writeSweepReport(dir string, results []sweepOutcome, wall time.Duration) error {
	var sw reports.Sweep
	sw.Wall = wall
	for _, r := range results {
		if r.scenario == "" {
			continue // not run: interrupted
		}
		sd := reports.Seed{Scenario: r.scenario, Seed: r.seed, Pass: r.pass, Ops: r.ops, Simulated: r.sim,
			Events: r.events, Wall: r.wall, Report: r.report, Reproduce: reproduce(r.scenario, r.seed, "", r.bug)}
		if r.err != nil {
			sd.Error = r.err.Error()
		} else if !r.pass {
			sd.Verdict = firstLine(r.explain)
		}
		sw.Seeds = append(sw.Seeds, sd)
	}
	return reports.WriteSweep(dir, sw)
}
