package zab

import (
	"encoding/binary"
	"slices"
	"strconv"
)

// Node is one server's ZAB state machine: leader, follower or observer. It is driven
// by Lead/Follow/Observe (after an election), Step (a packet from a peer), Tick (the
// local clock) and the client-facing Propose, Forward and Sync; its outputs are
// collected in Ready. It is not safe for concurrent use.
type Node struct {
	cfg Config
	now int64 // local time: advances by each forward step of the host clock only
	raw int64 // the host clock's last reading

	role   Role
	phase  Phase
	leader int64
	epoch  int64 // the epoch being established or served

	hard      HardState
	log       memLog
	committed int64 // highest zxid known committed (and, once synced, applicable)
	applying  int64 // highest zxid handed out in CommittedEntries
	applied   int64 // highest zxid the host confirmed applied (Advance)
	stable    int64 // highest zxid known durable in the local log

	ld *leaderState
	lr *learnerState

	// Outputs not yet handed out.
	status     *Status
	snapshot   *Snapshot
	truncate   bool
	truncateTo int64
	entries    []Entry
	hardDirty  bool
	hardSeq    int64 // bumped by every epoch write
	msgs       []Message
	spareMsgs  []Message      // a slice handed back by RecycleMessages, for the next msgs
	marked     map[int64]bool // peers with an AfterPersist message in msgs
	requests   []Request
	reports    []SessionReport
	revals     []Revalidation
	syncs      []int64 // sync points of completed syncs not yet handed out, in order

	// What the last Ready asked to persist, acknowledged by Advance.
	readyLast    int64
	readyHardSeq int64
	readyApplied int64
	durableSeq   int64 // hardSeq known durable
}

// New returns a Node in RoleLooking holding the recovered state.
func New(cfg Config, st State) (*Node, error) {
	switch {
	case cfg.Quorum == nil || len(cfg.Quorum.Voters()) == 0:
		return nil, detail(ErrBadConfig, "no voters")
	case cfg.TickTime <= 0 || cfg.InitLimit <= 0 || cfg.SyncLimit <= 0:
		return nil, detail(ErrBadConfig, "TickTime, InitLimit and SyncLimit must be positive")
	case cfg.CounterBits > 32:
		return nil, detail(ErrBadConfig, "CounterBits above 32")
	}
	if cfg.CounterBits == 0 {
		cfg.CounterBits = 32
	}
	if cfg.CommitLogCount <= 0 {
		cfg.CommitLogCount = 500
	}
	if st.AcceptedEpoch < st.CurrentEpoch {
		return nil, ErrEpochOrder
	}
	n := &Node{cfg: cfg, hard: st.HardState, marked: map[int64]bool{}}
	n.log.reset(st.SnapshotZxid)
	last := st.SnapshotZxid
	for _, e := range st.Log {
		if e.Zxid <= last {
			return nil, ErrLogOrder
		}
		n.log.append(e)
		last = e.Zxid
	}
	n.committed, n.applying, n.applied = st.SnapshotZxid, st.SnapshotZxid, st.SnapshotZxid
	n.stable = n.log.last()
	return n, nil
}

// Role is the current role.
func (n *Node) Role() Role { return n.role }

// Phase is the current ZAB phase.
func (n *Node) Phase() Phase { return n.phase }

// Leader is the leader being followed (or this server when leading); 0 while looking.
func (n *Node) Leader() int64 { return n.leader }

// Epoch is the epoch being established or served.
func (n *Node) Epoch() int64 { return n.epoch }

// LastZxid is the last logged zxid, the server's vote in leader election.
func (n *Node) LastZxid() int64 { return n.log.last() }

// CurrentEpoch is the currentEpoch file's value, the server's peerEpoch in elections.
func (n *Node) CurrentEpoch() int64 { return n.hard.CurrentEpoch }

// AcceptedEpoch is the acceptedEpoch file's value.
func (n *Node) AcceptedEpoch() int64 { return n.hard.AcceptedEpoch }

// Committed is the highest zxid this server knows to be committed.
func (n *Node) Committed() int64 { return n.committed }

// Applied is the highest zxid the host confirmed applied.
func (n *Node) Applied() int64 { return n.applied }

// Entries returns the kept log entries with lo < zxid <= hi (for inspection).
func (n *Node) Entries(lo, hi int64) []Entry { return slices.Clone(n.log.between(lo, hi)) }

func (n *Node) ticks(t int64) int64 { return t * n.cfg.TickTime }

func (n *Node) maxCounter() int64 { return 1<<n.cfg.CounterBits - 1 }

func (n *Node) setStatus(reason string) {
	n.status = &Status{Role: n.role, Phase: n.phase, Leader: n.leader, Epoch: n.epoch, Reason: reason}
}

// send queues a packet; afterPersist marks it (and every later packet to the same
// peer in this Ready) as waiting for the Ready's persistence.
func (n *Node) send(to int64, p Packet, afterPersist bool) {
	if n.marked[to] {
		afterPersist = true
	} else if afterPersist {
		n.marked[to] = true
	}
	n.msgs = append(n.msgs, Message{To: to, Packet: p, AfterPersist: afterPersist})
}

// appendEntry logs a new entry (to be persisted by the next Ready).
func (n *Node) appendEntry(e Entry) {
	n.log.append(e)
	n.entries = append(n.entries, e)
}

func (n *Node) setHard(h HardState) {
	n.hard = h
	n.hardDirty = true
	n.hardSeq++
}

