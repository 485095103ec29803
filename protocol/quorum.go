package protocol

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/zksim/zksim/protocol/datatree"
	"github.com/zksim/zksim/protocol/election"
	"github.com/zksim/zksim/protocol/session"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
)

// Member is one server of an ensemble.
type Member struct {
	ID       int64
	Observer bool
}

// Channel is the connection a peer message travels on.
type Channel uint8

// Channels between servers, as ZooKeeper's two ports.
const (
	ChannelElection Channel = iota + 1 // leader election (port 3888): election notifications
	ChannelQuorum                      // quorum (port 2888): ZAB packets, in order
)

func (c Channel) String() string {
	switch c {
	case ChannelElection:
		return "election"
	case ChannelQuorum:
		return "quorum"
	}
	return fmt.Sprintf("channel(%d)", uint8(c))
}

// PeerMessage is one whole message to another server. Messages on ChannelQuorum to one
// server must arrive in the order they were sent (a TCP stream); election messages may
// be reordered or lost.
type PeerMessage struct {
	To      int64
	Channel Channel
	Data    []byte
	// AfterPersist: the message may leave only after the persistence of the Ready that
	// carries it is durable.
	AfterPersist bool
}

// HardState is what the acceptedEpoch and currentEpoch files hold.
type HardState struct {
	AcceptedEpoch int64
	CurrentEpoch  int64
}

// Roles as RoleChange and Status report them.
const (
	RoleLooking    = "looking"
	RoleLeading    = "leading"
	RoleFollowing  = "following"
	RoleObserving  = "observing"
	RoleStandalone = "standalone"
)

// RoleChange reports this server's new role, for traces and `status`. Epoch is the
// epoch being established or served (0 while unknown), Leader the leader's id (0
// while looking).
type RoleChange struct {
	Role   string
	Epoch  int64
	Leader int64
	Reason string // why the server went back to election, if it did
}

// EventKind names a NodeEvent.
type EventKind uint8

// Node events.
const (
	// EventEstablished: this server, as leader, established Epoch (a quorum
	// acknowledged NEWLEADER). At most one server may do so per epoch.
	EventEstablished EventKind = iota + 1
	// EventCommitted: this server applied the committed transaction Zxid. Every
	// server applies one sequence; their committed prefixes must agree.
	EventCommitted
)

