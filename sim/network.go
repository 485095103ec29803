package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// ConnID names a connection. Ids are never reused.
type ConnID uint64

type endState uint8

const (
	endNone    endState = iota // the acceptor before the dial reaches it
	endPending                 // the owner has not seen OnConnect yet
	endOpen                    // connected
	endDone                    // closed, reported or crashed: no more callbacks
)

// Reasons carried by an evCloseNote (in aux, above the end bit).
const (
	reasonReset uint8 = iota
	reasonRefused
	reasonTimeout
)

var reasonErrs = [...]error{reasonReset: ErrReset, reasonRefused: ErrRefused, reasonTimeout: ErrDialTimeout}

type connEnd struct {
	node  NodeID
	gen   uint32
	state endState
}

type inflight struct {
	data []byte
	fin  bool
}

// direction is one half of a connection: a FIFO of messages in flight.
type direction struct {
	q     []inflight
	head  int
	last  Time // arrival time of the newest message: arrivals never go backwards
	bytes int  // payload bytes in flight
}

func (d *direction) drop() {
	clear(d.q)
	d.q, d.head, d.bytes = d.q[:0], 0, 0
}

type conn struct {
	id     ConnID
	end    [2]connEnd   // 0: dialer, 1: acceptor
	dir    [2]direction // dir[i] carries end i's messages to end 1-i
	broken bool         // no byte will ever cross again
	gone   bool         // forgotten by the network
	dialed Time
}

type link struct {
	blocked    bool
	opts       LinkOptions
	spikeUntil Time
	spikeExtra time.Duration
	busyUntil  Time
}

// Network is the simulated network: TCP-like connections between nodes over directed
// links. A connection delivers each direction's messages in order, each after a
// latency drawn from its link's distribution, until it breaks; after that nothing
// more crosses it. A partition breaks every connection it cuts: a reset (both ends
// are told after NetworkOptions.ResetDelay) or a blackhole (nobody is told; only
// timeouts notice). Dials across a partition time out.
type Network struct {
	w     *World
	opts  NetworkOptions
	rng   *rand.Rand
	n     int
	links []link // (from-1)*n + (to-1)
	conns map[ConnID]*conn
	live  []*conn // creation order, for deterministic iteration; compacted lazily
	next  ConnID
	// clogged marks nodes whose traffic is held; held keeps the held arrivals in the
	// order they came due.
	clogged []bool
	nclog   int
	held    []event
}

func (nw *Network) init(w *World) {
	nw.w = w
	nw.opts = w.opts.Network
	nw.rng = w.rands[streamNetwork]
	nw.conns = map[ConnID]*conn{}
}

func (nw *Network) grow(n int) {
	links := make([]link, n*n)
	for i := range links {
		links[i].opts = nw.opts.Link
	}
	for f := range nw.n {
		copy(links[f*n:f*n+nw.n], nw.links[f*nw.n:(f+1)*nw.n])
	}
	nw.links, nw.n = links, n
	nw.clogged = append(nw.clogged, make([]bool, n+1-len(nw.clogged))...)
}

func (nw *Network) link(from, to NodeID) *link {
	return &nw.links[int(from-1)*nw.n+int(to-1)]
}

func (nw *Network) check(ids ...NodeID) error {
	for _, id := range ids {
		if id < 1 || int(id) > nw.n {
			return fmt.Errorf("%w: %d", ErrUnknownNode, id)
		}
	}
	return nil
}

// Blocked reports whether messages from one node to another are cut by a partition.
func (nw *Network) Blocked(from, to NodeID) bool {
	if nw.check(from, to) != nil {
		return false
	}
	return nw.link(from, to).blocked
}

// Partition replaces any partition with one separating the groups: a node in a group
// talks only to its own group and to nodes in no group. Nodes in no group keep every
// link (so a partition of the servers can leave clients reaching all of them; list
// the rest as one more group to cut them off too). Connections
// that cross the new cuts break.
func (nw *Network) Partition(groups ...[]NodeID) error {
	group := make([]int, nw.n+1)
	for gi, g := range groups {
		for _, id := range g {
			if err := nw.check(id); err != nil {
				return fmt.Errorf("partition: %w", err)
			}
			if group[id] != 0 {
				return fmt.Errorf("%w: partition: node %d is in two groups", ErrInvalidOptions, id)
			}
			group[id] = gi + 1
		}
	}
	for f := 1; f <= nw.n; f++ {
		for t := 1; t <= nw.n; t++ {
			nw.link(NodeID(f), NodeID(t)).blocked = group[f] != 0 && group[t] != 0 && group[f] != group[t]
		}
	}
	nw.w.trace.begin(nw.w.now, "partition")
	for f := 1; f <= nw.n; f++ {
		nw.w.trace.int("g", int64(group[f]))
	}
	nw.w.trace.end()
	nw.cutBlocked()
	return nil
}

