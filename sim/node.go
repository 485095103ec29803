package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// NodeID names a node. Ids are small integers handed out by AddNode from 1.
type NodeID int32

// NodeKind says what a node runs. Clients are nodes too, so their traffic to servers
// crosses the same network and suffers the same partitions.
type NodeKind uint8

const (
	KindServer NodeKind = iota + 1
	KindClient
)

func (k NodeKind) String() string {
	switch k {
	case KindServer:
		return "server"
	case KindClient:
		return "client"
	}
	return "kind?"
}

// NodeState is where a node is in its lifecycle.
type NodeState uint8

const (
	// StateUp: the process runs and handles events.
	StateUp NodeState = iota + 1
	// StateCrashed: the process and its memory are gone; the disk holds what the crash
	// left. Restart boots a fresh process.
	StateCrashed
	// StatePaused: the process is stopped; its messages, timers and sync completions
	// wait, in order, until Resume.
	StatePaused
)

func (s NodeState) String() string {
	switch s {
	case StateUp:
		return "up"
	case StateCrashed:
		return "crashed"
	case StatePaused:
		return "paused"
	}
	return "state?"
}

// TimerID names a timer set by a process.
type TimerID uint64

// Process is the code a node runs: a server's protocol host or a simulated client. The
// world calls it from its single goroutine, one callback at a time. A process must not
// keep its Env after a crash; a restart calls Start on a fresh process from the
// node's factory.
//
// For each connection a process sees OnConnect at most once, then messages in the
// order the peer sent them, then OnClose at most once, unless it closed the
// connection itself (then nothing more). A dial that fails yields only OnClose with
// ErrRefused, ErrDialTimeout or ErrReset.
type Process interface {
	// Start is called when the node boots or restarts.
	Start(env *Env)
	// OnConnect reports an established connection; dialed is true on the side that
	// called Dial.
	OnConnect(c ConnID, peer NodeID, dialed bool)
	// OnMessage delivers one message; the process owns msg.
	OnMessage(c ConnID, msg []byte)
	// OnClose reports that c is gone: ErrPeerClosed, ErrReset, ErrRefused or
	// ErrDialTimeout.
	OnClose(c ConnID, err error)
	// OnTimer reports that a timer set with Env.SetTimer fired.
	OnTimer(id TimerID)
	// OnSyncDone reports the outcome of Disk.Sync: nil once the data is durable, or
	// ErrSyncFailed.
	OnSyncDone(id SyncID, err error)
}

type node struct {
	id       NodeID
	kind     NodeKind
	factory  func(NodeID) Process
	state    NodeState
	gen      uint32 // incarnation; bumped by a crash so old events are dropped
	proc     Process
	env      *Env
	seed     uint64
	clock    Clock
	disk     Disk
	timers   map[TimerID]struct{}
	deferred []event
	points   map[string]*crashPoint // armed crash points; they survive restarts
}

type crashPoint struct{ nth, seen int }

// AddNode adds a node whose process the factory builds (again at every restart) and
// boots it now. The node's clock gets an offset and drift drawn from Options.Clock.
func (w *World) AddNode(kind NodeKind, factory func(NodeID) Process) (NodeID, error) {
	if kind != KindServer && kind != KindClient {
		return 0, fmt.Errorf("%w: node kind %d", ErrInvalidOptions, kind)
	}
	if factory == nil {
		return 0, fmt.Errorf("%w: nil process factory", ErrInvalidOptions)
	}
	id := NodeID(len(w.nodes) + 1)
	n := &node{
		id:      id,
		kind:    kind,
		factory: factory,
		state:   StateUp,
		gen:     1,
		seed:    w.rands[streamProcess].Uint64(),
		timers:  map[TimerID]struct{}{},
	}
	crng := newPCG(w.seeds[streamClock], uint64(id))
	n.clock = Clock{w: w, node: id, t0: w.now, wall: w.now}
	if mo := int64(w.opts.Clock.MaxOffset); mo > 0 {
		n.clock.wall += Time(crng.Int64N(2*mo+1) - mo)
	}
	if md := w.opts.Clock.MaxDriftPPM; md > 0 {
		n.clock.ppm = crng.Int64N(2*md+1) - md
	}
	n.disk.init(w, id, newPCG(w.seeds[streamDisk], uint64(id)))
	w.nodes = append(w.nodes, n)
	w.net.grow(len(w.nodes))
	w.trace.begin(w.now, "add")
	w.trace.node("n", id)
	w.trace.str("kind", kind.String())
	w.trace.int("offset", int64(n.clock.wall-w.now))
	w.trace.int("drift", n.clock.ppm)
	w.trace.end()
	w.push(event{at: w.now, kind: evBoot, node: id, gen: n.gen})
	return id, nil
}

