package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/sim/cputime"
)

// BenchmarkDefaultScenario runs the default scenario end to end, checks included, and
// reports simulated time per wall second and, where the platform says, per CPU second
// of the whole process (garbage collection included): on a shared machine the wall
// figure mostly measures the other tenants.
func BenchmarkDefaultScenario(b *testing.B) {
	s := Default()
	var simulated, wall time.Duration
	ops := 0
	seed := uint64(0)
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		seed++
		res, err := Run(s, seed, RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		simulated += res.Simulated
		wall += res.Wall
		ops += res.Ops
	}
	cpu := cputime.Now() - cpu0
	b.ReportMetric(simulated.Seconds()/wall.Seconds(), "speedup")
	b.ReportMetric(float64(ops)/wall.Seconds(), "ops/s")
	if cputime.Supported && cpu > 0 {
		b.ReportMetric(simulated.Seconds()/cpu.Seconds(), "speedup/cpu")
		b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkDefaultChecks runs only the checkers, over what seed 1 of the default
// scenario recorded.
func BenchmarkDefaultChecks(b *testing.B) {
	res, err := Run(Default(), 1, RunOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		hist := res.History
		rep, err := checker.Check(&hist, res.NodeLogs, res.checks)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("seed 1 of the default scenario fails its checks:\n%s", res.Explain())
		}
	}
	if cpu := cputime.Now() - cpu0; cputime.Supported && cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	}
}

// The default scenario is the one `zksim bench` measures against the speed goal, so it
// must keep the shape the goal names: 5 voters and an observer, 10 clients, at least
// 2,000 client operations over at least 120 simulated seconds, every fault kind drawn.
func TestDefaultScenarioKeepsTheBenchmarkShape(t *testing.T) {
	if testing.Short() {
		t.Skip("whole default runs")
	}
	s := Default()
	require.Equal(t, [3]int{5, 1, 10}, [3]int{s.Voters, s.Observers, s.Clients})
	mix, err := s.Mix()
	require.NoError(t, err)
	for k := range nemesis.DefaultMix().Weights { // every kind a schedule can draw
		require.Positive(t, mix.Weights[k], "fault kind %s", k)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		res, err := Run(s, seed, RunOptions{})
		require.NoError(t, err)
		require.GreaterOrEqual(t, res.Ops, 2000, "seed %d", seed)
		require.GreaterOrEqual(t, res.Simulated, 120*time.Second, "seed %d", seed)
	}
}
