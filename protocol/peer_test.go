package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

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
