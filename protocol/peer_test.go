package protocol

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zksim/zksim/protocol/session"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
)

// testHost drives a standalone Peer the way a real host does, keeping its durable
// files in memory and each connection's received frames.
type testHost struct {
	t      *testing.T
	p      *Peer
	files  storage.MemFiles
	frames map[ConnID][][]byte
	closed map[ConnID]bool
	logged []storage.Record
}

func newTestHost(t *testing.T, cfg Config) *testHost {
	t.Helper()
	p, err := NewStandalone(cfg, storage.RecoveredState{}, 1_000_000)
	require.NoError(t, err)
	h := &testHost{t: t, p: p, files: storage.MemFiles{}, frames: map[ConnID][][]byte{}, closed: map[ConnID]bool{}}
	h.drive()
	return h
}

func (h *testHost) drive() {
	for h.p.HasReady() {
		rd := h.p.Ready()
		h.logged = append(h.logged, rd.Records...)
		for _, o := range rd.Out {
			if o.Frame != nil {
				payload, _, err := wire.ParseFrame(o.Frame, wire.MaxBuffer)
				require.NoError(h.t, err)
				h.frames[o.Conn] = append(h.frames[o.Conn], payload)
			}
			if o.Close {
				h.closed[o.Conn] = true
			}
		}
		h.p.Advance()
	}
}

func (h *testHost) connect(c ConnID) int64 {
	h.p.Connect(c, "127.0.0.1")
	h.p.Receive(c, framePayload(wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})))
	h.drive()
	resp, err := wire.DecodeConnectResponse(h.take(c))
	require.NoError(h.t, err)
	require.NotZero(h.t, resp.SessionID)
	return resp.SessionID
}

func (h *testHost) send(c ConnID, xid int32, req wire.Request) {
	h.p.Receive(c, framePayload(wire.EncodeRequest(xid, req)))
	h.drive()
}

func (h *testHost) take(c ConnID) []byte {
	h.t.Helper()
	require.NotEmpty(h.t, h.frames[c], "no frame for conn %d", c)
	f := h.frames[c][0]
	h.frames[c] = h.frames[c][1:]
	return f
}

func (h *testHost) reply(c ConnID, op wire.OpCode) (wire.ReplyHeader, wire.Response) {
	h.t.Helper()
	hdr, resp, err := wire.DecodeReply(h.take(c), op)
	require.NoError(h.t, err)
	return hdr, resp
}

func framePayload(frame []byte) []byte { return frame[4:] }

func TestStandaloneCreateGetWatchMulti(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)

	h.send(1, 1, &wire.CreateRequest{Op: wire.OpCreate, Path: "/a", Data: []byte("x"), ACL: openACL()})
	hdr, resp := h.reply(1, wire.OpCreate)
	require.Equal(t, wire.ErrOK, hdr.Err)
	require.Equal(t, "/a", resp.(*wire.PathResponse).Path)

	// conn 2 watches /a; conn 1 changes it: conn 2 gets NodeDataChanged.
	h.send(2, 1, &wire.GetDataRequest{Path: "/a", Watch: true})
	_, resp = h.reply(2, wire.OpGetData)
	require.Equal(t, "x", string(resp.(*wire.GetDataResponse).Data))

	h.send(1, 2, &wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: 0})
	hdr, _ = h.reply(1, wire.OpSetData)
	require.Equal(t, wire.ErrOK, hdr.Err)
	hdr, resp = h.reply(2, wire.OpNotification)
	require.Equal(t, wire.XidNotification, hdr.Xid)
	require.Equal(t, wire.EventNodeDataChanged, resp.(*wire.WatcherEvent).Type)

	// A stale version fails and changes nothing.
	h.send(1, 3, &wire.SetDataRequest{Path: "/a", Data: []byte("z"), Version: 0})
	hdr, _ = h.reply(1, wire.OpSetData)
	require.Equal(t, wire.ErrBadVersion, hdr.Err)

	// A failing multi is all-or-nothing.
	h.send(1, 4, &wire.MultiRequest{Op: wire.OpMulti, Ops: []wire.Request{
		&wire.CreateRequest{Op: wire.OpCreate, Path: "/a/b", ACL: openACL()},
		&wire.CheckVersionRequest{Path: "/a", Version: 42},
	}})
	hdr, resp = h.reply(1, wire.OpMulti)
	require.Equal(t, wire.ErrOK, hdr.Err)
	res := resp.(*wire.MultiResponse).Results
	require.Len(t, res, 2)
	require.Equal(t, wire.ErrOK, res[0].Err)
	require.Equal(t, wire.ErrBadVersion, res[1].Err)
	h.send(1, 5, &wire.ExistsRequest{Path: "/a/b"})
	hdr, _ = h.reply(1, wire.OpExists)
	require.Equal(t, wire.ErrNoNode, hdr.Err)
}

func TestStandaloneEphemeralsGoWithTheSession(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)
	h.send(1, 1, &wire.CreateRequest{Op: wire.OpCreate, Path: "/e", Flags: wire.ModeEphemeral, ACL: openACL()})
	hdr, _ := h.reply(1, wire.OpCreate)
	require.Equal(t, wire.ErrOK, hdr.Err)
	h.send(2, 1, &wire.ExistsRequest{Path: "/e", Watch: true})
	hdr, _ = h.reply(2, wire.OpExists)
	require.Equal(t, wire.ErrOK, hdr.Err)

	h.send(1, 2, &wire.CloseSessionRequest{})
	hdr, _ = h.reply(1, wire.OpCloseSession)
	require.Equal(t, wire.ErrOK, hdr.Err)
	require.True(t, h.closed[1])
	hdr, resp := h.reply(2, wire.OpNotification)
	require.Equal(t, wire.XidNotification, hdr.Xid)
	require.Equal(t, wire.EventNodeDeleted, resp.(*wire.WatcherEvent).Type)
}

