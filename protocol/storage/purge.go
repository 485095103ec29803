package storage

import (
	"slices"
)

// MinSnapRetainCount is ZooKeeper's floor for autopurge.snapRetainCount.
const MinSnapRetainCount = 3

// PurgePlan returns the names of the snapshots and logs autopurge may delete, following
// ZooKeeper's PurgeTxnLog: keep the snapRetainCount newest snapshots, and every log
// needed to replay from the oldest kept one (the logs named above it, plus the last log
// named at or below it). Anything older goes. Pass only the names of snapshots known to
// be valid (Recover's result tells which are damaged): a damaged newest snapshot must not
// push a good one out of the kept set. Names of other files are ignored. The result is
// sorted.
func PurgePlan(names []string, snapRetainCount int) ([]string, error) {
	if snapRetainCount < MinSnapRetainCount {
		return nil, errorOf(ErrInvalid, "snapRetainCount ", itoa(snapRetainCount), " is below ", itoa(MinSnapRetainCount))
	}
	l := classify(names)
	if len(l.snapshots) == 0 {
		return nil, nil
	}
	kept := l.snapshots[:min(snapRetainCount, len(l.snapshots))]
	oldest := kept[len(kept)-1].zxid
	needed := map[string]bool{}
	for _, f := range logsFrom(l.logs, oldest) {
		needed[f.name] = true
	}
	var del []string
	for _, f := range l.snapshots {
		if f.zxid < oldest {
			del = append(del, f.name)
		}
	}
	for _, f := range l.logs {
		if f.zxid < oldest && !needed[f.name] {
			del = append(del, f.name)
		}
	}
	slices.Sort(del)
	return del, nil
}
