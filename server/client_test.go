package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/wire"
)

func startClient(t *testing.T) (addr string, c *zk.Conn) {
	t.Helper()
	addr, stop, err := StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr, connect(t, addr, 10*time.Second)
}

func connect(t *testing.T, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect([]string{addr}, timeout, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c
			}
		case <-deadline:
			t.Fatal("no session")
		}
	}
}

func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestClientNodeTypes(t *testing.T) {
	_, c := startClient(t)
	must(c.Create("/p", []byte("v"), 0, open))(t)
	if got := must(c.Create("/p/s-", nil, zk.FlagSequence, open))(t); got != "/p/s-0000000000" {
		t.Errorf("sequential: %s", got)
	}
	if got := must(c.Create("/p/es-", nil, zk.FlagEphemeral|zk.FlagSequence, open))(t); got != "/p/es-0000000001" {
		t.Errorf("ephemeral sequential: %s", got)
	}
	must(c.Create("/p/e", nil, zk.FlagEphemeral, open))(t)
	must(c.CreateContainer("/p/box", nil, 4 /* container mode */, open))(t)
	must(c.CreateTTL("/p/ttl", nil, zk.FlagTTL, open, time.Minute))(t)
	_, st := must2(c.Exists("/p/e"))(t)
	if st.EphemeralOwner != c.SessionID() {
		t.Errorf("ephemeralOwner %x, session %x", st.EphemeralOwner, c.SessionID())
	}
	kids, _ := must2(c.Children("/p"))(t)
	slices.Sort(kids)
	if want := []string{"box", "e", "es-0000000001", "s-0000000000", "ttl"}; !slices.Equal(kids, want) {
		t.Errorf("children %v, want %v", kids, want)
	}
	data, st := must2(c.Get("/p"))(t)
	if string(data) != "v" || st.NumChildren != 5 {
		t.Errorf("get /p: %q %+v", data, st)
	}
	st = must(c.Set("/p", []byte("w"), st.Version))(t)
	if st.Version != 1 {
		t.Errorf("version %d", st.Version)
	}
	if _, err := c.Set("/p", []byte("x"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Errorf("stale set: %v", err)
	}
	if _, err := c.Create("/p", nil, 0, open); !errors.Is(err, zk.ErrNodeExists) {
		t.Errorf("duplicate create: %v", err)
	}
	if _, err := c.Create("/p/e/child", nil, 0, open); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Errorf("child of ephemeral: %v", err)
	}
	if err := c.Delete("/p", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Errorf("delete non-empty: %v", err)
	}
	if err := c.Delete("/p/s-0000000000", 0); err != nil {
		t.Error(err)
	}
	if ok, _ := must2(c.Exists("/p/s-0000000000"))(t); ok {
		t.Error("deleted node exists")
	}
	if p := must(c.Sync("/p"))(t); p != "/p" {
		t.Errorf("sync: %s", p)
	}
	acl, _ := must2(c.GetACL("/p"))(t)
	if !slices.Equal(acl, open) {
		t.Errorf("acl %v", acl)
	}
	must(c.SetACL("/p", zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermCreate|zk.PermDelete), -1))(t)
	if _, err := c.SetACL("/p", open, -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("setACL without ADMIN: %v", err)
	}
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func TestClientMulti(t *testing.T) {
	_, c := startClient(t)
	must(c.Create("/m", nil, 0, open))(t)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m/a", Data: []byte("1"), Acl: open},
		&zk.SetDataRequest{Path: "/m/a", Data: []byte("2"), Version: 0},
		&zk.CheckVersionRequest{Path: "/m/a", Version: 1},
	)
	if err != nil || len(res) != 3 || res[0].String != "/m/a" {
		t.Fatalf("multi: %v %+v", err, res)
	}
	_, err = c.Multi(
		&zk.CreateRequest{Path: "/m/b", Acl: open},
		&zk.CheckVersionRequest{Path: "/m/a", Version: 42},
	)
	if !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("failed multi: %v", err)
	}
	if ok, _ := must2(c.Exists("/m/b"))(t); ok {
		t.Error("a failed multi applied its first op")
	}
}

