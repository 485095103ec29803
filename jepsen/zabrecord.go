package jepsen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/noderec"
)

// zabRecordFile is where the server appends its own ZAB events (zkserver
// --test-only-zab-record); every incarnation of the node appends to the same file.
func (n *node) zabRecordFile() string { return filepath.Join(n.dir, "zab-record") }

// nodeRecord is one node's record file read back.
type nodeRecord struct {
	events []checker.NodeEvent
	torn   int // lines that did not parse (a kill -9 mid-line)
}

// readZabRecord reads a record file; times become nanoseconds since start, the
// history's clock.
func readZabRecord(path string, start time.Time) (nodeRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nodeRecord{}, err
	}
	events, bad := noderec.ParseFile(string(b))
	for i := range events {
		events[i].Time -= start.UnixNano()
	}
	return nodeRecord{events, bad}, nil
}

// lastCommitted is the commit point a node's events end at in its latest incarnation:
// its last commit or installed snapshot after its last restart (0 if none).
func lastCommitted(events []checker.NodeEvent) int64 {
	var z int64
	for _, ev := range events {
		switch ev.Kind {
		case checker.NodeRestarted:
			z = 0
		case checker.NodeCommitted, checker.NodeSnapshot:
			z = ev.Zxid
		}
	}
	return z
}

// zabLogs reads every node's record into the checker's per-node logs. A node up at the
// end is live and gets a final event at its commit point; real servers report no tree
// digest there, so zab-converged compares commit points only (servers-converge-real
// compares the trees). Before reading, it waits up to settle for the live nodes'
// commit points to agree: the read-back's own sessions close just before.
func zabLogs(cl *Cluster, start time.Time, end time.Duration, settle time.Duration) ([]checker.NodeLog, []string, error) {
	ids := cl.Nodes()
	live := map[int]bool{}
	for _, id := range ids {
		st, err := cl.Status(id)
		if err != nil {
			return nil, nil, err
		}
		live[id] = st == nemesis.Up
	}
	deadline := time.Now().Add(settle)
	for {
		recs := map[int]nodeRecord{}
		agree, first := true, int64(-1)
		for _, id := range ids {
			n, err := cl.node(id)
			if err != nil {
				return nil, nil, err
			}
			r, err := readZabRecord(n.zabRecordFile(), start)
			if err != nil {
				return nil, nil, err
			}
			recs[id] = r
			if live[id] {
				z := lastCommitted(r.events)
				if first >= 0 && z != first {
					agree = false
				}
				first = z
			}
		}
		if !agree && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var logs []checker.NodeLog
		var notes []string
		for _, id := range ids {
			r := recs[id]
			l := checker.NodeLog{Node: id, Live: live[id], Events: r.events}
			if live[id] {
				t := int64(end)
				if n := len(r.events); n > 0 {
					t = max(t, r.events[n-1].Time)
				}
				l.Events = append(l.Events, checker.NodeEvent{Kind: checker.NodeFinal, Time: t, Zxid: lastCommitted(r.events)})
			}
			if r.torn > 0 {
				notes = append(notes, fmt.Sprintf("node %d's ZAB record had %d torn line(s), skipped", id, r.torn))
			}
			logs = append(logs, l)
		}
		return logs, notes, nil
	}
}
