package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// captureDir holds byte-exact traffic between real clients and a real Apache
// ZooKeeper 3.8.0 server (see its README.md). It sits beside the repository checkout.
const captureDir = "../../../shared/testdata/zk38-wire"

type captureFile struct {
	Case   string         `json:"case"`
	Frames []captureFrame `json:"frames"`
}

type captureFrame struct {
	I         int            `json:"i"`
	Conn      int            `json:"conn"`
	Dir       string         `json:"dir"`
	Hex       string         `json:"hex"`
	Truncated bool           `json:"hex_truncated"`
	FullLen   int            `json:"full_len_bytes"`
	Decoded   map[string]any `json:"decoded"`
}

func loadCaptures(t testing.TB) []captureFile {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(captureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Skipf("no captures in %s: the shared/ directory must sit beside the repository checkout", captureDir)
	}
	sort.Strings(names)
	var files []captureFile
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f captureFile
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files = append(files, f)
	}
	return files
}

// capturedFrame is one binary frame of a capture, classified by its place in the
// connection.
type capturedFrame struct {
	name    string // case#index, for messages
	kind    string // "connreq", "connresp", "request", "reply"
	frame   []byte // whole frame, length prefix included
	op      OpCode // for replies: the op of the request with the same xid
	decoded map[string]any
}

// walkCaptures returns every binary frame of every capture. It skips four-letter-word
// connections (raw text, no length prefix, nothing for this codec to decode) and the
// truncated oversize frame of set_data_oversize (only its first 256 bytes are stored,
// and the server never decodes it: it closes the connection after the length prefix).
func walkCaptures(t testing.TB) []capturedFrame {
	t.Helper()
	var out []capturedFrame
	for _, f := range loadCaptures(t) {
		type connState struct {
			sawReq, sawResp, raw bool
			ops                  map[int32]OpCode
		}
		conns := map[int]*connState{}
		for _, fr := range f.Frames {
			cs := conns[fr.Conn]
			if cs == nil {
				cs = &connState{ops: map[int32]OpCode{}}
				conns[fr.Conn] = cs
			}
			b, err := hex.DecodeString(fr.Hex)
			if err != nil {
				t.Fatalf("%s#%d: %v", f.Case, fr.I, err)
			}
			name := fmt.Sprintf("%s#%d", f.Case, fr.I)
			if fr.Dir == "c2s" && !cs.sawReq {
				if _, ok := FourLetterWord(b); ok {
					cs.raw = true
				}
			}
			if cs.raw || fr.Truncated {
				continue
			}
			cf := capturedFrame{name: name, frame: b, decoded: fr.Decoded}
			switch {
			case fr.Dir == "c2s" && !cs.sawReq:
				cs.sawReq = true
				cf.kind = "connreq"
			case fr.Dir == "s2c" && !cs.sawResp:
				cs.sawResp = true
				cf.kind = "connresp"
			case fr.Dir == "c2s":
				cf.kind = "request"
				if len(b) >= 12 {
					hdr := RequestHeader{}
					hdr.Decode(NewDecoder(b[4:]))
					cs.ops[hdr.Xid] = hdr.Type
				}
			default:
				cf.kind = "reply"
				if len(b) >= 8 {
					h, err := DecodeReplyHeader(b[4:])
					if err == nil {
						cf.op = cs.ops[h.Xid]
					}
				}
			}
			out = append(out, cf)
		}
	}
	return out
}