func TestStandaloneSessionExpiresOnTicks(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	sid := h.connect(1)
	h.send(1, 1, &wire.CreateRequest{Op: wire.OpCreate, Path: "/e", Flags: wire.ModeEphemeral, ACL: openACL()})
	h.reply(1, wire.OpCreate)
	h.p.Disconnect(1)
	h.p.Tick(1_000_000 + 10_000)
	h.drive()
	require.Equal(t, 1, h.p.Status().Sessions, "a 30 s session is alive after 10 s")
	h.p.Tick(1_000_000 + 40_000)
	h.drive()
	require.Equal(t, 0, h.p.Status().Sessions)
	require.Equal(t, 0, h.p.Status().Ephemerals)

	// Reconnecting with the expired session gets the expired answer and a close.
	h.p.Connect(3, "127.0.0.1")
	pw := [16]byte{}
	h.p.Receive(3, framePayload(wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, SessionID: sid, Passwd: pw[:]})))
	h.drive()
	resp, err := wire.DecodeConnectResponse(h.take(3))
	require.NoError(t, err)
	require.Zero(t, resp.SessionID)
	require.True(t, h.closed[3])
}

func TestStandaloneRecoversFromItsLog(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	for i, path := range []string{"/x", "/y", "/z"} {
		h.send(1, int32(i+1), &wire.CreateRequest{Op: wire.OpCreate, Path: path, Data: []byte(path), ACL: openACL()})
		h.reply(1, wire.OpCreate)
	}
	digest, zxid := h.p.Digest()
	p2, err := NewStandalone(Config{TickTime: 2000}, storage.RecoveredState{HasSnapshot: false, Records: h.logged}, 2_000_000)
	require.NoError(t, err)
	d2, z2 := p2.Digest()
	require.Equal(t, zxid, z2)
	require.Equal(t, digest, d2)
}

func TestStandaloneBadInput(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	// Unknown opcode: UNIMPLEMENTED, then close.
	h.p.Receive(1, []byte{0, 0, 0, 7, 0, 0, 3, 0xe7})
	h.drive()
	hdr, _ := h.reply(1, wire.OpPing)
	require.Equal(t, wire.ErrUnimplemented, hdr.Err)
	require.True(t, h.closed[1])

	// A garbage connect request closes without a reply.
	h.p.Connect(2, "127.0.0.1")
	h.p.Receive(2, []byte{1, 2, 3})
	h.drive()
	require.True(t, h.closed[2])
	require.Empty(t, h.frames[2])

	_, err := NewStandalone(Config{TickTime: -1}, storage.RecoveredState{}, 0)
	require.ErrorIs(t, err, ErrConfig)
	_, err = NewStandalone(Config{MinSessionTimeout: 10, MaxSessionTimeout: 5}, storage.RecoveredState{}, 0)
	require.ErrorIs(t, err, ErrConfig)
}

func openACL() []wire.ACL {
	return []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: "world", ID: "anyone"}}}
}

// raw hands the Peer one payload without driving it.
func (h *testHost) raw(c ConnID, payload []byte) { h.p.Receive(c, payload) }

// rawRequest is a request frame's payload: the header and body as given.
func rawRequest(xid int32, op wire.OpCode, body ...[]byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(xid))
	out = binary.BigEndian.AppendUint32(out, uint32(op))
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

func be32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func jstr(s string) []byte { return append(be32(int32(len(s))), s...) }

func truncated(xid int32, req wire.Request, cut int) []byte {
	payload := wire.EncodeRequest(xid, req)[4:]
	return payload[:len(payload)-cut]
}

func TestMalformedRequests(t *testing.T) {
	const (
		replyKeepOpen  = iota // header-only error reply, the connection stays usable
		replyThenClose        // error reply, then the server closes
		closeSilently         // closed without a reply
	)
	tests := []struct {
		name    string
		payload []byte
		want    wire.ErrCode
		outcome int
		newZxid bool // the failure is an error transaction: it takes a zxid
	}{
		{name: "payload shorter than a header", payload: []byte{0, 0, 0, 1}, outcome: closeSilently},
		{name: "unknown opcode", payload: rawRequest(7, 999), want: wire.ErrUnimplemented, outcome: replyThenClose},
		{name: "create with a null path", payload: rawRequest(7, wire.OpCreate, be32(-1), be32(0), be32(0), be32(0)),
			want: wire.ErrMarshallingError, newZxid: true},
		{name: "setData with a null path", payload: rawRequest(7, wire.OpSetData, be32(-1), be32(0), be32(-1)),
			want: wire.ErrMarshallingError, newZxid: true},
		{name: "getData with a null path", payload: rawRequest(7, wire.OpGetData, be32(-1), []byte{0}),
			want: wire.ErrMarshallingError},
		{name: "sync with a null path", payload: rawRequest(7, wire.OpSync, be32(-1)), want: wire.ErrMarshallingError},
		{name: "truncated create", payload: truncated(7, &wire.CreateRequest{Path: "/n", Data: []byte("d"), ACL: openACL()}, 3),
			want: wire.ErrMarshallingError},
		{name: "truncated setData", payload: truncated(7, &wire.SetDataRequest{Path: "/a", Data: []byte("d"), Version: -1}, 2),
			want: wire.ErrMarshallingError},
		{name: "truncated getChildren2", payload: truncated(7, &wire.GetChildren2Request{Path: "/a"}, 1),
			want: wire.ErrMarshallingError},
		{name: "truncated setWatches", payload: truncated(7, &wire.SetWatchesRequest{DataWatches: []string{"/a"}}, 5),
			want: wire.ErrMarshallingError},
		{name: "data length below -1", payload: rawRequest(7, wire.OpSetData, jstr("/a"), be32(-7), be32(-1)),
			want: wire.ErrMarshallingError},
		{name: "truncated auth", payload: truncated(7, &wire.AuthRequest{Scheme: "digest", Auth: []byte("u:p")}, 2),
			outcome: closeSilently},
		{name: "multi with an unknown sub-op", payload: rawRequest(7, wire.OpMulti, be32(999), []byte{0}, be32(-1), jstr("/a")),
			want: wire.ErrMarshallingError, newZxid: true},
		{name: "multi holding a read", payload: wire.EncodeRequest(7, &wire.MultiRequest{Op: wire.OpMulti,
			Ops: []wire.Request{&wire.GetDataRequest{Path: "/a"}}})[4:], want: wire.ErrMarshallingError, newZxid: true},
		{name: "multiRead holding a write", payload: wire.EncodeRequest(7, &wire.MultiRequest{Op: wire.OpMultiRead,
			Ops: []wire.Request{&wire.SetDataRequest{Path: "/a", Version: -1}}})[4:], want: wire.ErrMarshallingError},
		{name: "path without a slash", payload: wire.EncodeRequest(7, &wire.CreateRequest{Path: "noslash", ACL: openACL()})[4:],
			want: wire.ErrBadArguments, newZxid: true},
		{name: "trailing slash", payload: wire.EncodeRequest(7, &wire.CreateRequest{Path: "/a/", ACL: openACL()})[4:],
			want: wire.ErrBadArguments, newZxid: true},
		{name: "empty ACL", payload: wire.EncodeRequest(7, &wire.CreateRequest{Path: "/n"})[4:],
			want: wire.ErrInvalidACL, newZxid: true},
		{name: "ttl on a persistent node", payload: wire.EncodeRequest(7, &wire.CreateRequest{Op: wire.OpCreateTTL,
			Path: "/n", ACL: openACL(), TTL: 1000})[4:], want: wire.ErrBadArguments, newZxid: true},
		{name: "top-level check", payload: wire.EncodeRequest(7, &wire.CheckVersionRequest{Path: "/a", Version: 0})[4:],
			want: wire.ErrUnimplemented},
		{name: "exists with a NUL in the path", payload: wire.EncodeRequest(7, &wire.ExistsRequest{Path: "/a\x00b"})[4:],
			want: wire.ErrBadArguments},
		{name: "delete /zookeeper", payload: wire.EncodeRequest(7, &wire.DeleteRequest{Path: "/zookeeper", Version: -1})[4:],
			want: wire.ErrBadArguments, newZxid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHost(t, Config{TickTime: 2000, ExtendedTypes: true})
			h.connect(1)
			h.send(1, 1, &wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: openACL()})
			h.reply(1, wire.OpCreate)
			digest, zxid := h.p.Digest()

			h.raw(1, tt.payload)
			h.drive()

			d2, z2 := h.p.Digest()
			require.Equal(t, digest, d2, "a malformed request changed the tree")
			if tt.newZxid {
				require.Equal(t, zxid+1, z2, "the failure is an error transaction")
			} else {
				require.Equal(t, zxid, z2)
			}
			switch tt.outcome {
			case closeSilently:
				require.True(t, h.closed[1])
				require.Empty(t, h.frames[1])
				return
			case replyThenClose:
				require.True(t, h.closed[1])
			default:
				require.False(t, h.closed[1])
			}
			hdr, err := wire.DecodeReplyHeader(h.take(1))
			require.NoError(t, err)
			require.Equal(t, int32(7), hdr.Xid)
			require.Equal(t, tt.want, hdr.Err)
			require.Empty(t, h.frames[1], "error replies are header-only and alone")
			if tt.outcome == replyKeepOpen {
				h.send(1, 8, &wire.GetDataRequest{Path: "/a"})
				hdr, resp := h.reply(1, wire.OpGetData)
				require.Equal(t, wire.ErrOK, hdr.Err, "the connection still serves requests")
				require.Equal(t, "x", string(resp.(*wire.GetDataResponse).Data))
			}
		})
	}
}

