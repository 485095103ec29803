package nemesis

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// maxStrobeJumps bounds the jumps one clock strobe makes.
const maxStrobeJumps = 10_000

// Applied is what one fault did: the nodes it acted on and the partition it made, once
// selectors and random shapes are resolved. It is what traces and reports show.
type Applied struct {
	At      time.Duration // when it was applied
	Fault   Fault         // as scheduled
	Nodes   []int         // nodes acted on
	Groups  [][]int       // partition groups; from|to for one-way cuts; bridge halves
	Skipped string        // why it did nothing, when it did nothing
}

// String is a one-line account: "<fault> => nodes=... groups=..." or "... => skipped: why".
func (a Applied) String() string {
	var b strings.Builder
	f := a.Fault
	f.At = a.At
	b.WriteString(f.String())
	b.WriteString(" =>")
	if a.Skipped != "" {
		b.WriteString(" skipped: " + a.Skipped)
		return b.String()
	}
	if len(a.Nodes) > 0 {
		b.WriteString(" nodes=" + idsText(a.Nodes))
	}
	if len(a.Groups) > 0 {
		b.WriteString(" groups=" + groupsText(a.Groups))
	}
	if len(a.Nodes) == 0 && len(a.Groups) == 0 {
		b.WriteString(" done")
	}
	return b.String()
}

// Apply resolves f's selector and random shape through t and rng and performs it.
// A selector that matches nobody (no leader, nobody in the needed state) is not an
// error: the Applied says why it was skipped. Restart, resume and crash act only on
// nodes in the state they need, so replaying a schedule never asks a target for an
// impossible transition. A nil rng stands for a fixed one.
func Apply(t Target, f Fault, rng *rand.Rand) (Applied, error) {
	a := Applied{At: f.At, Fault: f}
	if rng == nil {
		rng = rand.New(rand.NewPCG(0, 0))
	}
	if err := f.Validate(); err != nil {
		return a, fmt.Errorf("apply %s: %w", f, err)
	}
	err := apply(t, &a, rng)
	if errors.Is(err, ErrNoTarget) {
		a.Nodes, a.Groups, a.Skipped = nil, nil, strings.TrimPrefix(err.Error(), ErrNoTarget.Error()+": ")
		return a, nil
	}
	if err != nil {
		return a, fmt.Errorf("apply %s: %w", f, err)
	}
	return a, nil
}

// wantStatus says which nodes a kind acts on.
func wantStatus(k Kind, explicit bool) func(Status) bool {
	switch k {
	case Crash, ArmCrashPoint:
		return func(s Status) bool { return s != Crashed }
	case Restart:
		return func(s Status) bool { return s == Crashed }
	case Resume:
		return func(s Status) bool { return s == Paused }
	case Pause:
		return func(s Status) bool { return s == Up }
	}
	if explicit {
		return func(Status) bool { return true }
	}
	return func(s Status) bool { return s == Up }
}

// resolve turns f's target into node ids.
func resolve(t Target, f Fault, rng *rand.Rand) ([]int, error) {
	servers := t.Nodes()
	clients := t.Clients()
	want := wantStatus(f.Kind, f.Select == "")
	keep := func(ids []int) ([]int, error) {
		var out []int
		for _, id := range ids {
			s, err := t.Status(id)
			if err != nil {
				return nil, err
			}
			if want(s) {
				out = append(out, id)
			}
		}
		return out, nil
	}
	if f.Select == "" {
		valid := servers
		if kinds[f.Kind].target == anyNodeTarget {
			valid = slices.Concat(servers, clients)
		}
		for _, id := range f.Nodes {
			if !slices.Contains(valid, id) {
				return nil, fmt.Errorf("%w: node %d is not a %s", ErrNodeRange, id, targetNoun(f.Kind))
			}
		}
		out, err := keep(f.Nodes)
		if err == nil && len(out) == 0 {
			err = fmt.Errorf("%w: no node in the needed state", ErrNoTarget)
		}
		return out, err
	}
	leader, hasLeader := t.Leader()
	pool := servers
	switch f.Select {
	case SelectLeader:
		if !hasLeader {
			return nil, fmt.Errorf("%w: no leader", ErrNoTarget)
		}
		pool = []int{leader}
	case SelectFollower, SelectFollowers:
		pool = slices.DeleteFunc(slices.Clone(servers), func(id int) bool { return hasLeader && id == leader })
	case SelectClient, SelectClients:
		pool = clients
	}
	out, err := keep(pool)
	if err != nil {
		return nil, err
	}
	switch f.Select {
	case SelectFollower, SelectRandom, SelectClient:
		if len(out) > 0 {
			out = []int{out[rng.IntN(len(out))]}
		}
	case SelectMinority:
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = out[:min(len(out), (len(servers)-1)/2)]
		slices.Sort(out)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s matched nobody", ErrNoTarget, f.Select)
	}
	return out, nil
}

