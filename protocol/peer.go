package protocol

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/zksim/zksim/protocol/acl"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/datatree"
	"github.com/zksim/zksim/protocol/election"
	"github.com/zksim/zksim/protocol/session"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/watch"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
)

// ConnID names one client connection for the life of a Peer. The host chooses it;
// it must not be reused while the connection is open.
type ConnID uint64

// Config configures a Peer. Zero values take ZooKeeper's defaults.
type Config struct {
	// ServerID is myid. A standalone server uses 1 in its session ids, as ZooKeeper does.
	ServerID int64
	// TickTime is the base time unit in ms (default 3000).
	TickTime int32
	// MinSessionTimeout and MaxSessionTimeout clamp negotiated session timeouts
	// (defaults 2 and 20 ticks).
	MinSessionTimeout int32
	MaxSessionTimeout int32
	// MaxBuffer is jute.maxbuffer; it also bounds node data (default wire.MaxBuffer).
	MaxBuffer int
	// ExtendedTypes allows TTL nodes (zookeeper.extendedTypesEnabled).
	ExtendedTypes bool
	// SuperDigest is the super user's digest id; empty disables it.
	SuperDigest string
	// SnapCount is the number of transactions between snapshots (default 100000).
	SnapCount int
	// ContainerCheckInterval is how often, in ms, empty containers and expired TTL nodes
	// are swept (default 60000).
	ContainerCheckInterval int64
	// ContainerMaxNeverUsed deletes containers that never had a child after this many
	// ms (0: never, ZooKeeper's default).
	ContainerMaxNeverUsed int64
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger

	// Members is the ensemble, this server included; empty means standalone.
	Members []Member
	// InitLimit and SyncLimit are ZooKeeper's initLimit and syncLimit, in ticks
	// (defaults 10 and 5).
	InitLimit int
	SyncLimit int
	// CounterBits narrows the zxid counter (1..32, default 32) so tests reach the
	// rollover that forces a new epoch.
	CounterBits uint
	// ElectionMinInterval and ElectionMaxInterval bound the wait, in ms, before an
	// unanswered election notification is sent again (defaults 200 and 60000);
	// FinalizeWait is how long, in ms, a winning vote must stand (default 200).
	ElectionMinInterval int64
	ElectionMaxInterval int64
	FinalizeWait        int64
	// DecideWhenUnanimous skips the finalize wait once every voter's vote of the round
	// agrees (see election.Config); zkserver sets it so an ensemble serves sooner.
	DecideWhenUnanimous bool

	// Bugs reintroduces catalogued faults (package bugs) in the data tree, election
	// and ZAB, for testing the harness; the zero Set is the correct server.
	Bugs bugs.Set
}

