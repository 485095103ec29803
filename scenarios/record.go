package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zksim/zksim/checker"
)

// ErrNoTrace reports a timeline asked of a run that kept no trace (RunOptions.KeepTrace).
var ErrNoTrace = errors.New("scenarios: the run kept no trace")

// ErrTrace reports a trace line the timeline cannot read.
var ErrTrace = errors.New("scenarios: bad trace line")

// ChangeKind is what happened to one node at one instant of a run.
type ChangeKind string

// The changes a timeline records. Process changes come from the world's trace; role
// changes from the servers' own logs (leader established or lost) and from "role …"
// lines a host traces; clock and disk changes from the trace.
const (
	ChangeBoot       ChangeKind = "boot"
	ChangeCrash      ChangeKind = "crash"
	ChangeRestart    ChangeKind = "restart"
	ChangePause      ChangeKind = "pause"
	ChangeResume     ChangeKind = "resume"
	ChangeCrashPoint ChangeKind = "crash-point" // Detail: the point that fired
	ChangeHalt       ChangeKind = "halt"        // Detail: why the host stopped itself
	ChangeRole       ChangeKind = "role"        // Detail: looking, following, leading, observing; Value: epoch
	ChangeClockJump  ChangeKind = "clock-jump"  // Value: the jump in ns
	ChangeClockDrift ChangeKind = "clock-drift" // Value: ppm
	ChangeClockClear ChangeKind = "clock-clear"
	ChangeCorrupt    ChangeKind = "corrupt" // Detail: the file with a flipped bit
)

// NodeChange is one change of one node. Time is true simulated time in nanoseconds.
type NodeChange struct {
	Time   int64
	Node   int
	Kind   ChangeKind
	Detail string
	Value  int64
	Note   string // the rest of a role line: leader, why the server went looking
}

// PartitionChange is the servers' grouping from Time on: Groups lists who can talk to
// whom (nodes in no group are not cut off); OneWay lists blocked directed links added
// to it. Both empty means healed.
type PartitionChange struct {
	Time   int64
	Groups [][]int
	OneWay [][2]int
}

// Timeline is what a run's trace and node logs say about each node over time: the
// data a report draws its lanes from. Node ids are the world's: servers first, then
// clients (client i of the history is Clients[i]).
type Timeline struct {
	Servers    []int
	Clients    []int
	Clocks     []ClockStart // each node's clock when it was added, by node id
	Changes    []NodeChange // ordered by time, then as recorded
	Partitions []PartitionChange
	End        int64
}

// ClockStart is a node's clock as the world set it up: an offset from true time and
// a drift, before any fault.
type ClockStart struct {
	Node     int
	Offset   int64 // ns
	DriftPPM int64
}

// rolePrefix starts a trace line a host writes when its server changes role:
// "role <looking|following|leading|observing|standalone> [epoch=N] [more…]".
const rolePrefix = "role "

// Timeline reads the run's trace (kept with RunOptions.KeepTrace) and node logs.
func (r Result) Timeline() (Timeline, error) {
	if r.Trace == "" {
		return Timeline{}, ErrNoTrace
	}
	var tl Timeline
	for n, line := range strings.Split(strings.TrimSuffix(r.Trace, "\n"), "\n") {
		if err := tl.read(line); err != nil {
			return Timeline{}, fmt.Errorf("%w %d: %v", ErrTrace, n+1, err)
		}
	}
	tl.End = int64(r.Simulated)
	// A host that traces its role changes says more than the node log's leader events
	// (followers, observers, why); those stand in only for hosts that do not.
	traced := map[int]bool{}
	for _, c := range tl.Changes {
		if c.Kind == ChangeRole {
			traced[c.Node] = true
		}
	}
	for _, l := range r.NodeLogs {
		if traced[l.Node] {
			continue
		}
		for _, ev := range l.Events {
			switch ev.Kind {
			case checker.NodeLeaderEstablished:
				tl.Changes = append(tl.Changes, NodeChange{Time: ev.Time, Node: l.Node, Kind: ChangeRole, Detail: "leading", Value: ev.Epoch})
			case checker.NodeLeaderLost:
				tl.Changes = append(tl.Changes, NodeChange{Time: ev.Time, Node: l.Node, Kind: ChangeRole, Detail: "looking", Value: ev.Epoch})
			}
		}
	}
	slices.SortStableFunc(tl.Changes, func(a, b NodeChange) int {
		if a.Time != b.Time {
			return compareInt64(a.Time, b.Time)
		}
		return a.Node - b.Node
	})
	return tl, nil
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// traceFields splits "k=v k2=\"quoted v\"" into ordered pairs.
func traceFields(s string) ([][2]string, error) {
	var out [][2]string
	for s = strings.TrimLeft(s, " "); s != ""; s = strings.TrimLeft(s, " ") {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || strings.Contains(key, " ") {
			return nil, fmt.Errorf("field %q has no value", s)
		}
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("field %s: %v", key, err)
			}
			v, _ := strconv.Unquote(q)
			out = append(out, [2]string{key, v})
			s = rest[len(q):]
			continue
		}
		v, after, _ := strings.Cut(rest, " ")
		out = append(out, [2]string{key, v})
		s = after
	}
	return out, nil
}

