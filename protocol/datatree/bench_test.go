package datatree

import (
	"strconv"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

// bigTree has 100 parents of 1000 children each (100,105 nodes), 32 bytes of data each.
func bigTree(b *testing.B) (*Tree, int64) {
	b.Helper()
	tr := New(Config{})
	data := make([]byte, 32)
	zxid := int64(0)
	for i := range 100 {
		zxid++
		parent := "/p" + strconv.Itoa(i)
		tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpCreate}, &CreateTxn{Path: parent, Data: data, ACL: OpenACL, ParentCVersion: -1})
		for j := range 1000 {
			zxid++
			tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpCreate},
				&CreateTxn{Path: parent + "/c" + strconv.Itoa(j), Data: data, ACL: OpenACL, ParentCVersion: -1})
		}
	}
	return tr, zxid
}

func reportOps(b *testing.B, ops int) {
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkApplyCreate(b *testing.B) {
	tr, zxid := bigTree(b)
	data := make([]byte, 32)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		zxid++
		res := tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpCreate},
			&CreateTxn{Path: "/p" + strconv.Itoa(n%100) + "/n" + strconv.Itoa(n), Data: data, ACL: OpenACL, ParentCVersion: -1})
		if res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
		n++
	}
	reportOps(b, n)
}

func BenchmarkApplySetData(b *testing.B) {
	tr, zxid := bigTree(b)
	data := make([]byte, 32)
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = "/p" + strconv.Itoa(i%100) + "/c" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		zxid++
		res := tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpSetData}, &SetDataTxn{Path: paths[n%len(paths)], Data: data, Version: int32(n)})
		if res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
		n++
	}
	reportOps(b, n)
}

// BenchmarkApplyCreateDelete creates and deletes a node per iteration, so the tree
// stays at 100k nodes; ops/s counts both.
func BenchmarkApplyCreateDelete(b *testing.B) {
	tr, zxid := bigTree(b)
	data := make([]byte, 32)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		p := "/p" + strconv.Itoa(n%100) + "/tmp"
		zxid++
		tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpCreate}, &CreateTxn{Path: p, Data: data, ACL: OpenACL, ParentCVersion: -1})
		zxid++
		if res := tr.Apply(TxnHeader{Zxid: zxid, Type: wire.OpDelete}, &DeleteTxn{Path: p}); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
		n += 2
	}
	reportOps(b, n)
}

// BenchmarkPrepareApply is the whole write path for setData: prepare against the
// overlay, encode and decode the txn, apply, release.
func BenchmarkPrepareApply(b *testing.B) {
	tr, zxid := bigTree(b)
	prep := NewPreparer(tr)
	data := make([]byte, 32)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		zxid++
		pr := prep.Prepare(Env{SessionID: 1, Zxid: zxid, Time: zxid},
			Request{Op: wire.OpSetData, Path: "/p7/c" + strconv.Itoa(n%1000), Data: data, Version: -1})
		buf, _ := EncodeTxn(pr.Header, pr.Txn)
		hdr, txn, err := DecodeTxn(buf)
		if err != nil {
			b.Fatal(err)
		}
		if res := tr.Apply(hdr, txn); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
		prep.Committed(zxid)
		n++
	}
	reportOps(b, n)
}

// BenchmarkDigestRecompute is the cost of recomputing the digest of 100k nodes from
// scratch; keeping it incrementally costs a few hashes per Apply instead.
func BenchmarkDigestRecompute(b *testing.B) {
	tr, _ := bigTree(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !tr.VerifyDigest() {
			b.Fatal("digest mismatch")
		}
	}
}

func BenchmarkSnapshotEncode(b *testing.B) {
	tr, _ := bigTree(b)
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		size = len(tr.EncodeSnapshot(nil))
	}
	b.SetBytes(int64(size))
}

func BenchmarkSnapshotDecode(b *testing.B) {
	tr, _ := bigTree(b)
	snap := tr.EncodeSnapshot(nil)
	b.SetBytes(int64(len(snap)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := DecodeSnapshot(snap, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
