package cluster

import (
	"slices"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol/noderec"
)

// NodeRecord is what a server recorded about its own storage and state machine over
// every incarnation: the checker.NodeLog the ZAB-invariant checker reads, plus the
// faults that stopped it. It lives outside the process, so it survives crashes.
type NodeRecord struct {
	node    int
	now     func() int64
	events  []checker.NodeEvent
	faults  []Fault
	repairs []Fault
	// rec decides what to record; the zkserver's --test-only-zab-record shares it.
	rec noderec.Recorder
}

// Fault is a reason a node stopped on its own: a failed fsync, storage it refused to
// recover from, an armed crash point.
type Fault struct {
	Time   int64
	Reason string
}

// recorder returns the node's Recorder, bound to this record's event list.
func (r *NodeRecord) recorder() *noderec.Recorder {
	if r.rec.Emit == nil {
		r.rec.Emit = r.add
	}
	return &r.rec
}

func (r *NodeRecord) add(ev checker.NodeEvent) {
	ev.Time = r.now()
	if len(r.events) == cap(r.events) {
		// Double: append's growth of large slices (about 1.25x) copied the log
		// several times over in a long run.
		r.events = slices.Grow(r.events, max(len(r.events), 256))
	}
	r.events = append(r.events, ev)
}

func (r *NodeRecord) fault(reason string) {
	r.faults = append(r.faults, Fault{Time: r.now(), Reason: reason})
}

func (r *NodeRecord) repaired(what string) {
	r.repairs = append(r.repairs, Fault{Time: r.now(), Reason: what})
}

// Repairs returns the storage repairs recovery made at restarts (a torn tail cut, an
// empty log deleted), oldest first.
func (r *NodeRecord) Repairs() []Fault { return slices.Clone(r.repairs) }

// Faults returns the faults that stopped the node, oldest first.
func (r *NodeRecord) Faults() []Fault { return slices.Clone(r.faults) }

// Log returns the node's events as a checker.NodeLog. When live, the final state
// (digest and last zxid) is appended, as the convergence check expects at the end of a
// run.
func (r *NodeRecord) Log(live bool, digest uint64, lastZxid int64) checker.NodeLog {
	l := checker.NodeLog{Node: r.node, Live: live, Events: slices.Clone(r.events)}
	if live {
		l.Events = append(l.Events, checker.NodeEvent{Kind: checker.NodeFinal, Time: r.now(), Zxid: lastZxid, Digest: digest})
	}
	return l
}

// TxnHash is the digest of one logged transaction that node logs carry (noderec.TxnHash).
func TxnHash(payload []byte) uint64 { return noderec.TxnHash(payload) }
