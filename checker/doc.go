// Package checker judges recorded histories: linearizability with Porcupine, ZooKeeper's
// ordering promises, sessions, watches, ZAB invariants and liveness, each producing a
// verdict with the minimal evidence a person needs to act on it.
//
// The input is plain data, independent of how it was recorded (simulated clients now,
// real clients later): a History of client Operations (client, session, server, true
// invoke and return times in nanoseconds, request, response, reply zxid and an Outcome of
// ok, failed or unknown), WatchEvents and SessionEvents, plus optionally each server's
// own NodeLog. Check runs every checker and returns a Report whose Results name the
// Property, the Verdict, the operations and events involved (by index) and one sentence.
//
// What is checked, and how strictly:
//
//   - Writes are linearizable (Porcupine, one versioned-register model per znode path;
//     a multi merges the partitions of the paths it touches; sequential creates are
//     judged on the name they were given). An unknown outcome may take effect at any
//     later time, as in etcd's robustness tests; when the same session later got a reply,
//     it took effect before that reply or never (ZooKeeper applies a session's requests
//     in order). Writes are also held to zxid order, which narrows Porcupine's search.
//   - Plain reads are not linearizable in ZooKeeper. A read that follows an OK sync on the
//     same connection and server, with only reads in between, is checked in a strict mode
//     as taking effect between the sync's invocation and its own reply; a failure there
//     is reported as KnownLimitation when a leader changed around the read (or when no
//     node logs can rule that out), and as Fail otherwise.
//   - ZooKeeper order: writes have distinct zxids consistent with real time; each
//     connection's reply zxids never go backwards (across reconnects too); every read
//     returns the state at some zxid no older than what its client had seen (replaying
//     the known writes per path, using the Stat's mzxid and czxid; a getChildren lists
//     only created children and every child present over its whole window); a client's
//     own writes are visible to its later reads; sequential names are unique and grow in
//     zxid order.
//   - Watches fire at most once per registration and arrive before any reply carrying a
//     zxid at or past the change that fired them, so no change is missed.
//   - Sessions: an ended session's later operations fail; nothing it writes commits after
//     its closeSession; its ephemerals vanish no earlier than its last served zxid and
//     are not seen by a client that had seen the close.
//   - ZAB, from NodeLogs: one established leader per epoch; committed transactions agree
//     and form gap-free prefixes; no committed transaction is truncated; a new leader of
//     epoch e holds every transaction committed in earlier epochs; epochs and zxids only
//     grow; acknowledged writes
//     survive on every live node; live nodes converge to one digest at one zxid.
//   - Liveness, from a LivenessConfig: from the final heal to the end, no stretch without
//     an established leader longer than LeaderBound; and every live client completes an
//     operation or establishes a session within ClientBound of the heal.
package checker
