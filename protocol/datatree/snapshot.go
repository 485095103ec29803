package datatree

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/wire"
)

// Snapshot errors.
var (
	// ErrSnapshotMagic: the input is not a datatree snapshot (or a version we do not
	// read).
	ErrSnapshotMagic = errors.New("datatree: not a snapshot")
	// ErrSnapshotChecksum: the checksum does not match the contents.
	ErrSnapshotChecksum = errors.New("datatree: snapshot checksum mismatch")
	// ErrSnapshotTruncated: the input is shorter than the smallest snapshot.
	ErrSnapshotTruncated = errors.New("datatree: snapshot truncated")
	// ErrSnapshotInvalid: the contents decode but do not form a valid tree (a node
	// without its parent, a duplicate or invalid path, a digest that does not match).
	ErrSnapshotInvalid = errors.New("datatree: snapshot does not describe a valid tree")
)

const (
	snapshotMagic   = 0x5a4b4454 // "ZKDT"
	snapshotVersion = 1
	// header (magic, version, flags) + lastZxid + digest + extra length + node count
	// + trailing CRC.
	minSnapshot = 4 + 4 + 4 + 8 + 8 + 4 + 4 + 4
	// path, data, acl count, 6 longs, 3 ints.
	minSnapshotNode = minUString + 4 + 4 + 6*8 + 3*4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// EncodeSnapshot serializes the whole tree with its last zxid and digest, plus an opaque
// extra section (the session table, say) that DecodeSnapshot hands back untouched.
// Nodes are written in sorted path order, so equal trees give equal bytes. The last
// four bytes are a CRC-32C of everything before them.
func (t *Tree) EncodeSnapshot(extra []byte) []byte {
	e := wire.NewEncoder(make([]byte, 0, 64+len(extra)+len(t.nodes)*96))
	e.Int32(snapshotMagic)
	e.Int32(snapshotVersion)
	var flags int32
	if t.cfg.ExtendedTypes {
		flags |= 1
	}
	e.Int32(flags)
	e.Int64(t.lastZxid)
	e.Int64(int64(t.digest))
	e.Buffer(extra)
	paths := t.Paths()
	e.Int32(int32(len(paths)))
	for _, p := range paths {
		n := t.nodes[p]
		e.UString(p)
		e.Buffer(n.data)
		encodeACL(e, n.acl)
		s := &n.stat
		e.Int64(s.Czxid)
		e.Int64(s.Mzxid)
		e.Int64(s.Ctime)
		e.Int64(s.Mtime)
		e.Int32(s.Version)
		e.Int32(s.Cversion)
		e.Int32(s.Aversion)
		e.Int64(s.EphemeralOwner)
		e.Int64(s.Pzxid)
	}
	out := e.Bytes()
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// DecodeSnapshot rebuilds a tree from EncodeSnapshot's output. The checksum is
// verified before anything is parsed, and the rebuilt tree is checked (parents before
// children, valid unique paths, the four system nodes, the stored digest), so a corrupt
// or truncated snapshot is an error and never a partly loaded tree. cfg supplies the
// data-size limit; whether TTL types are on comes from the snapshot.
func DecodeSnapshot(b []byte, cfg Config) (*Tree, []byte, error) {
	if len(b) < minSnapshot {
		return nil, nil, ErrSnapshotTruncated
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	d := wire.NewDecoder(body)
	if d.Int32() != snapshotMagic || d.Int32() != snapshotVersion {
		return nil, nil, ErrSnapshotMagic
	}
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, nil, ErrSnapshotChecksum
	}
	flags := d.Int32()
	if flags&^1 != 0 {
		return nil, nil, &DecodeError{What: "snapshot flags", Err: ErrSnapshotInvalid}
	}
	cfg.ExtendedTypes = flags&1 != 0
	t := newEmpty(cfg)
	t.lastZxid = d.Int64()
	digest := uint64(d.Int64())
	extra := d.Buffer()
	count := d.VectorLen(minSnapshotNode)
	if err := d.Err(); err != nil {
		return nil, nil, &DecodeError{What: "snapshot header", Err: err}
	}
	if count < 0 {
		return nil, nil, &DecodeError{What: "snapshot header", Err: ErrSnapshotInvalid}
	}
	prev := ""
	for i := range count {
		path := d.UString()
		data := d.Buffer()
		acl := decodeACL(d)
		var s StatPersisted
		s.Czxid = d.Int64()
		s.Mzxid = d.Int64()
		s.Ctime = d.Int64()
		s.Mtime = d.Int64()
		s.Version = d.Int32()
		s.Cversion = d.Int32()
		s.Aversion = d.Int32()
		s.EphemeralOwner = d.Int64()
		s.Pzxid = d.Int64()
		if err := d.Err(); err != nil {
			return nil, nil, &DecodeError{What: "snapshot node", Err: err}
		}
		// Sorted order puts every parent before its children ("/a" < "/a/b"), and
		// strictly increasing paths rule out duplicates.
		if (i > 0 && path <= prev) || !ValidatePath(path) || (i == 0) != (path == "/") {
			return nil, nil, &DecodeError{What: "snapshot node " + path, Err: ErrSnapshotInvalid}
		}
		if path != "/" {
			parent, _, _ := parentOf(path)
			if t.nodes[parent] == nil {
				return nil, nil, &DecodeError{What: "snapshot node " + path, Err: ErrSnapshotInvalid}
			}
		}
		if cfg.ExtendedTypes && s.EphemeralOwner&extendedMask == extendedMask &&
			s.EphemeralOwner&reservedBitsMask != 0 {
			return nil, nil, &DecodeError{What: "snapshot node " + path, Err: ErrSnapshotInvalid}
		}
		t.insert(path, data, acl, s)
		prev = path
	}
	if d.Remaining() != 0 {
		return nil, nil, &DecodeError{What: "snapshot", Err: ErrTrailingBytes}
	}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		if t.nodes[p] == nil {
			return nil, nil, &DecodeError{What: "snapshot: missing " + p, Err: ErrSnapshotInvalid}
		}
	}
	t.dataSize += int64(len(t.nodes["/"].data)) // ZooKeeper's root alias "" counts it again
	if cfg.Bugs.Has(bugs.ZK1367) {
		// ZOOKEEPER-1367: a server restarted from its snapshot did not know which
		// sessions owned the ephemerals it loaded, so those sessions never expired
		// there and their nodes stayed on that one server. The fix rebuilt the
		// owners on load. Here the restored tree forgets its ephemerals' owners: a
		// close it prepares lists no paths, and it keeps the nodes.
		clear(t.ephemerals)
	}
	if t.digest != digest {
		return nil, nil, &DecodeError{What: "snapshot digest", Err: ErrSnapshotInvalid}
	}
	return t, extra, nil
}

// Equal reports whether two trees hold the same nodes with the same data, ACLs and
// stored stats (the digest says so probabilistically; this says so exactly).
func (t *Tree) Equal(o *Tree) bool {
	if len(t.nodes) != len(o.nodes) {
		return false
	}
	for p, n := range t.nodes {
		m := o.nodes[p]
		if m == nil || n.stat != m.stat || (n.data == nil) != (m.data == nil) ||
			string(n.data) != string(m.data) || !slices.Equal(n.acl, m.acl) ||
			len(n.children) != len(m.children) {
			return false
		}
	}
	return true
}