func targetNoun(k Kind) string {
	if kinds[k].target == anyNodeTarget {
		return "server or client"
	}
	return "server"
}

func apply(t Target, a *Applied, rng *rand.Rand) error {
	f := a.Fault
	var err error
	if kinds[f.Kind].target != noTarget && (f.Select != "" || len(f.Nodes) > 0) {
		if a.Nodes, err = resolve(t, f, rng); err != nil {
			return err
		}
	}
	each := func(do func(int) error) error {
		for _, id := range a.Nodes {
			if err := do(id); err != nil {
				return err
			}
		}
		return nil
	}
	if f.Kind.partition() {
		return applyPartition(t, a, rng)
	}
	switch f.Kind {
	case Heal:
		return t.Heal()
	case Crash:
		return each(t.Crash)
	case Restart:
		return each(t.Restart)
	case Pause:
		return each(t.Pause)
	case Resume:
		return each(t.Resume)
	case ClockBump, ClockStrobe:
		return each(func(id int) error { return t.ClockJump(id, f.Amount) })
	case ClockScramble:
		return each(func(id int) error { return t.ClockJump(id, time.Duration(rng.Int64N(2*int64(f.Amount)+1))-f.Amount) })
	case ClockDrift:
		return each(func(id int) error { return t.ClockDrift(id, f.PPM) })
	case ClockClear:
		return t.ClearClocks()
	case ConnReset:
		return each(t.ResetConnections)
	case DelaySpike:
		return t.DelaySpike(a.Nodes, f.Amount, f.For)
	case Clog:
		return t.Clog(a.Nodes, true)
	case Unclog:
		return t.Clog(a.Nodes, false)
	case DiskLostFsync, DiskTornTail, DiskBitFlip, DiskFailedSync:
		return each(func(id int) error { return t.DiskFault(id, f.Kind, true) })
	case DiskHeal:
		return each(func(id int) error {
			for _, k := range DiskFaults() {
				if err := t.DiskFault(id, k, false); err != nil {
					return err
				}
			}
			return nil
		})
	case ArmCrashPoint:
		return each(func(id int) error { return t.ArmCrashPoint(id, f.Point, max(f.Nth, 1)) })
	case DisarmCrashPoint:
		return each(func(id int) error { return t.DisarmCrashPoint(id, f.Point) })
	case HealAll:
		return t.HealAll()
	case Liveness:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnknownKind, f.Kind)
}

func applyPartition(t Target, a *Applied, rng *rand.Rand) error {
	f := a.Fault
	servers := t.Nodes()
	for _, id := range f.nodes() {
		if !slices.Contains(servers, id) {
			return fmt.Errorf("%w: node %d is not a server", ErrNodeRange, id)
		}
	}
	switch f.Kind {
	case Partition:
		a.Groups = f.Groups
		return t.Partition(f.Groups)
	case PartitionOneWay:
		if len(f.Groups) == 2 {
			a.Groups = f.Groups
		} else {
			a.Groups = [][]int{a.Nodes, without(servers, a.Nodes)}
		}
		return t.PartitionOneWay(a.Groups[0], a.Groups[1])
	case PartitionIsolate:
		a.Groups = [][]int{a.Nodes, without(servers, a.Nodes)}
		return t.Partition(a.Groups)
	case PartitionHalves:
		a.Groups = Halves(servers, rng)
		return t.Partition(a.Groups)
	case PartitionThird:
		a.Groups = Third(servers, rng)
		return t.Partition(a.Groups)
	case PartitionRing:
		order, cuts := Ring(servers, rng)
		a.Nodes = order
		if err := t.Heal(); err != nil {
			return err
		}
		for i, far := range cuts {
			if len(far) > 0 {
				if err := t.PartitionOneWay([]int{order[i]}, far); err != nil {
					return err
				}
			}
		}
		return nil
	case PartitionBridge:
		bridge, halves := Bridge(servers, rng)
		a.Nodes, a.Groups = []int{bridge}, halves
		if err := t.Heal(); err != nil {
			return err
		}
		if len(halves[0]) == 0 || len(halves[1]) == 0 {
			return nil
		}
		if err := t.PartitionOneWay(halves[0], halves[1]); err != nil {
			return err
		}
		return t.PartitionOneWay(halves[1], halves[0])
	}
	return fmt.Errorf("%w: %q is not a partition", ErrUnknownKind, f.Kind)
}

