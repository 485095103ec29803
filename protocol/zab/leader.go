package zab

import (
	"encoding/binary"
	"maps"
	"slices"
	"strconv"

	"github.com/zksim/zksim/protocol/bugs"
)

// handlerStage is how far the leader has taken one learner (LearnerHandler).
type handlerStage uint8

const (
	stageInfo      handlerStage = iota // FOLLOWERINFO received; LEADERINFO once the epoch is known
	stageAckEpoch                      // LEADERINFO sent, waiting for ACKEPOCH
	stageSyncWait                      // ACKEPOCH received, waiting for the epoch quorum
	stageNewLeader                     // synced and NEWLEADER sent, waiting for its ACK
	stageUpToDate                      // UPTODATE sent: broadcasting
)

type learnerHandler struct {
	id            int64
	observer      bool
	stage         handlerStage
	acceptedEpoch int64
	peerLast      int64 // last zxid from ACKEPOCH
	lastHeard     int64
	forwarding    bool // receives broadcast PROPOSAL/COMMIT/INFORM
	ackedLeader   bool // acked NEWLEADER
}

type pendingSync struct {
	zxid int64 // answer once this is committed
	to   int64
}

type leaderState struct {
	epochKnown   bool
	maxAccepted  int64
	connected    map[int64]bool // participants counted for the epoch proposal
	handlers     map[int64]*learnerHandler
	sorted       []*learnerHandler // handlers by id; nil when stale
	epochAcked   map[int64]bool
	epochQuorum  bool  // currentEpoch set, synchronization under way
	epochSeq     int64 // hardSeq of the currentEpoch write
	established  bool
	historyEnd   int64 // the leader's last zxid when its history was fixed
	deadline     int64 // end of the current discovery/sync step
	acks         map[int64]map[int64]bool
	scratch      []int64
	syncs        []pendingSync
	nextPing     int64
	nextCheck    int64
	selfLeaderOK bool
}

// Lead starts leading after an election this server won: discovery begins.
func (n *Node) Lead() {
	n.role, n.phase, n.leader, n.epoch = RoleLeader, PhaseDiscovery, n.cfg.ID, 0
	n.lr = nil
	n.ld = &leaderState{
		maxAccepted: n.hard.AcceptedEpoch,
		connected:   map[int64]bool{n.cfg.ID: true},
		handlers:    map[int64]*learnerHandler{},
		epochAcked:  map[int64]bool{},
		acks:        map[int64]map[int64]bool{},
		deadline:    n.now + n.ticks(n.cfg.InitLimit),
	}
	n.setStatus("")
	n.maybeDecideEpoch()
}

// sortedHandlers lists the learner handlers in server id order (so that the order of
// outgoing packets never depends on map iteration). The slice is cached until the set
// of handlers changes; callers must not keep it across such a change.
func (n *Node) sortedHandlers() []*learnerHandler {
	ld := n.ld
	if ld.sorted == nil {
		ids := slices.Sorted(maps.Keys(ld.handlers))
		ld.sorted = make([]*learnerHandler, len(ids))
		for i, id := range ids {
			ld.sorted[i] = ld.handlers[id]
		}
	}
	return ld.sorted
}

func (n *Node) setHandler(h *learnerHandler) {
	n.ld.handlers[h.id] = h
	n.ld.sorted = nil
}

func (n *Node) removeHandler(id int64) {
	delete(n.ld.handlers, id)
	n.ld.sorted = nil
}

// Learners lists, in id order, the followers and observers this leader has brought
// up to date (for status reports such as mntr's synced followers); nil when not leading.
func (n *Node) Learners() (followers, observers []int64) {
	if n.ld == nil {
		return nil, nil
	}
	for _, h := range n.sortedHandlers() {
		switch {
		case h.stage != stageUpToDate:
		case h.observer:
			observers = append(observers, h.id)
		default:
			followers = append(followers, h.id)
		}
	}
	return followers, observers
}

func (n *Node) isVoter(id int64) bool { return n.cfg.Quorum.Weight(id) > 0 }

func (n *Node) quorum(set map[int64]bool) bool {
	ids := make([]int64, 0, len(set))
	for id, ok := range set {
		if ok {
			ids = append(ids, id)
		}
	}
	return n.cfg.Quorum.ContainsQuorum(ids)
}

