package checker

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func ev(kind NodeEventKind, t int64, epoch, zxid int64, digest uint64) NodeEvent {
	return NodeEvent{Kind: kind, Time: t, Epoch: epoch, Zxid: zxid, Digest: digest}
}

// healthyLogs is three nodes that agree: node 1 leads epoch 1 and commits two txns.
func healthyLogs() []NodeLog {
	follower := func(node int) NodeLog {
		return NodeLog{Node: node, Live: true, Events: []NodeEvent{
			ev(NodeAcceptedEpoch, 1, 1, 0, 0),
			ev(NodeCurrentEpoch, 2, 1, 0, 0),
			ev(NodeLogged, 10, 0, 1, 0xa1),
			ev(NodeCommitted, 11, 0, 1, 0),
			ev(NodeLogged, 20, 0, 2, 0xa2),
			ev(NodeCommitted, 21, 0, 2, 0),
			ev(NodeFinal, 100, 0, 2, 0xf),
		}}
	}
	leader := follower(1)
	leader.Events = append([]NodeEvent{leader.Events[0], leader.Events[1], ev(NodeLeaderEstablished, 3, 1, 0, 0)}, leader.Events[2:]...)
	return []NodeLog{leader, follower(2), follower(3)}
}

// ackedHistory acknowledges the two writes the healthy logs commit.
func ackedHistory() *History {
	var b builder
	b.create(0, 5, 12, 1, "/a", "x")
	b.set(0, 15, 22, 2, "/a", "y", 0)
	return &b.h
}

func TestZabInvariants(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(logs []NodeLog, h *History) []NodeLog
		want   Property
	}{
		{"healthy", func(l []NodeLog, _ *History) []NodeLog { return l }, ""},
		{"two leaders in one epoch", func(l []NodeLog, _ *History) []NodeLog {
			l[1].Events = append(l[1].Events[:2:2], append([]NodeEvent{ev(NodeLeaderEstablished, 4, 1, 0, 0)}, l[1].Events[2:]...)...)
			return l
		}, PropZabOneLeader},
		{"different txn committed at one zxid", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events[4].Digest = 0xbad
			return l
		}, PropZabCommitted},
		{"commit skips a committed txn", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:2:2], l[2].Events[4:]...)
			return l
		}, PropZabCommitted},
		{"committed txn truncated", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:6:6], ev(NodeTruncated, 30, 0, 1, 0), ev(NodeFinal, 100, 0, 1, 0xe))
			return l
		}, PropZabCommitted},
		{"uncommitted txn truncated", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:6:6], ev(NodeLogged, 30, 0, 3, 0xa3), ev(NodeTruncated, 31, 0, 2, 0), ev(NodeFinal, 100, 0, 2, 0xf))
			return l
		}, ""},
		{"acknowledged write never committed", func(l []NodeLog, h *History) []NodeLog {
			h.Ops = append(h.Ops, Operation{Client: 1, Session: sess + 1, Invoke: 30, Return: 40, Zxid: 3, Outcome: OutcomeOK,
				Req: Request{Kind: OpSetData, Path: "/a", Data: "z", Version: AnyVersion}})
			return l
		}, PropZabDurable},
		{"live node ends without an acknowledged write", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = l[2].Events[:4]
			l[2].Events = append(l[2].Events, ev(NodeFinal, 100, 0, 1, 0xe))
			return l
		}, PropZabDurable},
		{"dead node may lag", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Live = false
			l[2].Events = l[2].Events[:4]
			return l
		}, ""},
		{"new leader misses a committed txn", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:4:4], ev(NodeLeaderEstablished, 50, 2, 0, 0))
			l[2].Live = false
			return l
		}, PropZabLeaderHolds},
		{"new leader holds everything", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:6:6], ev(NodeAcceptedEpoch, 49, 2, 0, 0), ev(NodeLeaderEstablished, 50, 2, 0, 0), ev(NodeFinal, 100, 0, 2, 0xf))
			return l
		}, ""},
		{"epoch goes backwards", func(l []NodeLog, _ *History) []NodeLog {
			l[1].Events = append(l[1].Events[:6:6], ev(NodeAcceptedEpoch, 30, 0, 0, 0), ev(NodeFinal, 100, 0, 2, 0xf))
			return l
		}, PropZabMonotonic},
		{"zxid logged out of order", func(l []NodeLog, _ *History) []NodeLog {
			l[1].Events = append(l[1].Events[:6:6], ev(NodeLogged, 30, 0, 1, 0xa1), ev(NodeFinal, 100, 0, 2, 0xf))
			return l
		}, PropZabMonotonic},
		{"snapshot then continue", func(l []NodeLog, _ *History) []NodeLog {
			l[2].Events = append(l[2].Events[:2:2], ev(NodeSnapshot, 25, 0, 2, 0), ev(NodeFinal, 100, 0, 2, 0xf))
			return l
		}, ""},
		{"nodes diverge at the end", func(l []NodeLog, _ *History) []NodeLog {
			l[1].Events[len(l[1].Events)-1].Digest = 0xd1ff
			return l
		}, PropZabConverged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := ackedHistory()
			logs := tc.mutate(healthyLogs(), h)
			expectViolation(t, mustCheck(t, h, logs, Options{}), tc.want)
		})
	}
}

