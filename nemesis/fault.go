package nemesis

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Selector names nodes relative to the cluster's state when the fault is applied.
type Selector string

// The selectors. Random choices draw from the rng passed to Apply and consider only
// nodes that are up (for restart and resume: nodes in the matching state).
const (
	SelectLeader    Selector = "leader"    // the current leader
	SelectFollower  Selector = "follower"  // one random non-leader server
	SelectFollowers Selector = "followers" // every non-leader server
	SelectRandom    Selector = "random"    // one random server
	SelectMinority  Selector = "minority"  // a random minority of the servers
	SelectAll       Selector = "all"       // every server
	SelectClient    Selector = "client"    // one random client
	SelectClients   Selector = "clients"   // every client
)

type selectorInfo struct {
	single  bool // resolves to at most one node
	clients bool // resolves to clients
	desc    string
}

var selectors = map[Selector]selectorInfo{
	SelectLeader:    {single: true, desc: "the current leader (skipped when there is none)"},
	SelectFollower:  {single: true, desc: "one random server that is not the leader"},
	SelectFollowers: {desc: "every server that is not the leader"},
	SelectRandom:    {single: true, desc: "one random server"},
	SelectMinority:  {desc: "a random minority of the servers"},
	SelectAll:       {desc: "every server"},
	SelectClient:    {single: true, clients: true, desc: "one random client"},
	SelectClients:   {clients: true, desc: "every client"},
}

// Selectors lists the node selectors with their descriptions, sorted by name.
func Selectors() []Entry {
	return entries(selectors, func(s selectorInfo) string { return s.desc })
}

// maxNodeID bounds node ids so that bad input cannot ask for huge allocations.
const maxNodeID = 1 << 16

// maxSpan bounds every duration, so that sums of them cannot overflow.
const maxSpan = 1000 * time.Hour

// maxDriftPPM bounds clock drift: a clock runs at most 50% fast or slow.
const maxDriftPPM = 500_000

// Fault is one timed fault: plain data with a canonical one-line text form,
//
//	<at> <kind> [<nodes>|<selector>] [groups=1,2|3] [point=P] [nth=N] [amount=D] [period=D] [ppm=N] [for=D]
//
// where durations are Go durations ("1.5s", "-200ms") and nodes are comma-separated
// ids. String prints it; ParseFault reads it back to an identical Fault.
type Fault struct {
	At     time.Duration // offset from the start of the run, in the run's time
	Kind   Kind
	Nodes  []int    // explicit targets; empty when Select is set
	Select Selector // relative target, resolved when applied
	Groups [][]int  // partition groups, or from|to of a one-way partition
	Point  CrashPoint
	Nth    int           // crash at the nth time the point is reached; 0 means the first
	Amount time.Duration // clock jump, strobe or scramble size; delay spike latency
	Period time.Duration // clock strobe period
	PPM    int64         // clock drift
	For    time.Duration // how long the fault lasts; 0 means until healed
}

// String is f's canonical text form.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(f.At.String())
	b.WriteByte(' ')
	b.WriteString(string(f.Kind))
	switch {
	case f.Select != "":
		b.WriteByte(' ')
		b.WriteString(string(f.Select))
	case len(f.Nodes) > 0:
		b.WriteByte(' ')
		writeIDs(&b, f.Nodes)
	}
	if len(f.Groups) > 0 {
		b.WriteString(" groups=")
		for i, g := range f.Groups {
			if i > 0 {
				b.WriteByte('|')
			}
			writeIDs(&b, g)
		}
	}
	if f.Point != "" {
		b.WriteString(" point=" + string(f.Point))
	}
	if f.Nth != 0 {
		b.WriteString(" nth=" + strconv.Itoa(f.Nth))
	}
	needs := kinds[f.Kind].need
	if f.Amount != 0 || slices.Contains(needs, "amount") {
		b.WriteString(" amount=" + f.Amount.String())
	}
	if f.Period != 0 || slices.Contains(needs, "period") {
		b.WriteString(" period=" + f.Period.String())
	}
	if f.PPM != 0 || slices.Contains(needs, "ppm") {
		b.WriteString(" ppm=" + strconv.FormatInt(f.PPM, 10))
	}
	if f.For != 0 || slices.Contains(needs, "for") {
		b.WriteString(" for=" + f.For.String())
	}
	return b.String()
}

func writeIDs(b *strings.Builder, ids []int) {
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
}

