package zab

import "testing"

// TestLeaderStats: a leader counts its synced follower and the sync points still
// waiting for a commit (two syncs on one zxid are one point); a follower has none.
func TestLeaderStats(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	if st, ok := l.LeaderStats(); !ok || st != (LeaderStats{Learners: 1, SyncedFollowers: 1}) {
		t.Fatalf("leader: %+v %v", st, ok)
	}
	if _, ok := f.LeaderStats(); ok {
		t.Fatal("a follower reports leader stats")
	}
	if _, err := l.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := l.Sync(1); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := l.LeaderStats(); st.PendingSyncs != 1 {
		t.Fatalf("pending syncs before the commit: %+v", st)
	}
	p.settle()
	if st, _ := l.LeaderStats(); st.PendingSyncs != 0 {
		t.Fatalf("pending syncs after the commit: %+v", st)
	}
}
