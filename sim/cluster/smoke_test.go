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

func TestAllWorkloadsWithoutFaults(t *testing.T) {
	w, err := sim.New(sim.Options{Seed: 1, Network: sim.NetworkOptions{Link: sim.LinkOptions{Latency: sim.Latency{Min: time.Millisecond, Mean: time.Millisecond}}},
		Disk: sim.DiskOptions{SyncLatency: sim.Latency{Min: 2 * time.Millisecond, Mean: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	known := zkclient.NewKnownPaths()
	c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: 5, Peer: protocol.Config{TickTime: 500}, SessionTimeout: 4 * time.Second,
		Workload: func(i int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 20 * time.Millisecond, Concurrency: 2, Tasks: []zkclient.Weighted{
				{Weight: 3, Task: &zkclient.Register{Keys: 3}}, {Weight: 2, Task: &zkclient.Churn{Known: known}},
				{Weight: 1, Task: &zkclient.Lock{}}, {Weight: 1, Task: &zkclient.ConfigWatch{WritePercent: 20}},
				{Weight: 1, Task: &zkclient.Multi{}}}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.RunFor(10 * time.Second)
	h := c.History()
	t.Logf("ops=%d watches=%d sessions=%d events=%d status=%+v", len(h.Ops), len(h.WatchEvents), len(h.SessionEvents), w.Events(), c.Status(1))
	outcomes := map[checker.Outcome]int{}
	for _, op := range h.Ops {
		outcomes[op.Outcome]++
	}
	t.Logf("outcomes %v locks %d", outcomes, len(c.Recorder().Locks()))
	requireChecks(t, c, &h)
	if v := zkclient.CheckLocks(c.Recorder().Locks()); len(v) > 0 {
		t.Fatal(v)
	}
}
