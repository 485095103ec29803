package nemesis

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const sampleSchedule = `# a hand-written schedule
1s crash leader for=3s   # the leader dies
2s partition groups=1,2|3,4,5 for=1s

4s clock-bump 4 amount=-5s
10s heal-all
10s liveness
`

func TestParseScheduleRoundTrip(t *testing.T) {
	s, err := ParseSchedule(sampleSchedule)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 5 {
		t.Fatalf("parsed %d faults, want 5", len(s))
	}
	text := s.String()
	if !strings.HasPrefix(text, "# nemesis schedule: 5 faults, liveness from 10s\n1s crash leader for=3s\n") {
		t.Fatalf("String:\n%s", text)
	}
	again, err := ParseSchedule(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, s) {
		t.Fatalf("round trip changed the schedule:\n%s\n%s", s, again)
	}
	if end, ok := s.SafetyEnd(); !ok || end.String() != "10s" {
		t.Fatalf("SafetyEnd = %v %v", end, ok)
	}
	if _, ok := s.LivenessWindow(); ok {
		t.Fatal("LivenessWindow without for=")
	}
	w := s.WithLivenessWindow(20 * time.Second)
	if d, ok := w.LivenessWindow(); !ok || d != 20*time.Second || !strings.HasSuffix(w.String(), "10s liveness for=20s\n") {
		t.Fatalf("WithLivenessWindow:\n%s", w)
	}
	if _, ok := s.LivenessWindow(); ok {
		t.Fatal("WithLivenessWindow changed the original")
	}
}

func TestScheduleValidate(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       error
		msg        string
	}{
		{"empty", "", ErrBadSchedule, "must end with heal-all"},
		{"no liveness", "1s heal-all\n", ErrBadSchedule, "must end"},
		{"frame apart", "1s heal-all\n2s liveness\n", ErrBadSchedule, "same time"},
		{"after liveness", "1s heal-all\n1s liveness\n1s heal-all\n1s liveness\n", ErrBadSchedule, "follows the liveness"},
		{"out of order", "2s crash 1\n1s restart 1\n3s heal-all\n3s liveness\n", ErrBadSchedule, "before the one above"},
		{"bad line", "1s crash 1\n2s crash\n3s heal-all\n3s liveness\n", ErrBadParam, "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchedule(tc.text)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("ParseSchedule = %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestScheduleValidateFor(t *testing.T) {
	shape := ClusterShape{Voters: 3, Observers: 1, Clients: 2}
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{"1s crash 4", true},               // the observer
		{"1s crash 6", true},               // the last client
		{"1s crash 7", false},              // nobody
		{"1s disk-bit-flip 5", false},      // a client has no protocol disk
		{"1s partition groups=1|5", false}, // clients are not partitioned
		{"1s partition groups=1|4", true},
	} {
		s, err := ParseSchedule(tc.line + "\n2s heal-all\n2s liveness\n")
		if err != nil {
			t.Fatal(err)
		}
		err = s.ValidateFor(shape)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateFor = %v, want ok=%v", tc.line, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrNodeRange) {
			t.Errorf("%s: %v is not ErrNodeRange", tc.line, err)
		}
	}
	s, _ := ParseSchedule("1s heal-all\n1s liveness\n")
	if err := s.ValidateFor(ClusterShape{}); !errors.Is(err, ErrBadShape) {
		t.Errorf("empty shape: %v", err)
	}
}

func TestScheduleWithoutKeep(t *testing.T) {
	s, err := ParseSchedule(sampleSchedule)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Removable(); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Fatalf("Removable = %v", got)
	}
	w := s.Without(1)
	if len(w) != 4 || w[1].Kind != ClockBump || w.Validate() != nil {
		t.Fatalf("Without(1) = %s", w)
	}
	k := s.Keep([]int{2})
	if len(k) != 3 || k[0].Kind != ClockBump || k.Validate() != nil {
		t.Fatalf("Keep([2]) = %s", k)
	}
	// Copies share no slices with the original.
	k = s.Keep([]int{1})
	k[0].Groups[0][0] = 99
	if s[1].Groups[0][0] != 1 {
		t.Fatal("Keep shares groups with the original")
	}
	c := s.Clone()
	c[1].Groups[1][0] = 42
	if s[1].Groups[1][0] != 3 {
		t.Fatal("Clone shares groups with the original")
	}
}