func (k EventKind) String() string {
	switch k {
	case EventEstablished:
		return "established"
	case EventCommitted:
		return "committed"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// NodeEvent is a ZAB fact about this server for checkers.
type NodeEvent struct {
	Kind  EventKind
	Zxid  int64
	Epoch int64
}

// quorum is the ensemble side of a Peer: election, ZAB and what the pipeline needs
// to run on a leader or a learner.
type quorum struct {
	el       *election.Election
	zn       *zab.Node
	id       int64
	observer bool

	// What this server last knew of its role (for change detection).
	started   bool
	role      zab.Role
	epoch     int64
	leader    int64
	broadcast bool  // ZAB phase broadcast reached in this role
	serveFrom int64 // the tree must reach this zxid before clients are served
	serving   bool

	// infos are FOLLOWERINFO/OBSERVERINFO packets that arrived before this server
	// knew it leads; they are handed to ZAB when it does (a learner reconnects until
	// its leader listens).
	infos map[int64]zab.Packet

	msgs       []PeerMessage // election messages not yet handed out
	roleChange *RoleChange
	events     []NodeEvent
	packets    []byte // chunk that encoded quorum packets are carved from
	// handed are the slices of the last Ready, spare those of an earlier one that
	// Advance gave back: a Ready per message would otherwise allocate them each time.
	handed, spare readySlices
	// inflight is the zab.Ready taken by Ready, acted on by Advance (held by value:
	// one per message, it would otherwise be allocated per message).
	inflight    zab.Ready
	hasInflight bool

	syncs  []syncWait // syncs waiting for ZAB's answer, in order
	revals []revalWait
}

// syncWait is a client's sync waiting for ZAB to reach its sync point.
type syncWait struct {
	conn *conn
	req  *pending
}

// revalWait is a client reconnecting to a learner with a session the leader must
// confirm.
type revalWait struct {
	conn    ConnID
	session session.ID
	pe      *pending
}

// ErrMembers reports an unusable ensemble.
var ErrMembers = errors.New("protocol: invalid ensemble")

// NewQuorum builds a member of an ensemble (Config.Members) from what its storage
// recovered (snapshot, log and the epoch files). It starts LOOKING: the first Ready
// carries its election notifications. With no Members it is NewStandalone.
func NewQuorum(cfg Config, rec storage.RecoveredState, now int64) (*Peer, error) {
	if len(cfg.Members) == 0 {
		return NewStandalone(cfg, rec, now)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var voters []int64
	self, seen := false, map[int64]bool{}
	observer := false
	for _, m := range c.Members {
		if m.ID <= 0 || m.ID > 254 || seen[m.ID] {
			return nil, fmt.Errorf("%w: member id %d", ErrMembers, m.ID)
		}
		seen[m.ID] = true
		if m.ID == c.ServerID {
			self, observer = true, m.Observer
		}
		if !m.Observer {
			voters = append(voters, m.ID)
		}
	}
	if !self || len(voters) == 0 {
		return nil, fmt.Errorf("%w: server %d not among members, or no voters", ErrMembers, c.ServerID)
	}
	slices.Sort(voters)
	qv := election.NewMajority(voters...)
	p, err := newPeer(c, rec, now, true)
	if err != nil {
		return nil, err
	}
	log := make([]zab.Entry, len(rec.Records))
	for i, r := range rec.Records {
		log[i] = zab.Entry{Zxid: r.Zxid, Txn: r.Payload}
	}
	snapZxid := int64(0)
	if rec.HasSnapshot {
		snapZxid = rec.SnapshotZxid
	}
	st, err := zab.Recover(zab.Storage{AcceptedEpoch: rec.AcceptedEpoch, CurrentEpoch: rec.CurrentEpoch, SnapshotZxid: snapZxid, Log: log})
	if err != nil {
		return nil, fmt.Errorf("protocol: recover: %w", err)
	}
	zn, err := zab.New(zab.Config{
		ID: c.ServerID, Quorum: qv, TickTime: int64(c.TickTime),
		InitLimit: int64(c.InitLimit), SyncLimit: int64(c.SyncLimit), CounterBits: c.CounterBits,
		StateMachine: stateMachine{p}, Bugs: c.Bugs,
	}, st)
	if err != nil {
		return nil, fmt.Errorf("protocol: zab: %w", err)
	}
	el, err := election.New(election.Config{
		ID: c.ServerID, Quorum: qv,
		MinNotificationInterval: c.ElectionMinInterval, MaxNotificationInterval: c.ElectionMaxInterval,
		FinalizeWait: c.FinalizeWait, DecideWhenUnanimous: c.DecideWhenUnanimous, Bugs: c.Bugs,
	})
	if err != nil {
		return nil, fmt.Errorf("protocol: election: %w", err)
	}
	p.q = &quorum{el: el, zn: zn, id: c.ServerID, observer: observer, infos: map[int64]zab.Packet{}}
	zn.Tick(now)
	el.Tick(now)
	p.syncRole()
	return p, nil
}

// stateMachine is what ZAB asks of the Peer: snapshots for SNAP syncs and the
// learner's session activity for its PING replies.
type stateMachine struct{ p *Peer }

// Snapshot is the leader's state for a SNAP sync: its tree and sessions with the
// entries of pending above its tree applied to a copy (the committed history it has
// not applied yet: all of it after a restart, until it is established).
func (s stateMachine) Snapshot(pending []zab.Entry) (zab.Snapshot, error) {
	p := s.p
	data := p.tree.EncodeSnapshot(p.sessions.AppendSnapshot(nil))
	i := 0
	for i < len(pending) && pending[i].Zxid <= p.tree.LastZxid() {
		i++
	}
	if i == len(pending) {
		return zab.Snapshot{Zxid: p.tree.LastZxid(), Data: data}, nil
	}
	tree, extra, err := datatree.DecodeSnapshot(data, p.cfg.treeConfig())
	if err != nil {
		return zab.Snapshot{}, err
	}
	entries, _, err := session.DecodeEntries(extra)
	if err != nil {
		return zab.Snapshot{}, err
	}
	for _, e := range pending[i:] {
		hdr, txn, err := datatree.DecodeTxn(e.Txn)
		if err == nil && hdr.Zxid != e.Zxid {
			err = fmt.Errorf("entry %#x holds txn %#x", e.Zxid, hdr.Zxid)
		}
		if err != nil {
			return zab.Snapshot{}, err
		}
		tree.Apply(hdr, txn)
		// The session effects of applyTxn, on the snapshot's list.
		id, timeout, change := sessionChangeOf(hdr, txn)
		if change != sessionUnchanged {
			entries = slices.DeleteFunc(entries, func(se session.Entry) bool { return se.ID == id })
		}
		if change == sessionOpened {
			entries = append(entries, session.Entry{ID: id, Timeout: timeout})
		}
	}
	return zab.Snapshot{Zxid: tree.LastZxid(), Data: tree.EncodeSnapshot(session.AppendEntries(nil, entries))}, nil
}

func (s stateMachine) TouchedSessions() []byte {
	touched := s.p.sessions.DrainTouches()
	if len(touched) == 0 {
		return nil
	}
	return session.AppendEntries(nil, touched)
}

func (p *Peer) isLearner() bool {
	return p.q != nil && (p.q.role == zab.RoleFollower || p.q.role == zab.RoleObserver)
}

func (p *Peer) isLeader() bool { return p.q != nil && p.q.role == zab.RoleLeader }

// checkOwner is the leader's check that a local client's session is still served
// here (ZooKeeper's checkSession with this server as owner). Learners leave the check
// to the leader, which runs it on their forwarded requests.
func (p *Peer) checkOwner(cn *conn) error {
	if !p.isLeader() {
		return nil
	}
	return p.sessions.Check(cn.session, p.q.id)
}

// StepPeer hands the Peer one whole message from server from on channel ch.
func (p *Peer) StepPeer(from int64, ch Channel, msg []byte) {
	q := p.q
	if q == nil {
		return
	}
	switch ch {
	case ChannelElection:
		n, err := election.UnmarshalNotification(msg)
		if err != nil {
			p.cfg.Logger.Info("bad election notification", "from", from, "err", err)
			return
		}
		q.el.Step(from, n)
		p.pumpElection()
	case ChannelQuorum:
		pkt, used, err := zab.UnmarshalPacket(msg)
		if err == nil && used != len(msg) {
			err = fmt.Errorf("%w: %d trailing bytes", zab.ErrBadPacket, len(msg)-used)
		}
		if err != nil {
			p.cfg.Logger.Info("bad quorum packet", "from", from, "err", err)
			if p.isLearner() && from == q.zn.Leader() {
				q.zn.StepDown("malformed packet from the leader")
			}
			break
		}
		if (pkt.Type == zab.TypeFollowerInfo || pkt.Type == zab.TypeObserverInfo) && q.zn.Role() != zab.RoleLeader {
			q.infos[from] = pkt
			break
		}
		if err := q.zn.Step(from, pkt); err != nil {
			p.cfg.Logger.Debug("quorum packet refused", "from", from, "type", pkt.Type, "err", err)
		}
	}
	p.syncRole()
}

// PeerDisconnected tells the Peer that its connection with peer on ch broke. A
// learner whose quorum connection to its leader broke goes back to election at once.
func (p *Peer) PeerDisconnected(peer int64, ch Channel) {
	q := p.q
	if q == nil || ch != ChannelQuorum {
		return
	}
	delete(q.infos, peer)
	if p.isLearner() && peer == q.zn.Leader() {
		q.zn.StepDown("connection to the leader broke")
	}
	p.syncRole()
}

// tickQuorum runs the clocks of election and ZAB, and the leader's session expiry.
func (p *Peer) tickQuorum(now int64) {
	q := p.q
	q.zn.Tick(now)
	q.el.Tick(now)
	p.pumpElection()
	switch {
	case q.serving && p.isLeader():
		p.expireAndSweep(now)
	case p.isLearner():
		// Only the leader expires sessions. A learner renews the ones its own clients
		// left idle, which also lets its table drop its passed expiry buckets.
		for _, id := range p.sessions.Expired(now) {
			timeout, _ := p.sessions.Timeout(id)
			p.sessions.Remove(id)
			p.sessions.Track(id, timeout, now)
		}
	}
	p.syncRole()
}

// pumpElection collects the election's messages and acts on its decision.
func (p *Peer) pumpElection() {
	q := p.q
	for q.el.HasReady() {
		rd := q.el.Ready()
		for _, m := range rd.Messages {
			q.msgs = append(q.msgs, PeerMessage{To: m.To, Channel: ChannelElection, Data: m.Notification.Marshal()})
		}
		d := rd.Decision
		if d == nil || q.zn.Role() != zab.RoleLooking {
			continue
		}
		switch {
		case d.Leader == q.id && !q.observer:
			q.zn.Lead()
			for _, from := range slices.Sorted(maps.Keys(q.infos)) {
				if err := q.zn.Step(from, q.infos[from]); err != nil {
					p.cfg.Logger.Debug("held learner info refused", "from", from, "err", err)
				}
			}
			clear(q.infos)
		case q.observer:
			q.zn.Observe(d.Leader)
		default:
			q.zn.Follow(d.Leader)
		}
	}
}

// syncRole reacts to a change of ZAB role, leader, epoch or phase: reports it, starts
// an election when the role ended, and starts or stops serving clients.
func (p *Peer) syncRole() {
	q := p.q
	for {
		zn := q.zn
		role, epoch, leader := zn.Role(), zn.Epoch(), zn.Leader()
		if q.started && role == q.role && epoch == q.epoch && leader == q.leader {
			break
		}
		if q.serving && (role != q.role || leader != q.leader || epoch != q.epoch) {
			p.stopServing()
		}
		if !q.started || role != q.role || leader != q.leader {
			q.broadcast = false
		}
		q.started = true
		q.role, q.epoch, q.leader = role, epoch, leader
		q.roleChange = &RoleChange{Role: roleName(role), Epoch: epoch, Leader: leader}
		if role == zab.RoleLooking {
			clear(q.infos)
			q.el.Start(zn.LastZxid(), zn.CurrentEpoch())
			p.pumpElection() // may decide at once and change the role again
		}
	}
	if q.zn.Phase() == zab.PhaseBroadcast && !q.broadcast {
		q.broadcast = true
		q.serveFrom = q.zn.Committed()
		q.el.UpdatePeerEpoch(q.epoch)
		if q.role == zab.RoleLeader {
			q.events = append(q.events, NodeEvent{Kind: EventEstablished, Epoch: q.epoch, Zxid: zab.MakeZxid(q.epoch, 0)})
		}
	}
	if q.broadcast && !q.serving && p.tree.LastZxid() >= q.serveFrom {
		p.startServing()
	}
}

func roleName(r zab.Role) string {
	switch r {
	case zab.RoleLeader:
		return RoleLeading
	case zab.RoleFollower:
		return RoleFollowing
	case zab.RoleObserver:
		return RoleObserving
	}
	return RoleLooking
}

// startServing opens the server to clients once its state holds the whole history
// of the epoch. Every known session gets a full timeout from now, as a new leader
// gives them.
func (p *Peer) startServing() {
	q := p.q
	q.serving = true
	entries := p.sessions.Entries()
	if t, err := newSessionTable(p.cfg, p.now, true); err == nil {
		p.sessions = t
		p.sessions.Restore(entries, p.now)
	}
	p.prep = datatree.NewPreparer(p.tree)
	p.nextSweep = p.now + p.cfg.ContainerCheckInterval
}

// stopServing closes every client connection, as ZooKeeper does when a server leaves
// its role; the clients reconnect elsewhere and keep their sessions.
func (p *Peer) stopServing() {
	q := p.q
	q.serving = false
	for _, c := range slices.Clone(p.connOrder) {
		if cn := p.conns[c]; cn != nil {
			p.closeConn(cn)
		}
	}
	q.syncs, q.revals = nil, nil
	p.prep = datatree.NewPreparer(p.tree)
}

// nextZxid is the zxid ZAB assigns to the leader's next proposal.
func (q *quorum) nextZxid() int64 {
	last, epoch := q.zn.LastZxid(), q.zn.Epoch()
	if zab.EpochOf(last) == epoch {
		return last + 1
	}
	return zab.MakeZxid(epoch, 1)
}

// quorumPropose hands a prepared transaction to ZAB. The zxid was taken from
// nextZxid, so it is the one ZAB assigns.
func (p *Peer) quorumPropose(hdr datatree.TxnHeader, txn datatree.Txn) {
	payload, err := datatree.EncodeTxn(hdr, txn)
	if err != nil {
		p.cfg.Logger.Error("cannot encode transaction", "zxid", hdr.Zxid, "err", err)
		return
	}
	z, err := p.q.zn.Propose(payload)
	switch {
	case err != nil:
		// Not leading any more, or the counter is exhausted (ZAB stepped down): the
		// client's connection closes and it retries with the next leader.
		p.cfg.Logger.Info("proposal refused", "zxid", hdr.Zxid, "err", err)
	case z != hdr.Zxid:
		p.q.zn.StepDown(fmt.Sprintf("prepared zxid %#x but ZAB assigned %#x", hdr.Zxid, z))
	}
}

// forward sends a learner's client write to the leader. Its reply comes when the
// committed transaction with the same session and cxid is applied here.
func (p *Peer) forward(cn *conn, in intent) {
	if err := p.q.zn.Forward(int64(cn.session), in.marshal()); err != nil {
		p.cfg.Logger.Info("cannot forward to the leader", "conn", cn.id, "err", err)
		p.closeConn(cn)
	}
}

// quorumSync answers a sync once every write the leader proposed before it is
// committed and applied here.
func (p *Peer) quorumSync(cn *conn, pe *pending) {
	q := p.q
	pe.write = true // held until ZAB answers
	cn.queue = append(cn.queue, pe)
	var err error
	if p.isLeader() {
		err = q.zn.Sync(q.id)
	} else {
		err = q.zn.Forward(int64(cn.session), intent{kind: intentSync, cxid: pe.xid}.marshal())
	}
	if err != nil {
		p.cfg.Logger.Info("cannot sync", "conn", cn.id, "err", err)
		p.closeConn(cn)
		return
	}
	q.syncs = append(q.syncs, syncWait{conn: cn, req: pe})
}

// revalidate asks the leader whether the session a client brings to this learner is
// still alive before finishing its handshake.
func (p *Peer) revalidate(cn *conn, id session.ID, timeout int32, req wire.ConnectRequest) {
	q := p.q
	if err := q.zn.Revalidate(int64(id), timeout); err != nil {
		p.closeConn(cn)
		return
	}
	pe := &pending{op: wire.OpCreateSession, write: true, connect: &req}
	cn.queue = append(cn.queue, pe)
	cn.timeout = timeout
	cn.revalidating = true
	q.revals = append(q.revals, revalWait{conn: cn.id, session: id, pe: pe})
}

// revalidated finishes the handshakes waiting on the leader's answer for id.
func (p *Peer) revalidated(id session.ID, valid bool) {
	q := p.q
	kept := q.revals[:0]
	for _, w := range q.revals {
		if w.session != id {
			kept = append(kept, w)
			continue
		}
		cn := p.conns[w.conn]
		if cn == nil || cn.state == connClosed {
			continue
		}
		pe := w.pe
		pe.done = true
		cn.revalidating = false
		if !valid {
			pe.frame = wire.EncodeConnectResponse(&wire.ConnectResponse{Passwd: make([]byte, session.PasswordLen), HasReadOnly: pe.connect.HasReadOnly})
			pe.close = true
			p.flush(cn)
			continue
		}
		if old, ok := p.sessionConn[id]; ok && old != cn.id {
			if oc := p.conns[old]; oc != nil {
				p.closeConn(oc)
			}
		}
		p.sessions.Track(id, cn.timeout, p.now)
		p.sessionConn[id] = cn.id
		cn.session = id
		pw := session.Password(id)
		pe.frame = wire.EncodeConnectResponse(&wire.ConnectResponse{TimeOut: cn.timeout, SessionID: int64(id), Passwd: pw[:], HasReadOnly: pe.connect.HasReadOnly})
		p.flush(cn)
		held := cn.held
		cn.held = nil
		for _, payload := range held {
			p.Receive(cn.id, payload)
		}
	}
	q.revals = kept
}

func (p *Peer) quorumHasReady() bool {
	q := p.q
	return len(p.out) > 0 || len(q.msgs) > 0 || q.roleChange != nil || len(q.events) > 0 || p.snapshot != nil ||
		(!q.hasInflight && q.zn.HasReady())
}

// packetChunk is the size of the chunks quorum packets are encoded into.
const packetChunk = 4096

// readySlices are a Ready's slices that the Peer reuses after Advance.
type readySlices struct {
	out     []Output
	msgs    []PeerMessage
	events  []NodeEvent
	records []storage.Record
}

func (p *Peer) quorumReady() Ready {
	q := p.q
	rd := Ready{Out: p.out, PeerMessages: q.msgs, Role: q.roleChange, Events: q.events, Snapshot: p.snapshot}
	p.out, q.msgs, q.roleChange, q.events, p.snapshot = q.spare.out, q.spare.msgs, nil, q.spare.events, nil
	p.addZabReady(&rd)
	q.spare = readySlices{}
	q.handed = readySlices{out: rd.Out, msgs: rd.PeerMessages, events: rd.Events, records: rd.Records}
	return rd
}

// addZabReady adds ZAB's outputs to rd, unless ZAB's previous Ready is still in flight.
func (p *Peer) addZabReady(rd *Ready) {
	q := p.q
	if q.hasInflight || !q.zn.HasReady() {
		return
	}
	q.inflight, q.hasInflight = q.zn.Ready(), true
	zr := &q.inflight
	if zr.Snapshot != nil {
		rd.Snapshot = &Snapshot{Zxid: zr.Snapshot.Zxid, Payload: zr.Snapshot.Data}
		rd.InstallSnapshot = true
	}
	rd.Truncate, rd.TruncateTo = zr.Truncate, zr.TruncateTo
	if len(zr.Entries) > 0 {
		rd.Records = q.spare.records
		for _, e := range zr.Entries {
			rd.Records = append(rd.Records, storage.Record{Zxid: e.Zxid, Payload: e.Txn})
		}
	}
	if zr.HardState != nil {
		rd.HardState = &HardState{AcceptedEpoch: zr.HardState.AcceptedEpoch, CurrentEpoch: zr.HardState.CurrentEpoch}
	}
	rd.MustSync = zr.MustSync
	// The packets are encoded into a shared chunk (one allocation per few kilobytes,
	// not per Ready or message); each message's Data is its own capped slice of it.
	rd.PeerMessages = slices.Grow(rd.PeerMessages, len(zr.Messages))
	size := 0
	for _, m := range zr.Messages {
		size += 20 + len(m.Packet.Data) // type, zxid, data length, authinfo count
	}
	free := cap(q.packets) - len(q.packets)
	if free < size {
		q.packets, free = make([]byte, 0, max(size, packetChunk)), max(size, packetChunk)
	}
	buf := q.packets[len(q.packets):len(q.packets)]
	var endsOnStack [16]int
	ends := endsOnStack[:0]
	for _, m := range zr.Messages {
		buf = m.Packet.AppendTo(buf)
		ends = append(ends, len(buf))
	}
	if len(buf) <= free { // else append moved buf out of the chunk
		q.packets = q.packets[:len(q.packets)+len(buf)]
	}
	start := 0
	for i, m := range zr.Messages {
		rd.PeerMessages = append(rd.PeerMessages, PeerMessage{To: m.To, Channel: ChannelQuorum, Data: buf[start:ends[i]:ends[i]], AfterPersist: m.AfterPersist})
		start = ends[i]
	}
	q.zn.RecycleMessages(zr.Messages)
	zr.Messages = nil
	if zr.Status != nil && zr.Status.Reason != "" {
		p.cfg.Logger.Info("role ended", "role", zr.Status.Role, "reason", zr.Status.Reason)
		if rd.Role != nil && rd.Role.Reason == "" && zr.Status.Role == zab.RoleLooking {
			rd.Role.Reason = zr.Status.Reason
		}
	}
}

// quorumAdvance acts on the ZAB outputs of the last Ready, whose persistence is now
// durable: install a synced snapshot, apply committed transactions (answering the
// clients that asked for them), run learners' requests through the leader's
// pipeline, and complete revalidations and syncs.
func (p *Peer) quorumAdvance() {
	q := p.q
	if h := q.handed; h.out != nil || h.msgs != nil || h.events != nil || h.records != nil {
		clear(h.out)
		clear(h.msgs)
		clear(h.events)
		clear(h.records)
		q.spare = readySlices{out: h.out[:0], msgs: h.msgs[:0], events: h.events[:0], records: h.records[:0]}
		q.handed = readySlices{}
	}
	if q.hasInflight {
		zr := q.inflight
		q.inflight, q.hasInflight = zab.Ready{}, false
		if zr.Snapshot != nil {
			if err := p.installSnapshot(zr.Snapshot); err != nil {
				p.cfg.Logger.Error("cannot install the leader's snapshot", "err", err)
				q.zn.StepDown("bad snapshot from the leader")
			}
		}
		// ZooKeeper answers a sync right after the COMMIT of its sync point. Answered
		// later, its reply (and the reads behind it) would carry a zxid above that of a
		// write the client queued behind the sync, whose reply carries its own zxid.
		completed := q.syncs[:min(len(zr.SyncsAfter), len(q.syncs))]
		q.syncs = q.syncs[len(completed):]
		next := 0
		for _, e := range zr.CommittedEntries {
			for ; next < len(completed) && zr.SyncsAfter[next] < e.Zxid; next++ {
				p.answerSync(completed[next])
			}
			p.applyCommitted(e)
		}
		for ; next < len(completed); next++ {
			p.answerSync(completed[next])
		}
		for _, rep := range zr.SessionReports {
			entries, _, err := session.DecodeEntries(rep.Data)
			if err != nil {
				p.cfg.Logger.Info("bad session report", "from", rep.From, "err", err)
				continue
			}
			for _, e := range entries {
				p.sessions.Touch(e.ID, p.now)
			}
		}
		for _, rv := range zr.Revalidations {
			if p.isLeader() {
				valid := p.sessions.Touch(session.ID(rv.SessionID), p.now)
				if valid {
					// The session now belongs to that learner: requests still coming
					// through its previous server fail with SESSIONMOVED.
					_ = p.sessions.SetOwner(session.ID(rv.SessionID), rv.From)
				}
				if err := q.zn.AnswerRevalidate(rv.From, rv.SessionID, valid); err != nil {
					p.cfg.Logger.Debug("cannot answer revalidation", "to", rv.From, "err", err)
				}
				continue
			}
			p.revalidated(session.ID(rv.SessionID), rv.Valid)
		}
		// After revalidations: a learner's REVALIDATE precedes the requests it then
		// forwards for that session.
		for _, r := range zr.Requests {
			p.pipelineForwarded(r)
		}
		q.zn.Advance()
	}
	p.flushOrder = append(p.flushOrder[:0], p.connOrder...)
	for _, c := range p.flushOrder {
		p.flush(p.conns[c])
	}
	if p.sinceSnap >= p.cfg.SnapCount {
		p.snapshot = p.takeSnapshot()
	}
	p.syncRole()
}

// installSnapshot replaces the tree and the sessions with the leader's (SNAP sync).
func (p *Peer) installSnapshot(s *zab.Snapshot) error {
	tree, extra, err := datatree.DecodeSnapshot(s.Data, p.cfg.treeConfig())
	if err != nil {
		return err
	}
	entries, _, err := session.DecodeEntries(extra)
	if err != nil {
		return err
	}
	t, err := newSessionTable(p.cfg, p.now, true)
	if err != nil {
		return err
	}
	t.Restore(entries, p.now)
	p.tree, p.sessions = tree, t
	p.prep = datatree.NewPreparer(tree)
	p.sinceSnap = 0
	return nil
}

// applyCommitted applies one committed transaction and answers the local client
// that asked for it, found by session and cxid.
func (p *Peer) applyCommitted(e zab.Entry) {
	hdr, txn, err := datatree.DecodeTxn(e.Txn)
	if err == nil && hdr.Zxid != e.Zxid {
		err = fmt.Errorf("entry %#x holds txn %#x", e.Zxid, hdr.Zxid)
	}
	if err != nil {
		p.cfg.Logger.Error("cannot decode a committed transaction", "zxid", e.Zxid, "err", err)
		p.q.zn.StepDown("undecodable committed transaction")
		return
	}
	cn, pe := p.waiterFor(hdr)
	res := p.applyTxn(hdr, txn)
	p.prep.Committed(hdr.Zxid)
	p.sinceSnap++
	p.q.events = append(p.q.events, NodeEvent{Kind: EventCommitted, Zxid: hdr.Zxid, Epoch: zab.EpochOf(hdr.Zxid)})
	if pe != nil {
		p.answer(proposal{hdr: hdr, txn: txn, conn: cn.id, req: pe, create: pe.connect}, res)
	}
}

// answerSync answers a sync whose sync point is applied, and the reads queued behind
// it, at the head of its connection's queue.
func (p *Peer) answerSync(sw syncWait) {
	sw.req.write = false
	if p.conns[sw.conn.id] == sw.conn {
		p.flush(sw.conn)
	}
}

// waiterFor finds the request of a local connection that a transaction answers: the
// first unanswered write of the session's connection with the transaction's cxid.
func (p *Peer) waiterFor(hdr datatree.TxnHeader) (*conn, *pending) {
	c, ok := p.sessionConn[session.ID(hdr.ClientID)]
	if !ok {
		return nil, nil
	}
	cn := p.conns[c]
	if cn == nil {
		return nil, nil
	}
	for _, pe := range cn.queue {
		if pe.done || !pe.write || pe.op == wire.OpSync {
			continue
		}
		if hdr.Type == wire.OpCreateSession {
			if pe.op == wire.OpCreateSession && pe.connect != nil && pe.connect.SessionID == 0 {
				return cn, pe
			}
			continue
		}
		if pe.op != wire.OpCreateSession && pe.xid == hdr.Cxid {
			return cn, pe
		}
	}
	return nil, nil
}

// pipelineForwarded runs a learner's forwarded write through the leader's pipeline.
func (p *Peer) pipelineForwarded(r zab.Request) {
	q := p.q
	in, err := unmarshalIntent(r.Data)
	if err != nil {
		p.cfg.Logger.Info("bad forwarded request", "from", r.From, "err", err)
		return
	}
	id := session.ID(r.SessionID)
	switch in.kind {
	case intentSync:
		if err := q.zn.Sync(r.From); err != nil {
			p.cfg.Logger.Debug("cannot sync", "learner", r.From, "err", err)
		}
		return
	case intentCreateSession:
		p.sessions.Track(id, in.timeout, p.now)
		p.proposeTxn(datatree.TxnHeader{ClientID: r.SessionID, Zxid: p.nextZxid(), Time: p.now, Type: wire.OpCreateSession},
			&datatree.CreateSessionTxn{TimeOut: in.timeout}, 0, nil, nil)
		return
	case intentCloseSession:
		p.sessions.Close(id)
		p.proposeCloseXid(id, in.cxid, nil, 0)
		return
	case intentError:
		p.proposeErrorTxn(r.SessionID, in.cxid, in.code)
		return
	}
	if err := p.sessions.Check(id, r.From); err != nil {
		p.proposeErrorTxn(r.SessionID, in.cxid, errCode(err, wire.ErrSessionExpired))
		return
	}
	p.sessions.Touch(id, p.now)
	_, req, err := wire.DecodeRequest(in.request)
	dreq, ok := writeRequest(req)
	if err != nil || !ok {
		p.proposeErrorTxn(r.SessionID, in.cxid, wire.ErrMarshallingError)
		return
	}
	p.propose(p.envFor(r.SessionID, in.cxid, in.ids), dreq, 0, nil)
}

func (p *Peer) proposeErrorTxn(sessionID int64, cxid int32, code wire.ErrCode) {
	p.proposeTxn(datatree.TxnHeader{ClientID: sessionID, Cxid: cxid, Zxid: p.nextZxid(), Time: p.now, Type: wire.OpError},
		&datatree.ErrorTxn{Err: code}, 0, nil, nil)
}