func (n *Node) stepLeader(from int64, p Packet) error {
	ld := n.ld
	if p.Type == TypeFollowerInfo || p.Type == TypeObserverInfo {
		return n.leaderOnInfo(from, p)
	}
	h := ld.handlers[from]
	if h == nil {
		return detail(ErrUnexpected, p.Type.String()+" from unknown learner "+strconv.FormatInt(from, 10))
	}
	h.lastHeard = n.now
	switch p.Type {
	case TypeAckEpoch:
		return n.leaderOnAckEpoch(h, p)
	case TypeAck:
		return n.leaderOnAck(h, p)
	case TypePing:
		if p.Data != nil {
			n.reports = append(n.reports, SessionReport{From: from, Data: p.Data})
		}
		return nil
	case TypeRevalidate:
		if h.stage != stageUpToDate || len(p.Data) != 12 {
			return detail(ErrUnexpected, "REVALIDATE before UPTODATE or malformed")
		}
		n.revals = append(n.revals, Revalidation{From: from, SessionID: int64(binary.BigEndian.Uint64(p.Data)),
			Timeout: int32(binary.BigEndian.Uint32(p.Data[8:]))})
		return nil
	case TypeRequest:
		if h.stage != stageUpToDate || len(p.Data) < 8 {
			return detail(ErrUnexpected, "REQUEST before UPTODATE or without session id")
		}
		n.requests = append(n.requests, Request{From: from, SessionID: int64(binary.BigEndian.Uint64(p.Data)), Data: p.Data[8:]})
		return nil
	}
	return detail(ErrUnexpected, p.Type.String()+" at leader")
}

func (n *Node) leaderOnInfo(from int64, p Packet) error {
	ld := n.ld
	if _, err := UnmarshalLearnerInfo(p.Data); err != nil {
		return err
	}
	observer := p.Type == TypeObserverInfo || !n.isVoter(from)
	if old := ld.handlers[from]; old != nil {
		// A reconnect restarts that learner's handshake.
		delete(ld.epochAcked, from)
	}
	// Its earlier ACKs no longer count, even when its handler was already dropped: its
	// log may have changed since (a crash lost an unsynced tail), and after the sync it
	// acknowledges again every outstanding proposal it holds, once durable.
	for _, set := range ld.acks {
		delete(set, from)
	}
	h := &learnerHandler{id: from, observer: observer, acceptedEpoch: EpochOf(p.Zxid), lastHeard: n.now}
	n.setHandler(h)
	if !ld.epochKnown {
		ld.maxAccepted = max(ld.maxAccepted, h.acceptedEpoch)
		if !observer {
			ld.connected[from] = true
		}
		n.maybeDecideEpoch()
		return nil
	}
	if !observer && h.acceptedEpoch > n.epoch {
		// A voter that accepted a newer epoch (proposed by a candidate that never
		// established it) refuses this one for good. A new election gives every
		// voter an epoch above what it accepted, or at least a step nearer.
		n.becomeLooking("learner " + strconv.FormatInt(from, 10) + " accepted epoch " +
			strconv.FormatInt(h.acceptedEpoch, 10) + ", above this epoch")
		return nil
	}
	n.sendLeaderInfo(h)
	return nil
}

// maybeDecideEpoch proposes the new epoch once a quorum of participants connected.
func (n *Node) maybeDecideEpoch() {
	ld := n.ld
	if ld.epochKnown || !n.quorum(ld.connected) {
		return
	}
	ld.epochKnown = true
	n.epoch = ld.maxAccepted + 1
	if !n.bug(bugs.ZK1291) {
		n.setHard(HardState{AcceptedEpoch: n.epoch, CurrentEpoch: n.hard.CurrentEpoch})
	}
	ld.deadline = n.now + n.ticks(n.cfg.InitLimit)
	n.setStatus("")
	for _, h := range n.sortedHandlers() {
		n.sendLeaderInfo(h)
	}
	ld.epochAcked[n.cfg.ID] = true
	n.maybeEpochQuorum()
}

func (n *Node) sendLeaderInfo(h *learnerHandler) {
	h.stage = stageAckEpoch
	n.send(h.id, Packet{Type: TypeLeaderInfo, Zxid: MakeZxid(n.epoch, 0), Data: int32Data(ProtocolVersion)}, true)
}

