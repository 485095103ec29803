package checker

import (
	"fmt"
	"sort"
)

// LivenessConfig gives the moment of the final heal and the ensemble's timing settings,
// from which the recovery bounds are computed. Durations are nanoseconds.
type LivenessConfig struct {
	HealTime int64 // when the last fault was healed
	End      int64 // when the run stopped; 0 means the latest time in the history

	TickTime       int64
	InitLimit      int64 // ticks
	SyncLimit      int64 // ticks
	SessionTimeout int64
	// ElectionTimeout is the longest a Fast Leader Election round may wait for
	// notifications before it resends (maxNotificationInterval, or the configured cap).
	ElectionTimeout int64
	// FinalizeWait is the wait after a quorum agrees before deciding (200 ms in ZooKeeper).
	FinalizeWait int64

	// Clients that must make progress; nil means every client that invoked an operation
	// after HealTime.
	Clients []int
	// UpAtEnd names the nodes that were up at End, when the run went on past it and
	// nodes changed (a final power cycle); nil means each NodeLog's Live.
	UpAtEnd map[int]bool
}

// LeaderBound is how long after the heal a leader must be established: an old leader or
// follower notices the fault within syncLimit ticks, one election round with its finalize
// wait runs, and discovery plus synchronization each take at most initLimit ticks. Two
// election rounds are allowed for votes that crossed while the network healed.
func (c LivenessConfig) LeaderBound() int64 {
	return c.SyncLimit*c.TickTime + 2*(c.ElectionTimeout+c.FinalizeWait) + 2*c.InitLimit*c.TickTime
}

// ClientBound is how long after the heal every live client must complete an operation:
// the leader bound, then a client that lost its server detects it within its read timeout
// (two thirds of the session timeout) and reconnects within the session timeout.
func (c LivenessConfig) ClientBound() int64 {
	return c.LeaderBound() + c.SessionTimeout + 2*c.TickTime
}

var livenessProperties = []Property{PropLivenessLeader, PropLivenessProgress}

// checkLiveness verifies that after the final heal a leader is established within
// LeaderBound and every live client completes an operation (or establishes a session)
// within ClientBound.
func checkLiveness(h *History, logs []NodeLog, cfg LivenessConfig) []Result {
	end := cfg.End
	if end == 0 {
		for i := range h.Ops {
			end = max(end, h.Ops[i].Return)
		}
		for li := range logs {
			for _, ev := range logs[li].Events {
				end = max(end, ev.Time)
			}
		}
	}
	var out []Result
	if logs != nil {
		if r, ok := leaderAfterHeal(logs, cfg.UpAtEnd, cfg.HealTime, cfg.LeaderBound(), end); ok {
			out = append(out, r)
		}
	}
	clients := cfg.Clients
	if clients == nil {
		seen := make(map[int]bool)
		// Clients that first ask after the run stopped (a final read back) are not
		// the workload's: their progress is not judged.
		for i := range h.Ops {
			if h.Ops[i].Invoke >= cfg.HealTime && h.Ops[i].Invoke <= end && !seen[h.Ops[i].Client] {
				seen[h.Ops[i].Client] = true
				clients = append(clients, h.Ops[i].Client)
			}
		}
		sort.Ints(clients)
	}
	deadline := cfg.HealTime + cfg.ClientBound()
	done := make(map[int]bool)
	for i := range h.Ops {
		op := &h.Ops[i]
		if op.Outcome == OutcomeOK && op.Return >= cfg.HealTime && op.Return <= deadline {
			done[op.Client] = true
		}
	}
	// A session established is progress too (its createSession was committed): a
	// client with a sparse workload may have nothing else to show by the bound.
	for _, ev := range h.SessionEvents {
		if ev.Kind == SessionEstablished && ev.Time >= cfg.HealTime && ev.Time <= deadline {
			done[ev.Client] = true
		}
	}
	for _, c := range clients {
		if done[c] {
			continue
		}
		if end < deadline {
			out = append(out, Result{Property: PropLivenessProgress, Verdict: Inconclusive,
				Summary: fmt.Sprintf("client %d completed no operation after the heal at %d ns, but the run ended at %d ns, before the bound %d ns", c, cfg.HealTime, end, deadline)})
			continue
		}
		out = append(out, Result{Property: PropLivenessProgress, Verdict: Fail,
			Summary: fmt.Sprintf("client %d completed no operation between the heal at %d ns and the bound %d ns (%d ns later)", c, cfg.HealTime, deadline, cfg.ClientBound())})
	}
	return out
}

// leaderAfterHeal reports a result when the ensemble goes without an established leader
// for longer than bound at any time between the heal and the end: first a leader must
// hold within bound of the heal (one established before the heal counts while it keeps
// leadership); later a leadership may end (a zxid rollover forces a new election, for
// one), but a new one must hold within bound again. Only nodes up at the end count.
func leaderAfterHeal(logs []NodeLog, upAtEnd map[int]bool, heal, bound, end int64) (Result, bool) {
	type span struct{ from, to int64 }
	var held []span
	for li := range logs {
		up := logs[li].Live
		if upAtEnd != nil {
			up = upAtEnd[logs[li].Node]
		}
		if !up {
			continue
		}
		since := int64(-1)
		// What the nodes did after the run's end (a final power cycle) is not the
		// liveness phase's.
		for _, ev := range logs[li].Events {
			if ev.Time > end {
				break
			}
			switch ev.Kind {
			case NodeLeaderEstablished:
				if since < 0 {
					since = ev.Time
				}
			case NodeLeaderLost, NodeRestarted:
				if since >= 0 {
					held = append(held, span{since, ev.Time})
					since = -1
				}
			}
		}
		if since >= 0 {
			held = append(held, span{since, end})
		}
	}
	sort.Slice(held, func(i, j int) bool { return held[i].from < held[j].from })
	covered := heal // some node held leadership from the heal until covered
	for _, h := range held {
		if h.to < covered {
			continue
		}
		if h.from > covered && h.from-covered > bound {
			break // a gap longer than bound
		}
		covered = max(covered, h.to)
	}
	if end-covered <= bound {
		return Result{}, false
	}
	if covered == heal && end < heal+bound {
		return Result{Property: PropLivenessLeader, Verdict: Inconclusive,
			Summary: fmt.Sprintf("no leader was established after the heal at %d ns, but the run ended at %d ns, before the bound %d ns", heal, end, heal+bound)}, true
	}
	if covered == heal {
		return Result{Property: PropLivenessLeader, Verdict: Fail,
			Summary: fmt.Sprintf("no live node was an established leader within %d ns of the final heal at %d ns", bound, heal)}, true
	}
	return Result{Property: PropLivenessLeader, Verdict: Fail,
		Summary: fmt.Sprintf("no live node held established leadership for more than %d ns from %d ns (the final heal was at %d ns)", bound, covered, heal)}, true
}
