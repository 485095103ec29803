package protocol

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/datatree"
	"github.com/zksim/zksim/protocol/session"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
)

func TestQuorumElectsAndReplicates(t *testing.T) {
	for _, tc := range []struct{ voters, observers int }{{3, 0}, {3, 1}, {5, 1}, {7, 2}} {
		t.Run("", func(t *testing.T) {
			w := newWorld(t, 1, tc.voters, tc.observers, nil)
			w.runUntil(5000, "leader", w.settled)
			for i, id := range w.ids {
				w.addClient(string(rune('a'+i)), id).writer(20)
			}
			w.runUntil(20000, "writes", func() bool {
				for _, c := range w.clients {
					if len(c.acked) < 20 {
						return false
					}
				}
				return w.settled()
			})
			w.checkAcked()
			modes := map[string]int{}
			for _, id := range w.ids {
				n := w.nodes[id]
				st := n.p.Status()
				modes[st.Mode]++
				// The last RoleChange a host saw describes the server as Status does.
				require.Equal(t, RoleChange{Role: st.Role, Epoch: st.Epoch, Leader: st.Leader}, n.role)
				require.Equal(t, st.Epoch, st.CurrentEpoch)
			}
			want := map[string]int{"leader": 1, "follower": tc.voters - 1}
			if tc.observers > 0 {
				want["observer"] = tc.observers
			}
			require.Equal(t, want, modes)
			if len(w.established) == 0 {
				t.Fatal("no epoch established")
			}
		})
	}
}

// writers adds one writing client per server.
func writers(w *world, perClient, pipe int) {
	for i, id := range w.ids {
		c := w.addClient(fmt.Sprintf("w%d", i), id).writer(perClient)
		c.maxPipe = pipe
	}
}

func ackedCount(w *world) int {
	n := 0
	for _, c := range w.clients {
		n += len(c.acked)
	}
	return n
}

func TestQuorumLeaderCrashKeepsAcknowledgedWrites(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		w := newWorld(t, seed, 5, 1, nil)
		w.runUntil(5000, "leader", w.settled)
		writers(w, 0, 3)
		w.runUntil(5000, "writes", func() bool { return ackedCount(w) > 50 })
		old := w.leader()
		oldEpoch := w.nodes[old].p.Status().Epoch
		w.crash(old)
		w.runUntil(10000, "new leader", func() bool { return w.leader() != 0 && w.leader() != old })
		newLeader := w.leader()
		require.Greater(t, w.nodes[newLeader].p.Status().Epoch, oldEpoch)
		w.checkAcked(newLeader) // nothing acknowledged was lost with the old leader
		before := ackedCount(w)
		w.runUntil(5000, "writes under the new leader", func() bool { return ackedCount(w) > before+50 })
		w.restart(old)
		w.quiesce(20000)
	}
}

func TestQuorumMinorityLeaderStepsDown(t *testing.T) {
	w := newWorld(t, 7, 5, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	old := w.leader()
	oldEpoch := w.nodes[old].p.Status().Epoch
	var buddy int64
	var majority []int64
	for _, id := range w.ids {
		if id != old && buddy == 0 {
			buddy = id
		} else if id != old {
			majority = append(majority, id)
		}
	}
	w.partition([]int64{old, buddy}, majority)
	c := w.addClient("minority", old).writer(0)
	c.sticky = true
	w.runUntil(5000, "minority leader steps down", func() bool { return w.nodes[old].p.Status().Mode != "leader" })
	require.Empty(t, c.acked, "a minority leader committed a write")
	w.runUntil(10000, "majority leader", func() bool {
		l := w.leader()
		return l != 0 && l != old && l != buddy && w.nodes[l].p.Status().Epoch > oldEpoch
	})
	c.sticky = false
	c.server = majority[0]
	c.conn = 0
	w.runUntil(5000, "writes in the majority", func() bool { return len(c.acked) > 10 })
	w.heal()
	w.quiesce(20000)
}

// sentSince reports whether a packet of type typ went to server id after the
// first mark packets.
func sentSince(w *world, id int64, mark int, typ zab.PacketType) bool {
	return slices.Contains(w.sentTypes[id][mark:], typ)
}

func follower(w *world) int64 {
	for _, id := range w.ids {
		if id != w.leader() && !w.members[id-1].Observer {
			return id
		}
	}
	return 0
}

// TestQuorumBehindFollowerSyncs restarts a follower that missed writes: a few are
// sent by DIFF, more than the leader keeps in memory by SNAP.
func TestQuorumBehindFollowerSyncs(t *testing.T) {
	for _, tc := range []struct {
		missed int
		mode   zab.PacketType
	}{{30, zab.TypeDiff}, {1100, zab.TypeSnap}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			w := newWorld(t, uint64(tc.missed), 3, 0, nil)
			w.runUntil(5000, "leader", w.settled)
			f := follower(w)
			w.crash(f)
			c := w.addClient("a", w.leader()).writer(tc.missed)
			c.maxPipe = 20
			w.runUntil(60000, "writes", func() bool { return len(c.acked) == tc.missed })
			mark := len(w.sentTypes[f])
			w.restart(f)
			w.runUntil(10000, "convergence", w.settled)
			require.True(t, sentSince(w, f, mark, tc.mode), "sync packets: %v", w.sentTypes[f][mark:])
			w.checkAcked()
		})
	}
}

