package nemesis

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Range is a closed interval of durations.
type Range struct{ Min, Max time.Duration }

func (r Range) valid() bool { return r.Min > 0 && r.Min <= r.Max && r.Max <= maxSpan }

func (r Range) draw(rng *rand.Rand) time.Duration {
	return r.Min + time.Duration(rng.Int64N(int64(r.Max-r.Min)+1))
}

// Mix says which faults a schedule may contain and how hard they hit. Unless Fixed,
// Generate first draws a sub-mix from it per seed (swarm testing): a random subset of
// the kinds with reshuffled weights and a random intensity within these bounds, so a
// sweep over seeds covers many fault mixes.
type Mix struct {
	// Weights are the kinds that may occur, with relative weights.
	Weights map[Kind]int
	// Gap is the mean time between faults.
	Gap time.Duration
	// For is how long a fault with an end lasts (crash, pause, partition, clog...).
	For Range
	// MaxDown bounds the servers crashed or paused at once (crash points count as
	// crashed while armed). Zero means a minority of the voters. More than a minority
	// needs AllowQuorumLoss.
	MaxDown         int
	AllowQuorumLoss bool
	// ClockJump bounds clock bumps, strobes and scrambles; DriftPPM bounds drift;
	// DelayExtra bounds delay spikes.
	ClockJump  time.Duration
	DriftPPM   int64
	DelayExtra time.Duration
	// Points, when set, are the only crash points crash-point faults arm: a scenario
	// aims them at the protocol steps a bug lives in. Empty means every point.
	Points []CrashPoint
	// Fixed uses the mix exactly as given, with no per-seed draw.
	Fixed bool
}

// DefaultMix enables every fault kind.
func DefaultMix() Mix {
	m := Mix{
		Weights:    map[Kind]int{},
		Gap:        time.Second,
		For:        Range{200 * time.Millisecond, 5 * time.Second},
		ClockJump:  10 * time.Second,
		DriftPPM:   100_000,
		DelayExtra: time.Second,
	}
	for _, k := range generated {
		m.Weights[k] = 1
	}
	m.Weights[Crash], m.Weights[PartitionHalves], m.Weights[PartitionIsolate] = 3, 2, 2
	return m
}

// generated lists the kinds Generate knows how to draw, in a fixed order.
var generated = []Kind{
	Partition, PartitionHalves, PartitionIsolate, PartitionThird, PartitionRing, PartitionBridge,
	PartitionOneWay, Crash, Pause, ClockBump, ClockStrobe, ClockScramble, ClockDrift, ConnReset,
	DelaySpike, Clog, DiskLostFsync, DiskTornTail, DiskBitFlip, DiskFailedSync, ArmCrashPoint,
}

// Validate checks the mix.
func (m Mix) Validate() error {
	total := 0
	for _, k := range slices.Sorted(maps.Keys(m.Weights)) {
		w := m.Weights[k]
		if !slices.Contains(generated, k) {
			return fmt.Errorf("%w: %q cannot be generated (kinds: %v)", ErrBadMix, k, generated)
		}
		if w < 0 || w > 1000 {
			return fmt.Errorf("%w: weight %s=%d: want 0..1000", ErrBadMix, k, w)
		}
		total += w
	}
	switch {
	case total == 0:
		return fmt.Errorf("%w: no fault kind has a weight", ErrBadMix)
	case m.Gap < time.Millisecond || m.Gap > maxSpan:
		return fmt.Errorf("%w: gap %v: want 1ms..%v", ErrBadMix, m.Gap, maxSpan)
	case !m.For.valid():
		return fmt.Errorf("%w: for %v..%v: want 0 < min <= max", ErrBadMix, m.For.Min, m.For.Max)
	case m.MaxDown < 0:
		return fmt.Errorf("%w: max-down %d", ErrBadMix, m.MaxDown)
	case m.ClockJump < 0 || m.ClockJump > maxSpan || m.DelayExtra < 0 || m.DelayExtra > maxSpan:
		return fmt.Errorf("%w: clock jump %v, delay %v: want 0..%v", ErrBadMix, m.ClockJump, m.DelayExtra, maxSpan)
	case m.DriftPPM < 0 || m.DriftPPM > maxDriftPPM:
		return fmt.Errorf("%w: drift %d ppm: want 0..%d", ErrBadMix, m.DriftPPM, maxDriftPPM)
	}
	for _, p := range m.Points {
		if !p.Valid() {
			return fmt.Errorf("%w: unknown crash point %q", ErrBadMix, p)
		}
	}
	return nil
}

