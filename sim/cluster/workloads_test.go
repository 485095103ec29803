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

// mixedCluster runs every workload on n clients.
func mixedCluster(t testing.TB, seed uint64, n int, opts sim.Options) (*sim.World, *cluster.Cluster) {
	opts.Seed = seed
	w, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	known := zkclient.NewKnownPaths()
	c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: n, Peer: protocol.Config{TickTime: 500, SnapCount: 1000}, SessionTimeout: sessionTimeout,
		Workload: func(i int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 20 * time.Millisecond, Concurrency: 2, Tasks: []zkclient.Weighted{
				{Weight: 40, Task: &zkclient.Register{Keys: 3}},
				{Weight: 20, Task: &zkclient.Churn{Known: known}},
				{Weight: 15, Task: &zkclient.Lock{}},
				{Weight: 15, Task: &zkclient.ConfigWatch{WritePercent: 10}},
				{Weight: 10, Task: &zkclient.Multi{}},
				// A session churn closes the session for half a second: keep it rare.
				{Weight: 1, Task: &zkclient.SessionChurn{}},
			}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return w, c
}

func TestAllWorkloadsUnderClientFaults(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		w, c := mixedCluster(t, seed, 5, worldOptions(0))
		clients := c.Clients()
		nemesis := w.Rand(sim.StreamNemesis)
		// Every two seconds: isolate a random client for 0.5-6s, or reset its connections.
		for at := 2 * time.Second; at < 30*time.Second; at += 2 * time.Second {
			w.At(sim.Time(at), func() {
				id := clients[nemesis.IntN(len(clients))]
				if nemesis.IntN(2) == 0 {
					_ = w.Net().ResetNode(id)
					return
				}
				_ = w.Net().Partition([]sim.NodeID{id}, others(c, id))
				w.After(time.Duration(500+nemesis.IntN(5500))*time.Millisecond, w.Net().Heal)
			})
		}
		w.RunFor(40 * time.Second)
		h := c.History()
		kinds := map[checker.SessionEventKind]int{}
		for _, ev := range h.SessionEvents {
			kinds[ev.Kind]++
		}
		locks := c.Recorder().Locks()
		t.Logf("seed %d: ops=%d watches=%d sessions=%v lock events=%d", seed, len(h.Ops), len(h.WatchEvents), kinds, len(locks))
		if len(locks) == 0 || len(h.WatchEvents) == 0 || kinds[checker.SessionClosed] == 0 {
			t.Fatalf("seed %d: a workload did nothing", seed)
		}
		if v := zkclient.CheckLocks(locks); len(v) > 0 {
			t.Fatalf("seed %d: %v", seed, v)
		}
		requireChecks(t, c, &h)
	}
}

// BenchmarkStandaloneTenClients runs one standalone server and ten clients with every
// workload.
func BenchmarkStandaloneTenClients(b *testing.B) {
	benchSimulated(b, func(seed uint64) (*sim.World, *cluster.Cluster) { return mixedCluster(b, seed, 10, worldOptions(0)) })
}

// BenchmarkStandaloneTenClientsRegister drives ten clients with the register workload
// alone, four tasks in flight each.
func BenchmarkStandaloneTenClientsRegister(b *testing.B) {
	benchSimulated(b, func(seed uint64) (*sim.World, *cluster.Cluster) {
		w, err := sim.New(worldOptions(seed))
		if err != nil {
			b.Fatal(err)
		}
		rng := w.Rand(sim.StreamWorkload)
		c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: 10, Peer: protocol.Config{TickTime: 500}, SessionTimeout: sessionTimeout,
			Workload: func(int) zkclient.Workload {
				return &zkclient.Mix{Rand: rng, Interval: 2 * time.Millisecond, Concurrency: 4,
					Tasks: []zkclient.Weighted{{Weight: 1, Task: &zkclient.Register{Keys: 8}}}}
			}})
		if err != nil {
			b.Fatal(err)
		}
		return w, c
	})
}
