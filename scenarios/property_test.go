package scenarios

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/zksim/zksim/nemesis"
)

// generatedKinds are the fault kinds a generated scenario may mix: every kind the
// nemesis draws except disk-lost-fsync, which no replicated log survives (a scenario
// must opt into it with UnsafeDiskFaults, and then may fail without a protocol bug).
var generatedKinds = []nemesis.Kind{
	nemesis.PartitionHalves, nemesis.PartitionIsolate, nemesis.PartitionThird, nemesis.PartitionRing,
	nemesis.PartitionBridge, nemesis.PartitionOneWay, nemesis.Crash, nemesis.Pause, nemesis.ClockBump,
	nemesis.ClockStrobe, nemesis.ClockScramble, nemesis.ClockDrift, nemesis.ConnReset, nemesis.DelaySpike,
	nemesis.Clog, nemesis.DiskTornTail, nemesis.DiskBitFlip, nemesis.DiskFailedSync, nemesis.ArmCrashPoint,
}

// genSpec is one generated scenario's choices, drawn by rapid or decoded from fuzz
// input. It keeps runs short: seconds of faults, not minutes.
type genSpec struct {
	voters, observers, clients int
	// tasks weighs the workload: register, churn, lock, configWatch, multi, sessionChurn.
	tasks       [6]int
	interval    time.Duration
	concurrency int
	keys        int
	faults      map[nemesis.Kind]int
	gap         time.Duration // mean time between faults
	longest     time.Duration // the longest a fault lasts
	duration    time.Duration // the safety phase
}

// scenario builds the spec on the default scenario's timing. The fault mix is fixed:
// the generated weights are used as they are, with no per-seed swarm draw, so what
// the generator chose is what runs.
func (g genSpec) scenario() Scenario {
	s := Default()
	s.Name, s.Description = "generated", "a generated scenario"
	s.Voters, s.Observers, s.Clients = g.voters, g.observers, g.clients
	t := g.tasks
	if t == [6]int{} {
		t[0] = 1
	}
	s.Workload = Workload{Register: t[0], Churn: t[1], Lock: t[2], ConfigWatch: t[3], Multi: t[4], SessionChurn: t[5],
		Interval: Duration(g.interval), Concurrency: g.concurrency, Keys: g.keys}
	s.SnapCount = 50 // snapshots and SNAP syncs within a short run
	var parts []string
	for _, k := range generatedKinds {
		if g.faults[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, g.faults[k]))
		}
	}
	if len(parts) > 0 {
		parts = append(parts, "gap="+g.gap.String(), fmt.Sprintf("for=%s..%s", min(200*time.Millisecond, g.longest), g.longest), "fixed")
		if g.voters == 1 {
			// As the standalone scenario: the one server may go down.
			parts = append(parts, "max-down=1", "allow-quorum-loss")
		}
	}
	s.Nemesis = strings.Join(parts, ",")
	s.Duration = Duration(g.duration)
	s.Quiesce = Duration(25 * time.Second)
	return s
}

// fataler is what a generated run reports a failure to: a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// requirePasses runs the generated scenario on the correct protocol and fails with
// everything needed to replay it: the scenario as a file for `zksim run
// --scenario-file`, the seed, the schedule and what the checkers found.
func requirePasses(t fataler, g genSpec, seed uint64) Result {
	t.Helper()
	s := g.scenario()
	if err := s.Validate(); err != nil {
		t.Fatalf("the generator made an invalid scenario: %v", err)
	}
	res, err := Run(s, seed, RunOptions{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !res.Pass() {
		text, _ := json.Marshal(s)
		t.Fatalf("the correct protocol failed a generated scenario; replay with\n  zksim run --scenario-file FILE --seed %d\nwhere FILE holds\n  %s\nschedule:\n%s\n%s",
			seed, text, res.Schedule, res.Explain())
	}
	return res
}

// drawSpec draws a whole scenario; rapid shrinks a failure toward the smallest
// cluster, the fewest fault kinds and the shortest run.
func drawSpec(t *rapid.T) genSpec {
	g := genSpec{
		voters:      rapid.IntRange(1, 5).Draw(t, "voters"),
		clients:     rapid.IntRange(1, 4).Draw(t, "clients"),
		interval:    time.Duration(rapid.IntRange(1, 8).Draw(t, "interval100ms")) * 100 * time.Millisecond,
		concurrency: rapid.IntRange(1, 2).Draw(t, "concurrency"),
		keys:        rapid.IntRange(1, 3).Draw(t, "keys"),
		faults:      map[nemesis.Kind]int{},
		gap:         time.Duration(rapid.IntRange(1, 8).Draw(t, "gap250ms")) * 250 * time.Millisecond,
		longest:     time.Duration(rapid.IntRange(1, 12).Draw(t, "longest500ms")) * 500 * time.Millisecond,
		duration:    time.Duration(rapid.IntRange(2, 12).Draw(t, "durationS")) * time.Second,
	}
	if g.voters > 1 {
		g.observers = rapid.IntRange(0, 2).Draw(t, "observers")
	}
	for i := range g.tasks {
		g.tasks[i] = rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("task%d", i))
	}
	for _, k := range rapid.SliceOfNDistinct(rapid.SampledFrom(generatedKinds), 0, 6, func(k nemesis.Kind) nemesis.Kind { return k }).Draw(t, "kinds") {
		g.faults[k] = rapid.IntRange(1, 4).Draw(t, "weight-"+string(k))
	}
	return g
}

// defaultChecks bounds TestGeneratedScenariosPass when neither -rapid.checks nor
// RAPID_CHECKS asks for more: it runs in every `go test ./...`, and each check is a
// whole simulated run. rapid has no per-test check count, so the flag is set for the
// test's length.
const defaultChecks = 15

func limitChecks(t *testing.T, n int) {
	set := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if set || f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(fmt.Sprint(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestGeneratedScenariosPass: whole generated scenarios (cluster shape, workload mix,
// fault mix, seed) pass on the correct protocol.
func TestGeneratedScenariosPass(t *testing.T) {
	limitChecks(t, defaultChecks)
	rapid.Check(t, func(t *rapid.T) {
		g := drawSpec(t)
		seed := rapid.Uint64().Draw(t, "seed")
		// Session churn alone records no operations (only session opens and closes).
		if res := requirePasses(t, g, seed); res.Ops == 0 && !([5]int(g.tasks[:5]) == [5]int{} && g.tasks[5] > 0) {
			t.Fatalf("no client operation ran")
		}
	})
}

// TestGeneratedScenarioFilesRoundTrip: a scenario written as JSON (what a failure
// prints for `zksim run --scenario-file`) reads back as the same scenario, zero
// weights included, although fields a file leaves out take the default's values.
func TestGeneratedScenarioFilesRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSpec(t).scenario()
		text, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("generated.json", text)
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("read back\n%+v\nwrote\n%+v", back, s)
		}
	})
}