func TestQuorumDivergedServerSyncsByTrunc(t *testing.T) {
	w := newWorld(t, 5, 3, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	c := w.addClient("a", w.leader()).writer(10)
	w.runUntil(5000, "writes", func() bool { return len(c.acked) == 10 })
	old := w.leader()
	var others []int64
	for _, id := range w.ids {
		if id != old {
			others = append(others, id)
		}
	}
	// The old leader logs a write nobody else sees, then loses its quorum.
	w.partition([]int64{old}, others)
	lone := w.addClient("lone", old)
	lone.sticky = true
	lone.session, lone.passwd = c.session, c.passwd
	w.runUntil(1000, "connection", func() bool { return lone.connected })
	lone.request(&wire.CreateRequest{Op: wire.OpCreate, Path: "/uncommitted", ACL: openACL()})
	lone.silenced = true
	w.runUntil(10000, "new leader", func() bool { l := w.leader(); return l != 0 && l != old })
	require.Greater(t, w.nodes[old].p.Status().LastLogged, w.nodes[w.leader()].p.Status().Committed)
	mark := len(w.sentTypes[old])
	w.heal()
	w.runUntil(20000, "convergence", w.settled)
	require.True(t, sentSince(w, old, mark, zab.TypeTrunc), "sync packets: %v", w.sentTypes[old][mark:])
	for _, id := range w.ids {
		_, _, code := w.nodes[id].p.tree.Get("/uncommitted")
		require.Equal(t, wire.ErrNoNode, code, "server %d", id)
	}
	w.checkAcked()
}

func TestQuorumCounterRolloverLosesNothing(t *testing.T) {
	w := newWorld(t, 6, 3, 1, func(c *Config) { c.CounterBits = 4 })
	w.runUntil(5000, "leader", w.settled)
	writers(w, 0, 2)
	w.runUntil(60000, "writes across epochs", func() bool { return ackedCount(w) >= 60 })
	w.quiesce(20000)
	require.GreaterOrEqual(t, len(w.established), 4, "rollover should force new epochs")
	for _, z := range w.order {
		require.Less(t, zab.CounterOf(z), int64(15))
	}
}

func ephemeralCreator(c *worldClient, path string) {
	done := false
	c.next = func() wire.Request {
		if done {
			return nil
		}
		done = true
		return &wire.CreateRequest{Op: wire.OpCreate, Path: path, ACL: openACL(), Flags: wire.ModeEphemeral}
	}
}

func TestQuorumEphemeralsVanishWhenSessionExpires(t *testing.T) {
	w := newWorld(t, 8, 3, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	f := follower(w)
	c := w.addClient("e", f)
	c.timeout = 10 * worldTick
	ephemeralCreator(c, "/eph")
	w.runUntil(5000, "ephemeral", func() bool { return len(c.acked) == 1 })
	for _, id := range w.ids {
		_, _, code := w.nodes[id].p.tree.Get("/eph")
		require.Equal(t, wire.ErrOK, code)
	}
	c.silenced = true // no pings: the leader expires the session
	w.runUntil(5000, "expiry everywhere", func() bool {
		for _, id := range w.ids {
			if _, _, code := w.nodes[id].p.tree.Get("/eph"); code != wire.ErrNoNode {
				return false
			}
		}
		return true
	})
	require.Zero(t, c.conn, "the follower closes the expired session's connection")
}

func TestQuorumSessionMovesBetweenFollowers(t *testing.T) {
	w := newWorld(t, 9, 5, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	fs := w.others()
	c := w.addClient("m", fs[0])
	c.sticky = true
	c.timeout = 10 * worldTick
	ephemeralCreator(c, "/moving")
	w.runUntil(5000, "ephemeral", func() bool { return len(c.acked) == 1 })
	sid := c.session
	c.disconnect()
	c.server = fs[1]
	w.run(3 * worldTick) // within the timeout
	w.runUntil(2000, "reconnect", func() bool { return c.connected })
	require.Equal(t, sid, c.session, "the session survives the move")
	w.run(30 * worldTick) // pings through the new follower keep it alive
	for _, id := range w.ids {
		_, _, code := w.nodes[id].p.tree.Get("/moving")
		require.Equal(t, wire.ErrOK, code, "server %d", id)
	}
	c.writer(3)
	w.runUntil(5000, "writes", func() bool { return len(c.acked) == 4 })
	require.Zero(t, c.expired)
}

// hasNewLeaderAck reports whether rd acknowledges a NEWLEADER (an ACK whose counter
// is 0, sent after persistence together with the synced state and currentEpoch).
func hasNewLeaderAck(rd *Ready) bool {
	for _, m := range rd.PeerMessages {
		if m.Channel != ChannelQuorum || !m.AfterPersist {
			continue
		}
		if p, _, err := zab.UnmarshalPacket(m.Data); err == nil && p.Type == zab.TypeAck && zab.CounterOf(p.Zxid) == 0 && rd.HardState != nil {
			return true
		}
	}
	return false
}

func noHardState(cp crashPoint) bool { return cp != crashBeforeHardState }

// persistStep is a protocol step whose persistence a crash may cut short.
type persistStep struct {
	name     string
	leader   bool // the leader crashes (otherwise a follower)
	newEpoch bool // the step happens only while a new epoch is established
	lag      bool // the target misses writes first, so its sync carries records
	cond     func(*Ready) bool
	reached  func(crashPoint) bool
}

var persistSteps = []persistStep{
	{"follower-proposal", false, false, false, func(rd *Ready) bool { return len(rd.Records) > 0 }, noHardState},
	{"leader-proposal", true, false, false, func(rd *Ready) bool { return len(rd.Records) > 0 }, noHardState},
	{"acceptedEpoch-before-ACKEPOCH", false, true, false,
		func(rd *Ready) bool {
			return rd.HardState != nil && rd.HardState.AcceptedEpoch > rd.HardState.CurrentEpoch
		},
		func(cp crashPoint) bool { return cp != crashTornRecords }},
	{"sync-before-currentEpoch", false, true, true, hasNewLeaderAck, func(crashPoint) bool { return true }},
}

// TestQuorumPersistBeforeAck crashes a server at each point of the driver loop of
// each protocol step, restarts it from what was durable, and checks that no write
// acknowledged to a client is lost and that every server converges.
func TestQuorumPersistBeforeAck(t *testing.T) {
	for _, step := range persistSteps {
		for _, cp := range crashPoints {
			t.Run(step.name+"/"+cp.String(), func(t *testing.T) {
				if !step.reached(cp) {
					t.Skip("this step does not persist what this point cuts")
				}
				runPersistStep(t, step, cp, nil)
			})
		}
	}
}

// stopTest is how recordingFailer ends a scenario.
type stopTest struct{}

// recordingFailer notes a failure instead of failing the test, to show that a
// scenario does catch a broken protocol.
type recordingFailer struct{ msg string }

func (f *recordingFailer) Helper() {}

func (f *recordingFailer) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(stopTest{})
}

// TestQuorumPersistBeforeAckCatchesAckBeforeFsync: with ZAB broken to acknowledge
// proposals before they are durable, the follower crash scenario loses a committed
// write, and the world says so.
func TestQuorumPersistBeforeAckCatchesAckBeforeFsync(t *testing.T) {
	set, err := bugs.New(bugs.BrokenAckBeforeFsync)
	require.NoError(t, err)
	f := &recordingFailer{}
	func() {
		defer func() {
			if r := recover(); r != nil && r != (stopTest{}) {
				panic(r)
			}
		}()
		runPersistStep(f, persistSteps[0], crashBeforePersist, func(c *Config) { c.Bugs = set })
	}()
	// Either an acknowledged write is missing or a committed one was skipped.
	require.Regexp(t, "acknowledged .* missing|applied new", f.msg)
	t.Log(f.msg)
}

func runPersistStep(t failer, step persistStep, cp crashPoint, tweak func(*Config)) {
	w := newWorld(t, uint64(cp)*31+uint64(len(step.name)), 3, 0, tweak)
	w.runUntil(5000, "leader", w.settled)
	writers(w, 0, 3)
	w.runUntil(5000, "writes", func() bool { return ackedCount(w) > 20 })
	leader := w.leader()
	target := leader
	if !step.leader {
		target = follower(w)
	}
	fired := false
	w.nodes[target].crash = func(rd *Ready, at crashPoint) bool {
		if fired || at != cp || !step.cond(rd) {
			return false
		}
		fired = true
		return true
	}
	if step.lag {
		var rest []int64
		for _, id := range w.ids {
			if id != target {
				rest = append(rest, id)
			}
		}
		w.partition([]int64{target}, rest)
		before := ackedCount(w)
		w.runUntil(5000, "writes without the target", func() bool { return ackedCount(w) > before+20 })
		w.heal()
	}
	if step.newEpoch {
		w.crash(leader)
	} else {
		// Cut off the third voter, so that every commit needs the target's ACK.
		for _, id := range w.ids {
			if id != leader && id != target {
				var rest []int64
				for _, o := range w.ids {
					if o != id {
						rest = append(rest, o)
					}
				}
				w.partition([]int64{id}, rest)
				break
			}
		}
	}
	limit := w.now + 10000
	for !fired && w.now < limit {
		w.step()
	}
	if !fired {
		t.Fatalf("crash point never reached: %s", w.describe())
	}
	w.nodes[target].crash = nil
	// Also lose the leader: with three voters, the survivors must still hold
	// every acknowledged write.
	w.crash(leader)
	w.heal()
	w.run(300)
	w.restart(target)
	w.runUntil(10000, "a leader without the old one", func() bool { return w.leader() != 0 })
	w.checkAcked(w.leader())
	w.restart(leader)
	before := ackedCount(w)
	w.runUntil(10000, "progress", func() bool { return ackedCount(w) > before+10 })
	w.quiesce(20000)
}

// BenchmarkQuorumCommits measures committed writes per wall-clock second of a
// five-voter ensemble serving ten pipelining clients in the in-memory world.
func BenchmarkQuorumCommits(b *testing.B) {
	w := newWorld(b, 1, 5, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	for i := range 10 {
		c := w.addClient(fmt.Sprintf("b%d", i), w.ids[i%len(w.ids)]).writer(0)
		c.maxPipe = 10
	}
	w.run(200)
	start := len(w.order)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.step()
	}
	b.ReportMetric(float64(len(w.order)-start)/b.Elapsed().Seconds(), "commits/s")
	b.ReportMetric(float64(len(w.order)-start)/float64(b.N), "commits/step")
}

func TestQuorumSyncMakesAFollowerReadCurrent(t *testing.T) {
	w := newWorld(t, 11, 3, 1, nil)
	w.runUntil(5000, "leader", w.settled)
	l := w.leader()
	writer := w.addClient("wr", l)
	var reader *worldClient
	for _, id := range w.ids {
		if id != l {
			reader = w.addClient("rd", id)
			reader.sticky = true
			break
		}
	}
	w.runUntil(2000, "sessions", func() bool { return writer.connected && reader.connected })
	for i := range 20 {
		path := fmt.Sprintf("/s%d", i)
		xid := writer.request(&wire.CreateRequest{Op: wire.OpCreate, Path: path, ACL: openACL()})
		w.runUntil(2000, "write", func() bool { _, ok := writer.results[xid]; return ok })
		// Right after the write is acknowledged, sync then read on a follower.
		sx := reader.request(&wire.SyncRequest{Path: path})
		rx := reader.request(&wire.ExistsRequest{Path: path})
		w.runUntil(2000, "read", func() bool { _, ok := reader.results[rx]; return ok })
		require.Equal(t, wire.ErrOK, reader.results[sx].Err)
		require.Equal(t, wire.ErrOK, reader.results[rx].Err, "read after sync missed %s", path)
		require.GreaterOrEqual(t, reader.results[rx].Zxid, writer.results[xid].Zxid)
	}
}

// TestQuorumChaos runs writers through seeded random crashes, restarts and
// partitions; the world checks one leader per epoch and one committed order as it
// goes, and after the faults heal every server must converge and hold every
// acknowledged write.
func TestQuorumChaos(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := newWorld(t, seed+100, 5, 1, func(c *Config) {
				c.SnapCount = 40
				if seed%3 == 0 {
					c.CounterBits = 6
				}
			})
			w.runUntil(5000, "leader", w.settled)
			writers(w, 0, 2)
			for range 30 {
				w.run(100 + w.rng.Int64N(400))
				id := w.ids[w.rng.IntN(len(w.ids))]
				switch w.rng.IntN(6) {
				case 0:
					w.crash(id)
				case 5:
					// Die at the next Ready that reaches a random point of the driver loop.
					cp := crashPoints[w.rng.IntN(len(crashPoints))]
					if n := w.nodes[id]; n.up {
						n.crash = func(_ *Ready, at crashPoint) bool { return at == cp }
					}
				case 1:
					w.restart(id)
				case 2:
					perm := w.rng.Perm(len(w.ids))
					cut := 1 + w.rng.IntN(len(w.ids)-1)
					var a, b []int64
					for i, j := range perm {
						if i < cut {
							a = append(a, w.ids[j])
						} else {
							b = append(b, w.ids[j])
						}
					}
					w.partition(a, b)
				default:
					w.heal()
				}
			}
			w.heal()
			for _, id := range w.ids {
				w.restart(id)
			}
			w.runUntil(20000, "progress after healing", func() bool { return w.leader() != 0 })
			before := ackedCount(w)
			w.runUntil(20000, "writes after healing", func() bool { return ackedCount(w) > before+10 })
			w.quiesce(30000)
		})
	}
}