func (c *Config) treeConfig() datatree.Config {
	return datatree.Config{ExtendedTypes: c.ExtendedTypes, MaxDataSize: c.MaxBuffer, Bugs: c.Bugs}
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("protocol: invalid config")

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.TickTime == 0 {
		out.TickTime = 3000
	}
	if out.TickTime < 0 {
		return out, fmt.Errorf("%w: tickTime %d is negative", ErrConfig, out.TickTime)
	}
	if out.MinSessionTimeout == 0 {
		out.MinSessionTimeout = 2 * out.TickTime
	}
	if out.MaxSessionTimeout == 0 {
		out.MaxSessionTimeout = 20 * out.TickTime
	}
	if out.MinSessionTimeout > out.MaxSessionTimeout {
		return out, fmt.Errorf("%w: minSessionTimeout %d > maxSessionTimeout %d", ErrConfig, out.MinSessionTimeout, out.MaxSessionTimeout)
	}
	if out.MaxBuffer == 0 {
		out.MaxBuffer = wire.MaxBuffer
	}
	if out.SnapCount == 0 {
		out.SnapCount = 100000
	}
	if out.SnapCount < 0 || out.MaxBuffer < 0 || out.ContainerCheckInterval < 0 || out.ContainerMaxNeverUsed < 0 {
		return out, fmt.Errorf("%w: negative limit", ErrConfig)
	}
	if out.ContainerCheckInterval == 0 {
		out.ContainerCheckInterval = 60000
	}
	if out.ServerID < 0 || out.ServerID > 254 {
		return out, fmt.Errorf("%w: server id %d outside 0..254", ErrConfig, out.ServerID)
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.InitLimit == 0 {
		out.InitLimit = 10
	}
	if out.SyncLimit == 0 {
		out.SyncLimit = 5
	}
	if out.ElectionMinInterval == 0 {
		out.ElectionMinInterval = election.DefaultMinNotificationInterval
	}
	if out.ElectionMaxInterval == 0 {
		out.ElectionMaxInterval = election.DefaultMaxNotificationInterval
	}
	if out.FinalizeWait == 0 {
		out.FinalizeWait = election.DefaultFinalizeWait
	}
	if out.InitLimit < 0 || out.SyncLimit < 0 || out.CounterBits > 32 || out.ElectionMinInterval < 0 ||
		out.ElectionMaxInterval < out.ElectionMinInterval || out.FinalizeWait < 0 {
		return out, fmt.Errorf("%w: bad quorum timing", ErrConfig)
	}
	return out, nil
}

// Snapshot is a snapshot the host must write: storage.EncodeSnapshot(Zxid, Payload).
type Snapshot struct {
	Zxid    int64
	Payload []byte
}

// Output is one thing to do on a client connection: write Frame (length prefix
// included; may be nil), then close the connection if Close is set.
type Output struct {
	Conn  ConnID
	Frame []byte
	Close bool
}

// Ready is what the Peer asks its host to do. See the package documentation for the
// order in which the host must do it. An ensemble member reuses the arrays of Out,
// PeerMessages, Events and Records once Advance is called: the host copies what it
// keeps longer.
type Ready struct {
	// Records are transactions to append to the log. They must be durable (fsync'ed
	// when MustSync) before Advance is called.
	Records  []storage.Record
	MustSync bool
	// Snapshot, if set, must be written before Advance; the host then starts a new log
	// file for the next record. With InstallSnapshot it replaces the whole state (a
	// SNAP sync): the host writes it first and discards every log record, so the
	// Records of this Ready start a fresh log after it. Without, it is a periodic
	// snapshot of the applied state, written after Records.
	Snapshot        *Snapshot
	InstallSnapshot bool
	// Out are client frames, in order. None of them depends on Records of the same
	// Ready, so they may be sent before the fsync completes.
	Out []Output

	// The fields below are used by ensemble members (NewQuorum) only.

	// Truncate asks to drop every log record above TruncateTo (a TRUNC sync) before
	// Records are appended; storage.TruncatePlan gives the repairs.
	Truncate   bool
	TruncateTo int64
	// HardState, when set, is written to the epoch files after Records, in the same
	// durable step.
	HardState *HardState
	// PeerMessages go to other servers, in order per destination. Those marked
	// AfterPersist leave only once this Ready's persistence is durable.
	PeerMessages []PeerMessage
	// Role is set when this server's role, epoch or leader changed.
	Role *RoleChange
	// Events are the ZAB facts checkers record: epochs this server established as
	// leader and transactions it applied, in order.
	Events []NodeEvent
}

// Peer is one ZooKeeper server as a pure state machine. This version serves a
// standalone server: it commits its own transactions once they are durable.
type Peer struct {
	cfg      Config
	tree     *datatree.Tree
	prep     *datatree.Preparer
	sessions *session.Table
	watches  *watch.Manager
	aclCfg   acl.Config
	q        *quorum // nil for a standalone server

	conns       map[ConnID]*conn
	connOrder   []ConnID           // sorted, for deterministic iteration
	flushOrder  []ConnID           // scratch copy of connOrder, which flushing may shrink
	triggers    []datatree.Trigger // scratch for the watches a transaction fires
	sessionConn map[session.ID]ConnID

	// now is the elapsed-time clock (ms) that session expiry, ZAB and election run
	// on, as ZooKeeper's Time.currentElapsedTime: it never goes back and a wall-clock
	// step does not move it. wall is the host's wall clock (ms), which only stamps
	// transactions (ctime, mtime) and judges TTL nodes, as Time.currentWallTime does.
	// rawElapsed is the host's last elapsed reading.
	now        int64
	wall       int64
	rawElapsed int64
	lastLogged int64 // zxid of the last transaction handed to the host
	nextSweep  int64

	unstable  []proposal // proposed, not yet handed to the host
	inflight  []proposal // handed to the host, awaiting Advance
	out       []Output
	snapshot  *Snapshot
	sinceSnap int
	received  uint64
	sent      uint64
}

type connState uint8

const (
	connAwaitingConnect connState = iota
	connOpen
	connClosed
)

type conn struct {
	id          ConnID
	remoteIP    string
	state       connState
	session     session.ID
	timeout     int32
	hasReadOnly bool
	auth        *acl.AuthInfo
	queue       []*pending
	received    uint64
	sent        uint64
	// held are requests that arrived while the leader revalidates the session the
	// connection brought (ZooKeeper stops reading until the handshake completes).
	held         [][]byte
	revalidating bool
}

// pending is one request of a connection, answered strictly in arrival order.
type pending struct {
	xid   int32
	op    wire.OpCode
	req   wire.Request
	write bool  // waits for its transaction to be applied
	wait  int64 // zxid that must be applied first (sync)
	done  bool
	frame []byte
	close bool
	// ids are the connection's identities when the request arrived; ZooKeeper
	// checks a request against those, not against auth added after it.
	ids []wire.Id
	// connect is the ConnectRequest a createSession answers.
	connect *wire.ConnectRequest
}

// proposal is a transaction on its way to the log and the tree.
type proposal struct {
	hdr    datatree.TxnHeader
	txn    datatree.Txn
	conn   ConnID
	req    *pending
	create *wire.ConnectRequest // set for createSession: reply with a ConnectResponse
}

// NewStandalone builds a standalone server from what its storage recovered. now is
// the host's clock in ms. A fresh node (rec.HasSnapshot false) asks for an initial
// snapshot in its first Ready.
func NewStandalone(cfg Config, rec storage.RecoveredState, now int64) (*Peer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := newPeer(c, rec, now, false)
	if err != nil {
		return nil, err
	}
	for _, r := range rec.Records {
		hdr, txn, err := datatree.DecodeTxn(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("protocol: log record %#x: %w", r.Zxid, err)
		}
		if hdr.Zxid != r.Zxid {
			return nil, fmt.Errorf("protocol: log record %#x holds txn %#x", r.Zxid, hdr.Zxid)
		}
		p.applyTxn(hdr, txn)
	}
	p.lastLogged = p.tree.LastZxid()
	return p, nil
}

func newSessionTable(c Config, now int64, recordTouches bool) (*session.Table, error) {
	sid := c.ServerID
	if sid == 0 {
		sid = 1
	}
	return session.NewTable(session.Config{
		ServerID:          sid,
		Clock:             now,
		TickTime:          c.TickTime,
		MinSessionTimeout: c.MinSessionTimeout,
		MaxSessionTimeout: c.MaxSessionTimeout,
		RecordTouches:     recordTouches,
	})
}

// newPeer builds the parts every server has from the recovered snapshot; the caller
// replays (standalone) or hands to ZAB (ensemble) the logged records.
func newPeer(c Config, rec storage.RecoveredState, now int64, recordTouches bool) (*Peer, error) {
	sessions, err := newSessionTable(c, now, recordTouches)
	if err != nil {
		return nil, fmt.Errorf("protocol: session table: %w", err)
	}
	p := &Peer{
		cfg:         c,
		sessions:    sessions,
		watches:     watch.New(),
		aclCfg:      acl.Config{SuperDigest: c.SuperDigest},
		conns:       map[ConnID]*conn{},
		sessionConn: map[session.ID]ConnID{},
		now:         now,
		wall:        now,
		rawElapsed:  now,
		nextSweep:   now + c.ContainerCheckInterval,
	}
	treeCfg := c.treeConfig()
	if rec.HasSnapshot {
		tree, extra, err := datatree.DecodeSnapshot(rec.Snapshot, treeCfg)
		if err != nil {
			return nil, fmt.Errorf("protocol: snapshot %s: %w", rec.SnapshotName, err)
		}
		entries, _, err := session.DecodeEntries(extra)
		if err != nil {
			return nil, fmt.Errorf("protocol: sessions in snapshot %s: %w", rec.SnapshotName, err)
		}
		p.tree = tree
		p.sessions.Restore(entries, now)
	} else {
		p.tree = datatree.New(treeCfg)
		p.snapshot = p.takeSnapshot()
	}
	p.prep = datatree.NewPreparer(p.tree)
	return p, nil
}

func (p *Peer) takeSnapshot() *Snapshot {
	p.sinceSnap = 0
	return &Snapshot{Zxid: p.tree.LastZxid(), Payload: p.tree.EncodeSnapshot(p.sessions.AppendSnapshot(nil))}
}

// Tick advances the Peer's clocks with one reading (ms) of a host that has only a
// wall clock: Tick(now) is TickClocks(now, now). A reading that steps back moves no
// deadline; ticking goes on from it.
func (p *Peer) Tick(now int64) { p.TickClocks(now, now) }

// TickClocks advances the Peer's clocks (ms): wall is the host's wall clock, which
// may jump either way; elapsed is a clock that does not jump, in the scale of the
// reading the Peer was built with (the host adds its elapsed time since then). The
// Peer's timers (session expiry, ZAB and election timeouts) advance by what elapsed
// advanced, so a wall-clock step neither stalls nor hurries them, as in ZooKeeper;
// a decrease of elapsed (a host with only a wall clock) counts as no time passing.
func (p *Peer) TickClocks(wall, elapsed int64) {
	if elapsed > p.rawElapsed {
		p.now += elapsed - p.rawElapsed
	}
	p.rawElapsed = elapsed
	p.wall = wall
	if p.q != nil {
		p.tickQuorum(p.now)
		return
	}
	p.expireAndSweep(p.now)
}

// expireAndSweep closes expired sessions and deletes empty containers and expired TTL
// nodes: the session owner's (standalone or leader) periodic work.
func (p *Peer) expireAndSweep(now int64) {
	for _, id := range p.sessions.Expired(now) {
		p.cfg.Logger.Debug("session expired", "session", fmt.Sprintf("%#x", int64(id)))
		p.proposeClose(id, nil, 0)
	}
	if now >= p.nextSweep {
		p.nextSweep = now + p.cfg.ContainerCheckInterval
		// TTLs and never-used containers are judged against stamps taken from the
		// wall clock, as ZooKeeper's ContainerManager does.
		for _, path := range p.tree.SweepCandidates(p.wall, p.cfg.ContainerMaxNeverUsed) {
			p.propose(datatree.Env{Time: p.wall}, datatree.Request{Op: wire.OpDeleteContainer, Path: path}, 0, nil)
		}
	}
}

// Connect tells the Peer a client connection opened from remoteIP.
func (p *Peer) Connect(c ConnID, remoteIP string) {
	if _, ok := p.conns[c]; ok {
		return
	}
	p.conns[c] = &conn{id: c, remoteIP: remoteIP, auth: acl.NewAuthInfo(remoteIP)}
	i := sort.Search(len(p.connOrder), func(i int) bool { return p.connOrder[i] >= c })
	p.connOrder = append(p.connOrder, 0)
	copy(p.connOrder[i+1:], p.connOrder[i:])
	p.connOrder[i] = c
}

// Disconnect tells the Peer a client connection is gone. Its session lives on until
// it expires or another connection takes it over.
func (p *Peer) Disconnect(c ConnID) {
	cn, ok := p.conns[c]
	if !ok {
		return
	}
	cn.state = connClosed
	delete(p.conns, c)
	i := sort.Search(len(p.connOrder), func(i int) bool { return p.connOrder[i] >= c })
	if i < len(p.connOrder) && p.connOrder[i] == c {
		p.connOrder = append(p.connOrder[:i], p.connOrder[i+1:]...)
	}
	if cn.session != 0 && p.sessionConn[cn.session] == c {
		delete(p.sessionConn, cn.session)
	}
	p.watches.RemoveWatcher(watch.WatcherID(c))
}

// Receive hands the Peer one frame's payload (length prefix stripped) from a client.
// The host has already enforced the frame-size limit and answered four-letter words.
func (p *Peer) Receive(c ConnID, payload []byte) {
	cn, ok := p.conns[c]
	if !ok || cn.state == connClosed {
		return
	}
	if p.q != nil {
		defer p.syncRole() // a refused proposal may have ended the leader's role
	}
	if cn.revalidating {
		cn.held = append(cn.held, slices.Clone(payload))
		return
	}
	cn.received++
	p.received++
	if cn.state == connAwaitingConnect {
		p.receiveConnect(cn, payload)
		return
	}
	hdr, req, err := wire.DecodeRequest(payload)
	var unknown *wire.UnknownOpcodeError
	switch {
	case err == nil:
	case errors.As(err, &unknown):
		p.enqueueDone(cn, hdr.Xid, hdr.Type, wire.ReplyHeader{Xid: hdr.Xid, Zxid: -1, Err: wire.ErrUnimplemented}, nil, true)
		return
	case hdr.Type == wire.OpAuth || hdr.Type == wire.OpSASL:
		// ZooKeeper reads these outside the pipeline; a bad body is an IOException on
		// the connection, which closes it.
		p.cfg.Logger.Info("malformed auth request, closing connection", "conn", c, "err", err)
		p.closeConn(cn)
		return
	case (hdr.Type == wire.OpMulti || errors.Is(err, wire.ErrNullPath) && isTxnOp(hdr.Type)) &&
		p.sessions.State(cn.session) == session.StateOpen:
		// Java takes a zxid before it fails on a null path (create_error_null_path) or
		// on a multi it cannot read: an error transaction.
		p.sessions.Touch(cn.session, p.now)
		p.proposeError(cn, hdr, wire.ErrMarshallingError)
		return
	case hdr.Type != 0 || errors.Is(err, wire.ErrNullPath):
		p.enqueueDone(cn, hdr.Xid, hdr.Type, wire.ReplyHeader{Xid: hdr.Xid, Zxid: p.tree.LastZxid(), Err: wire.ErrMarshallingError}, nil, false)
		return
	default:
		p.cfg.Logger.Info("malformed request, closing connection", "conn", c, "err", err)
		p.closeConn(cn)
		return
	}
	if st := p.sessions.State(cn.session); st != session.StateOpen {
		p.enqueueDone(cn, hdr.Xid, hdr.Type, wire.ReplyHeader{Xid: hdr.Xid, Zxid: p.tree.LastZxid(), Err: wire.ErrSessionExpired}, nil, true)
		return
	}
	p.sessions.Touch(cn.session, p.now)
	p.handleRequest(cn, hdr, req)
}

func (p *Peer) receiveConnect(cn *conn, payload []byte) {
	req, err := wire.DecodeConnectRequest(payload)
	if err != nil {
		p.cfg.Logger.Info("malformed connect request, closing connection", "conn", cn.id, "err", err)
		p.closeConn(cn)
		return
	}
	cn.hasReadOnly = req.HasReadOnly
	if p.q != nil && !p.q.serving {
		// ZooKeeper refuses clients while it is not serving ("ZooKeeperServer not
		// running"): the client tries another server.
		p.closeConn(cn)
		return
	}
	if req.LastZxidSeen > p.tree.LastZxid() {
		// The client has seen a newer state than ours: it must try another server.
		p.cfg.Logger.Info("client is ahead of this server", "conn", cn.id, "clientZxid", req.LastZxidSeen, "zxid", p.tree.LastZxid())
		p.closeConn(cn)
		return
	}
	timeout := p.sessions.Negotiate(req.TimeOut)
	cn.state = connOpen
	if req.SessionID == 0 {
		// The session is tracked at once, as ZooKeeper's prep step does, so requests
		// pipelined behind the ConnectRequest are accepted.
		id := p.sessions.Create(timeout, p.now)
		cn.session = id
		cn.timeout = timeout
		r := req
		pe := &pending{op: wire.OpCreateSession, write: true, connect: &r}
		cn.queue = append(cn.queue, pe)
		p.sessionConn[id] = cn.id
		if p.isLearner() {
			p.forward(cn, intent{kind: intentCreateSession, timeout: timeout})
			return
		}
		p.proposeTxn(datatree.TxnHeader{ClientID: int64(id), Zxid: p.nextZxid(), Time: p.wall, Type: wire.OpCreateSession},
			&datatree.CreateSessionTxn{TimeOut: timeout}, cn.id, pe, &r)
		return
	}
	id := session.ID(req.SessionID)
	if p.isLearner() && session.CheckPassword(id, req.Passwd) {
		p.revalidate(cn, id, timeout, req)
		return
	}
	if !session.CheckPassword(id, req.Passwd) || p.sessions.State(id) != session.StateOpen {
		frame := wire.EncodeConnectResponse(&wire.ConnectResponse{Passwd: make([]byte, session.PasswordLen), HasReadOnly: req.HasReadOnly})
		cn.queue = append(cn.queue, &pending{op: wire.OpCreateSession, done: true, frame: frame, close: true})
		p.flush(cn)
		return
	}
	if old, ok := p.sessionConn[id]; ok && old != cn.id {
		if oc := p.conns[old]; oc != nil {
			p.closeConn(oc)
		}
	}
	p.sessionConn[id] = cn.id
	cn.session = id
	cn.timeout = timeout
	p.sessions.Touch(id, p.now)
	if p.isLeader() {
		_ = p.sessions.SetOwner(id, p.q.id) // open, checked above
	}
	pw := session.Password(id)
	frame := wire.EncodeConnectResponse(&wire.ConnectResponse{TimeOut: timeout, SessionID: int64(id), Passwd: pw[:], HasReadOnly: req.HasReadOnly})
	cn.queue = append(cn.queue, &pending{op: wire.OpCreateSession, done: true, frame: frame})
	p.flush(cn)
}

// isTxnOp reports whether ZooKeeper's prep step turns op into a transaction.
func isTxnOp(op wire.OpCode) bool {
	switch op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL, wire.OpDelete,
		wire.OpSetData, wire.OpSetACL, wire.OpCheck, wire.OpMulti, wire.OpReconfig:
		return true
	}
	return false
}

