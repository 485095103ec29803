package jepsen

import (
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/protocol/bugs"
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
	res, log := runReal(t, "leader-isolation", `
1s partition-isolate leader for=3s
6s partition-isolate leader for=3s
11s partition-isolate leader for=3s
15s heal-all
15s liveness
`, Options{Seed: 1, Clients: 9, Quiesce: 5 * time.Second, Bugs: bugSet(t, bugs.BrokenCommitWithoutQuorum)})
	line := res.VerdictLine()
	if !strings.HasPrefix(line, "verdict: FAIL scenario=leader-isolation seed=1 ") {
		t.Fatalf("the bug went unnoticed: %s\n%s", line, log)
	}
	if !failedProperties(t, res)["linearizable-writes"] {
		t.Errorf("linearizable-writes did not fail; failures: %v", res.Failures())
	}
}

// TestRealClusterFindsDiffHole switches ZOOKEEPER-4925 on in three real zkserver
// processes and runs diff-hole.sched: node 2 is DIFF-synced with proposals that the bug
// leaves out of its in-memory log, then leads and DIFFs node 1 across that hole. Node 1
// must be caught committing past transactions it never received, and the servers'
// trees must differ. No server process may outlive the test.
func TestRealClusterFindsDiffHole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes for about 28 seconds")
	}
	res, log := runReal(t, "one-way", testSchedule(t, "diff-hole.sched"), Options{Seed: 1, Clients: 9, Bugs: bugSet(t, bugs.ZK4925)})
	failed := failedProperties(t, res)
	if !failed["zab-committed-prefix"] || !failed[PropConverged] {
		t.Errorf("the learner DIFFed across the hole went unnoticed: %s; failures: %v\n%s", res.VerdictLine(), res.Failures(), log)
	}
}
