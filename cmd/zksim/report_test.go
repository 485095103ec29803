package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/scenarios"
)

func TestRunReportWritesThePages(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "run", "--scenario", "standalone", "--seed", "2", "--report", dir)
	require.Contains(t, []int{exitPass, exitViolation}, code, out)
	require.Contains(t, out, "report: "+dir+"\n")
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	for _, want := range []string{`id="lane-server-1"`, `id="lane-client-0"`, `id="reproduce">zksim run --scenario standalone --seed 2<`} {
		require.Contains(t, string(page), want)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	verdict := map[int]string{exitPass: "PASS", exitViolation: "FAIL"}[code]
	require.True(t, strings.HasPrefix(string(md), "# zksim standalone seed 2: "+verdict+"\n"), string(md))
	require.Regexp(t, verdictLine, lastLine(out), "the verdict line stays last")

	// A second run of the same seed writes the same report.
	again := t.TempDir()
	_, _, _ = runCLI(t, "run", "--scenario", "standalone", "--seed", "2", "--report", again)
	page2, err := os.ReadFile(filepath.Join(again, "report.html"))
	require.NoError(t, err)
	require.Equal(t, string(page), string(page2))
}

func TestRunFromAFileReproducesFromTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"name":"mine","voters":1,"clients":1,"duration":"2s","quiesce":"5s","nemesis":""}`), 0o644))
	code, out, _ := runCLI(t, "run", "--scenario-file", file, "--seed", "3", "--report", dir)
	require.Contains(t, []int{exitPass, exitViolation}, code, out)
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "Reproduce: `zksim run --scenario-file "+file+" --seed 3`")
}

func TestSweepReportTalliesTheSeeds(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "sweep", "--scenario", "standalone", "--seeds", "1..2", "--parallel", "2", "--report", dir)
	require.Contains(t, []int{exitPass, exitViolation}, code)
	require.Contains(t, out, "report: "+dir+"\n")
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "| standalone | 2 |")
	require.FileExists(t, filepath.Join(dir, "index.html"))
}

func TestSweepReportLinksEachFailure(t *testing.T) {
	dir := t.TempDir()
	results := []sweepOutcome{
		{scenario: "standalone", seed: 1, pass: true, ops: 3, sim: time.Second},
		{scenario: "standalone", seed: 2, explain: "read-state: FAIL: x\nmore", report: "standalone-seed-2", ops: 4, sim: time.Second},
		{}, // not run
	}
	require.NoError(t, writeSweepReport(dir, results, time.Second))
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "| standalone | 2 | 1 | 1 |")
	require.Contains(t, string(md), "FAIL standalone seed 2: read-state: FAIL: x")
	require.Contains(t, string(md), "`zksim run --scenario standalone --seed 2`")
	require.Contains(t, string(md), "(standalone-seed-2/report.html)")
}

func TestWriteRunFilesNeedsTheTrace(t *testing.T) {
	s, err := scenarios.Lookup("standalone")
	require.NoError(t, err)
	err = writeRunFiles(t.TempDir(), s, scenarios.Result{Scenario: s.Name}, "zksim run")
	require.ErrorIs(t, err, scenarios.ErrNoTrace)
}
