// Package noderec decides what a server records about its own ZAB state for the
// checker's zab-* properties: the transactions it made durable, its commits, epochs,
// roles, truncations and installed snapshots. The simulator's host (sim/cluster) and a
// real zkserver run with --test-only-zab-record share it, so both give the checker the
// same events; only where the events go and how they are timed differs.
package noderec

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
)

// Kind is what one server recorded about its own protocol state.
type Kind uint8

// Event kinds.
const (
	// LeaderEstablished: the node became the established leader of Epoch (a quorum
	// acknowledged NEWLEADER).
	LeaderEstablished Kind = iota + 1
	// LeaderLost: the node stopped leading Epoch.
	LeaderLost
	// AcceptedEpoch and CurrentEpoch: the persisted epoch changed to Epoch.
	AcceptedEpoch
	CurrentEpoch
	// Logged: the transaction Zxid with digest Digest was appended to the log.
	Logged
	// Committed: the transaction Zxid was committed and applied.
	Committed
	// Truncated: the log was cut to end at Zxid (a TRUNC, or the unsynced tail lost in
	// a crash); later transactions are discarded.
	Truncated
	// Snapshot: the tree was replaced by a snapshot at Zxid (a SNAP); the log is
	// discarded and everything up to Zxid counts as committed here.
	Snapshot
	// Restarted: the process crashed and came back from its storage; in-memory state
	// (roles, commit point) is gone, the durable log stays.
	Restarted
	// Final: at the end of the run the tree has digest Digest at last zxid Zxid.
	Final
)

