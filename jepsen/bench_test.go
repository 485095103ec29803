package jepsen

import (
	"io"
	"net"
	"testing"
)

// BenchmarkRelayRoundTrip measures one 1 KiB round trip through a passing relay to an
// echo server, the cost the relays add to every peer and client message.
func BenchmarkRelayRoundTrip(b *testing.B) {
	r, err := NewRelay(echoServer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 1024)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}
