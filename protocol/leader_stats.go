package protocol

import "github.com/zksim/zksim/protocol/zab"

// LeaderStats is the leader's view of its learners, for mntr; ok is false unless
// this peer is an ensemble member that leads.
func (p *Peer) LeaderStats() (zab.LeaderStats, bool) {
	if p.q == nil {
		return zab.LeaderStats{}, false
	}
	return p.q.zn.LeaderStats()
}
