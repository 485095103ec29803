package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
)

// The golden test replays traffic captured from a real ZooKeeper 3.8.0 standalone
// server (testdata/zk38-wire, described in its README) through a standalone Peer and
// requires the same reply frames, byte for byte outside the fields the capture marks
// volatile (zxids, session ids, passwords, times).
//
// The captures were taken against one long-running server on which an unrecorded
// session prepared each case's nodes and sometimes acted as "another session". Each
// case below re-creates that through a helper connection of its own whose frames are
// not compared: setup runs before the case, other runs just before the capture frame
// with that index.

// goldenCapture is the part of a capture file the replay needs.
type goldenCapture struct {
	Case        string `json:"case"`
	Description string `json:"description"`
	Frames      []struct {
		I            int             `json:"i"`
		Conn         int             `json:"conn"`
		Dir          string          `json:"dir"`
		TMs          float64         `json:"t_ms"`
		Hex          string          `json:"hex"`
		HexTruncated bool            `json:"hex_truncated"`
		FullLenBytes int             `json:"full_len_bytes"`
		Decoded      json.RawMessage `json:"decoded"`
	} `json:"frames"`
	ConnectionEvents []struct {
		Conn       int    `json:"conn"`
		Event      string `json:"event"`
		AfterFrame int    `json:"after_frame"`
	} `json:"connection_events"`
	Volatile struct {
		Ranges []goldenRange `json:"ranges"`
	} `json:"volatile"`
}

type goldenRange struct {
	Frame  int    `json:"frame"`
	Offset int    `json:"offset"`
	Len    int    `json:"len"`
	Field  string `json:"field"`
}

// goldenCase is how to reproduce one capture.
type goldenCase struct {
	// skip, when set, is why the case is not replayed here.
	skip string
	// setup runs on the helper connection before the case starts.
	setup []wire.Request
	// other runs on the helper connection just before the capture frame with that
	// index: the unrecorded "other session" of the capture.
	other map[int][]wire.Request
	// extra are frames the Peer sends that the real server does not, on purpose.
	extra []goldenExtra
}

// goldenExtra is a frame the Peer sends, on conn, after capture frame after, where
// ZooKeeper 3.8.0 sends nothing; why says why we differ.
type goldenExtra struct {
	after int
	conn  int
	frame []byte
	why   string
}

const fourLetterWordSkip = "four-letter words are answered by the host (protocol.Peer never sees them); see server/"

