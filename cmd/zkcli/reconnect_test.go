package main

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// proxy forwards TCP connections to a server and can cut them all at once,
// as a network blip would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// After the connection drops, go-zk resumes the session on a new one; the
// tap must follow it, and the addWatch watch must be registered again.
func TestReconnectKeepsSessionAndPersistentWatch(t *testing.T) {
	addr := startServer(t)
	px := startProxy(t, addr)
	other, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	out := &lockedBuffer{}
	errb := &lockedBuffer{}
	sh := newShell(px.addr(), 5*time.Second, time.UTC, out, errb)
	if err := sh.connect(px.addr()); err != nil {
		t.Fatal(err)
	}
	defer sh.disconnect()
	for _, line := range []string{"create /r", "create -e /r/mine", "addWatch /r"} {
		if sh.executeLine(line) {
			t.Fatalf("%s failed: %s", line, errb.String())
		}
	}
	session := sh.conn.SessionID()

	px.cut()
	waitUntil(t, func() bool {
		_, _, ok := sh.live()
		return ok && sh.conn.SessionID() == session && sh.prompt() == "[zk: "+px.addr()+"(CONNECTED) 3] "
	})
	// The re-sent addWatch travels on its own; give it a moment, then check
	// that a change by another client still arrives.
	waitUntil(t, func() bool {
		if _, err := other.Create("/r/x", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if err := other.Delete("/r/x", -1); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(out.String(), "type:NodeCreated path:/r/x")
	})
	if sh.executeLine("getEphemerals /r") {
		t.Fatalf("getEphemerals failed after reconnect: %s", errb.String())
	}
	if !strings.Contains(out.String(), "[/r/mine]\n") {
		t.Fatalf("getEphemerals after reconnect: %q", out.String())
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
