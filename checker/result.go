package checker

import (
	"fmt"
	"sort"
	"strings"
)

// Property names one promise the checkers verify.
type Property string

// The properties, in the order a Report lists them.
const (
	PropLinearizable     Property = "linearizable-writes"
	PropSyncReads        Property = "linearizable-sync-reads"
	PropWriteOrder       Property = "write-order"
	PropMonotonicZxid    Property = "monotonic-zxid"
	PropReadState        Property = "read-state"
	PropReadYourWrites   Property = "read-your-writes"
	PropSequential       Property = "sequential-names"
	PropWatchOnce        Property = "watch-once"
	PropWatchOrder       Property = "watch-before-data"
	PropEphemeral        Property = "ephemeral-lifetime"
	PropExpiredSession   Property = "expired-session-fails"
	PropZabOneLeader     Property = "zab-one-leader-per-epoch"
	PropZabCommitted     Property = "zab-committed-prefix"
	PropZabDurable       Property = "zab-acked-write-durable"
	PropZabLeaderHolds   Property = "zab-leader-holds-committed"
	PropZabMonotonic     Property = "zab-monotonic"
	PropZabConverged     Property = "zab-converged"
	PropLivenessLeader   Property = "liveness-leader"
	PropLivenessProgress Property = "liveness-progress"
)

// Properties lists every property in report order.
var Properties = []Property{
	PropLinearizable, PropSyncReads, PropWriteOrder, PropMonotonicZxid, PropReadState,
	PropReadYourWrites, PropSequential, PropWatchOnce, PropWatchOrder, PropEphemeral,
	PropExpiredSession, PropZabOneLeader, PropZabCommitted, PropZabDurable,
	PropZabLeaderHolds, PropZabMonotonic, PropZabConverged, PropLivenessLeader,
	PropLivenessProgress,
}

func propertyRank(p Property) int {
	for i, q := range Properties {
		if p == q {
			return i
		}
	}
	return len(Properties)
}

// Verdict is the judgement on one property.
type Verdict uint8

// Verdicts. KnownLimitation marks an anomaly ZooKeeper itself permits in practice (a read
// after sync served by a deposed leader), reported apart from real violations. Inconclusive
// means the checker could not decide (a timeout, or not enough history).
const (
	Pass Verdict = iota + 1
	Fail
	KnownLimitation
	Inconclusive
	Skipped
)

func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Fail:
		return "FAIL"
	case KnownLimitation:
		return "known-limitation"
	case Inconclusive:
		return "inconclusive"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// NodeEventRef points at one event of one node's log.
type NodeEventRef struct {
	Node  int
	Index int
}

// Result is a verdict on one property with the minimal evidence behind it. Indices refer
// to History.Ops, History.WatchEvents, History.SessionEvents and NodeLog.Events.
type Result struct {
	Property      Property
	Verdict       Verdict
	Ops           []int
	WatchEvents   []int
	SessionEvents []int
	NodeEvents    []NodeEventRef
	Summary       string
}

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", r.Property, r.Verdict)
	if r.Summary != "" {
		fmt.Fprintf(&b, ": %s", r.Summary)
	}
	if len(r.Ops) > 0 {
		fmt.Fprintf(&b, " ops=%v", r.Ops)
	}
	if len(r.WatchEvents) > 0 {
		fmt.Fprintf(&b, " watch-events=%v", r.WatchEvents)
	}
	if len(r.SessionEvents) > 0 {
		fmt.Fprintf(&b, " session-events=%v", r.SessionEvents)
	}
	if len(r.NodeEvents) > 0 {
		fmt.Fprintf(&b, " node-events=%v", r.NodeEvents)
	}
	return b.String()
}

// Report is the outcome of Check: one Pass (or Skipped) result per property that held, and
// one result per violation found, in a deterministic order.
type Report struct {
	Results []Result
	// Visualization is the path of Porcupine's HTML rendering when linearizability failed.
	Visualization string
}

// OK reports whether no property failed. Known limitations and inconclusive results do not
// make a report fail.
func (r Report) OK() bool {
	return len(r.Failures()) == 0
}

// Failures returns the failed results.
func (r Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Verdict == Fail {
			out = append(out, res)
		}
	}
	return out
}

// Find returns the results about one property.
func (r Report) Find(p Property) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Property == p {
			out = append(out, res)
		}
	}
	return out
}

func (r Report) String() string {
	var b strings.Builder
	for _, res := range r.Results {
		b.WriteString(res.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// maxPerProperty bounds how many violations of one property a report lists: the first few
// are what a person reads; the rest is noise.
const maxPerProperty = 10

// finish sorts results, adds a Pass for each checked property without findings, and caps
// repeated violations.
func finish(results []Result, checked []Property, skipped []Property) []Result {
	for i := range results {
		sort.Ints(results[i].Ops)
		sort.Ints(results[i].WatchEvents)
		sort.Ints(results[i].SessionEvents)
		sort.Slice(results[i].NodeEvents, func(a, b int) bool {
			x, y := results[i].NodeEvents[a], results[i].NodeEvents[b]
			if x.Node != y.Node {
				return x.Node < y.Node
			}
			return x.Index < y.Index
		})
	}
	seen := make(map[Property]bool)
	for _, r := range results {
		seen[r.Property] = true
	}
	for _, p := range checked {
		if !seen[p] {
			results = append(results, Result{Property: p, Verdict: Pass})
			seen[p] = true
		}
	}
	for _, p := range skipped {
		if !seen[p] {
			results = append(results, Result{Property: p, Verdict: Skipped})
			seen[p] = true
		}
	}
	sort.SliceStable(results, func(a, b int) bool {
		x, y := results[a], results[b]
		if rx, ry := propertyRank(x.Property), propertyRank(y.Property); rx != ry {
			return rx < ry
		}
		if x.Verdict != y.Verdict {
			return x.Verdict < y.Verdict
		}
		return firstEvidence(x) < firstEvidence(y)
	})
	out := results[:0]
	count := make(map[Property]int)
	for _, r := range results {
		count[r.Property]++
		if count[r.Property] > maxPerProperty {
			continue
		}
		out = append(out, r)
	}
	return out
}

func firstEvidence(r Result) int {
	switch {
	case len(r.Ops) > 0:
		return r.Ops[0]
	case len(r.WatchEvents) > 0:
		return r.WatchEvents[0]
	case len(r.SessionEvents) > 0:
		return r.SessionEvents[0]
	case len(r.NodeEvents) > 0:
		return r.NodeEvents[0].Node<<32 | r.NodeEvents[0].Index
	}
	return -1
}

func describeOp(i int, op *Operation) string {
	switch op.Req.Kind {
	case OpMulti:
		return fmt.Sprintf("op %d (client %d multi of %d)", i, op.Client, len(op.Req.Ops))
	case OpSync:
		return fmt.Sprintf("op %d (client %d sync)", i, op.Client)
	}
	return fmt.Sprintf("op %d (client %d %v %s)", i, op.Client, op.Req.Kind, op.Req.Path)
}

func zx(z int64) string {
	return fmt.Sprintf("0x%x", z)
}
