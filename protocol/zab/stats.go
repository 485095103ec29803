package zab

// LeaderStats is a leader's view of its learners, as ZooKeeper's mntr reports it
// (LeaderZooKeeperServer's gauges).
type LeaderStats struct {
	// Learners counts the learners connected to this leader, synced or not
	// (Leader.getLearners).
	Learners int
	// SyncedFollowers counts the followers, voting or not, that receive the
	// broadcast (getForwardingFollowers); SyncedNonVotingFollowers those of them
	// without a vote.
	SyncedFollowers, SyncedNonVotingFollowers int
	// SyncedObservers counts the observers that receive the broadcast
	// (getObservingLearners).
	SyncedObservers int
	// PendingSyncs counts the sync points waiting for their commit
	// (Leader.pendingSyncs: one per zxid, however many syncs wait on it).
	PendingSyncs int
}

// LeaderStats reports the leader's view of its learners; ok is false when this
// node does not lead.
func (n *Node) LeaderStats() (st LeaderStats, ok bool) {
	if n.role != RoleLeader || n.ld == nil {
		return st, false
	}
	for _, h := range n.sortedHandlers() {
		st.Learners++
		switch {
		case !h.forwarding:
		case h.observer:
			st.SyncedObservers++
		default:
			st.SyncedFollowers++
			if !n.isVoter(h.id) {
				st.SyncedNonVotingFollowers++
			}
		}
	}
	for i, s := range n.ld.syncs {
		if i == 0 || s.zxid != n.ld.syncs[i-1].zxid {
			st.PendingSyncs++
		}
	}
	return st, true
}
