package datatree

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
	"pgregory.net/rapid"
)

var digestACL = []wire.ACL{{Perms: wire.PermRead | wire.PermAdmin, ID: wire.Id{Scheme: "digest", ID: "u:abc="}}}

// sampleTxns has one of every transaction, multi included.
func sampleTxns() []struct {
	hdr TxnHeader
	txn Txn
} {
	h := func(op wire.OpCode) TxnHeader {
		return TxnHeader{ClientID: 0x100003e2482000b, Cxid: 3, Zxid: 0x100000020, Time: 1795317173726, Type: op}
	}
	return []struct {
		hdr TxnHeader
		txn Txn
	}{
		{h(wire.OpCreate), &CreateTxn{Path: "/a", Data: []byte("x"), ACL: OpenACL, Ephemeral: true, ParentCVersion: 4}},
		{h(wire.OpCreate2), &CreateTxn{Path: "/a", Data: nil, ACL: digestACL, ParentCVersion: -1}},
		{h(wire.OpCreateContainer), &CreateContainerTxn{Path: "/c", Data: []byte{}, ACL: OpenACL, ParentCVersion: 1}},
		{h(wire.OpCreateTTL), &CreateTTLTxn{Path: "/t", Data: []byte("t"), ACL: OpenACL, ParentCVersion: 2, TTL: 60000}},
		{h(wire.OpDelete), &DeleteTxn{Path: "/a"}},
		{h(wire.OpDeleteContainer), &DeleteTxn{Path: "/c"}},
		{h(wire.OpSetData), &SetDataTxn{Path: "/a", Data: []byte("new"), Version: 7}},
		{h(wire.OpSetACL), &SetACLTxn{Path: "/a", ACL: append(OpenACL[:1:1], digestACL...), Version: 2}},
		{h(wire.OpCheck), &CheckVersionTxn{Path: "/a", Version: 1}},
		{h(wire.OpError), &ErrorTxn{Err: wire.ErrNoNode}},
		{h(wire.OpCreateSession), &CreateSessionTxn{TimeOut: 30000}},
		{h(wire.OpCloseSession), &CloseSessionTxn{Paths: []string{"/e1", "/e2"}}},
		{h(wire.OpCloseSession), &CloseSessionTxn{}},
		{h(wire.OpMulti), &MultiTxn{Ops: []SubTxn{
			{wire.OpCreate, &CreateTxn{Path: "/m", Data: []byte("1"), ACL: OpenACL, ParentCVersion: 9}},
			{wire.OpSetData, &SetDataTxn{Path: "/m", Data: []byte("2"), Version: 1}},
			{wire.OpCheck, &CheckVersionTxn{Path: "/m", Version: 2}},
			{wire.OpDelete, &DeleteTxn{Path: "/m"}},
		}}},
		{h(wire.OpMulti), &MultiTxn{Ops: []SubTxn{
			{wire.OpError, &ErrorTxn{Err: wire.ErrOK}},
			{wire.OpError, &ErrorTxn{Err: wire.ErrBadVersion}},
			{wire.OpError, &ErrorTxn{Err: wire.ErrRuntimeInconsistency}},
		}}},
		{h(wire.OpMulti), &MultiTxn{}},
	}
}

func TestTxnRoundTrip(t *testing.T) {
	for _, tc := range sampleTxns() {
		b, err := EncodeTxn(tc.hdr, tc.txn)
		if err != nil {
			t.Fatalf("%v: %v", tc.hdr.Type, err)
		}
		hdr, txn, err := DecodeTxn(b)
		if err != nil {
			t.Fatalf("%v: decode: %v", tc.hdr.Type, err)
		}
		if hdr != tc.hdr || !reflect.DeepEqual(txn, tc.txn) {
			t.Errorf("%v: round trip gave %+v %#v", tc.hdr.Type, hdr, txn)
		}
		// Every proper prefix is an error, never a panic.
		for n := range len(b) {
			if _, _, err := DecodeTxn(b[:n]); err == nil {
				t.Errorf("%v: prefix of %d/%d bytes decoded", tc.hdr.Type, n, len(b))
			}
		}
		if _, _, err := DecodeTxn(append(b, 0)); !errors.Is(err, ErrTrailingBytes) {
			t.Errorf("%v: trailing byte: %v", tc.hdr.Type, err)
		}
	}
}

