package election

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/stretchr/testify/require"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/bugs"
)

func TestBetter(t *testing.T) {
	q := NewMajority(1, 2, 3)
	tests := []struct {
		name                  string
		id, zxid, ep          int64
		curID, curZxid, curEp int64
		want                  bool
	}{
		{"higher peer epoch wins over zxid", 1, 5, 2, 3, 0x900000000, 1, true},
		{"lower peer epoch loses", 3, 0x900000000, 1, 1, 5, 2, false},
		{"same epoch higher zxid", 1, 7, 1, 3, 6, 1, true},
		{"same epoch lower zxid", 3, 6, 1, 1, 7, 1, false},
		{"tie broken by higher id", 3, 7, 1, 2, 7, 1, true},
		{"tie lower id loses", 2, 7, 1, 3, 7, 1, false},
		{"identical vote is not better", 2, 7, 1, 2, 7, 1, false},
		{"non-voter never wins", 9, 100, 100, 1, 0, 0, false},
		{"anything beats no vote", 1, 0, 0, noVote.Leader, noVote.Zxid, noVote.PeerEpoch, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Better(q, tc.id, tc.zxid, tc.ep, tc.curID, tc.curZxid, tc.curEp); got != tc.want {
				t.Fatalf("Better = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMajority(t *testing.T) {
	q := NewMajority(3, 1, 2, 2)
	if !slices.Equal(q.Voters(), []int64{1, 2, 3}) {
		t.Fatalf("voters %v", q.Voters())
	}
	tests := []struct {
		ids  []int64
		want bool
	}{
		{nil, false}, {[]int64{1}, false}, {[]int64{1, 1}, false}, {[]int64{1, 9, 10}, false},
		{[]int64{1, 3}, true}, {[]int64{3, 2, 1}, true},
	}
	for _, tc := range tests {
		if got := q.ContainsQuorum(tc.ids); got != tc.want {
			t.Errorf("ContainsQuorum(%v) = %v, want %v", tc.ids, got, tc.want)
		}
	}
	if q.Weight(2) != 1 || q.Weight(4) != 0 {
		t.Fatal("weights")
	}
}

func TestNotificationRoundTrip(t *testing.T) {
	n := Notification{State: Following, Leader: 3, Zxid: 0x500000007, ElectionEpoch: 9, PeerEpoch: 5,
		Version: NotificationVersion, Config: []byte("server.1=a:2888:3888\nversion=0")}
	b := n.Marshal()
	if len(b) != 44+len(n.Config) {
		t.Fatalf("len %d", len(b))
	}
	got, err := UnmarshalNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != n.State || got.Leader != n.Leader || got.Zxid != n.Zxid || got.ElectionEpoch != n.ElectionEpoch ||
		got.PeerEpoch != n.PeerEpoch || got.Version != n.Version || !bytes.Equal(got.Config, n.Config) {
		t.Fatalf("round trip: %+v != %+v", got, n)
	}
	// Old layouts.
	old28, err := UnmarshalNotification(b[:28])
	if err != nil || old28.PeerEpoch != 5 {
		t.Fatalf("28-byte: %+v %v", old28, err)
	}
	old40, err := UnmarshalNotification(b[:40])
	if err != nil || old40.PeerEpoch != 5 || old40.Version != 0 {
		t.Fatalf("40-byte: %+v %v", old40, err)
	}
	for _, bad := range [][]byte{b[:27], b[:30], b[:43], append(b[:len(b):len(b)], 0)} {
		if _, err := UnmarshalNotification(bad); err == nil {
			t.Errorf("len %d: want error", len(bad))
		}
	}
	bad := slices.Clone(b)
	bad[3] = 7
	if _, err := UnmarshalNotification(bad); !errors.Is(err, ErrBadNotification) {
		t.Errorf("bad state: %v", err)
	}
	empty := Notification{State: Looking, Version: NotificationVersion}.Marshal()
	if got, err := UnmarshalNotification(empty); err != nil || got.Config != nil {
		t.Errorf("empty config: %+v %v", got, err)
	}
}

// cluster is a tiny deterministic network of elections.
type cluster struct {
	t        *testing.T
	rng      *rand.Rand
	now      int64
	nodes    map[int64]*Election
	ids      []int64
	inflight []envelope
	decided  map[int64]Decision
	drop     float64
	cut      map[int64]bool // isolated nodes
}

type envelope struct {
	from, to int64
	n        Notification
}

func newCluster(t *testing.T, seed uint64, voters, observers int) *cluster {
	return newClusterWith(t, seed, voters, observers, Config{})
}

// newClusterWith builds a cluster whose members take base's options (ID and Quorum are
// filled in).
func newClusterWith(t *testing.T, seed uint64, voters, observers int, base Config) *cluster {
	c := &cluster{t: t, rng: rand.New(rand.NewPCG(seed, 1)), nodes: map[int64]*Election{}, decided: map[int64]Decision{}, cut: map[int64]bool{}}
	var vs []int64
	for i := 1; i <= voters; i++ {
		vs = append(vs, int64(i))
	}
	q := NewMajority(vs...)
	for i := 1; i <= voters+observers; i++ {
		cfg := base
		cfg.ID, cfg.Quorum = int64(i), q
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.nodes[int64(i)] = e
		c.ids = append(c.ids, int64(i))
	}
	return c
}

func (c *cluster) collect() {
	for _, id := range c.ids {
		rd := c.nodes[id].Ready()
		for _, m := range rd.Messages {
			c.inflight = append(c.inflight, envelope{id, m.To, m.Notification})
		}
		if rd.Decision != nil {
			c.decided[id] = *rd.Decision
		}
	}
}

// run delivers messages in random order, advancing time by 10 per delivery batch.
func (c *cluster) run(until func() bool, limit int64) bool {
	for end := c.now + limit; c.now < end; {
		c.collect()
		if until() {
			return true
		}
		if len(c.inflight) == 0 || c.rng.IntN(4) == 0 {
			c.now += 10
			for _, id := range c.ids {
				c.nodes[id].Tick(c.now)
			}
			continue
		}
		i := c.rng.IntN(len(c.inflight))
		env := c.inflight[i]
		c.inflight = slices.Delete(c.inflight, i, i+1)
		if c.cut[env.from] || c.cut[env.to] || c.rng.Float64() < c.drop {
			continue
		}
		// Go through the codec so it runs in every test.
		n, err := UnmarshalNotification(env.n.Marshal())
		if err != nil {
			c.t.Fatal(err)
		}
		c.nodes[env.to].Step(env.from, n)
	}
	return until()
}

func (c *cluster) allDecided(ids ...int64) func() bool {
	return func() bool {
		for _, id := range ids {
			if c.nodes[id].State() == Looking {
				return false
			}
		}
		return true
	}
}

func (c *cluster) checkAgreement(ids []int64, wantLeader int64) {
	c.t.Helper()
	leaders := 0
	for _, id := range ids {
		d, ok := c.decided[id]
		if !ok {
			c.t.Fatalf("node %d undecided", id)
		}
		if d.Leader != wantLeader {
			c.t.Fatalf("node %d chose %d, want %d", id, d.Leader, wantLeader)
		}
		if d.Role == Leading {
			leaders++
		}
		if id > int64(len(c.nodes[id].cfg.Quorum.Voters())) && d.Role != Observing {
			c.t.Fatalf("observer %d took role %v", id, d.Role)
		}
	}
	if leaders > 1 {
		c.t.Fatalf("%d leaders", leaders)
	}
}

func TestElectionConverges(t *testing.T) {
	for _, shape := range []struct {
		voters, observers int
		unanimous         bool
	}{{1, 0, false}, {3, 0, false}, {3, 1, false}, {5, 0, false}, {5, 2, false}, {7, 1, false}, {3, 1, true}, {5, 2, true}} {
		for seed := uint64(0); seed < 20; seed++ {
			t.Run(fmt.Sprintf("v%d_o%d_u%v_seed%d", shape.voters, shape.observers, shape.unanimous, seed), func(t *testing.T) {
				c := newClusterWith(t, seed, shape.voters, shape.observers, Config{DecideWhenUnanimous: shape.unanimous})
				c.drop = 0.1
				// Server 2 (if present) has the longest log; everyone else is behind.
				best := int64(1)
				for _, id := range c.ids {
					zxid := int64(0x100000000 + 5)
					if id == 2 {
						zxid, best = 0x100000000+9, 2
					}
					c.nodes[id].Start(zxid, 1)
				}
				if !c.run(c.allDecided(c.ids...), 200000) {
					t.Fatal("election did not converge")
				}
				c.checkAgreement(c.ids, best)
			})
		}
	}
}

func TestHigherEpochBeatsLongerLog(t *testing.T) {
	c := newCluster(t, 7, 3, 0)
	c.nodes[1].Start(0x1000000ff, 1)
	c.nodes[2].Start(0x200000001, 2)
	c.nodes[3].Start(0x100000003, 1)
	if !c.run(c.allDecided(1, 2, 3), 100000) {
		t.Fatal("no convergence")
	}
	c.checkAgreement([]int64{1, 2, 3}, 2)
}

func TestJoinEstablishedEnsemble(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		c := newCluster(t, seed, 5, 1)
		c.cut[5] = true
		c.cut[6] = true
		for _, id := range c.ids {
			c.nodes[id].Start(0x100000001, 1)
		}
		if !c.run(c.allDecided(1, 2, 3, 4), 100000) {
			t.Fatal("majority did not converge")
		}
		c.checkAgreement([]int64{1, 2, 3, 4}, 4)
		// Node 5 has a better log but arrives late, with a stale round: it must join
		// the existing leader rather than disturb it.
		c.cut = map[int64]bool{}
		c.inflight = nil
		c.nodes[5].Start(0x1000000ff, 1)
		c.nodes[6].Start(0, 0)
		if !c.run(c.allDecided(5, 6), 100000) {
			t.Fatal("late servers did not join")
		}
		c.checkAgreement([]int64{5, 6}, 4)
		if c.decided[5].Role != Following || c.decided[6].Role != Observing {
			t.Fatalf("roles %v %v", c.decided[5].Role, c.decided[6].Role)
		}
	}
}

func TestFinalizeWaitTakesBetterVote(t *testing.T) {
	q := NewMajority(1, 2, 3, 4, 5)
	e, _ := New(Config{ID: 1, Quorum: q, FinalizeWait: 50})
	e.Start(10, 1)
	e.Ready()
	// Servers 2 and 4 agree with server 1: quorum reached, finalize wait starts.
	e.Step(2, Notification{State: Looking, Leader: 1, Zxid: 10, ElectionEpoch: 1, PeerEpoch: 1})
	e.Step(4, Notification{State: Looking, Leader: 1, Zxid: 10, ElectionEpoch: 1, PeerEpoch: 1})
	if !e.finalizing {
		t.Fatal("expected finalize wait")
	}
	e.Tick(20)
	// A worse vote is dropped; a better one restarts the loop.
	e.Step(3, Notification{State: Looking, Leader: 2, Zxid: 9, ElectionEpoch: 1, PeerEpoch: 1})
	if !e.finalizing {
		t.Fatal("worse vote ended finalize wait")
	}
	e.Step(3, Notification{State: Looking, Leader: 3, Zxid: 11, ElectionEpoch: 1, PeerEpoch: 1})
	if e.finalizing || e.Proposal().Leader != 3 {
		t.Fatalf("better vote not adopted: %+v finalizing=%v", e.Proposal(), e.finalizing)
	}
	rd := e.Ready()
	if len(rd.Messages) != 4 || rd.Decision != nil {
		t.Fatalf("want rebroadcast of new vote, got %+v", rd)
	}
	e.Tick(1000)
	if e.State() != Looking {
		t.Fatal("decided without a quorum for the new vote")
	}
	e.Step(2, Notification{State: Looking, Leader: 3, Zxid: 11, ElectionEpoch: 1, PeerEpoch: 1})
	e.Tick(1049)
	if e.State() != Looking {
		t.Fatal("decided before finalize wait elapsed")
	}
	e.Tick(1050)
	if rd := e.Ready(); e.State() != Following || rd.Decision == nil || rd.Decision.Leader != 3 {
		t.Fatalf("state %v decision %+v", e.State(), rd.Decision)
	}
}

// With DecideWhenUnanimous a round ends the moment every voter's vote names the
// proposal, even when the last votes arrive during the finalize wait; a vote that
// disagrees (or a missing voter) leaves the ordinary finalize wait in force.
func TestUnanimousRoundSkipsFinalizeWait(t *testing.T) {
	vote := func(leader int64) Notification {
		return Notification{State: Looking, Leader: leader, Zxid: 10, ElectionEpoch: 1, PeerEpoch: 1}
	}
	for _, unanimous := range []bool{false, true} {
		e, _ := New(Config{ID: 5, Quorum: NewMajority(1, 2, 3, 4, 5), FinalizeWait: 50, DecideWhenUnanimous: unanimous})
		e.Start(10, 1)
		e.Ready()
		e.Step(1, vote(5))
		e.Step(2, vote(5))
		require.True(t, e.finalizing, "a quorum agrees")
		e.Step(3, vote(5))
		e.Step(4, vote(4)) // worse: dropped, server 4 has not agreed yet
		require.Equal(t, Looking, e.State(), "server 4 has not agreed")
		e.Step(4, vote(5))
		if !unanimous {
			require.Equal(t, Looking, e.State(), "3.8 waits out finalizeWait")
			e.Tick(50)
		}
		rd := e.Ready()
		require.Equal(t, Leading, e.State())
		require.NotNil(t, rd.Decision)
		require.Equal(t, int64(5), rd.Decision.Leader)
	}
}

// A voter that missed this server's notification (its election port was not open yet)
// votes for someone worse. With DecideWhenUnanimous the server answers it with its
// proposal at once, finalizing or not, so the round can become unanimous instead of
// waiting for the voter's resend and finalizeWait; 3.8's rules stay silent.
func TestUnanimousRoundAnswersWorseVote(t *testing.T) {
	vote := func(leader int64) Notification {
		return Notification{State: Looking, Leader: leader, Zxid: 10, ElectionEpoch: 1, PeerEpoch: 1}
	}
	for _, unanimous := range []bool{false, true} {
		for _, finalizing := range []bool{false, true} {
			e, _ := New(Config{ID: 3, Quorum: NewMajority(1, 2, 3), FinalizeWait: 200, DecideWhenUnanimous: unanimous})
			e.Start(10, 1)
			e.Ready()
			if finalizing {
				e.Step(1, vote(3))
				require.True(t, e.finalizing)
				e.Ready()
			}
			e.Step(2, vote(2))
			rd := e.Ready()
			if !unanimous {
				require.Empty(t, rd.Messages, "3.8 does not answer a worse vote of its own round")
				continue
			}
			require.Len(t, rd.Messages, 1)
			require.Equal(t, int64(2), rd.Messages[0].To)
			require.Equal(t, int64(3), rd.Messages[0].Notification.Leader)
			// An agreeing vote gets no answer: the exchange ends.
			e.Step(2, vote(3))
			if finalizing {
				require.Equal(t, Leading, e.State(), "every voter agrees")
			} else {
				require.Empty(t, e.Ready().Messages)
				e.Step(1, vote(3))
				require.Equal(t, Leading, e.State(), "every voter agrees")
			}
		}
	}
}

func TestNotificationBackoff(t *testing.T) {
	e, _ := New(Config{ID: 1, Quorum: NewMajority(1, 2, 3), MinNotificationInterval: 100, MaxNotificationInterval: 350})
	e.Start(0, 0)
	if n := len(e.Ready().Messages); n != 2 {
		t.Fatalf("initial send %d", n)
	}
	var resends []int64
	for now := int64(1); now <= 2000; now++ {
		e.Tick(now)
		if len(e.Ready().Messages) > 0 {
			resends = append(resends, now)
		}
	}
	want := []int64{100, 300, 650, 1000, 1350, 1700}
	if !slices.Equal(resends, want) {
		t.Fatalf("resends at %v, want %v", resends, want)
	}
}

func TestSettledServerAnswersLooking(t *testing.T) {
	q := NewMajority(1, 2, 3)
	e, _ := New(Config{ID: 1, Quorum: q})
	e.Start(5, 1)
	e.Step(2, Notification{State: Looking, Leader: 1, Zxid: 5, ElectionEpoch: 1, PeerEpoch: 1})
	e.Tick(1000)
	if e.State() != Leading {
		t.Fatalf("state %v", e.State())
	}
	e.Ready()
	e.Step(3, Notification{State: Looking, Leader: 3, Zxid: 0, ElectionEpoch: 1, PeerEpoch: 0})
	rd := e.Ready()
	if len(rd.Messages) != 1 || rd.Messages[0].To != 3 || rd.Messages[0].Notification.State != Leading || rd.Messages[0].Notification.Leader != 1 {
		t.Fatalf("reply %+v", rd.Messages)
	}
	// Observers (non-voters) get our vote but never count.
	e.Step(9, Notification{State: Looking, Leader: 9})
	if rd := e.Ready(); len(rd.Messages) != 1 || rd.Messages[0].To != 9 {
		t.Fatalf("observer reply %+v", rd.Messages)
	}
}

// TestJoinNeedsOneReportedEpoch: a newcomer joins once a quorum reports the same
// leader and peerEpoch, whatever rounds they decided in; UpdatePeerEpoch is what makes
// members that decided in different rounds report the same epoch.
func TestJoinNeedsOneReportedEpoch(t *testing.T) {
	q := NewMajority(1, 2, 3, 4, 5)
	settled := func(id int64, round, peerEpoch int64) *Election {
		e, _ := New(Config{ID: id, Quorum: q})
		e.state = Following
		if id == 3 {
			e.state = Leading
		}
		e.round = round
		e.current = Vote{Leader: 3, Zxid: 0x400000001, ElectionEpoch: round, PeerEpoch: peerEpoch, State: e.state}
		return e
	}
	for _, update := range []bool{false, true} {
		members := []*Election{settled(1, 6, 6), settled(2, 2, 4), settled(3, 6, 4)}
		if update {
			for _, m := range members {
				m.UpdatePeerEpoch(7)
			}
		}
		newcomer, _ := New(Config{ID: 5, Quorum: q})
		newcomer.Start(0x700000002, 7)
		for _, m := range members {
			m.Step(5, newcomer.notification(newcomer.Proposal(), Looking))
			for _, msg := range m.Ready().Messages {
				newcomer.Step(m.cfg.ID, msg.Notification)
			}
		}
		if joined := newcomer.State() == Following; joined != update {
			t.Fatalf("update=%v: newcomer state %v", update, newcomer.State())
		}
	}
}

// ZOOKEEPER-1419: with the misplaced parentheses a candidate with an older peerEpoch
// but the same zxid and a higher id wins, and the order stops being transitive.
func TestZK1419VoteOrder(t *testing.T) {
	q := NewMajority(1, 2, 3)
	set, err := bugs.New(bugs.ZK1419)
	if err != nil {
		t.Fatal(err)
	}
	correct, err := New(Config{ID: 1, Quorum: q, MinNotificationInterval: 1, MaxNotificationInterval: 2, FinalizeWait: 1})
	if err != nil {
		t.Fatal(err)
	}
	buggy, err := New(Config{ID: 1, Quorum: q, MinNotificationInterval: 1, MaxNotificationInterval: 2, FinalizeWait: 1, Bugs: set})
	if err != nil {
		t.Fatal(err)
	}
	type cand struct{ id, zxid, epoch int64 }
	// a beats b by peerEpoch, b beats c by zxid, and with the bug c beats a by id.
	a, b, c := cand{1, 0x100000005, 2}, cand{2, 0x100000007, 1}, cand{3, 0x100000005, 1}
	beats := func(e *Election, x, y cand) bool { return e.better(x.id, x.zxid, x.epoch, y.id, y.zxid, y.epoch) }
	if !beats(buggy, a, b) || !beats(buggy, b, c) || !beats(buggy, c, a) {
		t.Fatal("ZOOKEEPER-1419: the buggy order should cycle a > b > c > a")
	}
	if !beats(correct, a, b) || !beats(correct, b, c) || beats(correct, c, a) || !beats(correct, a, c) {
		t.Fatal("the correct order must be transitive: a > b > c and a > c")
	}
}

// TestVoterObserverExchangeEnds: a LOOKING voter and an observer (settled, or in a
// later round) must not answer each other's notifications forever; a non-voter's vote
// never counts, so the voter answers a LOOKING non-voter once and the non-voter never
// answers back.
func TestVoterObserverExchangeEnds(t *testing.T) {
	q := NewMajority(1, 2, 3) // 6 is an observer
	for _, obsState := range []string{"observing", "later-round"} {
		voter, _ := New(Config{ID: 2, Quorum: q})
		voter.Start(5, 1)
		obs, _ := New(Config{ID: 6, Quorum: q})
		obs.Start(5, 1)
		if obsState == "observing" {
			obs.decide(Vote{Leader: 3, Zxid: 7, PeerEpoch: 1})
		} else {
			obs.Start(5, 1)
			obs.Start(5, 1)
		}
		voter.Ready()
		obs.Ready()
		// The observer's vote reaches the voter; deliver everything between the two.
		pending := []Message{{To: 2, Notification: obs.notification(obs.Proposal(), obs.State())}}
		pending[0].Notification.State = Looking
		sent := 0
		for len(pending) > 0 && sent < 100 {
			m := pending[0]
			pending = pending[1:]
			sent++
			from, to := int64(6), voter
			if m.To == 6 {
				from, to = 2, obs
			}
			to.Step(from, m.Notification)
			for _, out := range to.Ready().Messages {
				if out.To == 2 || out.To == 6 {
					pending = append(pending, out)
				}
			}
		}
		if sent > 2 {
			t.Fatalf("%s: voter and observer exchanged %d messages; want at most 2", obsState, sent)
		}
	}
}

// TestClockSteppedBackKeepsTimeouts: after the clock steps back, the vote is still sent
// again once a full notification interval has passed on the new clock.
func TestClockSteppedBackKeepsTimeouts(t *testing.T) {
	q := NewMajority(1, 2, 3)
	e, _ := New(Config{ID: 1, Quorum: q, MinNotificationInterval: 100, MaxNotificationInterval: 100})
	e.Tick(1_000_000)
	e.Start(5, 1)
	e.Ready()
	e.Tick(1_000_050)
	e.Tick(10_000) // stepped back far
	if rd := e.Ready(); len(rd.Messages) != 0 {
		t.Fatalf("resent early: %+v", rd.Messages)
	}
	e.Tick(10_049)
	if rd := e.Ready(); len(rd.Messages) != 0 {
		t.Fatalf("resent before the interval: %+v", rd.Messages)
	}
	e.Tick(10_050)
	if rd := e.Ready(); len(rd.Messages) != 2 {
		t.Fatalf("want the vote resent to both voters after the interval, got %+v", rd.Messages)
	}
}