func (n *Node) leaderOnAckEpoch(h *learnerHandler, p Packet) error {
	ld := n.ld
	if h.stage != stageAckEpoch {
		return detail(ErrUnexpected, "ACKEPOCH out of turn")
	}
	cur, ok := readInt32(p.Data)
	if !ok {
		return detail(ErrBadPacket, "ACKEPOCH data")
	}
	h.stage = stageSyncWait
	if cur != -1 && !ld.epochQuorum {
		// A learner more recent than the leader means this leader is missing history.
		lc, lz := n.hard.CurrentEpoch, n.log.last()
		if int64(cur) > lc || int64(cur) == lc && p.Zxid > lz {
			n.becomeLooking("learner " + strconv.FormatInt(h.id, 10) + " is ahead of the leader")
			return nil
		}
		if !h.observer {
			ld.epochAcked[h.id] = true
		}
	}
	if ld.epochQuorum {
		return n.syncLearner(h, p.Zxid)
	}
	h.peerLast = p.Zxid // synced once the quorum is in
	n.maybeEpochQuorum()
	return nil
}

// maybeEpochQuorum starts synchronization once a quorum acknowledged the epoch.
func (n *Node) maybeEpochQuorum() {
	ld := n.ld
	if ld.epochQuorum || !n.quorum(ld.epochAcked) {
		return
	}
	ld.epochQuorum = true
	accepted := n.epoch
	if n.bug(bugs.ZK1291) {
		accepted = n.hard.AcceptedEpoch // 3.4.0's leader never wrote acceptedEpoch
	}
	n.setHard(HardState{AcceptedEpoch: accepted, CurrentEpoch: n.epoch})
	ld.epochSeq = n.hardSeq
	ld.historyEnd = n.log.last()
	ld.deadline = n.now + n.ticks(n.cfg.InitLimit)
	n.phase = PhaseSync
	n.setStatus("")
	for _, h := range n.sortedHandlers() {
		if h.stage == stageSyncWait {
			if err := n.syncLearner(h, h.peerLast); err != nil {
				n.removeHandler(h.id)
			}
		}
	}
	n.maybeEstablish()
}

// syncBoundary is the last zxid of the leader's committed history.
func (n *Node) syncBoundary() int64 {
	if n.ld.established {
		return n.committed
	}
	return n.ld.historyEnd
}

// syncLearner sends a learner whose last zxid is peer what it lacks, starts
// forwarding broadcast traffic to it and sends NEWLEADER.
func (n *Node) syncLearner(h *learnerHandler, peer int64) error {
	boundary := n.syncBoundary()
	mode, from := decideSync(&n.log, boundary, peer)
	// The DIFF names the committed point; the learner takes what it holds beyond it
	// as outstanding proposals.
	diffZxid := boundary
	switch {
	case h.observer && mode == SyncDiff && peer > boundary:
		// An observer learns of proposals only once committed (INFORM), so it may
		// not keep outstanding ones.
		mode, from = SyncTrunc, boundary
	case n.bug(bugs.ZK1154) && peer >= n.log.base && peer < boundary && !n.log.has(peer):
		mode, from = SyncDiff, peer
	case n.bug(bugs.ZK2832) && peer > boundary && !n.log.has(peer):
		// The empty DIFF vouches for the learner's whole log.
		mode, from, diffZxid = SyncDiff, boundary, peer
	case n.bug(bugs.ZK4352) && mode == SyncSnap && peer < n.log.base:
		mode, from = SyncDiff, peer
	}
	switch mode {
	case SyncDiff:
		n.send(h.id, Packet{Type: TypeDiff, Zxid: diffZxid}, true)
	case SyncTrunc:
		n.send(h.id, Packet{Type: TypeTrunc, Zxid: from}, true)
	case SyncSnap:
		if n.cfg.StateMachine == nil {
			n.removeHandler(h.id)
			return ErrNoStateMachine
		}
		snap, err := n.cfg.StateMachine.Snapshot(n.log.between(n.applied, boundary))
		if err != nil {
			n.removeHandler(h.id)
			return err
		}
		if snap.Zxid < n.log.base || snap.Zxid > boundary {
			n.removeHandler(h.id)
			return detail(ErrSnapshotTooOld, hexZxid(snap.Zxid)+" outside "+hexZxid(n.log.base)+".."+hexZxid(boundary))
		}
		from = snap.Zxid
		n.send(h.id, Packet{Type: TypeSnap, Zxid: snap.Zxid, Data: snap.Data}, true)
	}
	if from < boundary {
		for _, e := range n.log.between(from, boundary) {
			n.send(h.id, Packet{Type: TypeProposal, Zxid: e.Zxid, Data: e.Txn}, true)
			n.send(h.id, Packet{Type: TypeCommit, Zxid: e.Zxid}, true)
		}
	}
	if !h.observer {
		for _, e := range n.log.between(max(from, boundary), n.log.last()) {
			n.send(h.id, Packet{Type: TypeProposal, Zxid: e.Zxid, Data: e.Txn}, true)
		}
	}
	h.forwarding = true
	h.stage = stageNewLeader
	n.send(h.id, Packet{Type: TypeNewLeader, Zxid: MakeZxid(n.epoch, 0)}, true)
	return nil
}

