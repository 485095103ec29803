package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// fakeServer speaks the client protocol through this package, so that a real
// go-zookeeper/zk client can be pointed at it: every request go-zk sends is decoded by
// DecodeRequest, and every reply go-zk parses was built by EncodeReply.
type fakeServer struct {
	mu       sync.Mutex
	connects []ConnectRequest
	reqs     []recordedRequest
	pings    [][]byte
	errs     []error
	zxid     int64
	dropOn   string // close the connection after replying to a getData of this path
	notifyOn string // after an exists reply for this path, send NodeDataChanged for it
}

type recordedRequest struct {
	hdr   RequestHeader
	req   Request
	frame []byte
}

var fakeStat = Stat{Czxid: 7, Mzxid: 8, Ctime: 1700000000000, Mtime: 1700000000001, Version: 2,
	Cversion: 3, Aversion: 4, EphemeralOwner: 0x100003e24820009, DataLength: 5, NumChildren: 2, Pzxid: 9}

const fakeSessionID = 0x100003e24820009

func (s *fakeServer) dial(string, string, time.Duration) (net.Conn, error) {
	client, server := net.Pipe()
	go s.serve(server)
	return client, nil
}

func (s *fakeServer) fail(err error) {
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

func readFrame(r io.Reader) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	n, err := FrameLength(prefix[:], MaxBuffer)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, 4+n)
	copy(frame, prefix[:])
	_, err = io.ReadFull(r, frame[4:])
	return frame, err
}

func (s *fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	frame, err := readFrame(conn)
	if err != nil {
		return
	}
	creq, err := DecodeConnectRequest(frame[4:])
	if err != nil {
		s.fail(err)
		return
	}
	if got := EncodeConnectRequest(&creq); !bytes.Equal(got, frame) {
		s.fail(fmt.Errorf("connect request re-encodes to %x, want %x", got, frame))
	}
	s.mu.Lock()
	s.connects = append(s.connects, creq)
	s.mu.Unlock()
	passwd := bytes.Repeat([]byte{0xab}, 16)
	resp := ConnectResponse{TimeOut: creq.TimeOut, SessionID: fakeSessionID, Passwd: passwd, HasReadOnly: creq.HasReadOnly}
	if _, err := conn.Write(EncodeConnectResponse(&resp)); err != nil {
		return
	}
	for {
		frame, err := readFrame(conn)
		if err != nil {
			return
		}
		hdr, req, err := DecodeRequest(frame[4:])
		if err != nil {
			s.fail(err)
			return
		}
		s.mu.Lock()
		if hdr.Type == OpPing {
			s.pings = append(s.pings, frame)
		} else {
			s.reqs = append(s.reqs, recordedRequest{hdr, req, frame})
		}
		s.zxid++
		zxid := s.zxid
		dropOn, notifyOn := s.dropOn, s.notifyOn
		s.mu.Unlock()
		out := EncodeReply(ReplyHeader{Xid: hdr.Xid, Zxid: zxid}, fakeResponse(req))
		if _, err := conn.Write(out); err != nil {
			return
		}
		switch r := req.(type) {
		case *CloseSessionRequest:
			return
		case *GetDataRequest:
			if r.Path == dropOn {
				return
			}
		case *ExistsRequest:
			if r.Path == notifyOn {
				ev := &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: r.Path}
				if _, err := conn.Write(AppendNotification(nil, -1, ev)); err != nil {
					return
				}
			}
		}
	}
}

// fakeResponse builds a plausible success reply for req.
func fakeResponse(req Request) Response {
	switch r := req.(type) {
	case *CreateRequest:
		if r.OpCode() == OpCreate {
			return &PathResponse{Path: r.Path}
		}
		return &Create2Response{Path: r.Path, Stat: fakeStat}
	case *ExistsRequest, *SetDataRequest, *SetACLRequest:
		return &StatResponse{Stat: fakeStat}
	case *GetDataRequest:
		return &GetDataResponse{Data: []byte("hello"), Stat: fakeStat}
	case *GetACLRequest:
		return &GetACLResponse{ACL: []ACL{{Perms: PermRead, ID: Id{"world", "anyone"}}, {Perms: PermAll, ID: Id{"digest", "user:x"}}}, Stat: fakeStat}
	case *GetChildren2Request:
		return &GetChildren2Response{Children: []string{"a", "b"}, Stat: fakeStat}
	case *SyncRequest:
		return &PathResponse{Path: r.Path}
	case *ReconfigRequest:
		return &GetDataResponse{Data: []byte("server.1=x"), Stat: fakeStat}
	case *MultiRequest:
		var res []MultiResult
		for _, op := range r.Ops {
			switch o := op.(type) {
			case *CreateRequest:
				res = append(res, MultiResult{Op: OpCreate, Resp: &PathResponse{Path: o.Path}})
			case *SetDataRequest:
				res = append(res, MultiResult{Op: OpSetData, Resp: &StatResponse{Stat: fakeStat}})
			default:
				res = append(res, MultiResult{Op: op.OpCode()})
			}
		}
		return &MultiResponse{Results: res}
	}
	return nil
}

