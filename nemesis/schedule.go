package nemesis

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schedule is a timed list of faults in time order. Its text form is one fault per
// line; blank lines and everything after a # are ignored. A valid schedule ends with
// its frame: a heal-all at the end of the safety phase followed, at the same time, by
// the liveness marker, after which nothing may happen.
type Schedule []Fault

// String prints one fault per line, under a comment header.
func (s Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# nemesis schedule: %d faults", len(s))
	if end, ok := s.SafetyEnd(); ok {
		fmt.Fprintf(&b, ", liveness from %v", end)
	}
	b.WriteByte('\n')
	for _, f := range s {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseSchedule reads a schedule in the form String prints and validates it.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f, err := ParseFault(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		s = append(s, f)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks every fault, the time order and the final frame.
func (s Schedule) Validate() error {
	for i, f := range s {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("fault %d (%s): %w", i+1, f, err)
		}
		if i > 0 && f.At < s[i-1].At {
			return fmt.Errorf("%w: fault %d at %v is before the one above it (%v)", ErrBadSchedule, i+1, f.At, s[i-1].At)
		}
		if f.Kind == Liveness && i != len(s)-1 {
			return fmt.Errorf("%w: fault %d follows the liveness marker", ErrBadSchedule, i+2)
		}
	}
	n := len(s)
	if n < 2 || s[n-2].Kind != HealAll || s[n-1].Kind != Liveness || s[n-2].At != s[n-1].At {
		return fmt.Errorf("%w: must end with heal-all and liveness at the same time", ErrBadSchedule)
	}
	return nil
}

// ValidateFor also checks that every node the schedule names exists in shape.
func (s Schedule) ValidateFor(shape ClusterShape) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := shape.Validate(); err != nil {
		return err
	}
	for i, f := range s {
		limit := shape.Servers()
		if kinds[f.Kind].target == anyNodeTarget {
			limit += shape.Clients
		}
		for _, id := range f.nodes() {
			if id > limit {
				return fmt.Errorf("fault %d (%s): %w: node %d, the cluster has %d", i+1, f, ErrNodeRange, id, limit)
			}
		}
	}
	return nil
}

// SafetyEnd is when the liveness phase starts, if the schedule has its marker.
func (s Schedule) SafetyEnd() (time.Duration, bool) {
	if len(s) == 0 || s[len(s)-1].Kind != Liveness {
		return 0, false
	}
	return s[len(s)-1].At, true
}

// LivenessWindow is how long the liveness phase lasts, if the marker says (for=).
func (s Schedule) LivenessWindow() (time.Duration, bool) {
	if len(s) == 0 || s[len(s)-1].Kind != Liveness || s[len(s)-1].For == 0 {
		return 0, false
	}
	return s[len(s)-1].For, true
}

// WithLivenessWindow returns a copy of s whose liveness marker says the liveness
// phase lasts d.
func (s Schedule) WithLivenessWindow(d time.Duration) Schedule {
	out := s.Clone()
	if len(out) > 0 && out[len(out)-1].Kind == Liveness {
		out[len(out)-1].For = d
	}
	return out
}

// Removable lists the indexes of the faults a shrinker may drop: all but the heal-all
// and liveness lines.
func (s Schedule) Removable() []int {
	var out []int
	for i, f := range s {
		if !f.Kind.structural() {
			out = append(out, i)
		}
	}
	return out
}

// Without returns a copy of s without fault i.
func (s Schedule) Without(i int) Schedule {
	out := make(Schedule, 0, len(s))
	for j, f := range s {
		if j != i {
			out = append(out, f.clone())
		}
	}
	return out
}

// Keep returns a copy of s with only the faults at the given indexes (in schedule
// order) and the final frame.
func (s Schedule) Keep(indexes []int) Schedule {
	out := make(Schedule, 0, len(indexes)+2)
	for j, f := range s {
		if slices.Contains(indexes, j) || f.Kind.structural() {
			out = append(out, f.clone())
		}
	}
	return out
}

// Clone is a deep copy of s.
func (s Schedule) Clone() Schedule {
	out := make(Schedule, len(s))
	for i, f := range s {
		out[i] = f.clone()
	}
	return out
}
