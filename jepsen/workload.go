package jepsen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/scenarios"
)

// Paths the workload uses. Registers are never deleted and persistent sequential
// nodes never deleted, so every acknowledged write to them must survive to the end.
const (
	registerRoot = "/jepsen-r"
	churnRoot    = "/jepsen-c"
	maxFrame     = 4<<20 + 1024
)

// zxidTap is a zk.Dialer that reads the reply header of every frame the server sends,
// so the zxid go-zk does not expose is known after each call.
type zxidTap struct {
	link *clientLink
	done <-chan struct{} // closed when the client stops: nothing waits past it

	mu   sync.Mutex
	last int64 // zxid of the last reply to a request (xid > 0)
	addr string
}

func (t *zxidTap) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.addr = address
	t.mu.Unlock()
	tc := &tapConn{Conn: c, tap: t}
	t.link.setConn(tc)
	return tc, nil
}

func (t *zxidTap) reset() {
	t.mu.Lock()
	t.last = 0
	t.mu.Unlock()
}

func (t *zxidTap) lastZxid() (int64, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.addr
}

type tapConn struct {
	net.Conn
	tap        *zxidTap
	handshaken bool
	in         []byte
}

// Read passes bytes through unchanged, noting each whole frame's reply header before
// go-zk sees the frame.
func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if delay := c.tap.link.waitFlowing(c.tap.done); delay > 0 {
		time.Sleep(delay)
	}
	c.in = append(c.in, p[:n]...)
	for {
		payload, size, perr := wire.ParseFrame(c.in, maxFrame)
		if perr != nil || size == 0 {
			break
		}
		if !c.handshaken {
			c.handshaken = true // the ConnectResponse has no reply header
		} else if h, herr := wire.DecodeReplyHeader(payload); herr == nil && h.Xid > 0 {
			c.tap.mu.Lock()
			c.tap.last = h.Zxid
			c.tap.mu.Unlock()
		}
		c.in = c.in[size:]
	}
	if len(c.in) == 0 {
		c.in = nil
	}
	return n, err
}

// Write waits while the client's link holds bytes.
func (c *tapConn) Write(p []byte) (int, error) {
	c.tap.link.waitFlowing(c.tap.done)
	return c.Conn.Write(p)
}

// recorder collects the history from every client, with times relative to start.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	h     checker.History
}

func (r *recorder) now() int64 { return int64(time.Since(r.start)) }

func (r *recorder) op(op checker.Operation) {
	r.mu.Lock()
	r.h.Ops = append(r.h.Ops, op)
	r.mu.Unlock()
}

func (r *recorder) session(ev checker.SessionEvent) {
	r.mu.Lock()
	r.h.SessionEvents = append(r.h.SessionEvents, ev)
	r.mu.Unlock()
}

// client is one workload client: a go-zk session at a time, one operation at a time.
type client struct {
	id       int
	cl       *Cluster
	link     *clientLink
	done     <-chan struct{}
	rec      *recorder
	rng      *rand.Rand
	w        scenarios.Workload
	timeout  time.Duration // session timeout
	opLimit  time.Duration // a call not answered by then is unknown
	conn     *zk.Conn
	tap      *zxidTap
	session  int64
	versions map[string]int32 // last version read per register, for CAS
	mine     []string         // own ephemeral sequential nodes, for deletes
	seq      int
}

func (c *client) connect(ctx context.Context) error {
	c.tap = &zxidTap{link: c.link, done: c.done}
	conn, events, err := zk.Connect(c.cl.ClientAddrs(), c.timeout, zk.WithDialer(c.tap.dial), zk.WithLogInfo(false),
		zk.WithLogger(quietLogger{}))
	if err != nil {
		return err
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				c.conn, c.session = conn, conn.SessionID()
				_, addr := c.tap.lastZxid()
				c.rec.session(checker.SessionEvent{Client: c.id, Session: c.session, Server: c.cl.ServerOf(addr),
					Time: c.rec.now(), Kind: checker.SessionEstablished})
				go drain(events)
				return nil
			}
		case <-deadline.C:
			conn.Close()
			return errors.New("jepsen: no session within 30s")
		case <-ctx.Done():
			conn.Close()
			return ctx.Err()
		}
	}
}

