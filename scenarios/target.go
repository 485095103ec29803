package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
)

// simTarget lets the nemesis act on a simulated cluster. Node ids are the world's:
// servers first, then clients, as nemesis.ClusterShape numbers them.
type simTarget struct {
	w     *sim.World
	c     *cluster.Cluster
	armed map[int]map[nemesis.CrashPoint]bool // crash points armed per server
	disk  sim.DiskOptions                     // the scenario's disk settings, which faults add to
	// damaged are the servers whose durable data a fault damaged (a flipped bit). At
	// most minority of them may be damaged in a run: ZAB survives losing a minority's
	// disks, not more. A damaged server refuses to start once it reads the damage, and
	// stays down: the ensemble must live on without it.
	damaged  map[int]bool
	minority int
	// unsafeDisk allows faults no replicated log can survive (a lying fsync).
	unsafeDisk bool
}

var _ nemesis.Target = (*simTarget)(nil)

func newSimTarget(w *sim.World, c *cluster.Cluster, disk sim.DiskOptions, minority int, unsafeDisk bool) *simTarget {
	return &simTarget{w: w, c: c, armed: map[int]map[nemesis.CrashPoint]bool{}, disk: disk,
		damaged: map[int]bool{}, minority: minority, unsafeDisk: unsafeDisk}
}

func ids(nodes []sim.NodeID) []int {
	out := make([]int, len(nodes))
	for i, n := range nodes {
		out[i] = int(n)
	}
	return out
}

func nodeIDs(nodes []int) []sim.NodeID {
	out := make([]sim.NodeID, len(nodes))
	for i, n := range nodes {
		out[i] = sim.NodeID(n)
	}
	return out
}

func (t *simTarget) Nodes() []int   { return ids(t.c.Servers()) }
func (t *simTarget) Clients() []int { return ids(t.c.Clients()) }

func (t *simTarget) Leader() (int, bool) {
	for _, n := range t.c.Servers() {
		st := t.c.Status(n)
		if st.Serves && (st.Mode == "leader" || st.Mode == "standalone") {
			return int(n), true
		}
	}
	return 0, false
}

func (t *simTarget) Status(node int) (nemesis.Status, error) {
	st, err := t.w.State(sim.NodeID(node))
	if err != nil {
		return 0, err
	}
	switch st {
	case sim.StateUp:
		return nemesis.Up, nil
	case sim.StatePaused:
		return nemesis.Paused, nil
	}
	return nemesis.Crashed, nil
}