func (s *fakeServer) takeRequests() []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs
	s.reqs = nil
	return r
}

func zkStat(s Stat) *zk.Stat {
	return &zk.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner,
		DataLength: s.DataLength, NumChildren: s.NumChildren, Pzxid: s.Pzxid}
}

type silentLogger struct{}

func (silentLogger) Printf(string, ...any) {}

// TestGoZookeeperClient drives a real go-zookeeper/zk v1.0.4 client against a server
// built on this package. Each call's request must decode to exactly the expected
// value and re-encode to go-zk's bytes, and go-zk must read our replies back.
func TestGoZookeeperClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a go-zookeeper client")
	}
	srv := &fakeServer{dropOn: "/drop", notifyOn: "/notify"}
	conn, events, err := zk.Connect([]string{"127.0.0.1:2181"}, 30*time.Second,
		zk.WithDialer(srv.dial), zk.WithLogger(silentLogger{}), zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		for range events {
		}
	}()

	world := []ACL{{Perms: PermAll, ID: Id{Scheme: "world", ID: "anyone"}}}
	zkWorld := zk.WorldACL(zk.PermAll)

	// expect runs call and checks the one request it must have produced.
	expect := func(name string, want Request, call func() error) {
		t.Helper()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := srv.takeRequests()
		if len(got) != 1 {
			t.Fatalf("%s: server saw %d requests, want 1", name, len(got))
		}
		if !reflect.DeepEqual(got[0].req, want) {
			t.Errorf("%s: decoded %#v\nwant %#v", name, got[0].req, want)
		}
		if re := EncodeRequest(got[0].hdr.Xid, got[0].req); !bytes.Equal(re, got[0].frame) {
			t.Errorf("%s: re-encoded %x\ngo-zk sent  %x", name, re, got[0].frame)
		}
	}
	check := func(name string, ok bool, detail ...any) {
		t.Helper()
		if !ok {
			t.Errorf("%s: go-zk read our reply wrongly: %v", name, detail)
		}
	}

	expect("create", &CreateRequest{Op: OpCreate, Path: "/a", Data: []byte("x"), ACL: world, Flags: ModeEphemeral}, func() error {
		p, err := conn.Create("/a", []byte("x"), zk.FlagEphemeral, zkWorld)
		check("create", p == "/a", p)
		return err
	})
	expect("create null data", &CreateRequest{Op: OpCreate, Path: "/n", ACL: world}, func() error {
		_, err := conn.Create("/n", nil, 0, zkWorld)
		return err
	})
	expect("createContainer", &CreateRequest{Op: OpCreateContainer, Path: "/c", Data: []byte{}, ACL: world, Flags: ModeContainer}, func() error {
		p, err := conn.CreateContainer("/c", []byte{}, zk.FlagContainer, zkWorld)
		check("createContainer", p == "/c", p)
		return err
	})
	expect("createTTL", &CreateRequest{Op: OpCreateTTL, Path: "/t", Data: []byte("t"), ACL: world, Flags: ModePersistentWithTTL, TTL: 60000}, func() error {
		_, err := conn.CreateTTL("/t", []byte("t"), zk.FlagTTL, zkWorld, time.Minute)
		return err
	})
	expect("delete", &DeleteRequest{Path: "/a", Version: 3}, func() error { return conn.Delete("/a", 3) })
	expect("exists", &ExistsRequest{Path: "/a"}, func() error {
		ok, st, err := conn.Exists("/a")
		check("exists", ok && reflect.DeepEqual(st, zkStat(fakeStat)), st)
		return err
	})
	expect("getData", &GetDataRequest{Path: "/a"}, func() error {
		data, st, err := conn.Get("/a")
		check("getData", string(data) == "hello" && reflect.DeepEqual(st, zkStat(fakeStat)), data, st)
		return err
	})
	expect("getData watch", &GetDataRequest{Path: "/a", Watch: true}, func() error {
		_, _, _, err := conn.GetW("/a")
		return err
	})
	expect("setData", &SetDataRequest{Path: "/a", Data: []byte("y"), Version: 2}, func() error {
		st, err := conn.Set("/a", []byte("y"), 2)
		check("setData", reflect.DeepEqual(st, zkStat(fakeStat)), st)
		return err
	})
	expect("getChildren2", &GetChildren2Request{Path: "/p"}, func() error {
		children, _, err := conn.Children("/p")
		check("getChildren2", reflect.DeepEqual(children, []string{"a", "b"}), children)
		return err
	})
	expect("getChildren2 watch", &GetChildren2Request{Path: "/p", Watch: true}, func() error {
		_, _, _, err := conn.ChildrenW("/p")
		return err
	})
	expect("getACL", &GetACLRequest{Path: "/a"}, func() error {
		acl, _, err := conn.GetACL("/a")
		want := []zk.ACL{{Perms: zk.PermRead, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "digest", ID: "user:x"}}
		check("getACL", reflect.DeepEqual(acl, want), acl)
		return err
	})
	expect("setACL", &SetACLRequest{Path: "/a", ACL: []ACL{{Perms: PermRead | PermAdmin, ID: Id{"digest", "user:hash"}}}, Version: 4}, func() error {
		_, err := conn.SetACL("/a", []zk.ACL{{Perms: zk.PermRead | zk.PermAdmin, Scheme: "digest", ID: "user:hash"}}, 4)
		return err
	})
	expect("sync", &SyncRequest{Path: "/a"}, func() error {
		p, err := conn.Sync("/a")
		check("sync", p == "/a", p)
		return err
	})
	expect("multi", &MultiRequest{Op: OpMulti, Ops: []Request{
		&CreateRequest{Op: OpCreate, Path: "/m/a", Data: []byte("1"), ACL: world},
		&SetDataRequest{Path: "/m", Data: []byte("2"), Version: -1},
		&DeleteRequest{Path: "/m/b", Version: 0},
		&CheckVersionRequest{Path: "/m", Version: 5},
	}}, func() error {
		res, err := conn.Multi(
			&zk.CreateRequest{Path: "/m/a", Data: []byte("1"), Acl: zkWorld},
			&zk.SetDataRequest{Path: "/m", Data: []byte("2"), Version: -1},
			&zk.DeleteRequest{Path: "/m/b", Version: 0},
			&zk.CheckVersionRequest{Path: "/m", Version: 5},
		)
		check("multi", len(res) == 4 && res[0].String == "/m/a" && reflect.DeepEqual(res[1].Stat, zkStat(fakeStat)), res)
		return err
	})
	expect("reconfig incremental", &ReconfigRequest{JoiningServers: []byte("server.5=127.0.0.1:2895:3895;2185"),
		LeavingServers: []byte{}, CurConfigID: -1}, func() error {
		_, err := conn.IncrementalReconfig([]string{"server.5=127.0.0.1:2895:3895;2185"}, nil, -1)
		return err
	})
	expect("reconfig", &ReconfigRequest{NewMembers: []byte("server.1=a,server.2=b"), CurConfigID: 12}, func() error {
		_, err := conn.Reconfig([]string{"server.1=a", "server.2=b"}, 12)
		return err
	})
	expect("auth", &AuthRequest{Scheme: "digest", Auth: []byte("user:password")}, func() error {
		return conn.AddAuth("digest", []byte("user:password"))
	})

	// A notification built by AppendNotification reaches go-zk's watcher.
	var watch <-chan zk.Event
	expect("exists watch", &ExistsRequest{Path: "/notify", Watch: true}, func() error {
		var err error
		_, _, watch, err = conn.ExistsW("/notify")
		return err
	})
	select {
	case ev := <-watch:
		if ev.Type != zk.EventNodeDataChanged || ev.Path != "/notify" {
			t.Errorf("watch event = %+v, want NodeDataChanged /notify", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event")
	}

	// Dropping the connection makes go-zk reconnect with its session, re-send auth
	// and re-arm the data watch with setWatches.
	if _, _, _, err := conn.GetW("/drop"); err != nil {
		t.Fatal(err)
	}
	srv.takeRequests()
	deadline := time.Now().Add(15 * time.Second)
	var sawAuth bool
	var sw *SetWatchesRequest
	for sw == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		for _, r := range srv.takeRequests() {
			switch req := r.req.(type) {
			case *AuthRequest:
				sawAuth = true
			case *SetWatchesRequest:
				sw = req
				if re := EncodeRequest(r.hdr.Xid, req); !bytes.Equal(re, r.frame) {
					t.Errorf("setWatches re-encoded %x\ngo-zk sent   %x", re, r.frame)
				}
			}
		}
	}
	if sw == nil {
		t.Fatal("go-zk sent no setWatches after the reconnect")
	}
	if !sawAuth {
		t.Error("go-zk did not re-send auth after the reconnect")
	}
	// go-zk lists watches in Go map order.
	slices.Sort(sw.DataWatches)
	if !reflect.DeepEqual(sw.DataWatches, []string{"/a", "/drop"}) || !reflect.DeepEqual(sw.ChildWatches, []string{"/p"}) ||
		sw.ExistWatches != nil || sw.RelativeZxid <= 0 {
		t.Errorf("setWatches = %+v, want data watches /a /drop, child watch /p and a positive relativeZxid", sw)
	}
	srv.mu.Lock()
	connects := append([]ConnectRequest(nil), srv.connects...)
	srv.mu.Unlock()
	if len(connects) < 2 || connects[0].SessionID != 0 || connects[1].SessionID != fakeSessionID ||
		connects[0].HasReadOnly || len(connects[1].Passwd) != 16 {
		t.Errorf("connect requests = %+v", connects)
	}

	conn.Close()
	deadline = time.Now().Add(5 * time.Second)
	var closed bool
	for !closed && time.Now().Before(deadline) {
		for _, r := range srv.takeRequests() {
			if _, ok := r.req.(*CloseSessionRequest); ok {
				closed = true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !closed {
		t.Error("go-zk sent no closeSession")
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, p := range srv.pings {
		if want := EncodeRequest(XidPing, &PingRequest{}); !bytes.Equal(p, want) {
			t.Errorf("ping %x, want %x", p, want)
		}
	}
	if err := errors.Join(srv.errs...); err != nil {
		t.Errorf("server: %v", err)
	}
}
