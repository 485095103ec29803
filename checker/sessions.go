package checker

import (
	"fmt"
	"sort"
)

var sessionProperties = []Property{PropEphemeral, PropExpiredSession}

// checkSessions verifies that an ended session's operations fail, that nothing it writes
// commits after its closeSession transaction, and that its ephemeral nodes are not seen
// by a client that had already seen that transaction.
func checkSessions(ix *index) []Result {
	ops := ix.h.Ops
	var out []Result
	ids := make([]int64, 0, len(ix.sessions))
	for id := range ix.sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	ended := make(map[int64]*sessionInfo)
	for _, id := range ids {
		if s := ix.sessions[id]; s.endEvent >= 0 || s.endZxid != 0 {
			ended[id] = s
		}
	}
	for i := range ops {
		op := &ops[i]
		if op.Outcome != OutcomeOK {
			continue
		}
		s := ended[op.Session]
		if s == nil {
			continue
		}
		if s.endEvent >= 0 && op.Invoke > s.endTime && op.Resp.Err != ErrSessionExpired {
			ev := ix.h.SessionEvents[s.endEvent]
			out = append(out, Result{Property: PropExpiredSession, Verdict: Fail, Ops: []int{i}, SessionEvents: []int{s.endEvent},
				Summary: fmt.Sprintf("%s was invoked after session %#x was %v (at %d ns) and still succeeded with %v",
					describeOp(i, op), op.Session, ev.Kind, ev.Time, op.Resp.Err)})
			continue
		}
		if s.endZxid != 0 && op.Req.Kind.IsWrite() && op.Zxid > s.endZxid {
			prop := PropExpiredSession
			what := "a closed session's requests must all fail"
			if createsEphemeral(&op.Req) {
				prop = PropEphemeral
				what = "an ephemeral node cannot outlive, or be born after, its owner's session"
			}
			r := Result{Property: prop, Verdict: Fail, Ops: []int{i},
				Summary: fmt.Sprintf("%s committed at zxid %s, after session %#x was closed at %s; %s",
					describeOp(i, op), zx(op.Zxid), op.Session, zx(s.endZxid), what)}
			if s.endEvent >= 0 {
				r.SessionEvents = []int{s.endEvent}
			}
			out = append(out, r)
		}
	}
	// Reads of ephemerals whose deletion by the close was not replayed (an unknown write
	// touched the path); the replayed case is judged by the read-state check.
	for i := range ops {
		op := &ops[i]
		if op.Outcome != OutcomeOK || !op.Resp.HasStat || op.Resp.Err != ErrOK || !op.Req.Kind.IsRead() {
			continue
		}
		owner := op.Resp.Stat.EphemeralOwner
		s := ended[owner]
		if owner == 0 || s == nil || s.endZxid == 0 {
			continue
		}
		if ix.closeReplayed(op.Req.Path, s) {
			continue // the read-state check judges it against the replayed deletion
		}
		if ix.lower[i] >= s.endZxid || op.Resp.Stat.Czxid > s.endZxid {
			r := Result{Property: PropEphemeral, Verdict: Fail, Ops: []int{i},
				Summary: fmt.Sprintf("%s saw an ephemeral node of session %#x although that session closed at %s and the client had seen %s",
					describeOp(i, op), owner, zx(s.endZxid), zx(ix.lower[i]))}
			if s.endEvent >= 0 {
				r.SessionEvents = []int{s.endEvent}
			}
			out = append(out, r)
		}
	}
	return out
}

func createsEphemeral(r *Request) bool {
	if r.Kind == OpCreate {
		return r.Ephemeral
	}
	for k := range r.Ops {
		if r.Ops[k].Kind == OpCreate && r.Ops[k].Ephemeral {
			return true
		}
	}
	return false
}

// closeReplayed reports whether the session's close was replayed as a deletion of path.
func (ix *index) closeReplayed(path string, s *sessionInfo) bool {
	pl := ix.paths[path]
	if pl == nil {
		return false
	}
	lo, hi := pl.changesAt(s.endZxid)
	for k := lo; k < hi; k++ {
		if pl.changes[k].session >= 0 && pl.changes[k].op < 0 {
			return true
		}
	}
	return false
}