func TestQuorumWatchFiresOnAnotherServer(t *testing.T) {
	w := newWorld(t, 12, 3, 1, nil)
	w.runUntil(5000, "leader", w.settled)
	watcher := w.addClient("watcher", 4) // the observer
	watcher.sticky = true
	var other int64
	for _, id := range w.ids[:3] {
		if id != w.leader() {
			other = id
		}
	}
	creator := w.addClient("creator", other)
	w.runUntil(2000, "sessions", func() bool { return watcher.connected && creator.connected })
	ex := watcher.request(&wire.ExistsRequest{Path: "/watched", Watch: true})
	w.runUntil(2000, "exists", func() bool { _, ok := watcher.results[ex]; return ok })
	require.Equal(t, wire.ErrNoNode, watcher.results[ex].Err)
	creator.request(&wire.CreateRequest{Op: wire.OpCreate, Path: "/watched", ACL: openACL()})
	w.runUntil(2000, "notification", func() bool { return len(watcher.watches) == 1 })
	require.Equal(t, wire.EventNodeCreated, watcher.watches[0].Type)
	require.Equal(t, "/watched", watcher.watches[0].Path)
}

func TestQuorumCloseSessionThroughAFollower(t *testing.T) {
	w := newWorld(t, 13, 3, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	c := w.addClient("closer", follower(w))
	c.sticky = true
	ephemeralCreator(c, "/mine")
	w.runUntil(5000, "ephemeral", func() bool { return len(c.acked) == 1 })
	sid, pw := c.session, c.passwd
	xid := c.request(&wire.CloseSessionRequest{})
	w.runUntil(2000, "close", func() bool { _, ok := c.results[xid]; return ok && c.conn == 0 })
	w.run(200)
	for _, id := range w.ids {
		_, _, code := w.nodes[id].p.tree.Get("/mine")
		require.Equal(t, wire.ErrNoNode, code, "server %d", id)
	}
	// The closed session cannot be revived through another server.
	c.next = nil
	c.session, c.passwd = sid, pw
	for _, id := range w.ids {
		if id != c.server && id != w.leader() {
			c.server = id
		}
	}
	c.retryAt = w.now
	w.runUntil(2000, "refusal", func() bool { return c.expired == 1 })
}

// TestQuorumForwardedWritesAnswerLikeTheLeader sends the same writes through a
// follower and through the leader of two fresh ensembles: every reply must match.
func TestQuorumForwardedWritesAnswerLikeTheLeader(t *testing.T) {
	script := []wire.Request{
		&wire.CreateRequest{Op: wire.OpCreate2, Path: "/a", Data: []byte("x"), ACL: openACL()},
		&wire.MultiRequest{Ops: []wire.Request{
			&wire.CreateRequest{Op: wire.OpCreate, Path: "/a/b", ACL: openACL()},
			&wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: 0},
		}},
		&wire.MultiRequest{Ops: []wire.Request{
			&wire.CheckVersionRequest{Path: "/a", Version: 7},
			&wire.DeleteRequest{Path: "/a/b", Version: -1},
		}},
		&wire.SetDataRequest{Path: "/a", Data: []byte("z"), Version: 5},
		&wire.CreateRequest{Op: wire.OpCreate, Path: "/a/b", ACL: openACL()},
		&wire.DeleteRequest{Path: "/a/b", Version: -1},
		&wire.CreateRequest{Op: wire.OpCreate, Path: "/seq-", ACL: openACL(), Flags: wire.ModePersistentSequential},
		&wire.SetACLRequest{Path: "/a", ACL: openACL(), Version: 0},
		&wire.GetDataRequest{Path: "/a"},
	}
	run := func(viaLeader bool) []string {
		w := newWorld(t, 14, 3, 0, nil)
		w.runUntil(5000, "leader", w.settled)
		server := follower(w)
		if viaLeader {
			server = w.leader()
		}
		c := w.addClient("c", server)
		c.sticky = true
		w.runUntil(2000, "session", func() bool { return c.connected })
		var replies []string
		for _, req := range script {
			xid := c.request(req)
			w.runUntil(2000, "reply", func() bool { _, ok := c.results[xid]; return ok })
			h, resp, err := wire.DecodeReply(c.frames[xid], req.OpCode())
			require.NoError(t, err)
			replies = append(replies, fmt.Sprintf("%v %v %s", h.Err, zab.CounterOf(h.Zxid), describeReply(resp)))
		}
		return replies
	}
	leader, follower := run(true), run(false)
	require.Equal(t, leader, follower)
	t.Log(strings.Join(leader, "\n"))
}

