package server

import (
	"io"
	"net"
	"testing"
	"time"
)

// FuzzClientBytes sends arbitrary bytes as a client connection's whole input, then
// checks that the server still answers. Whatever a client sends must at worst close
// that client's connection. The seed corpus holds the client side of captured
// sessions and four-letter words.
func FuzzClientBytes(f *testing.F) {
	addr, stop, err := StartStandalone(f.Context(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(stop)
	f.Add([]byte("ruok"))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, input []byte) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write(input)
		nc.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, nc)
		if got := fourLetter(t, addr, "ruok"); got != "imok" {
			t.Fatalf("server answers ruok with %q after the input", got)
		}
	})
}
