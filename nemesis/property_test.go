package nemesis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawMix draws a random valid mix.
func drawMix(t *rapid.T) Mix {
	m := Mix{Weights: map[Kind]int{}}
	for _, k := range rapid.SliceOfNDistinct(rapid.SampledFrom(generated), 1, -1, rapid.ID[Kind]).Draw(t, "kinds") {
		m.Weights[k] = rapid.IntRange(1, 10).Draw(t, "weight")
	}
	m.Gap = time.Duration(rapid.Int64Range(int64(10*time.Millisecond), int64(5*time.Second)).Draw(t, "gap"))
	lo := time.Duration(rapid.Int64Range(1, int64(10*time.Second)).Draw(t, "for-min"))
	m.For = Range{lo, lo + time.Duration(rapid.Int64Range(0, int64(10*time.Second)).Draw(t, "for-span"))}
	m.MaxDown = rapid.IntRange(0, 4).Draw(t, "max-down")
	m.AllowQuorumLoss = rapid.Bool().Draw(t, "quorum-loss")
	m.ClockJump = time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "clock-jump"))
	m.DriftPPM = rapid.Int64Range(0, maxDriftPPM).Draw(t, "drift")
	m.DelayExtra = time.Duration(rapid.Int64Range(0, int64(5*time.Second)).Draw(t, "delay"))
	m.Fixed = rapid.Bool().Draw(t, "fixed")
	return m
}

func drawShape(t *rapid.T) ClusterShape {
	return ClusterShape{
		Voters:    rapid.IntRange(1, 9).Draw(t, "voters"),
		Observers: rapid.IntRange(0, 3).Draw(t, "observers"),
		Clients:   rapid.IntRange(0, 5).Draw(t, "clients"),
	}
}

// For random mixes, shapes and seeds: the schedule is well-formed, round-trips through
// its text form, stays within the down bound when run, and ends healed.
func TestPropertyGenerate(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		mix, shape := drawMix(rt), drawShape(rt)
		if err := mix.Validate(); err != nil {
			rt.Fatalf("drew an invalid mix: %v", err)
		}
		seed := rapid.Uint64().Draw(rt, "seed")
		safety := time.Duration(rapid.Int64Range(int64(time.Millisecond), int64(30*time.Second)).Draw(rt, "safety"))
		s, err := Generate(seed, mix, shape, safety)
		if err != nil {
			rt.Fatal(err)
		}
		if err := s.ValidateFor(shape); err != nil {
			rt.Fatalf("%v\n%s", err, s)
		}
		again, err := ParseSchedule(s.String())
		if err != nil {
			rt.Fatalf("%v\n%s", err, s)
		}
		if !reflect.DeepEqual(again, s) {
			rt.Fatalf("text round trip changed the schedule:\n%s\n%s", s, again)
		}
		limit := mix.maxDown(shape)
		r := NewRecorder(shape)
		r.FireCrashPoints = true
		_, err = drive(NewRunner(s, seed), r, func(at time.Duration) error {
			if r.Down() > limit {
				return fmt.Errorf("%d voters down at %v, limit %d", r.Down(), at, limit)
			}
			return nil
		})
		if err != nil {
			rt.Fatalf("%v\n%s", err, s)
		}
		if r.Down() != 0 {
			rt.Fatalf("%d voters down after the final heal", r.Down())
		}
	})
}

// drawFault draws a fault of any kind, with fields drawn where the kind takes them.
func drawFault(rt *rapid.T) Fault {
	kind := rapid.SampledFrom(kindList()).Draw(rt, "kind")
	info := kinds[kind]
	f := Fault{At: time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(rt, "at")), Kind: kind}
	if kind.accepts("groups") && (kind == Partition || rapid.Bool().Draw(rt, "groups")) {
		ids := rapid.SliceOfNDistinct(rapid.IntRange(1, 9), 2, 9, rapid.ID[int]).Draw(rt, "ids")
		cut := rapid.IntRange(1, len(ids)-1).Draw(rt, "cut")
		f.Groups = [][]int{ids[:cut], ids[cut:]}
	}
	if info.target != noTarget && len(f.Groups) == 0 {
		if rapid.Bool().Draw(rt, "explicit") {
			most, top := 4, 20
			if kind == PartitionIsolate {
				most = 1
			}
			if info.target == serverTarget {
				top = 9
			}
			f.Nodes = rapid.SliceOfNDistinct(rapid.IntRange(1, top), 1, most, rapid.ID[int]).Draw(rt, "nodes")
		} else {
			sels := []Selector{SelectLeader, SelectFollower, SelectRandom}
			if kind != PartitionIsolate {
				sels = append(sels, SelectFollowers, SelectMinority, SelectAll)
			}
			if info.target == anyNodeTarget {
				sels = append(sels, SelectClient, SelectClients)
			}
			f.Select = rapid.SampledFrom(sels).Draw(rt, "selector")
		}
	}
	if kind.accepts("point") {
		f.Point = CrashPoint(rapid.SampledFrom(CrashPoints()).Draw(rt, "point").Name)
	}
	if kind.accepts("nth") {
		f.Nth = rapid.IntRange(0, 5).Draw(rt, "nth")
	}
	if kind.accepts("amount") {
		f.Amount = time.Duration(rapid.Int64Range(1, int64(time.Minute)).Draw(rt, "amount"))
		if kind == ClockBump && rapid.Bool().Draw(rt, "back") {
			f.Amount = -f.Amount
		}
	}
	if kind.accepts("period") {
		f.Period = time.Duration(rapid.Int64Range(int64(time.Millisecond), int64(time.Second)).Draw(rt, "period"))
	}
	if kind.accepts("ppm") {
		f.PPM = rapid.Int64Range(-maxDriftPPM, maxDriftPPM).Draw(rt, "ppm")
	}
	if kind.accepts("for") {
		f.For = time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(rt, "for"))
		if kind == ClockStrobe || kind == DelaySpike {
			f.For = max(f.For, f.Period, 1)
		}
	}
	return f
}

// Any fault drawn by the rules validates, prints to a line that parses back to it, and
// is applied to a cluster without a target error when its nodes exist.
func TestPropertyFaultRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := drawFault(rt)
		if err := f.Validate(); err != nil {
			rt.Fatalf("%s: %v", f, err)
		}
		got, err := ParseFault(f.String())
		if err != nil {
			rt.Fatalf("%s: %v", f, err)
		}
		if !reflect.DeepEqual(got, f) {
			rt.Fatalf("round trip: %#v -> %q -> %#v", f, f.String(), got)
		}
		r := NewRecorder(ClusterShape{Voters: 9, Clients: 11})
		a, err := Apply(r, f, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			rt.Fatalf("Apply(%s): %v", f, err)
		}
		for _, g := range FollowUps(a) {
			if err := g.Validate(); err != nil {
				rt.Fatalf("follow-up %s of %s: %v", g, f, err)
			}
		}
	})
}

func kindList() []Kind {
	var out []Kind
	for _, e := range Kinds() {
		out = append(out, Kind(e.Name))
	}
	return out
}
