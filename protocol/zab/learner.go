package zab

import (
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/zksim/zksim/protocol/bugs"
)

type learnerState struct {
	observer     bool
	deadline     int64 // end of the current discovery/sync step
	lastHeard    int64
	syncStarted  bool  // DIFF, TRUNC or SNAP received
	syncCommitTo int64 // history committed once the epoch is established
	ackedLeader  bool  // NEWLEADER acknowledged
	upToDate     bool
	unacked      []int64 // proposals logged before UPTODATE, acknowledged at UPTODATE

	// Until NEWLEADER the sync changes only the in-memory log. The durable log keeps
	// the history that currentEpoch vouches for, so a sync cut short by a crash or a
	// lost leader never leaves a shortened log behind an old currentEpoch. At
	// NEWLEADER one Ready persists the snapshot, the truncation, the synced entries and
	// then currentEpoch.
	durable     *memLog // the log as persisted before the sync, restored if it fails
	syncSnap    *Snapshot
	syncTrunc   bool
	syncTruncTo int64
	syncEntries []Entry

	// Catalogued faults (package bugs) only.
	deferSync    bool  // the buffered sync waits past NEWLEADER (ZOOKEEPER-3104, -3911, -4643)
	ackOnAdvance bool  // the NEWLEADER ACK waits for the deferred sync (ZOOKEEPER-4643)
	holeFrom     int64 // log entries after this, synced by DIFF (ZOOKEEPER-4925)
	holeTo       int64
}

// Follow starts following leader after an election.
func (n *Node) Follow(leader int64) { n.startLearner(leader, false) }

// Observe starts observing leader after an election.
func (n *Node) Observe(leader int64) { n.startLearner(leader, true) }

func (n *Node) startLearner(leader int64, observer bool) {
	role, typ := RoleFollower, TypeFollowerInfo
	if observer {
		role, typ = RoleObserver, TypeObserverInfo
	}
	n.role, n.phase, n.leader, n.epoch = role, PhaseDiscovery, leader, 0
	n.ld = nil
	n.lr = &learnerState{observer: observer, deadline: n.now + n.ticks(n.cfg.InitLimit), lastHeard: n.now}
	n.setStatus("")
	info := LearnerInfo{ServerID: n.cfg.ID, ProtocolVersion: ProtocolVersion}
	n.send(leader, Packet{Type: typ, Zxid: MakeZxid(n.hard.AcceptedEpoch, 0), Data: info.Marshal()}, false)
}

// Forward sends a client write to the leader as a REQUEST.
func (n *Node) Forward(sessionID int64, req []byte) error {
	if n.lr == nil {
		return ErrNotFollowing
	}
	if !n.lr.upToDate {
		return ErrNotReady
	}
	data := appendInt64(make([]byte, 0, 8+len(req)), sessionID)
	n.send(n.leader, Packet{Type: TypeRequest, Zxid: -1, Data: append(data, req...)}, false)
	return nil
}

// Revalidate asks the leader whether a session a client brought to this learner is
// still valid; the answer arrives in Ready.Revalidations.
func (n *Node) Revalidate(sessionID int64, timeout int32) error {
	if n.lr == nil {
		return ErrNotFollowing
	}
	if !n.lr.upToDate {
		return ErrNotReady
	}
	data := appendInt32(int64Data(sessionID), timeout)
	n.send(n.leader, Packet{Type: TypeRevalidate, Zxid: -1, Data: data}, false)
	return nil
}

func (n *Node) tickLearner() {
	lr := n.lr
	switch {
	case !lr.upToDate && n.now >= lr.deadline:
		n.becomeLooking("leader did not complete " + n.phase.String() + " within initLimit")
	case lr.upToDate && n.now-lr.lastHeard > n.ticks(n.cfg.SyncLimit):
		n.becomeLooking("leader silent for syncLimit")
	}
}

// drop ends the learner role because the leader's stream is not what ZAB allows.
func (n *Node) drop(err error, what string) error {
	err = detail(err, what)
	n.becomeLooking(err.Error())
	return err
}