func TestMalformedConnectRequests(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{name: "garbage", payload: []byte{1, 2, 3}},
		{name: "client has seen a newer zxid", payload: wire.EncodeConnectRequest(&wire.ConnectRequest{
			LastZxidSeen: 1 << 40, TimeOut: 30000, Passwd: make([]byte, 16)})[4:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHost(t, Config{TickTime: 2000})
			digest, _ := h.p.Digest()
			h.p.Connect(1, "127.0.0.1")
			h.raw(1, tt.payload)
			h.drive()
			require.True(t, h.closed[1])
			require.Empty(t, h.frames[1])
			require.Zero(t, h.p.Status().Sessions)
			d2, _ := h.p.Digest()
			require.Equal(t, digest, d2)
		})
	}
}

// replyIndex is the position of conn's reply with xid in out, or -1.
func replyIndex(t *testing.T, out []Output, c ConnID, xid int32) int {
	t.Helper()
	for i, o := range out {
		if o.Conn != c || o.Frame == nil {
			continue
		}
		hdr, err := wire.DecodeReplyHeader(o.Frame[4:])
		require.NoError(t, err)
		if hdr.Xid == xid {
			return i
		}
	}
	return -1
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)
	h.send(2, 1, &wire.CreateRequest{Path: "/other", Data: []byte("o"), ACL: openACL()})
	h.reply(2, wire.OpCreate)

	const n = 10
	xid := int32(0)
	for i := range n {
		path := fmt.Sprintf("/n%d", i)
		h.raw(1, wire.EncodeRequest(xid+1, &wire.CreateRequest{Path: path, Data: []byte{byte('a' + i)}, ACL: openACL()})[4:])
		h.raw(1, wire.EncodeRequest(xid+2, &wire.GetDataRequest{Path: path})[4:])
		h.raw(1, wire.EncodeRequest(xid+3, &wire.SetDataRequest{Path: path, Data: []byte("z"), Version: 0})[4:])
		xid += 3
	}
	// Another session's read does not wait for this session's writes.
	h.raw(2, wire.EncodeRequest(2, &wire.GetDataRequest{Path: "/other"})[4:])

	rd := h.p.Ready()
	require.Len(t, rd.Records, 2*n, "every write is proposed at once")
	require.True(t, rd.MustSync)
	require.Equal(t, -1, replyIndex(t, rd.Out, 1, 2), "a read behind a write waits for it")
	for _, o := range rd.Out {
		require.NotEqual(t, ConnID(1), o.Conn, "nothing on conn 1 is answered before its first write is durable")
	}
	require.NotEqual(t, -1, replyIndex(t, rd.Out, 2, 2))
	h.p.Advance()
	h.drive()

	require.Len(t, h.frames[1], 3*n)
	for i := range 3 * n {
		op := []wire.OpCode{wire.OpCreate, wire.OpGetData, wire.OpSetData}[i%3]
		hdr, resp := h.reply(1, op)
		require.Equal(t, int32(i+1), hdr.Xid, "replies come in request order")
		require.Equal(t, wire.ErrOK, hdr.Err)
		if op == wire.OpGetData {
			got := resp.(*wire.GetDataResponse)
			require.Equal(t, []byte{byte('a' + i/3)}, got.Data, "the read sees the create before it")
			require.Zero(t, got.Stat.Version, "and not the setData after it")
		}
	}
}

