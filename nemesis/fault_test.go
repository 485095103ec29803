package nemesis

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// canonical has a canonical line for every kind; each must parse to want and print back.
var canonical = []struct {
	line string
	want Fault
}{
	{"1s partition groups=1,2|3,4,5", Fault{At: time.Second, Kind: Partition, Groups: [][]int{{1, 2}, {3, 4, 5}}}},
	{"1.5s partition groups=1|2|3 for=2s", Fault{At: 1500 * time.Millisecond, Kind: Partition, Groups: [][]int{{1}, {2}, {3}}, For: 2 * time.Second}},
	{"0s partition-halves", Fault{Kind: PartitionHalves}},
	{"2s partition-halves for=500ms", Fault{At: 2 * time.Second, Kind: PartitionHalves, For: 500 * time.Millisecond}},
	{"2s partition-isolate leader for=1s", Fault{At: 2 * time.Second, Kind: PartitionIsolate, Select: SelectLeader, For: time.Second}},
	{"2s partition-isolate 3", Fault{At: 2 * time.Second, Kind: PartitionIsolate, Nodes: []int{3}}},
	{"3s partition-third for=1s", Fault{At: 3 * time.Second, Kind: PartitionThird, For: time.Second}},
	{"3s partition-ring", Fault{At: 3 * time.Second, Kind: PartitionRing}},
	{"3s partition-bridge for=4s", Fault{At: 3 * time.Second, Kind: PartitionBridge, For: 4 * time.Second}},
	{"4s partition-oneway leader", Fault{At: 4 * time.Second, Kind: PartitionOneWay, Select: SelectLeader}},
	{"4s partition-oneway groups=1,2|3,4,5 for=1s", Fault{At: 4 * time.Second, Kind: PartitionOneWay, Groups: [][]int{{1, 2}, {3, 4, 5}}, For: time.Second}},
	{"5s heal", Fault{At: 5 * time.Second, Kind: Heal}},
	{"5s crash leader for=3s", Fault{At: 5 * time.Second, Kind: Crash, Select: SelectLeader, For: 3 * time.Second}},
	{"5s crash 1,2", Fault{At: 5 * time.Second, Kind: Crash, Nodes: []int{1, 2}}},
	{"5s crash minority", Fault{At: 5 * time.Second, Kind: Crash, Select: SelectMinority}},
	{"5s crash client for=1s", Fault{At: 5 * time.Second, Kind: Crash, Select: SelectClient, For: time.Second}},
	{"6s restart all", Fault{At: 6 * time.Second, Kind: Restart, Select: SelectAll}},
	{"6s pause follower for=100ms", Fault{At: 6 * time.Second, Kind: Pause, Select: SelectFollower, For: 100 * time.Millisecond}},
	{"6s resume 2", Fault{At: 6 * time.Second, Kind: Resume, Nodes: []int{2}}},
	{"7s clock-bump 2 amount=-5s", Fault{At: 7 * time.Second, Kind: ClockBump, Nodes: []int{2}, Amount: -5 * time.Second}},
	{"7s clock-strobe leader amount=2s period=50ms for=1s", Fault{At: 7 * time.Second, Kind: ClockStrobe, Select: SelectLeader, Amount: 2 * time.Second, Period: 50 * time.Millisecond, For: time.Second}},
	{"7s clock-scramble all amount=1m0s", Fault{At: 7 * time.Second, Kind: ClockScramble, Select: SelectAll, Amount: time.Minute}},
	{"7s clock-drift followers ppm=-20000 for=2s", Fault{At: 7 * time.Second, Kind: ClockDrift, Select: SelectFollowers, PPM: -20000, For: 2 * time.Second}},
	{"7s clock-drift 1 ppm=0", Fault{At: 7 * time.Second, Kind: ClockDrift, Nodes: []int{1}}},
	{"7s clock-clear", Fault{At: 7 * time.Second, Kind: ClockClear}},
	{"8s conn-reset clients", Fault{At: 8 * time.Second, Kind: ConnReset, Select: SelectClients}},
	{"8s delay-spike 1,2 amount=300ms for=2s", Fault{At: 8 * time.Second, Kind: DelaySpike, Nodes: []int{1, 2}, Amount: 300 * time.Millisecond, For: 2 * time.Second}},
	{"8s clog random for=1s", Fault{At: 8 * time.Second, Kind: Clog, Select: SelectRandom, For: time.Second}},
	{"8s unclog random", Fault{At: 8 * time.Second, Kind: Unclog, Select: SelectRandom}},
	{"9s disk-lost-fsync 1 for=1s", Fault{At: 9 * time.Second, Kind: DiskLostFsync, Nodes: []int{1}, For: time.Second}},
	{"9s disk-torn-tail follower", Fault{At: 9 * time.Second, Kind: DiskTornTail, Select: SelectFollower}},
	{"9s disk-bit-flip 3", Fault{At: 9 * time.Second, Kind: DiskBitFlip, Nodes: []int{3}}},
	{"9s disk-failed-sync leader for=2s", Fault{At: 9 * time.Second, Kind: DiskFailedSync, Select: SelectLeader, For: 2 * time.Second}},
	{"9s disk-heal all", Fault{At: 9 * time.Second, Kind: DiskHeal, Select: SelectAll}},
	{"10s crash-point follower point=follower-fsync-before-ack", Fault{At: 10 * time.Second, Kind: ArmCrashPoint, Select: SelectFollower, Point: FollowerFsyncBeforeAck}},
	{"10s crash-point 2 point=snap-mid-transfer nth=3 for=5s", Fault{At: 10 * time.Second, Kind: ArmCrashPoint, Nodes: []int{2}, Point: SnapMidTransfer, Nth: 3, For: 5 * time.Second}},
	{"10s disarm 2 point=snap-mid-transfer", Fault{At: 10 * time.Second, Kind: DisarmCrashPoint, Nodes: []int{2}, Point: SnapMidTransfer}},
	{"1m0s heal-all", Fault{At: time.Minute, Kind: HealAll}},
	{"1m0s liveness", Fault{At: time.Minute, Kind: Liveness}},
	{"1m0s liveness for=30s", Fault{At: time.Minute, Kind: Liveness, For: 30 * time.Second}},
}

