package wire

import (
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// Generators produce values in the form decoding gives back: empty vectors are nil
// (the codec does not keep null vectors apart from empty ones), while buffers may be
// nil (null) or empty.

func genBuffer(t *rapid.T, label string) []byte {
	if rapid.IntRange(0, 4).Draw(t, label+"Null") == 0 {
		return nil
	}
	b := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, label)
	if b == nil {
		b = []byte{}
	}
	return b
}

func genString(t *rapid.T, label string) string {
	return rapid.StringN(0, 24, -1).Draw(t, label)
}

func genStrings(t *rapid.T, label string) []string {
	ss := rapid.SliceOfN(rapid.StringN(0, 12, -1), 0, 5).Draw(t, label)
	if len(ss) == 0 {
		return nil
	}
	return ss
}

func genACLs(t *rapid.T) []ACL {
	n := rapid.IntRange(0, 3).Draw(t, "aclLen")
	if n == 0 {
		return nil
	}
	acl := make([]ACL, n)
	for i := range acl {
		acl[i] = ACL{Perms: rapid.Int32().Draw(t, "perms"), ID: Id{Scheme: genString(t, "scheme"), ID: genString(t, "id")}}
	}
	return acl
}

func genStat(t *rapid.T) Stat {
	return Stat{
		Czxid: rapid.Int64().Draw(t, "czxid"), Mzxid: rapid.Int64().Draw(t, "mzxid"),
		Ctime: rapid.Int64().Draw(t, "ctime"), Mtime: rapid.Int64().Draw(t, "mtime"),
		Version: rapid.Int32().Draw(t, "version"), Cversion: rapid.Int32().Draw(t, "cversion"),
		Aversion: rapid.Int32().Draw(t, "aversion"), EphemeralOwner: rapid.Int64().Draw(t, "owner"),
		DataLength: rapid.Int32().Draw(t, "dataLength"), NumChildren: rapid.Int32().Draw(t, "numChildren"),
		Pzxid: rapid.Int64().Draw(t, "pzxid"),
	}
}

var (
	requestOps = []OpCode{OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpExists,
		OpGetData, OpSetData, OpGetACL, OpSetACL, OpGetChildren, OpSync, OpPing, OpGetChildren2,
		OpCheck, OpMulti, OpMultiRead, OpReconfig, OpCheckWatches, OpRemoveWatches, OpAuth,
		OpSetWatches, OpSASL, OpGetEphemerals, OpGetAllChildrenNumber, OpSetWatches2, OpAddWatch,
		OpWhoAmI, OpCloseSession}
	multiSubOps = []OpCode{OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete,
		OpSetData, OpCheck, OpGetData, OpGetChildren}
	multiResultOps = []OpCode{OpCreate, OpCreate2, OpDelete, OpCheck, OpSetData, OpGetData,
		OpGetChildren, OpError}
)

