package jepsen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/scenarios"
)

// runReal runs sched against three real servers with the settings of scenario (a
// name, or a file under testdata) and opts, and requires that no server process
// bugSet switches on one catalogued bug.
func bugSet(t *testing.T, name string) bugs.Set {
	t.Helper()
	set, err := bugs.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// testSchedule reads a schedule file from testdata.
func testSchedule(t *testing.T, name string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// failedProperties logs every violation of a run and returns the properties that failed.
func failedProperties(t *testing.T, res *Result) map[checker.Property]bool {
	t.Helper()
	failed := map[checker.Property]bool{}
	for _, f := range res.Failures() {
		failed[f.Property] = true
		t.Logf("violation: %s", f.String())
	}
	return failed
}

// outlives the test, whatever its outcome.
func runReal(t *testing.T, scenario, sched string, opts Options) (*Result, string) {
	t.Helper()
	var s scenarios.Scenario
	var err error
	if strings.HasSuffix(scenario, ".json") {
		s, err = scenarios.Load(filepath.Join("testdata", scenario))
	} else {
		s, err = scenarios.Lookup(scenario)
	}
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := nemesis.ParseSchedule(sched)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Cleanup(func() {
		// Run stops everything it started, even when it fails; t.Cleanup runs after a
		// t.Fatal too.
		if left := processesIn(t, dir); len(left) > 0 {
			t.Errorf("server processes left behind: %v", left)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	opts.Scenario, opts.Schedule, opts.Binary, opts.Dir, opts.Log = s, parsed, sharedServer(t), dir, &log
	opts.Nodes = 3
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	return res, log.String()
}

// TestRealCrashPointKillsAndRestarts arms a crash point on one real server: it must
// die exactly there (exit 137, reported as such, not as a refused start), come back
// at the restart like after kill -9, and the correct ensemble must pass.
func TestRealCrashPointKillsAndRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes for about 15 seconds")
	}
	res, log := runReal(t, "kill-restart", `
1s crash-point 2 point=apply-before-reply nth=10 for=4s
1s crash-point 3 point=snap-mid-transfer for=4s
8s heal-all
8s liveness
`, Options{Seed: 3, Clients: 4, Quiesce: 5 * time.Second})
	want := "node 2 crashed at an armed crash point (apply-before-reply)"
	if !slices.Contains(res.Notes, want) {
		t.Errorf("notes %q lack %q\n%s", res.Notes, want, log)
	}
	if !slices.Contains(res.Notes, "crash point snap-mid-transfer is not one zkserver reaches: armed for nothing") {
		t.Errorf("an unhooked point went unreported: %q", res.Notes)
	}
	restarted := false
	for _, a := range res.Applied {
		if a.Fault.Kind == nemesis.Restart && slices.Equal(a.Nodes, []int{2}) && a.Skipped == "" {
			restarted = true
		}
	}
	if !restarted {
		t.Errorf("node 2 was not restarted after its crash point:\n%s", log)
	}
	for _, f := range res.Failures() {
		t.Errorf("violation: %s", f.String())
	}
}

// TestRealClusterFindsSnapDueAfterCrashPoint switches ZOOKEEPER-4352 on in three real
// servers and runs testdata/snap-due.sched: a follower dies at a crash point and
// comes back older than the restarted leader's committed log, so a SNAP is due and the
// bug answers with a DIFF. The follower then misses transactions: the servers diverge
// and its clients read a past state.
func TestRealClusterFindsSnapDueAfterCrashPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes for about 25 seconds")
	}
	res, log := runReal(t, "sync-points.json", testSchedule(t, "snap-due.sched"), Options{Seed: 1, Clients: 9,
		Duration: 14 * time.Second, Quiesce: 8 * time.Second, Bugs: bugSet(t, bugs.ZK4352)})
	if !slices.Contains(res.Notes, "node 1 crashed at an armed crash point (follower-append-before-fsync)") {
		t.Fatalf("the crash point did not fire: %q\n%s", res.Notes, log)
	}
	if !failedProperties(t, res)[PropConverged] {
		t.Errorf("the diverged follower went unnoticed; failures: %v\n%s", res.Failures(), log)
	}
}
