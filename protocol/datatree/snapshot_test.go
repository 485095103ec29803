package datatree

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

// busyTree has every kind of node, null and empty data, and a few ACLs.
func busyTree(t fataler) *standalone {
	s := newStandalone(Config{ExtendedTypes: true})
	for _, r := range []Request{
		create("/app", 0, "config"),
		{Op: wire.OpCreate, Path: "/app/null", ACL: digestACL, Flags: wire.ModePersistent},
		create("/app/empty", 0, ""),
		create("/app/seq-", wire.ModePersistentSequential, "1"),
		create("/app/seq-", wire.ModePersistentSequential, "2"),
		{Op: wire.OpCreateContainer, Path: "/box", ACL: OpenACL, Flags: wire.ModeContainer},
		create("/box/item", 0, "i"),
		{Op: wire.OpCreateTTL, Path: "/ttl", ACL: OpenACL, Flags: wire.ModePersistentWithTTL, TTL: 5000},
		{Op: wire.OpSetData, Path: "/app", Data: []byte("config2"), Version: 0},
		{Op: wire.OpSetACL, Path: "/app/empty", ACL: ReadACL, Version: -1},
		{Op: wire.OpDelete, Path: "/app/seq-0000000003", Version: -1},
	} {
		mustOK(t, func() Result { _, res := s.do(t, 1, r); return res }())
	}
	mustOK(t, func() Result { _, res := s.do(t, 0x1234, create("/app/eph", wire.ModeEphemeral, "e")); return res }())
	return s
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := busyTree(t)
	b := s.tree.EncodeSnapshot([]byte("session table"))
	got, extra, err := DecodeSnapshot(b, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if string(extra) != "session table" || !got.Equal(s.tree) || got.Digest() != s.tree.Digest() || got.LastZxid() != s.zxid {
		t.Fatal("round trip lost something")
	}
	if !got.Config().ExtendedTypes {
		t.Error("extended types flag lost")
	}
	if d, _, _ := got.Get("/app/null"); d != nil {
		t.Error("null data became non-null")
	}
	if d, _, _ := got.Get("/app/empty"); d == nil {
		t.Error("empty data became null")
	}
	if !slices.Equal(got.Ephemerals(0x1234), []string{"/app/eph"}) {
		t.Error("ephemeral ownership lost")
	}
	if k, _ := got.Kind("/ttl"); k != KindTTL {
		t.Error("TTL kind lost")
	}
	for _, p := range s.tree.Paths() {
		a, _ := s.tree.Stat(p)
		b, _ := got.Stat(p)
		if a != b {
			t.Errorf("%s: %+v != %+v", p, a, b)
		}
	}
	// The loaded tree keeps working: the next sequential suffix continues.
	s2 := &standalone{tree: got, prep: NewPreparer(got), zxid: s.zxid, now: s.now}
	_, r := s2.do(t, 1, create("/app/seq-", wire.ModePersistentSequential, ""))
	if r.Path != "/app/seq-0000000005" { // null, empty, two seq-, eph: 5 creates
		t.Errorf("after load: %q", r.Path)
	}
}

func TestSnapshotCorruptAndTruncated(t *testing.T) {
	b := busyTree(t).tree.EncodeSnapshot([]byte("x"))
	for n := range len(b) {
		if tr, _, err := DecodeSnapshot(b[:n], Config{}); err == nil || tr != nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(b))
		}
	}
	for i := range len(b) {
		for _, bit := range []byte{0x01, 0x80} {
			c := slices.Clone(b)
			c[i] ^= bit
			if tr, _, err := DecodeSnapshot(c, Config{}); err == nil || tr != nil {
				t.Fatalf("byte %d ^ %#x: no error", i, bit)
			}
		}
	}
	c := slices.Clone(b)
	c[len(c)-1] ^= 1
	if _, _, err := DecodeSnapshot(c, Config{}); !errors.Is(err, ErrSnapshotChecksum) {
		t.Errorf("bad crc: %v", err)
	}
	if _, _, err := DecodeSnapshot(append(slices.Clone(b), 0), Config{}); err == nil {
		t.Error("trailing byte accepted")
	}
}