func TestLiveness(t *testing.T) {
	const ms = int64(1e6)
	cfg := LivenessConfig{HealTime: 1000 * ms, TickTime: 100 * ms, InitLimit: 10, SyncLimit: 5,
		SessionTimeout: 2000 * ms, ElectionTimeout: 400 * ms, FinalizeWait: 200 * ms}
	if got, want := cfg.LeaderBound(), int64(500+2*600+2*1000)*ms; got != want {
		t.Fatalf("LeaderBound = %d, want %d", got, want)
	}
	leaderAt := func(at int64) []NodeLog {
		return []NodeLog{{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, at, 2, 0, 0)}}}
	}
	progress := func(at int64) *History {
		var b builder
		b.create(0, at, at+ms, 1, "/a", "x")
		return &b.h
	}
	late := cfg.HealTime + cfg.ClientBound() + 10*ms
	cases := []struct {
		name string
		h    *History
		logs []NodeLog
		prop Property
		want Verdict
	}{
		{"recovers", progress(cfg.HealTime + 100*ms), leaderAt(cfg.HealTime + 50*ms), PropLivenessProgress, Pass},
		{"leader from before the heal", progress(cfg.HealTime + 100*ms), leaderAt(10 * ms), PropLivenessLeader, Pass},
		{"no leader", progress(late), []NodeLog{{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, 10*ms, 2, 0, 0), ev(NodeLeaderLost, 20*ms, 2, 0, 0)}}}, PropLivenessLeader, Fail},
		{"leader too late", progress(late), leaderAt(cfg.HealTime + cfg.LeaderBound() + ms), PropLivenessLeader, Fail},
		// A zxid rollover ends a leadership at any time; a new one soon after is health.
		{"re-election after the heal", progress(late), []NodeLog{
			{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, cfg.HealTime+50*ms, 2, 0, 0),
				ev(NodeLeaderLost, cfg.HealTime+cfg.LeaderBound()-100*ms, 2, 0, 0)}},
			{Node: 2, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, cfg.HealTime+cfg.LeaderBound()+100*ms, 3, 0, 0)}},
		}, PropLivenessLeader, Pass},
		{"leader lost for good", progress(late), []NodeLog{
			{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, cfg.HealTime+50*ms, 2, 0, 0),
				ev(NodeLeaderLost, cfg.HealTime+100*ms, 2, 0, 0)}},
		}, PropLivenessLeader, Fail},
		{"a long gap between leaders", progress(late), []NodeLog{
			{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, cfg.HealTime+50*ms, 2, 0, 0),
				ev(NodeLeaderLost, cfg.HealTime+100*ms, 2, 0, 0)}},
			{Node: 2, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, cfg.HealTime+cfg.LeaderBound()+200*ms, 3, 0, 0)}},
		}, PropLivenessLeader, Fail},
		{"client stuck", func() *History {
			h := progress(late)
			h.Ops = append(h.Ops, Operation{Client: 1, Session: sess + 1, Invoke: cfg.HealTime + ms, Return: late, Outcome: OutcomeUnknown,
				Req: Request{Kind: OpGetData, Path: "/a"}})
			return h
		}(), leaderAt(cfg.HealTime + ms), PropLivenessProgress, Fail},
		{"run too short", progress(cfg.HealTime - 10*ms), nil, PropLivenessProgress, Inconclusive},
		// A sparse client: its one try after the heal fails, it gets a new session in
		// time, and its next operation only comes after the bound.
		{"new session in time", func() *History {
			var b builder
			b.add(Operation{Client: 0, Session: sess, Invoke: cfg.HealTime + ms, Return: cfg.HealTime + 2*ms, Outcome: OutcomeFailed,
				Req: Request{Kind: OpGetData, Path: "/a"}})
			b.session(0, cfg.HealTime+cfg.ClientBound()-ms, SessionEstablished, 0)
			b.create(0, late, late+ms, 1, "/a", "x")
			return &b.h
		}(), leaderAt(cfg.HealTime + ms), PropLivenessProgress, Pass},
		{"no new session in time", func() *History {
			var b builder
			b.add(Operation{Client: 0, Session: sess, Invoke: cfg.HealTime + ms, Return: cfg.HealTime + 2*ms, Outcome: OutcomeFailed,
				Req: Request{Kind: OpGetData, Path: "/a"}})
			b.session(0, cfg.HealTime+cfg.ClientBound()+ms, SessionEstablished, 0)
			b.create(0, late, late+ms, 1, "/a", "x")
			return &b.h
		}(), leaderAt(cfg.HealTime + ms), PropLivenessProgress, Fail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			if tc.name == "run too short" {
				c.Clients = []int{0}
			}
			rep := mustCheck(t, tc.h, nil, Options{Liveness: &c, SkipLinearizability: true})
			if tc.logs != nil {
				rep = mustCheck(t, tc.h, tc.logs, Options{Liveness: &c, SkipLinearizability: true})
			}
			if !hasVerdict(rep, tc.prop, tc.want) {
				t.Fatalf("want %v for %s:\n%s", tc.want, tc.prop, rep)
			}
		})
	}
}

