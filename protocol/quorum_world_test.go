package protocol

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
)

// This file is a small deterministic world of quorum Peers: seeded message delays,
// FIFO quorum links, partitions that break connections, crashes that keep only what
// was durable (the files written through the storage encodings), restarts through
// storage.Recover, and ZooKeeper clients speaking the real wire codec. It checks the
// ZAB invariants as it runs.

const (
	worldStep = 5   // ms of simulated time per step
	worldTick = 100 // tickTime of the test ensembles
)

// crashPoint is where in the host's driver loop a node may die.
type crashPoint uint8

const (
	crashBeforePersist   crashPoint = iota + 1 // written but not fsynced: nothing of the Ready is durable
	crashTornRecords                           // only the first half of the records became durable
	crashBeforeHardState                       // log writes durable, epoch files not yet written
	crashAfterPersist                          // all durable, nothing that waited for it sent
	crashAfterSend                             // durable and sent, Advance not called
)

var crashPoints = []crashPoint{crashBeforePersist, crashTornRecords, crashBeforeHardState, crashAfterPersist, crashAfterSend}

func (c crashPoint) String() string {
	return [...]string{"", "before-persist", "torn-records", "before-hardstate", "after-persist", "after-send"}[c]
}

type worldMsg struct {
	at       int64
	seq      uint64
	from, to int64
	ch       Channel
	data     []byte
}

type worldNode struct {
	id     int64
	p      *Peer
	up     bool
	files  storage.MemFiles
	curLog string // log file to append to; "" starts a new one
	// lastApplied is the zxid of the last transaction this incarnation applied.
	lastApplied int64
	role        RoleChange
	// crash, when set, is asked at every point of the driver loop whether to die there.
	crash func(rd *Ready, at crashPoint) bool
}

// failer is what the world needs of a test: testing.TB or rapid.T.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

type world struct {
	t       failer
	rng     *rand.Rand
	now     int64
	cfg     Config
	members []Member
	ids     []int64
	nodes   map[int64]*worldNode

	msgs     []worldMsg
	seq      uint64
	lastAt   map[[3]int64]int64 // FIFO order per (from, to, channel)
	group    map[int64]int      // partition: servers talk only within their group
	maxDelay int64
	// batched hands a server every message due in a step before running its Ready
	// loop, so one Ready carries several commits and syncs, as under load.
	batched bool

	clients  []*worldClient
	byConn   map[ConnID]*worldClient
	nextConn ConnID

	// Observations and invariants.
	established map[int64]int64 // epoch → the server that established it
	order       []int64         // the committed zxids, in order, as first applied anywhere
	orderIndex  map[int64]int
	sentTypes   map[int64][]zab.PacketType // quorum packet types sent to each server
	commits     int
}

func newWorld(t failer, seed uint64, voters, observers int, tweak func(*Config)) *world {
	w := &world{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: 1_000_000,
		nodes: map[int64]*worldNode{}, lastAt: map[[3]int64]int64{}, maxDelay: 10,
		byConn: map[ConnID]*worldClient{}, established: map[int64]int64{}, orderIndex: map[int64]int{},
		sentTypes: map[int64][]zab.PacketType{},
	}
	for i := 1; i <= voters+observers; i++ {
		w.members = append(w.members, Member{ID: int64(i), Observer: i > voters})
		w.ids = append(w.ids, int64(i))
	}
	w.cfg = Config{TickTime: worldTick, MinSessionTimeout: 4 * worldTick, MaxSessionTimeout: 100 * worldTick, Members: w.members}
	if tweak != nil {
		tweak(&w.cfg)
	}
	for _, id := range w.ids {
		w.nodes[id] = &worldNode{id: id, files: storage.MemFiles{}}
	}
	for _, id := range w.ids {
		w.start(id)
	}
	return w
}

