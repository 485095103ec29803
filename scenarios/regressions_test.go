package scenarios

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
)

// TestShrunkBugSchedules replays every shrunk schedule in testdata/regressions
// (written by `zksim shrink --bug NAME`, named SCENARIO--SEED--BUG.schedule): with the
// bug switched on the run must still fail, and the correct protocol must pass it.
func TestShrunkBugSchedules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.schedule"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".schedule")
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(name, "--")
			require.Len(t, parts, 3, "file name is SCENARIO--SEED--BUG")
			s, err := Lookup(parts[0])
			require.NoError(t, err)
			seed, err := strconv.ParseUint(parts[1], 10, 64)
			require.NoError(t, err)
			set, err := bugs.New(parts[2])
			require.NoError(t, err)
			text, err := os.ReadFile(file)
			require.NoError(t, err)
			sched, err := nemesis.ParseSchedule(string(text))
			require.NoError(t, err)

			buggy, err := Run(s, seed, RunOptions{Schedule: sched, Bugs: set})
			require.NoError(t, err)
			require.False(t, buggy.Pass(), "%s no longer fails with the shrunk schedule", parts[2])
			clean, err := Run(s, seed, RunOptions{Schedule: sched})
			require.NoError(t, err)
			require.True(t, clean.Pass(), "the correct protocol fails the shrunk schedule:\n%s", clean.Explain())
		})
	}
}

// TestBrokenProtocolIsCaught switches on a deliberately broken protocol option and
// hunts seeds of its scenarios, as `zksim bugs` does, until a ZAB or linearizability
// checker catches it on a seed the correct protocol passes. (BROKEN-ack-before-fsync
// needs a crash in a narrow window; protocol's crash-point tests and zab's world catch
// it, and `zksim bugs` hunts it with a larger budget.)
func TestBrokenProtocolIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("full-length scenario runs")
	}
	const budget = 10
	for _, name := range []string{"BROKEN-leader-commit-without-quorum"} {
		t.Run(name, func(t *testing.T) {
			bug, ok := bugs.Lookup(name)
			require.True(t, ok)
			set, err := bugs.New(name)
			require.NoError(t, err)
			for seed := uint64(1); seed <= budget; seed++ {
				for _, scn := range bug.Scenarios {
					s, err := Lookup(scn)
					require.NoError(t, err)
					res, err := Run(s, seed, RunOptions{Bugs: set})
					require.NoError(t, err)
					caught := false
					for _, f := range res.Report.Failures() {
						p := string(f.Property)
						caught = caught || strings.HasPrefix(p, "zab-") || strings.HasPrefix(p, "linearizable")
					}
					if !caught {
						continue
					}
					clean, err := Run(s, seed, RunOptions{})
					require.NoError(t, err)
					if clean.Pass() {
						t.Logf("%s caught by %s seed %d", name, scn, seed)
						return
					}
				}
			}
			t.Fatalf("%s not caught within %d seeds of %v", name, budget, bug.Scenarios)
		})
	}
}