func TestNotificationPrecedesReplyRevealingNewData(t *testing.T) {
	// When conn 2's read is sent relative to conn 1's write.
	for _, when := range []string{"before the write is logged", "while it is being logged", "after it is applied"} {
		t.Run(when, func(t *testing.T) {
			h := newTestHost(t, Config{TickTime: 2000})
			h.connect(1)
			h.connect(2)
			h.send(1, 1, &wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: openACL()})
			h.reply(1, wire.OpCreate)
			h.send(2, 1, &wire.GetDataRequest{Path: "/a", Watch: true})
			h.reply(2, wire.OpGetData)

			read := func() { h.raw(2, wire.EncodeRequest(2, &wire.GetDataRequest{Path: "/a"})[4:]) }
			h.raw(1, wire.EncodeRequest(2, &wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1})[4:])
			var out []Output
			switch when {
			case "before the write is logged":
				read()
				rd := h.p.Ready()
				out = append(out, rd.Out...)
				h.p.Advance()
			case "while it is being logged":
				rd := h.p.Ready()
				out = append(out, rd.Out...)
				read()
				h.p.Advance()
			default:
				rd := h.p.Ready()
				out = append(out, rd.Out...)
				h.p.Advance()
				read()
			}
			for h.p.HasReady() {
				rd := h.p.Ready()
				out = append(out, rd.Out...)
				h.p.Advance()
			}
			notified := false
			sawReply := false
			for _, o := range out {
				if o.Conn != 2 {
					continue
				}
				hdr, err := wire.DecodeReplyHeader(o.Frame[4:])
				require.NoError(t, err)
				if hdr.Xid == wire.XidNotification {
					notified = true
					continue
				}
				_, resp, err := wire.DecodeReply(o.Frame[4:], wire.OpGetData)
				require.NoError(t, err)
				sawReply = true
				if string(resp.(*wire.GetDataResponse).Data) == "y" {
					require.True(t, notified, "the reply shows the new data before the notification")
				}
			}
			require.True(t, notified)
			require.True(t, sawReply)
		})
	}
}

func TestSyncWaitsForEarlierProposals(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)

	// Nothing outstanding: answered without waiting for any log write.
	h.raw(2, wire.EncodeRequest(1, &wire.SyncRequest{Path: "/"})[4:])
	rd := h.p.Ready()
	require.Empty(t, rd.Records)
	require.NotEqual(t, -1, replyIndex(t, rd.Out, 2, 1))
	h.p.Advance()

	h.raw(1, wire.EncodeRequest(1, &wire.CreateRequest{Path: "/x", Data: []byte("1"), ACL: openACL()})[4:])
	h.raw(2, wire.EncodeRequest(2, &wire.SyncRequest{Path: "/x"})[4:])
	h.raw(2, wire.EncodeRequest(3, &wire.GetDataRequest{Path: "/x"})[4:])
	rd = h.p.Ready()
	require.Len(t, rd.Records, 1)
	require.Equal(t, -1, replyIndex(t, rd.Out, 2, 2), "sync answered before the earlier write was applied")
	require.Equal(t, -1, replyIndex(t, rd.Out, 2, 3))
	createZxid := rd.Records[0].Zxid
	h.p.Advance()
	rd = h.p.Ready()
	h.p.Advance()
	iCreate, iSync, iRead := replyIndex(t, rd.Out, 1, 1), replyIndex(t, rd.Out, 2, 2), replyIndex(t, rd.Out, 2, 3)
	require.NotEqual(t, -1, iCreate)
	require.Less(t, iSync, iRead)
	hdr, resp, err := wire.DecodeReply(rd.Out[iSync].Frame[4:], wire.OpSync)
	require.NoError(t, err)
	require.Equal(t, "/x", resp.(*wire.PathResponse).Path)
	require.GreaterOrEqual(t, hdr.Zxid, createZxid)
	_, resp, err = wire.DecodeReply(rd.Out[iRead].Frame[4:], wire.OpGetData)
	require.NoError(t, err)
	require.Equal(t, "1", string(resp.(*wire.GetDataResponse).Data), "a read after sync sees the write")
}

func TestACLEnforcedForEveryOp(t *testing.T) {
	tests := []struct {
		op   wire.Request
		perm int32 // withheld on /n
		// unchecked marks an op ZooKeeper 3.8 answers without any ACL check, even
		// with perm withheld.
		unchecked bool
	}{
		{op: &wire.CreateRequest{Path: "/n/d", ACL: openACL()}, perm: wire.PermCreate},
		{op: &wire.CreateRequest{Op: wire.OpCreate2, Path: "/n/d", ACL: openACL()}, perm: wire.PermCreate},
		{op: &wire.CreateRequest{Op: wire.OpCreateContainer, Path: "/n/d", ACL: openACL(), Flags: wire.ModeContainer}, perm: wire.PermCreate},
		{op: &wire.CreateRequest{Op: wire.OpCreateTTL, Path: "/n/d", ACL: openACL(), Flags: wire.ModePersistentWithTTL, TTL: 100}, perm: wire.PermCreate},
		{op: &wire.DeleteRequest{Path: "/n/c", Version: -1}, perm: wire.PermDelete},
		{op: &wire.SetDataRequest{Path: "/n", Data: []byte("w"), Version: -1}, perm: wire.PermWrite},
		{op: &wire.SetACLRequest{Path: "/n", ACL: openACL(), Version: -1}, perm: wire.PermAdmin},
		{op: &wire.GetDataRequest{Path: "/n"}, perm: wire.PermRead},
		{op: &wire.ExistsRequest{Path: "/n"}, perm: wire.PermAll, unchecked: true},
		{op: &wire.ExistsRequest{Path: "/n", Watch: true}, perm: wire.PermAll, unchecked: true},
		{op: &wire.GetChildrenRequest{Path: "/n"}, perm: wire.PermRead},
		{op: &wire.GetChildren2Request{Path: "/n"}, perm: wire.PermRead},
		{op: &wire.GetAllChildrenNumberRequest{Path: "/n"}, perm: wire.PermRead},
		{op: &wire.GetACLRequest{Path: "/n"}, perm: wire.PermRead | wire.PermAdmin},
		{op: &wire.MultiRequest{Op: wire.OpMulti, Ops: []wire.Request{&wire.CheckVersionRequest{Path: "/n", Version: -1}}}, perm: wire.PermRead},
		{op: &wire.MultiRequest{Op: wire.OpMulti, Ops: []wire.Request{&wire.SetDataRequest{Path: "/n", Version: -1}}}, perm: wire.PermWrite},
		{op: &wire.MultiRequest{Op: wire.OpMultiRead, Ops: []wire.Request{&wire.GetDataRequest{Path: "/n"}}}, perm: wire.PermRead},
		{op: &wire.MultiRequest{Op: wire.OpMultiRead, Ops: []wire.Request{&wire.GetChildrenRequest{Path: "/n"}}}, perm: wire.PermRead},
	}
	for _, tt := range tests {
		op := tt.op.OpCode()
		name := fmt.Sprintf("%s %T", wire.OpCode(op), tt.op)
		if m, ok := tt.op.(*wire.MultiRequest); ok {
			name = fmt.Sprintf("%s of %T", m.Op, m.Ops[0])
		}
		for _, withheld := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s withheld=%v", name, withheld), func(t *testing.T) {
				h := newTestHost(t, Config{TickTime: 2000, ExtendedTypes: true})
				h.connect(1)
				h.send(1, 1, &wire.CreateRequest{Path: "/n", Data: []byte("d"), ACL: openACL()})
				h.reply(1, wire.OpCreate)
				h.send(1, 2, &wire.CreateRequest{Path: "/n/c", ACL: openACL()})
				h.reply(1, wire.OpCreate)
				perms := wire.PermAll
				if withheld {
					perms &^= tt.perm
				}
				h.send(1, 3, &wire.SetACLRequest{Path: "/n", ACL: []wire.ACL{{Perms: perms, ID: wire.Id{Scheme: "world", ID: "anyone"}}}, Version: -1})
				hdr, _ := h.reply(1, wire.OpSetACL)
				require.Equal(t, wire.ErrOK, hdr.Err)
				digest, _ := h.p.Digest()

				h.send(1, 4, tt.op)
				hdr, resp := h.reply(1, tt.op.OpCode())
				code := hdr.Err
				if m, ok := resp.(*wire.MultiResponse); ok && code == wire.ErrOK {
					require.Len(t, m.Results, 1)
					code = m.Results[0].Err
				}
				if !withheld {
					require.NotEqual(t, wire.ErrNoAuth, code)
					return
				}
				if tt.unchecked {
					require.Equal(t, wire.ErrOK, code)
					require.Equal(t, int32(1), resp.(*wire.StatResponse).Stat.NumChildren)
					return
				}
				require.Equal(t, wire.ErrNoAuth, code)
				d2, _ := h.p.Digest()
				require.Equal(t, digest, d2, "a refused request changed the tree")
			})
		}
	}
}

