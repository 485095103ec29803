package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/sim"
)

// BaseEpochMs is added to a node's local clock reading (nanoseconds since the world
// began) to give the Peer a plausible wall-clock time in milliseconds.
const BaseEpochMs int64 = 1_700_000_000_000

// Crash points a Host reaches (sim.Env.CrashPoint), named as package nemesis names
// them. A nemesis arms one on a node with sim.World.ArmCrashPoint; the node dies
// exactly at that step. A standalone server is its own leader.
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
)

// Core is the protocol state machine a Host drives. protocol.Peer is one; the quorum
// Peer will be another, adding peer messages to its Ready (sent over server-to-server
// connections like client frames over client connections) and a Step input.
type Core interface {
	Tick(now int64)
	Connect(c protocol.ConnID, remoteIP string)
	Receive(c protocol.ConnID, payload []byte)
	Disconnect(c protocol.ConnID)
	HasReady() bool
	Ready() protocol.Ready
	Advance()
	Status() protocol.Status
}

// Standalone builds a standalone Peer: the default HostConfig.NewCore.
func Standalone(cfg protocol.Config, rec storage.RecoveredState, nowMs int64) (Core, error) {
	return protocol.NewStandalone(cfg, rec, nowMs)
}

// HostConfig configures one server host.
type HostConfig struct {
	Peer protocol.Config
	// NewCore builds the state machine from what recovery found (default Standalone).
	NewCore func(cfg protocol.Config, rec storage.RecoveredState, nowMs int64) (Core, error)
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

// Host is the sim.Process of one server: one Peer, its disk and its client connections.
type Host struct {
	cfg  HostConfig
	env  *sim.Env
	peer Core

	conns map[sim.ConnID]bool // open client connections
	tick  sim.TimerID

	curLog string // log file being appended to; "" after a roll

	// The Ready in flight: its gate is the last sync it issued; Advance waits for it.
	inFlight  bool
	gate      sim.SyncID
	gateRecs  []int64
	snapshots map[sim.SyncID]string // sync of a snapshot's temp file -> final name

	halted bool
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

// Start recovers the Peer from the node's disk and starts ticking it.
func (h *Host) Start(env *sim.Env) {
	h.env = env
	h.conns = map[sim.ConnID]bool{}
	h.snapshots = map[sim.SyncID]string{}
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
	disk := env.Disk()
	rec, err := storage.Recover(diskFiles{disk})
	if err == nil {
		err = h.repair(rec.Repairs)
	}
	if err != nil {
		h.fail(fmt.Sprintf("refusing to start: %v", err))
		return
	}
	for _, s := range rec.Skipped {
		env.Trace(fmt.Sprintf("skipped damaged snapshot %s: %v", s.Name, s.Err))
	}
	if h.cfg.Record != nil {
		h.cfg.Record.recovered(rec.LastZxid)
	}
	if h.cfg.NewCore == nil {
		h.cfg.NewCore = Standalone
	}
	peer, err := h.cfg.NewCore(h.cfg.Peer, rec, h.nowMs())
	if err != nil {
		h.fail(fmt.Sprintf("refusing to start: %v", err))
		return
	}
	h.peer = peer
	env.Trace(fmt.Sprintf("recovered snapshot=%q records=%d last=%#x", rec.SnapshotName, len(rec.Records), rec.LastZxid))
	h.tick = env.SetTimer(h.cfg.TickInterval)
	h.drive()
}

// repair carries out recovery's repairs on the simulated disk. Each is synced; later
// syncs on the disk complete after them, so nothing acknowledged can precede them.
func (h *Host) repair(repairs []storage.Repair) error {
	disk := h.env.Disk()
	for _, r := range repairs {
		switch r.Kind {
		case storage.RepairTruncate:
			data, err := disk.ReadFile(r.Name)
			if err != nil {
				return fmt.Errorf("repair %v: %w", r, err)
			}
			if r.Offset > int64(len(data)) {
				return fmt.Errorf("repair %v: file has only %d bytes", r, len(data))
			}
			if err := disk.WriteFile(r.Name, data[:r.Offset]); err != nil {
				return fmt.Errorf("repair %v: %w", r, err)
			}
			if _, err := disk.Sync(r.Name); err != nil {
				return fmt.Errorf("repair %v: %w", r, err)
			}
		case storage.RepairDelete:
			if err := disk.Remove(r.Name); err != nil && !errors.Is(err, sim.ErrFileNotFound) {
				return fmt.Errorf("repair %v: %w", r, err)
			}
		case storage.RepairWrite:
			if err := disk.WriteFile(r.Name, r.Data); err != nil {
				return fmt.Errorf("repair %v: %w", r, err)
			}
			if _, err := disk.Sync(r.Name); err != nil {
				return fmt.Errorf("repair %v: %w", r, err)
			}
		default:
			return fmt.Errorf("repair %v: unknown kind", r)
		}
		h.env.Trace("repaired " + r.String())
		if h.cfg.Record != nil {
			h.cfg.Record.repaired(r.String())
		}
	}
	return nil
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
	if !h.env.CrashPoint(name) {
		return false
	}
	h.halted = true
	if h.cfg.Record != nil {
		h.cfg.Record.fault("crash point " + name)
	}
	return true
}

// drive runs the Peer's Ready loop until it has nothing to do or a sync is pending.
func (h *Host) drive() {
	for !h.halted && !h.inFlight && h.peer.HasReady() {
		rd := h.peer.Ready()
		h.send(rd.Out)
		var recs []int64
		var gate sim.SyncID
		waits := false
		if len(rd.Records) > 0 {
			if err := h.appendRecords(rd.Records); err != nil {
				h.fail(err.Error())
				return
			}
			if h.halted {
				return
			}
			for _, r := range rd.Records {
				recs = append(recs, r.Zxid)
			}
			if h.crashPoint(CrashAfterAppend) {
				return
			}
			if rd.MustSync {
				id, err := h.env.Disk().Sync(h.curLog)
				if err != nil {
					h.fail(fmt.Sprintf("sync %s: %v", h.curLog, err))
					return
				}
				gate, waits = id, true
			}
		}
		if rd.Snapshot != nil {
			id, err := h.writeSnapshot(rd.Snapshot)
			if err != nil {
				h.fail(err.Error())
				return
			}
			if h.halted {
				return
			}
			gate, waits = id, true
		}
		if !waits {
			h.advance(recs)
			if h.halted {
				return
			}
			continue
		}
		h.inFlight, h.gate, h.gateRecs = true, gate, recs
	}
}

// advance acknowledges the Ready whose records (zxids recs) are durable.
func (h *Host) advance(recs []int64) {
	h.peer.Advance()
	if len(recs) == 0 {
		return
	}
	if h.cfg.Record != nil {
		for _, z := range recs {
			h.cfg.Record.committed(z)
		}
	}
	h.env.Trace(fmt.Sprintf("applied %#x..%#x", recs[0], recs[len(recs)-1]))
	h.crashPoint(CrashAfterApply)
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
	buf, err := storage.AppendRecords(nil, recs)
	if err != nil {
		return err
	}
	if err := disk.Append(h.curLog, buf); err != nil {
		return fmt.Errorf("append to %s: %w", h.curLog, err)
	}
	if h.cfg.Record != nil {
		for _, r := range recs {
			h.cfg.Record.logged(r.Zxid, r.Payload)
		}
	}
	return nil
}

// writeSnapshot writes the snapshot under a temporary name and syncs it; the rename
// happens when the sync completes. The log rolls, so the next record starts a new file.
func (h *Host) writeSnapshot(s *protocol.Snapshot) (sim.SyncID, error) {
	name, data, err := storage.EncodeSnapshot(s.Zxid, s.Payload)
	if err != nil {
		return 0, err
	}
	disk := h.env.Disk()
	tmp := name + ".tmp"
	if err := disk.WriteFile(tmp, data); err != nil {
		return 0, fmt.Errorf("write %s: %w", tmp, err)
	}
	h.curLog = ""
	if h.crashPoint(CrashMidSnapshot) {
		return 0, nil
	}
	id, err := disk.Sync(tmp)
	if err != nil {
		return 0, fmt.Errorf("sync %s: %w", tmp, err)
	}
	h.snapshots[id] = name
	return id, nil
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

// OnSyncDone advances the Peer once the in-flight Ready's last sync completes.
func (h *Host) OnSyncDone(id sim.SyncID, err error) {
	if h.halted {
		return
	}
	if err != nil {
		h.fail(fmt.Sprintf("fsync failed: %v", err))
		return
	}
	if name, ok := h.snapshots[id]; ok {
		delete(h.snapshots, id)
		if err := h.env.Disk().Rename(name+".tmp", name); err != nil {
			h.fail(fmt.Sprintf("rename snapshot %s: %v", name, err))
			return
		}
	}
	if !h.inFlight || id != h.gate {
		return
	}
	if len(h.gateRecs) > 0 && h.crashPoint(CrashAfterSync) {
		return
	}
	recs := h.gateRecs
	h.inFlight, h.gate, h.gateRecs = false, 0, nil
	h.advance(recs)
	h.drive()
}

// OnConnect accepts a client connection.
func (h *Host) OnConnect(c sim.ConnID, peer sim.NodeID, dialed bool) {
	if h.halted || dialed {
		return
	}
	h.conns[c] = true
	h.peer.Connect(protocol.ConnID(c), RemoteIP(peer))
	h.drive()
}

// OnMessage hands one client frame to the Peer. Each message must be exactly one frame,
// length prefix included; an oversized or malformed frame closes the connection.
func (h *Host) OnMessage(c sim.ConnID, msg []byte) {
	if h.halted || !h.conns[c] {
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

// OnClose tells the Peer a client connection is gone.
func (h *Host) OnClose(c sim.ConnID, err error) {
	if h.halted || !h.conns[c] {
		return
	}
	delete(h.conns, c)
	h.peer.Disconnect(protocol.ConnID(c))
	h.drive()
}

// OnTimer ticks the Peer with the node's local clock.
func (h *Host) OnTimer(id sim.TimerID) {
	if h.halted || id != h.tick {
		return
	}
	h.tick = h.env.SetTimer(h.cfg.TickInterval)
	h.peer.Tick(h.nowMs())
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
