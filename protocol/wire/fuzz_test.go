package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The seed corpora in testdata/fuzz/<Target>/ come from the ZooKeeper 3.8.0 captures;
// regenerate them with
//
//	go test ./protocol/wire -run TestFuzzSeedCorpus -update-fuzz-seeds
var updateFuzzSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite testdata/fuzz seed corpora from the captures")

func FuzzDecodeRequest(f *testing.F) {
	f.Add(requestPayload(1, OpCreate, func(e *Encoder) { e.NullUString() }))
	f.Add(requestPayload(1, 999, nil))
	f.Fuzz(func(t *testing.T, payload []byte) {
		hdr, req, err := DecodeRequest(payload)
		if err != nil {
			if req != nil {
				t.Fatalf("error %v with a request %#v", err, req)
			}
			return
		}
		if req.OpCode() != hdr.Type {
			t.Fatalf("header type %v, request %T has %v", hdr.Type, req, req.OpCode())
		}
		frame := EncodeRequest(hdr.Xid, req)
		hdr2, req2, err := DecodeRequest(frame[4:])
		if err != nil || hdr2 != hdr || !reflect.DeepEqual(req2, req) {
			t.Fatalf("re-encoded request decodes to %+v %#v %v\nwant %+v %#v", hdr2, req2, err, hdr, req)
		}
	})
}

func FuzzDecodeReply(f *testing.F) {
	f.Add(int32(OpGetData), EncodeReply(ReplyHeader{Xid: 1, Zxid: 2}, &GetDataResponse{Data: []byte("x")})[4:])
	f.Fuzz(func(t *testing.T, op int32, payload []byte) {
		hdr, resp, err := DecodeReply(payload, OpCode(op))
		if err != nil {
			if resp != nil {
				t.Fatalf("error %v with a response %#v", err, resp)
			}
			return
		}
		frame := EncodeReply(hdr, resp)
		hdr2, resp2, err := DecodeReply(frame[4:], OpCode(op))
		if err != nil || hdr2 != hdr || !reflect.DeepEqual(resp2, resp) {
			t.Fatalf("re-encoded reply decodes to %+v %#v %v\nwant %+v %#v", hdr2, resp2, err, hdr, resp)
		}
	})
}

func FuzzDecodeConnectRequest(f *testing.F) {
	f.Add(EncodeConnectRequest(&ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})[4:])
	f.Fuzz(func(t *testing.T, payload []byte) {
		req, err := DecodeConnectRequest(payload)
		if err != nil {
			return
		}
		req2, err := DecodeConnectRequest(EncodeConnectRequest(&req)[4:])
		if err != nil || !reflect.DeepEqual(req2, req) {
			t.Fatalf("re-encoded connect request decodes to %+v %v\nwant %+v", req2, err, req)
		}
	})
}

func FuzzDecodeConnectResponse(f *testing.F) {
	f.Add(EncodeConnectResponse(&ConnectResponse{TimeOut: 30000, SessionID: 1, Passwd: make([]byte, 16)})[4:])
	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := DecodeConnectResponse(payload)
		if err != nil {
			return
		}
		resp2, err := DecodeConnectResponse(EncodeConnectResponse(&resp)[4:])
		if err != nil || !reflect.DeepEqual(resp2, resp) {
			t.Fatalf("re-encoded connect response decodes to %+v %v\nwant %+v", resp2, err, resp)
		}
	})
}

func FuzzParseFrame(f *testing.F) {
	f.Add([]byte("ruok"), MaxBuffer)
	f.Add(EncodeRequest(1, &GetDataRequest{Path: "/a"}), 16)
	f.Fuzz(func(t *testing.T, buf []byte, maxLen int) {
		payload, n, err := ParseFrame(buf, maxLen)
		switch {
		case err != nil:
			if n != 0 || payload != nil {
				t.Fatalf("error %v with n=%d", err, n)
			}
		case n == 0:
			if payload != nil {
				t.Fatalf("incomplete frame with a payload")
			}
		default:
			if n > len(buf) || len(payload) != n-4 || len(payload) > maxLen {
				t.Fatalf("n=%d payload %d bytes, buffer %d, max %d", n, len(payload), len(buf), maxLen)
			}
		}
	})
}

// TestFuzzSeedCorpus checks that every fuzz target has a committed seed corpus, and
// with -update-fuzz-seeds rewrites the corpora from the captured frames.
func TestFuzzSeedCorpus(t *testing.T) {
	targets := []string{"FuzzDecodeRequest", "FuzzDecodeReply", "FuzzDecodeConnectRequest",
		"FuzzDecodeConnectResponse", "FuzzParseFrame"}
	if *updateFuzzSeeds {
		seeds := map[string]map[string]string{}
		for _, target := range targets {
			seeds[target] = map[string]string{}
		}
		add := func(target, name, body string) {
			sum := sha256.Sum256([]byte(body))
			key := string(sum[:])
			if _, dup := seeds[target][key]; dup {
				return
			}
			seeds[target][key] = name + "-" + hex.EncodeToString(sum[:4]) + "\x00" + body
		}
		shapes := map[string]bool{}
		for _, cf := range walkCaptures(t) {
			payload := strconv.Quote(string(cf.frame[4:]))
			name := strings.ReplaceAll(cf.name, "#", "-")
			switch cf.kind {
			case "connreq", "connresp":
				// Handshakes differ only in session ids and passwords; keep one per
				// shape (with or without readOnly, new or resumed session).
				target := "FuzzDecodeConnectRequest"
				sessionAt := 20
				if cf.kind == "connresp" {
					target, sessionAt = "FuzzDecodeConnectResponse", 12
				}
				shape := fmt.Sprintf("%d/%x", len(cf.frame), cf.frame[sessionAt:sessionAt+8])
				if cf.frame[sessionAt] != 0 {
					shape = fmt.Sprintf("%d/session", len(cf.frame))
				}
				if !shapes[target+shape] {
					shapes[target+shape] = true
					add(target, name, "[]byte("+payload+")\n")
					// Whole frames, a byte short, and under a tight limit.
					frame := strconv.Quote(string(cf.frame))
					short := strconv.Quote(string(cf.frame[:len(cf.frame)-1]))
					add("FuzzParseFrame", name, fmt.Sprintf("[]byte(%s)\nint(%d)\n", frame, MaxBuffer))
					add("FuzzParseFrame", name+"-short", fmt.Sprintf("[]byte(%s)\nint(%d)\n", short, MaxBuffer))
					add("FuzzParseFrame", name+"-limit", fmt.Sprintf("[]byte(%s)\nint(%d)\n", frame, len(cf.frame)-5))
				}
			case "request":
				add("FuzzDecodeRequest", name, "[]byte("+payload+")\n")
			case "reply":
				add("FuzzDecodeReply", name, fmt.Sprintf("int32(%d)\n[]byte(%s)\n", int32(cf.op), payload))
			}
		}
		for _, target := range targets {
			dir := filepath.Join("testdata", "fuzz", target)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, entry := range seeds[target] {
				name, body, _ := strings.Cut(entry, "\x00")
				if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, target := range targets {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil || len(entries) == 0 {
			t.Errorf("%s: no seed corpus (%v); run with -update-fuzz-seeds", target, err)
		}
	}
}