// PartitionOneWay additionally blocks every message from a node in from to a node in
// to (the reverse direction is untouched). TCP needs both directions, so connections
// between them break and dials time out.
func (nw *Network) PartitionOneWay(from, to []NodeID) error {
	if err := nw.check(from...); err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	if err := nw.check(to...); err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	t := &nw.w.trace
	t.begin(nw.w.now, "partition-oneway")
	for _, f := range from {
		for _, d := range to {
			if f != d {
				nw.link(f, d).blocked = true
				t.int("from", int64(f))
				t.int("to", int64(d))
			}
		}
	}
	t.end()
	nw.cutBlocked()
	return nil
}

// Heal removes every partition. Connections already broken stay broken.
func (nw *Network) Heal() {
	for i := range nw.links {
		nw.links[i].blocked = false
	}
	nw.w.trace.begin(nw.w.now, "heal")
	nw.w.trace.end()
}

// SetLink overrides the options of the directed link from → to.
func (nw *Network) SetLink(from, to NodeID, opts LinkOptions) error {
	if err := nw.check(from, to); err != nil {
		return fmt.Errorf("set link: %w", err)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("set link %d->%d: %w", from, to, err)
	}
	nw.link(from, to).opts = opts
	t := &nw.w.trace
	t.begin(nw.w.now, "link")
	t.node("from", from)
	t.node("to", to)
	t.int("min", int64(opts.Latency.Min))
	t.int("mean", int64(opts.Latency.Mean))
	t.int("bw", opts.Bandwidth)
	t.int("qlimit", int64(opts.QueueLimit))
	t.end()
	return nil
}

// ClearLink restores the default options of the directed link from → to.
func (nw *Network) ClearLink(from, to NodeID) error {
	return nw.SetLink(from, to, nw.opts.Link)
}

// SpikeDelay adds extra latency to messages sent from → to during the next dur.
func (nw *Network) SpikeDelay(from, to NodeID, extra, dur time.Duration) error {
	if err := nw.check(from, to); err != nil {
		return fmt.Errorf("delay spike: %w", err)
	}
	if err := checkDuration("spike extra", extra); err != nil {
		return err
	}
	if err := checkDuration("spike duration", dur); err != nil {
		return err
	}
	l := nw.link(from, to)
	l.spikeExtra, l.spikeUntil = extra, nw.w.now.Add(dur)
	t := &nw.w.trace
	t.begin(nw.w.now, "spike")
	t.node("from", from)
	t.node("to", to)
	t.int("extra", int64(extra))
	t.int("dur", int64(dur))
	t.end()
	return nil
}

// ResetNode resets every connection of the nodes, as if each had sent RST.
func (nw *Network) ResetNode(ids ...NodeID) error {
	if err := nw.check(ids...); err != nil {
		return fmt.Errorf("reset node: %w", err)
	}
	for _, c := range nw.liveConns() {
		if !c.broken && (slices.Contains(ids, c.end[0].node) || slices.Contains(ids, c.end[1].node)) {
			nw.cut(c, true)
		}
	}
	return nil
}

// Clog holds every message to and from the nodes (dials included) until Unclog;
// nothing is lost and connections stay up.
func (nw *Network) Clog(ids ...NodeID) error {
	if err := nw.check(ids...); err != nil {
		return fmt.Errorf("clog: %w", err)
	}
	for _, id := range ids {
		if !nw.clogged[id] {
			nw.clogged[id] = true
			nw.nclog++
		}
		nw.w.trace.fault(nw.w.now, "clog", id, 1)
	}
	return nil
}

// Unclog stops holding the nodes' traffic; what was held arrives now, in order.
func (nw *Network) Unclog(ids ...NodeID) error {
	if err := nw.check(ids...); err != nil {
		return fmt.Errorf("unclog: %w", err)
	}
	for _, id := range ids {
		if nw.clogged[id] {
			nw.clogged[id] = false
			nw.nclog--
		}
		nw.w.trace.fault(nw.w.now, "clog", id, 0)
	}
	keep := nw.held[:0]
	for _, ev := range nw.held {
		if nw.holds(&ev) {
			keep = append(keep, ev)
			continue
		}
		ev.at = nw.w.now
		nw.w.push(ev)
	}
	clear(nw.held[len(keep):])
	nw.held = keep
	return nil
}

