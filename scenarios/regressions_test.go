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

// TestBrokenProtocolIsCaught switches on the two deliberately broken protocol options
// and checks that the checkers that should catch them do.
func TestBrokenProtocolIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("full-length scenario runs")
	}
	for _, tc := range []struct {
		bug, scenario string
		seed          uint64
		property      string
	}{
		{"BROKEN-leader-commit-without-quorum", "leader-isolation", 1, "zab-committed-prefix"},
		{"BROKEN-ack-before-fsync", "everything", 12, "zab-committed-prefix"},
	} {
		t.Run(tc.bug, func(t *testing.T) {
			s, err := Lookup(tc.scenario)
			require.NoError(t, err)
			set, err := bugs.New(tc.bug)
			require.NoError(t, err)
			res, err := Run(s, tc.seed, RunOptions{Bugs: set})
			require.NoError(t, err)
			var props []string
			for _, f := range res.Report.Failures() {
				props = append(props, string(f.Property))
			}
			require.Contains(t, props, tc.property)
		})
	}
}