func TestSessionMovesToAnotherConnection(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	sid := h.connect(1)
	h.send(1, 1, &wire.CreateRequest{Path: "/e", Flags: wire.ModeEphemeral, ACL: openACL()})
	h.reply(1, wire.OpCreate)

	// A wrong password is refused and leaves the owner alone.
	h.p.Connect(2, "127.0.0.1")
	h.raw(2, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, SessionID: sid, Passwd: make([]byte, 16)})[4:])
	h.drive()
	resp, err := wire.DecodeConnectResponse(h.take(2))
	require.NoError(t, err)
	require.Zero(t, resp.SessionID)
	require.True(t, h.closed[2])
	require.False(t, h.closed[1])

	pw := session.Password(session.ID(sid))
	h.p.Connect(3, "127.0.0.1")
	h.raw(3, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, SessionID: sid, Passwd: pw[:]})[4:])
	h.drive()
	resp, err = wire.DecodeConnectResponse(h.take(3))
	require.NoError(t, err)
	require.Equal(t, sid, resp.SessionID)
	require.Equal(t, pw[:], resp.Passwd)
	require.True(t, h.closed[1], "the session's old connection is closed")
	require.False(t, h.closed[3])

	// The old connection is gone; the session and its ephemeral live on the new one.
	h.send(1, 2, &wire.ExistsRequest{Path: "/e"})
	require.Empty(t, h.frames[1])
	h.send(3, 2, &wire.ExistsRequest{Path: "/e"})
	hdr, body := h.reply(3, wire.OpExists)
	require.Equal(t, wire.ErrOK, hdr.Err)
	require.Equal(t, sid, body.(*wire.StatResponse).Stat.EphemeralOwner)
	require.Equal(t, 1, h.p.Status().Sessions)
	require.Len(t, h.p.Status().Connections, 1)
}

func TestContainersSweptOnTick(t *testing.T) {
	const start = 1_000_000
	h := newTestHost(t, Config{TickTime: 2000, ContainerCheckInterval: 1000})
	h.connect(1)
	for i, req := range []wire.Request{
		&wire.CreateRequest{Op: wire.OpCreateContainer, Path: "/used", Flags: wire.ModeContainer, ACL: openACL()},
		&wire.CreateRequest{Path: "/used/kid", ACL: openACL()},
		&wire.DeleteRequest{Path: "/used/kid", Version: -1},
		&wire.CreateRequest{Op: wire.OpCreateContainer, Path: "/never", Flags: wire.ModeContainer, ACL: openACL()},
		&wire.CreateRequest{Op: wire.OpCreateContainer, Path: "/full", Flags: wire.ModeContainer, ACL: openACL()},
		&wire.CreateRequest{Path: "/full/kid", ACL: openACL()},
	} {
		h.send(1, int32(i+1), req)
		hdr, _ := h.reply(1, req.OpCode())
		require.Equal(t, wire.ErrOK, hdr.Err)
	}
	h.send(1, 10, &wire.ExistsRequest{Path: "/used", Watch: true})
	h.reply(1, wire.OpExists)

	h.p.Tick(start + 500)
	h.drive()
	require.Empty(t, h.frames[1], "no sweep before the check interval")

	h.p.Tick(start + 1000)
	h.drive()
	hdr, ev := h.reply(1, wire.OpNotification)
	require.Equal(t, wire.XidNotification, hdr.Xid)
	require.Equal(t, &wire.WatcherEvent{Type: wire.EventNodeDeleted, State: wire.StateSyncConnected, Path: "/used"}, ev)
	for path, want := range map[string]wire.ErrCode{"/used": wire.ErrNoNode, "/never": wire.ErrOK, "/full": wire.ErrOK} {
		h.send(1, 11, &wire.ExistsRequest{Path: path})
		hdr, _ := h.reply(1, wire.OpExists)
		require.Equal(t, want, hdr.Err, path)
	}
}

