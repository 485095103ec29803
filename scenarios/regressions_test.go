package scenarios

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
)

// caughtBy names, per regression, checkers that must catch it. A write acknowledged
// to a client and then lost must show up both in the nodes' logs (ZAB invariants) and
// in what the clients saw (linearizability).
var caughtBy = map[string][]checker.Property{
	"leader-isolation--1--BROKEN-leader-commit-without-quorum": {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
	"leader-isolation--1--ZOOKEEPER-1154":                      {checker.PropZabCommitted},
	"rollover--1--ZOOKEEPER-1277":                              {checker.PropLivenessProgress},
	"everything--5--ZOOKEEPER-2832":                            {checker.PropZabCommitted},
	"everything--2--ZOOKEEPER-3911":                            {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
	"sync-window--7--ZOOKEEPER-4643":                           {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
	"leader-isolation--2--ZOOKEEPER-1156":                      {checker.PropZabCommitted, checker.PropSyncReads},
	// Without a fault: the first leader's currentEpoch passes its acceptedEpoch.
	"sync-crash--1--ZOOKEEPER-1291":       {checker.PropZabMonotonic},
	"sync-crash--9--ZOOKEEPER-2845":       {checker.PropZabCommitted, checker.PropZabDurable},
	"everything--1--ZOOKEEPER-1367":       {checker.PropZabConverged},
	"everything--9--ZOOKEEPER-4352":       {checker.PropZabDurable, checker.PropZabConverged, checker.PropSyncReads},
	"leader-isolation--1--ZOOKEEPER-4925": {checker.PropZabCommitted, checker.PropZabDurable, checker.PropSyncReads},
	"sync-window--119--ZOOKEEPER-4646":    {checker.PropZabCommitted, checker.PropZabLeaderHolds},
	"sync-window--110--ZOOKEEPER-3104":    {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
	// Under ZOOKEEPER-1282 this schedule leaves an ensemble that establishes no
	// leader after the heal.
	"sync-window--13--ZOOKEEPER-1282":         {checker.PropLivenessLeader},
	"sync-window--6--BROKEN-ack-before-fsync": {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
	"sync-halves--23--ZOOKEEPER-4685":         {checker.PropZabCommitted, checker.PropZabDurable, checker.PropLinearizable},
}

// livelocks names the regressions whose run with the bug must livelock: the ensemble
// keeps busy without settling until the world's event budget stops it. Under
// ZOOKEEPER-1419 two voters with the same last zxid, the higher id with the older
// currentEpoch, each prefer the other's vote, and the election never settles.
var livelocks = map[string]bool{
	"quiet-epochs--1--ZOOKEEPER-1419": true,
}

// TestShrunkBugSchedules replays every shrunk schedule in testdata/regressions
// (written by `zksim shrink --bug NAME`, named SCENARIO--SEED--BUG.schedule): with the
// bug switched on the run must still fail, caught by the checkers caughtBy names, and
// the correct protocol must pass it.
func TestShrunkBugSchedules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.schedule"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".schedule")
		t.Run(name, func(t *testing.T) {
			s, seed, set, sched := loadRegression(t, name)
			buggy, err := Run(s, seed, RunOptions{Schedule: sched, Bugs: set})
			require.NoError(t, err)
			require.False(t, buggy.Pass(), "%s no longer fails with the shrunk schedule", name)
			if livelocks[name] {
				require.True(t, buggy.Livelocked, "%s no longer livelocks:\n%s", name, buggy.Explain())
				// The world stopped part-way, so no node's state then counts as final:
				// the end-of-run checks stay quiet and the livelock is the verdict.
				for _, p := range []checker.Property{checker.PropZabConverged, checker.PropZabDurable} {
					require.Empty(t, failuresOf(buggy.Report, p), "%s judged a livelocked run's last state:\n%s", p, buggy.Explain())
				}
			}
			for _, p := range caughtBy[name] {
				require.NotEmpty(t, failuresOf(buggy.Report, p), "%s did not catch it:\n%s", p, buggy.Explain())
			}
			clean, err := Run(s, seed, RunOptions{Schedule: sched})
			require.NoError(t, err)
			require.True(t, clean.Pass(), "the correct protocol fails the shrunk schedule:\n%s", clean.Explain())
		})
	}
}

// TestBrokenProtocolIsCaught: each deliberately broken protocol option (a follower
// acknowledging before fsync, a leader committing without a quorum) has a shrunk
// whole-cluster schedule that TestShrunkBugSchedules replays, with the checkers that
// must catch it named in caughtBy.
func TestBrokenProtocolIsCaught(t *testing.T) {
	for _, name := range []string{bugs.BrokenAckBeforeFsync, bugs.BrokenCommitWithoutQuorum} {
		found := false
		for _, file := range slices.Sorted(maps.Keys(caughtBy)) {
			if !strings.HasSuffix(file, "--"+name) || len(caughtBy[file]) == 0 {
				continue
			}
			_, err := os.Stat(filepath.Join("testdata", "regressions", file+".schedule"))
			require.NoError(t, err)
			found = true
		}
		require.True(t, found, "no regression schedule with named checkers for %s", name)
	}
}

// failuresOf returns the report's failed results of property p.
func failuresOf(rep checker.Report, p checker.Property) []checker.Result {
	var out []checker.Result
	for _, f := range rep.Failures() {
		if f.Property == p {
			out = append(out, f)
		}
	}
	return out
}

// loadRegression reads testdata/regressions/NAME.schedule, NAME being
// SCENARIO--SEED--BUG: the scenario, the seed, the bug switched on and the schedule.
func loadRegression(t *testing.T, name string) (Scenario, uint64, bugs.Set, nemesis.Schedule) {
	t.Helper()
	parts := strings.Split(name, "--")
	require.Len(t, parts, 3, "file name is SCENARIO--SEED--BUG")
	s, err := Lookup(parts[0])
	require.NoError(t, err)
	seed, err := strconv.ParseUint(parts[1], 10, 64)
	require.NoError(t, err)
	set, err := bugs.New(parts[2])
	require.NoError(t, err)
	text, err := os.ReadFile(filepath.Join("testdata", "regressions", name+".schedule"))
	require.NoError(t, err)
	sched, err := nemesis.ParseSchedule(string(text))
	require.NoError(t, err)
	return s, seed, set, sched
}