var goldenCases = map[string]goldenCase{
	"fourlw_ruok": {skip: fourLetterWordSkip},
	"fourlw_srvr": {skip: fourLetterWordSkip},
	"fourlw_stat": {skip: fourLetterWordSkip},
	"fourlw_conf": {skip: fourLetterWordSkip},
	"fourlw_mntr": {skip: fourLetterWordSkip},
	"fourlw_envi": {skip: fourLetterWordSkip},
	"fourlw_isro": {skip: fourLetterWordSkip},
	"fourlw_cons": {skip: fourLetterWordSkip},
	"fourlw_wchs": {skip: fourLetterWordSkip},
	"fourlw_wchc": {skip: fourLetterWordSkip},
	"fourlw_wchp": {skip: fourLetterWordSkip},
	"fourlw_dump": {skip: fourLetterWordSkip},
	"fourlw_dirs": {skip: fourLetterWordSkip},

	"session_connect_close":               {},
	"session_connect_kazoo":               {},
	"session_connect_kazoo_readonly_true": {},
	"session_ping":                        {},
	"session_timeout_clamped_low":         {},
	"session_timeout_clamped_high":        {},
	"session_expired_reconnect":           {},

	"create_persistent":                       {},
	"create_sequential":                       {setup: nodes(mk("/create_sequential", ""))},
	"create_ephemeral":                        {},
	"create_ephemeral_sequential":             {setup: nodes(mk("/create_ephemeral_sequential", ""))},
	"create_container":                        {},
	"create_ttl":                              {setup: nodes(mk("/create_ttl", ""))},
	"create_ttl_error_bad_ttl":                {},
	"create_ttl_error_non_ttl_mode":           {},
	"create2_with_stat":                       {},
	"create_error_node_exists":                {setup: nodes(mk("/create_error_node_exists", "x"))},
	"create_error_no_node":                    {},
	"create_error_no_children_for_ephemerals": {},
	"create_error_invalid_acl":                {},
	"create_error_bad_path":                   {setup: nodes(mk("/create_error_bad_path", ""))},
	"create_error_null_path":                  {},

	"get_data":             {setup: nodes(mk("/get_data", "hello"))},
	"get_data_watch":       {setup: nodes(mk("/get_data_watch", "w"))},
	"get_data_null":        {},
	"set_data":             {setup: nodes(mk("/set_data", "v"))},
	"set_data_bad_version": {setup: nodes(mk("/set_data_bad_version", "v"))},
	"set_data_oversize":    {setup: nodes(mk("/set_data_oversize", "small"))},
	"exists":               {setup: nodes(mk("/exists", "x"))},
	"exists_watch":         {setup: nodes(mk("/exists_watch", "x"))},
	"get_children2": {setup: nodes(mk("/get_children2", ""),
		mk("/get_children2/a", ""), mk("/get_children2/b", ""), mk("/get_children2/c", ""))},
	"get_children": {setup: nodes(mk("/get_children", ""),
		mk("/get_children/a", ""), mk("/get_children/b", ""), mk("/get_children/c", ""))},
	"delete":        {setup: nodes(mk("/delete_a", "a"), set("/delete_a", "a1"), mk("/delete_b", "b"))},
	"delete_errors": {setup: nodes(mk("/delete_errors", ""), mk("/delete_errors/child", ""))},

	"watch_node_data_changed": {setup: nodes(mk("/watch_node_data_changed", "a"))},
	"watch_node_data_changed_other_session": {
		setup: nodes(mk("/watch_node_data_changed_other_session", "a")),
		other: map[int][]wire.Request{4: nodes(set("/watch_node_data_changed_other_session", "b"))},
	},
	"watch_node_deleted":          {setup: nodes(mk("/watch_node_deleted", "d"))},
	"watch_node_created":          {},
	"watch_node_children_changed": {setup: nodes(mk("/watch_node_children_changed", ""))},
	"watch_node_deleted_data_and_child_watch": {setup: nodes(mk("/watch_node_deleted_data_and_child_watch", ""),
		mkNull("/watch_node_deleted_data_and_child_watch/p"))},
	"watch_ephemeral_deleted_on_close": {},

	"multi_success":               {setup: nodes(mk("/multi_success", ""))},
	"multi_failure_check":         {setup: nodes(mk("/multi_failure_check", ""))},
	"multi_failure_create_exists": {setup: nodes(mk("/multi_failure_create_exists", ""))},
	"multi_read":                  {setup: nodes(mk("/multi_read", ""), mk("/multi_read/a", "A"), mk("/multi_read/b", "B"))},
	"sync":                        {setup: nodes(mk("/sync", ""))},

	// The root's Stat.cversion (2*creations - numChildren, as DataNode.copyStat
	// reports it) shows the capture server's history; churn reproduces it.
	"get_acl": {setup: append(rootChurn(36, "/get_acl_other"), mk("/get_acl", ""))},
	"get_acl_digest_unauthenticated": {setup: nodes(&wire.CreateRequest{Path: "/get_acl_digest_unauthenticated",
		Data: []byte{}, ACL: []wire.ACL{
			{Perms: wire.PermRead, ID: wire.Id{Scheme: "world", ID: "anyone"}},
			{Perms: wire.PermAll, ID: wire.Id{Scheme: "digest", ID: userPasswordDigest}},
		}})},
	"set_acl": {setup: nodes(mk("/set_acl", "s"))},
	"auth_digest_noauth": {setup: nodes(&wire.CreateRequest{Path: "/auth_digest_noauth", Data: []byte("secret"),
		ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: "digest", ID: userPasswordDigest}}}})},
	"auth_failed_unknown_scheme": {},
	"who_am_i":                   {},

	"get_ephemerals": {setup: nodes(mk("/get_ephemerals", ""), mk("/get_ephemerals2", ""))},
	"get_all_children_number": {setup: nodes(mk("/get_all_children_number", ""),
		mk("/get_all_children_number/a", ""), mk("/get_all_children_number/a/x", ""),
		mk("/get_all_children_number/a/y", ""), mk("/get_all_children_number/b", ""))},
	"add_watch_persistent":           {},
	"add_watch_persistent_recursive": {},
	"remove_watches":                 {setup: nodes(mk("/remove_watches", "x"))},
	"set_watches_after_reconnect": {
		setup: nodes(mk("/sw", ""), mk("/sw/data", "d0"), mk("/sw/parent", ""), mk("/sw/stable", "s0")),
		other: map[int][]wire.Request{
			10: nodes(set("/sw/data", "d1"), mk("/sw/missing", "m"), mk("/sw/parent/kid", "")),
			17: nodes(set("/sw/stable", "s1")),
		},
	},
	"reconnect_resends_auth": {setup: nodes(mk("/reconnect_resends_auth", "r"))},
	"unimplemented_check_toplevel": {
		setup: nodes(mk("/unimplemented_check_toplevel", "")),
		extra: []goldenExtra{{after: 2, conn: 1,
			frame: wire.EncodeReply(wire.ReplyHeader{Xid: 1, Zxid: -1, Err: wire.ErrUnimplemented}, nil),
			why: "ZooKeeper 3.8.0 never answers a top-level check (a NullPointerException in " +
				"FinalRequestProcessor) and the client waits forever; we answer UNIMPLEMENTED and keep the connection"}},
	},
	"unknown_opcode":    {setup: rootChurn(51, "/unknown_opcode_other")},
	"reconfig_disabled": {},
}