func TestTTLNodesExpireOnTick(t *testing.T) {
	const start = 1_000_000
	h := newTestHost(t, Config{TickTime: 2000, ExtendedTypes: true, ContainerCheckInterval: 1000})
	h.connect(1)
	for i, req := range []wire.Request{
		&wire.CreateRequest{Op: wire.OpCreateTTL, Path: "/t", Flags: wire.ModePersistentWithTTL, TTL: 5000, ACL: openACL()},
		&wire.CreateRequest{Op: wire.OpCreateTTL, Path: "/parent", Flags: wire.ModePersistentWithTTL, TTL: 5000, ACL: openACL()},
		&wire.CreateRequest{Path: "/parent/kid", ACL: openACL()},
		&wire.CreateRequest{Op: wire.OpCreateTTL, Path: "/long", Flags: wire.ModePersistentWithTTL, TTL: 60000, ACL: openACL()},
	} {
		h.send(1, int32(i+1), req)
		hdr, _ := h.reply(1, req.OpCode())
		require.Equal(t, wire.ErrOK, hdr.Err)
	}
	exists := func(path string) bool {
		h.send(1, 9, &wire.ExistsRequest{Path: path})
		hdr, _ := h.reply(1, wire.OpExists)
		return hdr.Err == wire.ErrOK
	}
	for now := int64(start + 1000); now <= start+5000; now += 1000 {
		h.p.Tick(now)
		h.drive()
		require.True(t, exists("/t"), "expired early at +%d ms", now-start)
	}
	h.p.Tick(start + 6000)
	h.drive()
	require.False(t, exists("/t"), "a TTL node outlives its ttl")
	require.True(t, exists("/parent"), "a TTL node with children stays")
	require.True(t, exists("/long"))
}

// benchHost is the cheapest host: records are "durable" as soon as they are handed
// over and frames are dropped after counting.
type benchHost struct {
	p       *Peer
	records int
	frames  int
}

func (h *benchHost) drive() {
	for h.p.HasReady() {
		rd := h.p.Ready()
		h.records += len(rd.Records)
		h.frames += len(rd.Out)
		h.p.Advance()
	}
}

func newBenchHost(b *testing.B) *benchHost {
	p, err := NewStandalone(Config{TickTime: 2000}, storage.RecoveredState{}, 1_000_000)
	if err != nil {
		b.Fatal(err)
	}
	h := &benchHost{p: p}
	h.drive()
	p.Connect(1, "127.0.0.1")
	p.Receive(1, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})[4:])
	h.drive()
	p.Receive(1, wire.EncodeRequest(1, &wire.CreateRequest{Path: "/bench", Data: []byte("0123456789"), ACL: openACL()})[4:])
	h.drive()
	return h
}

// BenchmarkPeerThroughput measures requests through Receive, Ready and Advance, one
// at a time (depth 1) or with 64 in flight on the connection.
func BenchmarkPeerThroughput(b *testing.B) {
	payload := []byte("0123456789")
	ops := map[string]func(i int) []byte{
		"create": func(i int) []byte {
			return wire.EncodeRequest(int32(i), &wire.CreateRequest{Path: fmt.Sprintf("/bench/n%d", i), Data: payload, ACL: openACL()})[4:]
		},
		"setData": func(i int) []byte {
			return wire.EncodeRequest(int32(i), &wire.SetDataRequest{Path: "/bench", Data: payload, Version: -1})[4:]
		},
		"getData": func(i int) []byte {
			return wire.EncodeRequest(int32(i), &wire.GetDataRequest{Path: "/bench"})[4:]
		},
	}
	for _, name := range []string{"create", "setData", "getData"} {
		for _, depth := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/depth=%d", name, depth), func(b *testing.B) {
				h := newBenchHost(b)
				encode := ops[name]
				// Pre-encode so the benchmark measures the Peer, not the encoder;
				// creates need distinct paths, so they cycle through a large set.
				reqs := make([][]byte, 4096)
				for i := range reqs {
					reqs[i] = encode(i + 2)
				}
				next := 0
				b.ReportAllocs()
				for b.Loop() {
					for range depth {
						req := reqs[next%len(reqs)]
						if name == "create" {
							req = encode(next + 2)
						}
						h.p.Receive(1, req)
						next++
					}
					h.drive()
				}
				b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}

func TestAuthSkipsThePipelineButNotEarlierChecks(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)
	h.send(2, 1, &wire.AuthRequest{Scheme: "digest", Auth: []byte("user:password")})
	h.reply(2, wire.OpAuth)
	h.send(2, 2, &wire.CreateRequest{Path: "/s", Data: []byte("secret"), ACL: []wire.ACL{
		{Perms: wire.PermAll, ID: wire.Id{Scheme: "digest", ID: "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="}}}})
	hdr, _ := h.reply(2, wire.OpCreate)
	require.Equal(t, wire.ErrOK, hdr.Err)

	// A write, a read queued behind it, then auth: the auth reply overtakes both (as
	// in ZooKeeper, which answers auth outside the pipeline), but the read is checked
	// with the identities it arrived with.
	h.raw(1, wire.EncodeRequest(1, &wire.CreateRequest{Path: "/x", ACL: openACL()})[4:])
	h.raw(1, wire.EncodeRequest(2, &wire.GetDataRequest{Path: "/s"})[4:])
	h.raw(1, wire.EncodeRequest(3, &wire.AuthRequest{Scheme: "digest", Auth: []byte("user:password")})[4:])
	h.raw(1, wire.EncodeRequest(4, &wire.GetDataRequest{Path: "/s"})[4:])
	h.drive()
	for _, want := range []struct {
		xid  int32
		op   wire.OpCode
		code wire.ErrCode
	}{{3, wire.OpAuth, wire.ErrOK}, {1, wire.OpCreate, wire.ErrOK}, {2, wire.OpGetData, wire.ErrNoAuth}, {4, wire.OpGetData, wire.ErrOK}} {
		hdr, _ := h.reply(1, want.op)
		require.Equal(t, want.xid, hdr.Xid)
		require.Equal(t, want.code, hdr.Err, "xid %d", want.xid)
		if want.op == wire.OpAuth {
			require.Zero(t, hdr.Zxid, "auth replies carry zxid 0")
		}
	}
}