func (n *Node) leaderOnAck(h *learnerHandler, p Packet) error {
	ld := n.ld
	if CounterOf(p.Zxid) == 0 {
		if EpochOf(p.Zxid) != n.epoch || h.stage != stageNewLeader {
			return nil // the ACK of UPTODATE, or stale
		}
		h.ackedLeader = true
		if ld.established {
			n.sendUpToDate(h)
			return nil
		}
		n.maybeEstablish()
		return nil
	}
	if h.observer || p.Zxid <= n.committed {
		return nil
	}
	if set := ld.acks[p.Zxid]; set != nil {
		set[h.id] = true
		n.tryCommit()
	}
	return nil
}

// leaderAdvanced runs after Advance: the leader's own log and epoch writes are durable,
// which counts as its own ACKs.
func (n *Node) leaderAdvanced() {
	ld := n.ld
	if ld.epochQuorum && n.durableSeq >= ld.epochSeq && !ld.selfLeaderOK {
		ld.selfLeaderOK = true
		n.maybeEstablish()
	}
	if ld.established {
		n.tryCommit()
	}
}

// maybeEstablish finishes synchronization once a quorum (the leader included, after
// its currentEpoch is durable) acknowledged NEWLEADER.
func (n *Node) maybeEstablish() {
	ld := n.ld
	if ld.established || !ld.epochQuorum {
		return
	}
	acked := map[int64]bool{n.cfg.ID: ld.selfLeaderOK}
	for id, h := range ld.handlers {
		if h.ackedLeader && !h.observer {
			acked[id] = true
		}
	}
	if !n.quorum(acked) {
		return
	}
	ld.established = true
	n.phase = PhaseBroadcast
	n.committed = max(n.committed, ld.historyEnd)
	now := n.now
	ld.nextPing, ld.nextCheck = now, now+n.cfg.TickTime
	n.setStatus("")
	for _, h := range n.sortedHandlers() {
		if h.ackedLeader && h.stage == stageNewLeader {
			n.sendUpToDate(h)
		}
	}
}

func (n *Node) sendUpToDate(h *learnerHandler) {
	h.stage = stageUpToDate
	h.lastHeard = n.now
	n.send(h.id, Packet{Type: TypeUpToDate, Zxid: -1}, true)
}

// Propose logs txn as the next transaction of the epoch and sends it to the
// followers. It returns the zxid assigned. When the zxid counter is exhausted the
// leader steps down (a new election starts a new epoch) and ErrEpochExhausted is
// returned; nothing is lost, the caller retries with the next leader.
func (n *Node) Propose(txn []byte) (int64, error) {
	if n.role != RoleLeader {
		return 0, ErrNotLeader
	}
	if !n.ld.established {
		return 0, ErrNotReady
	}
	epoch, counter := n.epoch, int64(1)
	if last := n.log.last(); EpochOf(last) == n.epoch || n.bug(bugs.ZK1277) && EpochOf(last) > n.epoch {
		epoch, counter = EpochOf(last), CounterOf(last)+1
	}
	if counter >= n.maxCounter() {
		if !n.bug(bugs.ZK1277) {
			n.becomeLooking("zxid counter exhausted in epoch " + strconv.FormatInt(n.epoch, 10))
			return 0, ErrEpochExhausted
		}
		epoch, counter = epoch+1, 1
	}
	z := MakeZxid(epoch, counter)
	n.appendEntry(Entry{Zxid: z, Txn: txn})
	n.ld.acks[z] = map[int64]bool{}
	for _, h := range n.sortedHandlers() {
		if h.forwarding && !h.observer {
			n.send(h.id, Packet{Type: TypeProposal, Zxid: z, Data: txn}, false)
		}
	}
	return z, nil
}

