package checker

import (
	"fmt"
	"iter"
	"sort"

	"github.com/zksim/zksim/protocol/noderec"
)

// NodeEventKind is what one server recorded about its own protocol state; the hosts
// record it through protocol/noderec, which owns the vocabulary so that a real server
// can record it without importing the checker.
type NodeEventKind = noderec.Kind

// Node event kinds (see noderec for what each means).
const (
	NodeLeaderEstablished = noderec.LeaderEstablished
	NodeLeaderLost        = noderec.LeaderLost
	NodeAcceptedEpoch     = noderec.AcceptedEpoch
	NodeCurrentEpoch      = noderec.CurrentEpoch
	NodeLogged            = noderec.Logged
	NodeCommitted         = noderec.Committed
	NodeTruncated         = noderec.Truncated
	NodeSnapshot          = noderec.Snapshot
	NodeRestarted         = noderec.Restarted
	NodeFinal             = noderec.Final
)

// NodeEvent is one event of a node's own log (noderec.Event).
type NodeEvent = noderec.Event

// NodeLog is one server's ordered events. Live says whether the node is up at the end.
type NodeLog struct {
	Node   int
	Live   bool
	Events []NodeEvent
}

var zabProperties = []Property{PropZabOneLeader, PropZabCommitted, PropZabDurable, PropZabLeaderHolds, PropZabMonotonic, PropZabConverged}

// zabNode is the replayed state of one node.
type zabNode struct {
	log           map[int64]uint64 // zxid -> digest of transactions currently in the log
	base          int64            // snapshot zxid: everything at or below counts as held
	lastLogged    int64
	lastCommitted int64
	hasCommitted  bool
	accepted      int64
	current       int64
	holeFrom      int64 // the zxid after which the next commit must follow without a hole
	commits       []nodeCommit
}

// nodeCommit is one commit and the zxid it must follow without a hole in the global order.
type nodeCommit struct {
	zxid, after int64
	event       int
}

type globalCommit struct {
	digest uint64
	ref    NodeEventRef
	time   int64
}