// proposeError queues a request that failed in the prep step: it still takes a zxid
// and is answered with code once its error transaction is applied.
func (p *Peer) proposeError(cn *conn, hdr wire.RequestHeader, code wire.ErrCode) {
	pe := &pending{xid: hdr.Xid, op: hdr.Type, write: true}
	cn.queue = append(cn.queue, pe)
	if p.isLearner() {
		p.forward(cn, intent{kind: intentError, cxid: hdr.Xid, code: code})
		return
	}
	p.proposeTxn(datatree.TxnHeader{ClientID: int64(cn.session), Cxid: hdr.Xid, Zxid: p.nextZxid(), Time: p.wall, Type: wire.OpError},
		&datatree.ErrorTxn{Err: code}, cn.id, pe, nil)
}

// enqueueDone queues an already answered request behind the connection's earlier ones.
func (p *Peer) enqueueDone(cn *conn, xid int32, op wire.OpCode, hdr wire.ReplyHeader, resp wire.Response, closeAfter bool) {
	cn.queue = append(cn.queue, &pending{xid: xid, op: op, done: true, frame: wire.EncodeReply(hdr, resp), close: closeAfter})
	p.flush(cn)
}

func (p *Peer) handleRequest(cn *conn, hdr wire.RequestHeader, req wire.Request) {
	pe := &pending{xid: hdr.Xid, op: hdr.Type, req: req, ids: cn.auth.IDs()}
	switch r := req.(type) {
	case *wire.AuthRequest:
		// Auth skips the pipeline, as in ZooKeeper: answered at once, zxid 0.
		if err := cn.auth.AddAuth(p.aclCfg, r.Scheme, r.Auth); err != nil {
			p.emit(cn, wire.EncodeReply(wire.ReplyHeader{Xid: hdr.Xid, Err: wire.ErrAuthFailed}, nil), true)
			return
		}
		p.emit(cn, wire.EncodeReply(wire.ReplyHeader{Xid: hdr.Xid}, nil), false)
		return
	case *wire.CloseSessionRequest:
		pe.write = true
		cn.queue = append(cn.queue, pe)
		p.sessions.Close(cn.session)
		if p.isLearner() {
			p.forward(cn, intent{kind: intentCloseSession, cxid: hdr.Xid})
			return
		}
		p.proposeCloseXid(cn.session, hdr.Xid, pe, cn.id)
		return
	case *wire.SyncRequest:
		if p.q != nil {
			p.quorumSync(cn, pe)
			return
		}
		pe.wait = p.lastLogged
	case *wire.CheckVersionRequest:
		// A top-level check is only meaningful inside multi. ZooKeeper 3.8 never answers
		// it (a server-side NullPointerException); we answer UNIMPLEMENTED instead of
		// leaving the client waiting, and keep the connection.
		pe.done = true
		pe.frame = wire.EncodeReply(wire.ReplyHeader{Xid: hdr.Xid, Zxid: -1, Err: wire.ErrUnimplemented}, nil)
	case *wire.ReconfigRequest:
		// Dynamic reconfiguration is off (reconfigEnabled=false); Java refuses it in
		// the prep step, so the refusal takes a zxid.
		p.proposeError(cn, hdr, wire.ErrReconfigDisabled)
		return
	case *wire.SASLRequest:
		// Also outside the pipeline. With no SASL login configured, ZooKeeper 3.8
		// has no SASL server for the connection and answers OK with a null token.
		p.emit(cn, wire.EncodeReply(wire.ReplyHeader{Xid: hdr.Xid}, &wire.SASLResponse{}), false)
		return
	case *wire.MultiRequest:
		if _, ok := writeRequest(req); !ok && r.Op == wire.OpMulti {
			// A read inside multi: Java's prep step fails on it (MARSHALLINGERROR,
			// with a zxid).
			p.proposeError(cn, hdr, wire.ErrMarshallingError)
			return
		}
	}
	if dreq, ok := writeRequest(req); ok && !pe.done {
		if err := p.checkOwner(cn); err != nil {
			p.proposeError(cn, hdr, errCode(err, wire.ErrSessionMoved))
			return
		}
		pe.write = true
		cn.queue = append(cn.queue, pe)
		if p.isLearner() {
			p.forward(cn, intent{kind: intentRequest, cxid: hdr.Xid, ids: pe.ids, request: wire.EncodeRequest(hdr.Xid, req)[4:]})
			return
		}
		p.propose(p.env(cn, hdr.Xid), dreq, cn.id, pe)
		return
	}
	cn.queue = append(cn.queue, pe)
	p.flush(cn)
}

