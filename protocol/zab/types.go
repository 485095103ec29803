package zab

import (
	"errors"

	"github.com/zksim/zksim/protocol/bugs"

	"github.com/zksim/zksim/protocol/election"
)

// Entry is one replicated transaction. Txn is opaque to zab: the owner of the state
// machine encodes and decodes it.
type Entry struct {
	Zxid int64
	Txn  []byte
}

// HardState is what the epoch files hold.
type HardState struct {
	AcceptedEpoch int64 // highest epoch this server agreed to follow
	CurrentEpoch  int64 // epoch of the last leader this server fully synced with
}

// Snapshot is an opaque image of the state machine after applying every transaction up
// to and including Zxid.
type Snapshot struct {
	Zxid int64
	Data []byte
}

// StateMachine is what zab asks of the state machine it replicates onto. Both methods
// are called synchronously from Step and Tick; they must not call back into the Node.
type StateMachine interface {
	// Snapshot returns the state machine as applied so far with the entries of
	// pending above it applied on top (pending starts at or below the first entry it
	// has not applied), leaving the state machine itself as it is. The leader calls it
	// to sync a learner by SNAP, with its committed history not yet applied: like
	// ZooKeeper's leader, whose tree holds its whole log, it then sends a snapshot
	// that holds every transaction committed, so a learner that installs it (which
	// replaces its log) and crashes before logging the rest loses none it held.
	Snapshot(pending []Entry) (Snapshot, error)
	// TouchedSessions returns the opaque session activity report a learner puts in
	// its PING reply.
	TouchedSessions() []byte
}

// Role is the part a server plays.
type Role uint8

// Roles. RoleLooking means the server is in leader election, outside ZAB.
const (
	RoleLooking Role = iota
	RoleLeader
	RoleFollower
	RoleObserver
)

func (r Role) String() string {
	return [...]string{"looking", "leader", "follower", "observer"}[r]
}

// Phase is the ZAB phase (ZabState).
type Phase uint8

// Phases.
const (
	PhaseElection Phase = iota
	PhaseDiscovery
	PhaseSync
	PhaseBroadcast
)

func (p Phase) String() string {
	return [...]string{"election", "discovery", "synchronization", "broadcast"}[p]
}

// Status describes the server's role for traces and `status`.
type Status struct {
	Role   Role
	Phase  Phase
	Leader int64 // 0 while looking
	Epoch  int64 // the epoch being established or served; 0 while looking
	// Reason says why the server went back to election; empty otherwise.
	Reason string
}

// Message is a packet to send to server To.
type Message struct {
	To     int64
	Packet Packet
	// AfterPersist: the packet may leave only after everything the same Ready asked
	// to persist is durable. Packets to one peer keep their order: once a packet to a
	// peer is marked, every later packet to that peer in the Ready is marked too.
	AfterPersist bool
}

// Request is a write a learner forwarded to the leader (REQUEST).
type Request struct {
	From      int64
	SessionID int64
	Data      []byte // opaque to zab
}

// SessionReport is a learner's PING reply as received by the leader.
type SessionReport struct {
	From int64
	Data []byte // opaque session activity, as returned by StateMachine.TouchedSessions
}

// Revalidation is a session revalidation (REVALIDATE). On the leader it is a
// learner's question (From, SessionID, Timeout), answered with AnswerRevalidate; on a
// learner it is the leader's answer (SessionID, Valid).
type Revalidation struct {
	From      int64
	SessionID int64
	Timeout   int32
	Valid     bool
}

// Ready holds the outputs accumulated since the last call to Ready. See the package
// documentation for the order in which the host must act on them.
type Ready struct {
	// Status is set when role, phase, leader or epoch changed. When Status.Role is
	// RoleLooking the host runs leader election (with LastZxid and CurrentEpoch) and
	// then calls Lead, Follow or Observe.
	Status *Status
	// Snapshot, when set, replaces the state machine and the whole log (SNAP sync).
	Snapshot *Snapshot
	// Truncate asks to drop every log entry above TruncateTo (TRUNC sync).
	Truncate   bool
	TruncateTo int64
	// Entries are to be appended to the log, after the truncation.
	Entries []Entry
	// HardState, when set, is written to the epoch files after the entries.
	HardState *HardState
	// MustSync: the persistence above must be fsynced before AfterPersist messages
	// leave and before Advance.
	MustSync bool
	// Messages to peers, in order.
	Messages []Message
	// CommittedEntries are applied to the state machine, in order, after persisting.
	CommittedEntries []Entry
	// Requests are learners' forwarded writes for the leader's request pipeline.
	Requests []Request
	// SessionReports are learners' PING replies (leader only).
	SessionReports []SessionReport
	// Revalidations are REVALIDATE questions (leader) or answers (learner).
	Revalidations []Revalidation
	// SyncsAfter holds one entry per sync request completed, in the order they were
	// made (on a learner, SYNC packets from the leader; on the leader, its own Sync(ID)
	// calls): its sync point, the zxid after whose application the sync completes. It
	// is never above the last zxid of CommittedEntries (or of an earlier Ready's). The host answers sync i after
	// applying the entries of CommittedEntries up to SyncsAfter[i] and before applying
	// any later one, as ZooKeeper answers a sync right after the COMMIT of its sync
	// point; otherwise the answer would carry a zxid later than a write the same
	// client queued behind the sync.
	SyncsAfter []int64
}

// Config configures a Node.
type Config struct {
	ID     int64
	Quorum election.QuorumVerifier
	// TickTime is the length of a tick in the unit of Tick's clock.
	TickTime int64
	// InitLimit bounds, in ticks, each step of discovery and synchronization.
	InitLimit int64
	// SyncLimit bounds, in ticks, the silence a synced leader or learner tolerates.
	SyncLimit int64
	// CounterBits is the width of the zxid counter that may be used (1..32, default
	// 32). A leader whose counter reaches 2^CounterBits-1 steps down so the next
	// leader starts a new epoch; tests shrink it to reach that.
	CounterBits uint
	// CommitLogCount is how many applied entries are kept in memory for DIFF syncs
	// (zookeeper.commitLogCount, default 500).
	CommitLogCount int
	// StateMachine supplies snapshots and session reports; nil disables SNAP syncs.
	StateMachine StateMachine
	// Bugs reintroduces catalogued protocol faults (package bugs) for testing the
	// harness. The zero value is the correct protocol.
	Bugs bugs.Set
}

// Errors.
var (
	ErrBadConfig       = errors.New("zab: bad config")
	ErrNotLeader       = errors.New("zab: not leader")
	ErrNotFollowing    = errors.New("zab: not following a leader")
	ErrNotReady        = errors.New("zab: not in broadcast phase")
	ErrEpochExhausted  = errors.New("zab: zxid counter exhausted, new epoch needed")
	ErrUnexpected      = errors.New("zab: unexpected packet")
	ErrEpochOrder      = errors.New("zab: acceptedEpoch below currentEpoch")
	ErrLogOrder        = errors.New("zab: log zxids not increasing")
	ErrSnapshotTooOld  = errors.New("zab: snapshot older than the kept log")
	ErrNoStateMachine  = errors.New("zab: no state machine to snapshot")
	ErrTruncateApplied = errors.New("zab: truncation below applied state")
)