func TestSilentSessionExpiresWhileConnected(t *testing.T) {
	const start = 1_000_000
	h := newTestHost(t, Config{TickTime: 2000})
	h.p.Connect(1, "127.0.0.1")
	h.raw(1, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 1000, Passwd: make([]byte, 16)})[4:])
	h.drive()
	resp, err := wire.DecodeConnectResponse(h.take(1))
	require.NoError(t, err)
	require.Equal(t, int32(4000), resp.TimeOut, "raised to 2 ticks")
	h.send(1, 1, &wire.CreateRequest{Path: "/e", Flags: wire.ModeEphemeral, ACL: openACL()})
	h.reply(1, wire.OpCreate)

	// Pings keep it alive well past its timeout.
	now := int64(start)
	for range 20 {
		now += 1000
		h.p.Tick(now)
		h.send(1, wire.XidPing, &wire.PingRequest{})
		hdr, _ := h.reply(1, wire.OpPing)
		require.Equal(t, wire.XidPing, hdr.Xid)
	}
	require.False(t, h.closed[1])
	require.Equal(t, 1, h.p.Status().Ephemerals)

	// Silence: the session expires within timeout plus one tick, and the server
	// closes its connection.
	for h.p.Status().Sessions > 0 {
		now += 100
		require.LessOrEqual(t, now, int64(start+20_000+4000+2000), "session outlived its timeout")
		h.p.Tick(now)
		h.drive()
	}
	require.Greater(t, now, int64(start+20_000+4000), "session expired before its timeout")
	require.True(t, h.closed[1])
	require.Zero(t, h.p.Status().Ephemerals)
}

func TestJavaHashSetOrder(t *testing.T) {
	eph := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, fmt.Sprintf("/get_ephemerals/e%d", n))
		}
		return out
	}
	tests := []struct {
		name    string
		in      []string
		setSize int
		want    []string
	}{
		// "/x/a".hashCode() = 1517051; spread keeps bucket 12 of 16; b and c follow it.
		{name: "buckets of a 16-slot table", in: []string{"/x/a", "/x/b", "/x/c"}, setSize: 3,
			want: []string{"/x/c", "/x/b", "/x/a"}},
		{name: "captured getEphemerals", in: []string{"/get_ephemerals/e1", "/get_ephemerals/e2", "/get_ephemerals2/e3"},
			setSize: 3, want: []string{"/get_ephemerals2/e3", "/get_ephemerals/e1", "/get_ephemerals/e2"}},
		{name: "12 entries grow the table to 32", in: eph(0, 1, 10, 11, 12, 13, 2, 3, 4, 5, 6, 7, 8, 9), setSize: 14,
			want: eph(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 11, 12)},
		{name: "a prefix match keeps the whole set's table", in: eph(11, 13), setSize: 14, want: eph(13, 11)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.in)
			javaHashSetOrder(got, tt.setSize)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestPeerSessionGuaranteesProperty drives a Peer with random requests from a few
// connections and random Ready/Advance interleavings, and checks what ZooKeeper
// promises every session: one reply per request, in request order; zxids in replies
// never go back; a data watch fires before the session sees the change it announces;
// and the log replays to the same tree.
func TestPeerSessionGuaranteesProperty(t *testing.T) {
	paths := []string{"/a", "/b", "/a/c"}
	type sent struct {
		xid  int32
		op   wire.OpCode
		path string
	}
	rapid.Check(t, func(rt *rapid.T) {
		p, err := NewStandalone(Config{TickTime: 2000}, storage.RecoveredState{}, 1_000_000)
		require.NoError(rt, err)
		var logged []storage.Record
		const conns = 3
		inflight := map[ConnID][]sent{}
		nextXid := map[ConnID]int32{}
		lastZxid := map[ConnID]int64{}
		armed := map[ConnID]map[string]int64{} // data watches: mzxid the watch was set at

		check := func(c ConnID, frame []byte) {
			hdr, err := wire.DecodeReplyHeader(frame[4:])
			require.NoError(rt, err)
			if hdr.Xid == wire.XidNotification {
				_, ev, err := wire.DecodeReply(frame[4:], wire.OpNotification)
				require.NoError(rt, err)
				delete(armed[c], ev.(*wire.WatcherEvent).Path)
				return
			}
			require.NotEmpty(rt, inflight[c], "conn %d: reply %d to nothing", c, hdr.Xid)
			req := inflight[c][0]
			inflight[c] = inflight[c][1:]
			require.Equal(rt, req.xid, hdr.Xid, "conn %d: replies out of order", c)
			require.GreaterOrEqual(rt, hdr.Zxid, lastZxid[c], "conn %d: went back in time", c)
			lastZxid[c] = hdr.Zxid
			_, resp, err := wire.DecodeReply(frame[4:], req.op)
			require.NoError(rt, err)
			watchedAt, watched := armed[c][req.path]
			var st *wire.Stat
			switch r := resp.(type) {
			case *wire.GetDataResponse:
				st = &r.Stat
			case *wire.StatResponse:
				st = &r.Stat
			}
			switch {
			case st != nil && watched:
				require.LessOrEqual(rt, st.Mzxid, watchedAt, "conn %d saw %s change before its watch fired", c, req.path)
			case hdr.Err == wire.ErrNoNode && watched && req.op != wire.OpCreate:
				rt.Fatalf("conn %d saw %s deleted before its watch fired", c, req.path)
			}
			if req.op == wire.OpGetData && st != nil {
				armed[c][req.path] = st.Mzxid
			}
		}
		step := func() {
			rd := p.Ready()
			logged = append(logged, rd.Records...)
			for _, o := range rd.Out {
				require.False(rt, o.Close, "nothing here closes a connection")
				if o.Frame != nil {
					check(o.Conn, o.Frame)
				}
			}
			p.Advance()
		}
		for c := ConnID(1); c <= conns; c++ {
			p.Connect(c, "127.0.0.1")
			p.Receive(c, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})[4:])
		}
		for p.HasReady() {
			rd := p.Ready()
			logged = append(logged, rd.Records...)
			p.Advance()
		}
		for c := ConnID(1); c <= conns; c++ {
			armed[c] = map[string]int64{}
		}
		steps := rapid.IntRange(1, 80).Draw(rt, "steps")
		for range steps {
			if rapid.IntRange(0, 2).Draw(rt, "advance") == 0 {
				if p.HasReady() {
					step()
				}
				continue
			}
			c := ConnID(rapid.IntRange(1, conns).Draw(rt, "conn"))
			path := rapid.SampledFrom(paths).Draw(rt, "path")
			var req wire.Request
			switch rapid.IntRange(0, 5).Draw(rt, "op") {
			case 0:
				req = &wire.CreateRequest{Path: path, Data: []byte("x"), ACL: openACL()}
			case 1:
				req = &wire.SetDataRequest{Path: path, Data: []byte("y"), Version: -1}
			case 2:
				req = &wire.DeleteRequest{Path: path, Version: -1}
			case 3:
				req = &wire.GetDataRequest{Path: path, Watch: true}
			case 4:
				req = &wire.ExistsRequest{Path: path}
			default:
				req = &wire.SyncRequest{Path: path}
			}
			nextXid[c]++
			inflight[c] = append(inflight[c], sent{xid: nextXid[c], op: req.OpCode(), path: path})
			p.Receive(c, wire.EncodeRequest(nextXid[c], req)[4:])
		}
		for p.HasReady() {
			step()
		}
		for c := ConnID(1); c <= conns; c++ {
			require.Empty(rt, inflight[c], "conn %d: requests never answered", c)
		}
		replayed, err := NewStandalone(Config{TickTime: 2000}, storage.RecoveredState{Records: logged}, 2_000_000)
		require.NoError(rt, err)
		d1, z1 := p.Digest()
		d2, z2 := replayed.Digest()
		require.Equal(rt, z1, z2)
		require.Equal(rt, d1, d2, "the log does not replay to the same tree")
	})
}