// describeReply renders what of a reply does not depend on timing or session ids.
func describeReply(resp wire.Response) string {
	switch r := resp.(type) {
	case *wire.PathResponse:
		return r.Path
	case *wire.Create2Response:
		return fmt.Sprintf("%s v%d", r.Path, r.Stat.Version)
	case *wire.StatResponse:
		return fmt.Sprintf("v%d", r.Stat.Version)
	case *wire.GetDataResponse:
		return fmt.Sprintf("%q v%d", r.Data, r.Stat.Version)
	case *wire.MultiResponse:
		var parts []string
		for _, sub := range r.Results {
			parts = append(parts, fmt.Sprintf("%v:%v:%s", sub.Op, sub.Err, describeReply(sub.Resp)))
		}
		return fmt.Sprint(parts)
	}
	return fmt.Sprintf("%T", resp)
}

// TestQuorumSessionMovedRefusesTheOldServer: once a client took its session to
// another server, a write still arriving through the old one fails with SESSIONMOVED
// and that connection closes, as in ZooKeeper.
func TestQuorumSessionMovedRefusesTheOldServer(t *testing.T) {
	for _, viaLeader := range []bool{false, true} {
		t.Run(fmt.Sprint("old server is leader ", viaLeader), func(t *testing.T) {
			w := newWorld(t, 15, 3, 0, nil)
			w.runUntil(5000, "leader", w.settled)
			old, moved := follower(w), w.leader()
			if viaLeader {
				old, moved = moved, old
			}
			ghost := w.addClient("ghost", old)
			ghost.sticky = true
			w.runUntil(2000, "session", func() bool { return ghost.connected })
			x := ghost.request(&wire.CreateRequest{Op: wire.OpCreate, Path: "/before", ACL: openACL()})
			w.runUntil(2000, "first write", func() bool { _, ok := ghost.results[x]; return ok })
			require.Equal(t, wire.ErrOK, ghost.results[x].Err)

			c := w.addClient("mover", moved)
			c.sticky = true
			c.session, c.passwd = ghost.session, ghost.passwd
			w.runUntil(2000, "move", func() bool { return c.connected })
			require.Equal(t, ghost.session, c.session)

			x = ghost.request(&wire.CreateRequest{Op: wire.OpCreate, Path: "/stale", ACL: openACL()})
			w.runUntil(2000, "refusal", func() bool { _, ok := ghost.results[x]; return ok })
			require.Equal(t, wire.ErrSessionMoved, ghost.results[x].Err)
			require.Zero(t, ghost.conn, "the old server closes the moved session's connection")
			ghost.silenced = true

			y := c.request(&wire.CreateRequest{Op: wire.OpCreate, Path: "/after", ACL: openACL()})
			w.runUntil(2000, "write after the move", func() bool { _, ok := c.results[y]; return ok })
			require.Equal(t, wire.ErrOK, c.results[y].Err)
		})
	}
}

