package election

import "testing"

func BenchmarkNotificationRoundTrip(b *testing.B) {
	n := Notification{State: Looking, Leader: 3, Zxid: 0x500000007, ElectionEpoch: 9, PeerEpoch: 5, Config: []byte("version=0")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalNotification(n.Marshal()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkElection measures a whole election of five voters over a random network.
func BenchmarkElection(b *testing.B) {
	b.ReportAllocs()
	seed := uint64(0)
	for b.Loop() {
		seed++
		c := newCluster(nil, seed, 5, 0)
		for _, id := range c.ids {
			c.nodes[id].Start(0x100000000+id, 1)
		}
		if !c.run(c.allDecided(c.ids...), 100000) {
			b.Fatal("no convergence")
		}
	}
}