func (w *world) start(id int64) {
	n := w.nodes[id]
	// A crash between the synced records and the rename of currentEpoch leaves the
	// epoch staged in currentEpoch.tmp; Recover repairs that itself.
	rec, err := storage.Recover(n.files)
	if err != nil {
		w.t.Fatalf("server %d: recover: %v", id, err)
	}
	if err := n.files.Apply(rec.Repairs); err != nil {
		w.t.Fatalf("server %d: repairs: %v", id, err)
	}
	cfg := w.cfg
	cfg.ServerID = id
	p, err := NewQuorum(cfg, rec, w.now)
	if err != nil {
		w.t.Fatalf("server %d: NewQuorum: %v", id, err)
	}
	n.p, n.up, n.curLog = p, true, ""
	_, n.lastApplied = p.Digest()
	w.drive(n)
}

// crash kills server id: its memory and everything not durable are gone, its
// connections break.
func (w *world) crash(id int64) {
	n := w.nodes[id]
	if !n.up {
		return
	}
	n.up, n.p, n.crash = false, nil, nil
	// What the server already sent still arrives (the kernel flushes a killed
	// process's sockets); what was on its way to it is lost.
	var sent []worldMsg
	for _, m := range w.msgs {
		if m.from == id {
			sent = append(sent, m)
		}
	}
	w.dropLinks(func(a, b int64) bool { return a == id || b == id })
	w.deliver(sent)
	for _, other := range w.ids {
		if o := w.nodes[other]; other != id && o.up {
			o.p.PeerDisconnected(id, ChannelQuorum)
			o.p.PeerDisconnected(id, ChannelElection)
			w.drive(o)
		}
	}
	for _, c := range w.clients {
		if c.conn != 0 && c.server == id {
			c.lost()
		}
	}
}

func (w *world) restart(id int64) {
	if !w.nodes[id].up {
		w.start(id)
	}
}

// partition splits the servers into groups; connections between groups break.
func (w *world) partition(groups ...[]int64) {
	w.group = map[int64]int{}
	for g, ids := range groups {
		for _, id := range ids {
			w.group[id] = g + 1
		}
	}
	w.dropLinks(func(a, b int64) bool { return !w.linked(a, b) })
	for _, a := range w.ids {
		for _, b := range w.ids {
			if a != b && !w.linked(a, b) && w.nodes[a].up {
				w.nodes[a].p.PeerDisconnected(b, ChannelQuorum)
				w.drive(w.nodes[a])
			}
		}
	}
}

func (w *world) heal() { w.group = nil }

func (w *world) linked(a, b int64) bool { return w.group == nil || w.group[a] == w.group[b] }

func (w *world) dropLinks(cut func(a, b int64) bool) {
	kept := w.msgs[:0]
	for _, m := range w.msgs {
		if !cut(m.from, m.to) {
			kept = append(kept, m)
		}
	}
	w.msgs = kept
	for k := range w.lastAt {
		if cut(k[0], k[1]) {
			delete(w.lastAt, k)
		}
	}
}

func (w *world) send(from int64, m PeerMessage) {
	if to := w.nodes[m.To]; to == nil || !w.linked(from, m.To) || !to.up {
		return
	}
	at := w.now + 1 + w.rng.Int64N(w.maxDelay)
	if m.Channel == ChannelQuorum {
		k := [3]int64{from, m.To, int64(m.Channel)}
		at = max(at, w.lastAt[k])
		w.lastAt[k] = at
		if p, _, err := zab.UnmarshalPacket(m.Data); err == nil {
			w.sentTypes[m.To] = append(w.sentTypes[m.To], p.Type)
		}
	}
	w.seq++
	w.msgs = append(w.msgs, worldMsg{at: at, seq: w.seq, from: from, to: m.To, ch: m.Channel, data: m.Data})
}

