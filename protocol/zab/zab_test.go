package zab

import (
	"flag"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/zksim/zksim/protocol/bugs"
)

// start runs a fresh world until it serves.
func start(t *testing.T, seed uint64, voters, observers int, cfg func(*Config)) *world {
	t.Helper()
	w := newWorld(t, seed, voters, observers, cfg)
	w.runUntil("initial election", w.stable, 200000)
	return w
}

// commit submits n writes and waits until the cluster applied them.
func (w *world) commit(n int) {
	w.t.Helper()
	for target := w.nextWrite + n; w.nextWrite < target; {
		w.write()
		w.run(10 * len(w.ids))
	}
	w.runUntil("writes committed", func() bool {
		if len(w.pending) > 0 && w.rng.IntN(20) == 0 {
			w.write()
		}
		if len(w.pending) > 0 || !w.stableAmong(w.upAndConnected()) {
			return false
		}
		// Writes whose leader lost them before they committed: the client retries.
		for _, txn := range slices.Sorted(maps.Keys(w.submitted)) {
			if !w.written[txn] {
				w.pending = append(w.pending, []byte(txn))
			}
		}
		return len(w.pending) == 0
	}, 200000)
}

func (w *world) upAndConnected() []int64 {
	ld := w.leader()
	if ld == nil {
		return nil
	}
	var ids []int64
	for _, id := range w.ids {
		if w.connected(id, ld.id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (w *world) stableAmong(ids []int64) bool {
	ld := w.leader()
	if ld == nil || ld.zn.Committed() != ld.zn.LastZxid() || len(ids) == 0 {
		return false
	}
	for _, id := range ids {
		s := w.servers[id]
		if s.zn.Phase() != PhaseBroadcast || s.zn.Leader() != ld.id || s.sm.last() != ld.sm.last() {
			return false
		}
	}
	return true
}

func TestElectionAndBroadcastConverge(t *testing.T) {
	for _, shape := range []struct{ voters, observers int }{{1, 0}, {3, 0}, {3, 1}, {5, 0}, {5, 2}, {7, 1}} {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run(strconv.Itoa(shape.voters)+"v"+strconv.Itoa(shape.observers)+"o/"+strconv.FormatUint(seed, 10), func(t *testing.T) {
				w := start(t, seed, shape.voters, shape.observers, nil)
				if ld := w.leader(); ld.id > int64(shape.voters) {
					t.Fatalf("observer %d leads", ld.id)
				}
				w.commit(30)
				w.checkNothingLost()
				if len(w.order) < 30 || len(w.epochLeader) != 1 {
					t.Logf("epochs %v", w.epochLeader)
					t.Fatalf("only %d entries committed", len(w.order))
				}
			})
		}
	}
}

// isolate cuts server id off from everyone else.
func (w *world) isolate(id int64) { w.group[id] = 1 }

func TestLaggingFollowerSyncsByDiff(t *testing.T) {
	w := start(t, 3, 3, 0, nil)
	w.commit(5)
	w.isolate(1)
	w.commit(10)
	clear(w.syncs)
	w.heal()
	w.runUntil("rejoin", w.stable, 200000)
	if got := w.syncs[1]; !slices.Equal(got, []PacketType{TypeDiff}) {
		t.Fatalf("server 1 synced with %v, want [DIFF]", got)
	}
	w.checkNothingLost()
}

func TestFarBehindFollowerSyncsBySnap(t *testing.T) {
	w := start(t, 4, 3, 1, func(c *Config) { c.CommitLogCount = 4 })
	w.commit(3)
	w.isolate(1)
	w.isolate(4) // the observer too (same group as 1)
	w.commit(20)
	clear(w.syncs)
	w.heal()
	w.runUntil("rejoin", w.stable, 200000)
	for _, id := range []int64{1, 4} {
		if got := w.syncs[id]; !slices.Equal(got, []PacketType{TypeSnap}) {
			t.Fatalf("server %d synced with %v, want [SNAP]", id, got)
		}
	}
	w.checkNothingLost()
}

func TestDivergedFollowerSyncsByTrunc(t *testing.T) {
	w := start(t, 5, 3, 0, nil)
	w.commit(4)
	old := w.leader()
	if old.id != 3 {
		t.Fatalf("leader %d", old.id)
	}
	// The leader logs a proposal nobody else receives, then loses its quorum.
	w.isolate(3)
	z, err := old.zn.Propose([]byte("lost"))
	if err != nil {
		t.Fatal(err)
	}
	w.process(old)
	w.runUntil("new leader", func() bool { ld := w.leader(); return ld != nil && ld.id != 3 }, 200000)
	w.commit(5)
	if !old.disk.holds(z) {
		t.Fatal("the old leader should hold its uncommitted proposal")
	}
	clear(w.syncs)
	w.heal()
	w.runUntil("rejoin", w.stable, 200000)
	if got := w.syncs[3]; !slices.Equal(got, []PacketType{TypeTrunc}) {
		t.Fatalf("server 3 synced with %v, want [TRUNC]", got)
	}
	if old.disk.holds(z) || slices.ContainsFunc(old.sm.entries, func(e Entry) bool { return string(e.Txn) == "lost" }) {
		t.Fatal("the uncommitted proposal survived")
	}
	w.checkNothingLost()
}

func TestCounterRolloverForcesNewEpoch(t *testing.T) {
	w := start(t, 6, 3, 1, func(c *Config) { c.CounterBits = 3 }) // counters 1..6 per epoch
	first := w.leader().zn.Epoch()
	w.commit(40)
	w.checkNothingLost()
	last := w.leader().zn.Epoch()
	if last-first < 5 {
		t.Fatalf("epochs %d..%d: 40 writes at 6 per epoch need at least 6 epochs", first, last)
	}
	for _, e := range w.order {
		if c := CounterOf(e.Zxid); c == 0 || c >= 7 {
			t.Fatalf("zxid %x uses counter %d", e.Zxid, c)
		}
	}
	if len(w.written) < 40 {
		t.Fatalf("%d writes applied, want 40", len(w.written))
	}
}

// chaos runs one seeded world through rounds of 500 steps with loss, crashes and a
// fresh random partition each round, then heals it and requires convergence. Each seed
// also draws its own fault mix and limits (swarm testing).
func chaos(t testing.TB, seed uint64, rounds int) *world {
	return chaosWith(t, seed, rounds, nil)
}

// chaosSetup changes a chaos world for a bug hunt: the faults to switch on and a
// floor for the crash rates (most catalogued bugs need a crash at the wrong moment).
type chaosSetup struct {
	bugs       bugs.Set
	crashPoint float64
	crashRate  float64
	keepSent   bool
}

func chaosWith(t testing.TB, seed uint64, rounds int, setup *chaosSetup) *world {
	t.Helper()
	swarm := rand.New(rand.NewPCG(seed, 0x5a4a))
	shape := [][2]int{{3, 0}, {3, 1}, {5, 1}, {7, 0}, {5, 0}}[swarm.IntN(5)]
	commitLog := []int{2, 8, 500}[swarm.IntN(3)]
	counterBits := []uint{3, 5, 32}[swarm.IntN(3)]
	w := newWorld(t, seed, shape[0], shape[1], func(c *Config) {
		c.CommitLogCount = commitLog
		c.CounterBits = counterBits
		if setup != nil {
			c.Bugs = setup.bugs
		}
	})
	w.writeRate = []float64{0.005, 0.02, 0.05}[swarm.IntN(3)]
	w.drop = []float64{0, 0.005, 0.05}[swarm.IntN(3)]
	w.crashRate = []float64{0, 0.002, 0.01}[swarm.IntN(3)]
	w.crashPoint = []float64{0, 0.003, 0.03}[swarm.IntN(3)]
	partitions := []int{0, 3, 2}[swarm.IntN(3)] // each server is cut off with chance 1/n
	if setup != nil {
		w.lax = !setup.bugs.Empty()
		w.crashPoint = max(w.crashPoint, setup.crashPoint)
		w.crashRate = max(w.crashRate, setup.crashRate)
		w.keepSent = setup.keepSent
	}
	for range rounds {
		w.run(500)
		clear(w.group)
		for _, id := range w.ids {
			if partitions > 0 && w.rng.IntN(partitions) == 0 {
				w.group[id] = 1
			}
		}
	}
	w.heal()
	w.writeRate = 0
	w.pending = nil
	w.runUntil("convergence after heal", w.stable, 400000)
	w.checkNothingLost()
	if len(w.epochLeader) == 0 {
		t.Fatal("no leader was ever established")
	}
	return w
}

// FuzzChaos explores seeds: `go test -fuzz FuzzChaos` runs a world per seed.
func FuzzChaos(f *testing.F) {
	f.Add(uint64(1))
	f.Add(uint64(0xdeadbeef))
	f.Fuzz(func(t *testing.T, seed uint64) {
		chaos(t, seed, 10)
	})
}

var chaosSeeds = flag.Uint64("zab.seeds", 30, "number of TestChaos seeds")

// TestChaos runs seeded worlds with loss, partitions and crashes inside the driver loop,
// then heals and requires convergence with nothing lost. The world checks one leader
// per epoch, agreeing committed prefixes, quorum durability and ACK-after-fsync as it
// goes.
func TestChaos(t *testing.T) {
	seeds := *chaosSeeds
	if testing.Short() {
		seeds = 5
	}
	modes := map[PacketType]int{}
	var crashes, elections, commits int
	for seed := uint64(1); seed <= seeds; seed++ {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			w := chaos(t, seed, 40)
			for _, ms := range w.syncs {
				for _, m := range ms {
					modes[m]++
				}
			}
			crashes += w.crashes
			elections += w.elections
			commits += len(w.order)
		})
	}
	t.Logf("%d seeds: %d commits, %d crashes, %d returns to election, syncs DIFF=%d TRUNC=%d SNAP=%d",
		seeds, commits, crashes, elections, modes[TypeDiff], modes[TypeTrunc], modes[TypeSnap])
	if seeds >= 30 && (modes[TypeDiff] == 0 || modes[TypeTrunc] == 0 || modes[TypeSnap] == 0 || crashes == 0) {
		t.Fatal("the chaos runs did not exercise every sync mode and crashes")
	}
}
