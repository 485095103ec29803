package wire

// Record is a jute record: its fields back to back, with no tag or length of its own.
// Decode reads into the receiver and leaves any error in the Decoder.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Request is the body of a client request. OpCode is the value sent in the
// RequestHeader (and in a MultiHeader for the sub-ops of multi and multiRead).
type Request interface {
	Record
	OpCode() OpCode
}

// Response is the body of a server reply. Replies with no body (delete, ping,
// setWatches, closeSession, any reply with a non-zero error code, ...) use a nil
// Response.
type Response interface {
	Record
}

// Minimum encoded sizes, used to bound vector counts by the remaining input.
const (
	minUStringSize = 4
	minACLSize     = 4 + 2*minUStringSize
)

// Encode writes s as 68 bytes.
func (s *Stat) Encode(e *Encoder) {
	e.Int64(s.Czxid)
	e.Int64(s.Mzxid)
	e.Int64(s.Ctime)
	e.Int64(s.Mtime)
	e.Int32(s.Version)
	e.Int32(s.Cversion)
	e.Int32(s.Aversion)
	e.Int64(s.EphemeralOwner)
	e.Int32(s.DataLength)
	e.Int32(s.NumChildren)
	e.Int64(s.Pzxid)
}

// Decode reads a Stat.
func (s *Stat) Decode(d *Decoder) {
	s.Czxid = d.Int64()
	s.Mzxid = d.Int64()
	s.Ctime = d.Int64()
	s.Mtime = d.Int64()
	s.Version = d.Int32()
	s.Cversion = d.Int32()
	s.Aversion = d.Int32()
	s.EphemeralOwner = d.Int64()
	s.DataLength = d.Int32()
	s.NumChildren = d.Int32()
	s.Pzxid = d.Int64()
}

// Encode writes id.
func (id *Id) Encode(e *Encoder) {
	e.UString(id.Scheme)
	e.UString(id.ID)
}

// Decode reads an Id.
func (id *Id) Decode(d *Decoder) {
	id.Scheme = d.UString()
	id.ID = d.UString()
}

// Encode writes a.
func (a *ACL) Encode(e *Encoder) {
	e.Int32(a.Perms)
	a.ID.Encode(e)
}

// Decode reads an ACL.
func (a *ACL) Decode(d *Decoder) {
	a.Perms = d.Int32()
	a.ID.Decode(d)
}

// Vectors. Encoding writes the element count (0 for a nil slice, never the null
// vector); decoding turns both the null vector (-1) and the empty vector into a nil
// slice. No 3.8 client or server gives a null vector a meaning of its own.

// EncodeACLs appends a vector<ACL>.
func EncodeACLs(e *Encoder, acl []ACL) {
	e.VectorLen(len(acl))
	for i := range acl {
		acl[i].Encode(e)
	}
}

// DecodeACLs reads a vector<ACL>; null and empty both give nil.
func DecodeACLs(d *Decoder) []ACL {
	n := d.VectorLen(minACLSize)
	if n <= 0 {
		return nil
	}
	acl := make([]ACL, n)
	for i := range acl {
		acl[i].Decode(d)
	}
	if d.Err() != nil {
		return nil
	}
	return acl
}

// EncodeStrings appends a vector<ustring>.
func EncodeStrings(e *Encoder, ss []string) {
	e.VectorLen(len(ss))
	for _, s := range ss {
		e.UString(s)
	}
}

// DecodeStrings reads a vector<ustring>; null and empty both give nil, and a null
// element records ErrNullString.
func DecodeStrings(d *Decoder) []string {
	n := d.VectorLen(minUStringSize)
	if n <= 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.UString()
	}
	if d.Err() != nil {
		return nil
	}
	return ss
}

// decodePath reads a request path; a null path records ErrNullPath.
func decodePath(d *Decoder) string {
	s, ok := d.NullableUString()
	if !ok {
		d.Fail(ErrNullPath)
	}
	return s
}

// Headers.

// RequestHeader precedes every client frame after the ConnectRequest.
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// Encode writes h (8 bytes).
func (h *RequestHeader) Encode(e *Encoder) {
	e.Int32(h.Xid)
	e.Int32(int32(h.Type))
}

