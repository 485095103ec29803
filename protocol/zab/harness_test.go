package zab

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zksim/zksim/protocol/election"
)

// This file is a small deterministic world for ZAB and Fast Leader Election: N servers,
// FIFO links per ordered pair (as TCP gives), seeded random interleaving, message loss,
// partitions, crashes at exact points of the driver loop, and a durable "disk" per
// server. It checks ZAB's invariants as it runs.

const (
	tickTime  = 50
	initLimit = 10
	syncLimit = 5
)

// memSM is the replicated state machine: the list of applied entries.
type memSM struct {
	entries []Entry
	base    int64 // zxid of the snapshot the list started from, when entries is empty
}

func (m *memSM) last() int64 {
	if len(m.entries) == 0 {
		return m.base
	}
	return m.entries[len(m.entries)-1].Zxid
}

func (m *memSM) Snapshot(pending []Entry) (Snapshot, error) {
	es := slices.Clone(m.entries)
	for _, e := range pending {
		if e.Zxid > m.last() {
			es = append(es, e)
		}
	}
	s := Snapshot{Zxid: m.base, Data: encodeEntries(es)}
	if len(es) > 0 {
		s.Zxid = es[len(es)-1].Zxid
	}
	return s, nil
}

func (m *memSM) TouchedSessions() []byte { return []byte("sessions") }

func encodeEntries(es []Entry) []byte {
	var b []byte
	for _, e := range es {
		b = binary.BigEndian.AppendUint64(b, uint64(e.Zxid))
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Txn)))
		b = append(b, e.Txn...)
	}
	return b
}

func decodeEntries(b []byte) []Entry {
	var es []Entry
	for len(b) > 0 {
		z := int64(binary.BigEndian.Uint64(b))
		n := binary.BigEndian.Uint32(b[8:])
		es = append(es, Entry{Zxid: z, Txn: slices.Clone(b[12 : 12+n])})
		b = b[12+n:]
	}
	return es
}

// disk is what survives a crash.
type disk struct {
	hard HardState
	snap Snapshot
	log  []Entry
}

func (d *disk) holds(z int64) bool {
	if slices.ContainsFunc(d.log, func(e Entry) bool { return e.Zxid == z }) {
		return true
	}
	return z <= d.snap.Zxid && slices.ContainsFunc(decodeEntries(d.snap.Data), func(e Entry) bool { return e.Zxid == z })
}

type server struct {
	id       int64
	observer bool
	up       bool
	downTill int64
	el       *election.Election
	zn       *Node
	sm       *memSM
	disk     disk
}

type link struct{ from, to int64 }

type world struct {
	t       testing.TB
	rng     *rand.Rand
	now     int64
	servers map[int64]*server
	ids     []int64
	quorum  election.Majority

	zab   map[link][]Packet
	elect map[link][]election.Notification
	group map[int64]int // partition group; servers in different groups cannot talk

	drop       float64 // loss probability per message
	crashRate  float64 // per step, crash a random server
	crashPoint float64 // per Ready with persistence, crash inside the driver loop
	cfg        func(*Config)
	lax        bool // skip the rule checks on outgoing packets (a catalogued bug breaks them on purpose)
	// keepSent: a crash keeps the packets the server already sent in flight (the
	// network still delivers them) instead of dropping its connections' contents.
	keepSent bool

	epochLeader map[int64]int64 // established leader per epoch
	order       []Entry         // the committed sequence as first applied anywhere
	syncs       map[int64][]PacketType
	written     map[string]bool // writes some server applied
	submitted   map[string]bool // writes clients asked for
	pending     [][]byte        // writes not yet accepted by a leader
	nextWrite   int
	writeRate   float64
	steps       int
	crashes     int
	elections   int // times a server went back to election
	trace       []string
}

// note records an event for the failure report (the last events are printed).
func (w *world) note(parts ...string) {
	line := strconv.FormatInt(w.now, 10)
	for _, p := range parts {
		line += " " + p
	}
	w.trace = append(w.trace, line)
	if len(w.trace) > 40000 {
		w.trace = slices.Delete(w.trace, 0, 100)
	}
}

func (w *world) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Logf("last events:\n%s", strings.Join(w.trace, "\n"))
	w.t.Fatalf(format, args...)
}

func sid(id int64) string { return "s" + strconv.FormatInt(id, 10) }