func without(all, drop []int) []int {
	return slices.DeleteFunc(slices.Clone(all), func(id int) bool { return slices.Contains(drop, id) })
}

func shuffled(ids []int, rng *rand.Rand) []int {
	out := slices.Clone(ids)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func sortedGroups(groups ...[]int) [][]int {
	for _, g := range groups {
		slices.Sort(g)
	}
	return groups
}

// Halves splits nodes into two random halves, the smaller first.
func Halves(nodes []int, rng *rand.Rand) [][]int {
	s := shuffled(nodes, rng)
	return sortedGroups(s[:len(s)/2], s[len(s)/2:])
}

// Third splits off a random third of the nodes (at least one), first, from the rest.
func Third(nodes []int, rng *rand.Rand) [][]int {
	s := shuffled(nodes, rng)
	k := max(1, len(s)/3)
	return sortedGroups(s[:k], s[k:])
}

// Ring places nodes in a random cyclic order in which each node reaches only the nodes
// within k steps, where 2k+1 is the smallest odd number at least a majority: every node
// sees a majority, but no two neighbours see the same one. cuts[i] lists the nodes
// order[i] must not send to.
func Ring(nodes []int, rng *rand.Rand) (order []int, cuts [][]int) {
	order = shuffled(nodes, rng)
	n := len(order)
	k := (n/2 + 1) / 2
	cuts = make([][]int, n)
	for i := range order {
		for j := range order {
			if d := min((i-j+n)%n, (j-i+n)%n); d > k {
				cuts[i] = append(cuts[i], order[j])
			}
		}
		slices.Sort(cuts[i])
	}
	return order, cuts
}

// Bridge picks a random bridge node and splits the others into two halves that cannot
// reach each other but both reach the bridge.
func Bridge(nodes []int, rng *rand.Rand) (bridge int, halves [][]int) {
	s := shuffled(nodes, rng)
	if len(s) == 0 {
		return 0, [][]int{nil, nil}
	}
	rest := s[1:]
	return s[0], sortedGroups(rest[:len(rest)/2], rest[len(rest)/2:])
}

// FollowUps lists the faults that end a for= fault applied at time at, with the nodes
// it actually touched: restarts after a crash, the strobe's later jumps, a heal after
// a partition. Each is concrete (explicit nodes), so replay needs no randomness.
func FollowUps(a Applied) []Fault {
	f := a.Fault
	if f.For == 0 || a.Skipped != "" {
		return nil
	}
	end := a.At + f.For
	on := func(k Kind) Fault { return Fault{At: end, Kind: k, Nodes: slices.Clone(a.Nodes)} }
	if f.Kind.partition() {
		return []Fault{{At: end, Kind: Heal}}
	}
	switch f.Kind {
	case Crash:
		return []Fault{on(Restart)}
	case Pause:
		return []Fault{on(Resume)}
	case Clog:
		return []Fault{on(Unclog)}
	case ClockDrift:
		return []Fault{on(ClockDrift)} // ppm=0: back to the true rate
	case DiskLostFsync, DiskTornTail, DiskBitFlip, DiskFailedSync:
		return []Fault{on(DiskHeal)}
	case ArmCrashPoint:
		disarm := on(DisarmCrashPoint)
		disarm.Point = f.Point
		return []Fault{disarm, on(Restart)}
	case ClockStrobe:
		var out []Fault
		sign := time.Duration(-1)
		for at := a.At + f.Period; at < end; at += f.Period {
			jump := on(ClockBump)
			jump.At, jump.Amount = at, sign*f.Amount
			out = append(out, jump)
			sign = -sign
		}
		if sign == -1 { // the clock is still ahead: bring it back
			jump := on(ClockBump)
			jump.Amount = -f.Amount
			out = append(out, jump)
		}
		return out
	}
	return nil
}