// Decode reads a RequestHeader.
func (h *RequestHeader) Decode(d *Decoder) {
	h.Xid = d.Int32()
	h.Type = OpCode(d.Int32())
}

// ReplyHeader precedes every server frame after the ConnectResponse.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  ErrCode
}

// Encode writes h (16 bytes).
func (h *ReplyHeader) Encode(e *Encoder) {
	e.Int32(h.Xid)
	e.Int64(h.Zxid)
	e.Int32(int32(h.Err))
}

// Decode reads a ReplyHeader.
func (h *ReplyHeader) Decode(d *Decoder) {
	h.Xid = d.Int32()
	h.Zxid = d.Int64()
	h.Err = ErrCode(d.Int32())
}

// MultiHeader precedes each sub-op and each result of multi and multiRead. A header
// with Done set ends the list; requests send {-1, true, -1} there.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  ErrCode
}

// Encode writes h (9 bytes).
func (h *MultiHeader) Encode(e *Encoder) {
	e.Int32(int32(h.Type))
	e.Bool(h.Done)
	e.Int32(int32(h.Err))
}

// Decode reads a MultiHeader.
func (h *MultiHeader) Decode(d *Decoder) {
	h.Type = OpCode(d.Int32())
	h.Done = d.Bool()
	h.Err = ErrCode(d.Int32())
}

// multiEnd terminates the op and result lists of multi.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: ErrCode(-1)}

// Session handshake.

// ConnectRequest is the first frame a client sends, with no RequestHeader.
// HasReadOnly records whether the trailing readOnly byte was present (kazoo and the
// Java client send it, go-zookeeper/zk does not); the ConnectResponse must carry the
// byte exactly when the request did.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode writes r, with the readOnly byte only if HasReadOnly.
func (r *ConnectRequest) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int64(r.LastZxidSeen)
	e.Int32(r.TimeOut)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode reads a ConnectRequest. Like Java, it takes the readOnly byte if at least one
// byte follows the password.
func (r *ConnectRequest) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.LastZxidSeen = d.Int64()
	r.TimeOut = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.HasReadOnly = d.Err() == nil && d.Remaining() > 0
	r.ReadOnly = r.HasReadOnly && d.Bool()
}

// ConnectResponse answers a ConnectRequest. It has no zxid. HasReadOnly must equal
// the request's.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode writes r, with the readOnly byte only if HasReadOnly.
func (r *ConnectResponse) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int32(r.TimeOut)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode reads a ConnectResponse, taking the readOnly byte if one is present.
func (r *ConnectResponse) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.TimeOut = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.HasReadOnly = d.Err() == nil && d.Remaining() > 0
	r.ReadOnly = r.HasReadOnly && d.Bool()
}

// Requests.

// CreateRequest is the body of create (1), create2 (15), createContainer (19) and
// createTTL (21); Op says which, and a zero Op means create. TTL is on the wire only
// for createTTL (CreateTTLRequest).
type CreateRequest struct {
	Op    OpCode
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64
}

// OpCode returns r.Op, or OpCreate if it is zero.
func (r *CreateRequest) OpCode() OpCode {
	if r.Op == 0 {
		return OpCreate
	}
	return r.Op
}

// Encode writes r.
func (r *CreateRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int32(int32(r.Flags))
	if r.OpCode() == OpCreateTTL {
		e.Int64(r.TTL)
	}
}

// Decode reads the fields of r.OpCode(); set Op first.
func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Flags = CreateMode(d.Int32())
	r.TTL = 0
	if r.OpCode() == OpCreateTTL {
		r.TTL = d.Int64()
	}
}

// DeleteRequest is the body of delete (2). Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

// OpCode returns OpDelete.
func (*DeleteRequest) OpCode() OpCode { return OpDelete }

// Encode writes r.
func (r *DeleteRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Int32(r.Version)
}

// Decode reads r.
func (r *DeleteRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Version = d.Int32()
}

// CheckVersionRequest is the body of check (13), a sub-op of multi.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

// OpCode returns OpCheck.
func (*CheckVersionRequest) OpCode() OpCode { return OpCheck }

