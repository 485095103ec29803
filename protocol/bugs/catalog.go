package bugs

import (
	"slices"
	"strings"
)

// Bug names. Historical bugs carry their ZooKeeper JIRA key; BROKEN-* are plainly
// wrong variants of ZAB with no historical counterpart.
const (
	ZK1154 = "ZOOKEEPER-1154" // DIFF instead of TRUNC for a zxid the leader never had
	ZK1156 = "ZOOKEEPER-1156" // a TRUNC cuts the learner's log too far
	ZK1277 = "ZOOKEEPER-1277" // zxid counter overflow not handled
	ZK1282 = "ZOOKEEPER-1282" // learner writes currentEpoch at UPTODATE, not NEWLEADER
	ZK1291 = "ZOOKEEPER-1291" // leader does not persist acceptedEpoch before LEADERINFO
	ZK1419 = "ZOOKEEPER-1419" // vote comparison missing parentheses
	ZK1367 = "ZOOKEEPER-1367" // a restarted server forgets its ephemerals' owners
	ZK2355 = "ZOOKEEPER-2355" // a close removes only the paths it lists
	ZK2832 = "ZOOKEEPER-2832" // no TRUNC when the learner is ahead of the leader's history
	ZK2845 = "ZOOKEEPER-2845" // in-memory state kept across an election after an unfinished sync
	ZK3104 = "ZOOKEEPER-3104" // NEWLEADER acknowledged before the SNAP is durable
	ZK3642 = "ZOOKEEPER-3642" // DIFF after a partial SNAP that was kept only in memory
	ZK4352 = "ZOOKEEPER-4352" // DIFF instead of SNAP for a learner older than the committed log
	ZK3911 = "ZOOKEEPER-3911" // NEWLEADER acknowledged before the DIFF's proposals are logged
	ZK4643 = "ZOOKEEPER-4643" // currentEpoch durable before the synced proposals
	ZK4646 = "ZOOKEEPER-4646" // NEWLEADER acknowledged before the synced proposals are fsynced
	ZK4685 = "ZOOKEEPER-4685" // proposal ACKs sent during sync, before the NEWLEADER ACK
	ZK4925 = "ZOOKEEPER-4925" // synced proposals skip the committed log (DIFF source)

	BrokenAckBeforeFsync      = "BROKEN-ack-before-fsync"
	BrokenCommitWithoutQuorum = "BROKEN-leader-commit-without-quorum"
)

// Kinds of fault.
const (
	KindDataLoss     = "data-loss"     // an acknowledged or committed write disappears
	KindDivergence   = "divergence"    // servers apply different sequences
	KindLiveness     = "liveness"      // the ensemble stops making progress
	KindSplitBrain   = "split-brain"   // two leaders for one epoch
	KindEphemeral    = "ephemeral"     // an ephemeral node outlives its session
	KindDurability   = "durability"    // a promise made before the disk holds it
	KindConfigurable = "test-protocol" // a deliberately broken protocol option
)

// Bug describes one catalogued fault.
type Bug struct {
	Name    string // JIRA key, or BROKEN-*
	Summary string // one line
	Kind    string // one of the Kind constants
	// Package is the protocol package whose Config.Bugs enables it.
	Package string
	// Detectors are the checker properties expected to catch it.
	Detectors []string
	// Scenarios are zksim scenarios likely to expose it.
	Scenarios []string
	// Notes say how the reproduction differs from the original and where it is tested.
	Notes string
}

// Catalog returns every known bug, sorted by name.
func Catalog() []Bug {
	out := slices.Clone(catalog)
	slices.SortFunc(out, func(a, b Bug) int { return strings.Compare(a.Name, b.Name) })
	for i := range out {
		out[i].Detectors = slices.Clone(out[i].Detectors)
		out[i].Scenarios = slices.Clone(out[i].Scenarios)
	}
	return out
}

// Lookup returns the catalogued bug called name.
func Lookup(name string) (Bug, bool) {
	for _, b := range catalog {
		if b.Name == name {
			b.Detectors, b.Scenarios = slices.Clone(b.Detectors), slices.Clone(b.Scenarios)
			return b, true
		}
	}
	return Bug{}, false
}

// Scenarios are the zksim scenario names a Bug may list.
var Scenarios = []string{"default", "leader-isolation", "random-halves", "majorities-ring", "bridge", "one-way",
	"minority-third", "kill-restart", "rolling-restart", "crash-points", "sync-crash", "clock-chaos", "pauses",
	"flaky-links", "disk-faults", "observers", "session-expiry", "big-ensemble", "everything", "standalone", "rollover",
	"sync-window", "sync-halves", "quiet-epochs"}

