// Package zab is ZooKeeper's atomic broadcast protocol (ZAB) as a pure state machine:
// the leader, follower and observer roles through discovery (epoch agreement),
// synchronization (DIFF, TRUNC or SNAP, then NEWLEADER and UPTODATE) and broadcast
// (PROPOSAL, ACK, COMMIT, INFORM), plus QuorumPacket encoding.
//
// ZAB replicates opaque transactions: an Entry is a zxid and the bytes of a
// transaction that only the state machine's owner decodes. zab never looks inside; it
// tells the host which entries to log and which to apply, and for SNAP syncs asks the
// StateMachine for a snapshot (leader) or hands one over to install (learner).
//
// # Roles
//
// A Node starts in RoleLooking. The host runs leader election (package election) with
// LastZxid and CurrentEpoch as this server's vote, then calls Lead, Follow or Observe.
// When Ready reports a Status in PhaseBroadcast, the host passes its Epoch to
// election.Election.UpdatePeerEpoch so that the whole ensemble answers newcomers with
// one vote. Whenever Ready reports a Status with RoleLooking (lost quorum, leader silent, zxid
// counter exhausted, a learner ahead of the leader, a broken packet stream), the host
// starts a new election round.
//
// # Transport
//
// Packets between a leader and a learner must arrive in the order they were sent (the
// quorum port is a TCP stream). Loss is tolerated: a gap in a learner's stream ends its
// role, and timeouts end the rest. When the host sees a quorum connection break it
// should call StepDown on the learner side at once (ZooKeeper's learner sees the socket
// close) and drop what was in flight on that connection. A learner sends FOLLOWERINFO
// (or OBSERVERINFO) once; like ZooKeeper's learner, which keeps reconnecting until the
// leader listens, the host holds that packet until the leader's Node has called Lead.
// A leader (or a looking Node) refuses a packet that does not fit its state with
// ErrUnexpected and changes nothing; a learner treats an out-of-place packet from its
// leader as a broken stream and returns to election (during discovery it ignores
// leftovers of an earlier connection).
//
// # The driver loop
//
// The host owns all I/O. Each Node is driven from one goroutine (or one simulated
// event loop) as follows:
//
//  1. Feed inputs: Tick(now) with the local clock, Step(from, packet) for each packet
//     received, and Propose, Sync and AnswerRevalidate (leader) or Forward and
//     Revalidate (learner) for client work. Then, if HasReady, take rd := Ready().
//
//  2. Send every message of rd.Messages whose AfterPersist is false, in order. (The
//     leader's PROPOSALs, for instance, may go out before its own fsync.)
//
//  3. Persist, in this order: install rd.Snapshot (it replaces the state machine and
//     the whole log), truncate the log above rd.TruncateTo if rd.Truncate, append
//     rd.Entries, write rd.HardState to the acceptedEpoch and currentEpoch files. If
//     rd.MustSync, fsync all of it. The order matters: a follower's synced
//     transactions must be durable before its currentEpoch says it synced. A learner
//     buffers a DIFF, TRUNC or SNAP sync in memory and hands it over in the Ready of
//     NEWLEADER, so its durable log never loses history while an older currentEpoch
//     still vouches for it; a host that can crash between installing a snapshot and
//     writing the epoch files should make that Ready's persistence atomic (write the
//     new snapshot and log aside, then switch).
//
//  4. Send the messages whose AfterPersist is true, in order. An ACKEPOCH never
//     precedes its acceptedEpoch, an ACK never precedes the proposal it acknowledges
//     (nor the NEWLEADER ACK the synced log and currentEpoch).
//
//  5. Apply rd.CommittedEntries to the state machine, in order (after rd.Snapshot when
//     both are present). Hand rd.Requests to the leader's request pipeline, record
//     rd.SessionReports, answer (leader) or deliver (learner) rd.Revalidations, and
//     complete the pending syncs in order, each right after the committed entry its
//     rd.SyncsAfter zxid names (before any entry above it; syncs whose point was
//     applied by an earlier Ready complete before this Ready's first entry).
//
//  6. Call Advance. Only then does the leader count its own ACKs and its own NEWLEADER
//     acknowledgement, so its durability is never assumed early.
//
// A crash may happen between any two steps; on restart the host reads its storage and
// calls Recover, then New.
//
// # Zxids
//
// A zxid is epoch<<32 | counter. Config.CounterBits narrows the usable counter so that
// tests reach the rollover: the leader steps down rather than use the last counter
// value, and the next election starts a new epoch.
//
// # Catalogued faults
//
// Config.Bugs switches on reproductions of historical ZooKeeper bugs (package bugs,
// listed in bugs.go) so that tests can show the harness catches them. It is for tests
// only; the zero value is the correct protocol.
package zab