// becomeLooking leaves ZAB; the host runs an election next. Logged but uncommitted
// entries stay in the log: the next leader's history may include them.
func (n *Node) becomeLooking(reason string) {
	n.abandonSync()
	n.syncs = nil // syncs whose point was never applied die with the role, as the host's do
	n.role, n.phase, n.leader, n.epoch = RoleLooking, PhaseElection, 0, 0
	n.ld, n.lr = nil, nil
	n.setStatus(reason)
}

// StepDown abandons the current role (for example when the host lost its connection
// to the leader) and returns to election.
func (n *Node) StepDown(reason string) {
	if n.role != RoleLooking {
		n.becomeLooking(reason)
	}
}

// Tick advances the local clock to now and enforces the ZAB timeouts. A clock that
// steps back counts as no time passing, and the waits go on from the new reading,
// rather than freezing until the clock climbs back past its highest earlier reading.
func (n *Node) Tick(now int64) {
	if now > n.raw {
		n.now += now - n.raw
	}
	n.raw = now
	switch n.role {
	case RoleLeader:
		n.tickLeader()
	case RoleFollower, RoleObserver:
		n.tickLearner()
	}
}

// Step handles a packet from server from. Packets that do not fit the current role
// and phase are dropped; a malformed or out-of-order packet from the leader ends the
// learner's role, as a broken connection would. The returned error says why a packet
// was refused; the Node stays consistent either way.
func (n *Node) Step(from int64, p Packet) error {
	switch n.role {
	case RoleLeader:
		return n.stepLeader(from, p)
	case RoleFollower, RoleObserver:
		if from != n.leader {
			return detail(ErrUnexpected, p.Type.String()+" from "+strconv.FormatInt(from, 10)+", not the leader")
		}
		return n.stepLearner(p)
	}
	return detail(ErrUnexpected, p.Type.String()+" while looking")
}

// HasReady reports whether Ready has anything to hand out.
func (n *Node) HasReady() bool {
	return n.status != nil || n.snapshot != nil || n.truncate || len(n.entries) > 0 || n.hardDirty ||
		len(n.msgs) > 0 || n.applicable() > n.applying || len(n.requests) > 0 || len(n.reports) > 0 || len(n.revals) > 0 ||
		len(n.syncs) > 0 && n.syncs[0] <= n.applicable()
}

// applicable is the highest zxid that may be applied now.
func (n *Node) applicable() int64 {
	if n.lr != nil && !n.lr.upToDate {
		return n.applying // a learner applies nothing until the new epoch is established
	}
	return min(n.committed, n.log.last())
}

// Ready returns the outputs accumulated so far. The host acts on them as the package
// documentation describes and then calls Advance.
func (n *Node) Ready() Ready {
	rd := Ready{
		Status:     n.status,
		Snapshot:   n.snapshot,
		Truncate:   n.truncate,
		TruncateTo: n.truncateTo,
		Entries:    n.entries,
		Messages:   n.msgs,
		Requests:   n.requests,
	}
	rd.SessionReports, rd.Revalidations = n.reports, n.revals
	if n.hardDirty {
		h := n.hard
		rd.HardState = &h
	}
	rd.MustSync = rd.Snapshot != nil || rd.Truncate || len(rd.Entries) > 0 || rd.HardState != nil
	if to := n.applicable(); to > n.applying {
		// The log never rewrites entries in place (truncate drops the capacity,
		// trim copies), so the host may read these while the Node runs on.
		ce := n.log.between(n.applying, to)
		rd.CommittedEntries = ce[:len(ce):len(ce)]
		n.applying = to
	}
	// A sync completes once its sync point is applied, so that its answer follows the
	// COMMIT of that point and precedes every later transaction.
	k := 0
	for k < len(n.syncs) && n.syncs[k] <= n.applying {
		k++
	}
	if k > 0 {
		rd.SyncsAfter = slices.Clone(n.syncs[:k])
		n.syncs = slices.Delete(n.syncs, 0, k)
	}
	n.readyLast = n.log.last()
	if n.lr != nil && n.lr.durable != nil {
		n.readyLast = n.lr.durable.last() // a learner's sync is not handed out before NEWLEADER
	}
	n.readyHardSeq, n.readyApplied = n.hardSeq, n.applying
	n.status, n.snapshot, n.truncate, n.truncateTo, n.entries, n.hardDirty = nil, nil, false, 0, nil, false
	n.msgs, n.spareMsgs = n.spareMsgs, nil
	n.requests, n.reports, n.revals = nil, nil, nil
	clear(n.marked)
	return rd
}

// RecycleMessages hands back the Messages of a Ready the host no longer reads (sent
// or copied), so that a later Ready reuses their slice instead of allocating one: a
// busy node's messages are otherwise its largest allocation.
func (n *Node) RecycleMessages(ms []Message) {
	clear(ms)
	n.spareMsgs = ms[:0]
}

// Advance tells the Node that the last Ready was acted on: its persistence is durable
// and its committed entries are applied.
func (n *Node) Advance() {
	n.stable = max(n.stable, min(n.readyLast, n.log.last()))
	n.applied = max(n.applied, n.readyApplied)
	n.log.trim(min(n.applied, n.committed), n.cfg.CommitLogCount)
	n.durableSeq = max(n.durableSeq, n.readyHardSeq)
	if n.lr != nil && !n.cfg.Bugs.Empty() {
		n.buggyAdvance()
	}
	if n.ld != nil {
		n.leaderAdvanced()
	}
}

func int32Data(v int32) []byte { return appendInt32(nil, v) }

func int64Data(v int64) []byte { return appendInt64(nil, v) }

func readInt32(b []byte) (int32, bool) {
	if len(b) != 4 {
		return 0, false
	}
	return int32(binary.BigEndian.Uint32(b)), true
}

func hexZxid(z int64) string { return "0x" + strconv.FormatInt(z, 16) }