// faultStep is one step of a fault schedule: wait, then do fault to server.
type faultStep struct {
	wait   int64
	server int64
	fault  int // 0 crash, 1 restart, 2 arm a crash point, 3 isolate, 4 heal
	point  crashPoint
}

// runFaultSchedule runs a 3-voter world with two writers through the steps, then heals
// and restarts everything: one leader per epoch and one committed order must hold
// throughout, and every server converges with every acknowledged write.
func runFaultSchedule(t failer, seed uint64, observers int, steps []faultStep) {
	w := newWorld(t, seed, 3, observers, func(c *Config) { c.SnapCount = 30 })
	w.runUntil(5000, "leader", w.settled)
	writers(w, 0, 2)
	for _, s := range steps {
		w.run(s.wait)
		id := s.server
		switch s.fault {
		case 0:
			w.crash(id)
		case 1:
			w.restart(id)
		case 2:
			if n := w.nodes[id]; n.up {
				n.crash = func(_ *Ready, at crashPoint) bool { return at == s.point }
			}
		case 3:
			var rest []int64
			for _, o := range w.ids {
				if o != id {
					rest = append(rest, o)
				}
			}
			w.partition([]int64{id}, rest)
		default:
			w.heal()
		}
	}
	w.heal()
	for _, id := range w.ids {
		w.nodes[id].crash = nil
		w.restart(id)
	}
	w.runUntil(20000, "leader after healing", func() bool { return w.leader() != 0 })
	w.quiesce(30000)
}