// writeRequest translates a client write into the tree's request form.
func writeRequest(req wire.Request) (datatree.Request, bool) {
	switch r := req.(type) {
	case *wire.CreateRequest:
		return datatree.Request{Op: r.Op, Path: r.Path, Data: r.Data, ACL: r.ACL, Flags: r.Flags, TTL: r.TTL}, true
	case *wire.DeleteRequest:
		return datatree.Request{Op: wire.OpDelete, Path: r.Path, Version: r.Version}, true
	case *wire.SetDataRequest:
		return datatree.Request{Op: wire.OpSetData, Path: r.Path, Data: r.Data, Version: r.Version}, true
	case *wire.SetACLRequest:
		return datatree.Request{Op: wire.OpSetACL, Path: r.Path, ACL: r.ACL, Version: r.Version}, true
	case *wire.CheckVersionRequest:
		return datatree.Request{Op: wire.OpCheck, Path: r.Path, Version: r.Version}, true
	case *wire.MultiRequest:
		if r.Op != wire.OpMulti {
			return datatree.Request{}, false
		}
		out := datatree.Request{Op: wire.OpMulti, Ops: make([]datatree.Request, 0, len(r.Ops))}
		for _, sub := range r.Ops {
			d, ok := writeRequest(sub)
			if !ok {
				return datatree.Request{}, false
			}
			out.Ops = append(out.Ops, d)
		}
		return out, true
	}
	return datatree.Request{}, false
}

