package nemesis

import "github.com/zksim/zksim/protocol/crashpoint"

// CrashPoint names an exact step of the protocol at which an armed server crashes.
// The names live in package crashpoint so that hosts can check them without
// importing the nemesis.
type CrashPoint = crashpoint.Point

// The crash points (see package crashpoint for where each host crashes).
const (
	FollowerAppendBeforeFsync  = crashpoint.FollowerAppendBeforeFsync
	FollowerFsyncBeforeAck     = crashpoint.FollowerFsyncBeforeAck
	LeaderAppendBeforeFsync    = crashpoint.LeaderAppendBeforeFsync
	LeaderQuorumBeforeCommit   = crashpoint.LeaderQuorumBeforeCommit
	LeaderCommitPartial        = crashpoint.LeaderCommitPartial
	CommitBeforeApply          = crashpoint.CommitBeforeApply
	ApplyBeforeReply           = crashpoint.ApplyBeforeReply
	LeaderElectedBeforeEpoch   = crashpoint.LeaderElectedBeforeEpoch
	AcceptedEpochBeforeAck     = crashpoint.AcceptedEpochBeforeAck
	LeaderEpochQuorumBeforeNew = crashpoint.LeaderEpochQuorumBeforeNew
	SyncWritesBeforeEpoch      = crashpoint.SyncWritesBeforeEpoch
	CurrentEpochBeforeAck      = crashpoint.CurrentEpochBeforeAck
	NewLeaderBeforeUpToDate    = crashpoint.NewLeaderBeforeUpToDate
	LeaderAcksBeforeUpToDate   = crashpoint.LeaderAcksBeforeUpToDate
	SnapMidTransfer            = crashpoint.SnapMidTransfer
	SnapReceivedBeforeFsync    = crashpoint.SnapReceivedBeforeFsync
	TruncBeforeFsync           = crashpoint.TruncBeforeFsync
	SnapshotMidWrite           = crashpoint.SnapshotMidWrite
	LogRollMidHeader           = crashpoint.LogRollMidHeader
	ObserverInformBeforeApply  = crashpoint.ObserverInformBeforeApply
)

// CrashPoints lists every crash point with its description, sorted by name.
func CrashPoints() []Entry {
	all := crashpoint.All()
	out := make([]Entry, 0, len(all))
	for _, p := range all {
		out = append(out, Entry{string(p), p.Description()})
	}
	return out
}

// sortedCrashPoints is every point in name order, for drawing.
var sortedCrashPoints = crashpoint.All()
