package datatree

import (
	"errors"
	"strconv"

	"github.com/zksim/zksim/protocol/wire"
)

// Transaction encoding errors. Decode errors wrap the wire decoder's error when there
// is one, so errors.Is works with both these and wire's sentinels.
var (
	// ErrUnknownTxnType: the header (or a multi sub-op) names a type with no txn record.
	ErrUnknownTxnType = errors.New("datatree: unknown txn type")
	// ErrTxnMismatch: the record does not go with the header's type.
	ErrTxnMismatch = errors.New("datatree: txn record does not match header type")
	// ErrTrailingBytes: input continues after a complete record.
	ErrTrailingBytes = errors.New("datatree: trailing bytes after txn")
	// ErrBadTxn: a field holds a value no valid transaction has.
	ErrBadTxn = errors.New("datatree: malformed txn")
)

// DecodeError says what was being decoded when decoding failed.
type DecodeError struct {
	What string // e.g. "txn header", "CreateTxn", "snapshot node"
	Err  error
}

func (e *DecodeError) Error() string { return "datatree: decode " + e.What + ": " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Minimum encoded sizes, so vector counts are checked against the input left.
const (
	minUString  = 4
	minACL      = 4 + 2*minUString
	minSubTxn   = 4 + 4
	txnHdrBytes = 8 + 4 + 8 + 8 + 4
)

// AppendTxn appends the jute encoding of a TxnHeader followed by its txn record, as
// ZooKeeper writes them to its log and sends them in PROPOSAL packets.
func AppendTxn(buf []byte, hdr TxnHeader, txn Txn) ([]byte, error) {
	e := wire.NewEncoder(buf)
	e.Int64(hdr.ClientID)
	e.Int32(hdr.Cxid)
	e.Int64(hdr.Zxid)
	e.Int64(hdr.Time)
	e.Int32(int32(hdr.Type))
	if err := encodeBody(e, hdr.Type, txn, false); err != nil {
		return buf, err
	}
	return e.Bytes(), nil
}

// EncodeTxn is AppendTxn into a fresh slice.
func EncodeTxn(hdr TxnHeader, txn Txn) ([]byte, error) { return AppendTxn(nil, hdr, txn) }

func encodeACL(e *wire.Encoder, acl []wire.ACL) {
	e.VectorLen(len(acl))
	for i := range acl {
		acl[i].Encode(e)
	}
}

func decodeACL(d *wire.Decoder) []wire.ACL {
	n := d.VectorLen(minACL)
	if n <= 0 {
		return nil
	}
	acl := make([]wire.ACL, n)
	for i := range acl {
		acl[i].Decode(d)
	}
	return acl
}

func encodeBody(e *wire.Encoder, typ wire.OpCode, txn Txn, sub bool) error {
	switch t := txn.(type) {
	case *CreateTxn:
		if typ != wire.OpCreate && typ != wire.OpCreate2 {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		e.Buffer(t.Data)
		encodeACL(e, t.ACL)
		e.Bool(t.Ephemeral)
		e.Int32(t.ParentCVersion)
	case *CreateContainerTxn:
		if typ != wire.OpCreateContainer {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		e.Buffer(t.Data)
		encodeACL(e, t.ACL)
		e.Int32(t.ParentCVersion)
	case *CreateTTLTxn:
		if typ != wire.OpCreateTTL {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		e.Buffer(t.Data)
		encodeACL(e, t.ACL)
		e.Int32(t.ParentCVersion)
		e.Int64(t.TTL)
	case *DeleteTxn:
		if typ != wire.OpDelete && typ != wire.OpDeleteContainer {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
	case *SetDataTxn:
		if typ != wire.OpSetData {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		e.Buffer(t.Data)
		e.Int32(t.Version)
	case *SetACLTxn:
		if typ != wire.OpSetACL {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		encodeACL(e, t.ACL)
		e.Int32(t.Version)
	case *CheckVersionTxn:
		if typ != wire.OpCheck {
			return ErrTxnMismatch
		}
		e.UString(t.Path)
		e.Int32(t.Version)
	case *ErrorTxn:
		if typ != wire.OpError {
			return ErrTxnMismatch
		}
		e.Int32(int32(t.Err))
	case *CreateSessionTxn:
		if typ != wire.OpCreateSession || sub {
			return ErrTxnMismatch
		}
		e.Int32(t.TimeOut)
	case *CloseSessionTxn:
		if typ != wire.OpCloseSession || sub {
			return ErrTxnMismatch
		}
		e.VectorLen(len(t.Paths))
		for _, p := range t.Paths {
			e.UString(p)
		}
	case *MultiTxn:
		if typ != wire.OpMulti || sub {
			return ErrTxnMismatch
		}
		// MultiTxn{vector<Txn{int type; buffer data}>}: each sub-record is encoded
		// on its own and carried as a buffer, as ZooKeeper does.
		e.VectorLen(len(t.Ops))
		var scratch wire.Encoder
		for _, op := range t.Ops {
			if !allowedInMulti(op.Type) {
				return ErrTxnMismatch
			}
			scratch = *wire.NewEncoder(scratch.Bytes()[:0])
			if err := encodeBody(&scratch, op.Type, op.Txn, true); err != nil {
				return err
			}
			e.Int32(int32(op.Type))
			e.Buffer(scratch.Bytes())
		}
	default:
		return ErrTxnMismatch
	}
	return nil
}

// DecodeTxn decodes what AppendTxn encoded. It never panics, allocates no more than the
// input justifies, and refuses trailing bytes.
func DecodeTxn(b []byte) (TxnHeader, Txn, error) {
	d := wire.NewDecoder(b)
	var hdr TxnHeader
	hdr.ClientID = d.Int64()
	hdr.Cxid = d.Int32()
	hdr.Zxid = d.Int64()
	hdr.Time = d.Int64()
	hdr.Type = wire.OpCode(d.Int32())
	if err := d.Err(); err != nil {
		return TxnHeader{}, nil, &DecodeError{What: "txn header", Err: err}
	}
	txn, err := decodeBody(d, hdr.Type, false)
	if err != nil {
		return TxnHeader{}, nil, err
	}
	return hdr, txn, nil
}

// decodeBody reads one txn record of type typ that must fill the rest of d.
func decodeBody(d *wire.Decoder, typ wire.OpCode, sub bool) (Txn, error) {
	var txn Txn
	var what string
	switch typ {
	case wire.OpCreate, wire.OpCreate2:
		what = "CreateTxn"
		t := &CreateTxn{Path: d.UString(), Data: d.Buffer(), ACL: decodeACL(d)}
		t.Ephemeral = d.Bool()
		t.ParentCVersion = d.Int32()
		txn = t
	case wire.OpCreateContainer:
		what = "CreateContainerTxn"
		t := &CreateContainerTxn{Path: d.UString(), Data: d.Buffer(), ACL: decodeACL(d)}
		t.ParentCVersion = d.Int32()
		txn = t
	case wire.OpCreateTTL:
		what = "CreateTTLTxn"
		t := &CreateTTLTxn{Path: d.UString(), Data: d.Buffer(), ACL: decodeACL(d)}
		t.ParentCVersion = d.Int32()
		t.TTL = d.Int64()
		txn = t
	case wire.OpDelete, wire.OpDeleteContainer:
		what = "DeleteTxn"
		txn = &DeleteTxn{Path: d.UString()}
	case wire.OpSetData:
		what = "SetDataTxn"
		t := &SetDataTxn{Path: d.UString(), Data: d.Buffer()}
		t.Version = d.Int32()
		txn = t
	case wire.OpSetACL:
		what = "SetACLTxn"
		t := &SetACLTxn{Path: d.UString(), ACL: decodeACL(d)}
		t.Version = d.Int32()
		txn = t
	case wire.OpCheck:
		what = "CheckVersionTxn"
		t := &CheckVersionTxn{Path: d.UString()}
		t.Version = d.Int32()
		txn = t
	case wire.OpError:
		what = "ErrorTxn"
		txn = &ErrorTxn{Err: wire.ErrCode(d.Int32())}
	case wire.OpCreateSession:
		what = "CreateSessionTxn"
		if !sub {
			txn = &CreateSessionTxn{TimeOut: d.Int32()}
		}
	case wire.OpCloseSession:
		what = "CloseSessionTxn"
		if !sub {
			t := &CloseSessionTxn{}
			if n := d.VectorLen(minUString); n > 0 {
				t.Paths = make([]string, n)
				for i := range t.Paths {
					t.Paths[i] = d.UString()
				}
			}
			txn = t
		}
	case wire.OpMulti:
		what = "MultiTxn"
		if !sub {
			m, err := decodeMulti(d)
			if err != nil {
				return nil, err
			}
			txn = m
		}
	}
	if txn == nil {
		return nil, &DecodeError{What: "txn type " + itoa(int64(typ)), Err: ErrUnknownTxnType}
	}
	if err := d.Err(); err != nil {
		return nil, &DecodeError{What: what, Err: err}
	}
	if d.Remaining() != 0 {
		return nil, &DecodeError{What: what, Err: ErrTrailingBytes}
	}
	return txn, nil
}

func decodeMulti(d *wire.Decoder) (*MultiTxn, error) {
	n := d.VectorLen(minSubTxn)
	m := &MultiTxn{}
	if n > 0 {
		m.Ops = make([]SubTxn, 0, n)
	}
	for range max(n, 0) {
		typ := wire.OpCode(d.Int32())
		body := d.Buffer()
		if d.Err() != nil {
			break
		}
		if !allowedInMulti(typ) {
			return nil, &DecodeError{What: "multi sub-op type " + itoa(int64(typ)), Err: ErrUnknownTxnType}
		}
		txn, err := decodeBody(wire.NewDecoder(body), typ, true)
		if err != nil {
			return nil, err
		}
		m.Ops = append(m.Ops, SubTxn{Type: typ, Txn: txn})
	}
	return m, nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
