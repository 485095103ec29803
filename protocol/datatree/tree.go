package datatree

import (
	"slices"
	"strings"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/wire"
)

// Config holds the tree's settings.
type Config struct {
	// ExtendedTypes is zookeeper.extendedTypesEnabled: TTL nodes are allowed, and an
	// ephemeralOwner whose top byte is 0xff means a TTL node.
	ExtendedTypes bool
	// MaxDataSize is the largest data a create or setData may carry; larger is
	// BADARGUMENTS. Zero means wire.MaxBuffer (jute.maxbuffer).
	MaxDataSize int
	// Bugs reintroduces catalogued faults (package bugs) for testing the harness:
	// ZOOKEEPER-1367 and ZOOKEEPER-2355. The zero value is the correct tree.
	Bugs bugs.Set
}

func (c Config) maxDataSize() int {
	if c.MaxDataSize <= 0 {
		return wire.MaxBuffer
	}
	return c.MaxDataSize
}

// Well-known ACLs (ZooDefs.Ids).
var (
	// OpenACL is world:anyone with every permission.
	OpenACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: "world", ID: "anyone"}}}
	// ReadACL is world:anyone with READ only; /zookeeper/config has it.
	ReadACL = []wire.ACL{{Perms: wire.PermRead, ID: wire.Id{Scheme: "world", ID: "anyone"}}}
)

// Tree is the znode tree. It is not safe for concurrent use; the protocol core drives it
// from one goroutine.
type Tree struct {
	cfg        Config
	nodes      map[string]*node
	ephemerals map[int64]map[string]struct{}
	containers map[string]struct{}
	ttls       map[string]struct{}
	acls       map[uint64][]*aclEntry
	digest     uint64
	lastZxid   int64
	dataSize   int64 // see ApproximateDataSize
}

// New returns the tree of a fresh server: "/", "/zookeeper", "/zookeeper/quota" and
// "/zookeeper/config", all with empty data and zero stats; the config node carries
// ReadACL and aversion -1, as ZooKeeper's setACL(config, READ, -1) leaves it.
func New(cfg Config) *Tree {
	t := newEmpty(cfg)
	t.insert("/", []byte{}, OpenACL, StatPersisted{})
	t.insert("/zookeeper", []byte{}, OpenACL, StatPersisted{})
	t.insert("/zookeeper/quota", []byte{}, OpenACL, StatPersisted{})
	t.insert("/zookeeper/config", []byte{}, ReadACL, StatPersisted{Aversion: -1})
	return t
}

func newEmpty(cfg Config) *Tree {
	return &Tree{
		cfg:        cfg,
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		acls:       make(map[uint64][]*aclEntry),
	}
}

// Config returns the tree's settings.
func (t *Tree) Config() Config { return t.cfg }

// insert adds a node whose parent exists (or the root) without touching the parent's
// stat, and indexes it. The caller has checked that path is free.
func (t *Tree) insert(path string, data []byte, acl []wire.ACL, stat StatPersisted) *node {
	aclHash := hashACL(acl)
	n := &node{
		path:     path,
		data:     data,
		acl:      t.internACL(acl, aclHash),
		stat:     stat,
		pathHash: hashPath(path),
		dataHash: hashData(data),
		aclHash:  aclHash,
	}
	n.hash = nodeHash(n)
	t.digest += n.hash
	t.dataSize += int64(len(path) + len(data))
	t.nodes[path] = n
	if path != "/" {
		parent, name, _ := parentOf(path)
		p := t.nodes[parent]
		if p.children == nil {
			p.children = make(map[string]struct{})
		}
		p.children[name] = struct{}{}
	}
	t.index(n)
	return n
}

func (t *Tree) index(n *node) {
	switch kindOf(n.stat.EphemeralOwner, t.cfg.ExtendedTypes) {
	case KindContainer:
		t.containers[n.path] = struct{}{}
	case KindTTL:
		t.ttls[n.path] = struct{}{}
	case KindEphemeral:
		set := t.ephemerals[n.stat.EphemeralOwner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[n.stat.EphemeralOwner] = set
		}
		set[n.path] = struct{}{}
	}
}

func (t *Tree) unindex(n *node) {
	switch kindOf(n.stat.EphemeralOwner, t.cfg.ExtendedTypes) {
	case KindContainer:
		delete(t.containers, n.path)
	case KindTTL:
		delete(t.ttls, n.path)
	case KindEphemeral:
		if set := t.ephemerals[n.stat.EphemeralOwner]; set != nil {
			delete(set, n.path)
			if len(set) == 0 {
				delete(t.ephemerals, n.stat.EphemeralOwner)
			}
		}
	}
}

// rehash refreshes a node's digest contribution after its fields changed.
func (t *Tree) rehash(n *node) {
	t.digest -= n.hash
	n.hash = nodeHash(n)
	t.digest += n.hash
}

// remove drops a childless node from the tree and its parent's child set.
func (t *Tree) remove(n *node) {
	t.digest -= n.hash
	t.releaseACL(n.acl, n.aclHash)
	t.dataSize -= int64(len(n.path) + len(n.data))
	delete(t.nodes, n.path)
	parent, name, _ := parentOf(n.path)
	if p := t.nodes[parent]; p != nil {
		delete(p.children, name)
	}
	t.unindex(n)
}

// normalize folds the root's alias "" into "/".
func normalize(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// Exists reports whether a znode exists.
func (t *Tree) Exists(path string) bool { return t.nodes[normalize(path)] != nil }

// Get returns a znode's data (nil for null data) and Stat. The data is the tree's own
// slice: callers must not modify it.
func (t *Tree) Get(path string) (data []byte, stat wire.Stat, err wire.ErrCode) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	return n.data, n.clientStat(t.cfg.ExtendedTypes), wire.ErrOK
}

