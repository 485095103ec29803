package cluster_test

import (
	"testing"
	"time"

	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// FuzzStandaloneChaos runs every workload on four clients for 15 simulated seconds
// under a fault schedule drawn from the seed (client partitions, connection resets,
// server crashes with torn tails, crash points, pauses, clock jumps), heals, lets the cluster
// settle, and requires the history, the server's log and the locks to check out.
func FuzzStandaloneChaos(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 42} {
		f.Add(seed)
	}
	points := []string{cluster.CrashAfterAppend, cluster.CrashAfterSync, cluster.CrashAfterApply, cluster.CrashMidSnapshot, cluster.CrashLogRollMidHeader}
	f.Fuzz(func(t *testing.T, seed uint64) {
		opts := worldOptions(0)
		opts.Disk.TornProbability = 0.5
		w, c := mixedCluster(t, seed, 4, opts)
		server := c.Servers()[0]
		clients := c.Clients()
		rng := w.Rand(sim.StreamNemesis)
		restartLater := func() {
			w.After(time.Duration(100+rng.IntN(3000))*time.Millisecond, func() {
				if st, _ := w.State(server); st == sim.StateCrashed {
					if err := w.Restart(server); err != nil {
						t.Error(err)
					}
				}
			})
		}
		for at := time.Second; at < 15*time.Second; at += time.Duration(300+rng.IntN(1500)) * time.Millisecond {
			w.At(sim.Time(at), func() {
				switch rng.IntN(7) {
				case 0:
					id := clients[rng.IntN(len(clients))]
					_ = w.Net().Partition([]sim.NodeID{id}, others(c, id))
					w.After(time.Duration(200+rng.IntN(6000))*time.Millisecond, w.Net().Heal)
				case 1:
					_ = w.Net().ResetNode(clients[rng.IntN(len(clients))])
				case 2:
					if st, _ := w.State(server); st == sim.StateUp {
						_ = w.Crash(server)
						restartLater()
					}
				case 3:
					_ = w.ArmCrashPoint(server, points[rng.IntN(len(points))], rng.IntN(3))
				case 4:
					if clk, err := w.Clock(server); err == nil {
						_ = clk.Jump(time.Duration(rng.IntN(2000)-1000) * time.Millisecond)
					}
				case 5:
					if st, _ := w.State(server); st == sim.StateUp {
						_ = w.Pause(server)
						w.After(time.Duration(100+rng.IntN(6000))*time.Millisecond, func() {
							if st, _ := w.State(server); st == sim.StatePaused {
								_ = w.Resume(server)
							}
						})
					}
				default:
					_ = w.Net().ResetNode(server)
				}
			})
		}
		w.RunFor(15 * time.Second)
		w.Net().Heal()
		for _, p := range points {
			_ = w.DisarmCrashPoint(server, p)
		}
		switch st, _ := w.State(server); st {
		case sim.StateCrashed:
			if err := w.Restart(server); err != nil {
				t.Fatal(err)
			}
		case sim.StatePaused:
			if err := w.Resume(server); err != nil {
				t.Fatal(err)
			}
		}
		w.RunFor(10 * time.Second)
		if st := c.Status(server); !st.Serves {
			t.Fatalf("server not serving after the heal: %+v, faults %v", st, c.Faults(server))
		}
		if v := zkclient.CheckLocks(c.Recorder().Locks()); len(v) > 0 {
			t.Fatal(v)
		}
		h := c.History()
		t.Logf("seed %d: %d ops, %d watch events, %d session events, faults %v", seed, len(h.Ops), len(h.WatchEvents), len(h.SessionEvents), c.Faults(server))
		if len(h.Ops) < 100 {
			t.Fatalf("only %d operations", len(h.Ops))
		}
		requireChecks(t, c, &h)
	})
}
