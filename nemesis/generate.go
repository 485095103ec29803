package nemesis

import (
	"fmt"
	"github.com/zksim/zksim/protocol/crashpoint"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// maxSlots bounds the faults one schedule draws, whatever the safety phase and gap.
const maxSlots = 1 << 17

// generateStream keeps Generate's draws apart from other users of the same seed.
const generateStream = 0x6e656d65736973 // "nemesis"

// Generate draws a schedule for a cluster of the given shape from seed and mix: faults
// during the safety phase [0, safety), then, at safety, a heal-all and the liveness
// marker. The same inputs give the same schedule, byte for byte. Unless the mix allows
// quorum loss, at most a minority of the voters is crashed or paused at any time, even
// if every armed crash point fires; only one partition is in force at a time. A mix
// with no weighted kind (the zero Mix) gives a schedule with only the final frame. At
// most 131072 faults are drawn; a longer safety phase stays quiet after them.
func Generate(seed uint64, mix Mix, shape ClusterShape, safety time.Duration) (Schedule, error) {
	if err := shape.Validate(); err != nil {
		return nil, err
	}
	if safety <= 0 || safety > maxSpan {
		return nil, fmt.Errorf("%w: safety phase %v: want 0 < safety <= %v", ErrBadSchedule, safety, maxSpan)
	}
	frame := Schedule{{At: safety, Kind: HealAll}, {At: safety, Kind: Liveness}}
	if mix.empty() {
		return frame, nil
	}
	if err := mix.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, generateStream))
	if !mix.Fixed {
		mix = mix.Swarm(rng)
	}
	g := generator{rng: rng, mix: mix, shape: shape, safety: safety, busy: map[string]time.Duration{}}
	g.maxDown = mix.maxDown(shape)
	var s Schedule
	kinds := slices.Sorted(maps.Keys(mix.Weights))
	total := 0
	for _, k := range kinds {
		total += mix.Weights[k]
	}
	for t, slot := time.Duration(0), 0; slot < maxSlots; slot++ {
		t += roundMS(mix.Gap/2 + time.Duration(rng.Int64N(int64(mix.Gap)+1)))
		if t >= safety || total == 0 {
			break
		}
		pick := rng.IntN(total)
		k := kinds[0]
		for _, k = range kinds {
			if pick -= mix.Weights[k]; pick < 0 {
				break
			}
		}
		if f, ok := g.fault(k, t); ok {
			s = append(s, f)
		}
	}
	return append(s, frame...), nil
}

type interval struct {
	end time.Duration
	n   int
}

type generator struct {
	rng     *rand.Rand
	mix     Mix
	shape   ClusterShape
	safety  time.Duration
	maxDown int
	downs   []interval               // servers possibly down until end
	busy    map[string]time.Duration // a family of faults in force until
}

// down counts the servers possibly down at t, forgetting intervals over by then (t
// never decreases).
func (g *generator) down(t time.Duration) int {
	g.downs = slices.DeleteFunc(g.downs, func(d interval) bool { return d.end <= t })
	n := 0
	for _, d := range g.downs {
		n += d.n
	}
	return n
}

// roundMS keeps generated times readable: whole milliseconds, at least one.
func roundMS(d time.Duration) time.Duration {
	return max(d.Truncate(time.Millisecond), time.Millisecond)
}

// span draws how long a fault lasts, ending before the safety phase does.
func (g *generator) span(t time.Duration) time.Duration {
	return min(roundMS(g.mix.For.draw(g.rng)), g.safety-t)
}

// claim reserves a family of faults that must not overlap, or reports it busy.
func (g *generator) claim(family string, t, d time.Duration) bool {
	if g.busy[family] > t {
		return false
	}
	g.busy[family] = t + d
	return true
}

func (g *generator) amount(limit time.Duration) time.Duration {
	return roundMS(Range{time.Millisecond, max(limit, time.Millisecond)}.draw(g.rng))
}

// serverTarget draws a target among the servers: often the leader, since faults there
// hurt most, else a follower, a random server or an explicit one.
func (g *generator) serverTarget(f *Fault) {
	switch g.rng.IntN(6) {
	case 0, 1:
		f.Select = SelectLeader
	case 2:
		f.Select = SelectFollower
	case 3:
		f.Select = SelectRandom
	default:
		f.Nodes = []int{1 + g.rng.IntN(g.shape.Servers())}
	}
}

// anyTarget is serverTarget, or a client one time in four if there are clients.
func (g *generator) anyTarget(f *Fault) (client bool) {
	if g.shape.Clients == 0 || g.rng.IntN(4) != 0 {
		g.serverTarget(f)
		return false
	}
	if g.rng.IntN(2) == 0 {
		f.Select = SelectClient
	} else {
		f.Nodes = []int{g.shape.Servers() + 1 + g.rng.IntN(g.shape.Clients)}
	}
	return true
}

