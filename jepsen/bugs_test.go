package jepsen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/scenarios"
)

// TestRealClusterFindsCommitWithoutQuorum switches BROKEN-leader-commit-without-quorum
// on in three real zkserver processes and cuts the leader off, three times so that
// some client surely talks to an isolated leader: the isolated
// leader acknowledges writes it committed alone, the other two elect a leader that
// never saw them, and the checkers must say so. Whatever the outcome, no server
// process may outlive the test.
func TestRealClusterFindsCommitWithoutQuorum(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes for about 20 seconds")
	}
	s, err := scenarios.Lookup("leader-isolation")
	if err != nil {
		t.Fatal(err)
	}
	set, err := bugs.New(bugs.BrokenCommitWithoutQuorum)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := nemesis.ParseSchedule(`
1s partition-isolate leader for=3s
6s partition-isolate leader for=3s
11s partition-isolate leader for=3s
15s heal-all
15s liveness
`)
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
	res, err := Run(ctx, Options{Scenario: s, Seed: 1, Nodes: 3, Clients: 9, Quiesce: 5 * time.Second,
		Schedule: sched, Binary: sharedServer(t), Dir: dir, Log: &log, Bugs: set})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	line := res.VerdictLine()
	if !strings.HasPrefix(line, "verdict: FAIL scenario=leader-isolation seed=1 ") {
		t.Fatalf("the bug went unnoticed: %s\n%s", line, log.String())
	}
	failed := map[checker.Property]bool{}
	for _, f := range res.Failures() {
		failed[f.Property] = true
		t.Logf("violation: %s", f.String())
	}
	if !failed["linearizable-writes"] {
		t.Errorf("linearizable-writes did not fail; failures: %v", res.Failures())
	}
}