// Encode writes r.
func (r *CheckVersionRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Int32(r.Version)
}

// Decode reads r.
func (r *CheckVersionRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Version = d.Int32()
}

// ExistsRequest is the body of exists (3).
type ExistsRequest struct {
	Path  string
	Watch bool
}

// OpCode returns OpExists.
func (*ExistsRequest) OpCode() OpCode { return OpExists }

// Encode writes r.
func (r *ExistsRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Bool(r.Watch)
}

// Decode reads r.
func (r *ExistsRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Watch = d.Bool()
}

// GetDataRequest is the body of getData (4).
type GetDataRequest struct {
	Path  string
	Watch bool
}

// OpCode returns OpGetData.
func (*GetDataRequest) OpCode() OpCode { return OpGetData }

// Encode writes r.
func (r *GetDataRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Bool(r.Watch)
}

// Decode reads r.
func (r *GetDataRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Watch = d.Bool()
}

// SetDataRequest is the body of setData (5). A nil Data is the null buffer.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// OpCode returns OpSetData.
func (*SetDataRequest) OpCode() OpCode { return OpSetData }

// Encode writes r.
func (r *SetDataRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Buffer(r.Data)
	e.Int32(r.Version)
}

// Decode reads r.
func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Data = d.Buffer()
	r.Version = d.Int32()
}

// GetACLRequest is the body of getACL (6).
type GetACLRequest struct {
	Path string
}

// OpCode returns OpGetACL.
func (*GetACLRequest) OpCode() OpCode { return OpGetACL }

// Encode writes r.
func (r *GetACLRequest) Encode(e *Encoder) { e.UString(r.Path) }

// Decode reads r.
func (r *GetACLRequest) Decode(d *Decoder) { r.Path = decodePath(d) }

// SetACLRequest is the body of setACL (7). Version is the expected aversion.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// OpCode returns OpSetACL.
func (*SetACLRequest) OpCode() OpCode { return OpSetACL }

// Encode writes r.
func (r *SetACLRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	EncodeACLs(e, r.ACL)
	e.Int32(r.Version)
}

// Decode reads r.
func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.ACL = DecodeACLs(d)
	r.Version = d.Int32()
}

// GetChildrenRequest is the body of getChildren (8); the reply has no Stat.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// OpCode returns OpGetChildren.
func (*GetChildrenRequest) OpCode() OpCode { return OpGetChildren }

// Encode writes r.
func (r *GetChildrenRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Bool(r.Watch)
}

// Decode reads r.
func (r *GetChildrenRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Watch = d.Bool()
}

// GetChildren2Request is the body of getChildren2 (12); the reply carries a Stat.
type GetChildren2Request struct {
	Path  string
	Watch bool
}

// OpCode returns OpGetChildren2.
func (*GetChildren2Request) OpCode() OpCode { return OpGetChildren2 }

// Encode writes r.
func (r *GetChildren2Request) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Bool(r.Watch)
}

// Decode reads r.
func (r *GetChildren2Request) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Watch = d.Bool()
}

// SyncRequest is the body of sync (9).
type SyncRequest struct {
	Path string
}

// OpCode returns OpSync.
func (*SyncRequest) OpCode() OpCode { return OpSync }

// Encode writes r.
func (r *SyncRequest) Encode(e *Encoder) { e.UString(r.Path) }

// Decode reads r.
func (r *SyncRequest) Decode(d *Decoder) { r.Path = decodePath(d) }

// PingRequest is ping (11), sent with XidPing and no body.
type PingRequest struct{}

// OpCode returns OpPing.
func (*PingRequest) OpCode() OpCode { return OpPing }

// Encode writes nothing.
func (*PingRequest) Encode(*Encoder) {}

// Decode reads nothing.
func (*PingRequest) Decode(*Decoder) {}

// CloseSessionRequest is closeSession (-11), with no body.
type CloseSessionRequest struct{}

// OpCode returns OpCloseSession.
func (*CloseSessionRequest) OpCode() OpCode { return OpCloseSession }

// Encode writes nothing.
func (*CloseSessionRequest) Encode(*Encoder) {}

