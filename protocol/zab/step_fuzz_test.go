package zab

import (
	"testing"
)

// FuzzStep feeds arbitrary packet streams to an established leader and follower:
// nothing may panic, and whatever happens the nodes keep producing sane Readies.
func FuzzStep(f *testing.F) {
	var seed []byte
	for _, p := range []Packet{
		{Type: TypeProposal, Zxid: z(2, 1), Data: []byte("x")},
		{Type: TypeCommit, Zxid: z(2, 1)},
		{Type: TypeAck, Zxid: z(2, 1)},
		{Type: TypeSnap, Zxid: z(1, 1), Data: []byte{1}},
		{Type: TypeTrunc, Zxid: 0},
		{Type: TypeNewLeader, Zxid: z(2, 0)},
		{Type: TypeAckEpoch, Zxid: z(1, 1), Data: []byte{0, 0, 0, 1}},
		{Type: TypeFollowerInfo, Zxid: z(1, 0), Data: LearnerInfo{ServerID: 1}.Marshal()},
		{Type: TypeRevalidate, Zxid: -1, Data: make([]byte, 12)},
		{Type: TypeRequest, Zxid: -1, Data: make([]byte, 9)},
	} {
		seed = append(seed, 0)
		seed = p.AppendTo(seed)
		seed = append(seed, 1)
		seed = p.AppendTo(seed)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newPair(t, []Entry{{Zxid: z(1, 1)}}, nil)
		p.settle()
		for len(b) > 1 {
			to := int64(1 + b[0]%2)
			pk, n, err := UnmarshalPacket(b[1:])
			if err != nil {
				return
			}
			b = b[1+n:]
			_ = p.nodes[to].Step(3-to, pk)
			for _, id := range []int64{1, 2} {
				node := p.nodes[id]
				node.Tick(node.now + 1)
				for node.HasReady() {
					rd := node.Ready()
					for i := 1; i < len(rd.CommittedEntries); i++ {
						if rd.CommittedEntries[i].Zxid <= rd.CommittedEntries[i-1].Zxid {
							t.Fatalf("committed entries out of order: %v", rd.CommittedEntries)
						}
					}
					node.Advance()
				}
				if node.hard.AcceptedEpoch < node.hard.CurrentEpoch {
					t.Fatalf("server %d: acceptedEpoch %d < currentEpoch %d", id, node.hard.AcceptedEpoch, node.hard.CurrentEpoch)
				}
			}
		}
	})
}