// TestCapturesRoundTrip decodes every binary frame Apache ZooKeeper 3.8.0 and its
// clients exchanged, checks the values against the capture's own decode, and checks
// that encoding the decoded value gives the captured bytes back.
func TestCapturesRoundTrip(t *testing.T) {
	frames := walkCaptures(t)
	counts := map[string]int{}
	for _, cf := range frames {
		t.Run(cf.name, func(t *testing.T) {
			payload, n, err := ParseFrame(cf.frame, MaxBuffer)
			if err != nil || n != len(cf.frame) {
				t.Fatalf("ParseFrame = %d, %v; want %d, nil", n, err, len(cf.frame))
			}
			var got []byte
			var desc map[string]any
			switch cf.kind {
			case "connreq":
				r, err := DecodeConnectRequest(payload)
				if err != nil {
					t.Fatal(err)
				}
				got = EncodeConnectRequest(&r)
				desc = describeConnectRequest(&r)
			case "connresp":
				r, err := DecodeConnectResponse(payload)
				if err != nil {
					t.Fatal(err)
				}
				got = EncodeConnectResponse(&r)
				desc = describeConnectResponse(&r)
			case "request":
				hdr, req, err := DecodeRequest(payload)
				if expectedRequestError(t, cf, hdr, err) {
					counts["expected-error"]++
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got = EncodeRequest(hdr.Xid, req)
				desc = map[string]any{"xid": hdr.Xid, "type": int32(hdr.Type)}
				if b := describe(req); b != nil {
					desc["body"] = b
				}
			case "reply":
				hdr, resp, err := DecodeReply(payload, cf.op)
				if err != nil {
					t.Fatalf("reply to %v: %v", cf.op, err)
				}
				got = EncodeReply(hdr, resp)
				desc = map[string]any{"xid": hdr.Xid, "zxid": hexU64(hdr.Zxid), "err": int32(hdr.Err)}
				if ev, ok := resp.(*WatcherEvent); ok {
					desc["event"] = describe(ev)
				} else if b := describe(resp); b != nil {
					desc["body"] = b
				}
			}
			counts[cf.kind]++
			if !bytes.Equal(got, cf.frame) {
				t.Errorf("re-encoded frame differs\ngot  %x\nwant %x", got, cf.frame)
			}
			compareDecoded(t, "", desc, cf.decoded)
		})
	}
	t.Logf("frames checked: %v", counts)
	if counts["request"] == 0 || counts["reply"] == 0 || counts["connreq"] == 0 {
		t.Fatalf("captures yielded too few frames: %v", counts)
	}
}

// expectedRequestError handles the two captured requests that must not decode: the
// null path (MARSHALLINGERROR, connection kept) and opcode 999 (UNIMPLEMENTED, close).
func expectedRequestError(t *testing.T, cf capturedFrame, hdr RequestHeader, err error) bool {
	t.Helper()
	switch {
	case strings.HasPrefix(cf.name, "create_error_null_path#") && hdr.Type == OpCreate:
		if !errors.Is(err, ErrNullPath) {
			t.Fatalf("null path: err = %v, want ErrNullPath", err)
		}
		return true
	case hdr.Type == 999:
		var unk *UnknownOpcodeError
		if !errors.As(err, &unk) || unk.Op != 999 || unk.Xid != hdr.Xid || !errors.Is(err, ErrUnknownOpcode) {
			t.Fatalf("opcode 999: err = %v, want *UnknownOpcodeError{999, %d}", err, hdr.Xid)
		}
		return true
	}
	return false
}

// compareDecoded checks every field of the capture's decode (want) against ours (got),
// skipping the purely descriptive keys (names of codes, perms strings, notes).
func compareDecoded(t *testing.T, at string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := normalize(got).(map[string]any)
		if !ok {
			t.Errorf("%s: got %v, want object %v", at, got, want)
			return
		}
		for k, wv := range w {
			if skipCaptureKey(k) {
				continue
			}
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s: missing in our decode (want %v)", at, k, wv)
				continue
			}
			compareDecoded(t, at+"."+k, gv, wv)
		}
	case []any:
		g, ok := normalize(got).([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %v", at, got, want)
			return
		}
		for i := range w {
			compareDecoded(t, fmt.Sprintf("%s[%d]", at, i), g[i], w[i])
		}
	default:
		if g := normalize(got); !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got %v (%T), want %v (%T)", at, g, g, want, want)
		}
	}
}

func skipCaptureKey(k string) bool {
	switch k {
	case "len", "kind", "op", "result", "reply_to", "perms_str", "data_note", "data_prefix_hex", "text", "text_len":
		return true
	}
	return strings.HasSuffix(k, "_name")
}

// normalize turns our description into what encoding/json would give for it.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func hexU64(v int64) string { return fmt.Sprintf("0x%x", uint64(v)) }

func describeConnectRequest(r *ConnectRequest) map[string]any {
	m := map[string]any{
		"protocolVersion": r.ProtocolVersion, "lastZxidSeen": hexU64(r.LastZxidSeen),
		"timeOut": r.TimeOut, "sessionId": hexU64(r.SessionID), "passwd_hex": hex.EncodeToString(r.Passwd),
		"readOnly": "(absent)",
	}
	if r.HasReadOnly {
		m["readOnly"] = r.ReadOnly
	}
	return m
}

func describeConnectResponse(r *ConnectResponse) map[string]any {
	m := map[string]any{
		"protocolVersion": r.ProtocolVersion, "timeOut": r.TimeOut,
		"sessionId": hexU64(r.SessionID), "passwd_hex": hex.EncodeToString(r.Passwd),
		"readOnly": "(absent)",
	}
	if r.HasReadOnly {
		m["readOnly"] = r.ReadOnly
	}
	return m
}