// TestTxnJuteLayout pins the bytes of a CreateTxn to ZooKeeper's jute layout:
// TxnHeader{long clientId; int cxid; long zxid; long time; int type} then
// CreateTxn{ustring path; buffer data; vector<ACL> acl; boolean ephemeral; int parentCVersion}.
func TestTxnJuteLayout(t *testing.T) {
	b, err := EncodeTxn(TxnHeader{ClientID: 1, Cxid: 2, Zxid: 3, Time: 4, Type: wire.OpCreate},
		&CreateTxn{Path: "/a", Data: nil, ACL: OpenACL, Ephemeral: true, ParentCVersion: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := "0000000000000001" + "00000002" + "0000000000000003" + "0000000000000004" + "00000001" +
		"000000022f61" + "ffffffff" + "00000001" + "0000001f" + "00000005776f726c64" + "00000006616e796f6e65" +
		"01" + "00000005"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTxnEncodeDecodeErrors(t *testing.T) {
	if _, err := EncodeTxn(TxnHeader{Type: wire.OpDelete}, &CreateTxn{Path: "/a"}); !errors.Is(err, ErrTxnMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	nested := &MultiTxn{Ops: []SubTxn{{wire.OpMulti, &MultiTxn{}}}}
	if _, err := EncodeTxn(TxnHeader{Type: wire.OpMulti}, nested); !errors.Is(err, ErrTxnMismatch) {
		t.Errorf("nested multi: %v", err)
	}
	b, _ := EncodeTxn(TxnHeader{Type: wire.OpGetData}, &ErrorTxn{})
	if b != nil {
		t.Errorf("encoded a mismatched txn: %x", b)
	}
	hdrOnly := make([]byte, txnHdrBytes)
	hdrOnly[txnHdrBytes-1] = byte(wire.OpGetData)
	if _, _, err := DecodeTxn(hdrOnly); !errors.Is(err, ErrUnknownTxnType) {
		t.Errorf("unknown type: %v", err)
	}
	// A multi whose sub-op claims to be a createSession.
	e := wire.NewEncoder(nil)
	e.Int64(0)
	e.Int32(0)
	e.Int64(0)
	e.Int64(0)
	e.Int32(int32(wire.OpMulti))
	e.Int32(1)
	e.Int32(int32(wire.OpCreateSession))
	e.Buffer([]byte{0, 0, 0, 1})
	var de *DecodeError
	if _, _, err := DecodeTxn(e.Bytes()); !errors.Is(err, ErrUnknownTxnType) || !errors.As(err, &de) {
		t.Errorf("bad sub-op: %v", err)
	}
	// A huge vector count is refused before anything is allocated.
	e = wire.NewEncoder(nil)
	e.Int64(0)
	e.Int32(0)
	e.Int64(0)
	e.Int64(0)
	e.Int32(int32(wire.OpCloseSession))
	e.Int32(1 << 30)
	if _, _, err := DecodeTxn(e.Bytes()); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("huge vector: %v", err)
	}
}

func genACL(t *rapid.T) []wire.ACL {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) wire.ACL {
		return wire.ACL{Perms: rapid.Int32().Draw(t, "perms"), ID: wire.Id{
			Scheme: rapid.StringN(0, 8, -1).Draw(t, "scheme"), ID: rapid.StringN(0, 8, -1).Draw(t, "id")}}
	}), 1, 3).Draw(t, "acl")
}

func genData(t *rapid.T) []byte {
	if rapid.IntRange(0, 4).Draw(t, "null") == 0 {
		return nil
	}
	return rapid.SliceOfN(rapid.Byte(), 0, 16).Draw(t, "data")
}

func genTxn(t *rapid.T, sub bool) (wire.OpCode, Txn) {
	ops := []wire.OpCode{wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL, wire.OpDelete,
		wire.OpDeleteContainer, wire.OpSetData, wire.OpCheck, wire.OpError}
	if !sub {
		ops = append(ops, wire.OpSetACL, wire.OpCreateSession, wire.OpCloseSession, wire.OpMulti)
	}
	op := rapid.SampledFrom(ops).Draw(t, "op")
	path := rapid.String().Draw(t, "path")
	v := rapid.Int32().Draw(t, "version")
	switch op {
	case wire.OpCreate, wire.OpCreate2:
		return op, &CreateTxn{Path: path, Data: genData(t), ACL: genACL(t), Ephemeral: rapid.Bool().Draw(t, "eph"), ParentCVersion: v}
	case wire.OpCreateContainer:
		return op, &CreateContainerTxn{Path: path, Data: genData(t), ACL: genACL(t), ParentCVersion: v}
	case wire.OpCreateTTL:
		return op, &CreateTTLTxn{Path: path, Data: genData(t), ACL: genACL(t), ParentCVersion: v, TTL: rapid.Int64().Draw(t, "ttl")}
	case wire.OpDelete, wire.OpDeleteContainer:
		return op, &DeleteTxn{Path: path}
	case wire.OpSetData:
		return op, &SetDataTxn{Path: path, Data: genData(t), Version: v}
	case wire.OpSetACL:
		return op, &SetACLTxn{Path: path, ACL: genACL(t), Version: v}
	case wire.OpCheck:
		return op, &CheckVersionTxn{Path: path, Version: v}
	case wire.OpError:
		return op, &ErrorTxn{Err: wire.ErrCode(v)}
	case wire.OpCreateSession:
		return op, &CreateSessionTxn{TimeOut: v}
	case wire.OpCloseSession:
		var paths []string
		if n := rapid.IntRange(0, 3).Draw(t, "n"); n > 0 {
			paths = rapid.SliceOfN(rapid.String(), n, n).Draw(t, "paths")
		}
		return op, &CloseSessionTxn{Paths: paths}
	}
	m := &MultiTxn{}
	for range rapid.IntRange(0, 4).Draw(t, "subs") {
		typ, txn := genTxn(t, true)
		m.Ops = append(m.Ops, SubTxn{typ, txn})
	}
	return op, m
}

func TestTxnRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		typ, txn := genTxn(t, false)
		hdr := TxnHeader{ClientID: rapid.Int64().Draw(t, "client"), Cxid: rapid.Int32().Draw(t, "cxid"),
			Zxid: rapid.Int64().Draw(t, "zxid"), Time: rapid.Int64().Draw(t, "time"), Type: typ}
		b, err := EncodeTxn(hdr, txn)
		if err != nil {
			t.Fatal(err)
		}
		gh, gt, err := DecodeTxn(b)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if gh != hdr || !reflect.DeepEqual(gt, txn) {
			t.Fatalf("round trip: %#v != %#v", gt, txn)
		}
		again, _ := EncodeTxn(gh, gt)
		if !bytes.Equal(again, b) {
			t.Fatal("re-encoding differs")
		}
	})
}