func newWorld(t testing.TB, seed uint64, voters, observers int, cfg func(*Config)) *world {
	w := &world{
		t: t, rng: rand.New(rand.NewPCG(seed, 0x5eed)), servers: map[int64]*server{},
		zab: map[link][]Packet{}, elect: map[link][]election.Notification{}, group: map[int64]int{},
		epochLeader: map[int64]int64{}, syncs: map[int64][]PacketType{}, written: map[string]bool{}, submitted: map[string]bool{}, cfg: cfg,
	}
	var vs []int64
	for i := 1; i <= voters; i++ {
		vs = append(vs, int64(i))
	}
	w.quorum = election.NewMajority(vs...)
	for i := 1; i <= voters+observers; i++ {
		s := &server{id: int64(i), observer: i > voters}
		w.servers[s.id] = s
		w.ids = append(w.ids, s.id)
		w.boot(s)
	}
	return w
}

func (w *world) config(id int64, sm *memSM) Config {
	c := Config{ID: id, Quorum: w.quorum, TickTime: tickTime, InitLimit: initLimit, SyncLimit: syncLimit, StateMachine: sm}
	if w.cfg != nil {
		w.cfg(&c)
	}
	return c
}

// boot starts a server from its disk, as a restart does.
func (w *world) boot(s *server) {
	st, err := Recover(Storage{AcceptedEpoch: s.disk.hard.AcceptedEpoch, CurrentEpoch: s.disk.hard.CurrentEpoch,
		SnapshotZxid: s.disk.snap.Zxid, Log: s.disk.log})
	if err != nil {
		w.t.Fatalf("server %d: recover: %v", s.id, err)
	}
	s.sm = &memSM{entries: decodeEntries(s.disk.snap.Data), base: s.disk.snap.Zxid}
	cfg := w.config(s.id, s.sm)
	s.zn, err = New(cfg, st)
	if err != nil {
		w.t.Fatal(err)
	}
	s.el, err = election.New(election.Config{ID: s.id, Quorum: w.quorum, MinNotificationInterval: 50, MaxNotificationInterval: 1600, FinalizeWait: 20,
		Bugs: cfg.Bugs}) // the election's catalogued faults travel in the same set
	if err != nil {
		w.t.Fatal(err)
	}
	s.up = true
	s.zn.Tick(w.now)
	s.el.Tick(w.now)
	s.el.Start(s.zn.LastZxid(), s.zn.CurrentEpoch())
	w.process(s)
}

func (w *world) crash(s *server) {
	w.note(sid(s.id), "CRASH")
	w.crashes++
	s.up = false
	s.downTill = w.now + int64(w.rng.IntN(20*tickTime))
	if w.keepSent {
		for l := range w.zab {
			if l.to == s.id {
				delete(w.zab, l)
			}
		}
		return
	}
	w.resetConnections(s.id)
}

// resetConnections drops everything in flight to or from id on the quorum port, as a
// closed TCP connection does.
func (w *world) resetConnections(id int64) {
	for l := range w.zab {
		if l.from == id || l.to == id {
			delete(w.zab, l)
		}
	}
}

func (w *world) connected(a, b int64) bool {
	return w.group[a] == w.group[b] && w.servers[a].up && w.servers[b].up
}

// sendZab checks the durability rules at the moment a packet leaves, then queues it.
func (w *world) sendZab(s *server, m Message) {
	p := m.Packet
	switch {
	case w.lax:
	case p.Type == TypeAck && CounterOf(p.Zxid) != 0 && !s.disk.holds(p.Zxid):
		w.t.Fatalf("server %d sent ACK %x before the proposal was durable", s.id, p.Zxid)
	case p.Type == TypeAck && CounterOf(p.Zxid) == 0 && s.disk.hard.CurrentEpoch < EpochOf(p.Zxid):
		w.t.Fatalf("server %d acknowledged NEWLEADER %x with durable currentEpoch %d", s.id, p.Zxid, s.disk.hard.CurrentEpoch)
	case p.Type == TypeAckEpoch && s.disk.hard != s.zn.hard:
		w.t.Fatalf("server %d sent ACKEPOCH before its acceptedEpoch was durable", s.id)
	}
	l := link{s.id, m.To}
	w.zab[l] = append(w.zab[l], p)
}

