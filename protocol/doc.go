// Package protocol is the pure core of zksim's ZooKeeper server: leader election, ZAB,
// the data tree, sessions, watches and the request pipeline, as deterministic state
// machines. It performs no I/O, starts no goroutines, reads no clock and draws no
// randomness of its own: inputs arrive as method calls and everything it wants done is
// returned for the host (the simulator or the real server) to carry out.
//
// A Peer is driven like etcd's raft.RawNode. Inputs are method calls: Tick with the
// host's local clock, Connect, Receive and Disconnect for client connections. Outputs
// are collected in a Ready, which the host drains in a loop, in this order:
//
//  1. Append Ready.Records to the transaction log and, when MustSync, fsync it. A
//     write is acknowledged only after this step, because the Peer applies and
//     answers it only in Advance.
//  2. If Ready.Snapshot is set, write it (storage.EncodeSnapshot) and start a new log
//     file for the next record.
//  3. Send Ready.Out to the client connections in order, closing those marked Close.
//     No frame depends on the Records of the same Ready, so this may overlap step 1.
//  4. Call Advance.
//
// A restarted node rebuilds itself from storage.Recover's result through the same
// constructor every host calls; nothing else survives a crash.
package protocol
