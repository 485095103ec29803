package zab

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zksim/zksim/protocol/bugs"
)

// huntTB turns the world's fatal checks into a panic that the bug hunt recovers, so
// one seed's failure is an observation rather than the end of the test.
type huntTB struct{ testing.TB }

type violation struct{ msg string }

func (huntTB) Helper()                           {}
func (huntTB) Logf(string, ...any)               {}
func (huntTB) Log(...any)                        {}
func (huntTB) Fatal(args ...any)                 { panic(violation{fmt.Sprint(args...)}) }
func (huntTB) Fatalf(format string, args ...any) { panic(violation{fmt.Sprintf(format, args...)}) }
func (huntTB) Errorf(format string, args ...any) { panic(violation{fmt.Sprintf(format, args...)}) }
func (huntTB) Error(args ...any)                 { panic(violation{fmt.Sprint(args...)}) }

// invariants maps the world's failure messages to the invariant they report.
var invariants = []struct{ text, name string }{
	{"convergence after heal", "liveness"},
	{"established by both", "one leader per epoch"},
	{"durable only on", "commit durable on a quorum"},
	{"lacks committed", "new leader holds all committed"},
	{"lost committed write", "nothing committed lost"},
	{", others ", "committed prefixes agree"},
	{" applies ", "committed prefixes agree"},
	{": recover: ", "a restarted server recovers"},
}

func classify(msg string) string {
	for _, iv := range invariants {
		if strings.Contains(msg, iv.text) {
			return iv.name
		}
	}
	return ""
}

// hunt runs chaos worlds with the bug on, from seed 1, until a safety invariant fails
// (a world that never converges counts only when no safety failure shows within the
// budget). It returns the seed and the invariant, or 0 when the budget ran out.
func hunt(t *testing.T, name string, budget uint64) (seed uint64, invariant, msg string) {
	set, err := bugs.New(name)
	if err != nil {
		t.Fatal(err)
	}
	var livenessSeed uint64
	var livenessMsg string
	for seed = 1; seed <= budget; seed++ {
		invariant, msg = func() (inv, msg string) {
			defer func() {
				if r := recover(); r != nil {
					v, ok := r.(violation)
					if !ok {
						panic(r)
					}
					inv, msg = classify(v.msg), v.msg
				}
			}()
			chaosWith(huntTB{t}, seed, huntRounds, huntSetup(seed, set))
			return "", ""
		}()
		switch {
		case invariant == "liveness" && livenessSeed == 0:
			livenessSeed, livenessMsg = seed, msg // keep looking for a safety failure
		case invariant != "" && invariant != "liveness":
			return seed, invariant, msg
		}
	}
	if livenessSeed != 0 {
		return livenessSeed, "liveness", livenessMsg
	}
	return 0, "", msg
}

var (
	bugBudget  = flag.Uint64("zab.bugseeds", 200, "seed budget per catalogued bug in TestBugsDetected")
	huntRounds = 10
	// Crash rates for hunts: crashes inside the driver loop are what most of the
	// catalogued bugs need.
	huntCrashPoint, huntCrashRate = 0.05, 0.002
)

// zabBugs are the catalogued faults the zab world can expose.
var zabBugs = []string{
	bugs.BrokenAckBeforeFsync, bugs.BrokenCommitWithoutQuorum,
	bugs.ZK1154, bugs.ZK1156, bugs.ZK1277, bugs.ZK1282, bugs.ZK1291, bugs.ZK2832, bugs.ZK2845,
	bugs.ZK3104, bugs.ZK3642, bugs.ZK3911, bugs.ZK4643, bugs.ZK4646, bugs.ZK4685, bugs.ZK4925, bugs.ZK4352,
}

// TestBugsDetected switches on each catalogued zab fault in turn and requires one of
// the world's invariants to fail within the seed budget; the correct protocol must
// pass the seed that exposed it.
func TestBugsDetected(t *testing.T) {
	for _, name := range zabBugs {
		t.Run(name, func(t *testing.T) {
			seed, inv, msg := hunt(t, name, *bugBudget)
			if seed == 0 {
				t.Fatalf("%s not detected in %d seeds (last failure: %q)", name, *bugBudget, msg)
			}
			t.Logf("%s: seed %d breaks %q: %s", name, seed, inv, firstLine(msg))
			chaosWith(t, seed, huntRounds, huntSetup(seed, bugs.Set{}))
		})
	}
}

// huntSetup is the world of one hunt seed. Odd seeds let the packets a server sent
// before crashing arrive (a process crash), even seeds drop them with the connection
// (a machine crash); bugs differ in which one they need.
func huntSetup(seed uint64, set bugs.Set) *chaosSetup {
	return &chaosSetup{bugs: set, crashPoint: huntCrashPoint, crashRate: huntCrashRate, keepSent: seed%2 == 1}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ZOOKEEPER-1291: the leader sends LEADERINFO for the new epoch while its durable
// acceptedEpoch is still the old one (the world finds what follows: a restarted leader
// whose currentEpoch passed its acceptedEpoch cannot recover); this checks the rule.
func TestZK1291LeaderInfoBeforeAcceptedEpoch(t *testing.T) {
	for _, buggy := range []bool{false, true} {
		var set bugs.Set
		if buggy {
			set, _ = bugs.New(bugs.ZK1291)
		}
		hs := HardState{AcceptedEpoch: 1, CurrentEpoch: 1}
		leader := newTestNode(t, 2, State{HardState: hs}, func(c *Config) { c.Bugs = set })
		follower := newTestNode(t, 1, State{HardState: hs}, nil)
		leader.Lead()
		follower.Follow(2)
		leader.Ready()
		info := follower.Ready().Messages[0].Packet
		if err := leader.Step(1, info); err != nil {
			t.Fatal(err)
		}
		rd := leader.Ready()
		durable := hs.AcceptedEpoch
		if rd.HardState != nil {
			durable = rd.HardState.AcceptedEpoch
		}
		var sent int64
		for _, m := range rd.Messages {
			if m.Packet.Type == TypeLeaderInfo {
				sent = EpochOf(m.Packet.Zxid)
			}
		}
		if sent != 2 {
			t.Fatalf("buggy=%v: LEADERINFO for epoch %d, want 2", buggy, sent)
		}
		if broken := sent > durable; broken != buggy {
			t.Fatalf("buggy=%v: LEADERINFO for epoch %d with durable acceptedEpoch %d", buggy, sent, durable)
		}
	}
}

// TestCatalogCoverage: every zab fault in the catalog is hunted in the world or, as
// its Notes say, tested at the package level.
func TestCatalogCoverage(t *testing.T) {
	var packageLevel []string
	for _, b := range bugs.Catalog() {
		if b.Package != "zab" {
			continue
		}
		hunted := slices.Contains(zabBugs, b.Name)
		single := slices.Contains(packageLevel, b.Name)
		if hunted == single {
			t.Errorf("%s: hunted=%v, package-level=%v; want exactly one", b.Name, hunted, single)
		}
		if single && !strings.Contains(b.Notes, "package level only") {
			t.Errorf("%s: Notes should say it is tested at the package level only", b.Name)
		}
	}
}
