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

// pointRole is the role a server has when it can reach a crash point.
type pointRole uint8

const (
	roleAny pointRole = iota
	roleLeader
	roleFollower
	roleObserver
)

type pointInfo struct {
	role pointRole
	desc string
}

var crashPoints = map[CrashPoint]pointInfo{
	FollowerAppendBeforeFsync:  {roleFollower, "follower appended a PROPOSAL to its log, before the fsync"},
	FollowerFsyncBeforeAck:     {roleFollower, "follower fsynced a PROPOSAL, before sending its ACK"},
	LeaderAppendBeforeFsync:    {roleLeader, "leader appended its own proposal to its log, before the fsync"},
	LeaderQuorumBeforeCommit:   {roleLeader, "leader counted a quorum of ACKs, before sending any COMMIT"},
	LeaderCommitPartial:        {roleLeader, "leader sent a COMMIT to some followers but not all"},
	CommitBeforeApply:          {roleAny, "server learned a COMMIT, before applying the txn to its tree"},
	ApplyBeforeReply:           {roleAny, "server applied a client's txn, before replying to the client"},
	LeaderElectedBeforeEpoch:   {roleLeader, "server won the election, before sending LEADERINFO/NEWEPOCH"},
	AcceptedEpochBeforeAck:     {roleFollower, "follower wrote acceptedEpoch, before sending ACKEPOCH"},
	LeaderEpochQuorumBeforeNew: {roleLeader, "leader got a quorum of ACKEPOCHs, before sending NEWLEADER"},
	SyncWritesBeforeEpoch:      {roleFollower, "follower wrote the DIFF/TRUNC/SNAP sync to disk, before writing currentEpoch"},
	CurrentEpochBeforeAck:      {roleFollower, "follower wrote currentEpoch, before ACKing NEWLEADER"},
	NewLeaderBeforeUpToDate:    {roleFollower, "follower ACKed NEWLEADER, before receiving UPTODATE"},
	LeaderAcksBeforeUpToDate:   {roleLeader, "leader got a quorum of NEWLEADER ACKs, before sending UPTODATE"},
	SnapMidTransfer:            {roleAny, "in the middle of a SNAP transfer (part of the snapshot sent or received)"},
	SnapReceivedBeforeFsync:    {roleFollower, "follower received a whole SNAP, before its snapshot file is fsynced"},
	TruncBeforeFsync:           {roleFollower, "follower truncated its log for a TRUNC, before the fsync"},
	SnapshotMidWrite:           {roleAny, "server is writing a periodic snapshot, before it is complete"},
	LogRollMidHeader:           {roleAny, "server created a new log file, before its header is synced"},
	ObserverInformBeforeApply:  {roleObserver, "observer received an INFORM, before applying it"},
}

// Valid reports whether p is a known crash point.
func (p CrashPoint) Valid() bool {
	_, ok := crashPoints[p]
	return ok
}

// Description is p's one-line description, or "" for an unknown point.
func (p CrashPoint) Description() string { return crashPoints[p].desc }

// CrashPoints lists every crash point with its description, sorted by name.
func CrashPoints() []Entry {
	return entries(crashPoints, func(i pointInfo) string { return i.desc })
}

// sortedCrashPoints is every point in name order, for drawing.
var sortedCrashPoints = func() []CrashPoint {
	out := make([]CrashPoint, 0, len(crashPoints))
	for _, e := range CrashPoints() {
		out = append(out, CrashPoint(e.Name))
	}
	return out
}()
