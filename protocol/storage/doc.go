// Package storage defines the durable format of a node's state and the one recovery
// function that every host calls after a restart.
//
// A node keeps four kinds of files, as ZooKeeper does (reference §5):
//
//   - transaction logs, log.<hex zxid>, named after the first zxid they hold;
//   - snapshots, snapshot.<hex zxid>, named after the last zxid applied when the
//     snapshot started;
//   - the epoch files acceptedEpoch and currentEpoch, decimal text, replaced atomically
//     by the host (write <name>.tmp, fsync, rename);
//   - myid, which belongs to the configuration and is not handled here.
//
// The package is pure: it turns records into bytes and bytes back into records, and
// tells the host which repairs to make (truncate a torn tail, delete an empty trailing
// log). The host, a simulated disk or real files, moves the bytes. Transaction and
// snapshot payloads are opaque here; other packages own their encoding.
//
// # Checksums
//
// Every checksum is CRC-32C (Castagnoli). It is stronger than ZooKeeper's Adler-32 on
// short records (Adler-32 is weak below a few hundred bytes) and hardware accelerated.
// A log record carries two: one over its payload, and one over its header (which
// includes the payload checksum). The header checksum makes the length trustworthy, so
// a damaged record is never mistaken for a shorter or longer one, and a scan for valid
// records after a damaged one is linear.
//
// # Torn tails versus corruption
//
// A crash may leave the last write of a log incomplete. Recovery accepts every valid
// record up to the first damaged one. The damage is a torn tail, cut by a truncate
// repair, only if the write can have been interrupted there: the file ends inside the
// record, or (in a file grown with zeros ahead of its writes, in whole sectors) the
// record's bytes are zero from a sector boundary to the end of the file. A complete record that fails its
// checksum was damaged after it was written; it may have been fsynced and acknowledged,
// so cutting it would silently lose a transaction a quorum counts on. Like ZooKeeper,
// which refuses to start on a CRC error in a complete record, Recover then fails with
// ErrCorrupt, as it does when valid data follows the damage: corrupt data is detected,
// never served, and never quietly dropped. The same holds across files: damage in one
// log file followed by records in a later one is corruption, because a crash only
// tears what was written last. Epoch files carry a checksum line too (EncodeEpoch).
//
// # What the host must make durable, and when (reference §4.12)
//
//   - before ACKEPOCH: acceptedEpoch (EncodeEpoch, atomic replace);
//   - before the ACK of NEWLEADER: the snapshot if the leader sent SNAP or TRUNC
//     (EncodeSnapshot, or the repairs of TruncatePlan), the synced records
//     (AppendRecords), then currentEpoch. The new currentEpoch is staged in
//     CurrentEpochTempFile (written and fsynced) before the records can be durable, and
//     renamed over currentEpoch only once they are: a crash in between leaves a log
//     ahead of currentEpoch, which Recover repairs from the staged file
//     (ZOOKEEPER-1653) instead of refusing it;
//   - before the ACK of a proposal (the leader's self-ack included): the record, fsynced;
//   - after a restart, before writing anything: every Repair that Recover returned.
//
// A fresh node writes EncodeSnapshot(0, emptyTree) before its first record, as
// ZooKeeper does; a log with no snapshot under it is refused (ErrNoSnapshot).
//
// # Limits
//
// Within an epoch every zxid is logged, so Recover requires consecutive counters from the
// snapshot on, and a new epoch to start at counter 1 (ErrGap otherwise). Payloads that
// themselves contain a complete encoded record could, after a torn write, be read as
// "valid data after damage"; recovery then fails safe with ErrCorrupt.
package storage
