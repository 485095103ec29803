package protocol

import (
	"testing"
)

func TestQuorumElectsAndReplicates(t *testing.T) {
	for _, tc := range []struct{ voters, observers int }{{3, 0}, {3, 1}, {5, 1}, {7, 2}} {
		t.Run("", func(t *testing.T) {
			w := newWorld(t, 1, tc.voters, tc.observers, nil)
			w.runUntil(5000, "leader", w.settled)
			for i, id := range w.ids {
				w.addClient(string(rune('a'+i)), id).writer(20)
			}
			w.runUntil(20000, "writes", func() bool {
				for _, c := range w.clients {
					if len(c.acked) < 20 {
						return false
					}
				}
				return w.settled()
			})
			w.checkAcked()
			t.Logf("now=%d commits=%d order=%d est=%v %s", w.now, w.commits, len(w.order), w.established, w.describe())
			if len(w.established) == 0 {
				t.Fatal("no epoch established")
			}
		})
	}
}