// Decode reads nothing.
func (*CloseSessionRequest) Decode(*Decoder) {}

// WhoAmIRequest is whoAmI (107), with no body.
type WhoAmIRequest struct{}

// OpCode returns OpWhoAmI.
func (*WhoAmIRequest) OpCode() OpCode { return OpWhoAmI }

// Encode writes nothing.
func (*WhoAmIRequest) Encode(*Encoder) {}

// Decode reads nothing.
func (*WhoAmIRequest) Decode(*Decoder) {}

// MultiRequest is the body of multi (14) or multiRead (22); Op says which, and a zero
// Op means multi. Each sub-op goes out as a MultiHeader{op, false, -1} and its body;
// the list ends with {-1, true, -1}. Decoding accepts create, create2,
// createContainer, createTTL, delete, setData, check, getData and getChildren in
// either kind, as Java's MultiOperationRecord does; rejecting a mix is the server's
// job. Any other sub-op type records ErrBadMultiOp.
type MultiRequest struct {
	Op  OpCode
	Ops []Request
}

// OpCode returns r.Op, or OpMulti if it is zero.
func (r *MultiRequest) OpCode() OpCode {
	if r.Op == 0 {
		return OpMulti
	}
	return r.Op
}

// Encode writes r.
func (r *MultiRequest) Encode(e *Encoder) {
	for _, op := range r.Ops {
		h := MultiHeader{Type: op.OpCode(), Err: ErrCode(-1)}
		h.Encode(e)
		op.Encode(e)
	}
	end := multiEnd
	end.Encode(e)
}

// Decode reads r's sub-ops up to the terminating header.
func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = nil
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		op := multiSubRequest(h.Type)
		if op == nil {
			d.Fail(ErrBadMultiOp)
			return
		}
		op.Decode(d)
		r.Ops = append(r.Ops, op)
	}
}

// multiSubRequest returns an empty body for a sub-op type Java's
// MultiOperationRecord accepts, or nil.
func multiSubRequest(op OpCode) Request {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpSetData, OpCheck,
		OpGetData, OpGetChildren:
		return NewRequest(op)
	}
	return nil
}

// ReconfigRequest is the body of reconfig (16). The three server lists are ustrings
// that clients may send as null; a nil slice is null, so that requests re-encode
// byte for byte (go-zookeeper/zk sends nil lists as null).
type ReconfigRequest struct {
	JoiningServers []byte
	LeavingServers []byte
	NewMembers     []byte
	CurConfigID    int64
}

// OpCode returns OpReconfig.
func (*ReconfigRequest) OpCode() OpCode { return OpReconfig }

// Encode writes r.
func (r *ReconfigRequest) Encode(e *Encoder) {
	e.Buffer(r.JoiningServers)
	e.Buffer(r.LeavingServers)
	e.Buffer(r.NewMembers)
	e.Int64(r.CurConfigID)
}

// Decode reads r.
func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.Buffer()
	r.LeavingServers = d.Buffer()
	r.NewMembers = d.Buffer()
	r.CurConfigID = d.Int64()
}

// CheckWatchesRequest is the body of checkWatches (17).
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

// OpCode returns OpCheckWatches.
func (*CheckWatchesRequest) OpCode() OpCode { return OpCheckWatches }

// Encode writes r.
func (r *CheckWatchesRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Int32(int32(r.Type))
}

// Decode reads r.
func (r *CheckWatchesRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Type = WatcherType(d.Int32())
}

// RemoveWatchesRequest is the body of removeWatches (18).
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

// OpCode returns OpRemoveWatches.
func (*RemoveWatchesRequest) OpCode() OpCode { return OpRemoveWatches }

// Encode writes r.
func (r *RemoveWatchesRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Int32(int32(r.Type))
}

// Decode reads r.
func (r *RemoveWatchesRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Type = WatcherType(d.Int32())
}

// AuthRequest is the AuthPacket of auth (100). Type is always 0; Auth is the
// scheme-specific credential (for digest, "user:password").
type AuthRequest struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// OpCode returns OpAuth.
func (*AuthRequest) OpCode() OpCode { return OpAuth }