func (k Kind) String() string {
	names := [...]string{"?", "leader-established", "leader-lost", "accepted-epoch", "current-epoch",
		"logged", "committed", "truncated", "snapshot", "restarted", "final"}
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Event is one event of a node's own log. Time is in nanoseconds: true simulated time
// in the simulator, wall-clock time in a real server.
type Event struct {
	Kind   Kind
	Time   int64
	Epoch  int64
	Zxid   int64
	Digest uint64
}

// Recorder turns a server's storage and protocol steps into Events and
// hands each to Emit, which stamps its time and keeps it.
type Recorder struct {
	// Emit receives each event; it sets Time.
	Emit func(Event)

	started    bool // an earlier incarnation emitted or recovered (or one was resumed)
	lastLogged int64
	accepted   int64
	current    int64
}

// Add emits one event as it is.
func (r *Recorder) Add(ev Event) {
	r.started = true
	r.Emit(ev)
}

// Resume restores the recorder's state from an event an earlier incarnation of the same
// server recorded (a record file read back at start), without emitting it.
func (r *Recorder) Resume(ev Event) {
	r.started = true
	switch ev.Kind {
	case Logged, Truncated, Snapshot:
		r.lastLogged = ev.Zxid
	case AcceptedEpoch:
		r.accepted = ev.Epoch
	case CurrentEpoch:
		r.current = ev.Epoch
	}
}

// Logged records a transaction once it is durable in the log: what a crash cannot
// take back.
func (r *Recorder) Logged(zxid int64, hash uint64) {
	r.Add(Event{Kind: Logged, Zxid: zxid, Digest: hash})
	r.lastLogged = zxid
}

// Truncated records a TRUNC's cut of the log to end at zxid.
func (r *Recorder) Truncated(zxid int64) {
	r.Add(Event{Kind: Truncated, Zxid: zxid})
	r.lastLogged = zxid
}

// Snapshot records a snapshot installed in place of the tree (a SNAP).
func (r *Recorder) Snapshot(zxid int64) {
	r.Add(Event{Kind: Snapshot, Zxid: zxid})
	r.lastLogged = zxid
}

// Epochs records the epoch files as they became durable, when they changed.
func (r *Recorder) Epochs(hs protocol.HardState) {
	if hs.AcceptedEpoch != r.accepted {
		r.Add(Event{Kind: AcceptedEpoch, Epoch: hs.AcceptedEpoch})
		r.accepted = hs.AcceptedEpoch
	}
	if hs.CurrentEpoch != r.current {
		r.Add(Event{Kind: CurrentEpoch, Epoch: hs.CurrentEpoch})
		r.current = hs.CurrentEpoch
	}
}

// Committed records a transaction committed and applied here.
func (r *Recorder) Committed(zxid int64) {
	r.Add(Event{Kind: Committed, Zxid: zxid})
}

// Recovered notes a start from storage that holds transactions up to rec.LastZxid:
// what was logged above it (an unsynced tail) is gone, and what the crash happened to
// keep of a tail that was never synced counts as logged from now on.
func (r *Recorder) Recovered(rec storage.RecoveredState) {
	if r.started {
		r.Add(Event{Kind: Restarted})
	}
	r.started = true
	if r.lastLogged > rec.LastZxid {
		r.Add(Event{Kind: Truncated, Zxid: rec.LastZxid})
		r.lastLogged = rec.LastZxid
		return
	}
	for _, rc := range rec.Records {
		if rc.Zxid > r.lastLogged {
			r.Logged(rc.Zxid, TxnHash(rc.Payload))
		}
	}
	r.lastLogged = max(r.lastLogged, rec.LastZxid)
}

// StandaloneServing records that a standalone server leads (epoch 0) from the moment
// it serves what it recovered.
func (r *Recorder) StandaloneServing(lastZxid int64) {
	r.Add(Event{Kind: LeaderEstablished, Zxid: lastZxid})
}

// Observe records what a Ready reports before its persistence, given the role the
// server had before it: a leadership lost, the transactions the last Advance applied
// (committed here now, whatever becomes of this Ready's own writes), and an installed
// snapshot.
func (r *Recorder) Observe(prev protocol.RoleChange, rd *protocol.Ready) {
	if rd.Role != nil && prev.Role == protocol.RoleLeading &&
		(rd.Role.Role != protocol.RoleLeading || rd.Role.Epoch != prev.Epoch) {
		r.Add(Event{Kind: LeaderLost, Epoch: prev.Epoch})
	}
	for _, ev := range rd.Events {
		if ev.Kind == protocol.EventCommitted {
			r.Committed(ev.Zxid)
		}
	}
	if rd.Snapshot != nil && rd.InstallSnapshot {
		r.Snapshot(rd.Snapshot.Zxid)
	}
}

// Persisted records a Ready's writes once they are durable: its records (zxids and
// TxnHash digests), the leaderships it established, and the epoch files (hard, if
// the Ready wrote them).
func (r *Recorder) Persisted(zxids []int64, hashes []uint64, events []protocol.NodeEvent, hard *protocol.HardState) {
	for i, z := range zxids {
		r.Logged(z, hashes[i])
	}
	for _, ev := range events {
		if ev.Kind == protocol.EventEstablished {
			r.Add(Event{Kind: LeaderEstablished, Epoch: ev.Epoch, Zxid: ev.Zxid})
		}
	}
	if hard != nil {
		r.Epochs(*hard)
	}
}

// TxnHash is the digest of one logged transaction that node logs carry: FNV-1a over its
// encoding, so two nodes holding different transactions at one zxid differ.
func TxnHash(payload []byte) uint64 {
	h := fnv.New64a()
	h.Write(payload)
	return h.Sum64()
}

// AppendLine appends ev as one line of a record file: "TIME KIND EPOCH ZXID DIGEST\n",
// time in decimal nanoseconds, zxid and digest in hex.
func AppendLine(b []byte, ev Event) []byte {
	b = strconv.AppendInt(b, ev.Time, 10)
	b = append(b, ' ')
	b = append(b, ev.Kind.String()...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ev.Epoch, 10)
	b = append(b, " 0x"...)
	b = strconv.AppendInt(b, ev.Zxid, 16)
	b = append(b, " 0x"...)
	b = strconv.AppendUint(b, ev.Digest, 16)
	return append(b, '\n')
}

var kinds = func() map[string]Kind {
	m := map[string]Kind{}
	for k := LeaderEstablished; k <= Final; k++ {
		m[k.String()] = k
	}
	return m
}()

// ErrBadLine is a line ParseLine cannot read: a torn tail, most likely.
var ErrBadLine = errors.New("noderec: malformed record line")

// ParseLine reads one line AppendLine wrote (without its newline).
func ParseLine(line string) (Event, error) {
	f := strings.Fields(line)
	if len(f) != 5 {
		return Event{}, fmt.Errorf("%w: %q", ErrBadLine, line)
	}
	var ev Event
	var ok bool
	var err [4]error
	ev.Time, err[0] = strconv.ParseInt(f[0], 10, 64)
	if ev.Kind, ok = kinds[f[1]]; !ok {
		return Event{}, fmt.Errorf("%w: %q", ErrBadLine, line)
	}
	ev.Epoch, err[1] = strconv.ParseInt(f[2], 10, 64)
	ev.Zxid, err[2] = strconv.ParseInt(strings.TrimPrefix(f[3], "0x"), 16, 64)
	ev.Digest, err[3] = strconv.ParseUint(strings.TrimPrefix(f[4], "0x"), 16, 64)
	if e := errors.Join(err[:]...); e != nil || !strings.HasPrefix(f[3], "0x") || !strings.HasPrefix(f[4], "0x") {
		return Event{}, fmt.Errorf("%w: %q", ErrBadLine, line)
	}
	return ev, nil
}

// ParseFile reads a record file: the events of every incarnation, in the order they
// were written. A line that does not parse (the torn tail a kill -9 can leave, then
// continued by the next incarnation on a line of its own) is skipped and counted.
// Times that go backwards (a wall clock stepped back) are raised to the previous
// event's, so the log stays in time order.
func ParseFile(text string) (events []Event, bad int) {
	for line := range strings.Lines(text) {
		if !strings.HasSuffix(line, "\n") {
			bad++ // torn: its write never completed
			continue
		}
		ev, err := ParseLine(strings.TrimSuffix(line, "\n"))
		if err != nil {
			bad++
			continue
		}
		if n := len(events); n > 0 && ev.Time < events[n-1].Time {
			ev.Time = events[n-1].Time
		}
		events = append(events, ev)
	}
	return events, bad
}
