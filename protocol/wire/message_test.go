package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"runtime"
	"testing"
)

// requestPayload builds a request payload (no length prefix) by hand.
func requestPayload(xid int32, op OpCode, body func(e *Encoder)) []byte {
	var e Encoder
	e.Int32(xid)
	e.Int32(int32(op))
	if body != nil {
		body(&e)
	}
	return e.Bytes()
}

func TestDecodeRequestErrors(t *testing.T) {
	nullPath := func(e *Encoder) { e.NullUString() }
	tests := []struct {
		name    string
		payload []byte
		wantHdr RequestHeader
		want    error
	}{
		{"empty", nil, RequestHeader{}, ErrShortBuffer},
		{"short header", []byte{0, 0, 0, 1, 0, 0}, RequestHeader{}, ErrShortBuffer},
		{"unknown opcode", requestPayload(7, 999, nil), RequestHeader{7, 999}, ErrUnknownOpcode},
		{"notification is not a request", requestPayload(7, OpNotification, nil), RequestHeader{7, OpNotification}, ErrUnknownOpcode},
		{"createSession is not a request", requestPayload(7, OpCreateSession, nil), RequestHeader{7, OpCreateSession}, ErrUnknownOpcode},
		{"deleteContainer is server-internal", requestPayload(7, OpDeleteContainer, nil), RequestHeader{7, OpDeleteContainer}, ErrUnknownOpcode},
		{"null path create", requestPayload(3, OpCreate, nullPath), RequestHeader{3, OpCreate}, ErrNullPath},
		{"null path getData", requestPayload(3, OpGetData, nullPath), RequestHeader{3, OpGetData}, ErrNullPath},
		{"null path exists", requestPayload(3, OpExists, nullPath), RequestHeader{3, OpExists}, ErrNullPath},
		{"null prefix getEphemerals", requestPayload(3, OpGetEphemerals, nullPath), RequestHeader{3, OpGetEphemerals}, ErrNullPath},
		{"null path inside multi", requestPayload(3, OpMulti, func(e *Encoder) {
			h := MultiHeader{Type: OpDelete, Err: -1}
			h.Encode(e)
			e.NullUString()
		}), RequestHeader{3, OpMulti}, ErrNullPath},
		{"null auth scheme", requestPayload(3, OpAuth, func(e *Encoder) {
			e.Int32(0)
			e.NullUString()
		}), RequestHeader{3, OpAuth}, ErrNullString},
		{"truncated body", requestPayload(3, OpSetData, func(e *Encoder) { e.UString("/a") }), RequestHeader{3, OpSetData}, ErrShortBuffer},
		{"negative data length", requestPayload(3, OpSetData, func(e *Encoder) {
			e.UString("/a")
			e.Int32(-2)
		}), RequestHeader{3, OpSetData}, ErrBadLength},
		{"huge setWatches vector", requestPayload(3, OpSetWatches, func(e *Encoder) {
			e.Int64(1)
			e.Int32(1 << 30)
		}), RequestHeader{3, OpSetWatches}, ErrTooLarge},
		{"huge ACL vector", requestPayload(3, OpCreate, func(e *Encoder) {
			e.UString("/a")
			e.Buffer(nil)
			e.Int32(100) // 100 ACLs need at least 1200 bytes
			e.Int32(31)
		}), RequestHeader{3, OpCreate}, ErrTooLarge},
		{"getData in multi is allowed but ping is not", requestPayload(3, OpMulti, func(e *Encoder) {
			h := MultiHeader{Type: OpPing, Err: -1}
			h.Encode(e)
		}), RequestHeader{3, OpMulti}, ErrBadMultiOp},
		{"multi without terminator", requestPayload(3, OpMulti, func(e *Encoder) {
			h := MultiHeader{Type: OpCheck, Err: -1}
			h.Encode(e)
			(&CheckVersionRequest{Path: "/a"}).Encode(e)
		}), RequestHeader{3, OpMulti}, ErrShortBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr, req, err := DecodeRequest(tc.payload)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if req != nil {
				t.Errorf("req = %#v, want nil on error", req)
			}
			if hdr != tc.wantHdr {
				t.Errorf("hdr = %+v, want %+v", hdr, tc.wantHdr)
			}
			if errors.Is(tc.want, ErrUnknownOpcode) {
				var unk *UnknownOpcodeError
				if !errors.As(err, &unk) || unk.Op != tc.wantHdr.Type || unk.Xid != tc.wantHdr.Xid {
					t.Errorf("err = %#v, want *UnknownOpcodeError{%d, %d}", err, tc.wantHdr.Type, tc.wantHdr.Xid)
				}
			}
		})
	}
}

func TestDecodeRequestIgnoresTrailingBytes(t *testing.T) {
	want := &GetDataRequest{Path: "/a", Watch: true}
	frame := EncodeRequest(5, want)
	payload := append(frame[4:len(frame):len(frame)], 0xde, 0xad)
	hdr, got, err := DecodeRequest(payload)
	if err != nil || hdr != (RequestHeader{5, OpGetData}) || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequest = %+v, %#v, %v", hdr, got, err)
	}
}