// Encode writes r.
func (r *AuthRequest) Encode(e *Encoder) {
	e.Int32(r.Type)
	e.UString(r.Scheme)
	e.Buffer(r.Auth)
}

// Decode reads r.
func (r *AuthRequest) Decode(d *Decoder) {
	r.Type = d.Int32()
	r.Scheme = d.UString()
	r.Auth = d.Buffer()
}

// SetWatchesRequest is the body of setWatches (101), re-arming watches after a
// reconnect.
type SetWatchesRequest struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

// OpCode returns OpSetWatches.
func (*SetWatchesRequest) OpCode() OpCode { return OpSetWatches }

// Encode writes r.
func (r *SetWatchesRequest) Encode(e *Encoder) {
	e.Int64(r.RelativeZxid)
	EncodeStrings(e, r.DataWatches)
	EncodeStrings(e, r.ExistWatches)
	EncodeStrings(e, r.ChildWatches)
}

// Decode reads r.
func (r *SetWatchesRequest) Decode(d *Decoder) {
	r.RelativeZxid = d.Int64()
	r.DataWatches = DecodeStrings(d)
	r.ExistWatches = DecodeStrings(d)
	r.ChildWatches = DecodeStrings(d)
}

// SetWatches2Request is the body of setWatches2 (105): setWatches plus persistent
// and persistent-recursive watches.
type SetWatches2Request struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

// OpCode returns OpSetWatches2.
func (*SetWatches2Request) OpCode() OpCode { return OpSetWatches2 }

// Encode writes r.
func (r *SetWatches2Request) Encode(e *Encoder) {
	e.Int64(r.RelativeZxid)
	EncodeStrings(e, r.DataWatches)
	EncodeStrings(e, r.ExistWatches)
	EncodeStrings(e, r.ChildWatches)
	EncodeStrings(e, r.PersistentWatches)
	EncodeStrings(e, r.PersistentRecursiveWatches)
}

// Decode reads r.
func (r *SetWatches2Request) Decode(d *Decoder) {
	r.RelativeZxid = d.Int64()
	r.DataWatches = DecodeStrings(d)
	r.ExistWatches = DecodeStrings(d)
	r.ChildWatches = DecodeStrings(d)
	r.PersistentWatches = DecodeStrings(d)
	r.PersistentRecursiveWatches = DecodeStrings(d)
}

// SASLRequest is the body of sasl (102).
type SASLRequest struct {
	Token []byte
}

// OpCode returns OpSASL.
func (*SASLRequest) OpCode() OpCode { return OpSASL }

// Encode writes r.
func (r *SASLRequest) Encode(e *Encoder) { e.Buffer(r.Token) }

// Decode reads r.
func (r *SASLRequest) Decode(d *Decoder) { r.Token = d.Buffer() }

// GetEphemeralsRequest is the body of getEphemerals (103). The match is a plain string
// prefix match on paths, not a subtree match.
type GetEphemeralsRequest struct {
	PrefixPath string
}

// OpCode returns OpGetEphemerals.
func (*GetEphemeralsRequest) OpCode() OpCode { return OpGetEphemerals }

// Encode writes r.
func (r *GetEphemeralsRequest) Encode(e *Encoder) { e.UString(r.PrefixPath) }

// Decode reads r.
func (r *GetEphemeralsRequest) Decode(d *Decoder) { r.PrefixPath = decodePath(d) }

// GetAllChildrenNumberRequest is the body of getAllChildrenNumber (104).
type GetAllChildrenNumberRequest struct {
	Path string
}

// OpCode returns OpGetAllChildrenNumber.
func (*GetAllChildrenNumberRequest) OpCode() OpCode { return OpGetAllChildrenNumber }

// Encode writes r.
func (r *GetAllChildrenNumberRequest) Encode(e *Encoder) { e.UString(r.Path) }

// Decode reads r.
func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) { r.Path = decodePath(d) }

// AddWatchRequest is the body of addWatch (106).
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

// OpCode returns OpAddWatch.
func (*AddWatchRequest) OpCode() OpCode { return OpAddWatch }

// Encode writes r.
func (r *AddWatchRequest) Encode(e *Encoder) {
	e.UString(r.Path)
	e.Int32(int32(r.Mode))
}

