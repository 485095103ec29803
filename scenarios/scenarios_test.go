package scenarios

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
)

func short(s Scenario) Scenario {
	s.Duration = Duration(20 * time.Second)
	s.Quiesce = Duration(10 * time.Second)
	return s
}

// runnable lists every scenario, shortened so a test can run them all.
func runnable(t *testing.T) []Scenario {
	t.Helper()
	var out []Scenario
	for _, s := range All() {
		out = append(out, short(s))
	}
	return out
}

func TestCatalogIsValid(t *testing.T) {
	all := All()
	require.GreaterOrEqual(t, len(all), 15)
	seen := map[string]bool{}
	for _, s := range all {
		require.NoError(t, s.Validate(), s.Name)
		require.False(t, seen[s.Name], "duplicate %s", s.Name)
		seen[s.Name] = true
		require.NotEmpty(t, s.Description, s.Name)
	}
	for _, name := range []string{"default", "leader-isolation", "random-halves", "majorities-ring", "bridge", "one-way",
		"kill-restart", "rolling-restart", "crash-points", "sync-crash", "clock-chaos", "pauses", "flaky-links",
		"disk-faults", "observers", "session-expiry", "big-ensemble", "everything"} {
		require.True(t, seen[name], "missing scenario %s", name)
	}
	// Bugs name the scenarios `zksim bugs` hunts them in.
	for _, name := range bugs.Scenarios {
		require.True(t, seen[name], "protocol/bugs names scenario %s, which the catalog lacks", name)
	}
	_, err := Lookup("no-such")
	require.ErrorIs(t, err, ErrScenario)
}

func TestParseScenarioFile(t *testing.T) {
	s, err := Parse("x.json", []byte(`{"name":"mine","description":"d","voters":3,"clients":2,"duration":"10s"}`))
	require.NoError(t, err)
	require.Equal(t, 3, s.Voters)
	require.Equal(t, Duration(10*time.Second), s.Duration)
	require.Equal(t, Default().TickTime, s.TickTime, "unset fields keep the defaults")

	for _, bad := range []string{
		`{"name":"x","voters":0}`,
		`{"name":"x","duration":"-1s"}`,
		`{"name":"x","tornWrites":1.5}`,
		`{"name":"x","nemesis":"bogus=1"}`,
		`{"name":"x","unknownField":1}`,
		`{"name":"x","duration":"soon"}`,
		`not json`,
	} {
		_, err := Parse("bad.json", []byte(bad))
		require.Error(t, err, bad)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"name":"f","voters":1}`), 0o644))
	s, err = Load(path)
	require.NoError(t, err)
	require.Equal(t, "f", s.Name)
}

func TestSameSeedSameTrace(t *testing.T) {
	for _, s := range runnable(t) {
		s := short(s)
		a, err := Run(s, 3, RunOptions{})
		require.NoError(t, err)
		b, err := Run(s, 3, RunOptions{})
		require.NoError(t, err)
		require.Equal(t, a.TraceHash, b.TraceHash, s.Name)
		require.Equal(t, a.Ops, b.Ops)
		// quiet-epochs' one client starts a task every 8 s and is often crashed, so
		// that epochs pass without a write; every other scenario keeps its clients busy.
		if time.Duration(s.Workload.Interval) < time.Second {
			require.Greater(t, a.Ops, 100, "the workload ran")
		}
		c, err := Run(s, 4, RunOptions{})
		require.NoError(t, err)
		require.NotEqual(t, a.TraceHash, c.TraceHash, "different seeds differ")
	}
}

// TestTraceIndependentOfGOMAXPROCS runs the same seed in child processes with
// GOMAXPROCS 1 and 8 and compares their trace hashes.
func TestTraceIndependentOfGOMAXPROCS(t *testing.T) {
	if os.Getenv("ZKSIM_TRACE_CHILD") != "" {
		s := short(runnable(t)[0])
		res, err := Run(s, 5, RunOptions{})
		require.NoError(t, err)
		os.Stdout.WriteString("TRACE=" + res.TraceHash + "\n")
		return
	}
	if testing.Short() {
		t.Skip("spawns child test processes")
	}
	var hashes []string
	for _, procs := range []string{"1", "8"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestTraceIndependentOfGOMAXPROCS$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ZKSIM_TRACE_CHILD=1", "GOMAXPROCS="+procs)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		_, after, ok := strings.Cut(string(out), "TRACE=")
		require.True(t, ok, string(out))
		hashes = append(hashes, strings.Fields(after)[0])
	}
	require.Equal(t, hashes[0], hashes[1])
}

// TestHealAllDisarmsInOrder arms several crash points on several servers and checks
// two runs of the same heal trace the same disarm order.
func TestHealAllDisarmsInOrder(t *testing.T) {
	trace := func() string {
		s := short(Default())
		w, err := sim.New(s.worldOptions(1, true))
		require.NoError(t, err)
		c, err := cluster.New(w, cluster.Config{Servers: 3, Clients: 0})
		require.NoError(t, err)
		target := newSimTarget(w, c, s.diskOptions(), 1, false)
		for _, node := range []int{3, 1, 2} {
			for _, point := range []nemesis.CrashPoint{"snapshot-mid-write", "apply-before-reply", "commit-before-apply"} {
				require.NoError(t, target.ArmCrashPoint(node, point, 5))
			}
		}
		require.NoError(t, target.HealAll())
		return w.TraceText()
	}
	first := trace()
	require.Contains(t, first, "disarm")
	for range 5 {
		require.Equal(t, first, trace())
	}
}

// sync-halves seed 108 has a client create an ephemeral before it has a session (it
// goes out on the session the client gets next) and another client delete it. The
// linearizability model once held the end of that unknown session to a delete that
// had to find the node, and failed the correct protocol.
func TestEphemeralCreateBeforeSession(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole run")
	}
	s, err := Lookup("sync-halves")
	require.NoError(t, err)
	res, err := Run(s, 108, RunOptions{})
	require.NoError(t, err)
	sessionless := false
	for _, op := range res.History.Ops {
		if op.Session == 0 && op.Req.Ephemeral && op.Outcome == checker.OutcomeUnknown {
			sessionless = true
		}
	}
	require.True(t, sessionless, "the run no longer has an ephemeral create invoked without a session")
	require.True(t, res.Pass(), "%s", res.Explain())
}
