package nemesis

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestShrink(t *testing.T) {
	s := mustGenerate(t, 3, DefaultMix(), shape5, 2*time.Minute)
	removable := s.Removable()
	if len(removable) < 20 {
		t.Fatalf("want a long schedule to shrink, got %d faults", len(removable))
	}
	a, b := s[removable[4]].String(), s[removable[len(removable)-3]].String()
	has := func(s Schedule, line string) bool {
		return slices.ContainsFunc(s, func(f Fault) bool { return f.String() == line })
	}
	for _, tc := range []struct {
		name  string
		fails func(Schedule) bool
		want  []string
	}{
		{"two faults together", func(s Schedule) bool { return has(s, a) && has(s, b) }, []string{a, b}},
		{"one fault", func(s Schedule) bool { return has(s, b) }, []string{b}},
		{"either fault", func(s Schedule) bool { return has(s, a) || has(s, b) }, nil}, // one of them
		{"always", func(Schedule) bool { return true }, []string{}},
		{"three conn-resets", func(s Schedule) bool {
			n := 0
			for _, f := range s {
				if f.Kind == ConnReset {
					n++
				}
			}
			return n >= 3
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			fails := func(s Schedule) bool {
				calls++
				if err := s.Validate(); err != nil {
					t.Fatalf("shrinker tried an invalid schedule: %v", err)
				}
				return tc.fails(s)
			}
			got := Shrink(s, fails)
			if !tc.fails(got) {
				t.Fatalf("shrunk schedule passes:\n%s", got)
			}
			var lines []string
			for _, i := range got.Removable() {
				lines = append(lines, got[i].String())
			}
			switch tc.name {
			case "either fault":
				if len(lines) != 1 || (lines[0] != a && lines[0] != b) {
					t.Fatalf("got %q, want one of %q %q", lines, a, b)
				}
			case "three conn-resets":
				if len(lines) != 3 {
					t.Fatalf("got %q, want three conn-resets", lines)
				}
			default:
				if !slices.Equal(lines, tc.want) && !(len(lines) == 0 && len(tc.want) == 0) {
					t.Fatalf("got %q, want %q", lines, tc.want)
				}
			}
			// 1-minimal: dropping any remaining fault makes it pass.
			for _, i := range got.Removable() {
				if tc.fails(got.Without(i)) {
					t.Fatalf("not minimal: still fails without %s", got[i])
				}
			}
			if calls > 4*len(removable)*len(removable) {
				t.Fatalf("%d calls for %d faults", calls, len(removable))
			}
			t.Logf("%d faults -> %d in %d runs", len(removable), len(lines), calls)
		})
	}
}

func TestShrinkCachesRuns(t *testing.T) {
	s := mustGenerate(t, 5, DefaultMix(), shape5, time.Minute)
	seen := map[string]bool{}
	Shrink(s, func(s Schedule) bool {
		key := s.String()
		if seen[key] {
			t.Fatalf("ran the same schedule twice:\n%s", key)
		}
		seen[key] = true
		return strings.Contains(key, "partition")
	})
}

// ShrinkParallel takes the same path as Shrink, whatever the number of workers, and
// does run candidates side by side.
func TestShrinkParallelMatchesShrink(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		s := mustGenerate(t, seed, DefaultMix(), shape5, 2*time.Minute)
		removable := s.Removable()
		// A failure that needs two faults far apart and one of a kind.
		a, b := s[removable[1]].String(), s[removable[len(removable)-2]].String()
		fails := func(s Schedule) bool {
			var hasA, hasB bool
			resets := 0
			for _, f := range s {
				hasA = hasA || f.String() == a
				hasB = hasB || f.String() == b
				if f.Kind == ConnReset {
					resets++
				}
			}
			return hasA && hasB || resets >= 2
		}
		want := Shrink(s, fails).String()
		for _, workers := range []int{2, 3, 8} {
			var inFlight, most atomic.Int32
			got := ShrinkParallel(s, func(s Schedule) bool {
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond) // let the window's other calls start
				defer inFlight.Add(-1)
				return fails(s)
			}, workers)
			if got.String() != want {
				t.Fatalf("seed %d, %d workers: got\n%s\nwant\n%s", seed, workers, got, want)
			}
			if most.Load() < 2 {
				t.Fatalf("seed %d, %d workers: never ran two candidates at once", seed, workers)
			}
		}
	}
}
