package scenarios

import (
	"testing"
	"time"
)

// BenchmarkDefaultScenario runs the default scenario end to end, checks included, and
// reports simulated time per wall second.
func BenchmarkDefaultScenario(b *testing.B) {
	s := Default()
	var simulated, wall time.Duration
	ops := 0
	seed := uint64(0)
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
	b.ReportMetric(simulated.Seconds()/wall.Seconds(), "speedup")
	b.ReportMetric(float64(ops)/wall.Seconds(), "ops/s")
}