// Detector names (checker properties).
const (
	DetLinearizable   = "linearizable-writes"
	DetAckedDurable   = "zab-acked-write-durable"
	DetPrefix         = "zab-committed-prefix"
	DetLeaderPerEpoch = "zab-one-leader-per-epoch"
	DetLeaderHolds    = "zab-leader-holds-committed"
	DetQuorumDurable  = "zab-commit-durable-on-quorum"
	DetEphemeral      = "ephemeral-lifetime"
	DetLiveness       = "liveness-leader"
	DetMonotonic      = "zab-monotonic"
)

var catalog = []Bug{
	{
		Name:    BrokenAckBeforeFsync,
		Summary: "a follower acknowledges a proposal before the proposal is durable",
		Kind:    KindConfigurable, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetAckedDurable, DetLinearizable},
		Scenarios: []string{"sync-window", "crash-points", "kill-restart", "everything"},
		Notes:     "zab world: commits that only memory held are lost by a crash before the fsync",
	},
	{
		Name:    BrokenCommitWithoutQuorum,
		Summary: "the leader commits a proposal on its own acknowledgement",
		Kind:    KindConfigurable, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetAckedDurable, DetLinearizable},
		Scenarios: []string{"leader-isolation", "random-halves", "default", "everything"},
		Notes:     "zab world: an isolated leader commits alone",
	},
	{
		Name:    ZK1154,
		Summary: "leader sends DIFF instead of TRUNC to a learner holding a txn the leader never had",
		Kind:    KindDivergence, Package: "zab",
		Detectors: []string{DetPrefix, DetLinearizable},
		Scenarios: []string{"leader-isolation", "kill-restart", "random-halves", "everything"},
		Notes:     "zab world; the same DIFF-from-the-learner's-zxid also covers ZOOKEEPER-1156's sibling report",
	},
	{
		Name:    ZK1156,
		Summary: "a TRUNC removes more of the learner's log than asked, losing committed txns",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetPrefix, DetAckedDurable},
		Scenarios: []string{"leader-isolation", "kill-restart", "everything"},
		Notes:     "the original cut whole log files; here the cut falls at the start of the epoch of the truncation point (never below what was applied)",
	},
	{
		Name:    ZK1277,
		Summary: "the zxid counter overflows into the epoch instead of forcing a new election",
		Kind:    KindDivergence, Package: "zab",
		Detectors: []string{DetPrefix, DetLinearizable},
		Scenarios: []string{"rollover", "default", "leader-isolation", "everything"},
		Notes:     "needs a narrow zxid counter (zab Config.CounterBits): the rollover scenario has one; the wrapped zxid skips counter 0, which learners refuse",
	},
	{
		Name:    ZK1282,
		Summary: "a learner updates currentEpoch at UPTODATE instead of before acknowledging NEWLEADER",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetLeaderHolds, DetPrefix, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "crash-points", "kill-restart", "everything"},
		Notes:     "zab world; needs a crash that drops the connection with it",
	},
	{
		Name:    ZK1291,
		Summary: "the leader does not persist acceptedEpoch before proposing the new epoch",
		Kind:    KindLiveness, Package: "zab",
		Detectors: []string{DetMonotonic, DetLiveness},
		Scenarios: []string{"sync-crash", "kill-restart", "crash-points", "everything"},
		Notes: "zab world and whole cluster: as in 3.4.0, the leader never writes acceptedEpoch while leading but " +
			"writes currentEpoch at the epoch quorum, so zab-monotonic sees currentEpoch pass acceptedEpoch, and a " +
			"restarted leader refuses its own storage (the zab world's recovery invariant); the LEADERINFO-before-" +
			"acceptedEpoch rule itself is checked by zab TestZK1291LeaderInfoBeforeAcceptedEpoch",
	},
	{
		Name:    ZK1419,
		Summary: "leader election's vote comparison misses parentheses: equal zxid and higher id beat a higher epoch",
		Kind:    KindLiveness, Package: "election",
		Detectors: []string{DetLiveness, DetLeaderHolds},
		Scenarios: []string{"quiet-epochs", "kill-restart", "rolling-restart", "random-halves", "everything"},
		Notes: "whole cluster (quiet-epochs, regression quiet-epochs--1): an epoch begins while the highest-id voter is " +
			"down and is lost before any write, so voters share a last zxid but not a currentEpoch (the vote's peerEpoch, " +
			"as in 3.8); each then prefers the other's vote, the election livelocks or elects the older server, whose " +
			"leadership fails (a learner is ahead) and the storm follows; election TestZK1419VoteOrder shows the cycle",
	},
	{
		Name:    ZK1367,
		Summary: "a server restored from its snapshot forgets which sessions own its ephemerals and keeps them past the close",
		Kind:    KindEphemeral, Package: "datatree",
		Detectors: []string{DetEphemeral},
		Scenarios: []string{"session-expiry", "kill-restart", "rolling-restart", "everything"},
		Notes: "package level only (datatree): needs client sessions; the original lost the sessions on restart, " +
			"here the restored tree loses the owner index, so the close it prepares lists no paths",
	},
	{
		Name:    ZK2355,
		Summary: "a close session removes only the ephemerals it lists, not every one the server holds for the session",
		Kind:    KindEphemeral, Package: "datatree",
		Detectors: []string{DetEphemeral},
		Scenarios: []string{"session-expiry", "flaky-links", "crash-points", "everything"},
		Notes: "package level only (datatree): needs client sessions; the original follower missed the close while " +
			"failing to read it; here the close that reaches the server leaves its unlisted ephemerals",
	},
	{
		Name:    ZK2832,
		Summary: "no TRUNC for a learner whose last zxid is above the leader's committed history",
		Kind:    KindDivergence, Package: "zab",
		Detectors: []string{DetPrefix, DetLinearizable},
		Scenarios: []string{"leader-isolation", "kill-restart", "everything"},
	},
	{
		Name:    ZK2845,
		Summary: "in-memory log of an unfinished sync is kept across the next election",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetPrefix, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "flaky-links", "leader-isolation", "everything"},
		Notes:     "the original kept the data tree after a TRUNC; here the learner keeps the truncated or extended in-memory log when the sync is abandoned",
	},
	{
		Name:    ZK3104,
		Summary: "NEWLEADER is acknowledged before the SNAP sync's snapshot is durable",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetLeaderHolds, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "crash-points", "everything"},
		Notes:     "needs SNAP syncs: a short committed log (zab Config.CommitLogCount)",
	},
	{
		Name:    ZK3642,
		Summary: "a learner keeps a cut-off SNAP sync in memory and is then DIFFed from the snapshot's zxid",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetPrefix, DetLeaderHolds, DetLinearizable},
		Scenarios: []string{"sync-window", "sync-crash", "leader-isolation", "kill-restart", "everything"},
		Notes:     "zab world; needs SNAP syncs (short committed log) and a leader lost mid-sync",
	},
	{
		Name:    ZK4352,
		Summary: "leader sends a DIFF instead of a SNAP to a learner older than its committed log",
		Kind:    KindDivergence, Package: "zab",
		Detectors: []string{DetPrefix, DetLinearizable},
		Scenarios: []string{"kill-restart", "rolling-restart", "leader-isolation", "everything"},
		Notes:     "zab world; needs a short committed log (zab Config.CommitLogCount)",
	},
	{
		Name:    ZK3911,
		Summary: "NEWLEADER is acknowledged before the DIFF's uncommitted proposals are logged",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetLeaderHolds, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "crash-points", "kill-restart", "everything"},
	},
	{
		Name:    ZK4643,
		Summary: "currentEpoch becomes durable before the synced proposals",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetLeaderHolds, DetPrefix, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "crash-points", "everything"},
	},
	{
		Name:    ZK4646,
		Summary: "NEWLEADER is acknowledged before the synced proposals are fsynced",
		Kind:    KindDataLoss, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetLeaderHolds, DetAckedDurable},
		Scenarios: []string{"sync-window", "sync-crash", "crash-points", "everything"},
	},
	{
		Name:    ZK4685,
		Summary: "a learner acknowledges proposals received during sync before it acknowledges NEWLEADER",
		Kind:    KindDurability, Package: "zab",
		Detectors: []string{DetQuorumDurable, DetAckedDurable, DetLiveness},
		Scenarios: []string{"sync-halves", "sync-window", "sync-crash", "crash-points", "everything"},
		Notes:     "the original made the leader drop the learner; here the early ACKs are counted, so they vouch for proposals held only in memory",
	},
	{
		Name:    ZK4925,
		Summary: "proposals synced by DIFF skip the committed log, leaving a hole a later DIFF skips",
		Kind:    KindDivergence, Package: "zab",
		Detectors: []string{DetPrefix, DetLinearizable},
		Scenarios: []string{"rolling-restart", "kill-restart", "leader-isolation", "everything"},
	},
}
