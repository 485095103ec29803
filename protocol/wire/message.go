package wire

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
)

// ErrBadMultiOp: a multi or multiRead carries a sub-op (or a result) type that may not
// appear there. Java fails such a request with MARSHALLINGERROR.
var ErrBadMultiOp = errors.New("wire: op not allowed in multi")

// UnknownOpcodeError reports a request whose opcode this codec does not decode. A
// server answers it with ErrUnimplemented under the same xid and then closes the
// connection. errors.Is(err, ErrUnknownOpcode) holds for it.
type UnknownOpcodeError struct {
	Op  OpCode
	Xid int32
}

func (e *UnknownOpcodeError) Error() string {
	return "wire: unknown opcode " + strconv.Itoa(int(e.Op)) + " (xid " + strconv.Itoa(int(e.Xid)) + ")"
}

// Is makes errors.Is(err, ErrUnknownOpcode) true.
func (e *UnknownOpcodeError) Is(target error) bool { return target == ErrUnknownOpcode }

// wrapError adds context to a sentinel without fmt, which would pull os into the
// package's dependencies.
type wrapError struct {
	context string
	err     error
}

func (e *wrapError) Error() string {
	msg := e.err.Error()
	if len(msg) > 6 && msg[:6] == "wire: " {
		msg = msg[6:]
	}
	return "wire: " + e.context + ": " + msg
}

func (e *wrapError) Unwrap() error { return e.err }

func wrap(context string, err error) error { return &wrapError{context: context, err: err} }

// NewRequest returns an empty request body for op, or nil if clients may not send op.
// The sub-ops of multi have their own list (see MultiRequest). Server-internal types
// (notification, createSession, error) and deleteContainer, which only the server's
// container sweeper issues, are not client requests. (Java's Request.isValid admits
// createSession and deleteContainer from clients too; letting a client inject internal
// transactions serves no client and is refused here.)
func NewRequest(op OpCode) Request {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		return &CreateRequest{Op: op}
	case OpDelete:
		return &DeleteRequest{}
	case OpExists:
		return &ExistsRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetACL:
		return &GetACLRequest{}
	case OpSetACL:
		return &SetACLRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpSync:
		return &SyncRequest{}
	case OpPing:
		return &PingRequest{}
	case OpGetChildren2:
		return &GetChildren2Request{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpMulti, OpMultiRead:
		return &MultiRequest{Op: op}
	case OpReconfig:
		return &ReconfigRequest{}
	case OpCheckWatches:
		return &CheckWatchesRequest{}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{}
	case OpAuth:
		return &AuthRequest{}
	case OpSetWatches:
		return &SetWatchesRequest{}
	case OpSASL:
		return &SASLRequest{}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}
	case OpSetWatches2:
		return &SetWatches2Request{}
	case OpAddWatch:
		return &AddWatchRequest{}
	case OpWhoAmI:
		return &WhoAmIRequest{}
	case OpCloseSession:
		return &CloseSessionRequest{}
	}
	return nil
}

// NewResponse returns an empty success reply body for a request of type op. It
// returns (nil, true) for requests whose reply has no body and (nil, false) for
// opcodes NewRequest does not know.
func NewResponse(op OpCode) (Response, bool) {
	switch op {
	case OpCreate, OpSync:
		return &PathResponse{}, true
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}, true
	case OpExists, OpSetData, OpSetACL:
		return &StatResponse{}, true
	case OpGetData, OpReconfig:
		return &GetDataResponse{}, true
	case OpGetACL:
		return &GetACLResponse{}, true
	case OpGetChildren:
		return &GetChildrenResponse{}, true
	case OpGetChildren2:
		return &GetChildren2Response{}, true
	case OpMulti, OpMultiRead:
		return &MultiResponse{}, true
	case OpSASL:
		return &SASLResponse{}, true
	case OpGetEphemerals:
		return &GetEphemeralsResponse{}, true
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{}, true
	case OpAddWatch:
		return &ErrorResponse{}, true
	case OpWhoAmI:
		return &WhoAmIResponse{}, true
	case OpDelete, OpPing, OpCheck, OpCheckWatches, OpRemoveWatches, OpAuth,
		OpSetWatches, OpSetWatches2, OpCloseSession:
		return nil, true
	}
	return nil, false
}

// Frames. Every frame is a 4-byte big-endian length and that many payload bytes. The
// Append and Encode functions produce whole frames, length included; the Decode
// functions take a payload, length excluded (see ParseFrame). Decoding ignores bytes
// left over after a record, as Java does: its readers stop at the record's end and
// never look at the rest of the frame.

// frameHint is the room beginFrame makes: most requests and replies fit.
const frameHint = 128