func (n *Node) stepLearner(p Packet) error {
	lr := n.lr
	if n.phase == PhaseDiscovery && p.Type != TypeLeaderInfo {
		// Left over from an earlier connection to this leader: ignore it.
		return detail(ErrUnexpected, p.Type.String()+" before LEADERINFO")
	}
	lr.lastHeard = n.now
	switch p.Type {
	case TypeLeaderInfo:
		return n.learnerOnLeaderInfo(p)
	case TypeDiff, TypeTrunc, TypeSnap:
		return n.learnerOnSyncMode(p)
	case TypeProposal, TypeInform:
		return n.learnerOnProposal(p)
	case TypeCommit:
		return n.learnerOnCommit(p.Zxid)
	case TypeNewLeader:
		if n.phase != PhaseSync || !lr.syncStarted || lr.ackedLeader || EpochOf(p.Zxid) != n.epoch || CounterOf(p.Zxid) != 0 {
			return n.drop(ErrUnexpected, "NEWLEADER "+hexZxid(p.Zxid))
		}
		// The buffered sync goes to the log now, ahead of the epoch file in the
		// same Ready; the ACK waits for both.
		lr.ackedLeader = true
		lr.deadline = n.now + n.ticks(n.cfg.InitLimit)
		if n.buggyNewLeader(p) {
			return nil
		}
		n.persistSync()
		n.setHard(HardState{AcceptedEpoch: n.hard.AcceptedEpoch, CurrentEpoch: n.epoch})
		n.send(n.leader, Packet{Type: TypeAck, Zxid: p.Zxid}, true)
		return nil
	case TypeUpToDate:
		if !lr.ackedLeader || lr.upToDate {
			return n.drop(ErrUnexpected, "UPTODATE before NEWLEADER")
		}
		lr.upToDate = true
		n.phase = PhaseBroadcast
		n.committed = max(n.committed, lr.syncCommitTo)
		n.buggyUpToDate()
		n.setStatus("")
		n.send(n.leader, Packet{Type: TypeAck, Zxid: MakeZxid(n.epoch, 0)}, true)
		for _, z := range lr.unacked {
			n.send(n.leader, Packet{Type: TypeAck, Zxid: z}, true)
		}
		lr.unacked = nil
		return nil
	case TypePing:
		var data []byte
		if n.cfg.StateMachine != nil {
			data = n.cfg.StateMachine.TouchedSessions()
		}
		n.send(n.leader, Packet{Type: TypePing, Zxid: p.Zxid, Data: data}, false)
		return nil
	case TypeSync:
		// The leader sends SYNC right after the COMMIT of its sync point.
		n.syncs = append(n.syncs, n.committed)
		return nil
	case TypeRevalidate:
		if len(p.Data) != 9 {
			return n.drop(ErrBadPacket, "REVALIDATE answer")
		}
		n.revals = append(n.revals, Revalidation{From: n.leader, SessionID: int64(binary.BigEndian.Uint64(p.Data)), Valid: p.Data[8] != 0})
		return nil
	}
	return n.drop(ErrUnexpected, p.Type.String()+" at learner")
}

func (n *Node) learnerOnLeaderInfo(p Packet) error {
	if n.phase != PhaseDiscovery {
		return n.drop(ErrUnexpected, "LEADERINFO after discovery")
	}
	newEpoch := EpochOf(p.Zxid)
	cur := int32(-1)
	switch {
	case newEpoch > n.hard.AcceptedEpoch:
		n.setHard(HardState{AcceptedEpoch: newEpoch, CurrentEpoch: n.hard.CurrentEpoch})
		cur = int32(n.hard.CurrentEpoch)
	case newEpoch < n.hard.AcceptedEpoch:
		return n.drop(ErrUnexpected, "leader epoch "+strconv.FormatInt(newEpoch, 10)+" below accepted epoch "+strconv.FormatInt(n.hard.AcceptedEpoch, 10))
	}
	n.epoch = newEpoch
	n.phase = PhaseSync
	n.lr.deadline = n.now + n.ticks(n.cfg.InitLimit)
	n.setStatus("")
	n.send(n.leader, Packet{Type: TypeAckEpoch, Zxid: n.log.last(), Data: int32Data(cur)}, true)
	return nil
}

func (n *Node) learnerOnSyncMode(p Packet) error {
	lr := n.lr
	if n.phase != PhaseSync || lr.syncStarted {
		return n.drop(ErrUnexpected, p.Type.String()+" out of turn")
	}
	lr.syncStarted = true
	lr.durable = &memLog{base: n.log.base, entries: slices.Clone(n.log.entries)}
	switch p.Type {
	case TypeDiff:
		// What the learner holds beyond the leader's committed point are the leader's
		// outstanding proposals: they commit later, and are acknowledged again after
		// UPTODATE (the leader forgot this learner's ACKs when it reconnected).
		lr.syncCommitTo = min(p.Zxid, n.log.last())
		lr.holeFrom = n.log.last()
		if !lr.observer {
			for _, e := range n.log.between(lr.syncCommitTo, n.log.last()) {
				if EpochOf(e.Zxid) == n.epoch {
					lr.unacked = append(lr.unacked, e.Zxid)
				}
			}
		}
	case TypeTrunc:
		if p.Zxid < n.applying || p.Zxid < n.log.base {
			return n.drop(ErrTruncateApplied, "TRUNC to "+hexZxid(p.Zxid)+" below applied "+hexZxid(n.applying))
		}
		cut := p.Zxid
		if n.bug(bugs.ZK1156) {
			cut = max(MakeZxid(EpochOf(p.Zxid), 0), n.applying, n.log.base)
		}
		n.log.truncate(cut)
		lr.syncTrunc, lr.syncTruncTo = true, cut
		lr.syncCommitTo = p.Zxid
	case TypeSnap:
		n.log.reset(p.Zxid)
		lr.syncSnap = &Snapshot{Zxid: p.Zxid, Data: p.Data}
		lr.syncCommitTo = p.Zxid
	}
	return nil
}