// tryCommit commits, strictly in zxid order, every proposal a quorum acknowledged.
func (n *Node) tryCommit() {
	ld := n.ld
	for {
		i := n.log.after(n.committed)
		if i >= len(n.log.entries) {
			break
		}
		e := n.log.entries[i]
		set := ld.acks[e.Zxid]
		if set == nil {
			break
		}
		ids := slices.AppendSeq(n.ld.scratch[:0], maps.Keys(set))
		if n.stable >= e.Zxid {
			ids = append(ids, n.cfg.ID)
		}
		n.ld.scratch = ids
		if ok := n.cfg.Quorum.ContainsQuorum(ids); !ok && !(n.bug(bugs.BrokenCommitWithoutQuorum) && n.stable >= e.Zxid) {
			break
		}
		delete(ld.acks, e.Zxid)
		n.committed = e.Zxid
		for _, h := range n.sortedHandlers() {
			switch {
			case !h.forwarding:
			case h.observer:
				n.send(h.id, Packet{Type: TypeInform, Zxid: e.Zxid, Data: e.Txn}, false)
			default:
				n.send(h.id, Packet{Type: TypeCommit, Zxid: e.Zxid}, false)
			}
		}
		// The syncs waiting on this zxid go right after its COMMIT, before any later
		// one (Leader.processAck): a learner answers a sync at the last COMMIT it saw.
		n.answerSyncs()
	}
}

// AnswerRevalidate answers a learner's REVALIDATE for sessionID.
func (n *Node) AnswerRevalidate(to, sessionID int64, valid bool) error {
	if n.role != RoleLeader {
		return ErrNotLeader
	}
	if h := n.ld.handlers[to]; h == nil || h.stage != stageUpToDate {
		return detail(ErrNotReady, "learner "+strconv.FormatInt(to, 10)+" is not synced")
	}
	b := 0
	if valid {
		b = 1
	}
	n.send(to, Packet{Type: TypeRevalidate, Zxid: -1, Data: append(int64Data(sessionID), byte(b))}, false)
	return nil
}

// Sync asks for a sync answer to learner to (or to the leader itself) once every
// transaction proposed so far is committed; the SYNC packet then follows the COMMITs.
func (n *Node) Sync(to int64) error {
	if n.role != RoleLeader {
		return ErrNotLeader
	}
	if !n.ld.established {
		return ErrNotReady
	}
	n.ld.syncs = append(n.ld.syncs, pendingSync{zxid: n.log.last(), to: to})
	n.answerSyncs()
	return nil
}

func (n *Node) answerSyncs() {
	ld := n.ld
	for len(ld.syncs) > 0 && ld.syncs[0].zxid <= n.committed {
		s := ld.syncs[0]
		ld.syncs = ld.syncs[1:]
		if s.to == n.cfg.ID {
			n.syncs = append(n.syncs, s.zxid)
		} else if h := ld.handlers[s.to]; h != nil && h.forwarding {
			n.send(s.to, Packet{Type: TypeSync, Zxid: 0}, false)
		}
	}
}

func (n *Node) tickLeader() {
	ld := n.ld
	if !ld.established {
		if n.now >= ld.deadline {
			reason := "no quorum for the new epoch"
			switch {
			case ld.epochQuorum:
				reason = "no quorum acknowledged NEWLEADER"
			case ld.epochKnown:
				reason = "no quorum acknowledged the epoch"
			}
			n.becomeLooking(reason)
		}
		return
	}
	if n.now >= ld.nextPing {
		ld.nextPing = n.now + max(n.cfg.TickTime/2, 1)
		for _, h := range n.sortedHandlers() {
			if h.stage == stageUpToDate {
				n.send(h.id, Packet{Type: TypePing, Zxid: n.log.last()}, false)
			}
		}
	}
	if n.now < ld.nextCheck {
		return
	}
	ld.nextCheck = n.now + n.cfg.TickTime
	synced := map[int64]bool{n.cfg.ID: true}
	for _, h := range n.sortedHandlers() {
		limit := n.cfg.SyncLimit
		if h.stage < stageUpToDate {
			limit = n.cfg.InitLimit
		}
		if n.now-h.lastHeard > n.ticks(limit) {
			n.removeHandler(h.id) // as if its connection timed out
			continue
		}
		if h.stage >= stageNewLeader && !h.observer {
			synced[h.id] = true
		}
	}
	if !n.quorum(synced) {
		n.becomeLooking("lost quorum of synced followers")
	}
}