func (w *World) node(id NodeID) (*node, error) {
	if id < 1 || int(id) > len(w.nodes) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownNode, id)
	}
	return w.nodes[id-1], nil
}

// Nodes lists every node id in order.
func (w *World) Nodes() []NodeID {
	ids := make([]NodeID, len(w.nodes))
	for i := range ids {
		ids[i] = NodeID(i + 1)
	}
	return ids
}

// Kind reports a node's kind.
func (w *World) Kind(id NodeID) (NodeKind, error) {
	n, err := w.node(id)
	if err != nil {
		return 0, err
	}
	return n.kind, nil
}

// State reports a node's lifecycle state.
func (w *World) State(id NodeID) (NodeState, error) {
	n, err := w.node(id)
	if err != nil {
		return 0, err
	}
	return n.state, nil
}

// Process returns the node's current process (nil before boot or while crashed), so
// tests and checkers can inspect it.
func (w *World) Process(id NodeID) (Process, error) {
	n, err := w.node(id)
	if err != nil {
		return nil, err
	}
	return n.proc, nil
}

// Clock returns the node's clock, for reading and for injecting jumps and drift.
func (w *World) Clock(id NodeID) (*Clock, error) {
	n, err := w.node(id)
	if err != nil {
		return nil, err
	}
	return &n.clock, nil
}

// Disk returns the node's disk, for inspection and fault injection.
func (w *World) Disk(id NodeID) (*Disk, error) {
	n, err := w.node(id)
	if err != nil {
		return nil, err
	}
	return &n.disk, nil
}

func (w *World) boot(n *node) {
	w.trace.lifecycle(w.now, "boot", n.id, n.gen)
	n.env = &Env{w: w, n: n, gen: n.gen, rng: newPCG(n.seed, uint64(n.gen))}
	n.proc = n.factory(n.id)
	if n.proc != nil {
		n.proc.Start(n.env)
	}
}

// Crash kills a node (up or paused) at once, like kill -9 of the process: memory,
// timers and pending events are gone, unsynced disk data is dropped (or torn, see
// DiskOptions.TornProbability), and peers' connections are reset (or, across a
// partition, silently dead).
func (w *World) Crash(id NodeID) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if n.state == StateCrashed {
		return fmt.Errorf("%w: crash node %d: already crashed", ErrNodeState, id)
	}
	n.state = StateCrashed
	n.gen++
	n.proc = nil
	n.env = nil
	n.deferred = nil
	clear(n.timers)
	w.trace.lifecycle(w.now, "crash", id, n.gen)
	n.disk.crash()
	w.net.crashed(id)
	return nil
}

// Restart boots a fresh process on a crashed node; it starts from its disk.
func (w *World) Restart(id NodeID) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if n.state != StateCrashed {
		return fmt.Errorf("%w: restart node %d: it is %v", ErrNodeState, id, n.state)
	}
	n.state = StateUp
	w.trace.lifecycle(w.now, "restart", id, n.gen)
	w.push(event{at: w.now, kind: evBoot, node: id, gen: n.gen})
	return nil
}

// Pause stops a running node: it processes nothing until Resume. Its connections stay
// open; what arrives for it waits.
func (w *World) Pause(id NodeID) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if n.state != StateUp {
		return fmt.Errorf("%w: pause node %d: it is %v", ErrNodeState, id, n.state)
	}
	n.state = StatePaused
	w.trace.lifecycle(w.now, "pause", id, n.gen)
	return nil
}

// Resume restarts a paused node's processing: everything that waited is handled now,
// in the order it became due.
func (w *World) Resume(id NodeID) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if n.state != StatePaused {
		return fmt.Errorf("%w: resume node %d: it is %v", ErrNodeState, id, n.state)
	}
	n.state = StateUp
	w.trace.lifecycle(w.now, "resume", id, n.gen)
	for _, ev := range n.deferred {
		ev.at = w.now
		w.push(ev)
	}
	n.deferred = n.deferred[:0]
	return nil
}

// ArmCrashPoint makes the node crash the nth time (0: the first) its process reaches
// the named point (see Env.CrashPoint). Arming a point again replaces it.
func (w *World) ArmCrashPoint(id NodeID, point string, nth int) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if point == "" || nth < 0 {
		return fmt.Errorf("%w: crash point %q nth %d", ErrInvalidOptions, point, nth)
	}
	if n.points == nil {
		n.points = map[string]*crashPoint{}
	}
	n.points[point] = &crashPoint{nth: nth}
	w.trace.begin(w.now, "arm")
	w.trace.node("n", id)
	w.trace.quoted("point", point)
	w.trace.int("nth", int64(nth))
	w.trace.end()
	return nil
}