func TestCanonicalCoversEveryKind(t *testing.T) {
	seen := map[Kind]bool{}
	for _, tc := range canonical {
		seen[tc.want.Kind] = true
	}
	for _, e := range Kinds() {
		if !seen[Kind(e.Name)] {
			t.Errorf("no canonical line for kind %s", e.Name)
		}
	}
}

func TestFaultParsePrint(t *testing.T) {
	for _, tc := range canonical {
		t.Run(tc.line, func(t *testing.T) {
			got, err := ParseFault(tc.line)
			if err != nil {
				t.Fatalf("ParseFault: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseFault = %#v, want %#v", got, tc.want)
			}
			if s := tc.want.String(); s != tc.line {
				t.Fatalf("String = %q, want %q", s, tc.line)
			}
		})
	}
}

func TestParseFaultAcceptsAnyParamOrder(t *testing.T) {
	a, err := ParseFault("  7s   clock-strobe leader for=1s period=50ms amount=2s ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.String(), "7s clock-strobe leader amount=2s period=50ms for=1s"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
}

func TestParseFaultErrors(t *testing.T) {
	for _, tc := range []struct {
		line string
		want error
		text string // part of the message
	}{
		{"", ErrSyntax, "want <at> <kind>"},
		{"1s", ErrSyntax, ""},
		{"1s explode 2", ErrUnknownKind, `"explode"`},
		{"soon crash 1", ErrBadParam, `at="soon"`},
		{"-1s crash 1", ErrBadParam, "negative time"},
		{"1s crash 1 for=forever", ErrBadParam, `for="forever"`},
		{"1s crash 1 for=-2s", ErrBadParam, "positive duration"},
		{"1s crash 0", ErrNodeRange, `"0"`},
		{"1s crash 1,,2", ErrNodeRange, `""`},
		{"1s crash 99999999", ErrNodeRange, ""},
		{"1s crash 1,1", ErrBadParam, "listed twice"},
		{"1s crash somebody", ErrUnknownSelector, `"somebody"`},
		{"1s crash", ErrBadParam, "wants a target"},
		{"1s heal 2", ErrBadParam, "takes no target"},
		{"1s crash 1 amount=1s", ErrBadParam, "takes no amount="},
		{"1s crash 1 color=red", ErrBadParam, `unknown parameter "color"`},
		{"1s crash 1 for=1s for=2s", ErrBadParam, "given twice"},
		{"1s crash 1 for", ErrSyntax, "key=value"},
		{"1s partition", ErrBadParam, "needs groups="},
		{"1s partition groups=1,2|2,3", ErrBadParam, "two groups"},
		{"1s partition groups=1||2", ErrNodeRange, ""},
		{"1s partition-oneway groups=1|2|3", ErrBadParam, "two groups"},
		{"1s partition-oneway", ErrBadParam, "a target or groups"},
		{"1s partition-oneway 1 groups=1|2", ErrBadParam, "not both"},
		{"1s partition-isolate followers", ErrBadParam, "exactly one"},
		{"1s partition-isolate 1,2", ErrBadParam, "exactly one"},
		{"1s disk-lost-fsync client", ErrBadParam, "acts on servers"},
		{"1s clock-bump 1 amount=0s", ErrBadParam, "does nothing"},
		{"1s clock-bump 1", ErrBadParam, "needs amount="},
		{"1s clock-scramble all amount=-1s", ErrBadParam, "positive duration"},
		{"1s clock-strobe 1 amount=1s period=0s for=1s", ErrBadParam, "period"},
		{"1s clock-strobe 1 amount=1s period=1ns for=1h", ErrBadParam, "jumps"},
		{"1s clock-drift 1 ppm=900000", ErrBadParam, "ppm=900000"},
		{"1s clock-drift 1 ppm=fast", ErrBadParam, "integer"},
		{"1s delay-spike 1 amount=1s", ErrBadParam, "needs for="},
		{"1s crash-point 1 point=nowhere", ErrUnknownCrashPoint, `"nowhere"`},
		{"1s crash-point 1", ErrBadParam, "needs point="},
		{"1s crash-point 1 point=snap-mid-transfer nth=0", ErrBadParam, "nth"},
		{"2000h crash 1", ErrBadParam, "limited"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, err := ParseFault(tc.line)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseFault(%q) = %v, want %v", tc.line, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not mention %q", err, tc.text)
			}
		})
	}
}

func TestListings(t *testing.T) {
	for name, list := range map[string][]Entry{"kinds": Kinds(), "crash points": CrashPoints(), "selectors": Selectors()} {
		for i, e := range list {
			if e.Description == "" || strings.Contains(e.Description, "\n") {
				t.Errorf("%s: %s: want a one-line description, got %q", name, e.Name, e.Description)
			}
			if i > 0 && list[i-1].Name >= e.Name {
				t.Errorf("%s: not sorted at %s", name, e.Name)
			}
		}
	}
	if n := len(CrashPoints()); n < 15 {
		t.Errorf("%d crash points, want at least 15", n)
	}
	if !FollowerAppendBeforeFsync.Valid() || CrashPoint("x").Valid() || Kind("x").Valid() {
		t.Error("Valid is wrong")
	}
	if SnapMidTransfer.Description() == "" || Crash.Description() == "" {
		t.Error("missing description")
	}
}
