package datatree

import "github.com/zksim/zksim/protocol/wire"

// StatPersisted is the metadata ZooKeeper stores for a znode: the client Stat without
// dataLength and numChildren, with cversion counting child creations only and
// ephemeralOwner holding the container and TTL markers.
type StatPersisted struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
}

// Kind is what a znode's stored ephemeralOwner says it is (ZooKeeper's EphemeralType).
type Kind int8

// Node kinds.
const (
	KindPersistent Kind = iota // ephemeralOwner 0
	KindEphemeral              // owned by a session
	KindContainer              // ephemeralOwner ContainerOwner
	KindTTL                    // ephemeralOwner TTLOwner(ttl)
)

const (
	// ContainerOwner is the stored ephemeralOwner of a container node.
	ContainerOwner int64 = -1 << 63
	// MaxTTL is the largest TTL, in ms, a TTL node may have (2^40-1).
	MaxTTL int64 = 1<<40 - 1

	extendedMask      = int64(-1) << 56     // 0xff00000000000000
	reservedBitsMask  = int64(0xffff) << 40 // 0x00ffff0000000000
	extendedValueMask = ^(extendedMask | reservedBitsMask)
)

// TTLOwner is the stored ephemeralOwner of a TTL node with the given ttl (ms).
func TTLOwner(ttl int64) int64 { return extendedMask | ttl }

// kindOf classifies a stored ephemeralOwner. With extended types off, ZooKeeper reads
// the TTL marker as a session id, and so do we.
func kindOf(owner int64, extended bool) Kind {
	if extended && owner&extendedMask == extendedMask {
		// Only the TTL feature bit (0) is defined; other reserved bits never occur in
		// trees this package builds, and snapshots with them are rejected.
		return KindTTL
	}
	switch owner {
	case ContainerOwner:
		return KindContainer
	case 0:
		return KindPersistent
	}
	return KindEphemeral
}

// ttlOf is the ttl encoded in a TTL node's ephemeralOwner.
func ttlOf(owner int64) int64 { return owner & extendedValueMask }

// node is one znode.
type node struct {
	path     string
	data     []byte // nil is ZooKeeper's null data, distinct from empty
	acl      []wire.ACL
	stat     StatPersisted
	children map[string]struct{}

	// Cached hash inputs so that a stat change rehashes in O(1).
	pathHash uint64
	dataHash uint64
	aclHash  uint64
	hash     uint64 // this node's digest contribution (0 if excluded)
}

// clientStat builds the client-visible Stat (DataNode.copyStat).
func (n *node) clientStat(extended bool) wire.Stat {
	owner := n.stat.EphemeralOwner
	if kindOf(owner, extended) != KindEphemeral {
		owner = 0
	}
	nc := int32(len(n.children))
	return wire.Stat{
		Czxid:          n.stat.Czxid,
		Mzxid:          n.stat.Mzxid,
		Ctime:          n.stat.Ctime,
		Mtime:          n.stat.Mtime,
		Version:        n.stat.Version,
		Cversion:       n.stat.Cversion*2 - nc,
		Aversion:       n.stat.Aversion,
		EphemeralOwner: owner,
		DataLength:     int32(len(n.data)),
		NumChildren:    nc,
		Pzxid:          n.stat.Pzxid,
	}
}