// TestQuorumFaultScheduleProperty draws fault schedules with rapid (so a failure
// shrinks to a short schedule) for runFaultSchedule.
func TestQuorumFaultScheduleProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		observers := rapid.IntRange(0, 1).Draw(rt, "observers")
		ids := []int64{1, 2, 3, 4}[:3+observers]
		var steps []faultStep
		for range rapid.IntRange(1, 12).Draw(rt, "faults") {
			s := faultStep{wait: rapid.Int64Range(50, 600).Draw(rt, "wait"), server: rapid.SampledFrom(ids).Draw(rt, "server")}
			s.fault = rapid.IntRange(0, 4).Draw(rt, "fault")
			if s.fault == 2 {
				s.point = rapid.SampledFrom(crashPoints).Draw(rt, "point")
			}
			steps = append(steps, s)
		}
		runFaultSchedule(rt, seed, observers, steps)
	})
}

// TestQuorumFaultSchedules replays schedules that TestQuorumFaultScheduleProperty once
// found failing.
func TestQuorumFaultSchedules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		seed      uint64
		observers int
		steps     []faultStep
	}{
		{
			// A server torn mid-append crashes and comes back
			name: "torn records then crash",
			steps: []faultStep{{50, 1, 1, 0}, {65, 1, 3, 0}, {118, 3, 3, 0}, {419, 3, 1, 0}, {277, 1, 0, 0},
				{53, 3, 3, 0}, {157, 2, 4, 0}, {50, 3, 4, 0}, {386, 3, 2, crashTornRecords}, {395, 3, 0, 0}},
		},
		{
			// Server 2 alone accepted epoch 4 from its failed candidacy, then server 1
			// established epoch 3: server 2 refused epoch 3 for good.
			name: "a voter accepted a newer epoch than the leader's", seed: 0x4675, observers: 1,
			steps: []faultStep{{57, 3, 1, 0}, {92, 3, 2, crashTornRecords}, {415, 1, 2, crashBeforeHardState}, {51, 1, 3, 0},
				{50, 4, 4, 0}, {303, 2, 1, 0}, {422, 4, 2, crashBeforeHardState}, {432, 3, 1, 0}, {286, 4, 1, 0},
				{356, 3, 2, crashBeforeHardState}, {66, 2, 1, 0}, {52, 4, 0, 0}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { runFaultSchedule(t, tc.seed, tc.observers, tc.steps) })
	}
}