// Decode reads r.
func (r *AddWatchRequest) Decode(d *Decoder) {
	r.Path = decodePath(d)
	r.Mode = AddWatchMode(d.Int32())
}

// Responses.

// PathResponse is the reply body of create (1) and sync (9), and the result body of a
// create sub-op in multi.
type PathResponse struct {
	Path string
}

// Encode writes r.
func (r *PathResponse) Encode(e *Encoder) { e.UString(r.Path) }

// Decode reads r.
func (r *PathResponse) Decode(d *Decoder) { r.Path = d.UString() }

// Create2Response is the reply body of create2, createContainer and createTTL, and the
// result body of create2 in multi.
type Create2Response struct {
	Path string
	Stat Stat
}

// Encode writes r.
func (r *Create2Response) Encode(e *Encoder) {
	e.UString(r.Path)
	r.Stat.Encode(e)
}

// Decode reads r.
func (r *Create2Response) Decode(d *Decoder) {
	r.Path = d.UString()
	r.Stat.Decode(d)
}

// StatResponse is the reply body of exists (3), setData (5) and setACL (7), and the
// result body of setData in multi.
type StatResponse struct {
	Stat Stat
}

// Encode writes r.
func (r *StatResponse) Encode(e *Encoder) { r.Stat.Encode(e) }

// Decode reads r.
func (r *StatResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetDataResponse is the reply body of getData (4) and reconfig (16). A nil Data is
// the null buffer.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// Encode writes r.
func (r *GetDataResponse) Encode(e *Encoder) {
	e.Buffer(r.Data)
	r.Stat.Encode(e)
}

// Decode reads r.
func (r *GetDataResponse) Decode(d *Decoder) {
	r.Data = d.Buffer()
	r.Stat.Decode(d)
}

// GetACLResponse is the reply body of getACL (6).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Encode writes r.
func (r *GetACLResponse) Encode(e *Encoder) {
	EncodeACLs(e, r.ACL)
	r.Stat.Encode(e)
}

// Decode reads r.
func (r *GetACLResponse) Decode(d *Decoder) {
	r.ACL = DecodeACLs(d)
	r.Stat.Decode(d)
}

// GetChildrenResponse is the reply body of getChildren (8): child names, not paths.
type GetChildrenResponse struct {
	Children []string
}

// Encode writes r.
func (r *GetChildrenResponse) Encode(e *Encoder) { EncodeStrings(e, r.Children) }

// Decode reads r.
func (r *GetChildrenResponse) Decode(d *Decoder) { r.Children = DecodeStrings(d) }

// GetChildren2Response is the reply body of getChildren2 (12).
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// Encode writes r.
func (r *GetChildren2Response) Encode(e *Encoder) {
	EncodeStrings(e, r.Children)
	r.Stat.Encode(e)
}

// Decode reads r.
func (r *GetChildren2Response) Decode(d *Decoder) {
	r.Children = DecodeStrings(d)
	r.Stat.Decode(d)
}

// ErrorResponse is the reply body of addWatch (always 0) and the result body of a
// failed or skipped sub-op in multi.
type ErrorResponse struct {
	Err ErrCode
}

// Encode writes r.
func (r *ErrorResponse) Encode(e *Encoder) { e.Int32(int32(r.Err)) }

// Decode reads r.
func (r *ErrorResponse) Decode(d *Decoder) { r.Err = ErrCode(d.Int32()) }

// SASLResponse is the reply body of sasl (102).
type SASLResponse struct {
	Token []byte
}

// Encode writes r.
func (r *SASLResponse) Encode(e *Encoder) { e.Buffer(r.Token) }

// Decode reads r.
func (r *SASLResponse) Decode(d *Decoder) { r.Token = d.Buffer() }

// GetEphemeralsResponse is the reply body of getEphemerals (103): full paths.
type GetEphemeralsResponse struct {
	Ephemerals []string
}

// Encode writes r.
func (r *GetEphemeralsResponse) Encode(e *Encoder) { EncodeStrings(e, r.Ephemerals) }

// Decode reads r.
func (r *GetEphemeralsResponse) Decode(d *Decoder) { r.Ephemerals = DecodeStrings(d) }

// GetAllChildrenNumberResponse is the reply body of getAllChildrenNumber (104): the
// number of descendants, the node itself excluded.
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

// Encode writes r.
func (r *GetAllChildrenNumberResponse) Encode(e *Encoder) { e.Int32(r.TotalNumber) }

// Decode reads r.
func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) { r.TotalNumber = d.Int32() }

