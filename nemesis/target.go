package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is a node's process state as the target sees it.
type Status uint8

// The process states.
const (
	Up Status = iota
	Paused
	Crashed
)

func (s Status) String() string {
	switch s {
	case Up:
		return "up"
	case Paused:
		return "paused"
	case Crashed:
		return "crashed"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Target is a cluster faults act on: the simulator's world, or real processes.
// Servers and clients are named by id (see ClusterShape). Every method reports bad
// ids and impossible state changes as errors; none panics.
//
// Partitions act between servers: servers talk only within their group and servers
// in no group form one more group; clients keep their links. A partition replaces the
// previous one; PartitionOneWay adds to it; Heal removes both.
type Target interface {
	Nodes() []int   // server ids, ascending
	Clients() []int // client ids, ascending
	// Leader is the server currently leading, if one is established.
	Leader() (int, bool)
	Status(node int) (Status, error)

	Partition(groups [][]int) error
	PartitionOneWay(from, to []int) error
	Heal() error

	Crash(node int) error   // node must not be crashed
	Restart(node int) error // node must be crashed
	Pause(node int) error   // node must be up
	Resume(node int) error  // node must be paused

	ClockJump(node int, d time.Duration) error
	ClockDrift(node int, ppm int64) error
	ClearClocks() error

	ResetConnections(node int) error
	DelaySpike(nodes []int, extra, dur time.Duration) error
	Clog(nodes []int, on bool) error

	// DiskFault turns one of the DiskFaults modes on or off for a server.
	DiskFault(node int, kind Kind, on bool) error
	// ArmCrashPoint makes the server crash the nth time it reaches point, counting
	// from 1 (nth 1 is the first time). Arming a point again replaces it.
	ArmCrashPoint(node int, point CrashPoint, nth int) error
	// DisarmCrashPoint cancels an armed point; one not armed is no error.
	DisarmCrashPoint(node int, point CrashPoint) error

	// HealAll undoes everything: heals partitions, resumes paused and restarts crashed
	// nodes, clears clock offsets and drift, link and disk faults, disarms crash points.
	HealAll() error
}

// ErrRecorder is the fake target's refusal of a call a real target would refuse.
var ErrRecorder = errors.New("nemesis: recorder refused")

// Recorder is a deterministic fake Target for tests: it keeps node states, records
// every call as a line of text, and refuses what a real target refuses (unknown ids,
// crashing a crashed node, resuming an up one).
type Recorder struct {
	Shape ClusterShape
	// PreferredLeader leads whenever it is up; otherwise the lowest up voter leads.
	// Zero means no leader at all.
	PreferredLeader int
	// FireCrashPoints crashes a server as soon as a crash point is armed on it, the
	// worst case for a schedule's bound on crashed servers.
	FireCrashPoints bool
	Calls           []string
	status          map[int]Status
}

// NewRecorder returns a recorder for a cluster of the given shape, every node up and
// server 1 the preferred leader.
func NewRecorder(shape ClusterShape) *Recorder {
	return &Recorder{Shape: shape, PreferredLeader: 1, status: map[int]Status{}}
}

var _ Target = (*Recorder)(nil)

func (r *Recorder) record(format string, args ...any) {
	r.Calls = append(r.Calls, fmt.Sprintf(format, args...))
}

func (r *Recorder) check(ids ...int) error {
	for _, id := range ids {
		if id < 1 || id > r.Shape.Servers()+r.Shape.Clients {
			return fmt.Errorf("%w: unknown node %d", ErrRecorder, id)
		}
	}
	return nil
}

func (r *Recorder) checkServer(id int) error {
	if id < 1 || id > r.Shape.Servers() {
		return fmt.Errorf("%w: unknown server %d", ErrRecorder, id)
	}
	return nil
}

// Nodes implements Target.
func (r *Recorder) Nodes() []int { return r.Shape.ServerIDs() }

// Clients implements Target.
func (r *Recorder) Clients() []int { return r.Shape.ClientIDs() }

// Leader implements Target.
func (r *Recorder) Leader() (int, bool) {
	if r.PreferredLeader == 0 {
		return 0, false
	}
	if r.status[r.PreferredLeader] == Up {
		return r.PreferredLeader, true
	}
	for id := 1; id <= r.Shape.Voters; id++ {
		if r.status[id] == Up {
			return id, true
		}
	}
	return 0, false
}

// Status implements Target.
func (r *Recorder) Status(node int) (Status, error) {
	if err := r.check(node); err != nil {
		return 0, err
	}
	return r.status[node], nil
}

// Down counts the voters that are crashed or paused.
func (r *Recorder) Down() int {
	n := 0
	for id := 1; id <= r.Shape.Voters; id++ {
		if r.status[id] != Up {
			n++
		}
	}
	return n
}

func groupsText(groups [][]int) string {
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteByte('|')
		}
		writeIDs(&b, g)
	}
	return b.String()
}

