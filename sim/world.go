package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// World is a deterministic simulated world: nodes running processes, connected by a
// simulated network, each with its own clock and disk, all driven from one seed by a
// single goroutine popping events in (time, sequence) order. A World is not safe for
// concurrent use; nothing in it starts a goroutine.
type World struct {
	opts   Options
	now    Time
	seq    uint64
	q      eventQueue
	seeds  [numStreams]uint64
	rands  [numStreams]*rand.Rand
	nodes  []*node
	net    Network
	trace  trace
	nextID uint64 // timer and sync ids
	events uint64
	// calls holds the functions of pending evCall events (kept out of the event so
	// that events stay small); free lists reusable slots.
	calls []func()
	free  []uint64
	// budget bounds the run; stopped is set once it is exhausted and stops the world.
	budget  Budget
	stopped error
}

// Budget bounds how much a world may do, so that a livelocked protocol (a message
// storm that never settles) ends the run instead of exhausting memory. Zero fields
// are unlimited.
type Budget struct {
	// Events bounds the events processed.
	Events uint64
	// Pending bounds the events waiting in the queue: every message in flight is one.
	Pending int
}

// SetBudget bounds the world from now on. Once a bound is passed the world stops:
// Step reports false, RunFor and RunUntil return without advancing time further, and
// Stopped says why.
func (w *World) SetBudget(b Budget) { w.budget = b }

// Stopped is nil while the world runs, or the ErrBudgetExhausted that stopped it.
func (w *World) Stopped() error { return w.stopped }

func (w *World) checkBudget() {
	b := w.budget
	switch {
	case b.Events > 0 && w.events >= b.Events:
	case b.Pending > 0 && w.q.len() > b.Pending:
	default:
		return
	}
	w.stopped = fmt.Errorf("%w: %d events by t=%v with %d pending", ErrBudgetExhausted, w.events, w.now, w.q.len())
	w.trace.begin(w.now, "stopped")
	w.trace.uint("events", w.events)
	w.trace.int("pending", int64(w.q.len()))
	w.trace.end()
}

// New returns an empty world at time zero. Add nodes with AddNode, then run it.
func New(opts Options) (*World, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := &World{opts: opts, trace: newTrace(opts.KeepTrace)}
	master := newPCG(opts.Seed, 0x5eed)
	for s := range numStreams {
		w.seeds[s] = master.Uint64()
		w.rands[s] = newPCG(w.seeds[s], uint64(s))
	}
	w.net.init(w)
	w.trace.begin(0, "world")
	w.trace.uint("seed", opts.Seed)
	w.trace.end()
	return w, nil
}

// Now is the world's true time.
func (w *World) Now() Time { return w.now }

// Seed is the seed the world was created with.
func (w *World) Seed() uint64 { return w.opts.Seed }

// Rand returns the world's generator for stream s (StreamWorkload or StreamNemesis).
// Each stream is seeded independently from the world seed, so drawing from one never
// changes the draws of the network, disks, clocks or processes.
func (w *World) Rand(s Stream) *rand.Rand {
	if s != StreamWorkload && s != StreamNemesis {
		panic(fmt.Sprintf("sim: Rand(%v): only the workload and nemesis streams are public", s))
	}
	return w.rands[s]
}

// Net is the world's network, for fault injection and per-link settings.
func (w *World) Net() *Network { return &w.net }

// Events is the number of events processed so far.
func (w *World) Events() uint64 { return w.events }

// Pending is the number of events waiting in the queue.
func (w *World) Pending() int { return w.q.len() }

// TraceHash is the hex SHA-256 of the trace so far.
func (w *World) TraceHash() string { return w.trace.hashText() }

// TraceText is the trace so far; empty unless Options.KeepTrace.
func (w *World) TraceText() string { return string(w.trace.text) }

// TraceLines is the number of trace records so far.
func (w *World) TraceLines() uint64 { return w.trace.lines }