// userPasswordDigest is the digest id of user:password.
const userPasswordDigest = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="

func nodes(reqs ...wire.Request) []wire.Request { return reqs }

func mk(path, data string) wire.Request {
	return &wire.CreateRequest{Path: path, Data: []byte(data), ACL: openACL()}
}

func mkNull(path string) wire.Request {
	return &wire.CreateRequest{Path: path, ACL: openACL()}
}

func set(path, data string) wire.Request {
	return &wire.SetDataRequest{Path: path, Data: []byte(data), Version: -1}
}

// rootChurn creates and deletes nodes under / until creates children have been
// created there in all, leaving keep in place as the last of them.
func rootChurn(creates int, keep string) []wire.Request {
	var out []wire.Request
	for i := range creates - 1 {
		p := fmt.Sprintf("/churn%d", i)
		out = append(out, mk(p, ""), &wire.DeleteRequest{Path: p, Version: -1})
	}
	return append(out, mk(keep, ""))
}

func goldenConfig() Config {
	// The capture server: tickTime=2000 (timeouts clamp to 4000..40000),
	// extendedTypesEnabled=true, znode.container.checkIntervalMs=1000.
	return Config{TickTime: 2000, ExtendedTypes: true, ContainerCheckInterval: 1000}
}

const goldenDir = "testdata/zk38-wire"

func TestGoldenCasesCoverCaptures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		have[name] = true
		c, ok := goldenCases[name]
		require.True(t, ok, "capture %s has no entry in goldenCases", name)
		require.Empty(t, c.skip, "capture %s is stored but skipped", name)
	}
	for name, c := range goldenCases {
		if c.skip == "" {
			require.True(t, have[name], "case %s has no capture in %s", name, goldenDir)
		}
	}
	require.Len(t, goldenCases, 75, "the README lists 75 cases")
}

