package wire

import (
	"bytes"
	"testing"
)

var benchRequests = []struct {
	name string
	req  Request
}{
	{"getData", &GetDataRequest{Path: "/app/config/node-0001", Watch: true}},
	{"setData", &SetDataRequest{Path: "/app/config/node-0001", Data: bytes.Repeat([]byte("x"), 1024), Version: 7}},
	{"create", &CreateRequest{Op: OpCreate, Path: "/app/locks/lock-", Data: []byte("owner"),
		ACL: []ACL{{Perms: PermAll, ID: Id{Scheme: "world", ID: "anyone"}}}, Flags: ModeEphemeralSequential}},
}

var benchStat = Stat{Czxid: 0x100000002, Mzxid: 0x100000009, Ctime: 1795317177104, Mtime: 1795317177999,
	Version: 7, EphemeralOwner: 0x100003e24820009, DataLength: 1024, Pzxid: 0x100000002}

var benchReplies = []struct {
	name string
	op   OpCode
	resp Response
}{
	{"getData", OpGetData, &GetDataResponse{Data: bytes.Repeat([]byte("x"), 1024), Stat: benchStat}},
	{"setData", OpSetData, &StatResponse{Stat: benchStat}},
	{"create", OpCreate, &PathResponse{Path: "/app/locks/lock-0000000042"}},
}

func BenchmarkEncodeRequest(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = AppendRequest(buf[:0], 42, bc.req)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkDecodeRequest(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			payload := EncodeRequest(42, bc.req)[4:]
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := DecodeRequest(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeReply(b *testing.B) {
	for _, bc := range benchReplies {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			hdr := ReplyHeader{Xid: 42, Zxid: 0x100000009}
			for b.Loop() {
				buf = AppendReply(buf[:0], hdr, bc.resp)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkDecodeReply(b *testing.B) {
	for _, bc := range benchReplies {
		b.Run(bc.name, func(b *testing.B) {
			payload := EncodeReply(ReplyHeader{Xid: 42, Zxid: 0x100000009}, bc.resp)[4:]
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := DecodeReply(payload, bc.op); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
