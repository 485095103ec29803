package cluster_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
)

// TestFollowerCrashBetweenSyncAndCurrentEpoch crashes a follower after the records of
// its synchronization with a newer epoch are durable but before its currentEpoch is
// replaced. Its log is then ahead of currentEpoch; the staged epoch must let it restart
// and rejoin instead of refusing to start (ZOOKEEPER-1653).
func TestFollowerCrashBetweenSyncAndCurrentEpoch(t *testing.T) {
	for _, seed := range []uint64{31, 32, 33} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { crashBetweenSyncAndEpoch(t, seed) })
	}
}

func crashBetweenSyncAndEpoch(t *testing.T, seed uint64) {
	w, c := ensemble(t, seed)
	leaderUp := func() bool { _, ok := c.Leader(); return ok }
	if !w.RunUntil(leaderUp, 20*time.Second) {
		t.Fatal("no leader within 20s")
	}
	w.RunFor(2 * time.Second)
	leader, _ := c.Leader()
	var follower sim.NodeID
	for _, id := range c.Servers() {
		if c.Status(id).Mode == "follower" {
			follower = id
			break
		}
	}
	if follower == 0 {
		t.Fatal("no follower")
	}
	oldEpoch := c.Status(follower).Epoch

	// The follower misses a whole epoch: the other two voters elect a new leader and
	// commit in a newer epoch while it is down.
	must(t, w.Crash(follower))
	must(t, w.Crash(leader))
	must(t, w.Restart(leader))
	newer := func() bool {
		l, ok := c.Leader()
		return ok && c.Status(l).Epoch > oldEpoch
	}
	if !w.RunUntil(newer, 30*time.Second) {
		t.Fatal("no leader of a newer epoch")
	}
	w.RunFor(2 * time.Second)

	must(t, w.ArmCrashPoint(follower, cluster.CrashSyncBeforeCurrentEpoch, 0))
	must(t, w.Restart(follower))
	crashed := func() bool { st, _ := w.State(follower); return st == sim.StateCrashed }
	if !w.RunUntil(crashed, 20*time.Second) {
		t.Fatalf("follower never reached %s: %+v", cluster.CrashSyncBeforeCurrentEpoch, c.Status(follower))
	}
	must(t, w.DisarmCrashPoint(follower, cluster.CrashSyncBeforeCurrentEpoch))

	// The crash left the synced log ahead of currentEpoch, with the epoch staged.
	d, err := w.Disk(follower)
	must(t, err)
	st, err := storage.Recover(durableFiles{d})
	must(t, err)
	staged := false
	for _, r := range st.Repairs {
		staged = staged || (r.Kind == storage.RepairDelete && r.Name == storage.CurrentEpochTempFile)
	}
	if !staged || storage.EpochOf(st.LastZxid) <= oldEpoch {
		t.Fatalf("crash left last zxid %#x, repairs %v: not a log ahead of currentEpoch %d", st.LastZxid, st.Repairs, oldEpoch)
	}

	must(t, w.Restart(follower))
	rejoined := func() bool {
		s, l := c.Status(follower), c.Status(leader)
		if lid, ok := c.Leader(); ok {
			l = c.Status(lid)
		}
		return s.Serves && s.Serving && s.Mode == "follower" && s.Epoch == l.Epoch
	}
	if !w.RunUntil(rejoined, 30*time.Second) {
		t.Fatalf("follower did not rejoin: %+v, faults %v", c.Status(follower), c.Faults(follower))
	}
	repaired := false
	for _, r := range c.Repairs(follower) {
		repaired = repaired || strings.Contains(r.Reason, "taken from "+storage.CurrentEpochTempFile)
	}
	if !repaired {
		t.Fatalf("no currentEpoch repair from the staged file: %v", c.Repairs(follower))
	}
	w.RunFor(3 * time.Second)
	c.StopClients()
	w.RunFor(3 * sessionTimeout)
	h := c.History()
	requireChecks(t, c, &h)
}

// durableFiles is what a crash left on a simulated disk.
type durableFiles struct{ d *sim.Disk }

func (f durableFiles) List() []string                   { return f.d.List() }
func (f durableFiles) Read(name string) ([]byte, error) { return f.d.Durable(name) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