// process runs the driver loop of doc.go for a server until it has nothing to do.
func (w *world) process(s *server) {
	for s.up && (s.el.HasReady() || s.zn.HasReady()) {
		erd := s.el.Ready()
		for _, m := range erd.Messages {
			l := link{s.id, m.To}
			w.elect[l] = append(w.elect[l], m.Notification)
		}
		if d := erd.Decision; d != nil && s.zn.Role() == RoleLooking {
			switch d.Role {
			case election.Leading:
				s.zn.Lead()
			case election.Following:
				s.zn.Follow(d.Leader)
			case election.Observing:
				s.zn.Observe(d.Leader)
			}
		}
		if !s.zn.HasReady() {
			continue
		}
		rd := s.zn.Ready()
		if st := rd.Status; st != nil {
			w.note(sid(s.id), "status", st.Role.String(), st.Phase.String(), "leader", sid(st.Leader), "epoch", strconv.FormatInt(st.Epoch, 10), st.Reason)
			if st.Role == RoleLooking {
				w.elections++
				w.resetConnections(s.id)
				s.el.Start(s.zn.LastZxid(), s.zn.CurrentEpoch())
			}
			if st.Phase == PhaseBroadcast {
				s.el.UpdatePeerEpoch(st.Epoch)
			}
			if st.Role == RoleLeader && st.Phase == PhaseBroadcast {
				if other, ok := w.epochLeader[st.Epoch]; ok && other != s.id {
					w.fatalf("epoch %d established by both %d and %d", st.Epoch, other, s.id)
				}
				w.epochLeader[st.Epoch] = s.id
				// A new leader holds every transaction committed before it.
				for _, e := range w.order {
					if !s.disk.holds(e.Zxid) && !slices.ContainsFunc(rd.Entries, func(x Entry) bool { return x.Zxid == e.Zxid }) {
						w.fatalf("leader %d of epoch %d lacks committed %x", s.id, st.Epoch, e.Zxid)
					}
				}
			}
		}
		for _, m := range rd.Messages {
			if !m.AfterPersist {
				w.sendZab(s, m)
			}
		}
		persist := rd.MustSync
		if persist && w.rng.Float64() < w.crashPoint/2 {
			w.crash(s) // crash before the fsync: nothing of this Ready is durable
			return
		}
		if rd.Snapshot != nil || rd.Truncate || len(rd.Entries) > 0 || rd.HardState != nil {
			var what []string
			if rd.Snapshot != nil {
				what = append(what, "snap@"+hexZxid(rd.Snapshot.Zxid))
			}
			if rd.Truncate {
				what = append(what, "trunc@"+hexZxid(rd.TruncateTo))
			}
			for _, e := range rd.Entries {
				what = append(what, "+"+hexZxid(e.Zxid))
			}
			if rd.HardState != nil {
				what = append(what, "hard", strconv.FormatInt(rd.HardState.AcceptedEpoch, 10), strconv.FormatInt(rd.HardState.CurrentEpoch, 10))
			}
			w.note(append([]string{sid(s.id), "persist"}, what...)...)
		}
		if rd.Snapshot != nil {
			s.disk.snap = *rd.Snapshot
			s.disk.log = nil
		}
		if rd.Truncate {
			s.disk.log = slices.DeleteFunc(s.disk.log, func(e Entry) bool { return e.Zxid > rd.TruncateTo })
		}
		s.disk.log = append(s.disk.log, rd.Entries...)
		if rd.HardState != nil {
			s.disk.hard = *rd.HardState
		}
		if persist && w.rng.Float64() < w.crashPoint/2 {
			w.crash(s) // crash after the fsync, before the ACKs leave
			return
		}
		for _, m := range rd.Messages {
			if m.AfterPersist {
				w.sendZab(s, m)
			}
		}
		if rd.Snapshot != nil {
			s.sm.entries = decodeEntries(rd.Snapshot.Data)
			s.sm.base = rd.Snapshot.Zxid
			w.checkPrefix(s)
		}
		for _, e := range rd.CommittedEntries {
			if e.Zxid <= s.sm.last() {
				w.t.Fatalf("server %d applies %x after %x", s.id, e.Zxid, s.sm.last())
			}
			s.sm.entries = append(s.sm.entries, e)
			w.note(sid(s.id), "apply", hexZxid(e.Zxid), string(e.Txn))
			w.checkPrefix(s)
			w.written[string(e.Txn)] = true
			if s.zn.Role() == RoleLeader {
				w.checkOnQuorum(e.Zxid)
			}
		}
		for _, r := range rd.Requests {
			if r.SessionID != 7 {
				w.t.Fatalf("request session %d", r.SessionID)
			}
			w.propose(s, r.Data)
		}
		s.zn.Advance()
	}
}

