package sim

import (
	"errors"
	"fmt"
	"time"
)

// testProc is a Process whose callbacks are recorded and can be overridden.
type testProc struct {
	env     *Env
	log     []string
	peers   map[ConnID]NodeID
	recv    map[ConnID][][]byte
	closed  map[ConnID]error
	start   func(p *testProc)
	message func(p *testProc, c ConnID, msg []byte)
	timer   func(p *testProc, id TimerID)
	synced  func(p *testProc, id SyncID, err error)
}

func (p *testProc) Start(env *Env) {
	p.env = env
	p.peers = map[ConnID]NodeID{}
	p.recv = map[ConnID][][]byte{}
	p.closed = map[ConnID]error{}
	p.log = append(p.log, "start")
	if p.start != nil {
		p.start(p)
	}
}

func (p *testProc) OnConnect(c ConnID, peer NodeID, dialed bool) {
	p.peers[c] = peer
	p.log = append(p.log, fmt.Sprintf("connect c%d n%d dialed=%v", c, peer, dialed))
}

func (p *testProc) OnMessage(c ConnID, msg []byte) {
	p.recv[c] = append(p.recv[c], msg)
	p.log = append(p.log, fmt.Sprintf("msg c%d %q", c, msg))
	if p.message != nil {
		p.message(p, c, msg)
	}
}

func (p *testProc) OnClose(c ConnID, err error) {
	p.closed[c] = err
	p.log = append(p.log, fmt.Sprintf("close c%d %v", c, err))
}

func (p *testProc) OnTimer(id TimerID) {
	p.log = append(p.log, fmt.Sprintf("timer %d", id))
	if p.timer != nil {
		p.timer(p, id)
	}
}

func (p *testProc) OnSyncDone(id SyncID, err error) {
	p.log = append(p.log, fmt.Sprintf("sync %d %v", id, err))
	if p.synced != nil {
		p.synced(p, id, err)
	}
}

// newTestWorld builds a world with n server nodes running testProcs; procs[i] is the
// current process of node i+1 (replaced on restart).
func newTestWorld(t tb, opts Options, n int) (*World, []*testProc) {
	t.Helper()
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	procs := make([]*testProc, n)
	for range n {
		if _, err := w.AddNode(KindServer, func(id NodeID) Process {
			p := &testProc{}
			procs[id-1] = p
			return p
		}); err != nil {
			t.Fatal(err)
		}
	}
	w.RunFor(0)
	return w, procs
}

func must(t tb, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustDial(t tb, p *testProc, to NodeID) ConnID {
	t.Helper()
	c, err := p.env.Dial(to)
	must(t, err)
	return c
}

func wantErr(t tb, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("error %v, want %v", got, want)
	}
}

var ms = time.Millisecond

// tb is what the helpers need of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}
