// Package crashpoint names the exact steps of a server's driver loop at which a
// harness can crash it. The names are a contract between the nemesis, which arms
// them, and every host (the simulated one and zkserver), which checks them at
// these steps; this leaf package lets hosts share the names without importing the
// nemesis.
package crashpoint

import (
	"slices"
)

// Point names an exact step of the protocol at which an armed server crashes.
type Point string

// The crash points.
const (
	FollowerAppendBeforeFsync  Point = "follower-append-before-fsync"
	FollowerFsyncBeforeAck     Point = "follower-fsync-before-ack"
	LeaderAppendBeforeFsync    Point = "leader-append-before-fsync"
	LeaderQuorumBeforeCommit   Point = "leader-quorum-before-commit"
	LeaderCommitPartial        Point = "leader-commit-partial"
	CommitBeforeApply          Point = "commit-before-apply"
	ApplyBeforeReply           Point = "apply-before-reply"
	LeaderElectedBeforeEpoch   Point = "leader-elected-before-newepoch"
	AcceptedEpochBeforeAck     Point = "accepted-epoch-before-ackepoch"
	LeaderEpochQuorumBeforeNew Point = "leader-epoch-quorum-before-newleader"
	SyncWritesBeforeEpoch      Point = "sync-writes-before-current-epoch"
	CurrentEpochBeforeAck      Point = "current-epoch-before-ack-newleader"
	NewLeaderBeforeUpToDate    Point = "newleader-before-uptodate"
	LeaderAcksBeforeUpToDate   Point = "leader-acks-before-uptodate"
	SnapMidTransfer            Point = "snap-mid-transfer"
	SnapReceivedBeforeFsync    Point = "snap-received-before-fsync"
	TruncBeforeFsync           Point = "trunc-before-fsync"
	SnapshotMidWrite           Point = "snapshot-mid-write"
	LogRollMidHeader           Point = "log-roll-mid-header"
	ObserverInformBeforeApply  Point = "observer-inform-before-apply"
)

// Role is the role a server has when it can reach a crash point.
type Role uint8

// The roles.
const (
	Any Role = iota
	Leader
	Follower
	Observer
)

type info struct {
	role Role
	desc string
}

var points = map[Point]info{
	FollowerAppendBeforeFsync:  {Follower, "follower appended a PROPOSAL to its log, before the fsync"},
	FollowerFsyncBeforeAck:     {Follower, "follower fsynced a PROPOSAL, before sending its ACK"},
	LeaderAppendBeforeFsync:    {Leader, "leader appended its own proposal to its log, before the fsync"},
	LeaderQuorumBeforeCommit:   {Leader, "leader counted a quorum of ACKs, before sending any COMMIT"},
	LeaderCommitPartial:        {Leader, "leader sent a COMMIT to some followers but not all"},
	CommitBeforeApply:          {Any, "server learned a COMMIT, before applying the txn to its tree"},
	ApplyBeforeReply:           {Any, "server applied a client's txn, before replying to the client"},
	LeaderElectedBeforeEpoch:   {Leader, "server won the election, before sending LEADERINFO/NEWEPOCH"},
	AcceptedEpochBeforeAck:     {Follower, "follower wrote acceptedEpoch, before sending ACKEPOCH"},
	LeaderEpochQuorumBeforeNew: {Leader, "leader got a quorum of ACKEPOCHs, before sending NEWLEADER"},
	SyncWritesBeforeEpoch:      {Follower, "follower wrote the DIFF/TRUNC/SNAP sync to disk, before writing currentEpoch"},
	CurrentEpochBeforeAck:      {Follower, "follower wrote currentEpoch, before ACKing NEWLEADER"},
	NewLeaderBeforeUpToDate:    {Follower, "follower ACKed NEWLEADER, before receiving UPTODATE"},
	LeaderAcksBeforeUpToDate:   {Leader, "leader got a quorum of NEWLEADER ACKs, before sending UPTODATE"},
	SnapMidTransfer:            {Any, "in the middle of a SNAP transfer (part of the snapshot sent or received)"},
	SnapReceivedBeforeFsync:    {Follower, "follower received a whole SNAP, before its snapshot file is fsynced"},
	TruncBeforeFsync:           {Follower, "follower truncated its log for a TRUNC, before the fsync"},
	SnapshotMidWrite:           {Any, "server is writing a periodic snapshot, before it is complete"},
	LogRollMidHeader:           {Any, "server created a new log file, before its header is synced"},
	ObserverInformBeforeApply:  {Observer, "observer received an INFORM, before applying it"},
}

// Valid reports whether p is a known crash point.
func (p Point) Valid() bool {
	_, ok := points[p]
	return ok
}

// Description is p's one-line description, or "" for an unknown point.
func (p Point) Description() string { return points[p].desc }

// Role is the role a server must have to reach p (Any for an unknown point).
func (p Point) Role() Role { return points[p].role }

// All is every crash point, sorted by name.
func All() []Point {
	out := make([]Point, 0, len(points))
	for p := range points {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