func (p *Peer) env(cn *conn, xid int32) datatree.Env {
	return p.envFor(int64(cn.session), xid, cn.auth.IDs())
}

// envFor is the environment a write is prepared in: its session, cxid and the
// identities it runs with.
func (p *Peer) envFor(sessionID int64, xid int32, ids []wire.Id) datatree.Env {
	return datatree.Env{
		SessionID: sessionID,
		Cxid:      xid,
		Time:      p.wall,
		FixupACL: func(acls []wire.ACL) ([]wire.ACL, wire.ErrCode) {
			fixed, err := acl.Fixup(acls, ids)
			if err != nil {
				return nil, errCode(err, wire.ErrInvalidACL)
			}
			return fixed, wire.ErrOK
		},
		CheckACL: func(perm int32, nodeACL []wire.ACL) bool { return acl.Check(nodeACL, ids, perm) == nil },
	}
}

// errCode extracts the ZooKeeper code an error carries, or def.
func errCode(err error, def wire.ErrCode) wire.ErrCode {
	var coded interface{ Code() wire.ErrCode }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	return def
}

func (p *Peer) nextZxid() int64 {
	if p.q != nil {
		return p.q.nextZxid()
	}
	p.lastLogged++
	return p.lastLogged
}

// propose prepares a write against the tree plus outstanding changes and queues its
// transaction for the log.
func (p *Peer) propose(env datatree.Env, req datatree.Request, c ConnID, pe *pending) {
	env.Zxid = p.nextZxid()
	prepared := p.prep.Prepare(env, req)
	p.proposeTxn(prepared.Header, prepared.Txn, c, pe, nil)
}

func (p *Peer) proposeClose(id session.ID, pe *pending, c ConnID) {
	p.proposeCloseXid(id, 0, pe, c)
}

func (p *Peer) proposeCloseXid(id session.ID, xid int32, pe *pending, c ConnID) {
	p.propose(datatree.Env{SessionID: int64(id), Cxid: xid, Time: p.wall}, datatree.Request{Op: wire.OpCloseSession}, c, pe)
}

func (p *Peer) proposeTxn(hdr datatree.TxnHeader, txn datatree.Txn, c ConnID, pe *pending, create *wire.ConnectRequest) {
	if p.q != nil {
		p.quorumPropose(hdr, txn)
		return
	}
	p.unstable = append(p.unstable, proposal{hdr: hdr, txn: txn, conn: c, req: pe, create: create})
}

// HasReady reports whether the host has anything to do.
func (p *Peer) HasReady() bool {
	if p.q != nil {
		return p.quorumHasReady()
	}
	return len(p.unstable) > 0 || len(p.out) > 0 || p.snapshot != nil
}

// Ready returns what the host must do next. Call Advance once it is done.
func (p *Peer) Ready() Ready {
	if p.q != nil {
		return p.quorumReady()
	}
	rd := Ready{Out: p.out, Snapshot: p.snapshot}
	if len(p.unstable) > 0 {
		rd.Records = make([]storage.Record, 0, len(p.unstable))
	}
	for _, pr := range p.unstable {
		payload, err := datatree.EncodeTxn(pr.hdr, pr.txn)
		if err != nil {
			panic(fmt.Sprintf("protocol: encode txn %#x: %v", pr.hdr.Zxid, err))
		}
		rd.Records = append(rd.Records, storage.Record{Zxid: pr.hdr.Zxid, Payload: payload})
	}
	rd.MustSync = len(rd.Records) > 0
	p.inflight = append(p.inflight, p.unstable...)
	p.unstable = nil
	p.out = nil
	p.snapshot = nil
	return rd
}

// Advance tells the Peer the last Ready was carried out: its records are durable, so
// they are committed and applied.
func (p *Peer) Advance() {
	if p.q != nil {
		p.quorumAdvance()
		return
	}
	inflight := p.inflight
	p.inflight = nil
	for _, pr := range inflight {
		res := p.applyTxn(pr.hdr, pr.txn)
		p.prep.Committed(pr.hdr.Zxid)
		if pr.req != nil {
			p.answer(pr, res)
		}
		p.sinceSnap++
	}
	// Reads waiting on a sync may now go.
	for _, c := range p.connOrder {
		p.flush(p.conns[c])
	}
	if p.sinceSnap >= p.cfg.SnapCount {
		p.snapshot = p.takeSnapshot()
	}
}

// sessionChange is what a committed transaction does to the list of live sessions.
type sessionChange uint8