func genRequest(t *rapid.T, op OpCode) Request {
	path := func() string { return genString(t, "path") }
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		r := &CreateRequest{Op: op, Path: path(), Data: genBuffer(t, "data"), ACL: genACLs(t),
			Flags: CreateMode(rapid.Int32().Draw(t, "flags"))}
		if op == OpCreateTTL {
			r.TTL = rapid.Int64().Draw(t, "ttl")
		}
		return r
	case OpDelete:
		return &DeleteRequest{Path: path(), Version: rapid.Int32().Draw(t, "version")}
	case OpCheck:
		return &CheckVersionRequest{Path: path(), Version: rapid.Int32().Draw(t, "version")}
	case OpExists:
		return &ExistsRequest{Path: path(), Watch: rapid.Bool().Draw(t, "watch")}
	case OpGetData:
		return &GetDataRequest{Path: path(), Watch: rapid.Bool().Draw(t, "watch")}
	case OpSetData:
		return &SetDataRequest{Path: path(), Data: genBuffer(t, "data"), Version: rapid.Int32().Draw(t, "version")}
	case OpGetACL:
		return &GetACLRequest{Path: path()}
	case OpSetACL:
		return &SetACLRequest{Path: path(), ACL: genACLs(t), Version: rapid.Int32().Draw(t, "version")}
	case OpGetChildren:
		return &GetChildrenRequest{Path: path(), Watch: rapid.Bool().Draw(t, "watch")}
	case OpGetChildren2:
		return &GetChildren2Request{Path: path(), Watch: rapid.Bool().Draw(t, "watch")}
	case OpSync:
		return &SyncRequest{Path: path()}
	case OpPing:
		return &PingRequest{}
	case OpWhoAmI:
		return &WhoAmIRequest{}
	case OpCloseSession:
		return &CloseSessionRequest{}
	case OpMulti, OpMultiRead:
		r := &MultiRequest{Op: op}
		for range rapid.IntRange(0, 4).Draw(t, "ops") {
			r.Ops = append(r.Ops, genRequest(t, rapid.SampledFrom(multiSubOps).Draw(t, "subOp")))
		}
		return r
	case OpReconfig:
		return &ReconfigRequest{JoiningServers: genBuffer(t, "joining"), LeavingServers: genBuffer(t, "leaving"),
			NewMembers: genBuffer(t, "members"), CurConfigID: rapid.Int64().Draw(t, "configID")}
	case OpCheckWatches:
		return &CheckWatchesRequest{Path: path(), Type: WatcherType(rapid.Int32().Draw(t, "type"))}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{Path: path(), Type: WatcherType(rapid.Int32().Draw(t, "type"))}
	case OpAuth:
		return &AuthRequest{Type: rapid.Int32().Draw(t, "type"), Scheme: genString(t, "scheme"), Auth: genBuffer(t, "auth")}
	case OpSetWatches:
		return &SetWatchesRequest{RelativeZxid: rapid.Int64().Draw(t, "zxid"), DataWatches: genStrings(t, "data"),
			ExistWatches: genStrings(t, "exist"), ChildWatches: genStrings(t, "child")}
	case OpSetWatches2:
		return &SetWatches2Request{RelativeZxid: rapid.Int64().Draw(t, "zxid"), DataWatches: genStrings(t, "data"),
			ExistWatches: genStrings(t, "exist"), ChildWatches: genStrings(t, "child"),
			PersistentWatches: genStrings(t, "persistent"), PersistentRecursiveWatches: genStrings(t, "recursive")}
	case OpSASL:
		return &SASLRequest{Token: genBuffer(t, "token")}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{PrefixPath: path()}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{Path: path()}
	case OpAddWatch:
		return &AddWatchRequest{Path: path(), Mode: AddWatchMode(rapid.Int32().Draw(t, "mode"))}
	}
	t.Fatalf("genRequest: no generator for %v", op)
	return nil
}

// genResponse returns a success reply body for op; nil for ops without one.
func genResponse(t *rapid.T, op OpCode) Response {
	switch op {
	case OpCreate, OpSync:
		return &PathResponse{Path: genString(t, "path")}
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{Path: genString(t, "path"), Stat: genStat(t)}
	case OpExists, OpSetData, OpSetACL:
		return &StatResponse{Stat: genStat(t)}
	case OpGetData, OpReconfig:
		return &GetDataResponse{Data: genBuffer(t, "data"), Stat: genStat(t)}
	case OpGetACL:
		return &GetACLResponse{ACL: genACLs(t), Stat: genStat(t)}
	case OpGetChildren:
		return &GetChildrenResponse{Children: genStrings(t, "children")}
	case OpGetChildren2:
		return &GetChildren2Response{Children: genStrings(t, "children"), Stat: genStat(t)}
	case OpSASL:
		return &SASLResponse{Token: genBuffer(t, "token")}
	case OpGetEphemerals:
		return &GetEphemeralsResponse{Ephemerals: genStrings(t, "ephemerals")}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{TotalNumber: rapid.Int32().Draw(t, "total")}
	case OpAddWatch, OpError:
		return &ErrorResponse{Err: ErrCode(rapid.Int32().Draw(t, "err"))}
	case OpWhoAmI:
		r := &WhoAmIResponse{}
		for range rapid.IntRange(0, 3).Draw(t, "infos") {
			r.ClientInfo = append(r.ClientInfo, ClientInfo{AuthScheme: genString(t, "scheme"), User: genString(t, "user")})
		}
		return r
	case OpMulti, OpMultiRead:
		r := &MultiResponse{}
		for range rapid.IntRange(0, 4).Draw(t, "results") {
			rop := rapid.SampledFrom(multiResultOps).Draw(t, "resultOp")
			r.Results = append(r.Results, MultiResult{Op: rop, Err: ErrCode(rapid.Int32().Draw(t, "err")), Resp: genResponse(t, rop)})
		}
		return r
	}
	return nil
}

func TestRequestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := rapid.SampledFrom(requestOps).Draw(t, "op")
		xid := rapid.Int32().Draw(t, "xid")
		want := genRequest(t, op)
		frame := EncodeRequest(xid, want)
		payload, n, err := ParseFrame(frame, len(frame))
		if err != nil || n != len(frame) {
			t.Fatalf("ParseFrame: %d, %v", n, err)
		}
		hdr, got, err := DecodeRequest(payload)
		if err != nil {
			t.Fatalf("DecodeRequest: %v", err)
		}
		if hdr != (RequestHeader{Xid: xid, Type: op}) {
			t.Fatalf("hdr = %+v, want {%d %v}", hdr, xid, op)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v\nwant    %#v", got, want)
		}
	})
}

func TestReplyRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := rapid.SampledFrom(requestOps).Draw(t, "op")
		hdr := ReplyHeader{Xid: rapid.Int32().Filter(func(x int32) bool { return x != XidNotification }).Draw(t, "xid"),
			Zxid: rapid.Int64().Draw(t, "zxid")}
		want := genResponse(t, op)
		frame := EncodeReply(hdr, want)
		gotHdr, got, err := DecodeReply(frame[4:], op)
		if err != nil {
			t.Fatalf("DecodeReply: %v", err)
		}
		if gotHdr != hdr || !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %+v %#v\nwant    %+v %#v", gotHdr, got, hdr, want)
		}
	})
}

func TestNotificationRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := &WatcherEvent{Type: EventType(rapid.Int32().Draw(t, "type")),
			State: KeeperState(rapid.Int32().Draw(t, "state")), Path: genString(t, "path")}
		zxid := rapid.Int64().Draw(t, "zxid")
		hdr, got, err := DecodeReply(AppendNotification(nil, zxid, want)[4:], OpCode(rapid.Int32().Draw(t, "op")))
		if err != nil || hdr != (ReplyHeader{Xid: XidNotification, Zxid: zxid}) || !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeReply = %+v, %#v, %v", hdr, got, err)
		}
	})
}

func TestConnectRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		hasRO := rapid.Bool().Draw(t, "hasReadOnly")
		req := ConnectRequest{ProtocolVersion: rapid.Int32().Draw(t, "version"), LastZxidSeen: rapid.Int64().Draw(t, "zxid"),
			TimeOut: rapid.Int32().Draw(t, "timeout"), SessionID: rapid.Int64().Draw(t, "session"),
			Passwd: genBuffer(t, "passwd"), HasReadOnly: hasRO, ReadOnly: hasRO && rapid.Bool().Draw(t, "ro")}
		got, err := DecodeConnectRequest(EncodeConnectRequest(&req)[4:])
		if err != nil || !reflect.DeepEqual(got, req) {
			t.Fatalf("request %+v -> %+v, %v", req, got, err)
		}
		resp := ConnectResponse{ProtocolVersion: req.ProtocolVersion, TimeOut: req.TimeOut, SessionID: req.SessionID,
			Passwd: req.Passwd, HasReadOnly: hasRO, ReadOnly: req.ReadOnly}
		gotResp, err := DecodeConnectResponse(EncodeConnectResponse(&resp)[4:])
		if err != nil || !reflect.DeepEqual(gotResp, resp) {
			t.Fatalf("response %+v -> %+v, %v", resp, gotResp, err)
		}
	})
}

// TestTruncationProperty: every strict prefix of a valid request payload fails to
// decode (never a panic, never a bogus success): each request body ends in a
// fixed-size field, a length-prefixed field or the multi terminator.
func TestTruncationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := rapid.SampledFrom(requestOps).Draw(t, "op")
		payload := EncodeRequest(1, genRequest(t, op))[4:]
		cut := rapid.IntRange(0, len(payload)-1).Draw(t, "cut")
		_, req, err := DecodeRequest(payload[:cut])
		if err == nil {
			t.Fatalf("%v cut at %d of %d decoded to %#v", op, cut, len(payload), req)
		}
	})
}