// drive runs a node's Ready loop as a host does, with its crash hook.
func (w *world) drive(n *worldNode) {
	for n.up && n.p.HasReady() {
		rd := n.p.Ready()
		w.observe(n, &rd)
		for _, o := range rd.Out {
			if c := w.byConn[o.Conn]; c != nil {
				c.receive(o)
			}
		}
		for _, m := range rd.PeerMessages {
			if !m.AfterPersist {
				w.send(n.id, m)
			}
		}
		if w.crashHere(n, &rd, crashBeforePersist) {
			return
		}
		w.persist(n, &rd)
		if !n.up {
			return
		}
		if w.crashHere(n, &rd, crashAfterPersist) {
			return
		}
		for _, m := range rd.PeerMessages {
			if m.AfterPersist {
				w.send(n.id, m)
			}
		}
		if w.crashHere(n, &rd, crashAfterSend) {
			return
		}
		n.p.Advance()
	}
}

func (w *world) crashHere(n *worldNode, rd *Ready, at crashPoint) bool {
	if n.crash != nil && n.crash(rd, at) {
		w.crash(n.id)
		return true
	}
	return false
}

func (w *world) persist(n *worldNode, rd *Ready) {
	fail := func(err error) {
		if err != nil {
			w.t.Fatalf("server %d: persist: %v", n.id, err)
		}
	}
	if rd.Snapshot != nil && rd.InstallSnapshot {
		for _, name := range n.files.List() {
			if k, z := storage.ParseFileName(name); k == storage.KindLog || k == storage.KindSnapshot && z > rd.Snapshot.Zxid {
				delete(n.files, name)
			}
		}
		name, data, err := storage.EncodeSnapshot(rd.Snapshot.Zxid, rd.Snapshot.Payload)
		fail(err)
		n.files[name], n.curLog = data, ""
	}
	if rd.Truncate {
		repairs, err := storage.TruncatePlan(n.files, rd.TruncateTo)
		fail(err)
		fail(n.files.Apply(repairs))
		n.curLog = ""
	}
	if rd.HardState != nil {
		// currentEpoch goes through a tmp file written before the records it vouches
		// for, so that a crash between the records and the rename is recognised.
		n.files[storage.CurrentEpochFile+".tmp"] = storage.EncodeEpoch(rd.HardState.CurrentEpoch)
	}
	recs := rd.Records
	if len(recs) > 0 && n.crash != nil && n.crash(rd, crashTornRecords) {
		w.appendRecords(n, recs[:len(recs)/2])
		w.crash(n.id)
		return
	}
	w.appendRecords(n, recs)
	if rd.HardState != nil && n.crash != nil && n.crash(rd, crashBeforeHardState) {
		w.crash(n.id)
		return
	}
	if rd.HardState != nil {
		n.files[storage.AcceptedEpochFile] = storage.EncodeEpoch(rd.HardState.AcceptedEpoch)
		n.files[storage.CurrentEpochFile] = storage.EncodeEpoch(rd.HardState.CurrentEpoch)
		delete(n.files, storage.CurrentEpochFile+".tmp")
	}
	if rd.Snapshot != nil && !rd.InstallSnapshot {
		name, data, err := storage.EncodeSnapshot(rd.Snapshot.Zxid, rd.Snapshot.Payload)
		fail(err)
		n.files[name], n.curLog = data, ""
	}
}

func (w *world) appendRecords(n *worldNode, recs []storage.Record) {
	if len(recs) == 0 {
		return
	}
	var data []byte
	if n.curLog == "" {
		n.curLog = storage.LogFileName(recs[0].Zxid)
		var err error
		if data, err = storage.AppendLogHeader(nil, recs[0].Zxid); err != nil {
			w.t.Fatalf("log header: %v", err)
		}
	} else {
		data = n.files[n.curLog]
	}
	data, err := storage.AppendRecords(data, recs)
	if err != nil {
		w.t.Fatalf("server %d: append: %v", n.id, err)
	}
	n.files[n.curLog] = data
}

