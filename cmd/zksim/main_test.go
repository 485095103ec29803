package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := exitCode(run(context.Background(), args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

var verdictLine = regexp.MustCompile(`^verdict: (PASS|FAIL) scenario=\S+ seed=\d+ ops=\d+ faults=\d+ simulated=\S+ wall=\S+ speedup=[0-9.]+x trace=[0-9a-f]{64}$`)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestRunPrintsTheVerdictLineLast(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--scenario", "standalone", "--seed", "1")
	require.Equal(t, exitPass, code, out)
	require.Regexp(t, verdictLine, lastLine(out))

	// The same seed gives the same trace.
	_, again, _ := runCLI(t, "run", "--scenario", "standalone", "--seed", "1")
	trace := regexp.MustCompile(`trace=\S+`)
	require.Equal(t, trace.FindString(out), trace.FindString(again))
}

func TestRunReplaysASchedule(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "run", "--scenario", "standalone", "--seed", "2", "--report", dir)
	require.Equal(t, exitPass, code, out)
	sched := filepath.Join(dir, "schedule.txt")
	require.FileExists(t, sched)
	require.FileExists(t, filepath.Join(dir, "trace.txt"))
	code, again, _ := runCLI(t, "run", "--scenario", "standalone", "--seed", "2", "--schedule", sched)
	require.Equal(t, exitPass, code, again)
	trace := regexp.MustCompile(`trace=\S+`)
	require.Equal(t, trace.FindString(out), trace.FindString(again), "a replayed schedule reproduces the run")
}

func TestUsageErrorsExitTwo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.schedule")
	require.NoError(t, os.WriteFile(bad, []byte("at=1s bogus-fault\n"), 0o644))
	for _, args := range [][]string{
		{"frobnicate"},
		{"run", "--scenario", "no-such-scenario"},
		{"run", "--seed", "minus-one"},
		{"run", "--schedule", "/no/such/file"},
		{"run", "--scenario", "standalone", "--schedule", bad},
		{"run", "--scenario-file", "/no/such/file.json"},
		{"sweep", "--scenario", "standalone"},
		{"sweep", "--scenario", "standalone", "--seeds", "5..1"},
		{"sweep", "--scenario", "standalone", "--seeds", "1..2", "--shard", "2/2"},
		{"sweep", "--scenario", "standalone", "--seeds", "1..2", "--parallel", "0"},
		{"shrink", "--scenario", "standalone"},
		{"shrink", "--scenario", "standalone", "--seed", "1", "--parallel", "0"},
		{"bench", "--seeds", "0"},
		{"scenarios", "extra"},
	} {
		code, _, errOut := runCLI(t, args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.NotEmpty(t, errOut, "%v gives a message", args)
	}
}

func TestListings(t *testing.T) {
	code, out, _ := runCLI(t, "scenarios")
	require.Equal(t, exitPass, code)
	for _, name := range []string{"default", "standalone", "leader-isolation", "big-ensemble", "everything"} {
		require.Contains(t, out, name)
	}
	code, out, _ = runCLI(t, "faults")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, "partition-halves")
	require.Contains(t, out, "CRASH POINTS")
	require.GreaterOrEqual(t, strings.Count(out, "\n"), 40)
}

func TestSweepSummarises(t *testing.T) {
	code, out, _ := runCLI(t, "sweep", "--scenario", "standalone", "--seeds", "1..2", "--parallel", "2")
	require.Contains(t, out, "standalone  2")
	require.Contains(t, []int{exitPass, exitViolation}, code)
}

func TestSeedRangesAndShards(t *testing.T) {
	r, err := parseSeeds("3..7")
	require.NoError(t, err)
	sh, err := parseShard("1/2")
	require.NoError(t, err)
	require.Equal(t, []uint64{4, 6}, r.seeds(sh))
	all, _ := parseShard("")
	require.Equal(t, []uint64{3, 4, 5, 6, 7}, r.seeds(all))
	one, err := parseSeeds("9")
	require.NoError(t, err)
	require.Equal(t, []uint64{9}, one.seeds(all))
	for _, bad := range []string{"a..b", "1..", "..2", "-1..3"} {
		_, err := parseSeeds(bad)
		require.Error(t, err, bad)
	}
	for _, bad := range []string{"1", "a/b", "3/2", "0/0"} {
		_, err := parseShard(bad)
		require.Error(t, err, bad)
	}
}

func TestBugsListsAndHunts(t *testing.T) {
	code, out, _ := runCLI(t, "bugs", "--list")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, "ZOOKEEPER-3911")
	require.GreaterOrEqual(t, strings.Count(out, "\n"), 18)

	code, _, errOut := runCLI(t, "bugs", "--bug", "ZOOKEEPER-0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "unknown bug")
	code, _, _ = runCLI(t, "run", "--bug", "NOT-A-BUG")
	require.Equal(t, exitUsage, code)

	if testing.Short() {
		t.Skip("hunts a bug through full scenario runs")
	}
	dir := t.TempDir()
	code, out, _ = runCLI(t, "bugs", "--bug", "BROKEN-leader-commit-without-quorum", "--seeds", "3", "--parallel", "2", "--report", dir)
	require.Equal(t, exitPass, code, out)
	require.Contains(t, out, "found 1 of 1 catalogued bugs")
	require.Contains(t, out, "--bug BROKEN-leader-commit-without-quorum")
	require.Contains(t, out, "report: "+filepath.Join(dir, "index.html")+"\n")
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.Contains(t, string(page), `<a href="BROKEN-leader-commit-without-quorum/report.html#v0">`)
	table, err := os.ReadFile(filepath.Join(dir, "bugs.md"))
	require.NoError(t, err)
	require.Contains(t, string(table), "found 1 of 1 catalogued bugs, budget 3 seeds")
	run, err := os.ReadFile(filepath.Join(dir, "BROKEN-leader-commit-without-quorum", "report.md"))
	require.NoError(t, err)
	require.Contains(t, string(run), "**FAIL**", "the found seed's run report shows the violation")
	require.Contains(t, string(run), "--bug BROKEN-leader-commit-without-quorum`")
	runPage, err := os.ReadFile(filepath.Join(dir, "BROKEN-leader-commit-without-quorum", "report.html"))
	require.NoError(t, err)
	for _, id := range []string{"lane-network", "lane-server-1", "lane-server-5", "lane-client-0", "violation-v0"} {
		require.Contains(t, string(runPage), `id="`+id+`"`)
	}
}
