// Package server is the real host of the protocol core: TCP client port, durable files
// with fsync, the wall clock, zoo.cfg and four-letter words. It serves a standalone
// server today; the quorum and election ports join the same owner loop once the core
// offers a quorum peer (New refuses an ensemble configuration with
// ErrQuorumUnavailable until then).
//
// # Goroutines
//
// One owner goroutine (Run) holds the protocol.Peer, the Files and the connection
// table, and is the only one to call them. Around it:
//
//   - the accept loop admits connections (maxClientCnxns per client IP) and starts,
//     per connection, a reader and a writer;
//   - a reader frames the client's bytes (wire.FourLetterWord on the first four
//     bytes, then wire.FrameLength against jute.maxbuffer: a bad length closes the
//     connection without a reply) and hands each payload to the owner;
//   - a writer drains a bounded queue of frames to its socket; a client that lets
//     the queue fill is disconnected, so it cannot stall the owner or other clients.
//
// The owner drives the core as its contract says: after each batch of inputs, for
// every Ready it hands the client frames to the writers, appends the records to the
// log with one fsync for the whole batch (group commit), writes a requested snapshot
// atomically and rolls the log, then calls Advance. Replies that depend on a write
// only appear in a later Ready, so nothing is acknowledged before it is durable.
//
// # Files
//
// Files keeps ZooKeeper's layout: snapshots and the epoch files in dataDir/version-2,
// logs in dataLogDir/version-2, in the formats of protocol/storage. On start it runs
// storage.Recover, applies the repairs it asks for (cutting a torn log tail, deleting
// empty trailing logs, rebuilding a missing epoch file) and refuses damaged data with
// an error naming the file. Snapshots and epoch files are replaced atomically (temp
// file, fsync, rename, directory fsync). A failed write or fsync stops the server:
// Run closes every connection and returns an error wrapping ErrDisk. Autopurge
// (autopurge.purgeInterval hours, keeping autopurge.snapRetainCount snapshots) runs
// at start and then periodically. Logs are pre-grown with zeros in preAllocSize steps
// (64 MiB by default), as ZooKeeper's are. A snapshot is written by the owner
// goroutine, which pauses requests while it runs.
//
// Files also carries out what a ZAB follower's sync needs (Truncate for TRUNC,
// InstallSnapshot for SNAP, WriteEpoch for the epoch files), ready for the quorum
// host.
//
// # Tests of other packages
//
// StartStandalone runs an in-process standalone server on a free loopback port for
// client tests.
package server