// observe checks the ZAB invariants on a node's events.
func (w *world) observe(n *worldNode, rd *Ready) {
	if rd.Role != nil {
		n.role = *rd.Role
	}
	if rd.Snapshot != nil && rd.InstallSnapshot {
		n.lastApplied = rd.Snapshot.Zxid
	}
	for _, ev := range rd.Events {
		switch ev.Kind {
		case EventEstablished:
			if other, ok := w.established[ev.Epoch]; ok && other != n.id {
				w.t.Fatalf("epoch %d established by both %d and %d", ev.Epoch, other, n.id)
			}
			w.established[ev.Epoch] = n.id
		case EventCommitted:
			w.commits++
			if i, ok := w.orderIndex[ev.Zxid]; ok {
				prev := int64(0)
				if i > 0 {
					prev = w.order[i-1]
				}
				if n.lastApplied != prev && !(i == 0 && n.lastApplied == 0) {
					w.t.Fatalf("server %d applied %#x after %#x; the committed order has %#x before it", n.id, ev.Zxid, n.lastApplied, prev)
				}
			} else {
				last := int64(0)
				if len(w.order) > 0 {
					last = w.order[len(w.order)-1]
				}
				if ev.Zxid <= last || n.lastApplied != last {
					w.t.Fatalf("server %d applied new %#x after %#x; committed order ends at %#x", n.id, ev.Zxid, n.lastApplied, last)
				}
				w.orderIndex[ev.Zxid] = len(w.order)
				w.order = append(w.order, ev.Zxid)
			}
			n.lastApplied = ev.Zxid
		}
	}
}

// deliver hands messages to their servers in send order.
func (w *world) deliver(msgs []worldMsg) {
	sort.Slice(msgs, func(i, j int) bool {
		if msgs[i].at != msgs[j].at {
			return msgs[i].at < msgs[j].at
		}
		return msgs[i].seq < msgs[j].seq
	})
	var touched []int64
	for _, m := range msgs {
		n := w.nodes[m.to]
		if !n.up || !w.linked(m.from, m.to) {
			continue
		}
		n.p.StepPeer(m.from, m.ch, m.data)
		if !w.batched {
			w.drive(n)
		} else if !slices.Contains(touched, m.to) {
			touched = append(touched, m.to)
		}
	}
	slices.Sort(touched)
	for _, id := range touched {
		w.drive(w.nodes[id])
	}
}

// step advances the world by worldStep ms.
func (w *world) step() {
	w.now += worldStep
	due := w.msgs[:0:0]
	kept := w.msgs[:0]
	for _, m := range w.msgs {
		if m.at <= w.now {
			due = append(due, m)
		} else {
			kept = append(kept, m)
		}
	}
	w.msgs = kept
	w.deliver(due)
	for _, id := range w.ids {
		if n := w.nodes[id]; n.up {
			n.p.Tick(w.now)
			w.drive(n)
		}
	}
	for _, c := range w.clients {
		c.act()
	}
}

func (w *world) run(ms int64) {
	for end := w.now + ms; w.now < end; {
		w.step()
	}
}

// runUntil steps until cond holds, failing after limit ms.
func (w *world) runUntil(limit int64, what string, cond func() bool) {
	w.t.Helper()
	for end := w.now + limit; !cond(); {
		if w.now >= end {
			w.t.Fatalf("no %s within %d ms: %s", what, limit, w.describe())
		}
		w.step()
	}
}

func (w *world) describe() string {
	var b strings.Builder
	for _, id := range w.ids {
		n := w.nodes[id]
		if !n.up {
			fmt.Fprintf(&b, "[%d down] ", id)
			continue
		}
		st := n.p.Status()
		fmt.Fprintf(&b, "[%d %s e%d l%d serving=%v last=%#x committed=%#x applied=%#x] ", id, st.Mode, st.Epoch, st.Leader, st.Serving, st.LastLogged, st.Committed, st.LastZxid)
	}
	for _, c := range w.clients {
		fmt.Fprintf(&b, "\n client %s: server=%d conn=%d connected=%v session=%#x lastZxid=%#x inflight=%d acked=%d expired=%d",
			c.name, c.server, c.conn, c.connected, c.session, c.lastZxid, len(c.inflight), len(c.acked), c.expired)
	}
	return b.String()
}