// beginFrame appends a length placeholder and returns its offset.
func beginFrame(e *Encoder) int {
	at := e.Len()
	// Room for a typical frame at once: growing from nothing a few bytes at a time
	// reallocated most frames several times.
	e.buf = slices.Grow(e.buf, frameHint)
	e.Int32(0)
	return at
}

// endFrame writes the payload length into the placeholder at at.
func endFrame(e *Encoder, at int) []byte {
	b := e.Bytes()
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// appendRecordFrame appends r as a frame with no header (the handshake frames).
func appendRecordFrame(dst []byte, r Record) []byte {
	e := Encoder{buf: dst}
	at := beginFrame(&e)
	r.Encode(&e)
	return endFrame(&e, at)
}

// decodeRecord decodes a whole payload into r.
func decodeRecord(payload []byte, r Record, what string) error {
	d := NewDecoder(payload)
	r.Decode(d)
	if err := d.Err(); err != nil {
		return wrap(what, err)
	}
	return nil
}

// AppendConnectRequest appends r as a frame to dst.
func AppendConnectRequest(dst []byte, r *ConnectRequest) []byte { return appendRecordFrame(dst, r) }

// EncodeConnectRequest returns r as a frame.
func EncodeConnectRequest(r *ConnectRequest) []byte { return appendRecordFrame(nil, r) }

// DecodeConnectRequest decodes the payload of a connection's first frame.
func DecodeConnectRequest(payload []byte) (ConnectRequest, error) {
	var r ConnectRequest
	if err := decodeRecord(payload, &r, "connect request"); err != nil {
		return ConnectRequest{}, err
	}
	return r, nil
}

// AppendConnectResponse appends r as a frame to dst.
func AppendConnectResponse(dst []byte, r *ConnectResponse) []byte { return appendRecordFrame(dst, r) }

// EncodeConnectResponse returns r as a frame.
func EncodeConnectResponse(r *ConnectResponse) []byte { return appendRecordFrame(nil, r) }

// DecodeConnectResponse decodes the payload of the server's first frame.
func DecodeConnectResponse(payload []byte) (ConnectResponse, error) {
	var r ConnectResponse
	if err := decodeRecord(payload, &r, "connect response"); err != nil {
		return ConnectResponse{}, err
	}
	return r, nil
}

// AppendRequest appends a request frame (RequestHeader{xid, req.OpCode()} and the
// body) to dst.
func AppendRequest(dst []byte, xid int32, req Request) []byte {
	e := Encoder{buf: dst}
	at := beginFrame(&e)
	h := RequestHeader{Xid: xid, Type: req.OpCode()}
	h.Encode(&e)
	req.Encode(&e)
	return endFrame(&e, at)
}

// EncodeRequest returns a request frame.
func EncodeRequest(xid int32, req Request) []byte { return AppendRequest(nil, xid, req) }

// DecodeRequest decodes the payload of a request frame. Whenever the 8-byte header
// could be read, hdr is valid even if err is not nil, so that a server can answer
// under the right xid:
//   - an opcode NewRequest does not know gives an *UnknownOpcodeError (reply
//     ErrUnimplemented, then close);
//   - a null path gives an error wrapping ErrNullPath (reply ErrMarshallingError and
//     keep the connection, as Java does);
//   - any other malformed body wraps ErrShortBuffer, ErrBadLength, ErrTooLarge,
//     ErrNullString or ErrBadMultiOp (Java also answers ErrMarshallingError).
//
// A payload shorter than the header gives ErrShortBuffer with a zero hdr.
func DecodeRequest(payload []byte) (hdr RequestHeader, req Request, err error) {
	d := NewDecoder(payload)
	hdr.Decode(d)
	if err := d.Err(); err != nil {
		return RequestHeader{}, nil, wrap("request header", err)
	}
	req = NewRequest(hdr.Type)
	if req == nil {
		return hdr, nil, &UnknownOpcodeError{Op: hdr.Type, Xid: hdr.Xid}
	}
	req.Decode(d)
	if err := d.Err(); err != nil {
		return hdr, nil, wrap(hdr.Type.String()+" request (xid "+strconv.Itoa(int(hdr.Xid))+")", err)
	}
	return hdr, req, nil
}

// AppendReply appends a reply frame (hdr and, unless resp is nil, the body) to dst.
// Replies with a non-zero hdr.Err carry no body; pass nil.
func AppendReply(dst []byte, hdr ReplyHeader, resp Response) []byte {
	e := Encoder{buf: dst}
	at := beginFrame(&e)
	hdr.Encode(&e)
	if resp != nil {
		resp.Encode(&e)
	}
	return endFrame(&e, at)
}

// EncodeReply returns a reply frame.
func EncodeReply(hdr ReplyHeader, resp Response) []byte { return AppendReply(nil, hdr, resp) }

// AppendNotification appends a watch notification frame: ReplyHeader{XidNotification,
// zxid, 0} and ev. A 3.8 server sends zxid -1.
func AppendNotification(dst []byte, zxid int64, ev *WatcherEvent) []byte {
	return AppendReply(dst, ReplyHeader{Xid: XidNotification, Zxid: zxid}, ev)
}

// DecodeReplyHeader decodes just the header of a reply payload, so that a client can
// look up which request (and so which op) the xid answers.
func DecodeReplyHeader(payload []byte) (ReplyHeader, error) {
	var h ReplyHeader
	if err := decodeRecord(payload, &h, "reply header"); err != nil {
		return ReplyHeader{}, err
	}
	return h, nil
}

// DecodeReply decodes a reply payload. Replies carry no opcode, so op is the type of
// the request the xid answers; it is ignored for notifications (xid -1), whose body
// is always a *WatcherEvent. resp is nil when hdr.Err is not ErrOK (error replies are
// header-only, whatever the op) and for ops whose reply has no body. A successful
// reply to an op NewResponse does not know gives an *UnknownOpcodeError. hdr is valid whenever the header could be read.
func DecodeReply(payload []byte, op OpCode) (hdr ReplyHeader, resp Response, err error) {
	d := NewDecoder(payload)
	hdr.Decode(d)
	if err := d.Err(); err != nil {
		return ReplyHeader{}, nil, wrap("reply header", err)
	}
	if hdr.Xid == XidNotification {
		ev := &WatcherEvent{}
		ev.Decode(d)
		if err := d.Err(); err != nil {
			return hdr, nil, wrap("notification", err)
		}
		return hdr, ev, nil
	}
	if hdr.Err != ErrOK {
		return hdr, nil, nil
	}
	resp, ok := NewResponse(op)
	if !ok {
		return hdr, nil, &UnknownOpcodeError{Op: op, Xid: hdr.Xid}
	}
	if resp == nil {
		return hdr, nil, nil
	}
	resp.Decode(d)
	if err := d.Err(); err != nil {
		return hdr, nil, wrap(op.String()+" reply (xid "+strconv.Itoa(int(hdr.Xid))+")", err)
	}
	return hdr, resp, nil
}

// ErrFrameTooLarge: a frame length prefix exceeds the configured maximum. A server
// closes the connection without a reply.
var ErrFrameTooLarge = errors.New("wire: frame too large")

// FrameLength reads a 4-byte length prefix and checks it: negative lengths give
// ErrBadLength and lengths above maxLen (MaxBuffer unless configured) give
// ErrFrameTooLarge. On a new server connection, check FourLetterWord first: every
// four-letter word read as a length is far above any sane maximum.
func FrameLength(prefix []byte, maxLen int) (int, error) {
	if len(prefix) < 4 {
		return 0, ErrShortBuffer
	}
	n := int32(binary.BigEndian.Uint32(prefix))
	switch {
	case n < 0:
		return 0, wrap("frame length "+strconv.Itoa(int(n)), ErrBadLength)
	case int64(n) > int64(maxLen):
		return 0, wrap("length "+strconv.Itoa(int(n))+" > "+strconv.Itoa(maxLen), ErrFrameTooLarge)
	}
	return int(n), nil
}

// ParseFrame looks for one whole frame at the start of buf. It returns the payload
// (aliasing buf) and the number of bytes the frame takes, length prefix included.
// n == 0 with a nil error means buf holds only part of a frame: read more and retry.
func ParseFrame(buf []byte, maxLen int) (payload []byte, n int, err error) {
	if len(buf) < 4 {
		return nil, 0, nil
	}
	size, err := FrameLength(buf, maxLen)
	if err != nil {
		return nil, 0, err
	}
	if len(buf)-4 < size {
		return nil, 0, nil
	}
	return buf[4 : 4+size], 4 + size, nil
}

// fourLetterWords are the commands a 3.8 server recognises in place of a
// ConnectRequest (FourLetterCommands.java).
var fourLetterWords = [...]string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro", "mntr",
	"ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs",
}

// FourLetterWord reports whether the first four bytes of a new connection are a
// four-letter-word command and returns it. The client sends nothing else, except
// stmk, which is followed by an 8-byte trace mask.
func FourLetterWord(b []byte) (string, bool) {
	if len(b) < 4 {
		return "", false
	}
	for _, w := range fourLetterWords {
		if string(b[:4]) == w {
			return w, true
		}
	}
	return "", false
}