// hold parks a network arrival if it touches a clogged node.
func (nw *Network) hold(ev *event) bool {
	if nw.nclog == 0 || !nw.holds(ev) {
		return false
	}
	nw.held = append(nw.held, *ev)
	return true
}

func (nw *Network) holds(ev *event) bool {
	c := nw.conns[ConnID(ev.id)]
	if c == nil {
		return false
	}
	var from, to NodeID
	switch ev.kind {
	case evSyn:
		from, to = c.end[0].node, c.end[1].node
	case evDialOK:
		from, to = c.end[1].node, c.end[0].node
	case evDeliver:
		from, to = c.end[ev.aux].node, c.end[1-ev.aux].node
	default:
		return false
	}
	return nw.clogged[from] || nw.clogged[to]
}

// ConnInfo describes a live connection.
type ConnInfo struct {
	ID       ConnID
	Dialer   NodeID
	Acceptor NodeID
	// Established: both ends have seen OnConnect and not closed.
	Established bool
	// Broken: nothing will cross it again (its ends may not know yet).
	Broken bool
}

// Conns lists the connections the network still tracks, by id.
func (nw *Network) Conns() []ConnInfo {
	var out []ConnInfo
	for _, c := range nw.liveConns() {
		out = append(out, ConnInfo{
			ID:          c.id,
			Dialer:      c.end[0].node,
			Acceptor:    c.end[1].node,
			Established: c.end[0].state == endOpen && c.end[1].state == endOpen,
			Broken:      c.broken,
		})
	}
	return out
}

// Reset breaks c and tells both ends after ResetDelay.
func (nw *Network) Reset(c ConnID) error { return nw.cutByID(c, true) }

// Blackhole breaks c without telling anyone.
func (nw *Network) Blackhole(c ConnID) error { return nw.cutByID(c, false) }

func (nw *Network) cutByID(id ConnID, reset bool) error {
	c := nw.conns[id]
	if c == nil {
		return fmt.Errorf("%w: %d", ErrUnknownConn, id)
	}
	if !c.broken {
		nw.cut(c, reset)
	}
	return nil
}

// liveConns compacts and returns the tracked connections in creation order.
func (nw *Network) liveConns() []*conn {
	nw.live = slices.DeleteFunc(nw.live, func(c *conn) bool { return c.gone })
	return nw.live
}

func (nw *Network) cutBlocked() {
	for _, c := range nw.liveConns() {
		a, b := c.end[0].node, c.end[1].node
		if !nw.link(a, b).blocked && !nw.link(b, a).blocked {
			continue
		}
		if c.broken {
			// A crashed node's last messages still draining are lost with the path.
			c.dir[0].drop()
			c.dir[1].drop()
			continue
		}
		nw.cut(c, chance(nw.rng, nw.opts.ResetProbability))
	}
}

// cut breaks c: in-flight data is lost; with reset both ends hear of it after
// ResetDelay, otherwise only a pending dial learns (by its timeout).
func (nw *Network) cut(c *conn, reset bool) {
	c.broken = true
	c.dir[0].drop()
	c.dir[1].drop()
	t := &nw.w.trace
	if reset {
		t.begin(nw.w.now, "reset")
	} else {
		t.begin(nw.w.now, "blackhole")
	}
	t.int("c", int64(c.id))
	t.end()
	for i := range c.end {
		nw.notify(c, i, reset)
	}
}

// notify schedules the close note for end i of a broken connection, if it gets one.
func (nw *Network) notify(c *conn, i int, reset bool) {
	e := &c.end[i]
	if e.state != endPending && e.state != endOpen {
		return
	}
	switch {
	case reset:
		nw.note(c, i, reasonReset, nw.w.now.Add(nw.opts.ResetDelay.draw(nw.rng)))
	case e.state == endPending:
		nw.note(c, i, reasonTimeout, max(nw.w.now, c.dialed.Add(nw.opts.dialTimeout())))
	}
}

func (nw *Network) note(c *conn, i int, reason uint8, at Time) {
	e := &c.end[i]
	nw.w.push(event{at: at, kind: evCloseNote, node: e.node, gen: e.gen, id: uint64(c.id), aux: uint8(i) | reason<<1})
}

func (nw *Network) forgetIfDone(c *conn) {
	if c.end[0].state == endDone && (c.end[1].state == endDone || c.end[1].state == endNone) {
		c.gone = true
		delete(nw.conns, c.id)
	}
}