func TestClientDigestACL(t *testing.T) {
	addr, c := startClient(t)
	if err := c.AddAuth("digest", []byte("user:password")); err != nil {
		t.Fatal(err)
	}
	must(c.Create("/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "user", "password")))(t)
	other := connect(t, addr, 10*time.Second)
	if _, _, err := other.Get("/secret"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("unauthenticated read: %v", err)
	}
	if err := other.AddAuth("digest", []byte("user:wrong")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Get("/secret"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("wrong password read: %v", err)
	}
	if err := other.AddAuth("digest", []byte("user:password")); err != nil {
		t.Fatal(err)
	}
	if data, _ := must2(other.Get("/secret"))(t); string(data) != "s" {
		t.Errorf("data %q", data)
	}
}

func waitEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Errorf("event %v %s, want %v %s", ev.Type, ev.Path, typ, path)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v event for %s", typ, path)
	}
}

func TestClientWatches(t *testing.T) {
	addr, c := startClient(t)
	other := connect(t, addr, 10*time.Second)
	must(c.Create("/w", nil, 0, open))(t)
	_, _, dataW := must3(c.GetW("/w"))(t)
	_, _, childW := must3(c.ChildrenW("/w"))(t)
	_, _, existW := must3(c.ExistsW("/w/new"))(t)
	must(other.Set("/w", []byte("1"), -1))(t)
	waitEvent(t, dataW, zk.EventNodeDataChanged, "/w")
	must(other.Create("/w/new", nil, 0, open))(t)
	waitEvent(t, existW, zk.EventNodeCreated, "/w/new")
	waitEvent(t, childW, zk.EventNodeChildrenChanged, "/w")
	// One-shot: a second change fires nothing on the old channel.
	must(other.Set("/w", []byte("2"), -1))(t)
	select {
	case ev, ok := <-dataW:
		if ok {
			t.Errorf("one-shot watch fired twice: %+v", ev)
		}
	case <-time.After(200 * time.Millisecond):
	}
	_, _, delW := must3(c.ExistsW("/w/new"))(t)
	if err := other.Delete("/w/new", -1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, delW, zk.EventNodeDeleted, "/w/new")
}

func must3[A, B, C any](a A, b B, c C, err error) func(*testing.T) (A, B, C) {
	return func(t *testing.T) (A, B, C) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b, c
	}
}

// rawSession opens a session with raw frames, for what go-zk cannot do: addWatch,
// and vanishing without closing the session.
type rawSession struct {
	t   *testing.T
	nc  net.Conn
	xid int32
}

func dialRaw(t *testing.T, addr string, timeout int32) *rawSession {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if _, err := nc.Write(wire.EncodeConnectRequest(&wire.ConnectRequest{TimeOut: timeout, Passwd: make([]byte, 16)})); err != nil {
		t.Fatal(err)
	}
	if _, err := readFrame(nc); err != nil {
		t.Fatal(err)
	}
	return &rawSession{t: t, nc: nc}
}

// call sends a request and returns its reply header, skipping notifications, which
// it returns separately.
func (s *rawSession) call(req wire.Request) (wire.ReplyHeader, []wire.WatcherEvent) {
	s.t.Helper()
	s.xid++
	if _, err := s.nc.Write(wire.EncodeRequest(s.xid, req)); err != nil {
		s.t.Fatal(err)
	}
	var events []wire.WatcherEvent
	for {
		hdr, resp := s.read(req.OpCode())
		if hdr.Xid == wire.XidNotification {
			events = append(events, *resp.(*wire.WatcherEvent))
			continue
		}
		return hdr, events
	}
}

func (s *rawSession) read(op wire.OpCode) (wire.ReplyHeader, wire.Response) {
	s.t.Helper()
	frame, err := readFrame(s.nc)
	if err != nil {
		s.t.Fatal(err)
	}
	hdr, resp, err := wire.DecodeReply(frame[4:], op)
	if err != nil {
		s.t.Fatal(err)
	}
	return hdr, resp
}

func TestPersistentRecursiveWatch(t *testing.T) {
	addr, c := startClient(t)
	raw := dialRaw(t, addr, 30000)
	if hdr, _ := raw.call(&wire.AddWatchRequest{Path: "/r", Mode: wire.AddWatchPersistentRecursive}); hdr.Err != 0 {
		t.Fatalf("addWatch: %v", hdr.Err)
	}
	must(c.Create("/r", nil, 0, open))(t)
	must(c.Create("/r/a", nil, 0, open))(t)
	must(c.Set("/r/a", []byte("x"), -1))(t)
	must(c.Set("/r/a", []byte("y"), -1))(t)
	want := []wire.WatcherEvent{
		{Type: wire.EventNodeCreated, Path: "/r"},
		{Type: wire.EventNodeCreated, Path: "/r/a"},
		{Type: wire.EventNodeDataChanged, Path: "/r/a"},
		{Type: wire.EventNodeDataChanged, Path: "/r/a"},
	}
	for _, w := range want {
		raw.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		hdr, resp := raw.read(wire.OpGetData)
		ev, ok := resp.(*wire.WatcherEvent)
		if hdr.Xid != wire.XidNotification || !ok || ev.Type != w.Type || ev.Path != w.Path {
			t.Fatalf("got %+v %+v, want %+v", hdr, resp, w)
		}
	}
}