// describe renders a record in the shape of the captures' "decoded" bodies.
func describe(rec Record) map[string]any {
	switch r := rec.(type) {
	case nil:
		return nil
	case *CreateRequest:
		m := map[string]any{"path": r.Path, "acl": describeACLs(r.ACL), "flags": int32(r.Flags)}
		describeData(m, r.Data)
		if r.OpCode() == OpCreateTTL {
			m["ttl"] = r.TTL
		}
		return m
	case *DeleteRequest:
		return map[string]any{"path": r.Path, "version": r.Version}
	case *CheckVersionRequest:
		return map[string]any{"path": r.Path, "version": r.Version}
	case *ExistsRequest:
		return map[string]any{"path": r.Path, "watch": r.Watch}
	case *GetDataRequest:
		return map[string]any{"path": r.Path, "watch": r.Watch}
	case *GetChildrenRequest:
		return map[string]any{"path": r.Path, "watch": r.Watch}
	case *GetChildren2Request:
		return map[string]any{"path": r.Path, "watch": r.Watch}
	case *SetDataRequest:
		m := map[string]any{"path": r.Path, "version": r.Version}
		describeData(m, r.Data)
		return m
	case *GetACLRequest:
		return map[string]any{"path": r.Path}
	case *SetACLRequest:
		return map[string]any{"path": r.Path, "acl": describeACLs(r.ACL), "version": r.Version}
	case *SyncRequest:
		return map[string]any{"path": r.Path}
	case *GetAllChildrenNumberRequest:
		return map[string]any{"path": r.Path}
	case *GetEphemeralsRequest:
		return map[string]any{"prefixPath": r.PrefixPath}
	case *CheckWatchesRequest:
		return map[string]any{"path": r.Path, "watcherType": int32(r.Type)}
	case *RemoveWatchesRequest:
		return map[string]any{"path": r.Path, "watcherType": int32(r.Type)}
	case *AddWatchRequest:
		return map[string]any{"path": r.Path, "mode": int32(r.Mode)}
	case *AuthRequest:
		return map[string]any{"type": r.Type, "scheme": r.Scheme, "auth_len": len(r.Auth), "auth": string(r.Auth)}
	case *SetWatchesRequest:
		return map[string]any{"relativeZxid": hexU64(r.RelativeZxid), "dataWatches": nonNil(r.DataWatches),
			"existWatches": nonNil(r.ExistWatches), "childWatches": nonNil(r.ChildWatches)}
	case *ReconfigRequest:
		return map[string]any{"joiningServers": nullableText(r.JoiningServers), "leavingServers": nullableText(r.LeavingServers),
			"newMembers": nullableText(r.NewMembers), "curConfigId": r.CurConfigID}
	case *PingRequest, *CloseSessionRequest, *WhoAmIRequest:
		return nil
	case *MultiRequest:
		var ops []any
		for _, op := range r.Ops {
			ops = append(ops, map[string]any{
				"MultiHeader": fmt.Sprintf("{type=%d, done=false, err=-1}", int32(op.OpCode())),
				"body":        describe(op),
			})
		}
		ops = append(ops, map[string]any{"MultiHeader": "{type=-1, done=true, err=-1}"})
		return map[string]any{"ops": ops}
	case *PathResponse:
		return map[string]any{"path": r.Path}
	case *Create2Response:
		return map[string]any{"path": r.Path, "stat": describeStat(&r.Stat)}
	case *StatResponse:
		return map[string]any{"stat": describeStat(&r.Stat)}
	case *GetDataResponse:
		m := map[string]any{"stat": describeStat(&r.Stat)}
		describeData(m, r.Data)
		return m
	case *GetACLResponse:
		return map[string]any{"acl": describeACLs(r.ACL), "stat": describeStat(&r.Stat)}
	case *GetChildrenResponse:
		return map[string]any{"children": nonNil(r.Children)}
	case *GetChildren2Response:
		return map[string]any{"children": nonNil(r.Children), "stat": describeStat(&r.Stat)}
	case *GetEphemeralsResponse:
		return map[string]any{"ephemerals": nonNil(r.Ephemerals)}
	case *GetAllChildrenNumberResponse:
		return map[string]any{"totalNumber": r.TotalNumber}
	case *ErrorResponse:
		return map[string]any{"ErrorResponse.err": int32(r.Err)}
	case *WhoAmIResponse:
		infos := []any{}
		for _, ci := range r.ClientInfo {
			infos = append(infos, map[string]any{"authScheme": ci.AuthScheme, "user": ci.User})
		}
		return map[string]any{"clientInfo": infos}
	case *MultiResponse:
		var results []any
		for _, res := range r.Results {
			m := map[string]any{"MultiHeader": fmt.Sprintf("{type=%d, done=false, err=%d}", int32(res.Op), int32(res.Err))}
			if b := describe(res.Resp); b != nil {
				m["body"] = b
			}
			results = append(results, m)
		}
		results = append(results, map[string]any{"MultiHeader": "{type=-1, done=true, err=-1}"})
		return map[string]any{"results": results}
	case *WatcherEvent:
		return map[string]any{"type": int32(r.Type), "state": int32(r.State), "path": r.Path}
	}
	panic(fmt.Sprintf("describe: unhandled %T", rec))
}

