package zab

import (
	"slices"

	"github.com/zksim/zksim/protocol/bugs"
)

// Catalogued faults (package bugs) that Config.Bugs can switch on to prove that the
// test harness notices them. Each reproduces one historical ZooKeeper mistake as
// closely as this design allows; the sites are marked with the bug's name.
//
// Leader side:
//
//   - ZOOKEEPER-1154: when a learner's last zxid lay inside the leader's committed log
//     but was not one of its entries (a proposal of a dead leader that never
//     committed), the leader answered with a DIFF from that zxid instead of a TRUNC, so
//     the learner kept the stray transaction and later committed it. The fix made
//     syncFollower look the zxid up and truncate to the last common one.
//   - ZOOKEEPER-2832: a learner whose log ran past the leader's last processed zxid got
//     an (empty) DIFF instead of a TRUNC, and committed its uncommitted tail. The fix
//     sends a TRUNC to the leader's last zxid whenever the learner is ahead.
//   - ZOOKEEPER-1291: the leader chose the new epoch and told the learners without
//     writing acceptedEpoch (3.4.0's leader never wrote it while leading), yet wrote
//     currentEpoch once the epoch was established. Its storage then held a currentEpoch
//     above its acceptedEpoch, which a restart refuses ("the accepted epoch is less
//     than the current epoch"), so the leader could not rejoin after a crash; and a
//     leader lost before the write could have offered the same epoch again. The fix
//     writes acceptedEpoch before LEADERINFO.
//   - ZOOKEEPER-1277: nothing stopped the zxid counter at its limit, so it carried
//     into the epoch bits and the leader issued zxids of an epoch it never
//     established, which a real leader of that epoch reuses for other transactions.
//     The fix makes the leader step down before the counter wraps. (Here the carry
//     skips counter 0, which learners refuse.)
//   - ZOOKEEPER-4352: a leader whose committed log did not reach back to a
//     learner's zxid (it had been loaded from a snapshot, so it started later) still
//     answered with a DIFF instead of a SNAP, and the learner never received the
//     transactions in between. The fix sends a SNAP when the learner is older than the
//     committed log's first entry.
//   - BROKEN-leader-commit-without-quorum: the leader commits once its own log holds
//     a proposal.
//
// Learner side:
//
//   - ZOOKEEPER-1156: a TRUNC removed whole log files and with them committed
//     transactions before the truncation point. Here the cut falls at the start of
//     the truncation point's epoch (never below what is applied) while the learner
//     believes it holds everything up to the point. The fix truncates exactly.
//   - ZOOKEEPER-1282: the learner wrote currentEpoch when UPTODATE arrived rather than
//     before acknowledging NEWLEADER, so the leader counted a follower whose epoch file
//     did not yet vouch for the synced history. The fix moved the write before the ACK.
//   - ZOOKEEPER-2845: after an interrupted sync the learner kept its in-memory state
//     (the data tree in the original, the truncated or extended log here) instead of
//     reloading what is on disk, and went into the next election with a history its
//     disk did not hold. The fix reloads the database from disk.
//   - ZOOKEEPER-3642: a learner whose SNAP sync was cut off before NEWLEADER kept the
//     snapshot only in memory and reported its zxid as its own; the next leader
//     answered with a DIFF from there and the snapshot's content never reached the
//     disk (nor, here, the state machine, which this design fills from the log). The
//     fix clears the in-memory database when a sync fails.
//   - ZOOKEEPER-3104: in a SNAP sync the follower acknowledged NEWLEADER (and wrote
//     currentEpoch) before the snapshot was taken; the snapshot and the synced
//     proposals are written only at UPTODATE. The fix takes the snapshot first.
//   - ZOOKEEPER-3911: in a DIFF or TRUNC sync the follower acknowledged NEWLEADER with
//     the new currentEpoch while the proposals of the sync were still to be logged
//     (here: until UPTODATE). The fix logs them before the ACK.
//   - ZOOKEEPER-4643: currentEpoch became durable before the synced proposals were
//     written; a crash in between left a server with the new epoch and a short log,
//     whose vote then beat servers holding committed transactions. The fix writes the
//     transactions first (here the ACK waits for both, in two separate writes).
//   - ZOOKEEPER-4646: the ACK of NEWLEADER left before the synced proposals were
//     fsynced. The fix waits for the fsync.
//   - ZOOKEEPER-4685: proposals that arrived during sync were acknowledged at once,
//     ahead of the NEWLEADER ACK; the original leader dropped such a follower. Here the
//     leader counts those ACKs although the follower holds the proposals only in
//     memory. The fix queues them until after the NEWLEADER ACK.
//   - ZOOKEEPER-4925: proposals received in a DIFF sync were applied but never entered
//     the committed log used as the source of later DIFFs. When that server led, its
//     committed log had a hole and a DIFF silently skipped it. The fix adds them.
//   - BROKEN-ack-before-fsync: a follower acknowledges a broadcast proposal before it
//     is durable.