// FuzzPeerReceive feeds a connected Peer arbitrary request payloads. Input: a series
// of big-endian uint16 lengths, each followed by that many payload bytes. Whatever
// arrives, the Peer must not panic, every frame it writes must parse, and its log must
// replay to the same tree.
func FuzzPeerReceive(f *testing.F) {
	f.Add(fuzzPayloads(wire.EncodeRequest(1, &wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: openACL()})[4:],
		wire.EncodeRequest(2, &wire.GetDataRequest{Path: "/a", Watch: true})[4:],
		wire.EncodeRequest(3, &wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1})[4:]))
	f.Add(fuzzPayloads(rawRequest(1, wire.OpCreate, be32(-1), be32(0), be32(0), be32(0)), rawRequest(2, 999)))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := NewStandalone(Config{TickTime: 2000, ExtendedTypes: true}, storage.RecoveredState{}, 1_000_000)
		require.NoError(t, err)
		var logged []storage.Record
		var last []byte
		closed := false
		drive := func() {
			for p.HasReady() {
				rd := p.Ready()
				logged = append(logged, rd.Records...)
				for _, o := range rd.Out {
					if o.Frame != nil {
						_, n, err := wire.ParseFrame(o.Frame, wire.MaxBuffer)
						require.NoError(t, err)
						require.Len(t, o.Frame, n)
						last = o.Frame
					}
					closed = closed || o.Close
				}
				p.Advance()
			}
		}
		p.Connect(1, "127.0.0.1")
		p.Receive(1, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})[4:])
		drive()
		for len(in) >= 2 {
			n := int(binary.BigEndian.Uint16(in))
			in = in[2:]
			n = min(n, len(in))
			p.Receive(1, in[:n])
			in = in[n:]
			drive()
		}
		if !closed {
			// Whatever came before, an open connection still answers.
			p.Receive(1, wire.EncodeRequest(wire.XidPing, &wire.PingRequest{})[4:])
			drive()
			require.NotNil(t, last, "a ping on an open connection got no reply")
			hdr, err := wire.DecodeReplyHeader(last[4:])
			require.NoError(t, err)
			if !closed {
				require.Equal(t, wire.XidPing, hdr.Xid)
			}
		}
		// Expire the session and sweep, so its ephemerals and TTL nodes go too.
		p.Tick(1_000_000 + 61_000)
		drive()
		replayed, err := NewStandalone(Config{TickTime: 2000, ExtendedTypes: true}, storage.RecoveredState{Records: logged}, 2_000_000)
		require.NoError(t, err)
		d1, z1 := p.Digest()
		d2, z2 := replayed.Digest()
		require.Equal(t, z1, z2)
		require.Equal(t, d1, d2)
	})
}

func fuzzPayloads(payloads ...[]byte) []byte {
	var out []byte
	for _, pl := range payloads {
		out = binary.BigEndian.AppendUint16(out, uint16(len(pl)))
		out = append(out, pl...)
	}
	return out
}

func TestSASLWithoutALoginIsAnsweredEmpty(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.send(1, 5, &wire.SASLRequest{Token: []byte("token")})
	hdr, resp := h.reply(1, wire.OpSASL)
	require.Equal(t, wire.ReplyHeader{Xid: 5}, hdr, "OK, zxid 0")
	require.Nil(t, resp.(*wire.SASLResponse).Token, "a null token")
	require.False(t, h.closed[1])
}

// TestWatchesWithoutReadFireAsInZooKeeper38: ZooKeeper 3.8 checks no ACL for exists
// or addWatch, nor when a watch fires, so a session without READ on a node learns of
// its changes through those watches.
func TestWatchesWithoutReadFireAsInZooKeeper38(t *testing.T) {
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.connect(2)
	noRead := []wire.ACL{{Perms: wire.PermAll &^ wire.PermRead, ID: wire.Id{Scheme: "world", ID: "anyone"}}}
	h.send(1, 1, &wire.CreateRequest{Op: wire.OpCreate, Path: "/s", Data: []byte("x"), ACL: noRead})
	hdr, _ := h.reply(1, wire.OpCreate)
	require.Equal(t, wire.ErrOK, hdr.Err)

	h.send(2, 1, &wire.GetDataRequest{Path: "/s", Watch: true})
	hdr, _ = h.reply(2, wire.OpGetData)
	require.Equal(t, wire.ErrNoAuth, hdr.Err, "getData checks READ before it registers its watch")
	h.send(2, 2, &wire.ExistsRequest{Path: "/s", Watch: true})
	hdr, resp := h.reply(2, wire.OpExists)
	require.Equal(t, wire.ErrOK, hdr.Err)
	require.Equal(t, int32(1), resp.(*wire.StatResponse).Stat.DataLength)

	h.send(1, 2, &wire.SetDataRequest{Path: "/s", Data: []byte("y"), Version: -1})
	hdr, _ = h.reply(1, wire.OpSetData)
	require.Equal(t, wire.ErrOK, hdr.Err)
	hdr, resp = h.reply(2, wire.OpNotification)
	require.Equal(t, wire.XidNotification, hdr.Xid)
	require.Equal(t, wire.WatcherEvent{Type: wire.EventNodeDataChanged, State: wire.StateSyncConnected, Path: "/s"}, *resp.(*wire.WatcherEvent))
	require.Empty(t, h.frames[2], "one notification, for the exists watch only")
}