func TestGoldenReplies(t *testing.T) {
	names := make([]string, 0, len(goldenCases))
	for name := range goldenCases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := goldenCases[name]
		t.Run(name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			raw, err := os.ReadFile(filepath.Join(goldenDir, name+".json"))
			require.NoError(t, err)
			var capt goldenCapture
			require.NoError(t, json.Unmarshal(raw, &capt))
			replayGolden(t, &capt, c)
		})
	}
}

// goldenFrame is one expected or produced server frame.
type goldenFrame struct {
	index   int // capture frame index, -1 for an extra
	bytes   []byte
	ranges  []goldenRange
	decoded json.RawMessage
	why     string
}

// goldenReplay is the state of one replay: the Peer, a helper connection and what
// each recorded connection received.
type goldenReplay struct {
	t         *testing.T
	p         *Peer
	got       map[int][][]byte
	closed    map[int]bool // the Peer (or the host on its behalf) closed the connection
	helper    ConnID
	helpXid   int32
	helperGot [][]byte
	sessions  map[int64]goldenSession // capture session id -> ours
	connSess  map[int]int64           // recorded conn -> capture session id
	lastZxid  map[int64]int64         // capture session id -> last zxid our replies carried
}

type goldenSession struct {
	id     int64
	passwd []byte
}

const goldenHelperConn ConnID = 1 << 20

func replayGolden(t *testing.T, capt *goldenCapture, c goldenCase) {
	const start = 1_000_000
	p, err := NewStandalone(goldenConfig(), storage.RecoveredState{}, start)
	require.NoError(t, err)
	r := &goldenReplay{t: t, p: p, got: map[int][][]byte{}, closed: map[int]bool{},
		helper: goldenHelperConn, sessions: map[int64]goldenSession{}, connSess: map[int]int64{}, lastZxid: map[int64]int64{}}
	r.drive()
	r.helperConnect()
	for _, req := range c.setup {
		r.helperDo(req)
	}

	ranges := map[int][]goldenRange{}
	for _, rg := range capt.Volatile.Ranges {
		ranges[rg.Frame] = append(ranges[rg.Frame], rg)
	}
	want := map[int][]goldenFrame{}
	opened := map[int]bool{}
	for _, f := range capt.Frames {
		r.p.Tick(start + int64(f.TMs))
		r.drive()
		for _, req := range c.other[f.I] {
			r.helperDo(req)
		}
		frame, err := hex.DecodeString(f.Hex)
		require.NoError(t, err)
		if f.Dir == "s2c" {
			want[f.Conn] = append(want[f.Conn], goldenFrame{index: f.I, bytes: frame, ranges: ranges[f.I], decoded: f.Decoded})
			r.noteCaptureSession(f.Conn, frame, f.Decoded)
		} else {
			if !opened[f.Conn] {
				opened[f.Conn] = true
				r.p.Connect(ConnID(f.Conn), "127.0.0.1")
			}
			r.receive(f.Conn, frame, ranges[f.I], f.HexTruncated, f.FullLenBytes)
		}
		for _, ex := range c.extra {
			if ex.after == f.I {
				want[ex.conn] = append(want[ex.conn], goldenFrame{index: -1, bytes: ex.frame, why: ex.why})
			}
		}
		for _, ev := range capt.ConnectionEvents {
			switch {
			case ev.AfterFrame != f.I || ev.Event == "open":
			case strings.HasPrefix(ev.Event, "server closed"):
				require.True(t, r.closed[ev.Conn], "conn %d: the server closed it after frame %d; we had not", ev.Conn, f.I)
			case !r.closed[ev.Conn]:
				// The client or the relay dropped the TCP connection.
				r.p.Disconnect(ConnID(ev.Conn))
			}
		}
	}
	r.drive()

	for conn := range opened {
		compareGolden(t, conn, want[conn], r.got[conn])
	}
	for _, ev := range capt.ConnectionEvents {
		switch {
		case strings.HasPrefix(ev.Event, "relay closed"):
			require.False(t, r.closed[ev.Conn], "conn %d: only the network cut it, but we closed it", ev.Conn)
		case strings.HasPrefix(ev.Event, "client closed"):
			// After a closeSession reply the server closes too and either may win the
			// race; anywhere else the server must have kept the connection.
			if !afterCloseSession(capt, ev.Conn, ev.AfterFrame) {
				require.False(t, r.closed[ev.Conn], "conn %d: the client closed it, but we closed it first", ev.Conn)
			}
		}
	}
}