// arrival is when a message of size bytes sent now on l arrives (before FIFO).
func (nw *Network) arrival(l *link, size int) Time {
	now := nw.w.now
	start := now
	if bw := l.opts.Bandwidth; bw > 0 {
		start = max(now, l.busyUntil).Add(time.Duration(mulDiv(int64(size), 1e9, bw)))
		l.busyUntil = start
	}
	lat := l.opts.Latency.draw(nw.rng)
	if now < l.spikeUntil {
		lat += l.spikeExtra
	}
	return start.Add(lat)
}

func (nw *Network) dial(from *node, to NodeID) (ConnID, error) {
	if err := nw.check(to); err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	if to == from.id {
		return 0, fmt.Errorf("%w: node %d dialed itself", ErrRefused, to)
	}
	nw.next++
	c := &conn{id: nw.next, dialed: nw.w.now}
	c.end[0] = connEnd{node: from.id, gen: from.gen, state: endPending}
	c.end[1] = connEnd{node: to}
	nw.conns[c.id] = c
	if len(nw.live) > 2*len(nw.conns)+64 {
		nw.liveConns()
	}
	nw.live = append(nw.live, c)
	nw.w.trace.conn(nw.w.now, "dial", from.id, c.id, to)
	if nw.link(from.id, to).blocked || nw.link(to, from.id).blocked {
		c.broken = true
		nw.notify(c, 0, false)
		return c.id, nil
	}
	at := nw.arrival(nw.link(from.id, to), 0)
	nw.w.push(event{at: at, kind: evSyn, node: to, id: uint64(c.id)})
	return c.id, nil
}

// syn handles a dial reaching its target.
func (nw *Network) syn(ev *event) {
	c := nw.conns[ConnID(ev.id)]
	if c == nil || c.broken || c.end[0].state != endPending {
		return
	}
	from, to := c.end[0].node, c.end[1].node
	if nw.link(from, to).blocked || nw.link(to, from).blocked {
		c.broken = true
		nw.notify(c, 0, false)
		return
	}
	target := nw.w.nodes[to-1]
	if target.state == StateCrashed {
		c.broken = true
		nw.note(c, 0, reasonRefused, nw.arrival(nw.link(to, from), 0))
		return
	}
	c.end[1] = connEnd{node: to, gen: target.gen, state: endPending}
	nw.w.push(event{at: nw.w.now, kind: evAccept, node: to, gen: target.gen, id: ev.id, aux: 1})
	ok := nw.arrival(nw.link(to, from), 0)
	c.dir[1].last = ok
	nw.w.push(event{at: ok, kind: evDialOK, node: from, gen: c.end[0].gen, id: ev.id, aux: 0})
}

// endOf finds node n's end of c.
func endOf(c *conn, n *node) int {
	for i := range c.end {
		if c.end[i].node == n.id && c.end[i].gen == n.gen && c.end[i].state != endNone {
			return i
		}
	}
	return -1
}

// ownEnd finds connection id and node n's end of it.
func (nw *Network) ownEnd(n *node, id ConnID) (*conn, int, error) {
	c := nw.conns[id]
	if c == nil {
		return nil, 0, fmt.Errorf("%w: %d", ErrUnknownConn, id)
	}
	i := endOf(c, n)
	if i < 0 {
		return nil, 0, fmt.Errorf("%w: %d", ErrUnknownConn, id)
	}
	return c, i, nil
}

// enqueue puts m on end i's direction of c, behind everything sent before it.
func (nw *Network) enqueue(c *conn, i int, l *link, m inflight) {
	d := &c.dir[i]
	at := max(nw.arrival(l, len(m.data)), d.last)
	d.last = at
	d.q = append(d.q, m)
	d.bytes += len(m.data)
	to := &c.end[1-i]
	nw.w.push(event{at: at, kind: evDeliver, node: to.node, gen: to.gen, id: uint64(c.id), aux: uint8(i)})
}

func (nw *Network) send(n *node, id ConnID, msg []byte) error {
	c, i, err := nw.ownEnd(n, id)
	if err != nil {
		return err
	}
	switch c.end[i].state {
	case endPending:
		return fmt.Errorf("%w: %d", ErrNotConnected, id)
	case endDone:
		return fmt.Errorf("%w: %d", ErrConnClosed, id)
	}
	if c.broken {
		return nil
	}
	to := c.end[1-i].node
	l := nw.link(n.id, to)
	if l.blocked {
		// Partitions cut connections when they are made; this is a safety net.
		nw.cut(c, chance(nw.rng, nw.opts.ResetProbability))
		return nil
	}
	if l.opts.QueueLimit > 0 && c.dir[i].bytes+len(msg) > l.opts.QueueLimit {
		nw.cut(c, true)
		return fmt.Errorf("%w: connection %d", ErrQueueFull, id)
	}
	nw.enqueue(c, i, l, inflight{data: append(make([]byte, 0, len(msg)), msg...)})
	return nil
}

