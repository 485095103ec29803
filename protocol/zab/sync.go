package zab

// SyncMode is how a leader brings a learner to its history (LearnerHandler.syncFollower).
type SyncMode uint8

// Sync modes.
const (
	// SyncDiff: the learner's log is a prefix of the leader's; send what follows.
	SyncDiff SyncMode = iota + 1
	// SyncTrunc: the learner holds transactions the leader does not; cut its log at
	// a common zxid, then send what follows.
	SyncTrunc
	// SyncSnap: no common point is known in the kept log; send a snapshot.
	SyncSnap
)

func (m SyncMode) String() string {
	switch m {
	case SyncDiff:
		return "DIFF"
	case SyncTrunc:
		return "TRUNC"
	case SyncSnap:
		return "SNAP"
	}
	return "SyncMode(?)"
}

// decideSync chooses how to sync a learner whose last logged zxid is peer, given the
// leader's kept log l and the zxid up to which the leader's history is committed
// (boundary). For DIFF and TRUNC, from is the zxid after which the leader sends its
// entries (for TRUNC it is also the truncation point).
//
// A peer the leader's log holds gets a DIFF from there, even above boundary: those
// entries are the leader's own outstanding proposals, which the learner keeps (and may
// have acknowledged toward their commit); a TRUNC to boundary would discard
// transactions about to commit. Only a learner holding what the leader never had is
// truncated, as ZooKeeper's LearnerHandler.syncFollower does.
//
// It relies on ZAB's prefix property: two logs that hold the same zxid agree on every
// entry up to it, and a server's entries of one epoch are that epoch's leader's
// proposals in order, without gaps. A truncation therefore only targets a zxid of the
// same epoch as peer (which the learner must hold), or 0; anything else falls back to a
// snapshot, because a TRUNC may not cross epochs.
func decideSync(l *memLog, boundary, peer int64) (mode SyncMode, from int64) {
	switch {
	case peer == boundary || l.has(peer):
		return SyncDiff, peer
	case peer > boundary:
		if EpochOf(peer) == EpochOf(boundary) && CounterOf(peer) != 0 || boundary == 0 {
			return SyncTrunc, boundary
		}
		return SyncSnap, 0
	case peer < l.base:
		return SyncSnap, 0
	}
	// base < peer < boundary and the leader never had peer: find the newest zxid
	// below it that the leader has.
	prev := l.base
	if i := l.after(peer); i > 0 {
		prev = l.entries[i-1].Zxid
	}
	if prev == 0 || EpochOf(prev) == EpochOf(peer) {
		return SyncTrunc, prev
	}
	return SyncSnap, 0
}
