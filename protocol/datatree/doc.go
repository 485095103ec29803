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
// Where ZooKeeper's own behaviour is an accident of its implementation, this package
// keeps the observable result and drops the accident:
//   - the root has one key, "/", not two; NodeCount still reports ZooKeeper's count;
//   - a change record's ephemeralOwner follows the transaction type that Apply will
//     store (ZooKeeper's follows the create flags, so op 1 with the container flag
//     briefly looks like a container to later requests);
//   - a prepared session close decrements its ephemerals' parents' pending child counts,
//     so a delete of such a parent pipelined behind the close is not refused NOTEMPTY;
//   - createTTL with a non-TTL mode is refused BADARGUMENTS even with a negative ttl;
//   - Apply never orphans children: a delete of a node that has children is NOTEMPTY;
//   - replaying a create of an existing node does not overwrite that node's ACL;
//   - children, ephemerals and session-close paths come out sorted.
//
// Nothing here does I/O, reads a clock or draws randomness: time arrives in the
// transaction header and everything else is a method call.
package datatree