// ParseFault reads one fault in the form String prints and validates it.
func ParseFault(line string) (Fault, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return Fault{}, fmt.Errorf("%w: %q: want <at> <kind> [target] [key=value...]", ErrSyntax, line)
	}
	var f Fault
	var err error
	if f.At, err = parseDuration("at", fields[0]); err != nil {
		return Fault{}, err
	}
	f.Kind = Kind(fields[1])
	if !f.Kind.Valid() {
		return Fault{}, fmt.Errorf("%w: %q", ErrUnknownKind, fields[1])
	}
	rest := fields[2:]
	if len(rest) > 0 && !strings.Contains(rest[0], "=") {
		if err := f.parseTarget(rest[0]); err != nil {
			return Fault{}, err
		}
		rest = rest[1:]
	}
	seen := map[string]bool{}
	for _, kv := range rest {
		key, val, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return Fault{}, fmt.Errorf("%w: %q: want key=value", ErrSyntax, kv)
		}
		if seen[key] {
			return Fault{}, fmt.Errorf("%w: %s given twice", ErrBadParam, key)
		}
		seen[key] = true
		if err := f.parseParam(key, val); err != nil {
			return Fault{}, err
		}
	}
	for _, need := range kinds[f.Kind].need {
		if !seen[need] {
			return Fault{}, fmt.Errorf("%w: %s needs %s=", ErrBadParam, f.Kind, need)
		}
	}
	if err := f.Validate(); err != nil {
		return Fault{}, err
	}
	return f, nil
}

func (f *Fault) parseTarget(s string) error {
	if s[0] < '0' || s[0] > '9' {
		f.Select = Selector(s)
		if _, ok := selectors[f.Select]; !ok {
			return fmt.Errorf("%w: %q", ErrUnknownSelector, s)
		}
		return nil
	}
	ids, err := parseIDs(s)
	f.Nodes = ids
	return err
}

func (f *Fault) parseParam(key, val string) error {
	var err error
	switch key {
	case "groups":
		for g := range strings.SplitSeq(val, "|") {
			ids, err := parseIDs(g)
			if err != nil {
				return fmt.Errorf("groups: %w", err)
			}
			f.Groups = append(f.Groups, ids)
		}
	case "point":
		f.Point = CrashPoint(val)
	case "nth":
		if f.Nth, err = strconv.Atoi(val); err != nil || f.Nth < 1 || f.Nth > 1<<20 {
			return fmt.Errorf("%w: nth=%q: want a count from 1", ErrBadParam, val)
		}
	case "amount":
		f.Amount, err = parseDuration(key, val)
	case "period":
		f.Period, err = parseDuration(key, val)
	case "for":
		f.For, err = parseDuration(key, val)
	case "ppm":
		if f.PPM, err = strconv.ParseInt(val, 10, 64); err != nil {
			return fmt.Errorf("%w: ppm=%q: want an integer", ErrBadParam, val)
		}
	default:
		return fmt.Errorf("%w: unknown parameter %q", ErrBadParam, key)
	}
	return err
}

func parseDuration(key, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q: not a duration like 1.5s", ErrBadParam, key, s)
	}
	return d, nil
}

