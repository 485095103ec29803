package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// netModel drives a small world with random traffic and faults and checks, inside
// every callback, the network and lifecycle guarantees against its own model of the
// partitions, the node states and the clocks.
type netModel struct {
	t       *rapid.T
	w       *World
	n       int
	blocked [][]bool // the model's partition matrix, [from][to], 1-based
	cuts    [][]int  // times each link went from open to blocked
	conns   map[ConnID]*modelConn
	order   []ConnID // dial order
	procs   []*modelProc
	lastNow Time
	mono    []time.Duration
	wall    []Time
	jumped  []bool // a backward jump happened since the node's wall clock was last read
	timers  map[TimerID]modelTimer
}

type modelConn struct {
	a, b         NodeID // dialer, acceptor
	cutsAtDial   int
	blockedAtDal bool
	sent         [2]uint64 // by end (0 dialer, 1 acceptor)
	recv         [2]uint64 // by receiving end
}

type modelProc struct {
	m   *netModel
	id  NodeID
	env *Env
}

func (m *netModel) cutSum(a, b NodeID) int { return m.cuts[a][b] + m.cuts[b][a] }

// observe checks what every callback may rely on.
func (p *modelProc) observe(what string) {
	m, t := p.m, p.m.t
	if st, _ := m.w.State(p.id); st != StateUp {
		t.Fatalf("node %d ran %s while %v", p.id, what, st)
	}
	now := m.w.Now()
	if now < m.lastNow {
		t.Fatalf("true time went back from %v to %v", m.lastNow, now)
	}
	m.lastNow = now
	if mono := p.env.Monotonic(); mono < m.mono[p.id] {
		t.Fatalf("node %d monotonic clock went back from %v to %v", p.id, m.mono[p.id], mono)
	} else {
		m.mono[p.id] = mono
	}
	if wall := p.env.Now(); wall < m.wall[p.id] && !m.jumped[p.id] {
		t.Fatalf("node %d wall clock went back from %v to %v with no backward jump", p.id, m.wall[p.id], wall)
	} else {
		m.wall[p.id], m.jumped[p.id] = wall, false
	}
}

func (p *modelProc) end(c ConnID) (*modelConn, int) {
	mc := p.m.conns[c]
	if mc == nil {
		p.m.t.Fatalf("callback for unknown connection %d", c)
	}
	if mc.a == p.id {
		return mc, 0
	}
	return mc, 1
}

// checkPath fails if c's two nodes were ever cut apart since the dial.
func (p *modelProc) checkPath(c ConnID, what string) {
	m := p.m
	mc, _ := p.end(c)
	if mc.blockedAtDal || m.blocked[mc.a][mc.b] || m.blocked[mc.b][mc.a] || m.cutSum(mc.a, mc.b) != mc.cutsAtDial {
		m.t.Fatalf("%s on connection %d (%d<->%d) crossed a partition", what, c, mc.a, mc.b)
	}
}

func (p *modelProc) Start(env *Env) { p.env = env; p.observe("start") }

func (p *modelProc) OnConnect(c ConnID, peer NodeID, dialed bool) {
	p.observe("connect")
	p.checkPath(c, "connect")
	mc, i := p.end(c)
	if dialed != (i == 0) || (i == 0 && peer != mc.b) || (i == 1 && peer != mc.a) {
		p.m.t.Fatalf("connect %d: wrong peer %d or side %v", c, peer, dialed)
	}
}

func (p *modelProc) OnMessage(c ConnID, msg []byte) {
	p.observe("message")
	p.checkPath(c, "message")
	mc, i := p.end(c)
	seq := binary.BigEndian.Uint64(msg)
	if seq != mc.recv[i] {
		p.m.t.Fatalf("connection %d end %d: got message %d, want %d (FIFO, no gaps)", c, i, seq, mc.recv[i])
	}
	if !bytes.Equal(msg[8:], payloadFor(c, i, seq)) {
		p.m.t.Fatalf("connection %d: message %d corrupted", c, seq)
	}
	mc.recv[i]++
}

