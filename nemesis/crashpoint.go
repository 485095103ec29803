package nemesis

// CrashPoint names an exact step of the protocol at which an armed server crashes.
// Protocol hosts check their armed points at these steps; the names are the contract.
type CrashPoint string

// The crash points. The comment says where the host crashes the server.
const (
	FollowerAppendBeforeFsync  CrashPoint = "follower-append-before-fsync"
	FollowerFsyncBeforeAck     CrashPoint = "follower-fsync-before-ack"
	LeaderAppendBeforeFsync    CrashPoint = "leader-append-before-fsync"
	LeaderQuorumBeforeCommit   CrashPoint = "leader-quorum-before-commit"
	LeaderCommitPartial        CrashPoint = "leader-commit-partial"
	CommitBeforeApply          CrashPoint = "commit-before-apply"
	ApplyBeforeReply           CrashPoint = "apply-before-reply"
	LeaderElectedBeforeEpoch   CrashPoint = "leader-elected-before-newepoch"
	AcceptedEpochBeforeAck     CrashPoint = "accepted-epoch-before-ackepoch"
	LeaderEpochQuorumBeforeNew CrashPoint = "leader-epoch-quorum-before-newleader"
	SyncWritesBeforeEpoch      CrashPoint = "sync-writes-before-current-epoch"
	CurrentEpochBeforeAck      CrashPoint = "current-epoch-before-ack-newleader"
	NewLeaderBeforeUpToDate    CrashPoint = "newleader-before-uptodate"
	LeaderAcksBeforeUpToDate   CrashPoint = "leader-acks-before-uptodate"
	SnapMidTransfer            CrashPoint = "snap-mid-transfer"
	SnapReceivedBeforeFsync    CrashPoint = "snap-received-before-fsync"
	TruncBeforeFsync           CrashPoint = "trunc-before-fsync"
	SnapshotMidWrite           CrashPoint = "snapshot-mid-write"
	LogRollMidHeader           CrashPoint = "log-roll-mid-header"
	ObserverInformBeforeApply  CrashPoint = "observer-inform-before-apply"
)

var crashPoints = map[CrashPoint]string{
	FollowerAppendBeforeFsync:  "follower appended a PROPOSAL to its log, before the fsync",
	FollowerFsyncBeforeAck:     "follower fsynced a PROPOSAL, before sending its ACK",
	LeaderAppendBeforeFsync:    "leader appended its own proposal to its log, before the fsync",
	LeaderQuorumBeforeCommit:   "leader counted a quorum of ACKs, before sending any COMMIT",
	LeaderCommitPartial:        "leader sent a COMMIT to some followers but not all",
	CommitBeforeApply:          "server learned a COMMIT, before applying the txn to its tree",
	ApplyBeforeReply:           "server applied a client's txn, before replying to the client",
	LeaderElectedBeforeEpoch:   "server won the election, before sending LEADERINFO/NEWEPOCH",
	AcceptedEpochBeforeAck:     "follower wrote acceptedEpoch, before sending ACKEPOCH",
	LeaderEpochQuorumBeforeNew: "leader got a quorum of ACKEPOCHs, before sending NEWLEADER",
	SyncWritesBeforeEpoch:      "follower wrote the DIFF/TRUNC/SNAP sync to disk, before writing currentEpoch",
	CurrentEpochBeforeAck:      "follower wrote currentEpoch, before ACKing NEWLEADER",
	NewLeaderBeforeUpToDate:    "follower ACKed NEWLEADER, before receiving UPTODATE",
	LeaderAcksBeforeUpToDate:   "leader got a quorum of NEWLEADER ACKs, before sending UPTODATE",
	SnapMidTransfer:            "in the middle of a SNAP transfer (part of the snapshot sent or received)",
	SnapReceivedBeforeFsync:    "follower received a whole SNAP, before its snapshot file is fsynced",
	TruncBeforeFsync:           "follower truncated its log for a TRUNC, before the fsync",
	SnapshotMidWrite:           "server is writing a periodic snapshot, before it is complete",
	LogRollMidHeader:           "server created a new log file, before its header is synced",
	ObserverInformBeforeApply:  "observer received an INFORM, before applying it",
}

// Valid reports whether p is a known crash point.
func (p CrashPoint) Valid() bool {
	_, ok := crashPoints[p]
	return ok
}

// Description is p's one-line description, or "" for an unknown point.
func (p CrashPoint) Description() string { return crashPoints[p] }

// CrashPoints lists every crash point with its description, sorted by name.
func CrashPoints() []Entry { return entries(crashPoints, func(d string) string { return d }) }

// sortedCrashPoints is every point in name order, for drawing.
var sortedCrashPoints = func() []CrashPoint {
	out := make([]CrashPoint, 0, len(crashPoints))
	for _, e := range CrashPoints() {
		out = append(out, CrashPoint(e.Name))
	}
	return out
}()
