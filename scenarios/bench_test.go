package scenarios

import (
	"testing"
	"time"

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
