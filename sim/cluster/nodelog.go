package cluster

import (
	"hash/fnv"
	"slices"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
)

// NodeRecord is what a server recorded about its own storage and state machine over
// every incarnation: the checker.NodeLog the ZAB-invariant checker reads, plus the
// faults that stopped it. It lives outside the process, so it survives crashes.
type NodeRecord struct {
	node       int
	now        func() int64
	events     []checker.NodeEvent
	faults     []Fault
	repairs    []Fault
	lastLogged int64
	restarts   int
	accepted   int64
	current    int64
}

// Fault is a reason a node stopped on its own: a failed fsync, storage it refused to
// recover from, an armed crash point.
type Fault struct {
	Time   int64
	Reason string
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

// logged records a transaction once it is durable in the log: what a crash cannot
// take back.
func (r *NodeRecord) logged(zxid int64, hash uint64) {
	r.add(checker.NodeEvent{Kind: checker.NodeLogged, Zxid: zxid, Digest: hash})
	r.lastLogged = zxid
}

func (r *NodeRecord) truncated(zxid int64) {
	r.add(checker.NodeEvent{Kind: checker.NodeTruncated, Zxid: zxid})
	r.lastLogged = zxid
}

func (r *NodeRecord) snapshot(zxid int64) {
	r.add(checker.NodeEvent{Kind: checker.NodeSnapshot, Zxid: zxid})
	r.lastLogged = zxid
}

// epochs records the epoch files as they became durable, when they changed.
func (r *NodeRecord) epochs(hs protocol.HardState) {
	if hs.AcceptedEpoch != r.accepted {
		r.add(checker.NodeEvent{Kind: checker.NodeAcceptedEpoch, Epoch: hs.AcceptedEpoch})
		r.accepted = hs.AcceptedEpoch
	}
	if hs.CurrentEpoch != r.current {
		r.add(checker.NodeEvent{Kind: checker.NodeCurrentEpoch, Epoch: hs.CurrentEpoch})
		r.current = hs.CurrentEpoch
	}
}

func (r *NodeRecord) committed(zxid int64) {
	r.add(checker.NodeEvent{Kind: checker.NodeCommitted, Zxid: zxid})
}

// recovered notes a restart from storage that holds transactions up to rec.LastZxid:
// what was logged above it (an unsynced tail) is gone, and what the crash happened to
// keep of a tail that was never synced counts as logged from now on.
func (r *NodeRecord) recovered(rec storage.RecoveredState) {
	if r.restarts > 0 || len(r.events) > 0 {
		r.add(checker.NodeEvent{Kind: checker.NodeRestarted})
	}
	r.restarts++
	if r.lastLogged > rec.LastZxid {
		r.add(checker.NodeEvent{Kind: checker.NodeTruncated, Zxid: rec.LastZxid})
		r.lastLogged = rec.LastZxid
		return
	}
	for _, rc := range rec.Records {
		if rc.Zxid > r.lastLogged {
			r.logged(rc.Zxid, TxnHash(rc.Payload))
		}
	}
	r.lastLogged = max(r.lastLogged, rec.LastZxid)
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

// TxnHash is the digest of one logged transaction that node logs carry: FNV-1a over its
// encoding, so two nodes holding different transactions at one zxid differ.
func TxnHash(payload []byte) uint64 {
	h := fnv.New64a()
	h.Write(payload)
	return h.Sum64()
}
