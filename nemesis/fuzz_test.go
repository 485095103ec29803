package nemesis

import (
	"reflect"
	"strings"
	"testing"
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