// leader returns the server leading and serving, if exactly one does among those
// that can reach a majority.
func (w *world) leader() int64 {
	for _, id := range w.ids {
		n := w.nodes[id]
		if n.up && n.p.Status().Mode == "leader" && n.p.Status().Serving {
			return id
		}
	}
	return 0
}

// others returns every server but the current leader, in id order.
func (w *world) others() []int64 {
	l := w.leader()
	var out []int64
	for _, id := range w.ids {
		if id != l {
			out = append(out, id)
		}
	}
	return out
}

// settled reports whether every live server serves under one leader and has applied
// the same history.
func (w *world) settled() bool {
	l := w.leader()
	if l == 0 {
		return false
	}
	var digest uint64
	var zxid int64
	first := true
	for _, id := range w.ids {
		n := w.nodes[id]
		if !n.up {
			continue
		}
		st := n.p.Status()
		if !st.Serving || st.Leader != l {
			return false
		}
		d, z := n.p.Digest()
		if first {
			digest, zxid, first = d, z, false
		} else if d != digest || z != zxid {
			return false
		}
	}
	return true
}

// quiesce stops the clients' writes, waits up to limit ms for every live server to
// converge under one leader, and checks that no acknowledged write was lost.
func (w *world) quiesce(limit int64) {
	w.t.Helper()
	for _, c := range w.clients {
		c.next = nil
	}
	w.runUntil(limit, "convergence", w.settled)
	w.checkAcked()
}

// checkAcked verifies that every write acknowledged to a client is in every live
// server's tree (or in the trees of the servers given).
func (w *world) checkAcked(only ...int64) {
	w.t.Helper()
	ids := w.ids
	if len(only) > 0 {
		ids = only
	}
	for _, c := range w.clients {
		for _, path := range c.acked {
			for _, id := range ids {
				if n := w.nodes[id]; n.up {
					if _, _, code := n.p.tree.Get(path); code != wire.ErrOK {
						w.t.Fatalf("acknowledged %s missing on server %d (%v): %s", path, id, code, w.describe())
					}
				}
			}
		}
	}
}

// worldClient is a ZooKeeper client: it opens a session, writes, pings, and
// reconnects (to another server) with its session when a connection breaks.
type worldClient struct {
	w         *world
	name      string
	server    int64
	conn      ConnID
	connected bool
	session   int64
	passwd    []byte
	timeout   int32
	lastZxid  int64
	xid       int32
	inflight  map[int32]wire.OpCode
	lastSend  int64
	retryAt   int64
	sticky    bool // reconnect to the same server
	expired   int
	// next, when set, yields the next request to send; nil pauses the client.
	next     func() wire.Request
	maxPipe  int
	acked    []string
	results  map[int32]wire.ReplyHeader
	frames   map[int32][]byte // the reply payloads, by xid
	watches  []wire.WatcherEvent
	paths    map[int32]string
	silenced bool // sends nothing, not even pings
}

func (w *world) addClient(name string, server int64) *worldClient {
	c := &worldClient{w: w, name: name, server: server, inflight: map[int32]wire.OpCode{}, maxPipe: 1,
		results: map[int32]wire.ReplyHeader{}, frames: map[int32][]byte{}, paths: map[int32]string{}, timeout: 30 * worldTick}
	w.clients = append(w.clients, c)
	return c
}

// writer makes c create /name-k nodes one after another.
func (c *worldClient) writer(limit int) *worldClient {
	k := 0
	c.next = func() wire.Request {
		if limit > 0 && k >= limit {
			return nil
		}
		k++
		return &wire.CreateRequest{Op: wire.OpCreate, Path: fmt.Sprintf("/%s-%d", c.name, k), Data: []byte(c.name), ACL: openACL()}
	}
	return c
}

