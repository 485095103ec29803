package cluster_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

const sessionTimeout = 4 * time.Second

func worldOptions(seed uint64) sim.Options {
	return sim.Options{
		Seed: seed,
		Network: sim.NetworkOptions{
			Link:             sim.LinkOptions{Latency: sim.Latency{Min: time.Millisecond, Mean: time.Millisecond, TailProbability: 0.01, TailMax: 50 * time.Millisecond}},
			ResetDelay:       sim.Latency{Min: time.Millisecond, Mean: 5 * time.Millisecond},
			ResetProbability: 0.5,
		},
		Disk:  sim.DiskOptions{SyncLatency: sim.Latency{Min: 2 * time.Millisecond, Mean: 2 * time.Millisecond}},
		Clock: sim.ClockOptions{MaxOffset: time.Second, MaxDriftPPM: 100},
	}
}

// faultRun is one run of the standalone scenario and what the test learned during it.
type faultRun struct {
	w            *sim.World
	c            *cluster.Cluster
	ackedAtCrash []int64 // highest acknowledged write zxid when each crash happened
	recovered    []int64 // the server's zxid after each restart
	longClient   int     // the client partitioned for longer than its session timeout
	longSession  int64
	longFrom     int64
}

// runStandalone runs 1 server and 5 clients with the register and churn workloads for
// 60 simulated seconds under client-link partitions, connection resets and two server
// crashes that leave a torn unsynced log tail.
func runStandalone(t testing.TB, seed uint64) *faultRun {
	w, err := sim.New(worldOptions(seed))
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	known := zkclient.NewKnownPaths()
	c, err := cluster.New(w, cluster.Config{
		Servers: 1, Clients: 5,
		Peer:           protocol.Config{TickTime: 500, SnapCount: 400},
		SessionTimeout: sessionTimeout,
		Workload: func(i int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 15 * time.Millisecond, Concurrency: 3, Tasks: []zkclient.Weighted{
				{Weight: 3, Task: &zkclient.Register{Keys: 3}},
				{Weight: 2, Task: &zkclient.Churn{Known: known}},
			}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &faultRun{w: w, c: c}
	server := c.Servers()[0]
	clients := c.Clients()
	disk, _ := w.Disk(server)
	if err := disk.SetOptions(sim.DiskOptions{SyncLatency: sim.Latency{Min: 2 * time.Millisecond, Mean: 2 * time.Millisecond}, TornProbability: 1}); err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration, fn func()) { w.At(sim.Time(d), fn) }
	must := func(err error) {
		if err != nil {
			t.Error(err)
		}
	}
	// A short partition of client 0: it reconnects with its session.
	at(5*time.Second, func() { must(w.Net().Partition([]sim.NodeID{clients[0]}, others(c, clients[0]))) })
	at(7*time.Second, func() { w.Net().Heal() })
	// A long partition of client 1: its session expires.
	r.longClient = 1
	at(10*time.Second, func() {
		r.longSession = c.Client(clients[1]).Session()
		r.longFrom = int64(w.Now())
		must(w.Net().Partition([]sim.NodeID{clients[1]}, others(c, clients[1])))
	})
	at(18*time.Second, func() { w.Net().Heal() })
	// Connection resets.
	for i, d := range []time.Duration{12 * time.Second, 25 * time.Second, 33 * time.Second, 47 * time.Second} {
		at(d, func() { must(w.Net().ResetNode(clients[(i+2)%len(clients)])) })
	}
	crashed := func() {
		r.ackedAtCrash = append(r.ackedAtCrash, maxAckedWrite(c.History()))
		w.After(2*time.Second, func() {
			must(w.Restart(server))
			w.After(time.Millisecond, func() { r.recovered = append(r.recovered, c.Status(server).Zxid) })
		})
	}
	// A crash right after appending a batch, before its fsync: a torn unsynced tail.
	at(20*time.Second, func() { must(w.ArmCrashPoint(server, cluster.CrashAfterAppend, 0)) })
	watch := func() {}
	watch = func() {
		if st, _ := w.State(server); st == sim.StateCrashed {
			crashed()
			return
		}
		w.After(time.Millisecond, watch)
	}
	at(20*time.Second, watch)
	// A kill -9 at an arbitrary moment.
	at(40*time.Second, func() {
		must(w.Crash(server))
		crashed()
	})
	w.RunFor(60 * time.Second)
	return r
}

// maxAckedWrite is the highest zxid of a write acknowledged so far.
func maxAckedWrite(h checker.History) int64 {
	var m int64
	for _, op := range h.Ops {
		if op.Outcome == checker.OutcomeOK && op.Req.Kind.IsWrite() {
			m = max(m, op.Zxid)
		}
	}
	return m
}

func TestStandaloneUnderClientFaults(t *testing.T) {
	r := runStandalone(t, 7)
	c, w := r.c, r.w
	h := c.History()
	server := c.Servers()[0]
	if len(h.Ops) < 1000 {
		t.Fatalf("only %d operations in 60s", len(h.Ops))
	}
	counts := map[checker.Outcome]int{}
	for _, op := range h.Ops {
		counts[op.Outcome]++
	}
	t.Logf("ops=%d %v watches=%d session events=%d events=%d faults=%v repairs=%v", len(h.Ops), counts, len(h.WatchEvents), len(h.SessionEvents), w.Events(), c.Faults(server), c.Repairs(server))

	// Both crashes happened and every acknowledged write survived them.
	if len(r.ackedAtCrash) != 2 || len(r.recovered) != 2 {
		t.Fatalf("crashes %v, recoveries %v", r.ackedAtCrash, r.recovered)
	}
	for i := range r.ackedAtCrash {
		if r.recovered[i] < r.ackedAtCrash[i] {
			t.Errorf("crash %d: acknowledged up to %#x but recovered only %#x", i, r.ackedAtCrash[i], r.recovered[i])
		}
	}
	// Both crashes left a torn unsynced tail, which recovery cut.
	torn := 0
	for _, r := range c.Repairs(server) {
		if strings.HasPrefix(r.Reason, "truncate log.") {
			torn++
		}
	}
	if torn != 2 {
		t.Errorf("%d torn tails cut, want one per crash: %v", torn, c.Repairs(server))
	}
	if st := c.Status(server); !st.Serves {
		t.Fatalf("server not serving at the end: %+v", st)
	}
	if f := c.Faults(server); len(f) != 1 || f[0].Reason != "crash point "+cluster.CrashAfterAppend {
		t.Errorf("faults %v, want the one armed crash point", f)
	}

	// The long partition expired the session of that client.
	expired := false
	for _, ev := range h.SessionEvents {
		if ev.Client == r.longClient && ev.Kind == checker.SessionExpired && ev.Session == r.longSession && ev.Time > r.longFrom {
			expired = true
		}
	}
	if r.longSession == 0 || !expired {
		t.Errorf("client %d's session %#x did not expire after a partition longer than its timeout", r.longClient, r.longSession)
	}
	// No other client lost its session to the short partition or the resets... except
	// through the server crashes, which do not expire sessions either.
	for _, ev := range h.SessionEvents {
		if ev.Kind == checker.SessionExpired && ev.Client != r.longClient {
			t.Errorf("unexpected expiry %+v", ev)
		}
	}

	// Each client's zxids never go backwards, in the order it learned them.
	byClient := map[int][]checker.Operation{}
	for _, op := range h.Ops {
		if op.Outcome == checker.OutcomeOK {
			byClient[op.Client] = append(byClient[op.Client], op)
		}
	}
	for cl, ops := range byClient {
		slices.SortStableFunc(ops, func(a, b checker.Operation) int { return int(a.Return - b.Return) })
		for i := 1; i < len(ops); i++ {
			if ops[i].Zxid < ops[i-1].Zxid {
				t.Errorf("client %d: zxid went from %#x to %#x", cl, ops[i-1].Zxid, ops[i].Zxid)
				break
			}
		}
	}

	requireChecks(t, c, &h)
}

func TestStandaloneSameSeedSameTrace(t *testing.T) {
	a := runStandalone(t, 11)
	b := runStandalone(t, 11)
	if a.w.TraceHash() != b.w.TraceHash() || a.w.Events() != b.w.Events() {
		t.Fatalf("same seed, different runs: %s/%d vs %s/%d", a.w.TraceHash(), a.w.Events(), b.w.TraceHash(), b.w.Events())
	}
	ha, hb := a.c.History(), b.c.History()
	if len(ha.Ops) != len(hb.Ops) || len(ha.WatchEvents) != len(hb.WatchEvents) {
		t.Fatalf("same seed, different histories: %d/%d ops", len(ha.Ops), len(hb.Ops))
	}
	c := runStandalone(t, 12)
	if c.w.TraceHash() == a.w.TraceHash() {
		t.Fatal("different seeds gave the same trace")
	}
}

// A standalone server is its own leader: after every start it records leadership of
// epoch 0, so the liveness check finds a leader after a heal that restarted it.
func TestStandaloneRecordsItselfEstablished(t *testing.T) {
	w, err := sim.New(worldOptions(3))
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	c, err := cluster.New(w, cluster.Config{
		Servers: 1, Clients: 2,
		Peer:           protocol.Config{TickTime: 500},
		SessionTimeout: sessionTimeout,
		Workload: func(int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 20 * time.Millisecond, Concurrency: 2, Tasks: []zkclient.Weighted{
				{Weight: 1, Task: &zkclient.Register{Keys: 2}},
			}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	server := c.Servers()[0]
	heal := 5 * time.Second
	w.At(sim.Time(3*time.Second), func() { _ = w.Crash(server) })
	w.At(sim.Time(heal), func() { _ = w.Restart(server) })
	w.RunFor(30 * time.Second)

	logs := c.NodeLogs()
	if len(logs) != 1 {
		t.Fatalf("%d node logs, want 1", len(logs))
	}
	var starts, established []int64
	for _, ev := range logs[0].Events {
		switch ev.Kind {
		case checker.NodeRestarted:
			starts = append(starts, ev.Time)
		case checker.NodeLeaderEstablished:
			if ev.Epoch != 0 {
				t.Errorf("standalone server established epoch %d, want 0", ev.Epoch)
			}
			established = append(established, ev.Time)
		}
	}
	if len(starts) != 1 || len(established) != 2 || established[1] < starts[0] {
		t.Fatalf("restarts at %v, established at %v: want established at the start and after the restart", starts, established)
	}
	h := c.History()
	rep, err := checker.Check(&h, logs, checker.Options{SkipLinearizability: true, Liveness: &checker.LivenessConfig{
		HealTime: int64(heal), TickTime: int64(500 * time.Millisecond), InitLimit: 10, SyncLimit: 5,
		SessionTimeout: int64(sessionTimeout), ElectionTimeout: int64(time.Second), FinalizeWait: int64(200 * time.Millisecond),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("%s", rep)
	}
}