// checkPrefix: every server's applied sequence is a prefix of one committed order.
func (w *world) checkPrefix(s *server) {
	for i, e := range s.sm.entries {
		if i == len(w.order) {
			w.order = append(w.order, e)
			continue
		}
		if w.order[i].Zxid != e.Zxid || !bytes.Equal(w.order[i].Txn, e.Txn) {
			w.fatalf("server %d applied %x=%q at %d, others %x=%q", s.id, e.Zxid, e.Txn, i, w.order[i].Zxid, w.order[i].Txn)
		}
	}
}

// checkOnQuorum: what the leader applies is durable on a quorum of voters.
func (w *world) checkOnQuorum(z int64) {
	var holders []int64
	for _, id := range w.ids {
		if w.servers[id].disk.holds(z) {
			holders = append(holders, id)
		}
	}
	if !w.quorum.ContainsQuorum(holders) {
		w.fatalf("leader applied %x, durable only on %v", z, holders)
	}
}

func (w *world) propose(s *server, txn []byte) {
	if _, err := s.zn.Propose(txn); err != nil {
		w.pending = append(w.pending, txn)
		return
	}
	w.process(s)
}

// write submits the next client write through a random server.
func (w *world) write() {
	var txn []byte
	if len(w.pending) > 0 {
		txn, w.pending = w.pending[0], w.pending[1:]
	} else {
		w.nextWrite++
		txn = []byte("w" + strconv.Itoa(w.nextWrite))
		w.submitted[string(txn)] = true
	}
	s := w.servers[w.ids[w.rng.IntN(len(w.ids))]]
	switch {
	case !s.up:
	case s.zn.Role() == RoleLeader:
		w.propose(s, txn)
		return
	case s.zn.Forward(7, txn) == nil:
		w.process(s)
		return
	}
	w.pending = append(w.pending, txn)
}

// step performs one random action: deliver a message, or let time pass.
func (w *world) step() {
	w.steps++
	var links []link
	for l, q := range w.zab {
		if len(q) > 0 {
			links = append(links, l)
		}
	}
	nz := len(links)
	for l, q := range w.elect {
		if len(q) > 0 {
			links = append(links, l)
		}
	}
	sortLinks(links[:nz])
	sortLinks(links[nz:])
	switch r := w.rng.Float64(); {
	case len(links) > 0 && r < 0.95:
		i := w.rng.IntN(len(links))
		l := links[i]
		if i < nz {
			w.deliverZab(l)
		} else {
			w.deliverElection(l)
		}
	case w.rng.Float64() < w.writeRate:
		w.write()
	default:
		w.now += 1 + int64(w.rng.IntN(tickTime/5))
		for _, id := range w.ids {
			s := w.servers[id]
			if !s.up {
				if s.downTill <= w.now {
					w.boot(s)
				}
				continue
			}
			s.el.Tick(w.now)
			s.zn.Tick(w.now)
			w.process(s)
		}
		if w.crashRate > 0 && w.rng.Float64() < w.crashRate {
			if s := w.servers[w.ids[w.rng.IntN(len(w.ids))]]; s.up {
				w.crash(s)
			}
		}
	}
}

func sortLinks(ls []link) {
	slices.SortFunc(ls, func(a, b link) int {
		if a.from != b.from {
			return int(a.from - b.from)
		}
		return int(a.to - b.to)
	})
}

