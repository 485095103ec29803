package cluster_test

import (
	"slices"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// A leader that runs out of zxid counter abdicates; as with ZooKeeper's
// Leader.shutdown closing its learners' sockets, the followers must go back to
// election at once, not after syncLimit of silence, so the ensemble is leaderless
// only for about one election.
func TestRolloverLeavesNoLeaderlessSyncLimit(t *testing.T) {
	const tick, syncLimit = 200, 5
	w, err := sim.New(worldOptions(3))
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	c, err := cluster.New(w, cluster.Config{Servers: 3, Clients: 3,
		Peer:           protocol.Config{TickTime: tick, InitLimit: 10, SyncLimit: syncLimit, CounterBits: 5},
		SessionTimeout: sessionTimeout,
		Workload: func(int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 20 * time.Millisecond, Concurrency: 2,
				Tasks: []zkclient.Weighted{{Weight: 1, Task: &zkclient.Register{Keys: 3}}}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.RunFor(20 * time.Second)
	var lost, established []int64
	for _, l := range c.NodeLogs() {
		for _, ev := range l.Events {
			switch ev.Kind {
			case checker.NodeLeaderLost:
				if ev.Epoch == 0 {
					continue // a leader learning its epoch, not losing it
				}
				lost = append(lost, ev.Time)
			case checker.NodeLeaderEstablished:
				established = append(established, ev.Time)
			}
		}
	}
	slices.Sort(established)
	if len(lost) < 3 {
		t.Fatalf("only %d leaderships ended: the counter did not roll over", len(lost))
	}
	for _, at := range lost {
		i, _ := slices.BinarySearch(established, at)
		if i == len(established) {
			continue // the run ended first
		}
		if gap := time.Duration(established[i] - at); gap >= syncLimit*tick*time.Millisecond {
			t.Errorf("leaderless for %v after a leadership ended at %v", gap, time.Duration(at))
		}
	}
	h := c.History()
	requireChecks(t, c, &h)
}
