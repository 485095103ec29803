package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/sim"
)

// BaseEpochMs is added to a node's local clock reading (nanoseconds since the world
// began) to give the Peer a plausible wall-clock time in milliseconds.
const BaseEpochMs int64 = 1_700_000_000_000

// Crash points a Host reaches (sim.Env.CrashPoint), named in package crashpoint. A
// nemesis arms one on a node with sim.World.ArmCrashPoint; the node dies exactly at
// that step. A standalone server is its own leader.
const (
	// CrashAfterAppend: the records of a Ready are in the log file, not yet synced.
	CrashAfterAppend = "leader-append-before-fsync"
	// CrashAfterSync: the log sync completed, so the batch is committed; Advance
	// (apply) not yet called.
	CrashAfterSync = "commit-before-apply"
	// CrashAfterApply: a batch of transactions was applied; its replies are not sent.
	CrashAfterApply = "apply-before-reply"
	// CrashMidSnapshot: a snapshot's temporary file is written, not yet synced or renamed.
	CrashMidSnapshot = "snapshot-mid-write"
	// CrashLogRollMidHeader: a new log file holds its header, not yet synced.
	CrashLogRollMidHeader = "log-roll-mid-header"
	// CrashFollowerAppend: a learner appended records, not yet synced.
	CrashFollowerAppend = "follower-append-before-fsync"
	// CrashFollowerFsync: a learner's records are durable, its ACKs not sent.
	CrashFollowerFsync = "follower-fsync-before-ack"
	// CrashSyncBeforeCurrentEpoch: a learner's synced records are durable and its new
	// currentEpoch is staged in storage.CurrentEpochTempFile, not yet renamed into place.
	CrashSyncBeforeCurrentEpoch = "sync-writes-before-current-epoch"
	// CrashCurrentEpoch: a learner's currentEpoch is durable, its NEWLEADER ACK not sent.
	CrashCurrentEpoch = "current-epoch-before-ack-newleader"
	// CrashTrunc: a learner cut its log for a TRUNC, not yet synced.
	CrashTrunc = "trunc-before-fsync"
	// CrashSnapReceived: a learner wrote a SNAP's snapshot, not yet synced.
	CrashSnapReceived = "snap-received-before-fsync"
)

// Core is the protocol state machine a Host drives: a protocol.Peer, standalone or
// an ensemble member.
type Core interface {
	// TickClocks hands the core the node's wall clock and its elapsed-time clock
	// (protocol.Peer.TickClocks).
	TickClocks(wall, elapsed int64)
	Connect(c protocol.ConnID, remoteIP string)
	Receive(c protocol.ConnID, payload []byte)
	Disconnect(c protocol.ConnID)
	StepPeer(from int64, ch protocol.Channel, msg []byte)
	PeerDisconnected(peer int64, ch protocol.Channel)
	HasReady() bool
	Ready() protocol.Ready
	Advance()
	Status() protocol.Status
}