// TestQuorumRequestsPipelinedBehindAReconnect: a client sends requests right after
// its ConnectRequest (as the Java client sends SetWatches); a learner holds them until
// the leader revalidated the session, then answers them in order.
func TestQuorumRequestsPipelinedBehindAReconnect(t *testing.T) {
	w := newWorld(t, 16, 3, 0, nil)
	w.runUntil(5000, "leader", w.settled)
	fs := w.others()
	c := w.addClient("p", fs[0])
	c.sticky = true
	ephemeralCreator(c, "/p")
	w.runUntil(5000, "ephemeral", func() bool { return len(c.acked) == 1 })
	c.disconnect()
	c.next = nil

	n := w.nodes[fs[1]]
	w.nextConn++
	conn := w.nextConn
	c.conn, c.server, c.connected = conn, fs[1], false
	w.byConn[conn] = c
	n.p.Connect(conn, "10.0.0.9")
	n.p.Receive(conn, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: c.timeout, LastZxidSeen: c.lastZxid, SessionID: c.session, Passwd: c.passwd})[4:])
	c.xid++
	c.inflight[c.xid] = wire.OpExists
	n.p.Receive(conn, wire.EncodeRequest(c.xid, &wire.ExistsRequest{Path: "/p"})[4:])
	c.xid++
	c.inflight[c.xid] = wire.OpSetData
	n.p.Receive(conn, wire.EncodeRequest(c.xid, &wire.SetDataRequest{Path: "/p", Data: []byte("v"), Version: -1})[4:])
	w.drive(n)
	w.runUntil(2000, "replies", func() bool { return len(c.inflight) == 0 })
	require.True(t, c.connected)
	require.Equal(t, wire.ErrOK, c.results[c.xid-1].Err)
	require.Equal(t, wire.ErrOK, c.results[c.xid].Err)
}

