package nemesis

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var shape5 = ClusterShape{Voters: 5, Clients: 2}

func mustFault(t testing.TB, line string) Fault {
	t.Helper()
	f, err := ParseFault(line)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestApplyCalls(t *testing.T) {
	for _, tc := range []struct {
		line  string
		setup []string // faults applied first, calls not checked
		calls []string
		nodes []int
		skip  string
	}{
		{line: "1s partition groups=1,2|3,4,5", calls: []string{"partition 1,2|3,4,5"}},
		{line: "1s partition-isolate leader", calls: []string{"partition 1|2,3,4,5"}, nodes: []int{1}},
		{line: "1s partition-isolate 4", calls: []string{"partition 4|1,2,3,5"}, nodes: []int{4}},
		{line: "1s partition-oneway leader", calls: []string{"oneway 1>2,3,4,5"}, nodes: []int{1}},
		{line: "1s partition-oneway groups=1,2|3", calls: []string{"oneway 1,2>3"}},
		{line: "1s heal", calls: []string{"heal"}},
		{line: "1s crash leader", calls: []string{"crash 1"}, nodes: []int{1}},
		{line: "1s crash 2,3", calls: []string{"crash 2", "crash 3"}, nodes: []int{2, 3}},
		{line: "1s crash 2", setup: []string{"0s crash 2"}, skip: "no node in the needed state"},
		{line: "1s crash leader", setup: []string{"0s crash 1,2,3,4,5"}, skip: "no leader"},
		{line: "1s restart all", setup: []string{"0s crash 2", "0s pause 3"}, calls: []string{"restart 2"}, nodes: []int{2}},
		{line: "1s resume all", setup: []string{"0s crash 2", "0s pause 3"}, calls: []string{"resume 3"}, nodes: []int{3}},
		{line: "1s restart 4", skip: "no node in the needed state"},
		{line: "1s pause followers", calls: []string{"pause 2", "pause 3", "pause 4", "pause 5"}, nodes: []int{2, 3, 4, 5}},
		{line: "1s crash leader", setup: []string{"0s crash 1"}, calls: []string{"crash 2"}, nodes: []int{2}},
		{line: "1s clock-bump 6 amount=-2s", calls: []string{"clock-jump 6 -2s"}, nodes: []int{6}},
		{line: "1s clock-strobe leader amount=1s period=100ms for=1s", calls: []string{"clock-jump 1 1s"}, nodes: []int{1}},
		{line: "1s clock-drift 2,3 ppm=-300", calls: []string{"clock-drift 2 -300", "clock-drift 3 -300"}, nodes: []int{2, 3}},
		{line: "1s clock-clear", calls: []string{"clear-clocks"}},
		{line: "1s conn-reset clients", calls: []string{"reset 6", "reset 7"}, nodes: []int{6, 7}},
		{line: "1s delay-spike 1,6 amount=300ms for=2s", calls: []string{"delay 1,6 300ms 2s"}, nodes: []int{1, 6}},
		{line: "1s clog leader", calls: []string{"clog 1 true"}, nodes: []int{1}},
		{line: "1s unclog 1", calls: []string{"clog 1 false"}, nodes: []int{1}},
		{line: "1s disk-torn-tail 2", calls: []string{"disk-torn-tail 2 true"}, nodes: []int{2}},
		{line: "1s disk-heal 2", calls: []string{"disk-lost-fsync 2 false", "disk-torn-tail 2 false", "disk-bit-flip 2 false", "disk-failed-sync 2 false"}, nodes: []int{2}},
		{line: "1s crash-point leader point=newleader-before-uptodate nth=2", calls: []string{"arm 1 newleader-before-uptodate 2"}, nodes: []int{1}},
		{line: "1s crash-point 3 point=snap-mid-transfer", calls: []string{"arm 3 snap-mid-transfer 1"}, nodes: []int{3}},
		{line: "1s disarm 3 point=snap-mid-transfer", calls: []string{"disarm 3 snap-mid-transfer"}, nodes: []int{3}},
		{line: "1s heal-all", setup: []string{"0s crash 2"}, calls: []string{"heal-all"}},
		{line: "1s liveness"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			r := NewRecorder(shape5)
			rng := rand.New(rand.NewPCG(1, 2))
			for _, s := range tc.setup {
				if _, err := Apply(r, mustFault(t, s), rng); err != nil {
					t.Fatal(err)
				}
			}
			r.Calls = nil
			a, err := Apply(r, mustFault(t, tc.line), rng)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Calls, tc.calls) {
				t.Errorf("calls = %q, want %q", r.Calls, tc.calls)
			}
			if !slices.Equal(a.Nodes, tc.nodes) {
				t.Errorf("nodes = %v, want %v", a.Nodes, tc.nodes)
			}
			if a.Skipped != tc.skip {
				t.Errorf("skipped = %q, want %q", a.Skipped, tc.skip)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	r := NewRecorder(ClusterShape{Voters: 3, Clients: 1})
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		f    Fault
		want error
	}{
		{Fault{Kind: Crash, Nodes: []int{9}}, ErrNodeRange},
		{Fault{Kind: DiskBitFlip, Nodes: []int{4}}, ErrNodeRange}, // a client
		{Fault{Kind: Partition, Groups: [][]int{{1}, {4}}}, ErrNodeRange},
		{Fault{Kind: "bogus"}, ErrUnknownKind},
		{Fault{Kind: Crash}, ErrBadParam},
	} {
		if _, err := Apply(r, tc.f, rng); !errors.Is(err, tc.want) {
			t.Errorf("Apply(%s) = %v, want %v", tc.f, err, tc.want)
		}
	}
	if len(r.Calls) != 0 {
		t.Errorf("bad faults reached the target: %q", r.Calls)
	}
	// A zero Recorder and a nil rng work too.
	var zero Recorder
	zero.Shape = ClusterShape{Voters: 3}
	if a, err := Apply(&zero, mustFault(t, "1s pause random"), nil); err != nil || len(a.Nodes) != 1 {
		t.Errorf("Apply with nil rng = %v, %v", a, err)
	}
}

func TestApplyRandomSelectorsPickLiveNodes(t *testing.T) {
	for seed := range uint64(50) {
		r := NewRecorder(ClusterShape{Voters: 7, Clients: 3})
		rng := rand.New(rand.NewPCG(seed, 0))
		if _, err := Apply(r, mustFault(t, "0s crash 3,5"), rng); err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{"1s pause random", "1s pause follower", "1s clog minority", "1s crash client"} {
			a, err := Apply(r, mustFault(t, line), rng)
			if err != nil {
				t.Fatal(err)
			}
			if line == "1s crash client" {
				if len(a.Nodes) != 1 || a.Nodes[0] < 8 {
					t.Fatalf("%s: nodes %v", line, a.Nodes)
				}
				continue
			}
			for _, id := range a.Nodes {
				if id == 3 || id == 5 || (line == "1s pause follower" && id == 1) {
					t.Fatalf("seed %d: %s picked %d", seed, line, id)
				}
			}
			if line == "1s clog minority" && len(a.Nodes) != 3 {
				t.Fatalf("minority of 7 = %v", a.Nodes)
			}
		}
	}
}

// connected reports who can send to whom after the recorder's partition calls.
func connected(t *testing.T, servers []int, calls []string) map[[2]int]bool {
	t.Helper()
	blocked := map[[2]int]bool{}
	for _, c := range calls {
		verb, arg, _ := strings.Cut(c, " ")
		switch verb {
		case "heal":
			clear(blocked)
		case "partition":
			group := map[int]int{}
			for gi, g := range strings.Split(arg, "|") {
				for _, id := range parseList(t, g) {
					group[id] = gi + 1
				}
			}
			for _, a := range servers {
				for _, b := range servers {
					blocked[[2]int{a, b}] = group[a] != group[b]
				}
			}
		case "oneway":
			from, to, _ := strings.Cut(arg, ">")
			for _, a := range parseList(t, from) {
				for _, b := range parseList(t, to) {
					blocked[[2]int{a, b}] = true
				}
			}
		}
	}
	out := map[[2]int]bool{}
	for _, a := range servers {
		for _, b := range servers {
			out[[2]int{a, b}] = !blocked[[2]int{a, b}]
		}
	}
	return out
}

func parseList(t *testing.T, s string) []int {
	ids, err := parseIDs(s)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkCover asserts groups are disjoint and cover nodes.
func checkCover(t *testing.T, nodes []int, groups [][]int) {
	t.Helper()
	var all []int
	for _, g := range groups {
		all = append(all, g...)
	}
	slices.Sort(all)
	if !slices.Equal(all, nodes) {
		t.Fatalf("groups %v do not partition %v", groups, nodes)
	}
}

func TestPartitionShapes(t *testing.T) {
	for n := 1; n <= 9; n++ {
		nodes := idRange(1, n)
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			h := Halves(nodes, rng)
			checkCover(t, nodes, h)
			if len(h) != 2 || len(h[0]) != n/2 {
				t.Fatalf("halves of %d: %v", n, h)
			}
			th := Third(nodes, rng)
			checkCover(t, nodes, th)
			if len(th[0]) != max(1, n/3) {
				t.Fatalf("third of %d: %v", n, th)
			}
			bridge, halves := Bridge(nodes, rng)
			checkCover(t, nodes, [][]int{{bridge}, halves[0], halves[1]})
			order, cuts := Ring(nodes, rng)
			checkCover(t, nodes, [][]int{order})
			majority := n/2 + 1
			for i, far := range cuts {
				if sees := n - len(far); sees < majority {
					t.Fatalf("ring of %d: %d sees %d < majority", n, order[i], sees)
				}
				for _, id := range far {
					j := slices.Index(order, id)
					if !slices.Contains(cuts[j], order[i]) {
						t.Fatalf("ring of %d: cut %d>%d is not symmetric", n, order[i], id)
					}
				}
			}
			if n >= 4 {
				for i := range cuts {
					if j := (i + 1) % n; slices.Equal(cuts[i], cuts[j]) {
						t.Fatalf("ring of %d: neighbours %d and %d see the same nodes", n, order[i], order[j])
					}
				}
			}
		}
	}
}

func TestApplyRingAndBridgeConnectivity(t *testing.T) {
	r := NewRecorder(shape5)
	servers := r.Nodes()
	rng := rand.New(rand.NewPCG(7, 7))
	a, err := Apply(r, mustFault(t, "1s partition-bridge"), rng)
	if err != nil {
		t.Fatal(err)
	}
	conn := connected(t, servers, r.Calls)
	bridge := a.Nodes[0]
	for _, x := range servers {
		for _, y := range servers {
			sameHalf := slices.Contains(a.Groups[0], x) == slices.Contains(a.Groups[0], y)
			want := x == bridge || y == bridge || sameHalf
			if conn[[2]int{x, y}] != want {
				t.Fatalf("bridge %d halves %v: %d->%d connected=%v", bridge, a.Groups, x, y, !want)
			}
		}
	}
	r.Calls = nil
	a, err = Apply(r, mustFault(t, "1s partition-ring"), rng)
	if err != nil {
		t.Fatal(err)
	}
	conn = connected(t, servers, r.Calls)
	for i, x := range a.Nodes {
		for j, y := range a.Nodes {
			d := min((i-j+5)%5, (j-i+5)%5)
			if conn[[2]int{x, y}] != (d <= 1) {
				t.Fatalf("ring %v: %d->%d at distance %d", a.Nodes, x, y, d)
			}
		}
	}
}

func TestFollowUps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"1s crash leader for=2s", []string{"3s restart 1"}},
		{"1s pause 2,3 for=500ms", []string{"1.5s resume 2,3"}},
		{"1s partition-halves for=1s", []string{"2s heal"}},
		{"1s clog 4 for=1s", []string{"2s unclog 4"}},
		{"1s clock-drift 4 ppm=100 for=1s", []string{"2s clock-drift 4 ppm=0"}},
		{"1s disk-lost-fsync 2 for=1s", []string{"2s disk-heal 2"}},
		{"1s crash-point 2 point=snap-mid-transfer for=1s", []string{"2s disarm 2 point=snap-mid-transfer", "2s restart 2"}},
		{"1s clock-strobe 3 amount=1s period=300ms for=1s", []string{
			"1.3s clock-bump 3 amount=-1s", "1.6s clock-bump 3 amount=1s", "1.9s clock-bump 3 amount=-1s"}},
		{"1s clock-strobe 3 amount=1s period=400ms for=1s", []string{
			"1.4s clock-bump 3 amount=-1s", "1.8s clock-bump 3 amount=1s", "2s clock-bump 3 amount=-1s"}},
		{"1s crash leader", nil},
		{"1s delay-spike 1 amount=1s for=1s", nil},
	} {
		a, err := Apply(NewRecorder(shape5), mustFault(t, tc.line), rng)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range FollowUps(a) {
			if err := f.Validate(); err != nil {
				t.Errorf("%s: invalid follow-up %s: %v", tc.line, f, err)
			}
			got = append(got, f.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: follow-ups %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestRunner(t *testing.T) {
	s, err := ParseSchedule(`
1s crash leader for=2s
2s partition-isolate leader for=1s
3s crash 2
5s heal-all
5s liveness
`)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecorder(shape5)
	run := NewRunner(s, 42)
	applied, err := drive(run, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, a := range applied {
		lines = append(lines, a.String())
	}
	want := []string{
		"1s crash leader for=2s => nodes=1",
		"2s partition-isolate leader for=1s => nodes=2 groups=2|1,3,4,5",
		"3s restart 1 => nodes=1", // the follow-up goes first at the same time
		"3s heal => done",
		"3s crash 2 => nodes=2",
		"5s heal-all => done",
		"5s liveness => done",
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("applied:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if got := len(run.Applied()); got != len(want) {
		t.Fatalf("Applied() has %d entries", got)
	}
	if r.Down() != 0 {
		t.Fatalf("%d voters down after heal-all", r.Down())
	}
}

func TestRunnerLateAdvanceAndErrors(t *testing.T) {
	s, _ := ParseSchedule("1s crash 3 for=1s\n2s crash 9\n4s heal-all\n4s liveness\n")
	run := NewRunner(s, 1)
	r := NewRecorder(shape5)
	// A driver that wakes late applies everything due, follow-ups timed from when
	// the fault was really applied.
	done, err := run.Advance(r, 1500*time.Millisecond)
	if err != nil || len(done) != 1 {
		t.Fatalf("Advance = %v, %v", done, err)
	}
	if at, _ := run.Next(); at != 2*time.Second {
		t.Fatalf("Next = %v", at)
	}
	if p := run.Pending(); len(p) != 4 || p[1].String() != "2.5s restart 3" {
		t.Fatalf("Pending = %v", p)
	}
	_, err = run.Advance(r, 2*time.Second)
	if !errors.Is(err, ErrNodeRange) || !strings.Contains(err.Error(), "nemesis at 2s") {
		t.Fatalf("Advance = %v, want ErrNodeRange at 2s", err)
	}
}

// The random choices of a fault do not depend on the other faults, so a shrinker
// removing one fault does not change what the others do.
func TestRunnerChoicesAreStableUnderRemoval(t *testing.T) {
	s, _ := ParseSchedule("1s partition-halves for=1s\n3s pause random for=1s\n5s partition-ring\n6s heal-all\n6s liveness\n")
	applied := func(s Schedule) map[string]string {
		run := NewRunner(s, 9)
		if _, err := run.Advance(NewRecorder(ClusterShape{Voters: 7}), time.Minute); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range run.Applied() {
			out[a.Fault.String()] = a.String()
		}
		return out
	}
	full, less := applied(s), applied(s.Without(1))
	for _, line := range []string{"1s partition-halves for=1s", "5s partition-ring"} {
		if full[line] == "" || full[line] != less[line] {
			t.Fatalf("%s: %q vs %q", line, full[line], less[line])
		}
	}
	if !reflect.DeepEqual(applied(s), full) {
		t.Fatal("runner is not deterministic")
	}
}