func idsText(ids []int) string {
	var b strings.Builder
	writeIDs(&b, ids)
	return b.String()
}

// Partition implements Target.
func (r *Recorder) Partition(groups [][]int) error {
	seen := map[int]bool{}
	for _, g := range groups {
		for _, id := range g {
			if err := r.checkServer(id); err != nil {
				return err
			}
			if seen[id] {
				return fmt.Errorf("%w: node %d in two groups", ErrRecorder, id)
			}
			seen[id] = true
		}
	}
	r.record("partition %s", groupsText(groups))
	return nil
}

// PartitionOneWay implements Target.
func (r *Recorder) PartitionOneWay(from, to []int) error {
	for _, id := range slices.Concat(from, to) {
		if err := r.checkServer(id); err != nil {
			return err
		}
	}
	r.record("oneway %s>%s", idsText(from), idsText(to))
	return nil
}

// Heal implements Target.
func (r *Recorder) Heal() error { r.record("heal"); return nil }

func (r *Recorder) transition(verb string, node int, from []Status, to Status) error {
	if err := r.check(node); err != nil {
		return err
	}
	if !slices.Contains(from, r.status[node]) {
		return fmt.Errorf("%w: %s node %d: it is %v", ErrRecorder, verb, node, r.status[node])
	}
	if r.status == nil {
		r.status = map[int]Status{}
	}
	r.status[node] = to
	r.record("%s %d", verb, node)
	return nil
}

// Crash implements Target.
func (r *Recorder) Crash(node int) error {
	return r.transition("crash", node, []Status{Up, Paused}, Crashed)
}

// Restart implements Target.
func (r *Recorder) Restart(node int) error {
	return r.transition("restart", node, []Status{Crashed}, Up)
}

// Pause implements Target.
func (r *Recorder) Pause(node int) error { return r.transition("pause", node, []Status{Up}, Paused) }

// Resume implements Target.
func (r *Recorder) Resume(node int) error {
	return r.transition("resume", node, []Status{Paused}, Up)
}

// ClockJump implements Target.
func (r *Recorder) ClockJump(node int, d time.Duration) error {
	if err := r.check(node); err != nil {
		return err
	}
	r.record("clock-jump %d %v", node, d)
	return nil
}

// ClockDrift implements Target.
func (r *Recorder) ClockDrift(node int, ppm int64) error {
	if err := r.check(node); err != nil {
		return err
	}
	r.record("clock-drift %d %d", node, ppm)
	return nil
}

// ClearClocks implements Target.
func (r *Recorder) ClearClocks() error { r.record("clear-clocks"); return nil }

// ResetConnections implements Target.
func (r *Recorder) ResetConnections(node int) error {
	if err := r.check(node); err != nil {
		return err
	}
	r.record("reset %d", node)
	return nil
}

// DelaySpike implements Target.
func (r *Recorder) DelaySpike(nodes []int, extra, dur time.Duration) error {
	if err := r.check(nodes...); err != nil {
		return err
	}
	r.record("delay %s %v %v", idsText(nodes), extra, dur)
	return nil
}

// Clog implements Target.
func (r *Recorder) Clog(nodes []int, on bool) error {
	if err := r.check(nodes...); err != nil {
		return err
	}
	r.record("clog %s %v", idsText(nodes), on)
	return nil
}

// DiskFault implements Target.
func (r *Recorder) DiskFault(node int, kind Kind, on bool) error {
	if err := r.checkServer(node); err != nil {
		return err
	}
	if !kind.disk() {
		return fmt.Errorf("%w: %q is not a disk fault", ErrRecorder, kind)
	}
	r.record("%s %d %v", kind, node, on)
	return nil
}

// ArmCrashPoint implements Target.
func (r *Recorder) ArmCrashPoint(node int, point CrashPoint, nth int) error {
	if err := r.checkServer(node); err != nil {
		return err
	}
	if !point.Valid() || nth < 1 {
		return fmt.Errorf("%w: crash point %q nth %d", ErrRecorder, point, nth)
	}
	r.record("arm %d %s %d", node, point, nth)
	if r.FireCrashPoints && r.status[node] != Crashed {
		return r.Crash(node)
	}
	return nil
}

// DisarmCrashPoint implements Target.
func (r *Recorder) DisarmCrashPoint(node int, point CrashPoint) error {
	if err := r.checkServer(node); err != nil {
		return err
	}
	if !point.Valid() {
		return fmt.Errorf("%w: crash point %q", ErrRecorder, point)
	}
	r.record("disarm %d %s", node, point)
	return nil
}

// HealAll implements Target.
func (r *Recorder) HealAll() error {
	clear(r.status)
	r.record("heal-all")
	return nil
}
