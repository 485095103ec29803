// Package protocol is the pure core of zksim's ZooKeeper server: leader election, ZAB,
// the data tree, sessions, watches and the request pipeline, as deterministic state
// machines. It performs no I/O, starts no goroutines, reads no clock and draws no
// randomness of its own: inputs arrive as method calls and everything it wants done is
// returned for the host (the simulator or the real server) to carry out.
//
// A Peer is either a standalone server (NewStandalone) or a member of an ensemble
// (NewQuorum, with Config.Members): 2n+1 voters plus observers that elect a leader
// with Fast Leader Election (package election) and replicate every write with ZAB
// (package zab). Both run the same request pipeline: a write is prepared against the
// tree plus the outstanding changes, becomes a transaction, is applied once committed,
// and its reply goes out on its connection in request order. In an ensemble the leader
// prepares and proposes; followers and observers forward client writes to it and
// answer their client when the committed transaction with the client's session and
// cxid is applied; reads are served locally and sync goes through the leader.
//
// A Peer is driven like etcd's raft.RawNode. Inputs are method calls: Tick with the
// host's local clock, Connect, Receive and Disconnect for client connections, and, in
// an ensemble, StepPeer (one whole message from another server) and PeerDisconnected.
// Outputs are collected in a Ready, which the host drains in a loop, in this order:
//
//  1. Send Ready.Out to the client connections in order (closing those marked Close)
//     and the PeerMessages whose AfterPersist is false. No client frame depends on
//     the persistence of the same Ready.
//  2. Persist: if InstallSnapshot, write Snapshot and discard every log record (the
//     SNAP sync replaces the whole state); if Truncate, drop the log records above
//     TruncateTo (storage.TruncatePlan); append Records; write HardState to the
//     acceptedEpoch and currentEpoch files; fsync when MustSync. A periodic Snapshot
//     (InstallSnapshot false) is written after the Records, and the next record
//     starts a new log file. A host that can crash in the middle of this step
//     should make it atomic when it installs a snapshot. A learner's sync may log
//     transactions of the new epoch in the same Ready that raises currentEpoch; a
//     crash after the records but before the epoch file leaves a log newer than
//     currentEpoch, which storage.Recover refuses. Write the new currentEpoch to
//     currentEpoch.tmp before the records and rename it after them: on restart,
//     storage.Recover finds the tmp file and raises currentEpoch to the epoch of the
//     last durable zxid (never beyond it: records torn by the crash must not leave a
//     short log under the new epoch), as ZooKeeper's loadDataBase does.
//  3. Send the PeerMessages whose AfterPersist is true: an ACK never precedes the
//     fsync of what it acknowledges.
//  4. Call Advance. Committed transactions are applied there, and their replies
//     appear in the next Ready.
//
// Ready.Role reports role changes (looking, leading, following, observing) and
// Ready.Events the ZAB facts a checker records: each epoch this server established
// as leader and each transaction it applied, in order. Status reports the current
// role, epochs and zxids.
//
// A restarted node rebuilds itself from storage.Recover's result through the same
// constructor every host calls; nothing else survives a crash.
package protocol
