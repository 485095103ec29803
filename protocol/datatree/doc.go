// Package datatree is ZooKeeper's znode tree as a pure, deterministic state machine.
//
// A Tree holds the znodes (persistent, ephemeral, sequential, container and TTL), their
// stored metadata and ACLs, and a digest of the whole tree that is maintained
// incrementally. Transactions (the Go form of ZooKeeper's txn records) change it only
// through Apply, which also reports the watch triggers each change fires, in the order
// ZooKeeper fires them. A Preparer turns client write requests into transactions the way
// ZooKeeper's PrepRequestProcessor does, checking them in the same order against the tree
// plus the changes still in flight. Transactions and whole trees (snapshots) have a
// checksummed binary encoding; a corrupt input is an error, never a half-built tree.
//
// Nothing here does I/O, reads a clock or draws randomness: time arrives in the
// transaction header and everything else is a method call.
package datatree