func describeData(m map[string]any, data []byte) {
	switch {
	case data == nil:
		m["data_len"] = -1
		m["data"] = nil
	case utf8.Valid(data):
		m["data_len"] = len(data)
		m["data"] = string(data)
	default:
		m["data_len"] = len(data)
		m["data_hex"] = hex.EncodeToString(data)
	}
}

func nullableText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func describeACLs(acl []ACL) []any {
	out := []any{}
	for _, a := range acl {
		out = append(out, map[string]any{"perms": a.Perms, "scheme": a.ID.Scheme, "id": a.ID.ID})
	}
	return out
}

func describeStat(s *Stat) map[string]any {
	return map[string]any{
		"czxid": s.Czxid, "mzxid": s.Mzxid, "ctime": s.Ctime, "mtime": s.Mtime,
		"version": s.Version, "cversion": s.Cversion, "aversion": s.Aversion,
		"ephemeralOwner": fmt.Sprintf("0x%016x", uint64(s.EphemeralOwner)),
		"dataLength":     s.DataLength, "numChildren": s.NumChildren, "pzxid": s.Pzxid,
	}
}

// TestCapturedFourLetterWords checks that the first bytes of every captured
// four-letter-word connection are recognised, and would be refused as a frame length.
func TestCapturedFourLetterWords(t *testing.T) {
	seen := 0
	for _, f := range loadCaptures(t) {
		if !strings.HasPrefix(f.Case, "fourlw_") {
			continue
		}
		b, err := hex.DecodeString(f.Frames[0].Hex)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := FourLetterWord(b)
		if !ok || "fourlw_"+w != f.Case {
			t.Errorf("%s: FourLetterWord(%q) = %q, %v", f.Case, b, w, ok)
		}
		if _, err := FrameLength(b, MaxBuffer); !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("%s: as a frame length: err = %v, want ErrFrameTooLarge", f.Case, err)
		}
		seen++
	}
	if seen == 0 {
		t.Fatal("no four-letter-word captures found")
	}
}

// TestMultiErrorResultMatchesCapture builds the reply to a multi whose second sub-op
// failed and compares it with what ZooKeeper 3.8.0 sent (multi_failure_check).
func TestMultiErrorResultMatchesCapture(t *testing.T) {
	for _, cf := range walkCaptures(t) {
		if cf.name != "multi_failure_check#3" {
			continue
		}
		hdr, err := DecodeReplyHeader(cf.frame[4:])
		if err != nil {
			t.Fatal(err)
		}
		resp := &MultiResponse{Results: []MultiResult{
			MultiErrorResult(ErrOK), MultiErrorResult(ErrBadVersion),
			MultiErrorResult(ErrRuntimeInconsistency), MultiErrorResult(ErrRuntimeInconsistency),
		}}
		if got := EncodeReply(hdr, resp); !bytes.Equal(got, cf.frame) {
			t.Fatalf("got  %x\nwant %x", got, cf.frame)
		}
		return
	}
	t.Fatal("capture multi_failure_check#3 not found")
}

// TestCapturedOversizeFrame: the 1.1 MB setData that ZooKeeper 3.8.0 refused (by
// closing the connection after the length prefix) is refused by FrameLength too, and
// fits once the limit is raised.
func TestCapturedOversizeFrame(t *testing.T) {
	seen := 0
	for _, f := range loadCaptures(t) {
		for _, fr := range f.Frames {
			if !fr.Truncated {
				continue
			}
			b, err := hex.DecodeString(fr.Hex)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := FrameLength(b, MaxBuffer); !errors.Is(err, ErrFrameTooLarge) {
				t.Errorf("%s#%d: err = %v, want ErrFrameTooLarge", f.Case, fr.I, err)
			}
			if n, err := FrameLength(b, 2*MaxBuffer); err != nil || n != fr.FullLen-4 || n <= MaxBuffer {
				t.Errorf("%s#%d with a 2 MiB limit: %d, %v; want %d", f.Case, fr.I, n, err, fr.FullLen-4)
			}
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("no truncated oversize frame in the captures")
	}
}