func (tl *Timeline) read(line string) error {
	ts, rest, ok := strings.Cut(line, " ")
	if !ok {
		return fmt.Errorf("%q has no kind", line)
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("time: %v", err)
	}
	kind, rest, _ := strings.Cut(rest, " ")
	switch kind {
	case "add", "boot", "crash", "restart", "pause", "resume", "crash-point", "log",
		"clock-jump", "clock-drift", "clock-clear", "corrupt", "partition", "partition-oneway", "heal":
	default:
		return nil // messages, timers, connections, syncs: not drawn
	}
	fields, err := traceFields(rest)
	if err != nil {
		return err
	}
	get := func(key string) string {
		for _, f := range fields {
			if f[0] == key {
				return f[1]
			}
		}
		return ""
	}
	num := func(key string) (int64, error) {
		v, err := strconv.ParseInt(get(key), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %v", kind, key, err)
		}
		return v, nil
	}
	switch kind {
	case "partition":
		return tl.readPartition(t, fields)
	case "partition-oneway":
		return tl.readOneWay(t, fields)
	case "heal":
		tl.Partitions = append(tl.Partitions, PartitionChange{Time: t})
		return nil
	}
	n, err := num("n")
	if err != nil {
		return err
	}
	node := int(n)
	change := NodeChange{Time: t, Node: node, Kind: ChangeKind(kind)}
	switch kind {
	case "add":
		offset, err := num("offset")
		if err != nil {
			return err
		}
		drift, err := num("drift")
		if err != nil {
			return err
		}
		tl.Clocks = append(tl.Clocks, ClockStart{Node: node, Offset: offset, DriftPPM: drift})
		if get("kind") == "server" {
			tl.Servers = append(tl.Servers, node)
		} else {
			tl.Clients = append(tl.Clients, node)
		}
		return nil
	case "crash-point":
		change.Detail = get("point")
	case "corrupt":
		change.Detail = get("file")
	case "clock-jump", "clock-drift":
		if change.Value, err = num("v"); err != nil {
			return err
		}
	case "log":
		text := get("text")
		switch {
		case strings.HasPrefix(text, "halt: "):
			change.Kind, change.Detail = ChangeHalt, strings.TrimPrefix(text, "halt: ")
		case strings.HasPrefix(text, rolePrefix):
			change.Kind = ChangeRole
			words := strings.Fields(strings.TrimPrefix(text, rolePrefix))
			if len(words) == 0 {
				return fmt.Errorf("role line %q names no role", text)
			}
			change.Detail = words[0]
			change.Note = strings.Join(words[1:], " ")
			for _, w := range words[1:] {
				if v, ok := strings.CutPrefix(w, "epoch="); ok {
					if change.Value, err = strconv.ParseInt(v, 10, 64); err != nil {
						return fmt.Errorf("role epoch: %v", err)
					}
					break
				}
			}
		default:
			return nil
		}
	}
	tl.Changes = append(tl.Changes, change)
	return nil
}

// readPartition reads "partition g=G1 g=G2 …": node i's group, 0 for none.
func (tl *Timeline) readPartition(t int64, fields [][2]string) error {
	byGroup := map[int64][]int{}
	var order []int64
	for i, f := range fields {
		g, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || f[0] != "g" {
			return fmt.Errorf("partition field %s=%s", f[0], f[1])
		}
		if g == 0 {
			continue
		}
		if _, seen := byGroup[g]; !seen {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], i+1)
	}
	slices.Sort(order)
	pc := PartitionChange{Time: t}
	for _, g := range order {
		pc.Groups = append(pc.Groups, byGroup[g])
	}
	tl.Partitions = append(tl.Partitions, pc) // it replaces one-way cuts too
	return nil
}

// readOneWay reads "partition-oneway from=A to=B …", added to the current grouping.
func (tl *Timeline) readOneWay(t int64, fields [][2]string) error {
	pc := PartitionChange{Time: t}
	if last := len(tl.Partitions) - 1; last >= 0 {
		pc.Groups = tl.Partitions[last].Groups
		pc.OneWay = slices.Clone(tl.Partitions[last].OneWay)
	}
	if len(fields)%2 != 0 {
		return errors.New("partition-oneway: unpaired field")
	}
	for i := 0; i < len(fields); i += 2 {
		from, err1 := strconv.Atoi(fields[i][1])
		to, err2 := strconv.Atoi(fields[i+1][1])
		if fields[i][0] != "from" || fields[i+1][0] != "to" || err1 != nil || err2 != nil {
			return fmt.Errorf("partition-oneway field %s=%s", fields[i][0], fields[i][1])
		}
		pc.OneWay = append(pc.OneWay, [2]int{from, to})
	}
	tl.Partitions = append(tl.Partitions, pc)
	return nil
}