// reseal recomputes the checksum so a test can reach the checks behind it.
func reseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.BigEndian.AppendUint32(slices.Clone(body), crc32.Checksum(body, castagnoli))
}

func TestSnapshotInvalidContents(t *testing.T) {
	b := busyTree(t).tree.EncodeSnapshot(nil)
	const digestAt = 4 + 4 + 4 + 8
	c := slices.Clone(b)
	c[digestAt] ^= 1
	if _, _, err := DecodeSnapshot(reseal(c), Config{}); !errors.Is(err, ErrSnapshotInvalid) {
		t.Errorf("wrong digest: %v", err)
	}
	c = slices.Clone(b)
	c[8] = 2 // unknown flag bit
	if _, _, err := DecodeSnapshot(reseal(c), Config{}); !errors.Is(err, ErrSnapshotInvalid) {
		t.Errorf("unknown flag: %v", err)
	}
	c = slices.Clone(b)
	c[0] = 'X'
	if _, _, err := DecodeSnapshot(reseal(c), Config{}); !errors.Is(err, ErrSnapshotMagic) {
		t.Errorf("bad magic: %v", err)
	}
	// A tree without its parent: write the snapshot of a tree missing /box by hand.
	orphan := New(Config{})
	orphan.insert("/a", nil, OpenACL, StatPersisted{})
	orphan.insert("/a/b", nil, OpenACL, StatPersisted{})
	orphan.remove(orphan.nodes["/a"]) // leaves /a/b dangling
	if _, _, err := DecodeSnapshot(orphan.EncodeSnapshot(nil), Config{}); !errors.Is(err, ErrSnapshotInvalid) {
		t.Errorf("orphan node: %v", err)
	}
}

// TestDigestOrderIndependent inserts the same nodes in different orders (parents
// first) and expects one digest, and a different one after any single change.
func TestDigestOrderIndependent(t *testing.T) {
	levels := [][]string{{"/a", "/b", "/c"}, {"/a/x", "/a/y", "/b/x"}, {"/a/x/1", "/a/x/2", "/b/x/1"}}
	var want uint64
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		tr := New(Config{})
		for _, level := range levels {
			l := slices.Clone(level)
			rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
			for _, p := range l {
				tr.insert(p, []byte(p), OpenACL, StatPersisted{Czxid: int64(len(p))})
			}
		}
		if seed == 0 {
			want = tr.Digest()
		} else if tr.Digest() != want {
			t.Fatalf("seed %d: digest %x, want %x", seed, tr.Digest(), want)
		}
	}
	s := newStandalone(Config{})
	base := s.tree.Digest()
	changes := []Request{
		create("/d", 0, ""),
		{Op: wire.OpSetData, Path: "/d", Data: []byte{}, Version: -1}, // null -> empty
		{Op: wire.OpSetACL, Path: "/d", ACL: ReadACL, Version: -1},
		{Op: wire.OpDelete, Path: "/d", Version: -1},
	}
	seen := map[uint64]bool{base: true}
	for _, r := range changes {
		_, res := s.do(t, 1, r)
		mustOK(t, res)
		if seen[s.tree.Digest()] {
			t.Errorf("%v left the digest at a value seen before", r.Op)
		}
		seen[s.tree.Digest()] = true
	}
	// /zookeeper/config is left out, as in ZooKeeper.
	before := s.tree.Digest()
	s.tree.Apply(TxnHeader{Zxid: 100, Type: wire.OpSetData}, &SetDataTxn{Path: "/zookeeper/config", Data: []byte("server.1=...")})
	if s.tree.Digest() != before {
		t.Error("config node changed the digest")
	}
}