// TestQuorumSyncReplyZxidOrder pipelines sync, read and write on a follower while
// other clients keep the leader busy, so a sync completes in the same Ready as later
// commits. ZooKeeper answers a sync right after the COMMIT of its sync point: the
// replies on one connection never go back in zxid (the world checks that on every
// reply), and the write's reply carries the write's own zxid.
func TestQuorumSyncReplyZxidOrder(t *testing.T) {
	for _, seed := range []uint64{21, 22, 23} {
		w := newWorld(t, seed, 3, 1, nil)
		w.batched = true
		w.runUntil(5000, "leader", w.settled)
		writers(w, 0, 8)
		c := w.addClient("s", follower(w))
		c.sticky = true
		c.maxPipe = 3
		w.runUntil(2000, "session", func() bool { return c.connected })
		for i := range 30 {
			sx := c.request(&wire.SyncRequest{Path: "/"})
			rx := c.request(&wire.GetChildrenRequest{Path: "/"})
			wx := c.request(&wire.CreateRequest{Op: wire.OpCreate2, Path: fmt.Sprintf("/s-%d", i), ACL: openACL()})
			w.runUntil(2000, "replies", func() bool { _, ok := c.results[wx]; return ok })
			require.Equal(t, wire.ErrOK, c.results[sx].Err)
			require.Equal(t, wire.ErrOK, c.results[rx].Err)
			require.Equal(t, wire.ErrOK, c.results[wx].Err)
			_, resp, err := wire.DecodeReply(c.frames[wx], wire.OpCreate2)
			require.NoError(t, err)
			require.Equal(t, resp.(*wire.Create2Response).Stat.Czxid, c.results[wx].Zxid, "a write's reply carries its own zxid")
			require.LessOrEqual(t, c.results[sx].Zxid, c.results[rx].Zxid)
			require.LessOrEqual(t, c.results[rx].Zxid, c.results[wx].Zxid)
		}
	}
}

// TestSnapSnapshotAppliesPendingHistory: the snapshot a leader sends by SNAP holds its
// committed history even when its tree does not yet (a restarted leader applies its
// log only once established): the history is applied to a copy, sessions included,
// and the leader's own tree is left as it is.
func TestSnapSnapshotAppliesPendingHistory(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)
	for i, path := range []string{"/x", "/y"} {
		h.send(1, int32(i+1), &wire.CreateRequest{Op: wire.OpCreate, Path: path, Data: []byte(path), ACL: openACL()})
		h.reply(1, wire.OpCreate)
	}
	h.send(2, 1, &wire.CreateRequest{Op: wire.OpCreate, Path: "/e", ACL: openACL(), Flags: 1})
	h.reply(2, wire.OpCreate)
	h.send(2, 2, &wire.CloseSessionRequest{})
	h.reply(2, wire.OpCloseSession)

	p, err := NewQuorum(Config{ServerID: 1, TickTime: 2000, Members: []Member{{ID: 1}, {ID: 2}, {ID: 3}}},
		storage.RecoveredState{Records: h.logged}, 2_000_000)
	require.NoError(t, err)
	pending := make([]zab.Entry, len(h.logged))
	for i, r := range h.logged {
		pending[i] = zab.Entry{Zxid: r.Zxid, Txn: r.Payload}
	}
	snap, err := stateMachine{p}.Snapshot(pending)
	require.NoError(t, err)
	require.Equal(t, h.logged[len(h.logged)-1].Zxid, snap.Zxid)
	tree, extra, err := datatree.DecodeSnapshot(snap.Data, p.cfg.treeConfig())
	require.NoError(t, err)
	require.True(t, tree.Equal(h.p.tree), "the snapshot's tree differs from the tree that applied the history")
	require.False(t, tree.Exists("/e"), "the closed session's ephemeral")
	sessions, _, err := session.DecodeEntries(extra)
	require.NoError(t, err)
	require.Equal(t, h.p.sessions.Entries(), sessions)
	require.Zero(t, p.tree.LastZxid(), "the leader's own tree was changed")
	require.False(t, p.tree.Exists("/x"))
}
