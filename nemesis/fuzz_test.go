package nemesis

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParseFault: any line either fails with an error or parses to a fault whose
// canonical text parses back to the same fault and prints identically.
func FuzzParseFault(f *testing.F) {
	for _, tc := range canonical {
		f.Add(tc.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fault, err := ParseFault(line)
		if err != nil {
			return
		}
		text := fault.String()
		again, err := ParseFault(text)
		if err != nil {
			t.Fatalf("%q parsed, but its canonical form %q does not: %v", line, text, err)
		}
		if !reflect.DeepEqual(again, fault) {
			t.Fatalf("%q: round trip %#v != %#v", line, again, fault)
		}
		if again.String() != text {
			t.Fatalf("%q: printed %q then %q", line, text, again.String())
		}
	})
}

// FuzzParseSchedule: a schedule that parses prints to text that parses to the same
// schedule.
func FuzzParseSchedule(f *testing.F) {
	f.Add(sampleSchedule)
	var b strings.Builder
	for _, tc := range canonical {
		b.WriteString(tc.line + "\n")
	}
	f.Add(b.String())
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSchedule(text)
		if err != nil {
			return
		}
		again, err := ParseSchedule(s.String())
		if err != nil {
			t.Fatalf("printed schedule does not parse: %v\n%s", err, s)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip changed the schedule:\n%s\n%s", s, again)
		}
	})
}

// FuzzGenerate explores seeds and cluster sizes: every schedule is valid for its
// cluster, round-trips through text, and runs within the down bound.
func FuzzGenerate(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(0), uint8(2))
	f.Add(uint64(7), uint8(5), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, voters, observers, clients uint8) {
		shape := ClusterShape{Voters: 1 + int(voters%9), Observers: int(observers % 4), Clients: int(clients % 6)}
		s, err := Generate(seed, DefaultMix(), shape, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkGenerated(t, s, shape, 30*time.Second)
		again, err := ParseSchedule(s.String())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip: %v\n%s", err, s)
		}
		runAll(t, s, shape, seed, shape.Minority())
	})
}