const (
	sessionUnchanged sessionChange = iota
	sessionOpened
	sessionClosed
)

// sessionChangeOf says which session a transaction opens (with its timeout) or closes.
// Applying a transaction and replaying one onto a snapshot's session list both go by it.
func sessionChangeOf(hdr datatree.TxnHeader, txn datatree.Txn) (session.ID, int32, sessionChange) {
	id := session.ID(hdr.ClientID)
	switch hdr.Type {
	case wire.OpCreateSession:
		if t, ok := txn.(*datatree.CreateSessionTxn); ok {
			return id, t.TimeOut, sessionOpened
		}
	case wire.OpCloseSession:
		return id, 0, sessionClosed
	}
	return id, 0, sessionUnchanged
}

// applyTxn applies a committed transaction to the tree and the session table, and
// queues the watch notifications it fires.
func (p *Peer) applyTxn(hdr datatree.TxnHeader, txn datatree.Txn) datatree.Result {
	res := p.tree.ApplyAppend(hdr, txn, p.triggers[:0])
	switch id, timeout, change := sessionChangeOf(hdr, txn); change {
	case sessionOpened:
		p.sessions.Track(id, timeout, p.now)
	case sessionClosed:
		p.sessions.Remove(id)
		if c, ok := p.sessionConn[id]; ok {
			delete(p.sessionConn, id)
			if cn := p.conns[c]; cn != nil && cn.session == id {
				defer p.closeAfterReplies(cn)
			}
		}
	}
	for i, tr := range res.Triggers {
		if childEventOf(res.Triggers, i) {
			// watch.Trigger already fired the parent's child watches with the child's
			// NodeCreated or NodeDeleted.
			continue
		}
		// ZooKeeper 3.8 delivers every triggered watch without an ACL check
		// (WatchManager.triggerWatch); READ is checked only where getData and
		// getChildren register one, while exists and addWatch register without any.
		for _, ev := range p.watches.Trigger(tr.Path, tr.Event) {
			cn := p.conns[ConnID(ev.Watcher)]
			if cn == nil {
				continue
			}
			// ZooKeeper 3.8 sends zxid -1 in notifications.
			p.emit(cn, wire.AppendNotification(nil, -1, &wire.WatcherEvent{Type: ev.Type, State: wire.StateSyncConnected, Path: ev.Path}), false)
		}
	}
	// The triggers are handled; their slice serves the next transaction.
	clear(res.Triggers)
	p.triggers, res.Triggers = res.Triggers[:0], nil
	return res
}

// childEventOf reports whether trigger i is the parent's NodeChildrenChanged that
// accompanies the create or delete of trigger i-1.
func childEventOf(trs []datatree.Trigger, i int) bool {
	if i == 0 || trs[i].Event != wire.EventNodeChildrenChanged {
		return false
	}
	prev := trs[i-1]
	if prev.Event != wire.EventNodeCreated && prev.Event != wire.EventNodeDeleted {
		return false
	}
	return parentPath(prev.Path) == trs[i].Path
}

func parentPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// closeAfterReplies closes a connection whose session ended once its queued replies
// are out.
func (p *Peer) closeAfterReplies(cn *conn) {
	cn.queue = append(cn.queue, &pending{done: true, close: true})
	p.flush(cn)
}

// answer builds the reply to an applied write.
func (p *Peer) answer(pr proposal, res datatree.Result) {
	pe := pr.req
	pe.done = true
	cn := p.conns[pr.conn]
	if pr.create != nil {
		pw := session.Password(session.ID(pr.hdr.ClientID))
		timeout := pr.txn.(*datatree.CreateSessionTxn).TimeOut
		pe.frame = wire.EncodeConnectResponse(&wire.ConnectResponse{TimeOut: timeout, SessionID: pr.hdr.ClientID, Passwd: pw[:], HasReadOnly: pr.create.HasReadOnly})
	} else {
		hdr := wire.ReplyHeader{Xid: pe.xid, Zxid: res.Zxid}
		var body wire.Response
		switch {
		case pe.op == wire.OpMulti && res.Type == wire.OpMulti:
			body = multiResponse(res)
		case res.Err != wire.ErrOK:
			hdr.Err = res.Err
		default:
			body = writeResponse(pe.op, res)
		}
		pe.frame = wire.EncodeReply(hdr, body)
		// The session moved to another server: ZooKeeper closes this connection.
		if pe.op == wire.OpCloseSession || hdr.Err == wire.ErrSessionMoved {
			pe.close = true
		}
	}
	if cn != nil {
		p.flush(cn)
	}
}

func writeResponse(op wire.OpCode, res datatree.Result) wire.Response {
	switch op {
	case wire.OpCreate:
		return &wire.PathResponse{Path: res.Path}
	case wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL:
		return &wire.Create2Response{Path: res.Path, Stat: res.Stat}
	case wire.OpSetData, wire.OpSetACL:
		return &wire.StatResponse{Stat: res.Stat}
	}
	return nil
}

func multiResponse(res datatree.Result) *wire.MultiResponse {
	out := &wire.MultiResponse{Results: make([]wire.MultiResult, 0, len(res.Multi))}
	for _, r := range res.Multi {
		if r.Type == wire.OpError {
			out.Results = append(out.Results, wire.MultiErrorResult(r.Err))
			continue
		}
		out.Results = append(out.Results, wire.MultiResult{Op: r.Type, Resp: writeResponse(r.Type, datatree.Result{Path: r.Path, Stat: r.Stat})})
	}
	return out
}

// flush sends, in order, every answered request at the head of the connection's
// queue; a read is executed when it reaches the head, so it sees the session's
// earlier writes.
func (p *Peer) flush(cn *conn) {
	if cn == nil {
		return
	}
	for len(cn.queue) > 0 && cn.state != connClosed {
		pe := cn.queue[0]
		if !pe.done {
			if pe.write || pe.wait > p.tree.LastZxid() {
				return
			}
			p.executeRead(cn, pe)
		}
		cn.queue = cn.queue[1:]
		if pe.frame != nil {
			p.emit(cn, pe.frame, false)
		}
		if pe.close {
			p.closeConn(cn)
			return
		}
	}
}

func (p *Peer) emit(cn *conn, frame []byte, closeAfter bool) {
	cn.sent++
	p.sent++
	p.out = append(p.out, Output{Conn: cn.id, Frame: frame, Close: closeAfter})
	if closeAfter {
		p.Disconnect(cn.id)
	}
}

// closeConn closes a connection without a reply.
func (p *Peer) closeConn(cn *conn) {
	p.out = append(p.out, Output{Conn: cn.id, Close: true})
	p.Disconnect(cn.id)
}