func (w *world) deliverZab(l link) {
	p := w.zab[l][0]
	to := w.servers[l.to]
	if (p.Type == TypeFollowerInfo || p.Type == TypeObserverInfo) && to.up && to.zn.Role() == RoleLooking {
		return // the learner keeps trying to connect until the leader listens
	}
	w.zab[l] = w.zab[l][1:]
	sentBeforeCrash := w.keepSent && !w.servers[l.from].up && to.up && w.group[l.from] == w.group[l.to]
	if !w.connected(l.from, l.to) && !sentBeforeCrash || w.rng.Float64() < w.drop {
		// A stream that loses a packet is a broken connection: the learner end
		// notices and goes back to election, as a closed socket makes it do.
		for _, id := range []int64{l.from, l.to} {
			if s := w.servers[id]; s.up && s.zn.Role() != RoleLeader && s.zn.Role() != RoleLooking {
				s.zn.StepDown("connection to the leader lost")
				w.process(s)
			}
		}
		return
	}
	b := p.Marshal()
	got, n, err := UnmarshalPacket(b)
	if err != nil || n != len(b) {
		w.t.Fatalf("codec: %v", err)
	}
	if got.Type != TypePing {
		w.note(sid(l.from), "->", sid(l.to), got.Type.String(), hexZxid(got.Zxid))
	}
	if got.Type == TypeDiff || got.Type == TypeTrunc || got.Type == TypeSnap {
		w.syncs[l.to] = append(w.syncs[l.to], got.Type)
	}
	_ = to.zn.Step(l.from, got)
	w.process(to)
}

func (w *world) deliverElection(l link) {
	n := w.elect[l][0]
	w.elect[l] = w.elect[l][1:]
	if !w.connected(l.from, l.to) || w.rng.Float64() < w.drop {
		return
	}
	got, err := election.UnmarshalNotification(n.Marshal())
	if err != nil {
		w.t.Fatal(err)
	}
	to := w.servers[l.to]
	to.el.Step(l.from, got)
	w.process(to)
}

func (w *world) run(steps int) {
	for range steps {
		w.step()
	}
}

// runUntil steps until cond holds, failing after limit steps.
func (w *world) runUntil(what string, cond func() bool, limit int) {
	w.t.Helper()
	for range limit {
		if cond() {
			return
		}
		w.step()
	}
	if !cond() {
		w.t.Fatalf("%s: not reached after %d steps (now %d)\n%s", what, limit, w.now, w.describe())
	}
}

func (w *world) describe() string {
	var b []byte
	for _, id := range w.ids {
		s := w.servers[id]
		b = append(b, "  server "+strconv.FormatInt(id, 10)+": up="+strconv.FormatBool(s.up)+" "+s.zn.Role().String()+"/"+s.zn.Phase().String()+
			" leader="+strconv.FormatInt(s.zn.Leader(), 10)+" epoch="+strconv.FormatInt(s.zn.Epoch(), 10)+
			" last="+hexZxid(s.zn.LastZxid())+" committed="+hexZxid(s.zn.Committed())+" applied="+strconv.Itoa(len(s.sm.entries))+
			" el="+s.el.State().String()+"\n"...)
	}
	return string(b)
}

func (w *world) leader() *server {
	for _, id := range w.ids {
		if s := w.servers[id]; s.up && s.zn.Role() == RoleLeader && s.zn.Phase() == PhaseBroadcast {
			return s
		}
	}
	return nil
}

// stable: every server is up and in broadcast under one leader, and all have applied
// the same sequence, which holds everything the leader logged.
func (w *world) stable() bool {
	ld := w.leader()
	if ld == nil || ld.zn.Committed() != ld.zn.LastZxid() {
		return false
	}
	for _, id := range w.ids {
		s := w.servers[id]
		if !s.up || s.zn.Phase() != PhaseBroadcast || s.zn.Leader() != ld.id || len(s.sm.entries) != len(ld.sm.entries) ||
			s.sm.last() != ld.sm.last() {
			return false
		}
	}
	return true
}

func (w *world) heal() {
	clear(w.group)
	w.drop, w.crashRate, w.crashPoint = 0, 0, 0
	for _, id := range w.ids {
		if s := w.servers[id]; !s.up {
			s.downTill = w.now
		}
	}
}

// checkNothingLost: after convergence every write any server applied is applied
// everywhere.
func (w *world) checkNothingLost() {
	w.t.Helper()
	for _, id := range w.ids {
		have := map[string]bool{}
		for _, e := range w.servers[id].sm.entries {
			have[string(e.Txn)] = true
		}
		for _, txn := range slices.Sorted(maps.Keys(w.written)) {
			if !have[txn] {
				w.t.Fatalf("server %d lost committed write %q", id, txn)
			}
		}
	}
}
