// Package cluster hosts protocol.Peer on simulated nodes: it is the simulator's twin of
// the real server host. A Host is the sim.Process of one server node. It recovers the
// Peer from the node's virtual disk through storage.Recover, drives the Peer's
// Ready/Advance loop against that disk (Advance only once the log's fsync has
// completed), moves client frames over simulated connections, and ticks the Peer from
// the node's own, possibly skewed, clock.
//
// A Cluster builds a world's servers and simulated clients (package zkclient), and
// keeps what checkers need: the clients' recorded history and each server's own log of
// what it logged, committed and recovered, in the shape of checker.NodeLog.
//
// Choices:
//   - A failed fsync halts the node (it crashes itself), as ZooKeeper exits on an
//     fsync error: nothing that depended on the write may be acknowledged, and the
//     node comes back only through a restart that recovers from what is durable.
//   - Storage that fails recovery (corruption, a gap) makes the node refuse to start:
//     it records the fault and halts, and never serves the damaged data.
//   - One Ready is in flight at a time, because Advance commits everything the Peer
//     handed out; replies to reads produced while an fsync is pending wait for it.
//   - Every restart starts a new log file, as ZooKeeper does.
package cluster
