package zkclient_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

const timeout = 4 * time.Second

// testWorld is one standalone server and n idle clients on a 2ms network.
func testWorld(t *testing.T, n int, policy zkclient.ExpiryPolicy) (*sim.World, *cluster.Cluster) {
	t.Helper()
	w, err := sim.New(sim.Options{Seed: 3,
		Network: sim.NetworkOptions{Link: sim.LinkOptions{Latency: sim.Latency{Min: 2 * time.Millisecond}}, ResetDelay: sim.Latency{Min: time.Millisecond}},
		Disk:    sim.DiskOptions{SyncLatency: sim.Latency{Min: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: n, Peer: protocol.Config{TickTime: 500}, SessionTimeout: timeout, OnExpiry: policy})
	if err != nil {
		t.Fatal(err)
	}
	w.RunFor(100 * time.Millisecond)
	for _, id := range c.Clients() {
		if st := c.Client(id).State(); st != zkclient.StateConnected {
			t.Fatalf("client %d is %v", id, st)
		}
	}
	return w, c
}

// do issues a request on a client and runs the world until its outcome is known.
func do(t *testing.T, w *sim.World, cl *zkclient.Client, req checker.Request) checker.Operation {
	t.Helper()
	var got *checker.Operation
	if err := cl.Do(req, func(op checker.Operation) { got = &op }); err != nil {
		t.Fatal(err)
	}
	if !w.RunUntil(func() bool { return got != nil }, 30*time.Second) {
		t.Fatalf("%v %s: no outcome", req.Kind, req.Path)
	}
	return *got
}

// isolate cuts a node off from every other node.
func isolate(t *testing.T, w *sim.World, c *cluster.Cluster, n sim.NodeID) {
	t.Helper()
	var rest []sim.NodeID
	for _, id := range w.Nodes() {
		if id != n {
			rest = append(rest, id)
		}
	}
	if err := w.Net().Partition([]sim.NodeID{n}, rest); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectReregistersWatchesWithSetWatches(t *testing.T) {
	w, c := testWorld(t, 2, zkclient.RenewSession)
	a, b := c.Client(c.Clients()[0]), c.Client(c.Clients()[1])
	do(t, w, a, checker.Request{Kind: checker.OpCreate, Path: "/x", Data: "1"})
	do(t, w, a, checker.Request{Kind: checker.OpCreate, Path: "/y", Data: "1"})
	var events []checker.WatchEvent
	watcher := func(ev checker.WatchEvent) { events = append(events, ev) }
	for _, p := range []string{"/x", "/y"} {
		if err := a.DoWatch(checker.Request{Kind: checker.OpGetData, Path: p, Watch: true}, watcher, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.DoWatch(checker.Request{Kind: checker.OpExists, Path: "/z", Watch: true}, watcher, nil); err != nil {
		t.Fatal(err)
	}
	w.RunFor(100 * time.Millisecond)
	if data, exist, _ := a.Watches(); len(data) != 2 || len(exist) != 1 {
		t.Fatalf("watches %v %v", data, exist)
	}
	session := a.Session()
	// a loses its connection; meanwhile b changes /x. /y and /z stay as they are.
	isolate(t, w, c, c.Clients()[0])
	w.RunFor(10 * time.Millisecond)
	op := do(t, w, b, checker.Request{Kind: checker.OpSetData, Path: "/x", Data: "2", Version: -1})
	if !op.Succeeded() {
		t.Fatalf("setData: %+v", op)
	}
	w.RunFor(time.Second)
	if len(events) != 0 {
		t.Fatalf("events while partitioned: %v", events)
	}
	w.Net().Heal()
	if !w.RunUntil(func() bool { return len(events) > 0 }, 10*time.Second) {
		t.Fatal("the missed change never fired the watch")
	}
	w.RunFor(100 * time.Millisecond)
	if a.Session() != session || a.State() != zkclient.StateConnected {
		t.Fatalf("session %#x state %v, want %#x connected", a.Session(), a.State(), session)
	}
	if len(events) != 1 || events[0].Type != checker.EventNodeDataChanged || events[0].Path != "/x" {
		t.Fatalf("events %+v, want one NodeDataChanged on /x", events)
	}
	// The watches on /y and /z were re-registered on the new connection: they fire.
	do(t, w, b, checker.Request{Kind: checker.OpSetData, Path: "/y", Data: "2", Version: -1})
	do(t, w, b, checker.Request{Kind: checker.OpCreate, Path: "/z"})
	w.RunFor(100 * time.Millisecond)
	if len(events) != 3 || events[1].Path != "/y" || events[2].Type != checker.EventNodeCreated {
		t.Fatalf("events %+v", events)
	}
	if h := c.History(); len(h.WatchEvents) != 3 {
		t.Fatalf("history has %d watch events", len(h.WatchEvents))
	}
}

func TestExpiredSession(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy zkclient.ExpiryPolicy
	}{{"stop", zkclient.StopOnExpiry}, {"renew", zkclient.RenewSession}} {
		t.Run(tc.name, func(t *testing.T) {
			w, c := testWorld(t, 1, tc.policy)
			id := c.Clients()[0]
			a := c.Client(id)
			do(t, w, a, checker.Request{Kind: checker.OpCreate, Path: "/eph", Ephemeral: true})
			old := a.Session()
			isolate(t, w, c, id)
			var queued *checker.Operation
			w.RunFor(3 * time.Second) // the client notices (read timeout) and retries
			if a.State() == zkclient.StateConnected {
				t.Fatal("client still connected after 3s of partition")
			}
			if err := a.Do(checker.Request{Kind: checker.OpSetData, Path: "/eph", Data: "x", Version: -1}, func(op checker.Operation) { queued = &op }); err != nil {
				t.Fatal(err)
			}
			w.RunFor(5 * time.Second) // past the session timeout
			w.Net().Heal()
			w.RunFor(3 * time.Second)
			h := c.History()
			var kinds []checker.SessionEventKind
			for _, ev := range h.SessionEvents {
				kinds = append(kinds, ev.Kind)
			}
			if len(kinds) < 2 || kinds[1] != checker.SessionExpired || h.SessionEvents[1].Session != old {
				t.Fatalf("session events %+v", h.SessionEvents)
			}
			if queued == nil || queued.Outcome != checker.OutcomeFailed {
				t.Fatalf("request queued while disconnected: %+v", queued)
			}
			switch tc.policy {
			case zkclient.StopOnExpiry:
				if a.State() != zkclient.StateClosed {
					t.Fatalf("state %v", a.State())
				}
				if err := a.Do(checker.Request{Kind: checker.OpGetData, Path: "/"}, nil); !errors.Is(err, zkclient.ErrClosed) {
					t.Fatalf("Do after expiry: %v", err)
				}
			case zkclient.RenewSession:
				if a.State() != zkclient.StateConnected || a.Session() == old || a.Session() == 0 {
					t.Fatalf("state %v session %#x (old %#x)", a.State(), a.Session(), old)
				}
				if len(kinds) != 3 || kinds[2] != checker.SessionEstablished {
					t.Fatalf("session events %v", kinds)
				}
				// The expired session's ephemeral is gone.
				if op := do(t, w, a, checker.Request{Kind: checker.OpExists, Path: "/eph"}); op.Resp.Err != checker.ErrNoNode {
					t.Fatalf("ephemeral of the expired session: %+v", op.Resp)
				}
			}
		})
	}
}

func TestDroppedConnectionLeavesOutcomeUnknown(t *testing.T) {
	w, c := testWorld(t, 1, zkclient.RenewSession)
	id := c.Clients()[0]
	a := c.Client(id)
	do(t, w, a, checker.Request{Kind: checker.OpCreate, Path: "/k", Data: "0"})
	var got []checker.Operation
	for i := range 3 {
		req := checker.Request{Kind: checker.OpSetData, Path: "/k", Data: string(rune('a' + i)), Version: -1}
		if err := a.Do(req, func(op checker.Operation) { got = append(got, op) }); err != nil {
			t.Fatal(err)
		}
	}
	// The requests reach the server (2ms) but the replies are lost with the connection.
	w.RunFor(3 * time.Millisecond)
	for _, ci := range w.Net().Conns() {
		if err := w.Net().Blackhole(ci.ID); err != nil {
			t.Fatal(err)
		}
	}
	sent := w.Now()
	if !w.RunUntil(func() bool { return len(got) == 3 }, 10*time.Second) {
		t.Fatalf("outcomes: %+v", got)
	}
	for _, op := range got {
		if op.Outcome != checker.OutcomeUnknown || op.Resp.Err != checker.ErrConnectionLoss {
			t.Fatalf("op %+v, want unknown", op)
		}
	}
	// The dead connection is noticed by the read timeout (2/3 of the session timeout).
	if d := time.Duration(int64(got[0].Return) - int64(sent)); d < 2*timeout/3-50*time.Millisecond || d > 2*timeout/3+50*time.Millisecond {
		t.Fatalf("connection declared dead after %v", d)
	}
	w.RunFor(2 * time.Second)
	if a.State() != zkclient.StateConnected {
		t.Fatalf("state %v", a.State())
	}
	// Nothing was retried: the writes were applied once each, by the server, before the
	// cut, and the history holds each exactly once.
	op := do(t, w, a, checker.Request{Kind: checker.OpGetData, Path: "/k"})
	if op.Resp.Data != "c" || op.Resp.Stat.Version != 3 {
		t.Fatalf("after the cut /k = %q version %d, want \"c\" version 3", op.Resp.Data, op.Resp.Stat.Version)
	}
	if n := len(c.History().Ops); n != 5 {
		t.Fatalf("history has %d ops, want 5", n)
	}
}

func TestPingsKeepAnIdleSessionAlive(t *testing.T) {
	w, c := testWorld(t, 1, zkclient.RenewSession)
	a := c.Client(c.Clients()[0])
	session := a.Session()
	if a.NegotiatedTimeout() != timeout {
		t.Fatalf("negotiated %v", a.NegotiatedTimeout())
	}
	w.RunFor(30 * time.Second)
	if a.Session() != session || a.State() != zkclient.StateConnected {
		t.Fatalf("session %#x state %v after 30s idle", a.Session(), a.State())
	}
	if len(c.History().SessionEvents) != 1 {
		t.Fatalf("session events %+v", c.History().SessionEvents)
	}
}

func TestRepliesMatchPipelinedRequestsInOrder(t *testing.T) {
	w, c := testWorld(t, 1, zkclient.RenewSession)
	a := c.Client(c.Clients()[0])
	var order []string
	reqs := []checker.Request{
		{Kind: checker.OpCreate, Path: "/p", Data: "v0"},
		{Kind: checker.OpGetData, Path: "/p"},
		{Kind: checker.OpSetData, Path: "/p", Data: "v1", Version: 0},
		{Kind: checker.OpGetData, Path: "/p"},
		{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpCheck, Path: "/p", Version: 1}, {Kind: checker.OpCreate, Path: "/p/c", Sequential: true}}},
		{Kind: checker.OpGetChildren, Path: "/p"},
		{Kind: checker.OpDelete, Path: "/p", Version: -1},
	}
	for _, r := range reqs {
		if err := a.Do(r, func(op checker.Operation) { order = append(order, op.Req.Kind.String()+":"+op.Resp.Data) }); err != nil {
			t.Fatal(err)
		}
	}
	w.RunFor(time.Second)
	h := c.History()
	want := []string{"create:", "getData:v0", "setData:", "getData:v1", "multi:", "getChildren:", "delete:"}
	if len(order) != len(want) {
		t.Fatalf("order %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if got := h.Ops[4].Resp.Results; len(got) != 2 || got[1].Path != "/p/c0000000000" {
		t.Fatalf("multi results %+v", got)
	}
	if got := h.Ops[5].Resp.Children; len(got) != 1 {
		t.Fatalf("children %v", got)
	}
	if h.Ops[6].Resp.Err != checker.ErrNotEmpty {
		t.Fatalf("delete of a parent: %+v", h.Ops[6].Resp)
	}
	for i := 1; i < len(h.Ops); i++ {
		if h.Ops[i].Zxid < h.Ops[i-1].Zxid {
			t.Fatalf("zxids go back: %#x then %#x", h.Ops[i-1].Zxid, h.Ops[i].Zxid)
		}
	}
	if err := a.Do(checker.Request{Kind: checker.OpCheck, Path: "/p"}, nil); !errors.Is(err, zkclient.ErrBadRequest) {
		t.Fatalf("top-level check: %v", err)
	}
}

func TestSessionCloseAndReopen(t *testing.T) {
	w, c := testWorld(t, 2, zkclient.RenewSession)
	a, b := c.Client(c.Clients()[0]), c.Client(c.Clients()[1])
	do(t, w, a, checker.Request{Kind: checker.OpCreate, Path: "/e", Ephemeral: true})
	old := a.Session()
	closed := false
	a.Close(func() { closed = true })
	w.RunFor(100 * time.Millisecond)
	if !closed || a.State() != zkclient.StateClosed {
		t.Fatalf("closed %v state %v", closed, a.State())
	}
	if err := a.Do(checker.Request{Kind: checker.OpGetData, Path: "/"}, nil); !errors.Is(err, zkclient.ErrClosed) {
		t.Fatalf("Do on a closed client: %v", err)
	}
	if op := do(t, w, b, checker.Request{Kind: checker.OpExists, Path: "/e"}); op.Resp.Err != checker.ErrNoNode {
		t.Fatalf("ephemeral after close: %+v", op.Resp)
	}
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	w.RunFor(100 * time.Millisecond)
	if a.State() != zkclient.StateConnected || a.Session() == old {
		t.Fatalf("reopen: state %v session %#x", a.State(), a.Session())
	}
	ev := c.History().SessionEvents
	if len(ev) != 4 || ev[2].Kind != checker.SessionClosed || ev[2].Session != old || ev[2].Zxid == 0 {
		t.Fatalf("session events %+v", ev)
	}
}

// A close whose connection dies before closeSession is answered still ends: the
// client is closed and the caller's callback runs, so it can open a new session.
func TestCloseLosingItsConnectionStillCallsBack(t *testing.T) {
	w, c := testWorld(t, 1, zkclient.RenewSession)
	a := c.Client(c.Clients()[0])
	isolate(t, w, c, c.Clients()[0]) // the closeSession is never answered
	closed := 0
	a.Close(func() { closed++ })
	if a.State() != zkclient.StateClosing {
		t.Fatalf("state %v, want closing", a.State())
	}
	if !w.RunUntil(func() bool { return closed > 0 }, 2*timeout) {
		t.Fatalf("close never called back; state %v", a.State())
	}
	if closed != 1 || a.State() != zkclient.StateClosed {
		t.Fatalf("callbacks %d state %v, want 1 closed", closed, a.State())
	}
	w.Net().Heal()
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	if !w.RunUntil(func() bool { return a.State() == zkclient.StateConnected }, 2*timeout) {
		t.Fatalf("reopen: state %v", a.State())
	}
}

// countTask counts its runs and finishes after a fixed delay.
type countTask struct {
	runs, inflight, most int
	hold                 time.Duration
}

func (ct *countTask) Run(c *zkclient.Client, _ *rand.Rand, done func()) {
	ct.runs++
	ct.inflight++
	ct.most = max(ct.most, ct.inflight)
	c.After(ct.hold, func() { ct.inflight--; done() })
}

func TestMixBoundsTasksAndConcurrency(t *testing.T) {
	w, err := sim.New(sim.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	task := &countTask{hold: 50 * time.Millisecond}
	_, err = cluster.New(w, cluster.Config{Servers: 1, Clients: 1, Peer: protocol.Config{TickTime: 500},
		Workload: func(int) zkclient.Workload {
			return &zkclient.Mix{Rand: w.Rand(sim.StreamWorkload), Interval: time.Millisecond, Concurrency: 3, MaxTasks: 40,
				Tasks: []zkclient.Weighted{{Weight: 1, Task: task}, {Weight: 0, Task: &zkclient.SessionChurn{}}}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.RunFor(10 * time.Second)
	if task.runs != 40 || task.most != 3 || task.inflight != 0 {
		t.Fatalf("runs %d, most in flight %d, in flight %d; want 40, 3, 0", task.runs, task.most, task.inflight)
	}
}