func parseIDs(s string) ([]int, error) {
	var ids []int
	for part := range strings.SplitSeq(s, ",") {
		id, err := strconv.Atoi(part)
		if err != nil || id < 1 || id > maxNodeID {
			return nil, fmt.Errorf("%w: %q: want node ids from 1 to %d", ErrNodeRange, part, maxNodeID)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Validate checks that f is well-formed on its own: known kind, a target exactly where
// the kind takes one, only the parameters it accepts, values in range, and disjoint
// groups. Whether node ids exist is checked against a cluster (ValidateFor, Apply).
func (f Fault) Validate() error {
	info, ok := kinds[f.Kind]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKind, f.Kind)
	}
	if err := f.validate(info); err != nil {
		return fmt.Errorf("%s: %w", f.Kind, err)
	}
	return nil
}

func (f Fault) validate(info kindInfo) error {
	if f.At < 0 {
		return fmt.Errorf("%w: negative time %v", ErrBadParam, f.At)
	}
	hasTarget := f.Select != "" || len(f.Nodes) > 0
	if f.Select != "" && len(f.Nodes) > 0 {
		return fmt.Errorf("%w: both nodes and a selector", ErrBadParam)
	}
	sel, known := selectors[f.Select]
	if f.Select != "" && !known {
		return fmt.Errorf("%w: %q", ErrUnknownSelector, f.Select)
	}
	switch {
	case info.target == noTarget && hasTarget:
		return fmt.Errorf("%w: takes no target", ErrBadParam)
	case f.Kind == PartitionOneWay && hasTarget == (len(f.Groups) > 0):
		return fmt.Errorf("%w: wants a target or groups=from|to, not both", ErrBadParam)
	case info.target != noTarget && f.Kind != PartitionOneWay && !hasTarget:
		return fmt.Errorf("%w: wants a target (node ids or a selector)", ErrBadParam)
	case info.target == serverTarget && sel.clients:
		return fmt.Errorf("%w: acts on servers, not %s", ErrBadParam, f.Select)
	case f.Kind == PartitionIsolate && (len(f.Nodes) > 1 || (f.Select != "" && !sel.single)):
		return fmt.Errorf("%w: isolates exactly one node", ErrBadParam)
	}
	if err := checkIDs(f.Nodes); err != nil {
		return err
	}
	for _, param := range []struct {
		name string
		set  bool
	}{
		{"groups", len(f.Groups) > 0}, {"point", f.Point != ""}, {"nth", f.Nth != 0},
		{"amount", f.Amount != 0}, {"period", f.Period != 0}, {"ppm", f.PPM != 0}, {"for", f.For != 0},
	} {
		if param.set && !f.Kind.accepts(param.name) {
			return fmt.Errorf("%w: takes no %s=", ErrBadParam, param.name)
		}
	}
	if err := f.validateGroups(); err != nil {
		return err
	}
	switch {
	case f.Kind.accepts("point") && !f.Point.Valid():
		return fmt.Errorf("%w: %q", ErrUnknownCrashPoint, f.Point)
	case f.Nth < 0:
		return fmt.Errorf("%w: nth=%d", ErrBadParam, f.Nth)
	case f.For < 0 || (slices.Contains(info.need, "for") && f.For == 0):
		return fmt.Errorf("%w: for=%v: want a positive duration", ErrBadParam, f.For)
	case f.Period < 0 || (f.Kind == ClockStrobe && f.Period == 0):
		return fmt.Errorf("%w: period=%v: want a positive duration", ErrBadParam, f.Period)
	case f.Kind == ClockBump && f.Amount == 0:
		return fmt.Errorf("%w: amount=0 does nothing", ErrBadParam)
	case f.Kind != ClockBump && f.Amount < 0:
		return fmt.Errorf("%w: amount=%v: want a positive duration", ErrBadParam, f.Amount)
	case (f.Kind == ClockStrobe || f.Kind == ClockScramble || f.Kind == DelaySpike) && f.Amount == 0:
		return fmt.Errorf("%w: amount=0 does nothing", ErrBadParam)
	case f.Amount < -maxSpan || f.Amount > maxSpan || f.For > maxSpan || f.Period > maxSpan || f.At > maxSpan:
		return fmt.Errorf("%w: durations are limited to %v", ErrBadParam, maxSpan)
	case f.Kind == ClockStrobe && f.For/f.Period > maxStrobeJumps:
		return fmt.Errorf("%w: for=%v period=%v: more than %d jumps", ErrBadParam, f.For, f.Period, maxStrobeJumps)
	case f.PPM < -maxDriftPPM || f.PPM > maxDriftPPM:
		return fmt.Errorf("%w: ppm=%d: want -%d..%d", ErrBadParam, f.PPM, maxDriftPPM, maxDriftPPM)
	}
	return nil
}

func (f Fault) validateGroups() error {
	if len(f.Groups) == 0 {
		if f.Kind == Partition {
			return fmt.Errorf("%w: wants groups=", ErrBadParam)
		}
		return nil
	}
	if f.Kind == PartitionOneWay && len(f.Groups) != 2 {
		return fmt.Errorf("%w: groups=from|to wants two groups, got %d", ErrBadParam, len(f.Groups))
	}
	seen := map[int]bool{}
	for _, g := range f.Groups {
		if len(g) == 0 {
			return fmt.Errorf("%w: empty group", ErrBadParam)
		}
		if err := checkIDs(g); err != nil {
			return err
		}
		for _, id := range g {
			if seen[id] {
				return fmt.Errorf("%w: node %d is in two groups", ErrBadParam, id)
			}
			seen[id] = true
		}
	}
	return nil
}

func checkIDs(ids []int) error {
	for i, id := range ids {
		if id < 1 || id > maxNodeID {
			return fmt.Errorf("%w: node %d", ErrNodeRange, id)
		}
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("%w: node %d listed twice", ErrBadParam, id)
		}
	}
	return nil
}

// nodes is every node id f names, in groups or as targets.
func (f Fault) nodes() []int {
	out := slices.Clone(f.Nodes)
	for _, g := range f.Groups {
		out = append(out, g...)
	}
	return out
}

// clone returns a deep copy, so a schedule's faults never share slices.
func (f Fault) clone() Fault {
	f.Nodes = slices.Clone(f.Nodes)
	if f.Groups != nil {
		groups := make([][]int, len(f.Groups))
		for i, g := range f.Groups {
			groups[i] = slices.Clone(g)
		}
		f.Groups = groups
	}
	return f
}