// Partition splits the servers: servers in no group form one more group, as the
// nemesis defines it. Clients are in no group, so they keep their links.
func (t *simTarget) Partition(groups [][]int) error {
	gs := make([][]sim.NodeID, 0, len(groups)+1)
	grouped := map[int]bool{}
	for _, g := range groups {
		gs = append(gs, nodeIDs(g))
		for _, n := range g {
			grouped[n] = true
		}
	}
	var rest []int
	for _, n := range t.Nodes() {
		if !grouped[n] {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		gs = append(gs, nodeIDs(rest))
	}
	return t.w.Net().Partition(gs...)
}

func (t *simTarget) PartitionOneWay(from, to []int) error {
	return t.w.Net().PartitionOneWay(nodeIDs(from), nodeIDs(to))
}

func (t *simTarget) Heal() error { t.w.Net().Heal(); return nil }

func (t *simTarget) Crash(node int) error   { return t.w.Crash(sim.NodeID(node)) }
func (t *simTarget) Restart(node int) error { return t.w.Restart(sim.NodeID(node)) }
func (t *simTarget) Pause(node int) error   { return t.w.Pause(sim.NodeID(node)) }
func (t *simTarget) Resume(node int) error  { return t.w.Resume(sim.NodeID(node)) }

func (t *simTarget) ClockJump(node int, d time.Duration) error {
	c, err := t.w.Clock(sim.NodeID(node))
	if err != nil {
		return err
	}
	return c.Jump(d)
}

func (t *simTarget) ClockDrift(node int, ppm int64) error {
	c, err := t.w.Clock(sim.NodeID(node))
	if err != nil {
		return err
	}
	return c.SetDrift(ppm)
}

func (t *simTarget) ClearClocks() error {
	for _, n := range t.w.Nodes() {
		c, err := t.w.Clock(n)
		if err != nil {
			return err
		}
		c.Clear()
	}
	return nil
}

func (t *simTarget) ResetConnections(node int) error {
	return t.w.Net().ResetNode(sim.NodeID(node))
}

// DelaySpike slows every link to and from the nodes.
func (t *simTarget) DelaySpike(nodes []int, extra, dur time.Duration) error {
	all := t.w.Nodes()
	for _, n := range nodes {
		for _, o := range all {
			if o == sim.NodeID(n) {
				continue
			}
			if err := t.w.Net().SpikeDelay(sim.NodeID(n), o, extra, dur); err != nil {
				return err
			}
			if err := t.w.Net().SpikeDelay(o, sim.NodeID(n), extra, dur); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *simTarget) Clog(nodes []int, on bool) error {
	if on {
		return t.w.Net().Clog(nodeIDs(nodes)...)
	}
	return t.w.Net().Unclog(nodeIDs(nodes)...)
}

// diskFaultOptions turns one disk fault mode on in a disk's options.
func diskFaultOptions(base sim.DiskOptions, kind nemesis.Kind) (sim.DiskOptions, error) {
	switch kind {
	case "disk-failed-sync":
		base.SyncErrorProbability = 0.2
	case "disk-lost-fsync":
		base.LostWriteProbability = 0.2
	case "disk-torn-tail":
		base.TornProbability = 1
	case "disk-bit-flip":
		// Flips happen once, at arm time; see DiskFault.
	default:
		return base, fmt.Errorf("scenarios: unknown disk fault %q", kind)
	}
	return base, nil
}

func (t *simTarget) DiskFault(node int, kind nemesis.Kind, on bool) error {
	d, err := t.w.Disk(sim.NodeID(node))
	if err != nil {
		return err
	}
	if !on {
		return d.SetOptions(t.disk)
	}
	switch kind {
	case "disk-bit-flip":
		// Flip one bit of a durable file; the node must notice by checksum when it
		// next reads it (at restart), never serve the damaged data.
		if !t.damaged[node] && len(t.damaged) >= t.minority {
			t.w.Note(fmt.Sprintf("skip disk-bit-flip on %d: a majority of disks must stay intact", node))
			return nil
		}
		files := d.List()
		if len(files) == 0 {
			return nil
		}
		name := files[int(t.w.Rand(sim.StreamNemesis).Uint64()%uint64(len(files)))]
		if data, err := d.Durable(name); err == nil && len(data) == 0 {
			// A file just created holds nothing durable yet: no bit to flip.
			t.w.Note(fmt.Sprintf("skip disk-bit-flip on %d: %s has no durable data", node, name))
			return nil
		}
		t.damaged[node] = true
		_, err := d.CorruptBit(name)
		return err
	case "disk-lost-fsync":
		if !t.unsafeDisk {
			// An fsync that lies breaks the durability every replicated log assumes: a
			// write acknowledged by a quorum that includes the liar can be lost with no
			// protocol bug at all. Only scenarios that ask for it get it.
			t.w.Note(fmt.Sprintf("skip disk-lost-fsync on %d: unsafe disk faults are off", node))
			return nil
		}
	}
	opts, err := diskFaultOptions(t.disk, kind)
	if err != nil {
		return err
	}
	return d.SetOptions(opts)
}

// ArmCrashPoint arms a point by its nemesis name, which is the name the simulated
// host reaches it by (sim/cluster); a point of a phase the host lacks never fires.
func (t *simTarget) ArmCrashPoint(node int, point nemesis.CrashPoint, nth int) error {
	if nth < 1 {
		return fmt.Errorf("scenarios: crash point %s: nth %d, want at least 1", point, nth)
	}
	// The nemesis counts occurrences from 1, the world from 0.
	if err := t.w.ArmCrashPoint(sim.NodeID(node), string(point), nth-1); err != nil {
		return err
	}
	if t.armed[node] == nil {
		t.armed[node] = map[nemesis.CrashPoint]bool{}
	}
	t.armed[node][point] = true
	return nil
}

func (t *simTarget) DisarmCrashPoint(node int, point nemesis.CrashPoint) error {
	delete(t.armed[node], point)
	return t.w.DisarmCrashPoint(sim.NodeID(node), string(point))
}

func (t *simTarget) HealAll() error {
	t.w.Net().Heal()
	all := t.w.Nodes()
	if err := t.w.Net().Unclog(all...); err != nil {
		return err
	}
	// Disarm in sorted order: each disarm is traced, so map order must not reach it.
	for _, node := range slices.Sorted(maps.Keys(t.armed)) {
		for _, point := range slices.Sorted(maps.Keys(t.armed[node])) {
			if err := t.w.DisarmCrashPoint(sim.NodeID(node), string(point)); err != nil {
				return err
			}
		}
	}
	clear(t.armed)
	for _, n := range all {
		st, err := t.w.State(n)
		if err != nil {
			return err
		}
		switch st {
		case sim.StatePaused:
			err = t.w.Resume(n)
		case sim.StateCrashed:
			err = t.w.Restart(n)
		}
		if err != nil {
			return err
		}
		if d, err := t.w.Disk(n); err == nil {
			if err := d.SetOptions(t.disk); err != nil {
				return err
			}
		}
	}
	return t.ClearClocks()
}
