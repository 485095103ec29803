package main

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

func TestFailedProperties(t *testing.T) {
	r := scenarios.Result{
		Report: checker.Report{Results: []checker.Result{
			{Property: checker.PropLinearizable, Verdict: checker.Fail},
			{Property: checker.PropWriteOrder, Verdict: checker.Pass},
			{Property: checker.PropZabConverged, Verdict: checker.Fail},
			{Property: checker.PropLinearizable, Verdict: checker.Fail},
		}},
		Problems: []string{"liveness: budget: the ensemble is livelocked"},
	}
	got := failedProperties(r)
	want := []string{string(checker.PropLinearizable), string(checker.PropZabConverged), harnessProblem}
	if !slices.Equal(got, want) {
		t.Fatalf("failedProperties = %v, want %v", got, want)
	}
	if got := failedProperties(scenarios.Result{}); len(got) != 0 {
		t.Fatalf("a passing run fails %v", got)
	}
}

// fakeRun answers from fixed verdicts: with the bug on a candidate fails buggy, and
// with it off clean.
func fakeRun(buggy, clean []string, err error) runFunc {
	return func(_ nemesis.Schedule, bugOn bool) ([]string, error) {
		if bugOn {
			return buggy, err
		}
		return clean, err
	}
}

func TestFaithfulPredicate(t *testing.T) {
	want := []string{"linearizable-writes", "zab-converged"}
	for _, tc := range []struct {
		name         string
		bugSet       bool
		buggy, clean []string
		err          error
		keep         bool
	}{
		{"same property, correct protocol passes", true, []string{"zab-converged"}, nil, nil, true},
		{"one of the original properties among others", true, []string{"write-order", "linearizable-writes"}, nil, nil, true},
		{"a different property", true, []string{"write-order"}, nil, nil, false},
		{"passes", true, nil, nil, nil, false},
		{"correct protocol also fails", true, []string{"zab-converged"}, []string{"liveness-leader"}, nil, false},
		{"run error", true, []string{"zab-converged"}, nil, errors.New("boom"), false},
		{"no bug: same property", false, []string{"linearizable-writes"}, []string{"linearizable-writes"}, nil, true},
		{"no bug: a different property", false, []string{"write-order"}, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := faithful(want, tc.bugSet, fakeRun(tc.buggy, tc.clean, tc.err))(nil); got != tc.keep {
				t.Fatalf("still fails = %v, want %v", got, tc.keep)
			}
		})
	}
}

// TestFaithfulShrink shrinks a schedule in which, with the bug on, fault a breaks the
// bug's property and fault c an unrelated one, and in which the correct protocol
// fails too once a is present without b: the shrunk schedule keeps exactly a and b.
func TestFaithfulShrink(t *testing.T) {
	s, err := nemesis.Generate(7, nemesis.DefaultMix(), nemesis.ClusterShape{Voters: 5, Clients: 2}, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	removable := s.Removable()
	if len(removable) < 10 {
		t.Fatalf("want a long schedule, got %d faults", len(removable))
	}
	a, b, c := s[removable[1]].String(), s[removable[len(removable)/2]].String(), s[removable[len(removable)-2]].String()
	has := func(s nemesis.Schedule, line string) bool {
		return slices.ContainsFunc(s, func(f nemesis.Fault) bool { return f.String() == line })
	}
	run := func(sched nemesis.Schedule, bugOn bool) ([]string, error) {
		var failed []string
		if bugOn && has(sched, a) {
			failed = append(failed, "zab-converged")
		}
		if !bugOn && has(sched, a) && !has(sched, b) {
			failed = append(failed, "liveness-leader")
		}
		if bugOn && has(sched, c) {
			failed = append(failed, "write-order")
		}
		return failed, nil
	}
	faults := func(s nemesis.Schedule) []string {
		var out []string
		for _, i := range s.Removable() {
			out = append(out, s[i].String())
		}
		return out
	}
	want := []string{"zab-converged"}
	if got := faults(nemesis.Shrink(s, faithful(want, true, run))); !slices.Equal(got, []string{a, b}) {
		t.Fatalf("shrunk to %v, want %q", got, []string{a, b})
	}
	// Without the clean-protocol rule the same search loses b: that rule is what
	// isolates the bug.
	sameProperty := func(sched nemesis.Schedule) bool {
		got, _ := run(sched, true)
		return slices.Contains(got, want[0])
	}
	if got := faults(nemesis.Shrink(s, sameProperty)); !slices.Equal(got, []string{a}) {
		t.Fatalf("shrunk without the clean-protocol rule to %v, want %q", got, []string{a})
	}
}

func TestShowsBugCreditsCheckersAndLivelockOnly(t *testing.T) {
	failed := checker.Report{Results: []checker.Result{{Property: checker.PropLinearizable, Verdict: checker.Fail}}}
	for _, c := range []struct {
		name string
		r    scenarios.Result
		want bool
	}{
		{"checker failure", scenarios.Result{Report: failed}, true},
		{"livelock", scenarios.Result{Problems: []string{"liveness: budget: the ensemble is livelocked"}, Livelocked: true}, true},
		{"fault not applied", scenarios.Result{Problems: []string{"fault 3 (disk-bit-flip): no durable data"}}, false},
		{"pass", scenarios.Result{}, false},
	} {
		if got := showsBug(c.r); got != c.want {
			t.Errorf("%s: showsBug = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCreditsNameCheckersOnceThenLivelock(t *testing.T) {
	fail := func(p checker.Property) checker.Result { return checker.Result{Property: p, Verdict: checker.Fail} }
	two := checker.Report{Results: []checker.Result{fail(checker.PropZabCommitted), fail(checker.PropLinearizable), fail(checker.PropZabCommitted)}}
	for _, c := range []struct {
		name string
		r    scenarios.Result
		want []string
	}{
		{"checkers", scenarios.Result{Report: two}, []string{"zab-committed-prefix", "linearizable-writes"}},
		{"livelock only", scenarios.Result{Problems: []string{"liveness: budget: the ensemble is livelocked"}, Livelocked: true}, []string{"livelock"}},
		{"checker and livelock", scenarios.Result{Report: two, Livelocked: true}, []string{"zab-committed-prefix", "linearizable-writes", "livelock"}},
		{"fault not applied", scenarios.Result{Problems: []string{"fault 3 (disk-bit-flip): no durable data"}}, nil},
	} {
		if got := credits(c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: credits = %v, want %v", c.name, got, c.want)
		}
	}
}
