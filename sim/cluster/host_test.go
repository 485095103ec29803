package cluster_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// busyCluster is one server and two clients running the register workload.
func busyCluster(t *testing.T, peer protocol.Config) (*sim.World, *cluster.Cluster) {
	t.Helper()
	w, err := sim.New(worldOptions(5))
	if err != nil {
		t.Fatal(err)
	}
	rng := w.Rand(sim.StreamWorkload)
	c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: 2, Peer: peer, SessionTimeout: sessionTimeout,
		Workload: func(int) zkclient.Workload {
			return &zkclient.Mix{Rand: rng, Interval: 10 * time.Millisecond, Concurrency: 2,
				Tasks: []zkclient.Weighted{{Weight: 1, Task: &zkclient.Register{Keys: 4}}}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return w, c
}

func mustState(t *testing.T, w *sim.World, id sim.NodeID, want sim.NodeState) {
	t.Helper()
	if st, _ := w.State(id); st != want {
		t.Fatalf("node %d is %v, want %v", id, st, want)
	}
}

func TestRecoversFromSnapshotsAndLogs(t *testing.T) {
	w, c := busyCluster(t, protocol.Config{TickTime: 500, SnapCount: 50})
	server := c.Servers()[0]
	w.RunFor(5 * time.Second)
	before := c.Status(server)
	disk, _ := w.Disk(server)
	snaps := 0
	for _, n := range disk.List() {
		if k, _ := storage.ParseFileName(n); k == storage.KindSnapshot {
			snaps++
		}
	}
	if snaps < 3 || before.Zxid < 200 {
		t.Fatalf("%d snapshots at zxid %#x", snaps, before.Zxid)
	}
	// Stop the clients so the state stays put, crash and restart the server.
	for _, id := range c.Clients() {
		if err := w.Crash(id); err != nil {
			t.Fatal(err)
		}
	}
	w.RunFor(100 * time.Millisecond)
	before = c.Status(server)
	if err := w.Crash(server); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(server); err != nil {
		t.Fatal(err)
	}
	w.RunFor(time.Millisecond)
	after := c.Status(server)
	if !after.Serves || after.Zxid != before.Zxid || after.Digest != before.Digest {
		t.Fatalf("before crash %+v, after restart %+v", before, after)
	}
	rep, err := checker.Check(ptr(c.History()), c.NodeLogs(), checker.Options{SkipLinearizability: true})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRefusesToStartFromCorruptLog(t *testing.T) {
	w, c := busyCluster(t, protocol.Config{TickTime: 500})
	server := c.Servers()[0]
	w.RunFor(2 * time.Second)
	if err := w.Crash(server); err != nil {
		t.Fatal(err)
	}
	disk, _ := w.Disk(server)
	var logName string
	for _, n := range disk.List() {
		if k, _ := storage.ParseFileName(n); k == storage.KindLog {
			logName = n
		}
	}
	size, _ := disk.Size(logName)
	// Damage a byte in the first half of the log: valid records follow, so this is
	// corruption, not a torn tail.
	for {
		off, err := disk.CorruptBit(logName)
		if err != nil {
			t.Fatal(err)
		}
		if off > storage.LogHeaderSize && off < size/2 {
			break
		}
	}
	if err := w.Restart(server); err != nil {
		t.Fatal(err)
	}
	w.RunFor(time.Second)
	mustState(t, w, server, sim.StateCrashed)
	f := c.Faults(server)
	if len(f) != 1 || !strings.Contains(f[0].Reason, "refusing to start") || !strings.Contains(f[0].Reason, storage.ErrCorrupt.Error()) {
		t.Fatalf("faults %v", f)
	}
	if c.Status(server).Serves {
		t.Fatal("a node with a corrupt log serves")
	}
}

func TestFailedSyncHaltsTheServer(t *testing.T) {
	w, c := busyCluster(t, protocol.Config{TickTime: 500})
	server := c.Servers()[0]
	w.RunFor(time.Second)
	disk, _ := w.Disk(server)
	if err := disk.SetOptions(sim.DiskOptions{SyncLatency: sim.Latency{Min: time.Millisecond}, SyncErrorProbability: 1}); err != nil {
		t.Fatal(err)
	}
	acked := maxAckedWrite(c.History())
	w.RunFor(100 * time.Millisecond)
	mustState(t, w, server, sim.StateCrashed)
	if f := c.Faults(server); len(f) != 1 || !strings.Contains(f[0].Reason, "fsync failed") {
		t.Fatalf("faults %v", f)
	}
	// Nothing was acknowledged after the failed sync.
	if got := maxAckedWrite(c.History()); got != acked {
		t.Fatalf("acknowledged up to %#x after the failed sync (was %#x)", got, acked)
	}
	if err := disk.SetOptions(sim.DiskOptions{SyncLatency: sim.Latency{Min: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(server); err != nil {
		t.Fatal(err)
	}
	w.RunFor(3 * time.Second)
	if st := c.Status(server); !st.Serves || st.Zxid <= acked {
		t.Fatalf("after restart %+v, acked %#x", st, acked)
	}
	h := c.History()
	requireChecks(t, c, &h)
}

func TestCrashPoints(t *testing.T) {
	for _, point := range []string{cluster.CrashAfterAppend, cluster.CrashAfterSync, cluster.CrashAfterApply, cluster.CrashMidSnapshot, cluster.CrashLogRollMidHeader} {
		t.Run(point, func(t *testing.T) {
			// Snapshots every 20 transactions, so logs roll often.
			w, c := busyCluster(t, protocol.Config{TickTime: 500, SnapCount: 20})
			server := c.Servers()[0]
			w.RunFor(time.Second)
			if err := w.ArmCrashPoint(server, point, 0); err != nil {
				t.Fatal(err)
			}
			w.RunFor(time.Second)
			mustState(t, w, server, sim.StateCrashed)
			// The node log holds what became durable; the crash keeps exactly that.
			var lastLogged int64
			for _, ev := range c.NodeLogs()[0].Events {
				if ev.Kind == checker.NodeLogged {
					lastLogged = ev.Zxid
				}
			}
			if err := w.Restart(server); err != nil {
				t.Fatal(err)
			}
			w.RunFor(time.Millisecond)
			if st := c.Status(server); st.Zxid != lastLogged {
				t.Fatalf("durable log ends at %#x, recovered %#x", lastLogged, st.Zxid)
			}
			w.RunFor(3 * time.Second)
			h := c.History()
			requireChecks(t, c, &h)
		})
	}
}

// rawClient dials a server and sends fixed messages, recording what comes back.
type rawClient struct {
	to     sim.NodeID
	send   [][]byte
	env    *sim.Env
	got    [][]byte
	closed error
}

func (r *rawClient) Start(env *sim.Env) { r.env = env; _, _ = env.Dial(r.to) }
func (r *rawClient) OnConnect(c sim.ConnID, _ sim.NodeID, _ bool) {
	for _, m := range r.send {
		_ = r.env.Send(c, m)
	}
}
func (r *rawClient) OnMessage(_ sim.ConnID, msg []byte) { r.got = append(r.got, msg) }
func (r *rawClient) OnClose(_ sim.ConnID, err error)    { r.closed = err }
func (r *rawClient) OnTimer(sim.TimerID)                {}
func (r *rawClient) OnSyncDone(sim.SyncID, error)       {}

func TestFrameLimits(t *testing.T) {
	connect := wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})
	big := wire.EncodeRequest(1, &wire.SetDataRequest{Path: "/", Data: make([]byte, 2000), Version: -1})
	ping := wire.EncodeRequest(wire.XidPing, &wire.PingRequest{})
	for _, tc := range []struct {
		name      string
		send      [][]byte
		wantClose bool
		replies   int
	}{
		{"connect and ping", [][]byte{connect, ping}, false, 2},
		{"oversized frame", [][]byte{connect, big}, true, 0},
		{"two frames in one message", [][]byte{append(append([]byte{}, connect...), ping...)}, true, 0},
		{"garbage", [][]byte{{0, 0, 0, 1, 7}}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := sim.New(sim.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			c, err := cluster.New(w, cluster.Config{Servers: 1, Peer: protocol.Config{TickTime: 500}, MaxFrame: 1024})
			if err != nil {
				t.Fatal(err)
			}
			raw := &rawClient{to: c.Servers()[0], send: tc.send}
			if _, err := w.AddNode(sim.KindClient, func(sim.NodeID) sim.Process { return raw }); err != nil {
				t.Fatal(err)
			}
			w.RunFor(time.Second)
			if closed := errors.Is(raw.closed, sim.ErrPeerClosed); closed != tc.wantClose {
				t.Fatalf("closed: %v, want closed %v", raw.closed, tc.wantClose)
			}
			if len(raw.got) != tc.replies {
				t.Fatalf("%d replies, want %d", len(raw.got), tc.replies)
			}
		})
	}
}

func TestInvalidClusterConfigs(t *testing.T) {
	w, _ := sim.New(sim.Options{})
	for _, cfg := range []cluster.Config{{Servers: 0}, {Servers: 1, Observers: -1}, {Servers: 200, Observers: 55}, {Servers: 1, Clients: -1}} {
		if _, err := cluster.New(w, cfg); !errors.Is(err, cluster.ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestCrashPointNamesAreTheNemesisVocabulary(t *testing.T) {
	names := append([]string{cluster.CrashAfterSync}, ensemblePoints...)
	for _, p := range names {
		if !nemesis.CrashPoint(p).Valid() {
			t.Errorf("%q is not a nemesis crash point", p)
		}
	}
}

// Session expiry runs on the server's elapsed-time clock, as ZooKeeper's ExpiryQueue
// does: wall-clock steps either way expire nothing, and a step back does not stop
// the server from expiring a session whose client went silent.
func TestSessionExpiryIgnoresWallClockSteps(t *testing.T) {
	w, c := busyCluster(t, protocol.Config{TickTime: 500})
	server, silent := c.Servers()[0], c.Clients()[0]
	w.RunFor(time.Second)
	if n := len(c.History().SessionEvents); n != 2 {
		t.Fatalf("%d session events before the jump", n)
	}
	clk, _ := w.Clock(server)
	expiredSince := func(since int64) map[int]bool {
		out := map[int]bool{}
		for _, ev := range c.History().SessionEvents {
			if ev.Kind == checker.SessionExpired && ev.Time > since {
				out[ev.Client] = true
			}
		}
		return out
	}
	if err := clk.Jump(3 * sessionTimeout); err != nil {
		t.Fatal(err)
	}
	jumped := int64(w.Now())
	w.RunFor(3 * time.Second)
	if got := expiredSince(jumped); len(got) != 0 {
		t.Fatalf("clients %v expired after a forward wall-clock jump", got)
	}
	if err := clk.Jump(-6 * sessionTimeout); err != nil {
		t.Fatal(err)
	}
	stepped := int64(w.Now())
	if err := w.Pause(silent); err != nil {
		t.Fatal(err)
	}
	w.RunFor(2 * sessionTimeout)
	if err := w.Resume(silent); err != nil {
		t.Fatal(err)
	}
	w.RunFor(time.Second)
	if got := expiredSince(stepped); len(got) != 1 || !got[0] {
		t.Fatalf("expired clients %v after a backward step, want only the paused client 0", got)
	}
	h := c.History()
	requireChecks(t, c, &h)
}