// persistSync hands the buffered sync to the next Ready, ahead of currentEpoch.
func (n *Node) persistSync() {
	lr := n.lr
	if s := lr.syncSnap; s != nil {
		// The snapshot holds only committed transactions; the host installs it
		// with this Ready.
		n.snapshot = s
		n.committed, n.applying, n.applied = s.Zxid, s.Zxid, s.Zxid
		n.stable = min(n.stable, s.Zxid)
	}
	if lr.syncTrunc {
		n.truncate, n.truncateTo = true, lr.syncTruncTo
		n.stable = min(n.stable, lr.syncTruncTo)
	}
	n.entries = append(n.entries, lr.syncEntries...)
	lr.durable, lr.syncSnap, lr.syncEntries = nil, nil, nil
}

// abandonSync restores the in-memory log to what is durable when a sync ends before
// NEWLEADER.
func (n *Node) abandonSync() {
	if n.lr != nil && n.lr.durable != nil && !n.keepAbandonedSync() {
		n.log = *n.lr.durable
	}
}

// learnerOnProposal logs a PROPOSAL (or an observer's INFORM). Within an epoch the
// leader's zxids are consecutive, so a gap means packets were lost.
func (n *Node) learnerOnProposal(p Packet) error {
	lr := n.lr
	if !lr.syncStarted || p.Type == TypeInform && !lr.observer || p.Type == TypeProposal && lr.observer && lr.upToDate {
		return n.drop(ErrUnexpected, p.Type.String()+" "+hexZxid(p.Zxid))
	}
	last := n.log.last()
	ok := p.Zxid > last && CounterOf(p.Zxid) != 0
	if EpochOf(p.Zxid) == n.epoch {
		want := int64(1)
		if EpochOf(last) == n.epoch {
			want = CounterOf(last) + 1
		}
		ok = ok && CounterOf(p.Zxid) == want
	}
	if !ok {
		return n.drop(ErrUnexpected, p.Type.String()+" "+hexZxid(p.Zxid)+" after "+hexZxid(last))
	}
	e := Entry{Zxid: p.Zxid, Txn: p.Data}
	if lr.ackedLeader && !lr.deferSync {
		n.appendEntry(e)
	} else {
		n.log.append(e)
		lr.syncEntries = append(lr.syncEntries, e)
	}
	if p.Type == TypeInform {
		return n.learnerOnCommit(p.Zxid)
	}
	// Proposals that arrive with their COMMIT during sync are history and are not
	// acknowledged one by one; the rest are acknowledged after UPTODATE.
	switch {
	case lr.observer:
	case lr.upToDate:
		n.send(n.leader, Packet{Type: TypeAck, Zxid: p.Zxid}, !n.bug(bugs.BrokenAckBeforeFsync))
	case EpochOf(p.Zxid) == n.epoch && n.bug(bugs.ZK4685):
		n.send(n.leader, Packet{Type: TypeAck, Zxid: p.Zxid}, true)
	case EpochOf(p.Zxid) == n.epoch:
		lr.unacked = append(lr.unacked, p.Zxid)
	}
	return nil
}

// learnerOnCommit records a COMMIT. Commits come strictly in zxid order, each for the
// next logged, uncommitted entry.
func (n *Node) learnerOnCommit(z int64) error {
	lr := n.lr
	if !lr.syncStarted {
		return n.drop(ErrUnexpected, "COMMIT before sync")
	}
	if !lr.upToDate {
		if !n.log.has(z) || z <= lr.syncCommitTo {
			return n.drop(ErrUnexpected, "COMMIT "+hexZxid(z)+" during sync")
		}
		lr.syncCommitTo = z
		return nil
	}
	i := n.log.after(n.committed)
	if i >= len(n.log.entries) || n.log.entries[i].Zxid != z {
		return n.drop(ErrUnexpected, "COMMIT "+hexZxid(z)+" out of order after "+hexZxid(n.committed))
	}
	n.committed = z
	return nil
}
