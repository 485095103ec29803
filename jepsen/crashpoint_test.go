package jepsen

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

// runReal runs sched against three real servers with scenario's settings and opts,
// and requires that no server process outlives the test, whatever its outcome.
func runReal(t *testing.T, scenario, sched string, opts Options) (*Result, string) {
	t.Helper()
	s, err := scenarios.Lookup(scenario)
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