// NewPeer builds a Peer from what recovery found: an ensemble member when
// cfg.Members is set, a standalone server otherwise. It is the default
// HostConfig.NewCore.
func NewPeer(cfg protocol.Config, rec storage.RecoveredState, nowMs int64) (Core, error) {
	p, err := protocol.NewQuorum(cfg, rec, nowMs)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// HostConfig configures one server host.
type HostConfig struct {
	Peer protocol.Config
	// NewCore builds the state machine from what recovery found (default NewPeer).
	NewCore func(cfg protocol.Config, rec storage.RecoveredState, nowMs int64) (Core, error)
	// Servers maps every ensemble member's id to its node, this server included.
	Servers map[int64]sim.NodeID
	// TickInterval is how often the Peer is ticked (default TickTime/2).
	TickInterval time.Duration
	// MaxFrame is the largest client frame accepted; a larger one closes the connection
	// (default wire.MaxBuffer).
	MaxFrame int
	// Record receives the node's own log; nil records nothing.
	Record *NodeRecord
	// Halt crashes this node at once (the host calls it on a failed fsync or refused
	// recovery). Nil only stops the host from serving.
	Halt func()
}

// Host is the sim.Process of one server: one Peer, its disk, its client connections
// and its connections to the other members.
type Host struct {
	cfg  HostConfig
	env  *sim.Env
	peer Core

	conns   map[sim.ConnID]bool  // open client connections
	links   map[int64]*peerLink  // connections this server dialed, by member id
	inbound map[sim.ConnID]int64 // connections other members dialed
	nodeIDs map[sim.NodeID]int64 // member id of each server node
	tick    sim.TimerID
	curLog  string                // log file being appended to; "" after a roll
	renames map[sim.SyncID]string // sync of a temporary file -> its final name

	// The Ready in flight waits for its last sync (gate) before the messages that
	// follow persistence go out and Advance is called.
	inFlight bool
	pending  persisted

	// startMono is the monotonic reading when the core was built with startMs,
	// the wall reading then: the core's elapsed clock counts from there.
	startMono time.Duration
	startMs   int64

	scratch []byte // sendPeer's message buffer

	role   protocol.RoleChange
	epochs protocol.HardState // as last made durable
	halted bool
}

// persisted is what a Ready left to do once its writes are durable.
type persisted struct {
	gate   sim.SyncID
	recs   []int64
	hashes []uint64
	events []protocol.NodeEvent
	after  []protocol.PeerMessage
	hard   *protocol.HardState
}

// peerLink is a connection to another member; messages wait in queue until it is up.
// unanswered is when the first message sent since last hearing from that member left.
type peerLink struct {
	conn       sim.ConnID
	up         bool
	queue      [][]byte
	unanswered time.Duration
}

var _ sim.Process = (*Host)(nil)

// NewHost returns a host that builds its Peer when the node starts.
func NewHost(cfg HostConfig) *Host {
	return &Host{cfg: cfg}
}

// Core returns the host's state machine (nil before Start, or if recovery failed).
func (h *Host) Core() Core { return h.peer }

// Halted reports whether the host stopped serving (it has halted its node).
func (h *Host) Halted() bool { return h.halted }

func (h *Host) nowMs() int64 { return BaseEpochMs + int64(h.env.Now())/int64(time.Millisecond) }

// elapsedMs is the monotonic clock in the scale of the wall reading the core was
// built with, so that a clock jump reaches the core's wall clock only.
func (h *Host) elapsedMs() int64 {
	return h.startMs + int64((h.env.Monotonic()-h.startMono)/time.Millisecond)
}

func (h *Host) ensemble() bool { return len(h.cfg.Peer.Members) > 0 }

// Start recovers the Peer from the node's disk and starts ticking it.
func (h *Host) Start(env *sim.Env) {
	h.env = env
	h.conns = map[sim.ConnID]bool{}
	h.links = map[int64]*peerLink{}
	h.inbound = map[sim.ConnID]int64{}
	h.nodeIDs = map[sim.NodeID]int64{}
	for id, n := range h.cfg.Servers {
		h.nodeIDs[n] = id
	}
	h.renames = map[sim.SyncID]string{}
	if h.cfg.TickInterval <= 0 {
		tt := h.cfg.Peer.TickTime
		if tt <= 0 {
			tt = 3000
		}
		h.cfg.TickInterval = time.Duration(tt) * time.Millisecond / 2
	}
	if h.cfg.MaxFrame <= 0 {
		h.cfg.MaxFrame = wire.MaxBuffer
	}
	if h.cfg.NewCore == nil {
		h.cfg.NewCore = NewPeer
	}
	rec, err := storage.Recover(diskFiles{env.Disk()})
	if err == nil {
		_, err = h.repair(rec.Repairs)
	}
	if err != nil {
		h.fail(fmt.Sprintf("refusing to start: %v", err))
		return
	}
	for _, s := range rec.Skipped {
		env.Trace(fmt.Sprintf("skipped damaged snapshot %s: %v", s.Name, s.Err))
	}
	if h.cfg.Record != nil {
		h.cfg.Record.recorder().Recovered(rec)
	}
	h.epochs = protocol.HardState{AcceptedEpoch: rec.AcceptedEpoch, CurrentEpoch: rec.CurrentEpoch}
	h.startMs, h.startMono = h.nowMs(), env.Monotonic()
	peer, err := h.cfg.NewCore(h.cfg.Peer, rec, h.startMs)
	if err != nil {
		h.fail(fmt.Sprintf("refusing to start: %v", err))
		return
	}
	h.peer = peer
	env.Trace(fmt.Sprintf("recovered snapshot=%q records=%d last=%#x", rec.SnapshotName, len(rec.Records), rec.LastZxid))
	if !h.ensemble() && h.cfg.Record != nil {
		// A standalone server is its own leader (epoch 0) from the moment it serves.
		h.cfg.Record.recorder().StandaloneServing(rec.LastZxid)
	}
	h.tick = env.SetTimer(h.cfg.TickInterval)
	h.drive()
}

// repair carries out recovery's (or a TRUNC's) repairs on the simulated disk. Each
// rewrite is synced (later syncs on the disk complete after it); last is the last
// sync issued, 0 if none.
func (h *Host) repair(repairs []storage.Repair) (last sim.SyncID, err error) {
	disk := h.env.Disk()
	for _, r := range repairs {
		switch r.Kind {
		case storage.RepairTruncate:
			data, err := disk.ReadFile(r.Name)
			if err != nil {
				return 0, fmt.Errorf("repair %v: %w", r, err)
			}
			if r.Offset > int64(len(data)) {
				return 0, fmt.Errorf("repair %v: file has only %d bytes", r, len(data))
			}
			if err := disk.WriteFile(r.Name, data[:r.Offset]); err != nil {
				return 0, fmt.Errorf("repair %v: %w", r, err)
			}
			if last, err = disk.Sync(r.Name); err != nil {
				return 0, fmt.Errorf("repair %v: %w", r, err)
			}
		case storage.RepairDelete:
			if h.renaming(r.Name) {
				break // an atomic write above rewrote it and renames it when synced
			}
			if err := disk.Remove(r.Name); err != nil && !errors.Is(err, sim.ErrFileNotFound) {
				return 0, fmt.Errorf("repair %v: %w", r, err)
			}
		case storage.RepairWrite:
			if last, err = h.writeAtomic(r.Name, r.Data); err != nil {
				return 0, fmt.Errorf("repair %v: %w", r, err)
			}
		default:
			return 0, fmt.Errorf("repair %v: unknown kind", r)
		}
		h.env.Trace("repaired " + r.String())
		if h.cfg.Record != nil {
			h.cfg.Record.repaired(r.String())
		}
	}
	return last, nil
}

// renaming reports whether tmp is the temporary file of an atomic write in flight.
func (h *Host) renaming(tmp string) bool {
	for _, name := range h.renames {
		if name+".tmp" == tmp {
			return true
		}
	}
	return false
}

// stageCurrentEpoch writes storage.CurrentEpochTempFile and starts its sync, which
// completes before any later sync on the disk. A rename of the file still pending (a
// recovery repair's) is dropped: it would move the new epoch into place before the
// records it must follow, and the newer staged epoch covers what it would have written.
func (h *Host) stageCurrentEpoch(epoch int64) (sim.SyncID, error) {
	for id, name := range h.renames {
		if name == storage.CurrentEpochFile {
			delete(h.renames, id)
		}
	}
	disk := h.env.Disk()
	if err := disk.WriteFile(storage.CurrentEpochTempFile, storage.EncodeEpoch(epoch)); err != nil {
		return 0, fmt.Errorf("write %s: %w", storage.CurrentEpochTempFile, err)
	}
	id, err := disk.Sync(storage.CurrentEpochTempFile)
	if err != nil {
		return 0, fmt.Errorf("sync %s: %w", storage.CurrentEpochTempFile, err)
	}
	return id, nil
}

// writeAtomic writes name.tmp and syncs it; name takes its place when the sync
// completes, so a crash leaves the old content or the new, never a torn file.
func (h *Host) writeAtomic(name string, data []byte) (sim.SyncID, error) {
	disk := h.env.Disk()
	tmp := name + ".tmp"
	if err := disk.WriteFile(tmp, data); err != nil {
		return 0, fmt.Errorf("write %s: %w", tmp, err)
	}
	id, err := disk.Sync(tmp)
	if err != nil {
		return 0, fmt.Errorf("sync %s: %w", tmp, err)
	}
	h.renames[id] = name
	return id, nil
}

// fail records why the node stops and halts it.
func (h *Host) fail(reason string) {
	if h.halted {
		return
	}
	h.halted = true
	if h.env != nil {
		h.env.Trace("halt: " + reason)
	}
	if h.cfg.Record != nil {
		h.cfg.Record.fault(reason)
	}
	if h.cfg.Halt != nil {
		h.cfg.Halt()
	}
}

// crashPoint reports the named step to the world; if the point is armed, the node
// died there and the host must do nothing more.
func (h *Host) crashPoint(name string) bool {
	if h.halted || !h.env.CrashPoint(name) {
		return h.halted
	}
	h.halted = true
	if h.cfg.Record != nil {
		h.cfg.Record.fault("crash point " + name)
	}
	return true
}

func (h *Host) learner() bool {
	return h.role.Role == protocol.RoleFollowing || h.role.Role == protocol.RoleObserving
}

// drive runs the Peer's Ready loop until it has nothing to do or a sync is pending.
func (h *Host) drive() {
	for !h.halted && !h.inFlight && h.peer.HasReady() {
		rd := h.peer.Ready()
		h.observe(&rd)
		h.send(rd.Out)
		for _, m := range rd.PeerMessages {
			if !m.AfterPersist {
				h.sendPeer(m)
			}
		}
		st, waits, err := h.persist(&rd)
		if err != nil {
			h.fail(err.Error())
			return
		}
		if h.halted {
			return
		}
		for _, m := range rd.PeerMessages {
			if m.AfterPersist {
				st.after = append(st.after, m)
			}
		}
		st.events = rd.Events
		if waits {
			h.inFlight, h.pending = true, st
			return
		}
		h.finish(st)
	}
}

// persist starts the Ready's writes in the order the Peer asks for them. waits is
// set when they are not durable yet: st.gate is the last sync they issued.
func (h *Host) persist(rd *protocol.Ready) (st persisted, waits bool, err error) {
	gate := func(id sim.SyncID) { st.gate, waits = id, true }
	// A new currentEpoch is staged before anything of the Ready can become durable, and
	// renamed into place only after (below): whatever a crash leaves, a log ahead of
	// currentEpoch comes with the staged epoch that storage.Recover takes.
	var staged, logSync sim.SyncID
	if hs := rd.HardState; hs != nil && hs.CurrentEpoch != h.epochs.CurrentEpoch {
		id, err := h.stageCurrentEpoch(hs.CurrentEpoch)
		if err != nil {
			return st, false, err
		}
		staged = id
	}
	if rd.Snapshot != nil && rd.InstallSnapshot {
		id, err := h.installSnapshot(rd.Snapshot)
		if err != nil || h.halted {
			return st, false, err
		}
		gate(id)
	}
	if rd.Truncate {
		repairs, err := storage.TruncatePlan(diskFiles{h.env.Disk()}, rd.TruncateTo)
		var last sim.SyncID
		if err == nil {
			last, err = h.repair(repairs)
		}
		if err != nil {
			return st, false, fmt.Errorf("truncate to %#x: %w", rd.TruncateTo, err)
		}
		h.curLog = ""
		if h.cfg.Record != nil {
			h.cfg.Record.recorder().Truncated(rd.TruncateTo)
		}
		if h.crashPoint(CrashTrunc) {
			return st, false, nil
		}
		if last != 0 {
			gate(last)
		}
	}
	if len(rd.Records) > 0 {
		if err := h.appendRecords(rd.Records); err != nil || h.halted {
			return st, false, err
		}
		for _, r := range rd.Records {
			st.recs = append(st.recs, r.Zxid)
			st.hashes = append(st.hashes, TxnHash(r.Payload))
		}
		point := CrashAfterAppend
		if h.learner() {
			point = CrashFollowerAppend
		}
		if h.crashPoint(point) {
			return st, false, nil
		}
		if rd.MustSync {
			id, err := h.env.Disk().Sync(h.curLog)
			if err != nil {
				return st, false, fmt.Errorf("sync %s: %w", h.curLog, err)
			}
			gate(id)
			logSync = id
		}
	}
	if rd.HardState != nil {
		hs := *rd.HardState
		st.hard = &hs
		if hs.AcceptedEpoch != h.epochs.AcceptedEpoch {
			id, err := h.writeAtomic(storage.AcceptedEpochFile, storage.EncodeEpoch(hs.AcceptedEpoch))
			if err != nil {
				return st, false, err
			}
			gate(id)
		}
		if staged != 0 {
			// Syncs complete in order: once the log's is done, the staged epoch is
			// durable too and may replace currentEpoch. Unsynced records get a sync
			// of their own first.
			id := staged
			if logSync != 0 {
				id = logSync
			} else if len(rd.Records) > 0 {
				var err error
				if id, err = h.env.Disk().Sync(h.curLog); err != nil {
					return st, false, fmt.Errorf("sync %s: %w", h.curLog, err)
				}
			}
			h.renames[id] = storage.CurrentEpochFile
			gate(id)
		}
	}
	if rd.Snapshot != nil && !rd.InstallSnapshot {
		id, err := h.writeSnapshot(rd.Snapshot)
		if err != nil || h.halted {
			return st, false, err
		}
		gate(id)
	}
	return st, waits, nil
}

// finish completes a Ready whose writes are durable: the messages that waited for
// them go out, then Advance.
func (h *Host) finish(st persisted) {
	if rec := h.cfg.Record; rec != nil {
		rec.recorder().Persisted(st.recs, st.hashes, st.events, st.hard)
	}
	if st.hard != nil {
		h.epochs = *st.hard
	}
	if len(st.after) > 0 && h.learner() {
		if st.hard != nil && h.crashPoint(CrashCurrentEpoch) {
			return
		}
		if len(st.recs) > 0 && h.crashPoint(CrashFollowerFsync) {
			return
		}
	}
	for _, m := range st.after {
		h.sendPeer(m)
	}
	if len(st.recs) > 0 && !h.ensemble() && h.crashPoint(CrashAfterSync) {
		return
	}
	h.peer.Advance()
	if len(st.recs) == 0 {
		return
	}
	if h.cfg.Record != nil && !h.ensemble() {
		for _, z := range st.recs {
			h.cfg.Record.recorder().Committed(z)
		}
	}
	// Built by hand: a Sprintf per persisted batch showed in profiles.
	line := append(h.scratch[:0], "persisted 0x"...)
	line = strconv.AppendInt(line, st.recs[0], 16)
	line = append(line, "..0x"...)
	line = strconv.AppendInt(line, st.recs[len(st.recs)-1], 16)
	h.scratch = line
	h.env.Trace(string(line))
	h.crashPoint(CrashAfterApply)
}

// observe records what a Ready reports about the Peer before its persistence: role
// changes, the transactions the last Advance applied, and an installed snapshot. A
// leader's establishment waits for finish.
func (h *Host) observe(rd *protocol.Ready) {
	if rec := h.cfg.Record; rec != nil {
		rec.recorder().Observe(h.role, rd)
	}
	if rd.Role != nil {
		if h.role.Role == protocol.RoleLeading && (rd.Role.Role != protocol.RoleLeading || rd.Role.Epoch != h.role.Epoch) {
			// Learning its epoch (from 0) is the same leadership going on.
			if rd.Role.Role != protocol.RoleLeading || h.role.Epoch != 0 {
				h.closeQuorum(h.role.Epoch)
			}
		}
		h.role = *rd.Role
		h.env.Trace(fmt.Sprintf("role %s epoch=%d leader=%d %s", rd.Role.Role, rd.Role.Epoch, rd.Role.Leader, rd.Role.Reason))
	}
}

func (h *Host) appendRecords(recs []storage.Record) error {
	disk := h.env.Disk()
	if h.curLog == "" {
		name := storage.LogFileName(recs[0].Zxid)
		if err := disk.Create(name); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		hdr, err := storage.AppendLogHeader(nil, recs[0].Zxid)
		if err != nil {
			return err
		}
		if err := disk.Append(name, hdr); err != nil {
			return fmt.Errorf("append to %s: %w", name, err)
		}
		h.curLog = name
		if h.crashPoint(CrashLogRollMidHeader) {
			return nil
		}
	}
	buf, err := storage.AppendRecords(h.scratch[:0], recs) // Append copies it
	if err != nil {
		return err
	}
	h.scratch = buf
	if err := disk.Append(h.curLog, buf); err != nil {
		return fmt.Errorf("append to %s: %w", h.curLog, err)
	}
	return nil
}

// writeSnapshot writes a periodic snapshot atomically; the log rolls, so the next
// record starts a new file.
func (h *Host) writeSnapshot(s *protocol.Snapshot) (sim.SyncID, error) {
	name, data, err := storage.EncodeSnapshot(s.Zxid, s.Payload)
	if err != nil {
		return 0, err
	}
	h.curLog = ""
	if err := h.env.Disk().WriteFile(name+".tmp", data); err != nil {
		return 0, fmt.Errorf("write %s.tmp: %w", name, err)
	}
	if h.crashPoint(CrashMidSnapshot) {
		return 0, nil
	}
	return h.writeAtomic(name, data)
}

// installSnapshot replaces the node's state by a snapshot (a SNAP sync): every log
// and every newer snapshot goes first, so a crash leaves an older state, never the
// old log on top of the new snapshot.
func (h *Host) installSnapshot(s *protocol.Snapshot) (sim.SyncID, error) {
	disk := h.env.Disk()
	for _, name := range disk.List() {
		if k, z := storage.ParseFileName(name); k == storage.KindLog || k == storage.KindSnapshot && z >= s.Zxid {
			if err := disk.Remove(name); err != nil {
				return 0, fmt.Errorf("install snapshot: remove %s: %w", name, err)
			}
		}
	}
	h.curLog = ""
	name, data, err := storage.EncodeSnapshot(s.Zxid, s.Payload)
	if err != nil {
		return 0, err
	}
	if err := disk.WriteFile(name+".tmp", data); err != nil {
		return 0, fmt.Errorf("write %s.tmp: %w", name, err)
	}
	if h.crashPoint(CrashSnapReceived) {
		return 0, nil
	}
	return h.writeAtomic(name, data)
}

// send writes client frames and closes the connections marked Close.
func (h *Host) send(out []protocol.Output) {
	for _, o := range out {
		c := sim.ConnID(o.Conn)
		if !h.conns[c] {
			continue
		}
		if o.Frame != nil {
			// A send on a connection the network already broke fails; the close event follows.
			_ = h.env.Send(c, o.Frame)
		}
		if o.Close {
			delete(h.conns, c)
			_ = h.env.Close(c)
		}
	}
}

// sendPeer sends one message to another member over the connection this server
// dialed to it (dialing it if needed). Each simulated message is the channel byte
// followed by the Peer's message.
func (h *Host) sendPeer(m protocol.PeerMessage) {
	node, ok := h.cfg.Servers[m.To]
	if !ok {
		return
	}
	// Send copies the message: a scratch buffer serves all but queued ones.
	msg := append(append(h.scratch[:0], byte(m.Channel)), m.Data...)
	h.scratch = msg
	l := h.links[m.To]
	if l == nil {
		c, err := h.env.Dial(node)
		if err != nil {
			return
		}
		l = &peerLink{conn: c}
		h.links[m.To] = l
	}
	if l.unanswered == 0 {
		l.unanswered = max(h.env.Monotonic(), 1)
	}
	if !l.up {
		l.queue = append(l.queue, slices.Clone(msg))
		return
	}
	_ = h.env.Send(l.conn, msg)
}

// quorumClosed is the first byte of a host message that stands for the close of the
// quorum connections of a leader's epoch (its other bytes). The simulated hosts carry
// both of ZooKeeper's ports on one connection per pair, so a leader that stops leading
// cannot close its learners' quorum sockets as ZooKeeper's Leader.shutdown does; it
// sends this instead, after all it sent them before.
const quorumClosed byte = 0xff

// closeQuorum tells every member this server is connected to that its leadership of
// epoch (0 while it was still establishing one) ended, so that its learners go back to
// election at once rather than after syncLimit of silence.
func (h *Host) closeQuorum(epoch int64) {
	ids := make([]int64, 0, len(h.links))
	for id := range h.links {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	msg := binary.BigEndian.AppendUint64([]byte{quorumClosed}, uint64(epoch))
	for _, id := range ids {
		l := h.links[id]
		if !l.up {
			l.queue = append(l.queue, msg)
			continue
		}
		_ = h.env.Send(l.conn, msg)
	}
}

// leaderClosedQuorum acts on a quorumClosed message from member from: a learner of
// that leader's epoch sees its quorum connection break.
func (h *Host) leaderClosedQuorum(from int64, msg []byte) {
	if len(msg) != 9 || !h.learner() || h.role.Leader != from || h.role.Epoch != int64(binary.BigEndian.Uint64(msg[1:])) {
		return
	}
	h.env.Trace(fmt.Sprintf("leader %d closed the quorum connection of epoch %d", from, h.role.Epoch))
	h.peer.PeerDisconnected(from, protocol.ChannelQuorum)
}

// peerTimeout is how long a member may leave this server's messages unanswered before
// the connection to it is presumed dead: syncLimit ticks, as a learner waits for its
// leader. A connection cut silently (a partition that blackholed it) stays dead after
// the partition heals, as a TCP connection whose peer vanished does; only a timeout
// notices, and a new connection replaces it.
func (h *Host) peerTimeout() time.Duration {
	limit := h.cfg.Peer.SyncLimit
	if limit <= 0 {
		limit = 5
	}
	tt := h.cfg.Peer.TickTime
	if tt <= 0 {
		tt = 3000
	}
	return time.Duration(limit) * time.Duration(tt) * time.Millisecond
}

// checkPeers drops the connections whose member has not answered within peerTimeout.
func (h *Host) checkPeers() {
	now := h.env.Monotonic()
	var dead []int64
	for id, l := range h.links {
		if l.unanswered != 0 && now-l.unanswered > h.peerTimeout() {
			dead = append(dead, id)
		}
	}
	slices.Sort(dead)
	for _, id := range dead {
		h.env.Trace(fmt.Sprintf("member %d silent for %v: reconnecting", id, h.peerTimeout()))
		h.peerLost(id)
	}
}

// peerLost tells the Peer its connections with member id are gone.
func (h *Host) peerLost(id int64) {
	if l := h.links[id]; l != nil {
		delete(h.links, id)
		_ = h.env.Close(l.conn)
	}
	var gone []sim.ConnID
	for c, from := range h.inbound {
		if from == id {
			gone = append(gone, c)
		}
	}
	slices.Sort(gone) // the closes reach the trace: keep their order fixed
	for _, c := range gone {
		delete(h.inbound, c)
		_ = h.env.Close(c)
	}
	h.peer.PeerDisconnected(id, protocol.ChannelQuorum)
	h.peer.PeerDisconnected(id, protocol.ChannelElection)
}

// OnSyncDone advances the Peer once the in-flight Ready's last sync completes.
func (h *Host) OnSyncDone(id sim.SyncID, err error) {
	if h.halted {
		return
	}
	if err != nil {
		h.fail(fmt.Sprintf("fsync failed: %v", err))
		return
	}
	if name, ok := h.renames[id]; ok {
		delete(h.renames, id)
		if name == storage.CurrentEpochFile && h.learner() && h.crashPoint(CrashSyncBeforeCurrentEpoch) {
			return
		}
		if err := h.env.Disk().Rename(name+".tmp", name); err != nil {
			h.fail(fmt.Sprintf("rename %s: %v", name, err))
			return
		}
	}
	if !h.inFlight || id != h.pending.gate {
		return
	}
	st := h.pending
	h.inFlight, h.pending = false, persisted{}
	h.finish(st)
	if !h.halted {
		h.drive()
	}
}

// OnConnect accepts a client connection or another member's, or completes a dial.
func (h *Host) OnConnect(c sim.ConnID, peer sim.NodeID, dialed bool) {
	if h.halted {
		return
	}
	if dialed {
		for _, l := range h.links {
			if l.conn == c {
				l.up = true
				for _, m := range l.queue {
					_ = h.env.Send(c, m)
				}
				l.queue = nil
			}
		}
		return
	}
	if id, ok := h.nodeIDs[peer]; ok && h.ensemble() {
		h.inbound[c] = id
		return
	}
	h.conns[c] = true
	h.peer.Connect(protocol.ConnID(c), RemoteIP(peer))
	h.drive()
}

// OnMessage hands a client frame or a member's message to the Peer. A client message
// must be exactly one frame, length prefix included; an oversized or malformed frame
// closes the connection.
func (h *Host) OnMessage(c sim.ConnID, msg []byte) {
	if h.halted {
		return
	}
	if from, ok := h.inbound[c]; ok {
		if l := h.links[from]; l != nil {
			l.unanswered = 0
		}
		switch {
		case len(msg) > 0 && msg[0] == quorumClosed:
			h.leaderClosedQuorum(from, msg)
			h.drive()
		case len(msg) > 0:
			h.peer.StepPeer(from, protocol.Channel(msg[0]), msg[1:])
			h.drive()
		}
		return
	}
	if !h.conns[c] {
		return
	}
	payload, n, err := wire.ParseFrame(msg, h.cfg.MaxFrame)
	if err == nil && n != len(msg) {
		err = fmt.Errorf("message of %d bytes holds a frame of %d", len(msg), n)
	}
	if err != nil {
		h.env.Trace(fmt.Sprintf("closing conn %d: %v", c, err))
		delete(h.conns, c)
		_ = h.env.Close(c)
		h.peer.Disconnect(protocol.ConnID(c))
		h.drive()
		return
	}
	h.peer.Receive(protocol.ConnID(c), payload)
	h.drive()
}

// OnClose tells the Peer a connection is gone.
func (h *Host) OnClose(c sim.ConnID, err error) {
	if h.halted {
		return
	}
	if from, ok := h.inbound[c]; ok {
		delete(h.inbound, c)
		h.peerLost(from)
		h.drive()
		return
	}
	for id, l := range h.links {
		if l.conn == c {
			delete(h.links, id)
			h.peerLost(id)
			h.drive()
			return
		}
	}
	if !h.conns[c] {
		return
	}
	delete(h.conns, c)
	h.peer.Disconnect(protocol.ConnID(c))
	h.drive()
}

// OnTimer ticks the Peer with the node's local clocks.
func (h *Host) OnTimer(id sim.TimerID) {
	if h.halted || id != h.tick {
		return
	}
	h.tick = h.env.SetTimer(h.cfg.TickInterval)
	if h.ensemble() {
		h.checkPeers()
	}
	h.peer.TickClocks(h.nowMs(), h.elapsedMs())
	h.drive()
}

// RemoteIP is the address a server sees for a connection from node n.
func RemoteIP(n sim.NodeID) string {
	return fmt.Sprintf("10.0.%d.%d", (n>>8)&0xff, n&0xff)
}

// diskFiles is the storage.FileSet view of a simulated disk.
type diskFiles struct{ d *sim.Disk }

func (f diskFiles) List() []string { return f.d.List() }

func (f diskFiles) Read(name string) ([]byte, error) { return f.d.ReadFile(name) }