func (nw *Network) close(n *node, id ConnID) error {
	c, i, err := nw.ownEnd(n, id)
	if err != nil {
		return err
	}
	e := &c.end[i]
	if e.state == endDone {
		return fmt.Errorf("%w: %d", ErrConnClosed, id)
	}
	wasOpen := e.state == endOpen
	e.state = endDone
	nw.w.trace.conn(nw.w.now, "shutdown", n.id, id, c.end[1-i].node)
	switch {
	case c.broken:
	case wasOpen:
		// FIN travels behind the data already sent.
		nw.enqueue(c, i, nw.link(n.id, c.end[1-i].node), inflight{fin: true})
	default:
		// Abandoning a dial in progress: the other end, if it accepted, sees a reset.
		c.broken = true
		c.dir[0].drop()
		c.dir[1].drop()
		nw.notify(c, 1-i, true)
	}
	nw.forgetIfDone(c)
	return nil
}

// crashed breaks every connection of a node whose process just died. Its peers are
// reset, unless the path back to them is cut, in which case they are not told. Like
// kill -9 under a real kernel, what the process had already sent was in the kernel's
// socket buffer: it still reaches the peer, and the reset follows it. What was on its
// way to the dead process is lost.
func (nw *Network) crashed(id NodeID) {
	for _, c := range nw.liveConns() {
		for i := range c.end {
			e := &c.end[i]
			if e.node != id || e.state == endNone || e.state == endDone {
				continue
			}
			e.state = endDone
			if !c.broken {
				c.broken = true
				c.dir[1-i].drop()
				peer := c.end[1-i].node
				reset := !nw.link(id, peer).blocked
				if !reset {
					c.dir[i].drop()
				}
				nw.notifyAfter(c, 1-i, reset, c.dir[i])
			}
			nw.forgetIfDone(c)
		}
	}
}

// notifyAfter is notify for a connection whose direction d still drains: a reset
// reaches the end no earlier than the last message d carries, so it follows them.
func (nw *Network) notifyAfter(c *conn, i int, reset bool, d direction) {
	e := &c.end[i]
	if !reset || d.head == len(d.q) || (e.state != endPending && e.state != endOpen) {
		nw.notify(c, i, reset)
		return
	}
	nw.note(c, i, reasonReset, max(nw.w.now.Add(nw.opts.ResetDelay.draw(nw.rng)), d.last))
}

// handle runs a connection event for a live, running node.
func (nw *Network) handle(n *node, ev *event) {
	c := nw.conns[ConnID(ev.id)]
	if c == nil {
		return
	}
	w := nw.w
	switch ev.kind {
	case evDialOK, evAccept:
		i := int(ev.aux)
		e := &c.end[i]
		if e.state != endPending || c.broken {
			return
		}
		e.state = endOpen
		peer := c.end[1-i].node
		if i == 0 {
			w.trace.conn(w.now, "connect", n.id, c.id, peer)
		} else {
			w.trace.conn(w.now, "accept", n.id, c.id, peer)
		}
		if n.proc != nil {
			n.proc.OnConnect(c.id, peer, i == 0)
		}
	case evDeliver:
		d := &c.dir[ev.aux]
		if d.head == len(d.q) {
			return // dropped when the connection broke
		}
		m := d.q[d.head]
		d.q[d.head] = inflight{}
		d.head++
		if d.head == len(d.q) {
			d.q, d.head = d.q[:0], 0
		}
		d.bytes -= len(m.data)
		r := 1 - int(ev.aux)
		e := &c.end[r]
		if e.state != endOpen {
			return
		}
		from := c.end[ev.aux].node
		if m.fin {
			e.state = endDone
			w.trace.closed(w.now, n.id, c.id, ErrPeerClosed)
			nw.forgetIfDone(c)
			if n.proc != nil {
				n.proc.OnClose(c.id, ErrPeerClosed)
			}
			return
		}
		w.trace.msg(w.now, c.id, from, n.id, m.data)
		if n.proc != nil {
			n.proc.OnMessage(c.id, m.data)
		}
	case evCloseNote:
		e := &c.end[ev.aux&1]
		if e.state != endPending && e.state != endOpen {
			return
		}
		e.state = endDone
		err := reasonErrs[ev.aux>>1]
		w.trace.closed(w.now, n.id, c.id, err)
		nw.forgetIfDone(c)
		if n.proc != nil {
			n.proc.OnClose(c.id, err)
		}
	}
}
