// Package cluster hosts protocol.Peer on simulated nodes: it is the simulator's twin of
// the real server host. A Host is the sim.Process of one server node. It recovers the
// Peer from the node's virtual disk through storage.Recover, drives the Peer's
// Ready/Advance loop against that disk (the messages that must follow persistence, and
// Advance, wait until the fsync has completed), moves client frames over simulated
// connections and ensemble messages over connections to the other members, and ticks
// the Peer from the node's own, possibly skewed, clock.
//
// A Cluster builds a world's servers (a standalone server, or voters and observers)
// and simulated clients (package zkclient), and keeps what checkers need: the clients'
// recorded history and each server's own log of what it made durable, committed,
// established and recovered, in the shape of checker.NodeLog.
//
// Choices:
//   - A failed fsync halts the node (it crashes itself), as ZooKeeper exits on an
//     fsync error: nothing that depended on the write may be acknowledged, and the
//     node comes back only through a restart that recovers from what is durable.
//   - Storage that fails recovery (corruption, a gap) makes the node refuse to start:
//     it records the fault and halts, and never serves the damaged data.
//   - One Ready is in flight at a time, because Advance acknowledges everything the
//     Peer handed out; replies produced while an fsync is pending wait for it.
//   - Every restart starts a new log file, as ZooKeeper does. Snapshots and epoch
//     files are written under a temporary name, synced, then renamed.
//   - Each member sends to another over a connection it dialed itself, one simulated
//     message per Peer message (a channel byte, then the message). A member that
//     leaves this server's messages unanswered for syncLimit ticks is presumed gone
//     and the connection is replaced, since a silently cut connection stays dead.
//   - A node log records a transaction as logged once it is durable, so a crash that
//     tears an unsynced tail takes back nothing the log claims.
package cluster
