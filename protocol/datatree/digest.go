package datatree

import (
	"strings"

	"github.com/zksim/zksim/protocol/wire"
)

// The tree digest is the wrapping sum of one 64-bit hash per znode, so it does not
// depend on the order nodes were created in and is kept up to date by subtracting a
// node's old hash and adding its new one. Each node hash covers the path, the data
// (null distinct from empty), the ACL and every stored stat field. As in ZooKeeper's
// DigestCalculator, the /zookeeper/ subtree is left out: /zookeeper/config is written
// locally by each server, so it may legitimately differ between replicas.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// mix64 is the splitmix64 finalizer: it spreads every input bit over the output so that
// summing node hashes does not cancel structure.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func combine(h, v uint64) uint64 { return mix64((h ^ v) + 0x9e3779b97f4a7c15) }

func hashPath(p string) uint64 { return mix64(fnvString(fnvOffset, p)) }

func hashData(d []byte) uint64 {
	if d == nil {
		return 0x6e756c6c // "null": no bytes at all
	}
	return mix64(fnvBytes(fnvString(fnvOffset, "data:"), d))
}

func hashACL(acl []wire.ACL) uint64 {
	h := uint64(fnvOffset)
	for _, a := range acl {
		h = fnvString(h, a.ID.Scheme)
		h = fnvString(h^0xff, a.ID.ID)
		h = (h ^ uint64(uint32(a.Perms)) ^ 0xfe) * fnvPrime
	}
	return mix64(h)
}

// excludedFromDigest is ZooKeeper's rule: nothing under /zookeeper/.
func excludedFromDigest(p string) bool { return strings.HasPrefix(p, "/zookeeper/") }

// nodeHash is the node's contribution to the tree digest.
func nodeHash(n *node) uint64 {
	if excludedFromDigest(n.path) {
		return 0
	}
	s := &n.stat
	h := combine(n.pathHash, n.dataHash)
	h = combine(h, n.aclHash)
	h = combine(h, uint64(s.Czxid))
	h = combine(h, uint64(s.Mzxid))
	h = combine(h, uint64(s.Ctime))
	h = combine(h, uint64(s.Mtime))
	h = combine(h, uint64(uint32(s.Version))<<32|uint64(uint32(s.Cversion)))
	h = combine(h, uint64(uint32(s.Aversion)))
	h = combine(h, uint64(s.EphemeralOwner))
	h = combine(h, uint64(s.Pzxid))
	return h
}

// VerifyDigest recomputes the digest from every node and reports whether the
// incrementally kept one matches: a self-check for tests and invariant checkers.
func (t *Tree) VerifyDigest() bool {
	var sum uint64
	for _, n := range t.nodes {
		h := nodeHash(&node{
			path: n.path, stat: n.stat,
			pathHash: hashPath(n.path), dataHash: hashData(n.data), aclHash: hashACL(n.acl),
		})
		if h != n.hash {
			return false
		}
		sum += h
	}
	return sum == t.digest
}