// ClientInfo is one authenticated identity in a WhoAmIResponse.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// WhoAmIResponse is the reply body of whoAmI (107).
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// Encode writes r.
func (r *WhoAmIResponse) Encode(e *Encoder) {
	e.VectorLen(len(r.ClientInfo))
	for _, ci := range r.ClientInfo {
		e.UString(ci.AuthScheme)
		e.UString(ci.User)
	}
}

// Decode reads r.
func (r *WhoAmIResponse) Decode(d *Decoder) {
	r.ClientInfo = nil
	n := d.VectorLen(2 * minUStringSize)
	if n <= 0 {
		return
	}
	infos := make([]ClientInfo, n)
	for i := range infos {
		infos[i].AuthScheme = d.UString()
		infos[i].User = d.UString()
	}
	if d.Err() == nil {
		r.ClientInfo = infos
	}
}

// MultiResult is one result of multi or multiRead. Op is the result type (the sub-op's
// type, create2 for createTTL and createContainer sub-ops, or OpError), Err the code
// in its MultiHeader, and Resp its body: nil for delete and check, *ErrorResponse
// for OpError.
type MultiResult struct {
	Op   OpCode
	Err  ErrCode
	Resp Response
}

// MultiErrorResult is the result of a sub-op that failed with code (ErrOK for the
// sub-ops before the failing one, ErrRuntimeInconsistency for those after it).
func MultiErrorResult(code ErrCode) MultiResult {
	return MultiResult{Op: OpError, Err: code, Resp: &ErrorResponse{Err: code}}
}

// MultiResponse is the reply body of multi (14) and multiRead (22). Its ReplyHeader
// err is 0 even when a sub-op failed; the failure is in the results.
type MultiResponse struct {
	Results []MultiResult
}

// Encode writes r.
func (r *MultiResponse) Encode(e *Encoder) {
	for _, res := range r.Results {
		h := MultiHeader{Type: res.Op, Err: res.Err}
		h.Encode(e)
		if res.Resp != nil {
			res.Resp.Encode(e)
		}
	}
	end := multiEnd
	end.Encode(e)
}

// Decode reads r's results up to the terminating header. A result type Java's
// MultiResponse does not know records ErrBadMultiOp.
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = nil
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		resp, ok := multiResultBody(h.Type)
		if !ok {
			d.Fail(ErrBadMultiOp)
			return
		}
		if resp != nil {
			resp.Decode(d)
		}
		r.Results = append(r.Results, MultiResult{Op: h.Type, Err: h.Err, Resp: resp})
	}
}

func multiResultBody(op OpCode) (Response, bool) {
	switch op {
	case OpCreate:
		return &PathResponse{}, true
	case OpCreate2:
		return &Create2Response{}, true
	case OpDelete, OpCheck:
		return nil, true
	case OpSetData:
		return &StatResponse{}, true
	case OpGetChildren:
		return &GetChildrenResponse{}, true
	case OpGetData:
		return &GetDataResponse{}, true
	case OpError:
		return &ErrorResponse{}, true
	}
	return nil, false
}

// WatcherEvent is the body of a notification (xid -1). Path is the absolute server
// path; State is StateSyncConnected for every event a server sends.
type WatcherEvent struct {
	Type  EventType
	State KeeperState
	Path  string
}

// Encode writes ev.
func (ev *WatcherEvent) Encode(e *Encoder) {
	e.Int32(int32(ev.Type))
	e.Int32(int32(ev.State))
	e.UString(ev.Path)
}

// Decode reads ev.
func (ev *WatcherEvent) Decode(d *Decoder) {
	ev.Type = EventType(d.Int32())
	ev.State = KeeperState(d.Int32())
	ev.Path = d.UString()
}