func (g *generator) fault(k Kind, t time.Duration) (Fault, bool) {
	f := Fault{At: t, Kind: k}
	servers := g.shape.Servers()
	if k.partition() {
		return g.partition(f)
	}
	switch k {
	case Crash, Pause, ArmCrashPoint:
		f.For = g.span(t)
		if k == ArmCrashPoint {
			if !g.crashPoint(&f) {
				return f, false
			}
		} else if g.anyTarget(&f) {
			return f, true // a client going down costs no quorum
		}
		n := 1
		if minority := (servers - 1) / 2; k != ArmCrashPoint && minority > 1 && g.rng.IntN(8) == 0 {
			f.Select, f.Nodes, n = SelectMinority, nil, minority
		}
		if g.down(t)+n > g.maxDown {
			return f, false
		}
		g.downs = append(g.downs, interval{t + f.For, n})
	case ClockBump:
		g.anyTarget(&f)
		f.Amount = g.amount(g.mix.ClockJump)
		if g.rng.IntN(2) == 0 {
			f.Amount = -f.Amount
		}
	case ClockStrobe:
		g.anyTarget(&f)
		f.Amount = g.amount(g.mix.ClockJump)
		f.For = g.span(t)
		f.Period = max(roundMS(Range{10 * time.Millisecond, 500 * time.Millisecond}.draw(g.rng)), f.For/maxStrobeJumps+1)
	case ClockScramble:
		f.Select = SelectAll
		f.Amount = g.amount(g.mix.ClockJump)
	case ClockDrift:
		g.anyTarget(&f)
		f.PPM = 1 + g.rng.Int64N(max(g.mix.DriftPPM, 1))
		if g.rng.IntN(2) == 0 {
			f.PPM = -f.PPM
		}
		f.For = g.span(t)
	case ConnReset:
		g.anyTarget(&f)
	case DelaySpike:
		g.anyTarget(&f)
		f.Amount = g.amount(g.mix.DelayExtra)
		f.For = g.span(t)
	case Clog:
		g.anyTarget(&f)
		f.For = g.span(t)
		if !g.claim("clog", t, f.For) {
			return f, false
		}
	case DiskLostFsync, DiskTornTail, DiskBitFlip, DiskFailedSync:
		g.serverTarget(&f)
		f.For = g.span(t)
		if !g.claim("disk", t, f.For) {
			return f, false
		}
	default:
		return f, false
	}
	return f, true
}

// crashPoint draws a point (among the mix's Points, if it names any) and a server in the
// role that reaches it: the leader for a leader's step, a follower for a follower's, an
// observer for an observer's.
func (g *generator) crashPoint(f *Fault) bool {
	points := sortedCrashPoints
	if len(g.mix.Points) > 0 {
		points = g.mix.Points
	}
	f.Point = points[g.rng.IntN(len(points))]
	f.Nth = 1 + g.rng.IntN(3)
	switch f.Point.Role() {
	case crashpoint.Leader:
		f.Select = SelectLeader
	case crashpoint.Follower:
		f.Select = SelectFollower
	case crashpoint.Observer:
		if g.shape.Observers == 0 {
			return false
		}
		f.Nodes = []int{g.shape.Voters + 1 + g.rng.IntN(g.shape.Observers)}
	default:
		g.serverTarget(f)
	}
	return true
}

// partition draws a partition of kind f.Kind; only one is in force at a time.
func (g *generator) partition(f Fault) (Fault, bool) {
	k, t, servers := f.Kind, f.At, g.shape.Servers()
	if servers < 2 || (k == PartitionRing && servers < 4) || (k == PartitionBridge && servers < 3) {
		return f, false
	}
	f.For = g.span(t)
	if !g.claim("partition", t, f.For) {
		return f, false
	}
	switch k {
	case Partition:
		f.Groups = g.groups()
	case PartitionIsolate:
		g.serverTarget(&f)
	case PartitionOneWay:
		if g.rng.IntN(3) == 0 {
			f.Groups = Halves(g.shape.ServerIDs(), g.rng)
		} else {
			g.serverTarget(&f)
		}
	}
	return f, true
}

// groups splits the servers into two or three random non-empty groups.
func (g *generator) groups() [][]int {
	s := shuffled(g.shape.ServerIDs(), g.rng)
	n := 2
	if len(s) >= 3 && g.rng.IntN(3) == 0 {
		n = 3
	}
	// n-1 distinct cut points in 1..len(s)-1.
	cuts := shuffled(idRange(1, len(s)-1), g.rng)[:n-1]
	slices.Sort(cuts)
	var out [][]int
	prev := 0
	for _, c := range append(cuts, len(s)) {
		out = append(out, s[prev:c])
		prev = c
	}
	return sortedGroups(out...)
}