func (p *modelProc) OnClose(ConnID, error) { p.observe("close") }
func (p *modelProc) OnTimer(id TimerID) {
	p.observe("timer")
	m := p.m
	tm, ok := m.timers[id]
	if !ok {
		m.t.Fatalf("node %d: unknown timer %d fired", p.id, id)
	}
	delete(m.timers, id)
	// Timers run on the monotonic clock; with the drift unchanged since it was set,
	// a timer never fires early.
	if c, _ := m.w.Clock(p.id); c.DriftPPM() == tm.ppm {
		if el := p.env.Monotonic() - tm.mono; el < tm.d {
			m.t.Fatalf("node %d: timer for %v fired after %v", p.id, tm.d, el)
		}
	}
}

type modelTimer struct {
	mono, d time.Duration
	ppm     int64
}

func (p *modelProc) OnSyncDone(SyncID, error) { p.observe("sync") }
func payloadFor(c ConnID, end int, seq uint64) []byte {
	return fmt.Appendf(nil, "%d/%d/%d", c, end, seq)
}

func (m *netModel) setBlocked(a, b NodeID, v bool) {
	if v && !m.blocked[a][b] {
		m.cuts[a][b]++
	}
	m.blocked[a][b] = v
}

func newNetModel(t *rapid.T) *netModel {
	n := rapid.IntRange(2, 5).Draw(t, "nodes")
	opts := Options{
		Seed: rapid.Uint64().Draw(t, "seed"),
		Network: NetworkOptions{
			Link: LinkOptions{Latency: Latency{
				Min:             time.Duration(rapid.IntRange(0, 5).Draw(t, "min")) * ms,
				Mean:            time.Duration(rapid.IntRange(0, 20).Draw(t, "mean")) * ms,
				TailProbability: rapid.Float64Range(0, 0.2).Draw(t, "tailp"),
				TailMax:         time.Second,
			}},
			ResetProbability: rapid.Float64Range(0, 1).Draw(t, "resetp"),
			ResetDelay:       Latency{Mean: ms},
		},
		Clock: ClockOptions{MaxOffset: time.Second, MaxDriftPPM: 1000},
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m := &netModel{t: t, w: w, n: n, conns: map[ConnID]*modelConn{}, timers: map[TimerID]modelTimer{},
		procs: make([]*modelProc, n+1), mono: make([]time.Duration, n+1), wall: make([]Time, n+1), jumped: make([]bool, n+1)}
	for range n + 1 {
		m.blocked = append(m.blocked, make([]bool, n+1))
		m.cuts = append(m.cuts, make([]int, n+1))
	}
	for i := range n {
		kind := KindServer
		if i == n-1 {
			kind = KindClient
		}
		if _, err := w.AddNode(kind, func(id NodeID) Process {
			p := &modelProc{m: m, id: id}
			m.procs[id] = p
			return p
		}); err != nil {
			t.Fatal(err)
		}
	}
	for id := 1; id <= n; id++ {
		c, _ := w.Clock(NodeID(id))
		m.wall[id] = c.Now()
	}
	w.RunFor(0)
	return m
}

func (m *netModel) node(t *rapid.T, label string) NodeID {
	return NodeID(rapid.IntRange(1, m.n).Draw(t, label))
}

func (m *netModel) liveProc(id NodeID) *modelProc {
	if st, _ := m.w.State(id); st != StateUp || m.procs[id] == nil || m.procs[id].env == nil || !m.procs[id].env.live() {
		return nil
	}
	return m.procs[id]
}

func (m *netModel) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"dial": func(t *rapid.T) {
			a, b := m.node(t, "from"), m.node(t, "to")
			p := m.liveProc(a)
			if p == nil || a == b {
				return
			}
			c, err := p.env.Dial(b)
			if err != nil {
				t.Fatal(err)
			}
			m.conns[c] = &modelConn{a: a, b: b, cutsAtDial: m.cutSum(a, b), blockedAtDal: m.blocked[a][b] || m.blocked[b][a]}
			m.order = append(m.order, c)
		},
		"send": func(t *rapid.T) {
			var open []ConnID // newest first: rapid favours early entries
			for _, ci := range slices.Backward(m.w.Net().Conns()) {
				if ci.Established && !ci.Broken {
					open = append(open, ci.ID)
				}
			}
			if len(open) == 0 {
				return
			}
			c := rapid.SampledFrom(open).Draw(t, "conn")
			mc := m.conns[c]
			i := rapid.IntRange(0, 1).Draw(t, "end")
			p := m.liveProc([2]NodeID{mc.a, mc.b}[i])
			if p == nil {
				return
			}
			for range rapid.IntRange(5, 30).Draw(t, "count") {
				msg := binary.BigEndian.AppendUint64(nil, mc.sent[i])
				msg = append(msg, payloadFor(c, 1-i, mc.sent[i])...)
				if err := p.env.Send(c, msg); err != nil {
					break
				}
				mc.sent[i]++
			}
		},
		"close": func(t *rapid.T) {
			if len(m.order) == 0 {
				return
			}
			c := rapid.SampledFrom(m.order).Draw(t, "conn")
			mc := m.conns[c]
			if p := m.liveProc([2]NodeID{mc.a, mc.b}[rapid.IntRange(0, 1).Draw(t, "end")]); p != nil {
				_ = p.env.Close(c)
			}
		},
		"partition": func(t *rapid.T) {
			group := make([]int, m.n+1)
			groups := make([][]NodeID, 3)
			for id := 1; id <= m.n; id++ {
				group[id] = rapid.IntRange(0, 2).Draw(t, "group")
				groups[group[id]] = append(groups[group[id]], NodeID(id))
			}
			if err := m.w.Net().Partition(groups[1], groups[2]); err != nil {
				t.Fatal(err)
			}
			for a := 1; a <= m.n; a++ {
				for b := 1; b <= m.n; b++ {
					m.setBlocked(NodeID(a), NodeID(b), group[a] != 0 && group[b] != 0 && group[a] != group[b])
				}
			}
		},
		"oneway": func(t *rapid.T) {
			a, b := m.node(t, "from"), m.node(t, "to")
			if err := m.w.Net().PartitionOneWay([]NodeID{a}, []NodeID{b}); err != nil {
				t.Fatal(err)
			}
			if a != b {
				m.setBlocked(a, b, true)
			}
		},
		"heal": func(t *rapid.T) {
			m.w.Net().Heal()
			for a := 1; a <= m.n; a++ {
				for b := 1; b <= m.n; b++ {
					m.setBlocked(NodeID(a), NodeID(b), false)
				}
			}
		},
		"reset": func(t *rapid.T) {
			if len(m.order) == 0 {
				return
			}
			c := rapid.SampledFrom(m.order).Draw(t, "conn")
			if rapid.Bool().Draw(t, "blackhole") {
				_ = m.w.Net().Blackhole(c)
			} else {
				_ = m.w.Net().Reset(c)
			}
		},
		"link": func(t *rapid.T) {
			err := m.w.Net().SetLink(m.node(t, "from"), m.node(t, "to"), LinkOptions{
				Latency:   Latency{Mean: time.Duration(rapid.IntRange(0, 50).Draw(t, "mean")) * ms},
				Bandwidth: rapid.Int64Range(0, 100_000).Draw(t, "bw"),
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		"clog": func(t *rapid.T) {
			if id := m.node(t, "node"); rapid.Bool().Draw(t, "unclog") {
				_ = m.w.Net().Unclog(id)
			} else {
				_ = m.w.Net().Clog(id)
			}
		},
		"spike": func(t *rapid.T) {
			_ = m.w.Net().SpikeDelay(m.node(t, "from"), m.node(t, "to"), 100*ms, 50*ms)
		},
		"crash": func(t *rapid.T) { _ = m.w.Crash(m.node(t, "node")) },
		"restart": func(t *rapid.T) {
			_ = m.w.Restart(m.node(t, "node"))
		},
		"pause":  func(t *rapid.T) { _ = m.w.Pause(m.node(t, "node")) },
		"resume": func(t *rapid.T) { _ = m.w.Resume(m.node(t, "node")) },
		"timer": func(t *rapid.T) {
			id := m.node(t, "node")
			if p := m.liveProc(id); p != nil {
				d := time.Duration(rapid.IntRange(0, 100_000).Draw(t, "us")) * time.Microsecond
				c, _ := m.w.Clock(id)
				m.timers[p.env.SetTimer(d)] = modelTimer{mono: p.env.Monotonic(), d: d, ppm: c.DriftPPM()}
			}
		},
		"clock": func(t *rapid.T) {
			id := m.node(t, "node")
			c, _ := m.w.Clock(id)
			jump := time.Duration(rapid.IntRange(-1000, 1000).Draw(t, "jump ms")) * ms
			if err := c.Jump(jump); err != nil {
				t.Fatal(err)
			}
			if jump < 0 {
				m.jumped[id] = true
			}
			if err := c.SetDrift(rapid.Int64Range(-maxDriftPPM, maxDriftPPM).Draw(t, "ppm")); err != nil {
				t.Fatal(err)
			}
		},
		"run": func(t *rapid.T) {
			m.w.RunFor(time.Duration(rapid.IntRange(0, 200).Draw(t, "run ms")) * ms)
		},
	}
}

// Properties checked in every callback: FIFO and gap-free delivery per connection,
// nothing crossing a partition (two-way or one-way, including messages sent before
// it), no callback on a paused or crashed node, true time and every monotonic clock
// never going back, wall clocks going back only after an injected backward jump.
func TestPropertyNetworkAndLifecycle(t *testing.T) {
	var delivered, runs uint64
	rapid.Check(t, func(t *rapid.T) {
		runs++
		m := newNetModel(t)
		actions := m.actions()
		// Traffic first: rapid favours small indexes, so early names are drawn more.
		names := []string{"send", "run", "send", "dial", "run", "send", "heal", "timer", "close",
			"run", "send", "dial", "link", "spike", "reset", "pause", "resume", "oneway",
			"partition", "clock", "crash", "restart", "clog"}
		for name := range actions {
			if !slices.Contains(names, name) {
				t.Fatalf("action %q is never drawn", name)
			}
		}
		for range rapid.IntRange(100, 400).Draw(t, "steps") {
			actions[rapid.SampledFrom(names).Draw(t, "action")](t)
		}
		// Drain: nothing may be violated while the queue empties either.
		m.w.RunFor(time.Minute)
		for c, mc := range m.conns {
			delivered += mc.recv[0] + mc.recv[1]
			for i := range 2 {
				if mc.recv[1-i] > mc.sent[i] {
					t.Fatalf("connection %d: %d received, %d sent", c, mc.recv[1-i], mc.sent[i])
				}
			}
		}
	})
	t.Logf("%d messages delivered and checked", delivered)
	if delivered < 10*runs {
		t.Fatalf("only %d messages delivered in all runs: the property is too weak", delivered)
	}
}

// A paused node processes nothing, and once resumed it gets everything that waited.
func TestPropertyPauseDefers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w, p := newTestWorld(t, latencyOpts(ms, time.Duration(rapid.IntRange(0, 10).Draw(t, "mean"))*ms), 2)
		c := mustDial(t, p[0], 2)
		w.RunFor(time.Second)
		n := rapid.IntRange(0, 50).Draw(t, "messages")
		pauseAt := time.Duration(rapid.IntRange(0, 30).Draw(t, "pause at ms")) * ms
		w.After(pauseAt, func() { must(t, w.Pause(2)) })
		p[1].env.SetTimer(time.Duration(rapid.IntRange(0, 60).Draw(t, "timer ms")) * ms)
		for i := range n {
			must(t, p[0].env.Send(c, fmt.Appendf(nil, "%d", i)))
		}
		w.RunFor(pauseAt)
		before := len(p[1].log)
		w.RunFor(time.Duration(rapid.IntRange(0, 1000).Draw(t, "paused ms")) * ms)
		if len(p[1].log) != before {
			t.Fatalf("paused node processed %v", p[1].log[before:])
		}
		must(t, w.Resume(2))
		w.RunFor(time.Second)
		if got := len(p[1].recv[c]); got != n {
			t.Fatalf("after resume %d of %d messages arrived", got, n)
		}
		for i, msg := range p[1].recv[c] {
			if string(msg) != fmt.Sprint(i) {
				t.Fatalf("message %d is %q", i, msg)
			}
		}
	})
}

