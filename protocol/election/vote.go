package election

import (
	"math"

	"github.com/zksim/zksim/protocol/bugs"
)

// Vote is a proposal for leader as recorded from a notification.
type Vote struct {
	Leader        int64
	Zxid          int64
	ElectionEpoch int64
	PeerEpoch     int64
	State         State
}

// noVote is a non-voter's initial proposal: it loses to every real vote.
var noVote = Vote{Leader: math.MinInt64, Zxid: math.MinInt64, PeerEpoch: math.MinInt64}

// Better reports whether the candidate (id, zxid, peerEpoch) beats the current one in
// FastLeaderElection.totalOrderPredicate order: higher peerEpoch, then higher zxid, then
// higher server id. A candidate with no voting weight never wins.
func Better(q QuorumVerifier, id, zxid, peerEpoch, curID, curZxid, curEpoch int64) bool {
	if q.Weight(id) == 0 {
		return false
	}
	if peerEpoch != curEpoch {
		return peerEpoch > curEpoch
	}
	if zxid != curZxid {
		return zxid > curZxid
	}
	return id > curID
}

// better is Better, or with ZOOKEEPER-1419 switched on, the comparison as it shipped
// before that fix: the parentheses that should have kept the zxid and id tie-breaks
// under "same peerEpoch" were misplaced, so a candidate with the same zxid and a higher
// id won even with a lower peerEpoch. The order is then not transitive (A beats B by
// epoch, B beats C by zxid, C beats A by id), and an ensemble could keep changing its
// votes or elect a server from an older epoch. The fix restored the nesting: epoch,
// then zxid, then id.
func (e *Election) better(id, zxid, peerEpoch, curID, curZxid, curEpoch int64) bool {
	if !e.cfg.Bugs.Empty() && e.cfg.Bugs.Has(bugs.ZK1419) {
		if e.cfg.Quorum.Weight(id) == 0 {
			return false
		}
		return peerEpoch > curEpoch || peerEpoch == curEpoch && zxid > curZxid || zxid == curZxid && id > curID
	}
	return Better(e.cfg.Quorum, id, zxid, peerEpoch, curID, curZxid, curEpoch)
}

// agrees is Vote.equals: while either side is LOOKING the whole vote must match;
// between settled votes only the leader and its epoch matter (rounds differ when a
// server joins an ensemble that already has a leader).
func agrees(a, b Vote) bool {
	if a.State == Looking || b.State == Looking {
		return a.Leader == b.Leader && a.Zxid == b.Zxid && a.ElectionEpoch == b.ElectionEpoch && a.PeerEpoch == b.PeerEpoch
	}
	return a.Leader == b.Leader && a.PeerEpoch == b.PeerEpoch
}
