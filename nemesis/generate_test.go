package nemesis

import (
	"errors"
	"flag"
	"fmt"
	"github.com/zksim/zksim/protocol/crashpoint"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var shapes = []ClusterShape{
	{Voters: 1, Clients: 1},
	{Voters: 3},
	{Voters: 3, Observers: 1, Clients: 3},
	{Voters: 5, Clients: 5},
	{Voters: 7, Observers: 2, Clients: 2},
}

func mustGenerate(t testing.TB, seed uint64, mix Mix, shape ClusterShape, safety time.Duration) Schedule {
	t.Helper()
	s, err := Generate(seed, mix, shape, safety)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGenerateDeterministic(t *testing.T) {
	a := mustGenerate(t, 7, DefaultMix(), shape5, time.Minute).String()
	b := mustGenerate(t, 7, DefaultMix(), shape5, time.Minute).String()
	if a != b {
		t.Fatalf("same seed, different schedules:\n%s\n%s", a, b)
	}
	if c := mustGenerate(t, 8, DefaultMix(), shape5, time.Minute).String(); c == a {
		t.Fatal("seeds 7 and 8 gave the same schedule")
	}
	// Golden: a change to generation shows up here, so that old seeds are known to
	// replay differently.
	golden := filepath.Join("testdata", "generate-seed7.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(a), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if a != string(want) {
		t.Fatalf("schedule for seed 7 changed (run with -update if intended):\n%s", a)
	}
}

// drive runs a runner to the end against t, calling after (if set) after each step.
func drive(run *Runner, t Target, after func(at time.Duration) error) ([]Applied, error) {
	var applied []Applied
	for {
		at, ok := run.Next()
		if !ok {
			return applied, nil
		}
		done, err := run.Advance(t, at)
		applied = append(applied, done...)
		if err != nil {
			return applied, err
		}
		if after != nil {
			if err := after(at); err != nil {
				return applied, err
			}
		}
	}
}

// runAll applies s to a recorder that fires every armed crash point, checking after
// each step that no more voters are down than limit; it returns the most seen down at
// once.
func runAll(t *testing.T, s Schedule, shape ClusterShape, seed uint64, limit int) (maxDown int, applied []Applied) {
	t.Helper()
	r := NewRecorder(shape)
	r.FireCrashPoints = true
	applied, err := drive(NewRunner(s, seed), r, func(at time.Duration) error {
		maxDown = max(maxDown, r.Down())
		if r.Down() > limit {
			return fmt.Errorf("%d voters down at %v, limit %d", r.Down(), at, limit)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed %d shape %+v: %v\n%s", seed, shape, err, s)
	}
	if r.Down() != 0 {
		t.Fatalf("seed %d: %d voters down at the end", seed, r.Down())
	}
	return maxDown, applied
}

func checkGenerated(t *testing.T, s Schedule, shape ClusterShape, safety time.Duration) {
	t.Helper()
	if err := s.ValidateFor(shape); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	if end, ok := s.SafetyEnd(); !ok || end != safety {
		t.Fatalf("safety ends at %v, want %v", end, safety)
	}
	for _, f := range s[:len(s)-2] {
		if f.At >= safety || f.At+f.For > safety {
			t.Fatalf("%s reaches past the safety phase %v", f, safety)
		}
		if f.Kind == Partition {
			checkCover(t, shape.ServerIDs(), f.Groups)
		}
		if f.Kind == ArmCrashPoint {
			role := f.Point.Role()
			if (role == crashpoint.Leader && f.Select != SelectLeader) || (role == crashpoint.Follower && f.Select != SelectFollower) ||
				(role == crashpoint.Observer && (len(f.Nodes) != 1 || f.Nodes[0] <= shape.Voters)) {
				t.Fatalf("%s: armed on a server that cannot reach it", f)
			}
		}
	}
}

func TestGenerateConstraints(t *testing.T) {
	const safety = 30 * time.Second
	for _, shape := range shapes {
		worst := 0
		for seed := range uint64(60) {
			s := mustGenerate(t, seed, DefaultMix(), shape, safety)
			checkGenerated(t, s, shape, safety)
			down, applied := runAll(t, s, shape, seed, shape.Minority())
			worst = max(worst, down)
			for _, a := range applied {
				switch a.Fault.Kind {
				case PartitionHalves, PartitionThird, PartitionIsolate, Partition:
					if a.Skipped == "" {
						checkCover(t, shape.ServerIDs(), a.Groups)
					}
				}
			}
		}
		if shape.Minority() > 0 && worst != shape.Minority() {
			t.Errorf("shape %+v: at most %d voters ever down, want schedules that reach the minority %d", shape, worst, shape.Minority())
		}
	}
}

func TestGenerateQuorumLoss(t *testing.T) {
	mix := DefaultMix()
	mix.Weights = map[Kind]int{Crash: 1, Pause: 1}
	mix.AllowQuorumLoss = true
	mix.Gap = 200 * time.Millisecond
	worst := 0
	for seed := range uint64(30) {
		s := mustGenerate(t, seed, mix, shape5, 20*time.Second)
		down, _ := runAll(t, s, shape5, seed, 5)
		worst = max(worst, down)
	}
	if worst <= shape5.Minority() {
		t.Fatalf("allow-quorum-loss never took down more than %d voters", worst)
	}
	mix.MaxDown = 1
	for seed := range uint64(30) {
		runAll(t, mustGenerate(t, seed, mix, shape5, 20*time.Second), shape5, seed, 1)
	}
}

func TestGenerateSwarm(t *testing.T) {
	mixes := map[string]bool{}
	for seed := range uint64(100) {
		s := mustGenerate(t, seed, DefaultMix(), shape5, time.Minute)
		var present []string
		for _, f := range s {
			if !slices.Contains(present, string(f.Kind)) {
				present = append(present, string(f.Kind))
			}
		}
		slices.Sort(present)
		mixes[strings.Join(present, ",")] = true
	}
	if len(mixes) < 60 {
		t.Fatalf("100 seeds covered only %d fault mixes", len(mixes))
	}
	// Fixed mixes skip the draw: every enabled kind shows up.
	fixed := DefaultMix()
	fixed.Fixed = true
	fixed.Gap = 100 * time.Millisecond
	s := mustGenerate(t, 1, fixed, shape5, 2*time.Minute)
	for _, k := range generated {
		if !slices.ContainsFunc(s, func(f Fault) bool { return f.Kind == k }) {
			t.Errorf("fixed default mix never generated %s", k)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	bad := DefaultMix()
	bad.Weights = map[Kind]int{HealAll: 1}
	negative := DefaultMix()
	negative.Weights = map[Kind]int{Crash: -1, Pause: 2}
	noGap := DefaultMix()
	noGap.Gap = 0
	for _, tc := range []struct {
		name   string
		mix    Mix
		shape  ClusterShape
		safety time.Duration
		want   error
	}{
		{"structural kind", bad, shape5, time.Second, ErrBadMix},
		{"negative weight", negative, shape5, time.Second, ErrBadMix},
		{"no gap", noGap, shape5, time.Second, ErrBadMix},
		{"no voters", DefaultMix(), ClusterShape{}, time.Second, ErrBadShape},
		{"negative clients", DefaultMix(), ClusterShape{Voters: 3, Clients: -1}, time.Second, ErrBadShape},
		{"no safety", DefaultMix(), shape5, 0, ErrBadSchedule},
	} {
		if _, err := Generate(1, tc.mix, tc.shape, tc.safety); !errors.Is(err, tc.want) {
			t.Errorf("%s: Generate = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestGenerateIsBounded(t *testing.T) {
	mix := DefaultMix()
	mix.Gap, mix.Fixed = time.Millisecond, true
	mix.Weights = map[Kind]int{ConnReset: 1}
	s := mustGenerate(t, 1, mix, shape5, maxSpan)
	if len(s) > maxSlots+2 {
		t.Fatalf("%d faults, want at most %d", len(s), maxSlots+2)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateWithoutFaults(t *testing.T) {
	zero := DefaultMix()
	zero.Weights = map[Kind]int{Crash: 0}
	for _, mix := range []Mix{{}, zero} {
		s := mustGenerate(t, 1, mix, shape5, 5*time.Second)
		if got := s.String(); got != "# nemesis schedule: 2 faults, liveness from 5s\n5s heal-all\n5s liveness\n" {
			t.Fatalf("empty mix gave:\n%s", got)
		}
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("crash=3, partition-halves, gap=500ms,for=1s..2s,max-down=1,clock-jump=3s,drift-ppm=50,delay=1s,allow-quorum-loss,fixed")
	if err != nil {
		t.Fatal(err)
	}
	want := Mix{Weights: map[Kind]int{Crash: 3, PartitionHalves: 1}, Gap: 500 * time.Millisecond,
		For: Range{time.Second, 2 * time.Second}, MaxDown: 1, AllowQuorumLoss: true,
		ClockJump: 3 * time.Second, DriftPPM: 50, DelayExtra: time.Second, Fixed: true}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("ParseMix = %+v, want %+v", m, want)
	}
	again, err := ParseMix(m.String())
	if err != nil || !reflect.DeepEqual(again, m) {
		t.Fatalf("round trip %q: %+v, %v", m.String(), again, err)
	}
	def, err := ParseMix("")
	if err != nil || !maps.Equal(def.Weights, DefaultMix().Weights) {
		t.Fatalf("empty mix = %+v, %v", def, err)
	}
	for _, text := range []string{"crash=x", "explode=1", "points=nowhere", "points=follower-append-before-fsync+", "gap=soon", "for=1s", "for=2s..1s", "heal-all=1", "drift-ppm=9999999", "crash=-1"} {
		if _, err := ParseMix(text); !errors.Is(err, ErrBadMix) {
			t.Errorf("ParseMix(%q) = %v, want ErrBadMix", text, err)
		}
	}
}

// A mix that names crash points arms only those, and keeps them through its text form
// and the per-seed swarm draw.
func TestMixPointsAimCrashPoints(t *testing.T) {
	m, err := ParseMix("crash-point=1,points=follower-append-before-fsync+leader-commit-partial,gap=200ms")
	if err != nil {
		t.Fatal(err)
	}
	want := []CrashPoint{FollowerAppendBeforeFsync, LeaderCommitPartial}
	if !reflect.DeepEqual(m.Points, want) {
		t.Fatalf("points = %v, want %v", m.Points, want)
	}
	again, err := ParseMix(m.String())
	if err != nil || !reflect.DeepEqual(again, m) {
		t.Fatalf("round trip %q: %+v, %v", m.String(), again, err)
	}
	seen := map[CrashPoint]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		for _, f := range mustGenerate(t, seed, m, shape5, 20*time.Second) {
			if f.Kind == ArmCrashPoint {
				seen[f.Point] = true
			}
		}
	}
	if len(seen) != len(want) || !seen[want[0]] || !seen[want[1]] {
		t.Fatalf("armed points %v, want exactly %v", seen, want)
	}
}
