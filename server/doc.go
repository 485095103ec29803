// Package server is the real host of the protocol core: TCP client port, election and
// quorum ports, durable files with fsync, the wall clock, zoo.cfg and four-letter
// words. A configuration with no server.N line, or a single voting one, runs a
// standalone server (protocol.NewStandalone); one with several voting members makes
// this process a member of an ensemble (protocol.NewQuorum), which elects a leader and
// replicates with ZAB.
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
// In an ensemble, every member dials each other member once per channel (election,
// quorum) to send, and accepts the streams the others dial to receive; each stream
// starts with a handshake naming the sender and carries whole messages. A broken
// stream is reported to the core (PeerDisconnected), and what was queued on it is
// dropped. This framing is zksim's own: members form ensembles with each other, not
// with Apache ZooKeeper servers.
//
// The owner drives the core as its contract says: after each batch of inputs, for
// every Ready it hands the client frames and the peer messages that need not wait to
// their writers; persists (an installed snapshot, a truncation, the records with one
// fsync for the whole batch, the epoch files, a periodic snapshot written atomically
// after which the log rolls); sends the peer messages that acknowledge what was just
// persisted; then calls Advance. Replies that depend on a write only appear in a
// later Ready, so nothing is acknowledged before it is durable.
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