func afterCloseSession(capt *goldenCapture, conn, after int) bool {
	for i := after; i >= 0; i-- {
		f := capt.Frames[i]
		if f.Conn != conn || f.Dir != "c2s" {
			continue
		}
		var d struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(f.Decoded, &d)
		return d.Type == int(wire.OpCloseSession)
	}
	return false
}

// receive hands a captured client frame to the Peer, first giving the fields the
// capture marks volatile the values of this replay (our session ids, passwords and
// zxids), as the real client would have sent them to us.
func (r *goldenReplay) receive(conn int, frame []byte, ranges []goldenRange, truncated bool, fullLen int) {
	if truncated {
		// The host refuses an oversize frame after reading its length prefix and
		// closes the connection without a reply (protocol/doc.go: the size check is
		// the host's job); the Peer only learns that the connection went away.
		require.Greater(r.t, fullLen-4, wire.MaxBuffer, "only the oversize frame is stored truncated")
		_, err := wire.FrameLength(frame[:4], wire.MaxBuffer)
		require.ErrorIs(r.t, err, wire.ErrFrameTooLarge)
		r.closed[conn] = true
		r.p.Disconnect(ConnID(conn))
		return
	}
	frame = bytes.Clone(frame)
	var capSession int64
	for _, rg := range ranges {
		if rg.Field == "ConnectRequest.sessionId" {
			capSession = int64(binary.BigEndian.Uint64(frame[rg.Offset:]))
		}
	}
	if capSession == 0 {
		capSession = r.connSess[conn]
	}
	if capSession != 0 {
		r.connSess[conn] = capSession
	}
	ours, known := r.sessions[capSession]
	for _, rg := range ranges {
		switch rg.Field {
		case "ConnectRequest.sessionId":
			require.True(r.t, known, "conn %d reconnects with a session we never created", conn)
			binary.BigEndian.PutUint64(frame[rg.Offset:], uint64(ours.id))
		case "ConnectRequest.passwd":
			copy(frame[rg.Offset:rg.Offset+rg.Len], ours.passwd)
		case "ConnectRequest.lastZxidSeen", "SetWatches.relativeZxid":
			binary.BigEndian.PutUint64(frame[rg.Offset:], uint64(r.lastZxid[capSession]))
		default:
			r.t.Fatalf("conn %d: no rule for volatile client field %s", conn, rg.Field)
		}
	}
	r.p.Receive(ConnID(conn), frame[4:])
	r.drive()
}

// noteCaptureSession maps the session id a captured ConnectResponse carries to the
// session our Peer gave the same connection.
func (r *goldenReplay) noteCaptureSession(conn int, frame []byte, decoded json.RawMessage) {
	var d struct {
		Kind      string `json:"kind"`
		SessionID string `json:"sessionId"`
	}
	require.NoError(r.t, json.Unmarshal(decoded, &d))
	if d.Kind != "ConnectResponse" || d.SessionID == "0x0" {
		return
	}
	capID := int64(binary.BigEndian.Uint64(frame[12:]))
	r.connSess[conn] = capID
	if _, ok := r.sessions[capID]; ok {
		return
	}
	got := r.got[conn]
	require.NotEmpty(r.t, got, "conn %d: the server sent a ConnectResponse, we did not", conn)
	resp, err := wire.DecodeConnectResponse(got[0][4:])
	require.NoError(r.t, err)
	r.sessions[capID] = goldenSession{id: resp.SessionID, passwd: resp.Passwd}
}