func TestBoolAcceptsAnyNonZeroByte(t *testing.T) {
	payload := requestPayload(1, OpExists, func(e *Encoder) { e.UString("/a") })
	payload = append(payload, 7)
	_, req, err := DecodeRequest(payload)
	if err != nil || !req.(*ExistsRequest).Watch {
		t.Fatalf("watch byte 7: req %#v, err %v; want Watch true", req, err)
	}
}

func TestDecodeReply(t *testing.T) {
	ev := &WatcherEvent{Type: EventNodeDeleted, State: StateSyncConnected, Path: "/x"}
	tests := []struct {
		name     string
		frame    []byte
		op       OpCode
		wantHdr  ReplyHeader
		wantResp Response
		wantErr  error
	}{
		{"notification ignores op", AppendNotification(nil, -1, ev), 999,
			ReplyHeader{Xid: -1, Zxid: -1}, ev, nil},
		{"error reply has no body", EncodeReply(ReplyHeader{Xid: 4, Zxid: 9, Err: ErrNoNode}, nil), OpGetData,
			ReplyHeader{4, 9, ErrNoNode}, nil, nil},
		{"error reply to unknown op", EncodeReply(ReplyHeader{Xid: 4, Zxid: -1, Err: ErrUnimplemented}, nil), 999,
			ReplyHeader{4, -1, ErrUnimplemented}, nil, nil},
		{"success reply to unknown op", EncodeReply(ReplyHeader{Xid: 4, Zxid: 1}, nil), 999,
			ReplyHeader{4, 1, ErrOK}, nil, ErrUnknownOpcode},
		{"empty body op", EncodeReply(ReplyHeader{Xid: 4, Zxid: 1}, nil), OpDelete,
			ReplyHeader{4, 1, ErrOK}, nil, nil},
		{"ping", EncodeReply(ReplyHeader{Xid: XidPing, Zxid: 1}, nil), OpPing,
			ReplyHeader{XidPing, 1, ErrOK}, nil, nil},
		{"truncated stat", EncodeReply(ReplyHeader{Xid: 4, Zxid: 1}, nil)[:20], OpExists,
			ReplyHeader{4, 1, ErrOK}, nil, ErrShortBuffer},
		{"short header", []byte{0, 0, 0, 3, 0, 0, 0}, OpExists, ReplyHeader{}, nil, ErrShortBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr, resp, err := DecodeReply(tc.frame[4:], tc.op)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if hdr != tc.wantHdr {
				t.Errorf("hdr = %+v, want %+v", hdr, tc.wantHdr)
			}
			if !reflect.DeepEqual(resp, tc.wantResp) {
				t.Errorf("resp = %#v, want %#v", resp, tc.wantResp)
			}
		})
	}
}

func TestConnectReadOnlyByte(t *testing.T) {
	passwd := make([]byte, 16)
	old := ConnectRequest{TimeOut: 30000, Passwd: passwd}
	withRO := ConnectRequest{TimeOut: 30000, Passwd: passwd, ReadOnly: true, HasReadOnly: true}
	if n := len(EncodeConnectRequest(&old)) - 4; n != 44 {
		t.Errorf("ConnectRequest without readOnly is %d bytes, want 44", n)
	}
	if n := len(EncodeConnectRequest(&withRO)) - 4; n != 45 {
		t.Errorf("ConnectRequest with readOnly is %d bytes, want 45", n)
	}
	for _, want := range []ConnectRequest{old, withRO} {
		got, err := DecodeConnectRequest(EncodeConnectRequest(&want)[4:])
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("round trip %+v = %+v, %v", want, got, err)
		}
	}
	resp := ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: passwd}
	if n := len(EncodeConnectResponse(&resp)) - 4; n != 36 {
		t.Errorf("ConnectResponse without readOnly is %d bytes, want 36", n)
	}
	resp.HasReadOnly = true
	if n := len(EncodeConnectResponse(&resp)) - 4; n != 37 {
		t.Errorf("ConnectResponse with readOnly is %d bytes, want 37", n)
	}
	got, err := DecodeConnectResponse(EncodeConnectResponse(&resp)[4:])
	if err != nil || !reflect.DeepEqual(got, resp) {
		t.Errorf("round trip %+v = %+v, %v", resp, got, err)
	}
	if _, err := DecodeConnectRequest(EncodeConnectRequest(&old)[4:40]); !errors.Is(err, ErrTooLarge) {
		t.Errorf("truncated password: err = %v, want ErrTooLarge", err)
	}
	if _, err := DecodeConnectResponse([]byte{0, 0}); !errors.Is(err, ErrShortBuffer) {
		t.Errorf("truncated ConnectResponse: err = %v, want ErrShortBuffer", err)
	}
}