// The merge of time-ordered logs yields what a stable sort of all events by time does.
func TestInTimeOrderIsAStableSortByTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 100 {
		logs := make([]NodeLog, 1+rng.IntN(5))
		for li := range logs {
			logs[li].Node = li + 1
			tm := int64(0)
			for range rng.IntN(20) {
				tm += int64(rng.IntN(3)) // repeated times test the tie order
				logs[li].Events = append(logs[li].Events, ev(NodeLogged, tm, 0, int64(rng.IntN(100)), 0))
			}
		}
		got := slices.Collect(inTimeOrder(logs))
		var want []eventRef
		for li := range logs {
			for ei, e := range logs[li].Events {
				want = append(want, eventRef{logs[li].Node, li, ei, e})
			}
		}
		sort.SliceStable(want, func(a, b int) bool { return want[a].ev.Time < want[b].ev.Time })
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: got %v, want %v", round, got, want)
		}
	}
}

// A leader of epoch e must hold what was committed in earlier epochs, not in later
// ones: one paused while establishing an old epoch may finish after newer epochs
// committed transactions.
func TestLeaderHoldsEarlierEpochsOnly(t *testing.T) {
	const e7, e4 = 7 << 32, 4 << 32
	logs := func(leaderEpoch int64, committed int64) []NodeLog {
		return []NodeLog{
			{Node: 1, Live: true, Events: []NodeEvent{ev(NodeLogged, 10, 0, committed+1, 0xa1), ev(NodeCommitted, 11, 0, committed+1, 0)}},
			{Node: 2, Live: true, Events: []NodeEvent{ev(NodeLeaderEstablished, 20, leaderEpoch, 0, 0)}},
		}
	}
	for _, tc := range []struct {
		name      string
		epoch     int64
		committed int64
		want      Verdict
	}{
		{"newer epoch's commit", 5, e7, Pass},
		{"older epoch's commit", 5, e4, Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustCheck(t, &History{}, logs(tc.epoch, tc.committed), Options{SkipLinearizability: true})
			if !hasVerdict(rep, PropZabLeaderHolds, tc.want) {
				t.Fatalf("want %v for %s:\n%s", tc.want, PropZabLeaderHolds, rep)
			}
		})
	}
}