// bug reports whether the catalogued fault name is switched on. With no bugs it is a
// length check, so the correct protocol pays nothing.
func (n *Node) bug(name string) bool { return !n.cfg.Bugs.Empty() && n.cfg.Bugs.Has(name) }

// keepAbandonedSync reports whether a learner whose sync ended before NEWLEADER keeps
// the in-memory log of that sync instead of going back to what its disk holds.
func (n *Node) keepAbandonedSync() bool {
	if n.lr.syncSnap != nil {
		return n.bug(bugs.ZK3642)
	}
	return n.bug(bugs.ZK2845)
}

// buggyNewLeader handles NEWLEADER for the bugs that get it wrong; it reports whether
// it did.
func (n *Node) buggyNewLeader(p Packet) bool {
	lr := n.lr
	ack := Packet{Type: TypeAck, Zxid: p.Zxid}
	switch {
	case n.bug(bugs.ZK1282):
		n.persistSync() // currentEpoch waits for UPTODATE
		n.send(n.leader, ack, true)
	case n.bug(bugs.ZK3104) && lr.syncSnap != nil, n.bug(bugs.ZK3911) && lr.syncSnap == nil:
		lr.deferSync = true
		n.setHard(HardState{AcceptedEpoch: n.hard.AcceptedEpoch, CurrentEpoch: n.epoch})
		n.send(n.leader, ack, true)
	case n.bug(bugs.ZK4643):
		lr.deferSync, lr.ackOnAdvance = true, true
		n.setHard(HardState{AcceptedEpoch: n.hard.AcceptedEpoch, CurrentEpoch: n.epoch})
	case n.bug(bugs.ZK4646):
		n.persistSync()
		n.setHard(HardState{AcceptedEpoch: n.hard.AcceptedEpoch, CurrentEpoch: n.epoch})
		n.send(n.leader, ack, false)
	default:
		return false
	}
	return true
}

// buggyUpToDate finishes at UPTODATE what the bugs put off.
func (n *Node) buggyUpToDate() {
	lr := n.lr
	if n.cfg.Bugs.Empty() {
		return
	}
	if lr.deferSync && !lr.ackOnAdvance {
		lr.deferSync = false
		n.persistSync()
	}
	if n.bug(bugs.ZK1282) {
		n.setHard(HardState{AcceptedEpoch: n.hard.AcceptedEpoch, CurrentEpoch: n.epoch})
	}
	if n.bug(bugs.ZK4925) && lr.syncCommitTo > lr.holeFrom {
		lr.holeTo = lr.syncCommitTo
	}
}

// buggyAdvance runs the learner's deferred work after a Ready was persisted.
func (n *Node) buggyAdvance() {
	lr := n.lr
	if lr.ackOnAdvance {
		lr.ackOnAdvance, lr.deferSync = false, false
		n.persistSync()
		n.send(n.leader, Packet{Type: TypeAck, Zxid: MakeZxid(n.epoch, 0)}, true)
	}
	if lr.holeTo > lr.holeFrom && n.applied >= lr.holeTo {
		i, j := n.log.after(lr.holeFrom), n.log.after(lr.holeTo-1)
		n.log.entries = slices.Delete(slices.Clone(n.log.entries), i, j)
		lr.holeFrom, lr.holeTo = 0, 0
	}
}