// executeRead answers a request that does not change the tree.
func (p *Peer) executeRead(cn *conn, pe *pending) {
	pe.done = true
	zxid := p.tree.LastZxid()
	hdr := wire.ReplyHeader{Xid: pe.xid, Zxid: zxid}
	ids := pe.ids
	w := watch.WatcherID(cn.id)
	var body wire.Response
	var code wire.ErrCode
	switch r := pe.req.(type) {
	case *wire.PingRequest:
	case *wire.SyncRequest:
		body = &wire.PathResponse{Path: r.Path}
	case *wire.ExistsRequest:
		var stat wire.Stat
		if strings.IndexByte(r.Path, 0) >= 0 {
			code = wire.ErrBadArguments
			break
		}
		// ZooKeeper 3.8 checks no ACL for exists (FinalRequestProcessor leaves it as
		// a TODO): any session learns a node's Stat and may set a watch on it.
		stat, code = p.tree.Stat(r.Path)
		if code == wire.ErrOK {
			body = &wire.StatResponse{Stat: stat}
		}
		if r.Watch && (code == wire.ErrOK || code == wire.ErrNoNode) {
			p.watches.Add(w, r.Path, watch.KindData)
		}
	case *wire.GetDataRequest:
		body, code = p.getData(r.Path, ids)
		if r.Watch && code == wire.ErrOK {
			p.watches.Add(w, r.Path, watch.KindData)
		}
	case *wire.GetChildrenRequest:
		var kids []string
		kids, _, code = p.children(r.Path, ids)
		if code == wire.ErrOK {
			body = &wire.GetChildrenResponse{Children: kids}
			if r.Watch {
				p.watches.Add(w, r.Path, watch.KindChild)
			}
		}
	case *wire.GetChildren2Request:
		kids, stat, c := p.children(r.Path, ids)
		code = c
		if code == wire.ErrOK {
			body = &wire.GetChildren2Response{Children: kids, Stat: stat}
			if r.Watch {
				p.watches.Add(w, r.Path, watch.KindChild)
			}
		}
	case *wire.GetACLRequest:
		var nodeACL []wire.ACL
		var stat wire.Stat
		nodeACL, stat, code = p.tree.ACL(r.Path)
		if code == wire.ErrOK {
			shown, err := acl.ForGetACL(nodeACL, ids)
			if err != nil {
				code = errCode(err, wire.ErrNoAuth)
				break
			}
			body = &wire.GetACLResponse{ACL: shown, Stat: stat}
		}
	case *wire.GetAllChildrenNumberRequest:
		var n int
		n, code = p.tree.AllChildrenNumber(r.Path)
		if code == wire.ErrOK {
			nodeACL, _, _ := p.tree.ACL(r.Path)
			if acl.Check(nodeACL, ids, wire.PermRead) != nil {
				code = wire.ErrNoAuth
				break
			}
			body = &wire.GetAllChildrenNumberResponse{TotalNumber: int32(n)}
		}
	case *wire.GetEphemeralsRequest:
		eph := p.tree.GetEphemerals(int64(cn.session), r.PrefixPath)
		if eph == nil {
			eph = []string{}
		}
		javaHashSetOrder(eph, len(p.tree.Ephemerals(int64(cn.session))))
		body = &wire.GetEphemeralsResponse{Ephemerals: eph}
	case *wire.WhoAmIRequest:
		infos := cn.auth.WhoAmI()
		resp := &wire.WhoAmIResponse{ClientInfo: make([]wire.ClientInfo, len(infos))}
		for i, ci := range infos {
			resp.ClientInfo[i] = wire.ClientInfo{AuthScheme: ci.AuthScheme, User: ci.User}
		}
		body = resp
	case *wire.MultiRequest:
		body, code = p.multiRead(r, ids)
	case *wire.AddWatchRequest:
		kind, err := watch.KindForAddWatch(r.Mode)
		if err != nil {
			code = wire.ErrBadArguments
			break
		}
		p.watches.Add(w, r.Path, kind)
		body = &wire.ErrorResponse{Err: wire.ErrOK}
	case *wire.CheckWatchesRequest:
		code = errCode(p.watches.Check(w, r.Path, r.Type), wire.ErrOK)
	case *wire.RemoveWatchesRequest:
		code = errCode(p.watches.Remove(w, r.Path, r.Type), wire.ErrOK)
	case *wire.SetWatchesRequest:
		p.setWatches(cn, watch.Rewatch{RelativeZxid: r.RelativeZxid, Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches})
	case *wire.SetWatches2Request:
		p.setWatches(cn, watch.Rewatch{RelativeZxid: r.RelativeZxid, Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches,
			Persistent: r.PersistentWatches, PersistentRecursive: r.PersistentRecursiveWatches})
	default:
		code = wire.ErrUnimplemented
	}
	hdr.Err = code
	if code != wire.ErrOK {
		body = nil
	}
	pe.frame = wire.EncodeReply(hdr, body)
}

// javaHashSetOrder puts paths in the order ZooKeeper lists them: it copies the
// session's ephemerals out of a ConcurrentHashMap key set, whose iteration order is
// by hash bucket. setSize is the size of that whole set, which fixes the table size
// (16, doubled whenever the set reaches 3/4 of it). Paths sharing a bucket keep their
// given order, which matches Java only if they were created in that order.
func javaHashSetOrder(paths []string, setSize int) {
	buckets := int32(16)
	for setSize >= int(buckets-buckets/4) {
		buckets *= 2
	}
	bucket := func(s string) int32 {
		var h int32
		for _, c := range utf16.Encode([]rune(s)) {
			h = 31*h + int32(c)
		}
		spread := (h ^ int32(uint32(h)>>16)) & 0x7fffffff
		return spread & (buckets - 1)
	}
	sort.SliceStable(paths, func(i, j int) bool { return bucket(paths[i]) < bucket(paths[j]) })
}

func (p *Peer) getData(path string, ids []wire.Id) (*wire.GetDataResponse, wire.ErrCode) {
	data, stat, code := p.tree.Get(path)
	if code != wire.ErrOK {
		return nil, code
	}
	nodeACL, _, _ := p.tree.ACL(path)
	if acl.Check(nodeACL, ids, wire.PermRead) != nil {
		return nil, wire.ErrNoAuth
	}
	return &wire.GetDataResponse{Data: data, Stat: stat}, wire.ErrOK
}

