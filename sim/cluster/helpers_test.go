package cluster_test

import (
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
)

// requireChecks runs every checker over a cluster's history and node logs and fails
// the test on any result but a pass.
func requireChecks(t testing.TB, c *cluster.Cluster, h *checker.History) {
	t.Helper()
	rep, err := checker.Check(h, c.NodeLogs(), checker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("seed %d: %s", c.World().Seed(), rep)
	}
}

// others lists every node of the cluster but n.
func others(c *cluster.Cluster, n sim.NodeID) []sim.NodeID {
	var out []sim.NodeID
	for _, id := range append(c.Servers(), c.Clients()...) {
		if id != n {
			out = append(out, id)
		}
	}
	return out
}

// benchSimulated runs build's cluster for ten simulated seconds per iteration and
// reports simulated operations per wall second and the simulated/wall speedup.
func benchSimulated(b *testing.B, build func(seed uint64) (*sim.World, *cluster.Cluster)) {
	const simulated = 10 * time.Second
	var ops int
	start := time.Now()
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		w, c := build(seed)
		w.RunFor(simulated)
		ops += len(c.History().Ops)
	}
	wall := time.Since(start).Seconds()
	b.ReportMetric(float64(ops)/wall, "simops/s")
	b.ReportMetric(float64(ops)/float64(b.N)/simulated.Seconds(), "simops/sim-s")
	b.ReportMetric(float64(b.N)*simulated.Seconds()/wall, "sim-s/wall-s")
}
