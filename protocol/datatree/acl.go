package datatree

import (
	"slices"

	"github.com/zksim/zksim/protocol/wire"
)

// Nodes share one copy of each distinct ACL list, as ZooKeeper's ACL cache does: most
// trees use a handful of ACLs over many nodes, and every decoded transaction would
// otherwise bring its own copy. Entries are found by the ACL hash the digest needs
// anyway and are reference-counted so that setACL churn does not leak.

type aclEntry struct {
	acl  []wire.ACL
	refs int
}

// internACL returns the shared copy of acl (whose hash is h) and takes a reference.
func (t *Tree) internACL(acl []wire.ACL, h uint64) []wire.ACL {
	for _, e := range t.acls[h] {
		if slices.Equal(e.acl, acl) {
			e.refs++
			return e.acl
		}
	}
	t.acls[h] = append(t.acls[h], &aclEntry{acl: acl, refs: 1})
	return acl
}

// releaseACL drops a reference taken by internACL.
func (t *Tree) releaseACL(acl []wire.ACL, h uint64) {
	bucket := t.acls[h]
	for i, e := range bucket {
		if slices.Equal(e.acl, acl) {
			if e.refs--; e.refs == 0 {
				bucket = slices.Delete(bucket, i, i+1)
				if len(bucket) == 0 {
					delete(t.acls, h)
				} else {
					t.acls[h] = bucket
				}
			}
			return
		}
	}
}

// ACLCount is the number of distinct ACL lists in the tree (ZooKeeper's aclCacheSize).
func (t *Tree) ACLCount() int {
	n := 0
	for _, b := range t.acls {
		n += len(b)
	}
	return n
}
