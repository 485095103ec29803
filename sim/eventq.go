package sim

import "time"

// eventKind says what an event does when it is popped. Events are plain values with a
// kind instead of interfaces or closures so that scheduling one allocates nothing.
type eventKind uint8

const (
	evCall      eventKind = iota + 1 // run fn (drivers, nemesis, benchmarks)
	evBoot                           // start a node's process
	evTimer                          // a process timer fired
	evSyncDone                       // a disk sync completed
	evSyn                            // a dial reached its target (network-internal)
	evDialOK                         // the dialer learns its connection is open
	evAccept                         // the acceptor learns of a new connection
	evDeliver                        // the head of a connection direction arrives
	evCloseNote                      // an end learns its connection is gone
)

// event is one entry of the world's queue. Events are ordered by (at, seq); seq is
// unique and increases with every scheduling, so the order is total and deterministic.
type event struct {
	at   Time
	seq  uint64
	id   uint64 // connection, timer or sync id; for evCall, the slot in World.calls
	node NodeID // the node the event is for (0: none)
	gen  uint32 // the node's incarnation when scheduled; stale events are dropped
	kind eventKind
	// aux is the direction, end or close reason of a connection event; for
	// evSyncDone, syncApplied marks a sync whose effect on the disk was applied before
	// its notification was deferred by a pause.
	aux uint8
}

const syncApplied = 1

func (a *event) before(b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// eventQueue is a binary min-heap of events by value.
type eventQueue struct {
	h []event
}

func (q *eventQueue) len() int { return len(q.h) }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	h := q.h
	// Move parents down into the hole instead of swapping: half the copying.
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (q *eventQueue) peek() *event { return &q.h[0] }

func (q *eventQueue) pop() event {
	h := q.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h[n] = event{}
	h = h[:n]
	q.h = h
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(&h[c]) {
			c = r
		}
		if !h[c].before(&last) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = last
	return top
}

// Time is a point of true virtual time: nanoseconds since the world began. Nodes never
// see it directly; they read their own local clocks.
type Time int64

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String formats t as a duration since the world began, e.g. "1.5s".
func (t Time) String() string { return time.Duration(t).String() }
