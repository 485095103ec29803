package zab

import (
	"testing"

	"github.com/zksim/zksim/protocol/election"
)

func BenchmarkPacketMarshal(b *testing.B) {
	p := Packet{Type: TypeProposal, Zxid: 0x500000001, Data: make([]byte, 100)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendTo(buf[:0])
	}
}

func BenchmarkPacketUnmarshal(b *testing.B) {
	raw := Packet{Type: TypeProposal, Zxid: 0x500000001, Data: make([]byte, 100)}.Marshal()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := UnmarshalPacket(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBroadcast measures one write through a leader and two followers: PROPOSAL,
// two ACKs, the leader's own durability, COMMIT and apply everywhere.
func BenchmarkBroadcast(b *testing.B) {
	q := election.NewMajority(1, 2, 3)
	nodes := map[int64]*Node{}
	for id := int64(1); id <= 3; id++ {
		n, err := New(Config{ID: id, Quorum: q, TickTime: 10, InitLimit: 5, SyncLimit: 2, CommitLogCount: 64, StateMachine: &memSM{}}, State{})
		if err != nil {
			b.Fatal(err)
		}
		nodes[id] = n
	}
	nodes[3].Lead()
	nodes[1].Follow(3)
	nodes[2].Follow(3)
	type envelope struct {
		from, to int64
		p        Packet
	}
	var queue []envelope
	drain := func() {
		for moved := true; moved; {
			moved = false
			for id := int64(1); id <= 3; id++ {
				n := nodes[id]
				for n.HasReady() {
					rd := n.Ready()
					for _, m := range rd.Messages {
						queue = append(queue, envelope{id, m.To, m.Packet})
					}
					n.Advance()
					moved = true
				}
			}
			for len(queue) > 0 {
				e := queue[0]
				queue = queue[1:]
				_ = nodes[e.to].Step(e.from, e.p)
				moved = true
			}
		}
	}
	drain()
	if nodes[3].Phase() != PhaseBroadcast {
		b.Fatal("not established")
	}
	txn := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nodes[3].Propose(txn); err != nil {
			b.Fatal(err)
		}
		drain()
	}
	if nodes[1].Applied() != nodes[3].Committed() {
		b.Fatal("follower behind")
	}
}