// checkZab verifies ZAB's invariants from the nodes' own logs, replayed in true time
// order, and that every zxid acknowledged to a client survives.
func checkZab(logs []NodeLog, ix *index) []Result {
	nodes := make([]*zabNode, len(logs))
	for li := range logs {
		nodes[li] = &zabNode{log: make(map[int64]uint64)}
	}
	var out []Result
	fail := func(p Property, refs []NodeEventRef, format string, args ...any) {
		out = append(out, Result{Property: p, Verdict: Fail, NodeEvents: refs, Summary: fmt.Sprintf(format, args...)})
	}
	leaders := make(map[int64]NodeEventRef)
	committed := make(map[int64]globalCommit)
	var committedSorted []int64 // kept sorted as commits arrive
	for r := range inTimeOrder(logs) {
		n := nodes[r.log]
		here := NodeEventRef{r.node, r.idx}
		ev := r.ev
		switch ev.Kind {
		case NodeLeaderEstablished:
			if prev, ok := leaders[ev.Epoch]; ok && prev.Node != r.node {
				fail(PropZabOneLeader, []NodeEventRef{prev, here}, "nodes %d and %d were both established leader of epoch %d", prev.Node, r.node, ev.Epoch)
			} else if !ok {
				leaders[ev.Epoch] = here
			}
			// A leader of epoch e must hold what was committed in the epochs before e.
			// Transactions of later epochs are not its to hold: a leader paused in the
			// middle of establishing an old epoch can finish after newer ones began,
			// and its followers, long moved on, refuse what it proposes.
			for _, z := range committedSorted {
				if z <= n.base {
					continue
				}
				if z>>32 >= ev.Epoch {
					break
				}
				g := committed[z]
				if d, ok := n.log[z]; !ok || d != g.digest {
					fail(PropZabLeaderHolds, []NodeEventRef{g.ref, here},
						"node %d became leader of epoch %d without transaction %s, which node %d had already committed", r.node, ev.Epoch, zx(z), g.ref.Node)
					break
				}
			}
		case NodeAcceptedEpoch:
			if ev.Epoch < n.accepted {
				fail(PropZabMonotonic, []NodeEventRef{here}, "node %d lowered its acceptedEpoch from %d to %d", r.node, n.accepted, ev.Epoch)
			}
			n.accepted = ev.Epoch
		case NodeCurrentEpoch:
			if ev.Epoch < n.current {
				fail(PropZabMonotonic, []NodeEventRef{here}, "node %d lowered its currentEpoch from %d to %d", r.node, n.current, ev.Epoch)
			}
			if ev.Epoch > n.accepted {
				fail(PropZabMonotonic, []NodeEventRef{here}, "node %d set currentEpoch %d above its acceptedEpoch %d", r.node, ev.Epoch, n.accepted)
			}
			n.current = ev.Epoch
		case NodeLogged:
			if ev.Zxid <= n.lastLogged {
				fail(PropZabMonotonic, []NodeEventRef{here}, "node %d logged %s after %s without a declared truncation", r.node, zx(ev.Zxid), zx(n.lastLogged))
			}
			n.log[ev.Zxid] = ev.Digest
			n.lastLogged = ev.Zxid
		case NodeCommitted:
			if n.hasCommitted && ev.Zxid <= n.lastCommitted {
				fail(PropZabMonotonic, []NodeEventRef{here}, "node %d committed %s after %s", r.node, zx(ev.Zxid), zx(n.lastCommitted))
			}
			n.lastCommitted, n.hasCommitted = ev.Zxid, true
			d, ok := n.log[ev.Zxid]
			if !ok {
				if ev.Zxid > n.base {
					fail(PropZabCommitted, []NodeEventRef{here}, "node %d committed %s, which is not in its log", r.node, zx(ev.Zxid))
				}
				continue
			}
			n.commits = append(n.commits, nodeCommit{ev.Zxid, n.holeFrom, r.idx})
			n.holeFrom = ev.Zxid
			if g, seen := committed[ev.Zxid]; seen {
				if g.digest != d {
					fail(PropZabCommitted, []NodeEventRef{g.ref, here},
						"nodes %d and %d committed different transactions at zxid %s", g.ref.Node, r.node, zx(ev.Zxid))
				}
				continue
			}
			committed[ev.Zxid] = globalCommit{d, here, ev.Time}
			at := sort.Search(len(committedSorted), func(k int) bool { return committedSorted[k] >= ev.Zxid })
			committedSorted = append(committedSorted, 0)
			copy(committedSorted[at+1:], committedSorted[at:])
			committedSorted[at] = ev.Zxid
		case NodeTruncated:
			for _, z := range sortedKeys(n.log) {
				if z <= ev.Zxid {
					continue
				}
				if g, ok := committed[z]; ok && g.digest == n.log[z] {
					fail(PropZabCommitted, []NodeEventRef{g.ref, here},
						"node %d truncated its log to %s, discarding %s which node %d had committed", r.node, zx(ev.Zxid), zx(z), g.ref.Node)
				}
				delete(n.log, z)
			}
			n.lastLogged = ev.Zxid
			n.holeFrom = min(n.holeFrom, ev.Zxid)
			if n.hasCommitted && n.lastCommitted > ev.Zxid {
				n.lastCommitted = ev.Zxid
			}
		case NodeSnapshot:
			for _, z := range sortedKeys(n.log) {
				if z > ev.Zxid {
					if g, ok := committed[z]; ok && g.digest == n.log[z] {
						fail(PropZabCommitted, []NodeEventRef{g.ref, here},
							"node %d replaced its state by a snapshot at %s, discarding %s which node %d had committed", r.node, zx(ev.Zxid), zx(z), g.ref.Node)
					}
				}
				delete(n.log, z)
			}
			n.base = ev.Zxid
			n.holeFrom = ev.Zxid
			n.lastLogged = ev.Zxid
			n.lastCommitted, n.hasCommitted = ev.Zxid, true
		case NodeRestarted:
			n.hasCommitted = false
			n.lastCommitted = 0
		}
	}
	// Prefix agreement: each node's run of commits has no hole in the global order.
	for li := range logs {
		n := nodes[li]
		for _, c := range n.commits {
			lo := sort.Search(len(committedSorted), func(j int) bool { return committedSorted[j] > c.after })
			if lo < len(committedSorted) && committedSorted[lo] < c.zxid {
				missing := committedSorted[lo]
				fail(PropZabCommitted, []NodeEventRef{committed[missing].ref, {Node: logs[li].Node, Index: c.event}},
					"node %d committed %s right after %s, skipping %s which node %d committed", logs[li].Node, zx(c.zxid), zx(c.after), zx(missing), committed[missing].ref.Node)
				break
			}
		}
	}
	out = append(out, checkConvergence(logs)...)
	out = append(out, checkDurable(logs, nodes, committed, ix)...)
	return out
}