// Note adds a line of the caller's own to the trace (a driver's phase change, say).
func (w *World) Note(text string) {
	w.trace.begin(w.now, "note")
	w.trace.quoted("text", text)
	w.trace.end()
}

func (w *World) push(e event) {
	w.seq++
	e.seq = w.seq
	if e.at < w.now {
		e.at = w.now
	}
	w.q.push(e)
}

// At schedules fn to run at true time t (or now, if t has passed). Drivers and fault
// schedules use it; fn runs on the world's goroutine like every event.
// A nil fn is ignored.
func (w *World) At(t Time, fn func()) {
	if fn == nil {
		return
	}
	var slot uint64
	if n := len(w.free); n > 0 {
		slot = w.free[n-1]
		w.free = w.free[:n-1]
		w.calls[slot] = fn
	} else {
		slot = uint64(len(w.calls))
		w.calls = append(w.calls, fn)
	}
	w.push(event{at: t, kind: evCall, id: slot})
}

// After schedules fn to run d from now.
func (w *World) After(d time.Duration, fn func()) {
	w.At(w.now.Add(max(d, 0)), fn)
}

// Step processes the next event. It reports false when the queue is empty.
func (w *World) Step() bool {
	if w.q.len() == 0 || w.stopped != nil {
		return false
	}
	ev := w.q.pop()
	w.now = ev.at
	w.events++
	w.dispatch(&ev)
	if w.budget != (Budget{}) {
		w.checkBudget()
	}
	return w.stopped == nil
}

// RunFor processes every event due within d from now, then sets the time to now+d.
func (w *World) RunFor(d time.Duration) {
	end := w.now.Add(max(d, 0))
	for w.q.len() > 0 && w.q.peek().at <= end {
		if !w.Step() {
			break
		}
	}
	if w.stopped == nil {
		w.now = end
	}
}

// RunUntil processes events until cond holds (checked before each event) or the next
// event lies beyond limit from now. It reports whether cond held.
func (w *World) RunUntil(cond func() bool, limit time.Duration) bool {
	end := w.now.Add(max(limit, 0))
	for {
		if cond() {
			return true
		}
		if w.stopped != nil {
			return false
		}
		if w.q.len() == 0 || w.q.peek().at > end {
			w.now = max(w.now, end)
			return cond()
		}
		w.Step()
	}
}

func (w *World) dispatch(ev *event) {
	switch ev.kind {
	case evCall:
		fn := w.calls[ev.id]
		w.calls[ev.id] = nil
		w.free = append(w.free, ev.id)
		fn()
		return
	case evSyn, evDialOK, evDeliver:
		if w.net.hold(ev) {
			return
		}
		if ev.kind == evSyn {
			w.net.syn(ev)
			return
		}
	}
	n := w.nodes[ev.node-1]
	if ev.gen != n.gen || n.state == StateCrashed {
		return
	}
	if n.state == StatePaused {
		if ev.kind == evSyncDone && ev.aux != syncApplied {
			// The disk finishes the sync whether or not the process runs.
			n.disk.complete(SyncID(ev.id))
			ev.aux = syncApplied
		}
		n.deferred = append(n.deferred, *ev)
		return
	}
	switch ev.kind {
	case evBoot:
		w.boot(n)
	case evTimer:
		id := TimerID(ev.id)
		if _, ok := n.timers[id]; !ok {
			return // cancelled
		}
		delete(n.timers, id)
		w.trace.begin(w.now, "timer")
		w.trace.node("n", n.id)
		w.trace.int("id", int64(id))
		w.trace.end()
		if n.proc != nil {
			n.proc.OnTimer(id)
		}
	case evSyncDone:
		id := SyncID(ev.id)
		if ev.aux != syncApplied {
			n.disk.complete(id)
		}
		err := n.disk.notify(id)
		if n.proc != nil {
			n.proc.OnSyncDone(id, err)
		}
	case evDialOK, evAccept, evDeliver, evCloseNote:
		w.net.handle(n, ev)
	}
}