func drain(ch <-chan zk.Event) {
	for range ch {
	}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func (c *client) close(kind checker.SessionEventKind) {
	if c.conn == nil {
		return
	}
	c.conn.Close()
	c.rec.session(checker.SessionEvent{Client: c.id, Session: c.session, Time: c.rec.now(), Kind: kind})
	c.conn = nil
	c.mine = nil
}

// run issues operations until ctx ends.
func (c *client) run(ctx context.Context, setup bool) {
	defer c.close(checker.SessionClosed)
	if setup {
		for ctx.Err() == nil {
			if c.conn == nil && c.connect(ctx) != nil {
				continue
			}
			a := c.do(checker.Request{Kind: checker.OpCreate, Path: registerRoot})
			b := c.do(checker.Request{Kind: checker.OpCreate, Path: churnRoot})
			if settled(a) && settled(b) {
				break
			}
		}
	}
	for ctx.Err() == nil {
		if c.conn == nil {
			if err := c.connect(ctx); err != nil {
				sleep(ctx, 200*time.Millisecond)
				continue
			}
		}
		c.link.waitRunning(ctx.Done())
		if ctx.Err() != nil {
			break
		}
		c.step()
		pause := time.Duration(c.rng.ExpFloat64() * float64(c.w.Interval))
		sleep(ctx, min(pause, 4*time.Duration(c.w.Interval)))
	}
}

func settled(op checker.Operation) bool {
	return op.Outcome == checker.OutcomeOK && (op.Resp.Err == checker.ErrOK || op.Resp.Err == checker.ErrNodeExists)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// step picks one task by the workload's weights: register work (lock and watch
// readers count as register work) or create/delete churn.
func (c *client) step() {
	reg := c.w.Register + c.w.Lock + c.w.ConfigWatch + c.w.Multi
	churn := c.w.Churn + c.w.SessionChurn
	if reg+churn == 0 {
		reg = 1
	}
	if c.rng.IntN(reg+churn) < reg {
		c.register()
	} else {
		c.churn()
	}
}

func (c *client) register() {
	keys := max(c.w.Keys, 1)
	path := fmt.Sprintf("%s/k%d", registerRoot, c.rng.IntN(keys))
	c.seq++
	val := fmt.Sprintf("c%d-%d", c.id, c.seq)
	switch r := c.rng.IntN(10); {
	case r < 3:
		c.do(checker.Request{Kind: checker.OpGetData, Path: path})
	case r < 4:
		if op := c.do(checker.Request{Kind: checker.OpSync, Path: path}); op.Succeeded() {
			c.do(checker.Request{Kind: checker.OpGetData, Path: path})
		}
	case r < 6:
		c.do(checker.Request{Kind: checker.OpSetData, Path: path, Data: val, Version: checker.AnyVersion})
	case r < 9:
		v, ok := c.versions[path]
		if !ok {
			v = 0
		}
		c.do(checker.Request{Kind: checker.OpSetData, Path: path, Data: val, Version: v})
	default:
		c.do(checker.Request{Kind: checker.OpCreate, Path: path, Data: val})
	}
}

func (c *client) churn() {
	c.seq++
	val := fmt.Sprintf("c%d-%d", c.id, c.seq)
	switch r := c.rng.IntN(10); {
	case r < 4:
		c.do(checker.Request{Kind: checker.OpCreate, Path: churnRoot + "/p-", Data: val, Sequential: true})
	case r < 8 || len(c.mine) == 0:
		op := c.do(checker.Request{Kind: checker.OpCreate, Path: churnRoot + "/e-", Data: val, Sequential: true, Ephemeral: true})
		if op.Succeeded() {
			c.mine = append(c.mine, op.Resp.Path)
		}
	default:
		i := c.rng.IntN(len(c.mine))
		p := c.mine[i]
		c.mine = append(c.mine[:i], c.mine[i+1:]...)
		c.do(checker.Request{Kind: checker.OpDelete, Path: p, Version: checker.AnyVersion})
	}
}

type callResult struct {
	resp checker.Response
	err  error
}

// do performs one request, records it and returns the record. A call not answered
// within opLimit is unknown, and its session is abandoned so that a late reply cannot
// be taken for the next call's.
func (c *client) do(req checker.Request) checker.Operation {
	c.noteSession()
	c.tap.reset()
	op := checker.Operation{Client: c.id, Session: c.session, Req: req, Invoke: c.rec.now()}
	_, addr := c.tap.lastZxid()
	op.Server = c.cl.ServerOf(addr)
	done := make(chan callResult, 1)
	conn := c.conn
	go func() {
		resp, err := call(conn, req)
		done <- callResult{resp, err}
	}()
	timer := time.NewTimer(c.opLimit)
	defer timer.Stop()
	var res callResult
	select {
	case res = <-done:
	case <-timer.C:
		res.err = errTimeout
	case <-c.done:
		res.err = errTimeout // the run is over; the outcome stays unknown
	}
	op.Return = c.rec.now()
	zxid, addr := c.tap.lastZxid()
	if s := c.cl.ServerOf(addr); s != 0 {
		op.Server = s
	}
	op.Resp = res.resp
	op.Outcome, op.Resp.Err = outcome(res.err)
	if op.Outcome == checker.OutcomeOK {
		// A reply came on the current connection, so in its session.
		c.noteSession()
		op.Session = c.session
	}
	if op.Outcome == checker.OutcomeOK {
		op.Zxid = zxid
		if req.Kind == checker.OpGetData || req.Kind == checker.OpSetData {
			if op.Resp.Err == checker.ErrOK {
				c.versions[req.Path] = op.Resp.Stat.Version
			} else if op.Resp.Err == checker.ErrBadVersion || op.Resp.Err == checker.ErrNoNode {
				delete(c.versions, req.Path)
			}
		}
	}
	c.rec.op(op)
	switch {
	case errors.Is(res.err, zk.ErrSessionExpired):
		c.close(checker.SessionExpired)
	case errors.Is(res.err, errTimeout):
		c.close(checker.SessionClosed)
	}
	return op
}

var errTimeout = errors.New("jepsen: no reply in time")

// noteSession records a session go-zk replaced on its own: when a reconnect finds the
// session expired, go-zk opens a new one without telling its caller, and the old
// session's ephemerals are gone.
func (c *client) noteSession() {
	sid := c.conn.SessionID()
	if sid == 0 || sid == c.session {
		return
	}
	now := c.rec.now()
	_, addr := c.tap.lastZxid()
	c.rec.session(checker.SessionEvent{Client: c.id, Session: c.session, Time: now, Kind: checker.SessionExpired})
	c.rec.session(checker.SessionEvent{Client: c.id, Session: sid, Server: c.cl.ServerOf(addr), Time: now, Kind: checker.SessionEstablished})
	c.session = sid
	c.mine = nil
}

// outcome classifies a go-zk error as the checkers expect.
func outcome(err error) (checker.Outcome, checker.ErrCode) {
	switch {
	case err == nil:
		return checker.OutcomeOK, checker.ErrOK
	case errors.Is(err, zk.ErrNoNode):
		return checker.OutcomeOK, checker.ErrNoNode
	case errors.Is(err, zk.ErrNodeExists):
		return checker.OutcomeOK, checker.ErrNodeExists
	case errors.Is(err, zk.ErrBadVersion):
		return checker.OutcomeOK, checker.ErrBadVersion
	case errors.Is(err, zk.ErrNotEmpty):
		return checker.OutcomeOK, checker.ErrNotEmpty
	case errors.Is(err, zk.ErrNoChildrenForEphemerals):
		return checker.OutcomeOK, checker.ErrNoChildrenForEphemerals
	case errors.Is(err, zk.ErrSessionExpired):
		return checker.OutcomeFailed, checker.ErrSessionExpired
	}
	return checker.OutcomeUnknown, checker.ErrConnectionLoss
}

func toStat(s *zk.Stat) checker.Stat {
	if s == nil {
		return checker.Stat{}
	}
	return checker.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Pzxid: s.Pzxid, Version: s.Version, Cversion: s.Cversion,
		EphemeralOwner: s.EphemeralOwner, NumChildren: s.NumChildren}
}

// call performs req on conn.
func call(conn *zk.Conn, req checker.Request) (checker.Response, error) {
	var resp checker.Response
	acl := zk.WorldACL(zk.PermAll)
	switch req.Kind {
	case checker.OpGetData:
		data, st, err := conn.Get(req.Path)
		if err == nil {
			resp.Data, resp.HasStat, resp.Stat = string(data), true, toStat(st)
		}
		return resp, err
	case checker.OpSetData:
		st, err := conn.Set(req.Path, []byte(req.Data), req.Version)
		if err == nil {
			resp.HasStat, resp.Stat = true, toStat(st)
		}
		return resp, err
	case checker.OpCreate:
		var flags int32
		if req.Ephemeral {
			flags |= zk.FlagEphemeral
		}
		if req.Sequential {
			flags |= zk.FlagSequence
		}
		p, err := conn.Create(req.Path, []byte(req.Data), flags, acl)
		resp.Path = p
		return resp, err
	case checker.OpDelete:
		return resp, conn.Delete(req.Path, req.Version)
	case checker.OpSync:
		_, err := conn.Sync(req.Path)
		return resp, err
	}
	return resp, fmt.Errorf("jepsen: unsupported request %v", req.Kind)
}

// opLine is one operation's canonical text, for the history file and the trace hash.
func opLine(i int, op *checker.Operation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d client=%d session=0x%x server=%d invoke=%d return=%d %s %s", i, op.Client, op.Session,
		op.Server, op.Invoke, op.Return, op.Req.Kind, op.Req.Path)
	if op.Req.Kind == checker.OpCreate || op.Req.Kind == checker.OpSetData {
		fmt.Fprintf(&b, " data=%q", op.Req.Data)
	}
	if op.Req.Kind == checker.OpSetData || op.Req.Kind == checker.OpDelete {
		fmt.Fprintf(&b, " version=%d", op.Req.Version)
	}
	if op.Req.Ephemeral {
		b.WriteString(" ephemeral")
	}
	if op.Req.Sequential {
		b.WriteString(" sequential")
	}
	fmt.Fprintf(&b, " => %s err=%d zxid=0x%x", op.Outcome, op.Resp.Err, op.Zxid)
	if op.Resp.Path != "" {
		fmt.Fprintf(&b, " path=%s", op.Resp.Path)
	}
	if op.Resp.HasStat {
		fmt.Fprintf(&b, " data=%q version=%d mzxid=0x%x", op.Resp.Data, op.Resp.Stat.Version, op.Resp.Stat.Mzxid)
	}
	return b.String()
}