// eventRef is one node event and where it sits: the log's node and position.
type eventRef struct {
	node, log, idx int
	ev             NodeEvent
}

// inTimeOrder yields every event of every log by time; events of equal time come in
// log order, then in their order within the log: a stable sort by time. Each log is
// in time order (validateLogs), so merging the logs suffices.
func inTimeOrder(logs []NodeLog) iter.Seq[eventRef] {
	return func(yield func(eventRef) bool) {
		next := make([]int, len(logs))
		for {
			best := -1
			for li := range logs {
				if next[li] < len(logs[li].Events) && (best < 0 || logs[li].Events[next[li]].Time < logs[best].Events[next[best]].Time) {
					best = li
				}
			}
			if best < 0 {
				return
			}
			i := next[best]
			next[best]++
			if !yield(eventRef{logs[best].Node, best, i, logs[best].Events[i]}) {
				return
			}
		}
	}
}

func sortedKeys(m map[int64]uint64) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	return keys
}

// finalOf returns the last NodeFinal event of a log.
func finalOf(l *NodeLog) (NodeEvent, int, bool) {
	for i := len(l.Events) - 1; i >= 0; i-- {
		if l.Events[i].Kind == NodeFinal {
			return l.Events[i], i, true
		}
	}
	return NodeEvent{}, -1, false
}

func checkConvergence(logs []NodeLog) []Result {
	var out []Result
	first := -1
	for li := range logs {
		if !logs[li].Live {
			continue
		}
		f, fi, ok := finalOf(&logs[li])
		if !ok {
			out = append(out, Result{Property: PropZabConverged, Verdict: Fail,
				Summary: fmt.Sprintf("live node %d recorded no final state", logs[li].Node)})
			continue
		}
		if first < 0 {
			first = li
			continue
		}
		g, gi, _ := finalOf(&logs[first])
		if f.Zxid != g.Zxid || f.Digest != g.Digest {
			out = append(out, Result{Property: PropZabConverged, Verdict: Fail,
				NodeEvents: []NodeEventRef{{logs[first].Node, gi}, {logs[li].Node, fi}},
				Summary: fmt.Sprintf("after the final heal node %d ended at %s with digest %#x but node %d at %s with digest %#x",
					logs[first].Node, zx(g.Zxid), g.Digest, logs[li].Node, zx(f.Zxid), f.Digest)})
		}
	}
	return out
}

// checkDurable verifies that every zxid acknowledged to a client was committed and is held
// by every live node at the end.
func checkDurable(logs []NodeLog, nodes []*zabNode, committed map[int64]globalCommit, ix *index) []Result {
	if ix == nil {
		return nil
	}
	var out []Result
	ops := ix.h.Ops
	for i := range ops {
		op := &ops[i]
		if op.Outcome != OutcomeOK || !op.Req.Kind.IsWrite() {
			continue
		}
		z := op.Zxid
		if _, ok := committed[z]; !ok {
			held := false
			for li := range logs {
				if nodes[li].base >= z {
					held = true
				}
			}
			if !held {
				out = append(out, Result{Property: PropZabDurable, Verdict: Fail, Ops: []int{i},
					Summary: fmt.Sprintf("%s was acknowledged at zxid %s, but no node ever committed it", describeOp(i, op), zx(z))})
				continue
			}
		}
		for li := range logs {
			if !logs[li].Live {
				continue
			}
			f, fi, ok := finalOf(&logs[li])
			if !ok {
				continue
			}
			if f.Zxid < z {
				out = append(out, Result{Property: PropZabDurable, Verdict: Fail, Ops: []int{i},
					NodeEvents: []NodeEventRef{{logs[li].Node, fi}},
					Summary:    fmt.Sprintf("%s was acknowledged at zxid %s, but live node %d ended at %s without it", describeOp(i, op), zx(z), logs[li].Node, zx(f.Zxid))})
				break
			}
			n := nodes[li]
			if d, ok := n.log[z]; z > n.base && (!ok || d != committed[z].digest) {
				out = append(out, Result{Property: PropZabDurable, Verdict: Fail, Ops: []int{i},
					NodeEvents: []NodeEventRef{{logs[li].Node, fi}},
					Summary:    fmt.Sprintf("%s was acknowledged at zxid %s, but live node %d's final log does not hold that transaction", describeOp(i, op), zx(z), logs[li].Node)})
				break
			}
		}
	}
	return out
}
