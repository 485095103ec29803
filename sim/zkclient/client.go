package zkclient

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/sim"
)

// Errors of the client API.
var (
	// ErrClosed: the client's session was closed or expired (with StopOnExpiry) and it
	// takes no more requests.
	ErrClosed = errors.New("zkclient: client is closed")
	// ErrBadRequest: the request cannot be sent (an unknown kind, a top-level check).
	ErrBadRequest = errors.New("zkclient: bad request")
)

// ExpiryPolicy says what a client does once it learns its session expired.
type ExpiryPolicy uint8

const (
	// RenewSession opens a new session, as an application that recreates its handle.
	RenewSession ExpiryPolicy = iota
	// StopOnExpiry stops the client: further requests fail with ErrClosed.
	StopOnExpiry
)

// State is the client's connection state, as the Java client reports it to watchers.
type State uint8

// Client states.
const (
	StateDisconnected State = iota + 1
	StateConnecting
	StateConnected
	StateExpired
	StateClosing
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateDisconnected:
		return "disconnected"
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateExpired:
		return "expired"
	case StateClosing:
		return "closing"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Workload drives a client. Start is called each time the client process starts (at
// boot and after a restart of its node).
type Workload interface {
	Start(c *Client)
}

// Config configures a client.
type Config struct {
	// ID names the client in the history.
	ID int
	// Servers is the connect string; the client shuffles it with its own random source.
	Servers []sim.NodeID
	// SessionTimeout is the requested session timeout (default 10s).
	SessionTimeout time.Duration
	// ReconnectDelay bounds the random pause before each reconnect attempt (default 1s,
	// as the Java client sleeps up to a second between attempts).
	ReconnectDelay time.Duration
	// OnExpiry is what to do when the session expires.
	OnExpiry ExpiryPolicy
	// MaxFrame bounds a reply frame (default wire.MaxBuffer).
	MaxFrame int
	// Recorder receives the history; required.
	Recorder *Recorder
	// Workload, if set, is started with the client.
	Workload Workload
}

// call is one request: a user operation (rec >= 0) or an internal one (setWatches,
// closeSession).
type call struct {
	xid     int32
	op      wire.OpCode
	req     wire.Request
	creq    checker.Request
	rec     int
	done    func(checker.Operation)
	watcher func(checker.WatchEvent)
	session int64
	server  sim.NodeID
}

// Client is a simulated ZooKeeper client process.
type Client struct {
	cfg Config
	env *sim.Env
	rec *Recorder

	servers []sim.NodeID
	next    int

	frame []byte // scratch for outgoing frames: Env.Send copies them

	state     State
	conn      sim.ConnID
	server    sim.NodeID
	connUp    bool
	connStart time.Duration

	session     int64
	passwd      []byte
	negotiated  time.Duration
	readTimeout time.Duration
	pingEvery   time.Duration
	lastZxid    int64
	xid         int32

	pending []*call // sent, answered in order
	queue   []*call // not sent yet

	dataW, existW, childW map[string][]func(checker.WatchEvent)
	defaultWatcher        func(checker.WatchEvent)
	onState               []func(State)

	timers      map[sim.TimerID]func()
	liveness    uint64 // generation of the liveness check timer
	lastRecv    time.Duration
	lastSend    time.Duration
	reconnectAt bool
	attempts    int
	stopped     bool
}

var _ sim.Process = (*Client)(nil)

// New returns a client process. Build a fresh one for every incarnation of its node.
func New(cfg Config) *Client {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if cfg.ReconnectDelay <= 0 {
		cfg.ReconnectDelay = time.Second
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = wire.MaxBuffer
	}
	return &Client{
		cfg:    cfg,
		rec:    cfg.Recorder,
		state:  StateDisconnected,
		dataW:  map[string][]func(checker.WatchEvent){},
		existW: map[string][]func(checker.WatchEvent){},
		childW: map[string][]func(checker.WatchEvent){},
		timers: map[sim.TimerID]func(){},
	}
}

// ID is the client's id in the history.
func (c *Client) ID() int { return c.cfg.ID }

// State is the client's connection state.
func (c *Client) State() State { return c.state }

// Session is the current session id (0 without one).
func (c *Client) Session() int64 { return c.session }

// Server is the server of the current connection (0 without one).
func (c *Client) Server() sim.NodeID { return c.server }

// LastZxid is the highest zxid the client has seen in a reply.
func (c *Client) LastZxid() int64 { return c.lastZxid }

// NegotiatedTimeout is the session timeout the server granted.
func (c *Client) NegotiatedTimeout() time.Duration { return c.negotiated }

// Outstanding is the number of requests sent or queued and not yet answered.
func (c *Client) Outstanding() int { return len(c.pending) + len(c.queue) }

// Env is the client's view of its node, for workloads (their timers and randomness).
func (c *Client) Env() *sim.Env { return c.env }

// SetDefaultWatcher sets the function that receives watch events of requests made
// without their own watcher.
func (c *Client) SetDefaultWatcher(w func(checker.WatchEvent)) { c.defaultWatcher = w }

// OnState adds a function called on every connection state change.
func (c *Client) OnState(f func(State)) { c.onState = append(c.onState, f) }

// After runs fn after d on the client's local clock, unless the node crashes first.
func (c *Client) After(d time.Duration, fn func()) {
	if id := c.env.SetTimer(d); id != 0 {
		c.timers[id] = fn
	}
}

func (c *Client) now() time.Duration { return c.env.Monotonic() }

func (c *Client) setState(s State) {
	if c.state == s {
		return
	}
	c.state = s
	c.env.Trace("client state " + s.String())
	for _, f := range c.onState {
		f(s)
	}
}

// Start shuffles the connect string and connects.
func (c *Client) Start(env *sim.Env) {
	c.env = env
	c.servers = slices.Clone(c.cfg.Servers)
	env.Rand().Shuffle(len(c.servers), func(i, j int) { c.servers[i], c.servers[j] = c.servers[j], c.servers[i] })
	c.connect()
	if c.cfg.Workload != nil {
		c.cfg.Workload.Start(c)
	}
}

// Open starts a new session on a closed client.
func (c *Client) Open() error {
	if c.state != StateClosed || c.stopped {
		return fmt.Errorf("%w: open in state %v", ErrBadRequest, c.state)
	}
	c.session, c.passwd = 0, nil
	c.state = StateDisconnected
	c.connect()
	return nil
}

// Close ends the session with closeSession, as ZooKeeper.close does; done (may be
// nil) runs when the client is closed. Without a connection the session is abandoned
// and left to expire.
func (c *Client) Close(done func()) {
	switch c.state {
	case StateClosed, StateClosing:
		if done != nil {
			done()
		}
		return
	case StateConnected:
		c.setState(StateClosing)
		cl := &call{op: wire.OpCloseSession, req: &wire.CloseSessionRequest{}, rec: -1, done: func(checker.Operation) {
			if done != nil {
				done()
			}
		}}
		c.send(cl)
		return
	}
	c.closeNow(nil)
	if done != nil {
		done()
	}
}

// closeNow drops the connection and every request, and closes the client.
func (c *Client) closeNow(reason error) {
	c.dropConn()
	c.failAll(checker.ErrConnectionLoss, reason)
	c.clearWatches()
	c.setState(StateClosed)
}

// Do sends a request; done (may be nil) receives the recorded operation when the
// outcome is known. Requests made while disconnected wait for the next connection.
func (c *Client) Do(req checker.Request, done func(checker.Operation)) error {
	return c.DoWatch(req, nil, done)
}

// DoWatch is Do with a watcher for a request that sets a watch (nil: the default
// watcher).
func (c *Client) DoWatch(req checker.Request, watcher func(checker.WatchEvent), done func(checker.Operation)) error {
	if c.state == StateClosed || c.state == StateClosing || c.stopped {
		return ErrClosed
	}
	wreq, op, err := toWire(req, true)
	if err != nil {
		return err
	}
	cl := &call{op: op, req: wreq, creq: req, done: done, watcher: watcher}
	cl.rec = c.rec.invoke(c.cfg.ID, req)
	if c.state == StateConnected {
		c.send(cl)
	} else {
		c.queue = append(c.queue, cl)
	}
	return nil
}

// connect dials the next server of the connect string.
func (c *Client) connect() {
	if c.stopped || c.state == StateClosed || len(c.servers) == 0 {
		return
	}
	c.reconnectAt = false
	c.server = c.servers[c.next%len(c.servers)]
	c.next++
	c.attempts++
	c.setState(StateConnecting)
	conn, err := c.env.Dial(c.server)
	if err != nil {
		c.conn = 0
		c.connectionLost(err)
		return
	}
	c.conn, c.connUp = conn, false
	c.connStart = c.now()
	c.armLiveness(c.connectTimeout())
}

// connectTimeout is the Java client's: the session timeout spread over the servers.
func (c *Client) connectTimeout() time.Duration {
	t := c.cfg.SessionTimeout
	if c.negotiated > 0 {
		t = c.negotiated
	}
	return t / time.Duration(len(c.servers))
}

// OnConnect sends the ConnectRequest.
func (c *Client) OnConnect(conn sim.ConnID, peer sim.NodeID, dialed bool) {
	if conn != c.conn {
		return
	}
	c.connUp = true
	passwd := c.passwd
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	req := &wire.ConnectRequest{
		LastZxidSeen: c.lastZxid,
		TimeOut:      int32(c.cfg.SessionTimeout / time.Millisecond),
		SessionID:    c.session,
		Passwd:       passwd,
		HasReadOnly:  true,
	}
	c.write(wire.EncodeConnectRequest(req))
}

// write sends one frame on the current connection.
func (c *Client) write(frame []byte) {
	c.lastSend = c.now()
	if err := c.env.Send(c.conn, frame); err != nil {
		c.connectionLost(err)
	}
}

func (c *Client) send(cl *call) {
	if cl.op != wire.OpSetWatches {
		c.xid++
		cl.xid = c.xid
	} else {
		cl.xid = wire.XidSetWatches
	}
	cl.session, cl.server = c.session, c.server
	c.pending = append(c.pending, cl)
	c.frame = wire.AppendRequest(c.frame[:0], cl.xid, cl.req)
	c.write(c.frame)
}

// OnMessage handles one frame from the server.
func (c *Client) OnMessage(conn sim.ConnID, msg []byte) {
	if conn != c.conn || c.conn == 0 {
		return
	}
	c.lastRecv = c.now()
	payload, n, err := wire.ParseFrame(msg, c.cfg.MaxFrame)
	if err == nil && (n != len(msg) || payload == nil) {
		err = fmt.Errorf("message of %d bytes is not one frame", len(msg))
	}
	if err != nil {
		c.connectionLost(err)
		return
	}
	if c.state == StateConnecting {
		c.handshake(payload)
		return
	}
	hdr, err := wire.DecodeReplyHeader(payload)
	if err != nil {
		c.connectionLost(err)
		return
	}
	switch hdr.Xid {
	case wire.XidNotification:
		_, resp, err := wire.DecodeReply(payload, wire.OpNotification)
		if err != nil {
			c.connectionLost(err)
			return
		}
		c.notify(hdr, resp.(*wire.WatcherEvent))
		return
	case wire.XidPing:
		return
	}
	if len(c.pending) == 0 || c.pending[0].xid != hdr.Xid {
		c.connectionLost(fmt.Errorf("xid out of order: got %d", hdr.Xid))
		return
	}
	cl := c.pending[0]
	_, resp, err := wire.DecodeReply(payload, cl.op)
	if err != nil {
		c.connectionLost(err)
		return
	}
	c.pending = c.pending[1:]
	if hdr.Zxid > c.lastZxid {
		c.lastZxid = hdr.Zxid
	}
	c.complete(cl, hdr, resp)
}

func (c *Client) handshake(payload []byte) {
	resp, err := wire.DecodeConnectResponse(payload)
	if err != nil {
		c.connectionLost(err)
		return
	}
	if resp.TimeOut <= 0 {
		c.expired()
		return
	}
	if resp.SessionID != c.session {
		c.session = resp.SessionID
		c.rec.session(checker.SessionEvent{Client: c.cfg.ID, Session: c.session, Server: int(c.server), Kind: checker.SessionEstablished})
	}
	c.passwd = resp.Passwd
	c.negotiated = time.Duration(resp.TimeOut) * time.Millisecond
	c.readTimeout = c.negotiated * 2 / 3
	c.pingEvery = c.readTimeout / 2
	c.attempts = 0
	c.setState(StateConnected)
	if c.state != StateConnected {
		return // a state callback closed the client
	}
	if sw := c.setWatchesRequest(); sw != nil {
		c.send(&call{op: wire.OpSetWatches, req: sw, rec: -1})
	}
	queued := c.queue
	c.queue = nil
	for _, cl := range queued {
		if c.state != StateConnected {
			c.queue = append(c.queue, cl)
			continue
		}
		c.send(cl)
	}
	c.armLiveness(c.pingEvery)
}

// expired handles a ConnectResponse that says the session is gone.
func (c *Client) expired() {
	old := c.session
	c.rec.session(checker.SessionEvent{Client: c.cfg.ID, Session: old, Server: int(c.server), Kind: checker.SessionExpired})
	c.env.Trace(fmt.Sprintf("session %#x expired", old))
	c.dropConn()
	c.failAll(checker.ErrSessionExpired, nil)
	c.clearWatches()
	c.session, c.passwd, c.negotiated = 0, nil, 0
	c.setState(StateExpired)
	if c.cfg.OnExpiry == StopOnExpiry {
		c.stopped = true
		c.setState(StateClosed)
		return
	}
	if c.state == StateExpired {
		c.state = StateDisconnected
		c.connect()
	}
}

// complete records the outcome of an answered request.
func (c *Client) complete(cl *call, hdr wire.ReplyHeader, resp wire.Response) {
	switch cl.op {
	case wire.OpSetWatches:
		return
	case wire.OpCloseSession:
		c.rec.session(checker.SessionEvent{Client: c.cfg.ID, Session: c.session, Server: int(c.server), Kind: checker.SessionClosed, Zxid: hdr.Zxid})
		c.session, c.passwd = 0, nil
		c.closeNow(nil)
		if cl.done != nil {
			cl.done(checker.Operation{})
		}
		return
	}
	op := c.rec.Op(cl.rec)
	op.Session, op.Server = cl.session, int(cl.server)
	op.Zxid = hdr.Zxid
	op.Outcome = checker.OutcomeOK
	op.Resp = fromWire(cl.creq, hdr.Err, resp)
	switch wire.ErrCode(hdr.Err) {
	case wire.ErrSessionExpired, wire.ErrSessionMoved:
		op.Outcome = checker.OutcomeFailed
	}
	if cl.creq.Watch && op.Outcome == checker.OutcomeOK {
		c.registerWatch(cl, op.Resp.Err)
	}
	c.rec.finish(cl.rec, op)
	if cl.done != nil {
		cl.done(c.rec.Op(cl.rec))
	}
}

// registerWatch adds the client-side watch a successful read set, as the Java client's
// watch registrations do: exists on a missing node watches for its creation.
func (c *Client) registerWatch(cl *call, code checker.ErrCode) {
	p := cl.creq.Path
	switch cl.creq.Kind {
	case checker.OpGetData:
		if code == checker.ErrOK {
			c.dataW[p] = append(c.dataW[p], cl.watcher)
		}
	case checker.OpExists:
		switch code {
		case checker.ErrOK:
			c.dataW[p] = append(c.dataW[p], cl.watcher)
		case checker.ErrNoNode:
			c.existW[p] = append(c.existW[p], cl.watcher)
		}
	case checker.OpGetChildren:
		if code == checker.ErrOK {
			c.childW[p] = append(c.childW[p], cl.watcher)
		}
	}
}

// notify records a watch notification and fires the watchers it triggers.
func (c *Client) notify(hdr wire.ReplyHeader, ev *wire.WatcherEvent) {
	if ev.Type == wire.EventNone {
		return
	}
	typ := checker.WatchEventType(ev.Type)
	zxid := max(hdr.Zxid, 0)
	wev := checker.WatchEvent{Client: c.cfg.ID, Session: c.session, Type: typ, Path: ev.Path, Zxid: zxid}
	if typ >= checker.EventNodeCreated && typ <= checker.EventNodeChildrenChanged {
		c.rec.watch(wev)
	}
	var fire []func(checker.WatchEvent)
	take := func(m map[string][]func(checker.WatchEvent)) {
		fire = append(fire, m[ev.Path]...)
		delete(m, ev.Path)
	}
	switch typ {
	case checker.EventNodeCreated, checker.EventNodeDataChanged:
		take(c.dataW)
		take(c.existW)
	case checker.EventNodeDeleted:
		take(c.dataW)
		take(c.existW)
		take(c.childW)
	case checker.EventNodeChildrenChanged:
		take(c.childW)
	}
	wev.Time = c.rec.Now()
	defaulted := false
	for _, f := range fire {
		if f == nil {
			if defaulted || c.defaultWatcher == nil {
				continue
			}
			defaulted = true
			f = c.defaultWatcher
		}
		f(wev)
	}
}

func (c *Client) setWatchesRequest() *wire.SetWatchesRequest {
	if len(c.dataW)+len(c.existW)+len(c.childW) == 0 {
		return nil
	}
	keys := func(m map[string][]func(checker.WatchEvent)) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	return &wire.SetWatchesRequest{RelativeZxid: c.lastZxid, DataWatches: keys(c.dataW), ExistWatches: keys(c.existW), ChildWatches: keys(c.childW)}
}

// Watches returns the paths of the client's registered data, exist and child watches.
func (c *Client) Watches() (data, exist, child []string) {
	if sw := c.setWatchesRequest(); sw != nil {
		return sw.DataWatches, sw.ExistWatches, sw.ChildWatches
	}
	return nil, nil, nil
}

func (c *Client) clearWatches() {
	clear(c.dataW)
	clear(c.existW)
	clear(c.childW)
}

// dropConn closes the current connection, if any.
func (c *Client) dropConn() {
	if c.conn != 0 {
		_ = c.env.Close(c.conn)
	}
	c.conn, c.connUp = 0, false
	c.liveness++
}

// failAll resolves every request: those sent become unknown, those never sent fail
// with code.
func (c *Client) failAll(code checker.ErrCode, _ error) {
	pending, queue := c.pending, c.queue
	c.pending, c.queue = nil, nil
	for _, cl := range pending {
		if cl.rec < 0 {
			continue
		}
		op := c.rec.Op(cl.rec)
		op.Session, op.Server = cl.session, int(cl.server)
		op.Outcome = checker.OutcomeUnknown
		op.Resp = checker.Response{Err: checker.ErrConnectionLoss}
		c.rec.finish(cl.rec, op)
		if cl.done != nil {
			cl.done(c.rec.Op(cl.rec))
		}
	}
	for _, cl := range queue {
		op := c.rec.Op(cl.rec)
		op.Session = c.session
		op.Outcome = checker.OutcomeFailed
		op.Resp = checker.Response{Err: code}
		c.rec.finish(cl.rec, op)
		if cl.done != nil {
			cl.done(c.rec.Op(cl.rec))
		}
	}
}

// closeCallbacks returns the done functions of the closeSession requests in flight,
// which failAll does not call because they record no operation.
func (c *Client) closeCallbacks() []func(checker.Operation) {
	var out []func(checker.Operation)
	for _, cl := range c.pending {
		if cl.op == wire.OpCloseSession && cl.done != nil {
			out = append(out, cl.done)
		}
	}
	return out
}

// connectionLost handles a dead connection: requests in flight become unknown, and the
// client reconnects to the next server after a short random pause.
func (c *Client) connectionLost(err error) {
	if c.env != nil {
		c.env.Trace(fmt.Sprintf("connection to %d lost: %v", c.server, err))
	}
	closing := c.state == StateClosing
	var closed []func(checker.Operation)
	if closing {
		closed = c.closeCallbacks()
	}
	c.dropConn()
	c.failAll(checker.ErrConnectionLoss, err)
	if closing {
		// The closeSession may or may not have run; the client is closed either way,
		// and whoever asked to close learns it, or it would wait forever.
		c.clearWatches()
		c.setState(StateClosed)
		for _, done := range closed {
			done(checker.Operation{})
		}
		return
	}
	if c.state == StateClosed || c.stopped {
		return
	}
	c.setState(StateDisconnected)
	if c.state != StateDisconnected || c.reconnectAt {
		return
	}
	c.reconnectAt = true
	delay := time.Duration(c.env.Rand().Int64N(int64(c.cfg.ReconnectDelay)))
	c.After(delay, func() {
		if c.state == StateDisconnected && c.reconnectAt {
			c.connect()
		}
	})
}

// OnClose handles the end of the connection.
func (c *Client) OnClose(conn sim.ConnID, err error) {
	if conn != c.conn || c.conn == 0 {
		return
	}
	c.conn = 0
	c.connectionLost(err)
}

// armLiveness schedules the next liveness check.
func (c *Client) armLiveness(d time.Duration) {
	c.liveness++
	gen := c.liveness
	c.After(max(d, time.Millisecond), func() {
		if gen == c.liveness {
			c.checkLiveness()
		}
	})
}

// checkLiveness declares the connection dead when nothing arrived for the read timeout
// (the connect timeout while connecting) and pings when nothing was sent for half of it.
func (c *Client) checkLiveness() {
	now := c.now()
	switch c.state {
	case StateConnecting:
		if now-c.connStart >= c.connectTimeout() {
			c.connectionLost(errors.New("connect timeout"))
			return
		}
		c.armLiveness(c.connStart + c.connectTimeout() - now)
	case StateConnected, StateClosing:
		if now-c.lastRecv >= c.readTimeout {
			c.connectionLost(fmt.Errorf("no reply for %v", now-c.lastRecv))
			return
		}
		if now-c.lastSend >= c.pingEvery {
			c.frame = wire.AppendRequest(c.frame[:0], wire.XidPing, &wire.PingRequest{})
			c.write(c.frame)
			if c.conn == 0 {
				return
			}
		}
		c.armLiveness(min(c.lastRecv+c.readTimeout, c.lastSend+c.pingEvery) - now)
	}
}

// OnTimer runs the function a timer was set for.
func (c *Client) OnTimer(id sim.TimerID) {
	fn, ok := c.timers[id]
	if !ok {
		return
	}
	delete(c.timers, id)
	fn()
}

// OnSyncDone is unused: clients keep nothing on disk.
func (c *Client) OnSyncDone(sim.SyncID, error) {}