// DisarmCrashPoint cancels an armed crash point; disarming one not armed does nothing.
func (w *World) DisarmCrashPoint(id NodeID, point string) error {
	n, err := w.node(id)
	if err != nil {
		return err
	}
	if _, ok := n.points[point]; ok {
		delete(n.points, point)
		w.trace.begin(w.now, "disarm")
		w.trace.node("n", id)
		w.trace.quoted("point", point)
		w.trace.end()
	}
	return nil
}

// Env is a process's view of its node: its local clock, timers, network, disk and
// random source. An Env belongs to one incarnation; after a crash its methods fail
// with ErrStale or do nothing.
type Env struct {
	w   *World
	n   *node
	gen uint32
	rng *rand.Rand
}

func (e *Env) live() bool { return e.n.gen == e.gen && e.n.state != StateCrashed }

// ID is the node's id.
func (e *Env) ID() NodeID { return e.n.id }

// Kind is the node's kind.
func (e *Env) Kind() NodeKind { return e.n.kind }

// Now reads the node's wall clock.
func (e *Env) Now() Time { return e.n.clock.Now() }

// Monotonic reads the node's monotonic clock.
func (e *Env) Monotonic() time.Duration { return e.n.clock.Monotonic() }

// Rand is the process's own random source, seeded from the world seed, the node and
// its incarnation.
func (e *Env) Rand() *rand.Rand { return e.rng }

// Disk is the node's disk.
func (e *Env) Disk() *Disk { return &e.n.disk }

// Trace adds a line of the process's own (a role change, a commit) to the trace.
func (e *Env) Trace(text string) {
	if !e.live() {
		return
	}
	e.w.trace.begin(e.w.now, "log")
	e.w.trace.node("n", e.n.id)
	e.w.trace.quoted("text", text)
	e.w.trace.end()
}

// CrashPoint is called by a process at a named step (after appending, before the
// fsync, say). If the point is armed and this is its nth reach, the node crashes
// there and then, and CrashPoint reports true: the process must return at once and do
// nothing more. It also reports true if the incarnation is already gone.
func (e *Env) CrashPoint(point string) bool {
	if !e.live() {
		return true
	}
	cp := e.n.points[point]
	if cp == nil {
		return false
	}
	cp.seen++
	if cp.seen <= cp.nth {
		return false
	}
	delete(e.n.points, point)
	e.w.trace.begin(e.w.now, "crash-point")
	e.w.trace.node("n", e.n.id)
	e.w.trace.quoted("point", point)
	e.w.trace.end()
	_ = e.w.Crash(e.n.id)
	return true
}

// SetTimer arms a timer that fires after d has elapsed on the node's monotonic clock.
// It returns 0 if the incarnation is gone.
func (e *Env) SetTimer(d time.Duration) TimerID {
	if !e.live() {
		return 0
	}
	w := e.w
	w.nextID++
	id := TimerID(w.nextID)
	e.n.timers[id] = struct{}{}
	w.push(event{at: w.now.Add(e.n.clock.trueDelay(d)), kind: evTimer, node: e.n.id, gen: e.gen, id: uint64(id)})
	return id
}

// CancelTimer disarms a timer; cancelling a fired or unknown timer does nothing.
func (e *Env) CancelTimer(id TimerID) {
	if e.live() {
		delete(e.n.timers, id)
	}
}

// Dial opens a connection to node to. The outcome arrives later: OnConnect, or
// OnClose with ErrRefused (the target is down), ErrDialTimeout (no answer) or
// ErrReset.
func (e *Env) Dial(to NodeID) (ConnID, error) {
	if !e.live() {
		return 0, ErrStale
	}
	return e.w.net.dial(e.n, to)
}

// Send queues msg on connection c; the bytes are copied. On a connection that is
// broken but not yet known to be, Send succeeds and the bytes are lost.
func (e *Env) Send(c ConnID, msg []byte) error {
	if !e.live() {
		return ErrStale
	}
	return e.w.net.send(e.n, c, msg)
}

// Close closes c. The peer gets OnClose(ErrPeerClosed) after the messages already
// sent; this process hears nothing more of c.
func (e *Env) Close(c ConnID) error {
	if !e.live() {
		return ErrStale
	}
	return e.w.net.close(e.n, c)
}
