package protocol

import (
	"fmt"
	"testing"

	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
)

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
