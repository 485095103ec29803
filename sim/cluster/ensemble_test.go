package cluster_test

import (
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// ensemble is three voters, one observer and five clients running the register and
// churn workloads.
func ensemble(t testing.TB, seed uint64) (*sim.World, *cluster.Cluster) {
	w, err := sim.New(worldOptions(seed))
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	known := zkclient.NewKnownPaths()
	c, err := cluster.New(w, cluster.Config{Servers: 3, Observers: 1, Clients: 5,
		Peer:           protocol.Config{TickTime: 500, InitLimit: 10, SyncLimit: 5, SnapCount: 300},
		SessionTimeout: sessionTimeout,
		Workload: func(int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 20 * time.Millisecond, Concurrency: 2, Tasks: []zkclient.Weighted{
				{Weight: 3, Task: &zkclient.Register{Keys: 3}},
				{Weight: 2, Task: &zkclient.Churn{Known: known}},
			}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return w, c
}

func TestEnsembleElectsAndServes(t *testing.T) {
	w, c := ensemble(t, 21)
	if !w.RunUntil(func() bool { _, ok := c.Leader(); return ok }, 20*time.Second) {
		for _, id := range c.Servers() {
			t.Logf("%+v", c.Status(id))
		}
		t.Fatal("no leader within 20s")
	}
	w.RunFor(10 * time.Second)
	leader, _ := c.Leader()
	modes := map[string]int{}
	for _, id := range c.Servers() {
		modes[c.Status(id).Mode]++
	}
	c.StopClients()
	w.RunFor(2 * sessionTimeout)
	h := c.History()
	t.Logf("leader %d, modes %v, %d ops", leader, modes, len(h.Ops))
	if modes["leader"] != 1 || modes["follower"] != 2 || modes["observer"] != 1 {
		t.Fatalf("modes %v", modes)
	}
	if len(h.Ops) < 500 {
		t.Fatalf("only %d ops", len(h.Ops))
	}
	rep, err := checker.Check(&h, c.NodeLogs(), checker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatal(rep.String())
	}
}