func (p *Peer) children(path string, ids []wire.Id) ([]string, wire.Stat, wire.ErrCode) {
	kids, stat, code := p.tree.Children(path)
	if code != wire.ErrOK {
		return nil, stat, code
	}
	nodeACL, _, _ := p.tree.ACL(path)
	if acl.Check(nodeACL, ids, wire.PermRead) != nil {
		return nil, stat, wire.ErrNoAuth
	}
	if kids == nil {
		kids = []string{}
	}
	return kids, stat, wire.ErrOK
}

// multiRead answers multiRead. Any op other than getData and getChildren fails the
// whole request with MARSHALLINGERROR, as Java's IOException("Invalid type of readOp").
func (p *Peer) multiRead(r *wire.MultiRequest, ids []wire.Id) (*wire.MultiResponse, wire.ErrCode) {
	for _, sub := range r.Ops {
		switch sub.(type) {
		case *wire.GetDataRequest, *wire.GetChildrenRequest:
		default:
			return nil, wire.ErrMarshallingError
		}
	}
	out := &wire.MultiResponse{Results: make([]wire.MultiResult, 0, len(r.Ops))}
	for _, sub := range r.Ops {
		switch s := sub.(type) {
		case *wire.GetDataRequest:
			resp, code := p.getData(s.Path, ids)
			if code != wire.ErrOK {
				out.Results = append(out.Results, wire.MultiErrorResult(code))
				continue
			}
			out.Results = append(out.Results, wire.MultiResult{Op: wire.OpGetData, Resp: resp})
		case *wire.GetChildrenRequest:
			kids, _, code := p.children(s.Path, ids)
			if code != wire.ErrOK {
				out.Results = append(out.Results, wire.MultiErrorResult(code))
				continue
			}
			out.Results = append(out.Results, wire.MultiResult{Op: wire.OpGetChildren, Resp: &wire.GetChildrenResponse{Children: kids}})
		}
	}
	return out, wire.ErrOK
}

type treeZxids struct{ t *datatree.Tree }

func (v treeZxids) Zxids(path string) (int64, int64, bool) {
	st, ok := v.t.StoredStat(path)
	if !ok {
		return 0, 0, false
	}
	return st.Mzxid, st.Pzxid, true
}

// setWatches re-registers a reconnecting client's watches; events it missed are sent
// before the reply.
func (p *Peer) setWatches(cn *conn, rw watch.Rewatch) {
	for _, ev := range p.watches.SetWatches(watch.WatcherID(cn.id), rw, treeZxids{p.tree}) {
		p.emit(cn, wire.AppendNotification(nil, -1, &wire.WatcherEvent{Type: ev.Type, State: wire.StateSyncConnected, Path: ev.Path}), false)
	}
}

// ConnStatus describes one client connection, for the cons and stat four-letter words.
type ConnStatus struct {
	Conn     ConnID
	RemoteIP string
	Session  int64
	Timeout  int32
	Queued   int
	Received uint64
	Sent     uint64
}

// Status is a Peer's state as the four-letter words and `status` report it.
type Status struct {
	// Mode is "standalone", "leader", "follower", "observer", or "looking" while an
	// ensemble member is in leader election.
	Mode     string
	ServerID int64
	// Role, Epoch and Leader describe an ensemble member's ZAB state (RoleChange's
	// values); Serving is false while it refuses clients (election, sync).
	Role    string
	Epoch   int64
	Leader  int64
	Serving bool
	// AcceptedEpoch, CurrentEpoch, LastLogged and Committed are the ZAB facts of an
	// ensemble member: its epoch files, its last logged zxid and the highest zxid it
	// knows committed.
	AcceptedEpoch int64
	CurrentEpoch  int64
	LastLogged    int64
	Committed     int64

	LastZxid    int64
	Digest      uint64
	NodeCount   int
	Sessions    int
	Ephemerals  int
	Watches     watch.Summary
	Received    uint64
	Sent        uint64
	Outstanding int
	Connections []ConnStatus
}

// Status reports the Peer's current state.
func (p *Peer) Status() Status {
	st := Status{
		Mode:        "standalone",
		ServerID:    p.cfg.ServerID,
		LastZxid:    p.tree.LastZxid(),
		Digest:      p.tree.Digest(),
		NodeCount:   p.tree.NodeCount(),
		Sessions:    p.sessions.Len(),
		Ephemerals:  p.tree.EphemeralCount(),
		Watches:     p.watches.Summary(),
		Received:    p.received,
		Sent:        p.sent,
		Outstanding: len(p.unstable) + len(p.inflight),
		Role:        RoleStandalone,
		Serving:     true,
		LastLogged:  p.lastLogged,
		Committed:   p.tree.LastZxid(),
	}
	if q := p.q; q != nil {
		st.Mode = map[zab.Role]string{zab.RoleLooking: "looking", zab.RoleLeader: "leader", zab.RoleFollower: "follower", zab.RoleObserver: "observer"}[q.role]
		st.Role, st.Epoch, st.Leader, st.Serving = roleName(q.role), q.epoch, q.leader, q.serving
		st.AcceptedEpoch, st.CurrentEpoch = q.zn.AcceptedEpoch(), q.zn.CurrentEpoch()
		st.LastLogged, st.Committed = q.zn.LastZxid(), q.zn.Committed()
		st.Outstanding = p.prep.Outstanding()
	}
	for _, c := range p.connOrder {
		cn := p.conns[c]
		st.Connections = append(st.Connections, ConnStatus{Conn: c, RemoteIP: cn.remoteIP, Session: int64(cn.session),
			Timeout: cn.timeout, Queued: len(cn.queue), Received: cn.received, Sent: cn.sent})
	}
	return st
}

// WatchReport renders the wchs, wchc or wchp four-letter word; ok is false for any
// other command.
func (p *Peer) WatchReport(cmd string) (text string, ok bool) {
	sessionOf := func(w watch.WatcherID) int64 {
		if cn := p.conns[ConnID(w)]; cn != nil {
			return int64(cn.session)
		}
		return 0
	}
	switch cmd {
	case "wchs":
		return p.watches.FormatWCHS(), true
	case "wchc":
		return p.watches.FormatWCHC(sessionOf), true
	case "wchp":
		return p.watches.FormatWCHP(sessionOf), true
	}
	return "", false
}

// Ephemerals lists the ephemeral paths of every live session, for the dump word.
func (p *Peer) Ephemerals() map[int64][]string {
	out := map[int64][]string{}
	for _, s := range p.tree.Sessions() {
		out[s] = p.tree.Ephemerals(s)
	}
	return out
}

// Digest is the data tree's digest and the zxid it reflects, for cross-node comparison.
func (p *Peer) Digest() (uint64, int64) { return p.tree.Digest(), p.tree.LastZxid() }