// String prints the mix in the form ParseMix reads: weights then options, e.g.
// "crash=3,partition-halves=1,gap=1s,for=200ms..5s,max-down=1".
func (m Mix) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m.Weights)) {
		if m.Weights[k] > 0 {
			parts = append(parts, string(k)+"="+strconv.Itoa(m.Weights[k]))
		}
	}
	parts = append(parts, "gap="+m.Gap.String(), "for="+m.For.Min.String()+".."+m.For.Max.String(),
		"max-down="+strconv.Itoa(m.MaxDown), "clock-jump="+m.ClockJump.String(),
		"drift-ppm="+strconv.FormatInt(m.DriftPPM, 10), "delay="+m.DelayExtra.String())
	if len(m.Points) > 0 {
		names := make([]string, len(m.Points))
		for i, p := range m.Points {
			names[i] = string(p)
		}
		parts = append(parts, "points="+strings.Join(names, "+"))
	}
	if m.AllowQuorumLoss {
		parts = append(parts, "allow-quorum-loss")
	}
	if m.Fixed {
		parts = append(parts, "fixed")
	}
	return strings.Join(parts, ",")
}

// ParseMix reads a comma-separated mix: kind=weight entries and the options gap=,
// for=min..max, max-down=, clock-jump=, drift-ppm=, delay=, points=a+b (the crash
// points crash-point faults may arm), allow-quorum-loss, fixed.
// Options not given keep DefaultMix's values; if no kind is given, all are enabled.
func ParseMix(text string) (Mix, error) {
	m := DefaultMix()
	weights := map[Kind]int{}
	for item := range strings.SplitSeq(text, ",") {
		item = strings.TrimSpace(item)
		key, val, _ := strings.Cut(item, "=")
		var err error
		switch key {
		case "":
			continue
		case "allow-quorum-loss":
			m.AllowQuorumLoss = true
		case "fixed":
			m.Fixed = true
		case "gap":
			m.Gap, err = parseDuration(key, val)
		case "clock-jump":
			m.ClockJump, err = parseDuration(key, val)
		case "delay":
			m.DelayExtra, err = parseDuration(key, val)
		case "for":
			lo, hi, ok := strings.Cut(val, "..")
			if !ok {
				return Mix{}, fmt.Errorf("%w: for=%q: want min..max", ErrBadMix, val)
			}
			if m.For.Min, err = parseDuration(key, lo); err == nil {
				m.For.Max, err = parseDuration(key, hi)
			}
		case "max-down":
			m.MaxDown, err = strconv.Atoi(val)
		case "drift-ppm":
			m.DriftPPM, err = strconv.ParseInt(val, 10, 64)
		case "points":
			m.Points = nil
			for name := range strings.SplitSeq(val, "+") {
				m.Points = append(m.Points, CrashPoint(strings.TrimSpace(name)))
			}
		default:
			if !Kind(key).Valid() {
				return Mix{}, fmt.Errorf("%w: %w: %q", ErrBadMix, ErrUnknownKind, key)
			}
			w := 1
			if val != "" {
				w, err = strconv.Atoi(val)
			}
			weights[Kind(key)] = w
		}
		if err != nil {
			return Mix{}, fmt.Errorf("%w: %q: %w", ErrBadMix, item, err)
		}
	}
	if len(weights) > 0 {
		m.Weights = weights
	}
	if err := m.Validate(); err != nil {
		return Mix{}, err
	}
	return m, nil
}

// empty reports whether no kind has a positive weight: the mix injects nothing.
func (m Mix) empty() bool {
	for _, w := range m.Weights {
		if w > 0 {
			return false
		}
	}
	return true
}

// maxDown is the bound on servers down at once for shape.
func (m Mix) maxDown(shape ClusterShape) int {
	limit := shape.Minority()
	if m.AllowQuorumLoss {
		limit = shape.Servers()
	}
	if m.MaxDown > 0 {
		return min(m.MaxDown, limit)
	}
	return limit
}

// Swarm draws this seed's sub-mix: each kind stays with probability 1/2 (at least one
// stays) with its weight multiplied by 1..4, and every intensity is drawn within the
// mix's bounds.
func (m Mix) Swarm(rng *rand.Rand) Mix {
	out := m
	out.Weights = map[Kind]int{}
	out.Points = slices.Clone(m.Points)
	var enabled []Kind
	for _, k := range slices.Sorted(maps.Keys(m.Weights)) {
		if m.Weights[k] > 0 {
			enabled = append(enabled, k)
		}
	}
	for _, k := range enabled {
		if rng.IntN(2) == 0 {
			out.Weights[k] = m.Weights[k] * (1 + rng.IntN(4))
		}
	}
	if len(out.Weights) == 0 && len(enabled) > 0 {
		k := enabled[rng.IntN(len(enabled))]
		out.Weights[k] = m.Weights[k]
	}
	out.Gap = max(time.Millisecond, m.Gap/4+time.Duration(rng.Int64N(int64(m.Gap)*7/4+1)))
	out.For.Max = Range{m.For.Min, m.For.Max}.draw(rng)
	if m.MaxDown > 0 {
		out.MaxDown = 1 + rng.IntN(m.MaxDown)
	} else if rng.IntN(2) == 0 {
		out.MaxDown = 1
	}
	out.ClockJump = time.Duration(rng.Int64N(int64(m.ClockJump) + 1))
	out.DriftPPM = rng.Int64N(m.DriftPPM + 1)
	out.DelayExtra = time.Duration(rng.Int64N(int64(m.DelayExtra) + 1))
	out.Fixed = true
	return out
}