// mfile is the model of one file: what reads see and what is durable.
type mfile struct{ cur, durable []byte }

// A crash keeps exactly the data of completed syncs, plus at most a prefix of
// unsynced appends (a torn tail); reads afterwards return exactly that.
func TestPropertyCrashKeepsSyncedData(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w, p := newTestWorld(t, Options{
			Seed: rapid.Uint64().Draw(t, "seed"),
			Disk: DiskOptions{
				SyncLatency:     Latency{Mean: time.Duration(rapid.IntRange(0, 10).Draw(t, "sync mean")) * ms},
				TornProbability: rapid.Float64Range(0, 1).Draw(t, "torn"),
			},
		}, 1)
		d, _ := w.Disk(1)
		model := map[string]*mfile{}
		type pendingSync struct {
			f    *mfile
			snap []byte
		}
		pending := map[SyncID]pendingSync{}
		hook := func(q *testProc) {
			q.synced = func(_ *testProc, id SyncID, err error) {
				ps, ok := pending[id]
				if !ok {
					t.Fatalf("completion of unknown sync %d", id)
				}
				delete(pending, id)
				if err != nil {
					t.Fatalf("sync failed without faults: %v", err)
				}
				ps.f.durable = ps.snap
			}
		}
		hook(p[0])
		names := []string{"log", "snap", "epoch"}
		t.Repeat(map[string]func(*rapid.T){
			"write": func(t *rapid.T) {
				name := rapid.SampledFrom(names).Draw(t, "name")
				data := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "data")
				must(t, d.WriteFile(name, data))
				if model[name] == nil {
					model[name] = &mfile{}
				}
				model[name].cur = slices.Clone(data)
			},
			"append": func(t *rapid.T) {
				name := rapid.SampledFrom(names).Draw(t, "name")
				data := rapid.SliceOfN(rapid.Byte(), 1, 20).Draw(t, "data")
				err := d.Append(name, data)
				if f := model[name]; f != nil {
					must(t, err)
					f.cur = append(slices.Clone(f.cur), data...)
				} else {
					wantErr(t, err, ErrFileNotFound)
				}
			},
			"sync": func(t *rapid.T) {
				name := rapid.SampledFrom(names).Draw(t, "name")
				id, err := d.Sync(name)
				if f := model[name]; f != nil {
					must(t, err)
					pending[id] = pendingSync{f, slices.Clone(f.cur)}
				} else {
					wantErr(t, err, ErrFileNotFound)
				}
			},
			"rename": func(t *rapid.T) {
				from, to := rapid.SampledFrom(names).Draw(t, "from"), rapid.SampledFrom(names).Draw(t, "to")
				err := d.Rename(from, to)
				if f := model[from]; f != nil {
					must(t, err)
					delete(model, from)
					model[to] = f
				} else {
					wantErr(t, err, ErrFileNotFound)
				}
			},
			"run": func(t *rapid.T) {
				w.RunFor(time.Duration(rapid.IntRange(0, 20).Draw(t, "ms")) * ms)
			},
			"crash": func(t *rapid.T) {
				must(t, w.Crash(1))
				clear(pending)
				for _, name := range d.List() {
					f := model[name]
					if f == nil {
						t.Fatalf("file %q appeared", name)
					}
					got, _ := d.ReadFile(name)
					torn := bytes.HasPrefix(f.cur, f.durable) && len(got) > len(f.durable) && bytes.HasPrefix(f.cur, got)
					if !bytes.Equal(got, f.durable) && !torn {
						t.Fatalf("%q after crash = %q; durable %q, unsynced view %q", name, got, f.durable, f.cur)
					}
					f.cur, f.durable = got, slices.Clone(got)
				}
				if len(d.List()) != len(model) {
					t.Fatalf("files %v, model has %d", d.List(), len(model))
				}
				must(t, w.Restart(1))
				w.RunFor(0)
				hook(p[0])
			},
		})
	})
}