func (c *worldClient) act() {
	w := c.w
	if c.silenced {
		return
	}
	if c.conn == 0 {
		if w.now < c.retryAt {
			return
		}
		n := w.nodes[c.server]
		if !n.up {
			c.moveOn()
			return
		}
		w.nextConn++
		c.conn, c.connected = w.nextConn, false
		w.byConn[c.conn] = c
		n.p.Connect(c.conn, "10.0.0."+c.name)
		pw := c.passwd
		if pw == nil {
			pw = make([]byte, 16)
		}
		c.lastSend = w.now
		n.p.Receive(c.conn, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: c.timeout, LastZxidSeen: c.lastZxid, SessionID: c.session, Passwd: pw})[4:])
		w.drive(n)
		return
	}
	if !c.connected {
		return
	}
	for c.connected && c.next != nil && len(c.inflight) < c.maxPipe {
		req := c.next()
		if req == nil {
			break
		}
		c.request(req)
	}
	if c.connected && w.now-c.lastSend > int64(c.timeout)/3 {
		c.request(&wire.PingRequest{})
	}
}

func (c *worldClient) request(req wire.Request) int32 {
	w := c.w
	xid := int32(-2)
	if req.OpCode() != wire.OpPing {
		c.xid++
		xid = c.xid
	}
	c.inflight[xid] = req.OpCode()
	if cr, ok := req.(*wire.CreateRequest); ok {
		c.paths[xid] = cr.Path
	}
	c.lastSend = w.now
	n := w.nodes[c.server]
	n.p.Receive(c.conn, wire.EncodeRequest(xid, req)[4:])
	w.drive(n)
	return xid
}

func (c *worldClient) receive(o Output) {
	if o.Frame != nil {
		payload := o.Frame[4:]
		if !c.connected {
			resp, err := wire.DecodeConnectResponse(payload)
			if err != nil {
				c.w.t.Fatalf("client %s: connect response: %v", c.name, err)
			}
			if resp.SessionID == 0 {
				c.expired++
				c.session, c.passwd = 0, nil
			} else {
				c.session, c.passwd, c.connected = resp.SessionID, resp.Passwd, true
			}
		} else {
			hdr, err := wire.DecodeReplyHeader(payload)
			if err != nil {
				c.w.t.Fatalf("client %s: reply: %v", c.name, err)
			}
			if hdr.Xid == -1 {
				_, resp, err := wire.DecodeReply(payload, wire.OpNotification)
				if err == nil {
					if ev, ok := resp.(*wire.WatcherEvent); ok {
						c.watches = append(c.watches, *ev)
					}
				}
			} else if _, ok := c.inflight[hdr.Xid]; ok {
				delete(c.inflight, hdr.Xid)
				c.results[hdr.Xid] = hdr
				c.frames[hdr.Xid] = payload
				if hdr.Err == wire.ErrOK && c.paths[hdr.Xid] != "" {
					c.acked = append(c.acked, c.paths[hdr.Xid])
				}
				if hdr.Zxid > 0 {
					if hdr.Zxid < c.lastZxid && hdr.Xid != -2 {
						c.w.t.Fatalf("client %s saw zxid %#x after %#x", c.name, hdr.Zxid, c.lastZxid)
					}
					c.lastZxid = max(c.lastZxid, hdr.Zxid)
				}
			}
		}
	}
	if o.Close {
		c.lost()
	}
}

// lost handles a broken connection: outstanding requests have unknown outcomes.
func (c *worldClient) lost() {
	if c.conn == 0 {
		return
	}
	c.disconnect()
	c.moveOn()
}

func (c *worldClient) moveOn() {
	c.retryAt = c.w.now + 50
	if !c.sticky {
		i := slices.Index(c.w.ids, c.server)
		c.server = c.w.ids[(i+1)%len(c.w.ids)]
	}
}

// disconnect drops the client's connection from the client side.
func (c *worldClient) disconnect() {
	if c.conn == 0 {
		return
	}
	delete(c.w.byConn, c.conn)
	if n := c.w.nodes[c.server]; n.up {
		n.p.Disconnect(c.conn)
	}
	c.conn, c.connected = 0, false
	clear(c.inflight)
}