// Stat returns a znode's client-visible Stat.
func (t *Tree) Stat(path string) (wire.Stat, wire.ErrCode) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return wire.Stat{}, wire.ErrNoNode
	}
	return n.clientStat(t.cfg.ExtendedTypes), wire.ErrOK
}

// StoredStat returns a znode's stored metadata (stored cversion, raw ephemeralOwner).
func (t *Tree) StoredStat(path string) (StatPersisted, bool) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return StatPersisted{}, false
	}
	return n.stat, true
}

// Kind returns what kind of znode path is.
func (t *Tree) Kind(path string) (Kind, bool) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return 0, false
	}
	return kindOf(n.stat.EphemeralOwner, t.cfg.ExtendedTypes), true
}

// Children returns a znode's child names in sorted order (ZooKeeper promises no order;
// sorting keeps every output deterministic) and its Stat.
func (t *Tree) Children(path string) ([]string, wire.Stat, wire.ErrCode) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	names := make([]string, 0, len(n.children))
	for c := range n.children {
		names = append(names, c)
	}
	slices.Sort(names)
	return names, n.clientStat(t.cfg.ExtendedTypes), wire.ErrOK
}

// ACL returns a znode's ACL (the tree's own slice: do not modify) and Stat.
func (t *Tree) ACL(path string) ([]wire.ACL, wire.Stat, wire.ErrCode) {
	n := t.nodes[normalize(path)]
	if n == nil {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	return n.acl, n.clientStat(t.cfg.ExtendedTypes), wire.ErrOK
}

// AllChildrenNumber counts every descendant of path (getAllChildrenNumber); a fresh
// tree gives 3 for "/".
func (t *Tree) AllChildrenNumber(path string) (int, wire.ErrCode) {
	path = normalize(path)
	n := t.nodes[path]
	if n == nil {
		return 0, wire.ErrNoNode
	}
	if path == "/" {
		return len(t.nodes) - 1, wire.ErrOK
	}
	return t.countBelow(n), wire.ErrOK
}

func (t *Tree) countBelow(n *node) int {
	total := 0
	for c := range n.children {
		total++
		if child := t.nodes[n.path+"/"+c]; child != nil && len(child.children) > 0 {
			total += t.countBelow(child)
		}
	}
	return total
}

// Len is the number of znodes, "/" included once.
func (t *Tree) Len() int { return len(t.nodes) }

// NodeCount is the "Node count" that srvr, stat and mntr report. ZooKeeper keeps the
// root under two keys ("" and "/"), so it is Len()+1: 5 on a fresh server.
func (t *Tree) NodeCount() int { return len(t.nodes) + 1 }

// EphemeralCount is the number of ephemeral znodes of all sessions.
func (t *Tree) EphemeralCount() int {
	total := 0
	for _, set := range t.ephemerals {
		total += len(set)
	}
	return total
}

// Ephemerals returns the paths of a session's ephemeral znodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	return sortedKeys(t.ephemerals[session])
}

// GetEphemerals answers getEphemerals: the session's ephemerals whose path starts with
// prefix as a plain string prefix ("/a" matches "/ab/x"); an empty or "/" prefix (after
// trimming spaces and control characters) matches all. Sorted.
func (t *Tree) GetEphemerals(session int64, prefix string) []string {
	all := t.Ephemerals(session)
	// Java's String.trim drops every character up to and including the space.
	if p := strings.TrimFunc(prefix, func(r rune) bool { return r <= ' ' }); p == "" || p == "/" {
		return all
	}
	out := all[:0]
	for _, p := range all {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// Sessions returns the ids of the sessions that own at least one ephemeral, sorted.
func (t *Tree) Sessions() []int64 {
	ids := make([]int64, 0, len(t.ephemerals))
	for id := range t.ephemerals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SweepCandidates lists, sorted, the containers and TTL nodes the container sweeper
// should delete at time now (ContainerManager.getCandidates): a childless container
// that once had a child (stored cversion > 0), or that never had one and was last
// modified more than maxNeverUsed ms ago when maxNeverUsed > 0; a childless TTL node
// whose mtime is more than its ttl ago.
func (t *Tree) SweepCandidates(now, maxNeverUsed int64) []string {
	var out []string
	for p := range t.containers {
		n := t.nodes[p]
		if len(n.children) != 0 {
			continue
		}
		if n.stat.Cversion > 0 || (maxNeverUsed != 0 && now-n.stat.Mtime > maxNeverUsed) {
			out = append(out, p)
		}
	}
	for p := range t.ttls {
		n := t.nodes[p]
		if len(n.children) != 0 {
			continue
		}
		if ttl := ttlOf(n.stat.EphemeralOwner); ttl != 0 && now-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// ApproximateDataSize is mntr's zk_approximate_data_size: the sum of path length plus
// data length over all nodes, kept incrementally as ZooKeeper keeps it (which, from
// its root alias "", counts the root's data twice when the sum is computed afresh at
// startup or snapshot load, and once for later changes). A fresh tree gives 44.
func (t *Tree) ApproximateDataSize() int64 { return t.dataSize }

// Digest is the digest of the whole tree (see digest.go); equal trees have equal
// digests whatever order their nodes were created in.
func (t *Tree) Digest() uint64 { return t.digest }

// LastZxid is the highest zxid applied to the tree (or loaded with its snapshot).
func (t *Tree) LastZxid() int64 { return t.lastZxid }

// Paths returns every znode path, sorted.
func (t *Tree) Paths() []string { return sortedKeys(t.nodes) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortStrings(s []string) { slices.Sort(s) }