func TestEphemeralsGoWithTheSession(t *testing.T) {
	addr, c := startClient(t)
	owner := connect(t, addr, 10*time.Second)
	must(owner.Create("/closed", nil, zk.FlagEphemeral, open))(t)
	_, _, w := must3(c.ExistsW("/closed"))(t)
	owner.Close()
	waitEvent(t, w, zk.EventNodeDeleted, "/closed")

	// A session whose client vanishes without closing it expires after its timeout
	// (4 s, the minimum with tickTime=2000), and its ephemerals go.
	raw := dialRaw(t, addr, 4000)
	if hdr, _ := raw.call(&wire.CreateRequest{Path: "/expired", ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: "world", ID: "anyone"}}}, Flags: wire.CreateMode(1)}); hdr.Err != 0 {
		t.Fatalf("create: %v", hdr.Err)
	}
	_, _, w = must3(c.ExistsW("/expired"))(t)
	start := time.Now()
	raw.nc.Close()
	waitEventWithin(t, w, zk.EventNodeDeleted, "/expired", 10*time.Second)
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("ephemeral deleted after %v, before the 4 s session timeout", d)
	}
}

func waitEventWithin(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Errorf("event %v %s, want %v %s", ev.Type, ev.Path, typ, path)
		}
	case <-time.After(d):
		t.Fatalf("no %v event for %s within %v", typ, path, d)
	}
}

func TestOversizeFrameClosesConnection(t *testing.T) {
	addr, c := startClient(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The captured oversize setData's length prefix: 1,100,042 > jute.maxbuffer.
	if _, err := nc.Write([]byte{0x00, 0x10, 0xc9, 0x0a}); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if n, err := nc.Read(b[:]); n != 0 || err == nil {
		t.Fatalf("read %d bytes, err %v; want the connection closed", n, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection left open")
	}
	// Other clients are unaffected.
	must(c.Create("/after", nil, 0, open))(t)
}

func TestMaxClientCnxnsPerIP(t *testing.T) {
	srv := newTestServer(t, t.TempDir(), "maxClientCnxns=2\n")
	addr := srv.Addr().String()
	var conns []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		conns = append(conns, nc)
	}
	// The third connection from 127.0.0.1 is accepted and closed at once.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := nc.Read(b[:]); err == nil {
		t.Fatal("third connection not closed")
	}
	// Once one closes, a new one is admitted.
	conns[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		got := fourLetterOn(nc, "srvr")
		nc.Close()
		if len(got) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection admitted after one closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fourLetterOn(nc net.Conn, cmd string) []byte {
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write([]byte(cmd))
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := nc.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// TestSlowReaderIsCutOff: a client that sends requests but never reads its replies
// fills its bounded write queue and is disconnected; other clients keep being served.
func TestSlowReaderIsCutOff(t *testing.T) {
	var logged syncBuffer
	srv := newTestServer(t, t.TempDir(), "maxClientCnxns=0\n", func(o *Options) {
		o.WriteQueue = 8
		o.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	})
	addr := srv.Addr().String()
	c := connect(t, addr, 10*time.Second)
	big := make([]byte, 512<<10)
	must(c.Create("/big", big, 0, open))(t)

	slow := dialRaw(t, addr, 30000)
	const requests = 64 // 32 MiB of replies: far more than the socket buffers hold
	for i := range requests {
		if _, err := slow.nc.Write(wire.EncodeRequest(int32(i+1), &wire.GetDataRequest{Path: "/big"})); err != nil {
			break // already cut off
		}
	}
	// The others are not held up by the stalled connection.
	for i := range 20 {
		t0 := time.Now()
		must(c.Set("/big", big[:i], -1))(t)
		if d := time.Since(t0); d > 10*time.Second {
			t.Fatalf("a write took %v while a client stalled", d)
		}
	}
	// The slow client gets part of its replies, then the connection ends.
	slow.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, slow.nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the stalled connection was not closed")
	}
	if n >= requests*int64(len(big)) {
		t.Fatalf("read %d bytes: every reply arrived, the connection was never cut", n)
	}
	if !strings.Contains(logged.String(), "client does not read its replies") {
		t.Errorf("the cut was not for the full queue; log:\n%s", logged.String())
	}
}

// syncBuffer is a bytes.Buffer that a server's log may write while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRunReturnsWithLiveClients: cancelling Run closes every connection, including
// ones that sent half a frame, and returns promptly.
func TestRunReturnsWithLiveClients(t *testing.T) {
	srv, result, cancel, err := tryTestServer(t, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	connect(t, addr, 10*time.Second)
	half, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	half.Write([]byte{0, 0, 0, 44, 0, 0})
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	for _, nc := range []net.Conn{half, idle} {
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := nc.Read(make([]byte, 1)); err == nil {
			t.Error("connection still open after Run returned")
		}
	}
}