func TestFraming(t *testing.T) {
	prefix := func(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
	tests := []struct {
		name    string
		buf     []byte
		max     int
		payload []byte
		n       int
		err     error
	}{
		{"empty", nil, MaxBuffer, nil, 0, nil},
		{"partial prefix", []byte{0, 0}, MaxBuffer, nil, 0, nil},
		{"partial payload", append(prefix(3), 1, 2), MaxBuffer, nil, 0, nil},
		{"whole frame", append(prefix(2), 1, 2, 3), MaxBuffer, []byte{1, 2}, 6, nil},
		{"empty frame", prefix(0), MaxBuffer, []byte{}, 4, nil},
		{"negative", prefix(-1), MaxBuffer, nil, 0, ErrBadLength},
		{"at the limit", prefix(MaxBuffer), MaxBuffer, nil, 0, nil},
		{"over the limit", prefix(MaxBuffer + 1), MaxBuffer, nil, 0, ErrFrameTooLarge},
		{"captured oversize setData", prefix(1100038), MaxBuffer, nil, 0, ErrFrameTooLarge},
		{"configured limit", append(prefix(3), 1, 2, 3), 2, nil, 0, ErrFrameTooLarge},
		{"four-letter word", []byte("ruok"), MaxBuffer, nil, 0, ErrFrameTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			payload, n, err := ParseFrame(tc.buf, tc.max)
			if !errors.Is(err, tc.err) || n != tc.n || !bytes.Equal(payload, tc.payload) || (payload == nil) != (tc.payload == nil) {
				t.Fatalf("ParseFrame = %x, %d, %v; want %x, %d, %v", payload, n, err, tc.payload, tc.n, tc.err)
			}
		})
	}
	if _, err := FrameLength([]byte{1}, MaxBuffer); !errors.Is(err, ErrShortBuffer) {
		t.Errorf("FrameLength of 1 byte: err = %v", err)
	}
}

func TestFourLetterWord(t *testing.T) {
	words := []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro", "mntr",
		"ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs"}
	for _, w := range words {
		got, ok := FourLetterWord([]byte(w + "trailing"))
		if !ok || got != w {
			t.Errorf("FourLetterWord(%q) = %q, %v", w, got, ok)
		}
		if _, err := FrameLength([]byte(w), MaxBuffer); err == nil {
			t.Errorf("%q read as a frame length passes the size check", w)
		}
	}
	connect := EncodeConnectRequest(&ConnectRequest{Passwd: make([]byte, 16)})
	for _, b := range [][]byte{nil, []byte("ruo"), []byte("RUOK"), []byte("kill"), connect} {
		if w, ok := FourLetterWord(b); ok {
			t.Errorf("FourLetterWord(%q) = %q, true", b, w)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{OpCreate.String(), "create"}, {OpGetAllChildrenNumber.String(), "getAllChildrenNumber"},
		{OpCloseSession.String(), "closeSession"}, {OpCode(999).String(), "999"},
		{ErrNoNode.String(), "NONODE"}, {ErrMarshallingError.String(), "MARSHALLINGERROR"},
		{ErrCode(-9999).String(), "-9999"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestNewRequestAndResponseCoverOpcodes checks that every client opcode has a
// request body with the right OpCode and a reply body (or a deliberate nil).
func TestNewRequestAndResponseCoverOpcodes(t *testing.T) {
	for op := range opNames {
		req := NewRequest(op)
		_, hasResp := NewResponse(op)
		switch op {
		case OpNotification, OpCreateSession, OpError, OpDeleteContainer:
			if req != nil || hasResp {
				t.Errorf("%v: not a client request, but NewRequest = %T, NewResponse ok = %v", op, req, hasResp)
			}
			continue
		}
		if req == nil || req.OpCode() != op {
			t.Errorf("NewRequest(%v) = %#v", op, req)
		}
		if !hasResp {
			t.Errorf("NewResponse(%v) unknown", op)
		}
	}
}

// TestDecodeAllocationBounded feeds inputs whose counts claim far more than they hold
// and checks that decoding allocates in proportion to the input, not the claims.
func TestDecodeAllocationBounded(t *testing.T) {
	var e Encoder
	e.Int32(1)
	e.Int32(int32(OpSetWatches2))
	e.Int64(0)
	for range 5 {
		e.Int32(250) // claims 250 strings; only 1000 bytes of empty strings follow
		for range 250 {
			e.UString("")
		}
	}
	payload := e.Bytes()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const rounds = 100
	for range rounds {
		if _, _, err := DecodeRequest(payload); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perDecode := (after.TotalAlloc - before.TotalAlloc) / rounds
	if limit := uint64(16*len(payload) + 1024); perDecode > limit {
		t.Errorf("decoding %d bytes allocated %d bytes, limit %d", len(payload), perDecode, limit)
	}

	huge := requestPayload(1, OpSetData, func(e *Encoder) {
		e.UString("/a")
		e.Int32(0x7fffffff)
	})
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := DecodeRequest(huge); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v", err)
		}
	})
	if allocs > 8 {
		t.Errorf("a 2 GiB buffer claim cost %v allocations", allocs)
	}
}