func (r *goldenReplay) drive() {
	for r.p.HasReady() {
		rd := r.p.Ready()
		for _, o := range rd.Out {
			if o.Conn == r.helper {
				r.helperFrame(o)
				continue
			}
			conn := int(o.Conn)
			if o.Frame != nil {
				r.got[conn] = append(r.got[conn], o.Frame)
				if len(r.got[conn]) > 1 && len(o.Frame) >= 16 {
					xid := int32(binary.BigEndian.Uint32(o.Frame[4:]))
					zxid := int64(binary.BigEndian.Uint64(o.Frame[8:]))
					if s := r.connSess[conn]; s != 0 && xid != wire.XidNotification && zxid > r.lastZxid[s] {
						r.lastZxid[s] = zxid
					}
				}
			}
			if o.Close {
				r.closed[conn] = true
			}
		}
		r.p.Advance()
	}
}

func (r *goldenReplay) helperConnect() {
	r.p.Connect(r.helper, "127.0.0.1")
	r.p.Receive(r.helper, wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})[4:])
	r.helpXid = 0
	r.drive()
}

func (r *goldenReplay) helperFrame(o Output) {
	require.False(r.t, o.Close, "the helper connection was closed")
	r.helperGot = append(r.helperGot, o.Frame)
}

// helperDo runs one request on the helper connection and requires it to succeed.
func (r *goldenReplay) helperDo(req wire.Request) {
	r.helpXid++
	r.helperGot = nil
	r.p.Receive(r.helper, wire.EncodeRequest(r.helpXid, req)[4:])
	r.drive()
	for _, f := range r.helperGot {
		hdr, err := wire.DecodeReplyHeader(f[4:])
		require.NoError(r.t, err)
		if hdr.Xid == r.helpXid {
			require.Equal(r.t, wire.ErrOK, hdr.Err, "helper request %T failed", req)
			return
		}
	}
	r.t.Fatalf("helper request %T got no reply", req)
}

func compareGolden(t *testing.T, conn int, want []goldenFrame, got [][]byte) {
	t.Helper()
	n := max(len(want), len(got))
	var report strings.Builder
	for i := range n {
		switch {
		case i >= len(want):
			fmt.Fprintf(&report, "conn %d frame #%d: unexpected extra frame %x\n", conn, i, got[i])
		case i >= len(got):
			fmt.Fprintf(&report, "conn %d frame #%d (capture %d): missing; want %x\n  decoded: %s\n", conn, i, want[i].index, want[i].bytes, want[i].decoded)
		default:
			w, g := maskGolden(want[i].bytes, want[i].ranges), maskGolden(got[i], want[i].ranges)
			if want[i].why != "" && bytes.Equal(w, g) {
				t.Logf("conn %d frame #%d: deliberately unlike ZooKeeper 3.8.0: %s", conn, i, want[i].why)
			}
			if !bytes.Equal(w, g) {
				fmt.Fprintf(&report, "conn %d frame #%d (capture %d) differs:\n  want %x\n  got  %x\n  decoded: %s\n",
					conn, i, want[i].index, w, g, want[i].decoded)
			}
		}
	}
	if report.Len() > 0 {
		t.Error(report.String())
	}
}

// maskGolden zeroes the volatile byte ranges (offsets count the length prefix).
func maskGolden(frame []byte, ranges []goldenRange) []byte {
	out := bytes.Clone(frame)
	for _, rg := range ranges {
		for i := rg.Offset; i < rg.Offset+rg.Len && i < len(out); i++ {
			out[i] = 0
		}
	}
	return out
}
