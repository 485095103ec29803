package zab

import (
	"errors"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/election"
)

func newTestNode(t *testing.T, id int64, st State, cfg func(*Config)) *Node {
	t.Helper()
	c := Config{ID: id, Quorum: election.NewMajority(1, 2, 3), TickTime: 10, InitLimit: 5, SyncLimit: 2, StateMachine: &memSM{}}
	if cfg != nil {
		cfg(&c)
	}
	n, err := New(c, st)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pair drives a leader (2) and a follower (1) by hand, delivering packets in order and
// checking every Ready against the persistence rules.
type pair struct {
	t     *testing.T
	nodes map[int64]*Node
	disk  map[int64]*disk
	inbox map[int64][]Packet
	seen  []Ready // every Ready, for assertions
}

func newPair(t *testing.T, leaderLog, followerLog []Entry) *pair {
	p := &pair{t: t, nodes: map[int64]*Node{}, disk: map[int64]*disk{}, inbox: map[int64][]Packet{}}
	hs := HardState{AcceptedEpoch: 1, CurrentEpoch: 1}
	p.nodes[2] = newTestNode(t, 2, State{HardState: hs, Log: leaderLog}, nil)
	p.nodes[1] = newTestNode(t, 1, State{HardState: hs, Log: followerLog}, nil)
	p.disk[2] = &disk{hard: hs, log: slices.Clone(leaderLog)}
	p.disk[1] = &disk{hard: hs, log: slices.Clone(followerLog)}
	p.nodes[2].Lead()
	p.nodes[1].Follow(2)
	return p
}

// ready takes one Ready from id, checks it, persists it and queues its messages; it
// does not Advance.
func (p *pair) ready(id int64) Ready {
	p.t.Helper()
	n := p.nodes[id]
	rd := n.Ready()
	p.seen = append(p.seen, rd)
	if n.lr != nil && !n.lr.upToDate && len(rd.CommittedEntries) > 0 {
		p.t.Fatalf("server %d applies %x before UPTODATE established the epoch", id, rd.CommittedEntries[0].Zxid)
	}
	d := p.disk[id]
	pending := rd.Entries
	for i, m := range rd.Messages {
		pk := m.Packet
		switch {
		case pk.Type == TypeAck && CounterOf(pk.Zxid) != 0:
			inThisReady := slices.ContainsFunc(pending, func(e Entry) bool { return e.Zxid == pk.Zxid })
			if inThisReady && !m.AfterPersist || !inThisReady && !d.holds(pk.Zxid) {
				p.t.Fatalf("server %d: ACK %x may leave before the proposal is durable", id, pk.Zxid)
			}
		case pk.Type == TypeAck || pk.Type == TypeAckEpoch || pk.Type == TypeLeaderInfo || pk.Type == TypeNewLeader:
			if rd.HardState != nil && !m.AfterPersist {
				p.t.Fatalf("server %d: %v may leave before the epoch file is durable", id, pk.Type)
			}
		}
		// An unmarked packet may not follow a marked one to the same peer: the host
		// sends unmarked packets first, which would reorder the stream.
		first := slices.IndexFunc(rd.Messages, func(o Message) bool { return o.To == m.To && o.AfterPersist })
		if !m.AfterPersist && first >= 0 && i > first {
			p.t.Fatalf("server %d: packet order to %d not preserved", id, m.To)
		}
		p.inbox[m.To] = append(p.inbox[m.To], pk)
	}
	if rd.Snapshot != nil {
		d.snap, d.log = *rd.Snapshot, nil
	}
	if rd.Truncate {
		d.log = slices.DeleteFunc(d.log, func(e Entry) bool { return e.Zxid > rd.TruncateTo })
	}
	d.log = append(d.log, rd.Entries...)
	if rd.HardState != nil {
		d.hard = *rd.HardState
	}
	return rd
}

// hop persists and advances from's Ready, then steps the first packet it queued for
// the other node (dropping the rest of that inbox).
func (p *pair) hop(from int64) {
	p.t.Helper()
	to := 3 - from
	p.ready(from)
	p.nodes[from].Advance()
	if len(p.inbox[to]) == 0 {
		p.t.Fatalf("server %d sent nothing", from)
	}
	_ = p.nodes[to].Step(from, p.inbox[to][0])
	p.inbox[to] = nil
}

// settle runs both nodes until nothing moves.
func (p *pair) settle() {
	for moved := true; moved; {
		moved = false
		for _, id := range []int64{1, 2} {
			n := p.nodes[id]
			for n.HasReady() {
				p.ready(id)
				n.Advance()
				moved = true
			}
			for len(p.inbox[id]) > 0 {
				pk := p.inbox[id][0]
				p.inbox[id] = p.inbox[id][1:]
				_ = n.Step(3-id, pk)
				moved = true
			}
		}
	}
}

func TestReadyOrderingThroughEstablishment(t *testing.T) {
	base := []Entry{{Zxid: z(1, 1), Txn: []byte("a")}, {Zxid: z(1, 2), Txn: []byte("b")}}
	p := newPair(t, base, base[:1])
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	if l.Phase() != PhaseBroadcast || f.Phase() != PhaseBroadcast || l.Epoch() != 2 || f.CurrentEpoch() != 2 {
		t.Fatalf("leader %v/%d follower %v/%d", l.Phase(), l.Epoch(), f.Phase(), f.CurrentEpoch())
	}
	// The follower's NEWLEADER ACK went out in a Ready that persisted both the synced
	// entry and currentEpoch, the entry first (Entries precede HardState).
	var found bool
	for _, rd := range p.seen {
		for _, m := range rd.Messages {
			if m.To == 2 && m.Packet.Type == TypeAck && m.Packet.Zxid == z(2, 0) && !found {
				found = true
				if !m.AfterPersist || rd.HardState == nil || rd.HardState.CurrentEpoch != 2 {
					t.Fatalf("NEWLEADER ACK in Ready %+v", rd)
				}
				if !p.disk[1].holds(z(1, 2)) {
					t.Fatal("synced entry not durable")
				}
			}
		}
	}
	if !found {
		t.Fatal("no NEWLEADER ACK")
	}
	if got := p.disk[1].log; len(got) != 2 || got[1].Zxid != z(1, 2) {
		t.Fatalf("follower log %v", got)
	}
	if fs, os := l.Learners(); !slices.Equal(fs, []int64{1}) || os != nil {
		t.Fatalf("learners %v %v", fs, os)
	}
	if fs, os := f.Learners(); fs != nil || os != nil {
		t.Fatal("a follower lists learners")
	}
}

func TestLeaderCommitsOnlyAfterOwnFsync(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	zx, err := l.Propose([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	rd := p.ready(2) // persisted, but not yet Advanced
	if len(rd.Entries) != 1 || !rd.MustSync || rd.Messages[0].Packet.Type != TypeProposal || rd.Messages[0].AfterPersist {
		t.Fatalf("leader Ready %+v", rd)
	}
	// The follower logs and acknowledges; its ACK waits for its fsync.
	_ = f.Step(2, p.inbox[1][0])
	p.inbox[1] = nil
	frd := p.ready(1)
	if len(frd.Entries) != 1 || len(frd.Messages) != 1 || !frd.Messages[0].AfterPersist {
		t.Fatalf("follower Ready %+v", frd)
	}
	f.Advance()
	_ = l.Step(1, p.inbox[2][0])
	p.inbox[2] = nil
	// One follower ACK out of three voters is no quorum until the leader's own
	// durability is confirmed by Advance.
	if l.Committed() == zx || l.HasReady() {
		t.Fatal("leader committed before its own fsync")
	}
	l.Advance()
	if l.Committed() != zx {
		t.Fatalf("committed %x, want %x", l.Committed(), zx)
	}
	rd = p.ready(2)
	if len(rd.CommittedEntries) != 1 || rd.Messages[0].Packet.Type != TypeCommit {
		t.Fatalf("leader Ready after Advance %+v", rd)
	}
	l.Advance()
	p.settle()
	if f.Committed() != zx || f.Applied() != zx {
		t.Fatalf("follower committed %x applied %x", f.Committed(), f.Applied())
	}
}

// TestReconnectDropsStaleAcks: the ACKs a learner gave before it reconnected no longer
// count toward a quorum, whether or not the leader had already dropped its handler (its
// connection timed out) when it came back. The learner keeps the outstanding proposal
// (a DIFF from its last zxid, never a TRUNC to the committed boundary that would
// discard a transaction about to commit) and acknowledges it again after UPTODATE.
func TestReconnectDropsStaleAcks(t *testing.T) {
	for _, handlerDropped := range []bool{false, true} {
		p := newPair(t, nil, nil)
		p.settle()
		l, f := p.nodes[2], p.nodes[1]
		zx, _ := l.Propose([]byte("x"))
		p.ready(2)
		_ = f.Step(2, p.inbox[1][0])
		p.inbox[1] = nil
		p.hop(1) // the follower's ACK of zx reaches the leader
		if handlerDropped {
			l.removeHandler(1)
		}
		f.StepDown("connection lost")
		f.Follow(2)
		p.hop(1)
		l.Advance() // the leader's own ACK is now durable: 1 of 3 voters
		if l.Committed() == zx {
			t.Fatalf("handler dropped %v: leader counted an ACK from before the learner reconnected", handlerDropped)
		}
		seen := len(p.seen)
		p.settle()
		diff := slices.ContainsFunc(p.seen[seen:], func(rd Ready) bool {
			return slices.ContainsFunc(rd.Messages, func(m Message) bool { return m.Packet.Type == TypeDiff })
		})
		truncated := slices.ContainsFunc(p.seen[seen:], func(rd Ready) bool {
			return rd.Truncate || slices.ContainsFunc(rd.Messages, func(m Message) bool { return m.Packet.Type == TypeTrunc })
		})
		if !diff || truncated {
			t.Fatalf("handler dropped %v: DIFF %v, truncated %v; want the learner to keep the outstanding proposal", handlerDropped, diff, truncated)
		}
		if l.Committed() != zx || f.Committed() != zx {
			t.Fatalf("handler dropped %v: after resync leader %x follower %x, want %x", handlerDropped, l.Committed(), f.Committed(), zx)
		}
	}
}

// TestInterruptedSyncKeepsDurableHistory: a sync that ends before NEWLEADER changes
// nothing durable, and the learner's vote goes back to its durable log.
func TestInterruptedSyncKeepsDurableHistory(t *testing.T) {
	leaderLog := []Entry{{Zxid: z(1, 1)}, {Zxid: z(2, 1)}}
	followerLog := []Entry{{Zxid: z(1, 1)}, {Zxid: z(1, 2)}, {Zxid: z(1, 3)}} // diverged in epoch 1
	p := newPair(t, leaderLog, followerLog)
	l, f := p.nodes[2], p.nodes[1]
	// Run the handshake up to the point where the whole sync is queued for the
	// follower, delivering nothing of it.
	for range 10 {
		for _, id := range []int64{1, 2} {
			for p.nodes[id].HasReady() {
				p.ready(id)
				p.nodes[id].Advance()
			}
		}
		for _, pk := range p.inbox[2] {
			_ = l.Step(1, pk)
		}
		p.inbox[2] = nil
		if len(p.inbox[1]) > 0 && p.inbox[1][0].Type == TypeLeaderInfo {
			_ = f.Step(2, p.inbox[1][0])
			p.inbox[1] = p.inbox[1][1:]
		}
	}
	// The leader's sync is queued: TRUNC to 1.1, then 2.1, then NEWLEADER. Deliver
	// all but NEWLEADER.
	sync := p.inbox[1]
	if len(sync) < 3 || sync[0].Type != TypeTrunc || sync[len(sync)-1].Type != TypeNewLeader {
		t.Fatalf("sync packets %v", sync)
	}
	for _, pk := range sync[:len(sync)-1] {
		if err := f.Step(2, pk); err != nil {
			t.Fatal(err)
		}
	}
	if f.LastZxid() != z(2, 1) {
		t.Fatalf("in-memory view %x", f.LastZxid())
	}
	if rd := f.Ready(); rd.Truncate || len(rd.Entries) > 0 || rd.Snapshot != nil {
		t.Fatalf("sync persisted before NEWLEADER: %+v", rd)
	}
	f.Advance()
	f.StepDown("leader lost")
	if f.LastZxid() != z(1, 3) {
		t.Fatalf("after an interrupted sync the vote is %x, want the durable %x", f.LastZxid(), z(1, 3))
	}
}

func TestEpochFilesPrecedeEpochMessages(t *testing.T) {
	p := newPair(t, nil, nil)
	l, f := p.nodes[2], p.nodes[1]
	// Follower's FOLLOWERINFO reaches the leader: epoch quorum, LEADERINFO.
	p.hop(1)
	rd := p.ready(2)
	if rd.HardState == nil || rd.HardState.AcceptedEpoch != 2 || rd.Messages[0].Packet.Type != TypeLeaderInfo || !rd.Messages[0].AfterPersist {
		t.Fatalf("leader %+v", rd)
	}
	l.Advance()
	_ = f.Step(2, p.inbox[1][0])
	p.inbox[1] = nil
	frd := p.ready(1)
	if frd.HardState == nil || frd.HardState.AcceptedEpoch != 2 || frd.HardState.CurrentEpoch != 1 ||
		frd.Messages[0].Packet.Type != TypeAckEpoch || !frd.Messages[0].AfterPersist {
		t.Fatalf("follower %+v", frd)
	}
	if cur, _ := readInt32(frd.Messages[0].Packet.Data); cur != 1 {
		t.Fatalf("ACKEPOCH currentEpoch %d", cur)
	}
}

func TestLeaderStepsDownForLearnerAhead(t *testing.T) {
	hsL := HardState{AcceptedEpoch: 1, CurrentEpoch: 1}
	hsF := HardState{AcceptedEpoch: 2, CurrentEpoch: 2}
	l := newTestNode(t, 2, State{HardState: hsL}, nil)
	f := newTestNode(t, 1, State{HardState: hsF, Log: []Entry{{Zxid: z(2, 1)}}}, nil)
	l.Lead()
	f.Follow(2)
	rd := f.Ready()
	f.Advance()
	_ = l.Step(1, rd.Messages[0].Packet)
	rd = l.Ready()
	l.Advance()
	if rd.Messages[0].Packet.Zxid != z(3, 0) {
		t.Fatalf("new epoch %x, want 3 (1 + max accepted)", rd.Messages[0].Packet.Zxid)
	}
	_ = f.Step(2, rd.Messages[0].Packet)
	rd = f.Ready()
	_ = l.Step(1, rd.Messages[0].Packet)
	if l.Role() != RoleLooking {
		t.Fatalf("leader role %v, want looking", l.Role())
	}
	if st := l.Ready().Status; st == nil || st.Role != RoleLooking || st.Reason == "" {
		t.Fatalf("status %+v", st)
	}
}

func TestTimeouts(t *testing.T) {
	deadlines := []struct {
		name       string
		node       func(t *testing.T) *Node
		role       Role
		last, gone int64 // the last tick still in role, the first out of it
	}{
		{"leader without quorum in discovery (initLimit)", func(t *testing.T) *Node {
			l := newTestNode(t, 2, State{}, nil)
			l.Lead()
			return l
		}, RoleLeader, 49, 50},
		{"follower whose leader goes silent (syncLimit)", func(t *testing.T) *Node {
			p := newPair(t, nil, nil)
			p.settle()
			return p.nodes[1]
		}, RoleFollower, 20, 21},
	}
	for _, tc := range deadlines {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.node(t)
			n.Tick(tc.last)
			if n.Role() != tc.role {
				t.Fatalf("left %v at %d", tc.role, tc.last)
			}
			n.Tick(tc.gone)
			if n.Role() != RoleLooking {
				t.Fatalf("still %v at %d", n.Role(), tc.gone)
			}
		})
	}
	t.Run("leader that loses its followers", func(t *testing.T) {
		p := newPair(t, nil, nil)
		p.settle()
		l := p.nodes[2]
		for now := int64(1); now <= 40; now++ {
			l.Tick(now)
		}
		if l.Role() != RoleLooking {
			t.Fatal("leader kept leading without a quorum")
		}
	})
	t.Run("pings keep a healthy pair alive", func(t *testing.T) {
		p := newPair(t, nil, nil)
		p.settle()
		for now := int64(1); now <= 500; now++ {
			p.nodes[1].Tick(now)
			p.nodes[2].Tick(now)
			p.settle()
		}
		if p.nodes[1].Phase() != PhaseBroadcast || p.nodes[2].Phase() != PhaseBroadcast {
			t.Fatal("pair fell apart")
		}
	})
}

func TestForwardSyncAndSessionReports(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	if err := f.Forward(42, []byte("create")); err != nil {
		t.Fatal(err)
	}
	p.hop(1)
	rd := l.Ready()
	if len(rd.Requests) != 1 || rd.Requests[0].SessionID != 42 || string(rd.Requests[0].Data) != "create" || rd.Requests[0].From != 1 {
		t.Fatalf("requests %+v", rd.Requests)
	}
	l.Advance()
	// A sync issued while a proposal is outstanding is answered after its COMMIT.
	if _, err := l.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(1); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(2); err != nil {
		t.Fatal(err)
	}
	rd = p.ready(2)
	if len(rd.SyncsAfter) != 0 || slices.ContainsFunc(rd.Messages, func(m Message) bool { return m.Packet.Type == TypeSync }) {
		t.Fatal("sync answered before the commit")
	}
	l.Advance()
	var syncs, leaderSyncs int
	var order []PacketType
	for range 10 {
		for _, id := range []int64{1, 2} {
			n := p.nodes[id]
			for n.HasReady() {
				rd := p.ready(id)
				if id == 1 {
					syncs += len(rd.SyncsAfter)
				} else {
					leaderSyncs += len(rd.SyncsAfter)
				}
				n.Advance()
			}
			for _, pk := range p.inbox[id] {
				if id == 1 {
					order = append(order, pk.Type)
				}
				_ = n.Step(3-id, pk)
			}
			p.inbox[id] = nil
		}
	}
	if syncs != 1 || leaderSyncs != 1 {
		t.Fatalf("syncs follower %d leader %d", syncs, leaderSyncs)
	}
	if i, j := slices.Index(order, TypeCommit), slices.Index(order, TypeSync); i < 0 || j < i {
		t.Fatalf("follower saw %v: SYNC must follow the COMMIT", order)
	}
	// PING replies carry the state machine's session report to the leader.
	l.Tick(1)
	p.settle()
	var reports []SessionReport
	for _, rd := range p.seen {
		reports = append(reports, rd.SessionReports...)
	}
	if len(reports) == 0 || reports[0].From != 1 || string(reports[0].Data) != "sessions" {
		t.Fatalf("reports %+v", reports)
	}
}

func TestRevalidate(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	if err := f.Revalidate(0x77, 4000); err != nil {
		t.Fatal(err)
	}
	p.hop(1)
	rd := l.Ready()
	l.Advance()
	if len(rd.Revalidations) != 1 || rd.Revalidations[0] != (Revalidation{From: 1, SessionID: 0x77, Timeout: 4000}) {
		t.Fatalf("leader got %+v", rd.Revalidations)
	}
	if err := l.AnswerRevalidate(1, 0x77, true); err != nil {
		t.Fatal(err)
	}
	if err := l.AnswerRevalidate(3, 0x77, true); !errors.Is(err, ErrNotReady) {
		t.Fatalf("unknown learner: %v", err)
	}
	p.hop(2)
	if rd := f.Ready(); len(rd.Revalidations) != 1 || rd.Revalidations[0] != (Revalidation{From: 2, SessionID: 0x77, Valid: true}) {
		t.Fatalf("learner got %+v", rd.Revalidations)
	}
}

func TestAPIErrors(t *testing.T) {
	n := newTestNode(t, 1, State{}, nil)
	if _, err := n.Propose(nil); !errors.Is(err, ErrNotLeader) {
		t.Fatal(err)
	}
	if err := n.Forward(1, nil); !errors.Is(err, ErrNotFollowing) {
		t.Fatal(err)
	}
	if err := n.Step(2, Packet{Type: TypeCommit}); !errors.Is(err, ErrUnexpected) {
		t.Fatal(err)
	}
	n.Lead()
	if _, err := n.Propose(nil); !errors.Is(err, ErrNotReady) {
		t.Fatal(err)
	}
	if err := n.Sync(2); !errors.Is(err, ErrNotReady) {
		t.Fatal(err)
	}
	if _, err := New(Config{ID: 1, Quorum: election.NewMajority(1)}, State{}); !errors.Is(err, ErrBadConfig) {
		t.Fatal(err)
	}
	if _, err := New(Config{ID: 1, Quorum: election.NewMajority(1), TickTime: 1, InitLimit: 1, SyncLimit: 1},
		State{HardState: HardState{AcceptedEpoch: 1, CurrentEpoch: 2}}); !errors.Is(err, ErrEpochOrder) {
		t.Fatal(err)
	}
}

func TestRecover(t *testing.T) {
	e := func(zs ...int64) []Entry {
		var es []Entry
		for _, x := range zs {
			es = append(es, Entry{Zxid: x})
		}
		return es
	}
	tests := []struct {
		name    string
		in      Storage
		want    State
		wantErr error
	}{
		{"empty", Storage{AcceptedEpoch: -1, CurrentEpoch: -1}, State{}, nil},
		{"files present", Storage{AcceptedEpoch: 3, CurrentEpoch: 2, Log: e(z(1, 1), z(2, 1))},
			State{HardState: HardState{3, 2}, Log: e(z(1, 1), z(2, 1))}, nil},
		{"missing files rebuilt from the last zxid", Storage{AcceptedEpoch: -1, CurrentEpoch: -1, Log: e(z(1, 1), z(4, 2))},
			State{HardState: HardState{4, 4}, Log: e(z(1, 1), z(4, 2))}, nil},
		{"fuzzy snapshot overlap skipped", Storage{AcceptedEpoch: 2, CurrentEpoch: 2, SnapshotZxid: z(2, 3), Log: e(z(2, 2), z(2, 3), z(2, 4))},
			State{HardState: HardState{2, 2}, SnapshotZxid: z(2, 3), Log: e(z(2, 4))}, nil},
		{"accepted below current", Storage{AcceptedEpoch: 1, CurrentEpoch: 2}, State{}, ErrEpochOrder},
		{"log out of order", Storage{AcceptedEpoch: 1, CurrentEpoch: 1, Log: e(z(1, 2), z(1, 1))}, State{}, ErrLogOrder},
		{"bare epoch zxid in log", Storage{AcceptedEpoch: 1, CurrentEpoch: 1, Log: e(z(1, 0))}, State{}, ErrLogOrder},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Recover(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err == nil && (got.HardState != tc.want.HardState || got.SnapshotZxid != tc.want.SnapshotZxid || !slices.EqualFunc(got.Log, tc.want.Log, func(a, b Entry) bool { return a.Zxid == b.Zxid })) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestClockSteppedBackKeepsTimeouts: a host clock that steps back counts as no time
// passing; the silent leader is still noticed once syncLimit has passed in forward
// steps, not only once the clock climbs back past its highest reading.
func TestClockSteppedBackKeepsTimeouts(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	f := p.nodes[1]
	f.Tick(15) // 15 of the 20 allowed pass...
	f.Tick(0)  // ...the clock steps back...
	f.Tick(5)  // ...and 5 more pass: 20 in all
	if f.Role() != RoleFollower {
		t.Fatalf("left the follower role (%v) before syncLimit passed", f.Role())
	}
	f.Tick(6)
	if f.Role() != RoleLooking {
		t.Fatalf("still %v after syncLimit passed on the stepped-back clock", f.Role())
	}
}

// TestSyncsAfterNamesTheSyncPoint: a sync completes right after the COMMIT of the last
// proposal made before it, on the leader (its own Sync) and on a learner (SYNC packet),
// even when a later commit is handed out in the same Ready.
func TestSyncsAfterNamesTheSyncPoint(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l := p.nodes[2]
	z1, _ := l.Propose([]byte("x"))
	if err := l.Sync(2); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(1); err != nil {
		t.Fatal(err)
	}
	z2, _ := l.Propose([]byte("y"))
	seen := len(p.seen)
	p.settle()
	var points []int64
	for _, rd := range p.seen[seen:] {
		points = append(points, rd.SyncsAfter...)
	}
	if !slices.Equal(points, []int64{z1, z1}) {
		t.Fatalf("sync points %x, want %x on both servers (not the later %x)", points, []int64{z1, z1}, z2)
	}
	if l.Committed() != z2 {
		t.Fatalf("committed %x, want %x", l.Committed(), z2)
	}
}

// TestSyncFollowsTheCommitOfItsPoint: when one step commits several proposals (here
// the follower's ACKs arrive before the leader's own fsync, so the leader's Advance
// commits both at once), the SYNC goes out right after the COMMIT of its sync point
// and before the later COMMIT, as ZooKeeper's Leader.processAck sends the pending
// syncs of each zxid as it commits it. Sent after both, the learner would answer the
// sync with a zxid above that of a write its client queued behind the sync.
func TestSyncFollowsTheCommitOfItsPoint(t *testing.T) {
	p := newPair(t, nil, nil)
	p.settle()
	l, f := p.nodes[2], p.nodes[1]
	z1, _ := l.Propose([]byte("x"))
	if err := l.Sync(1); err != nil {
		t.Fatal(err)
	}
	z2, _ := l.Propose([]byte("y"))
	p.ready(2) // persisted, not yet Advanced: the leader has not counted its own ACKs
	for _, pk := range p.inbox[1] {
		_ = f.Step(2, pk)
	}
	p.inbox[1] = nil
	p.ready(1)
	f.Advance()
	for _, pk := range p.inbox[2] {
		_ = l.Step(1, pk)
	}
	p.inbox[2] = nil
	if l.Committed() != 0 {
		t.Fatalf("committed %x before the leader's own fsync", l.Committed())
	}
	l.Advance()
	if l.Committed() != z2 {
		t.Fatalf("committed %x, want %x", l.Committed(), z2)
	}
	rd := p.ready(2)
	l.Advance()
	var sent []string
	for _, m := range rd.Messages {
		if m.To == 1 {
			sent = append(sent, m.Packet.Type.String()+" "+hexZxid(m.Packet.Zxid))
		}
	}
	want := []string{"COMMIT " + hexZxid(z1), "SYNC " + hexZxid(0), "COMMIT " + hexZxid(z2)}
	if !slices.Equal(sent, want) {
		t.Fatalf("leader sent %q, want %q", sent, want)
	}
	for _, pk := range p.inbox[1] {
		_ = f.Step(2, pk)
	}
	p.inbox[1] = nil
	frd := p.ready(1)
	if !slices.Equal(frd.SyncsAfter, []int64{z1}) {
		t.Fatalf("follower's sync point %x, want %x (not the later %x)", frd.SyncsAfter, z1, z2)
	}
}

// TestSnapHoldsTheLeadersHistory: a leader whose state machine is behind its history
// (it restarted from an old snapshot; the history is applied once it is established)
// syncs a learner by SNAP with a snapshot that holds its whole history, as ZooKeeper's
// leader, whose tree holds its whole log, does. A snapshot at the applied point would
// replace the learner's log by less than was committed, and a crash before the rest
// of the sync is logged would lose those transactions.
func TestSnapHoldsTheLeadersHistory(t *testing.T) {
	hs := HardState{AcceptedEpoch: 1, CurrentEpoch: 1}
	history := []Entry{{Zxid: z(1, 2), Txn: []byte("b")}, {Zxid: z(1, 3), Txn: []byte("c")}}
	p := &pair{t: t, nodes: map[int64]*Node{}, disk: map[int64]*disk{}, inbox: map[int64][]Packet{}}
	base := Snapshot{Zxid: z(1, 1), Data: encodeEntries([]Entry{{Zxid: z(1, 1), Txn: []byte("a")}})}
	sm := &memSM{entries: decodeEntries(base.Data), base: base.Zxid}
	p.nodes[2] = newTestNode(t, 2, State{HardState: hs, SnapshotZxid: base.Zxid, Log: history}, func(c *Config) { c.StateMachine = sm })
	p.nodes[1] = newTestNode(t, 1, State{HardState: hs}, nil)
	p.disk[2] = &disk{hard: hs, snap: base, log: slices.Clone(history)}
	p.disk[1] = &disk{hard: hs}
	p.nodes[2].Lead()
	p.nodes[1].Follow(2)
	p.settle()
	var sent []string
	for _, rd := range p.seen {
		for _, m := range rd.Messages {
			if m.To == 1 && (m.Packet.Type == TypeSnap || m.Packet.Type == TypeProposal) {
				sent = append(sent, m.Packet.Type.String()+" "+hexZxid(m.Packet.Zxid))
			}
		}
	}
	if want := []string{"SNAP " + hexZxid(z(1, 3))}; !slices.Equal(sent, want) {
		t.Fatalf("leader sent %q, want %q", sent, want)
	}
	if got := p.disk[1].snap; got.Zxid != z(1, 3) || len(decodeEntries(got.Data)) != 3 {
		t.Fatalf("follower's snapshot at %s holds %d entries, want the 3 of the history", hexZxid(got.Zxid), len(decodeEntries(got.Data)))
	}
	if p.nodes[2].Committed() != z(1, 3) || p.nodes[1].Committed() != z(1, 3) {
		t.Fatalf("committed %s on the leader, %s on the follower", hexZxid(p.nodes[2].Committed()), hexZxid(p.nodes[1].Committed()))
	}
}
