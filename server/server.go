package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/crashpoint"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
	"github.com/zksim/zksim/server/config"
)

// core is the part of protocol.Peer the host drives. One goroutine, the owner, makes
// every call.
type core interface {
	Tick(now int64)
	Connect(c protocol.ConnID, remoteIP string)
	Receive(c protocol.ConnID, payload []byte)
	Disconnect(c protocol.ConnID)
	HasReady() bool
	Ready() protocol.Ready
	Advance()
	Status() protocol.Status
	WatchReport(cmd string) (string, bool)
	Ephemerals() map[int64][]string
	StepPeer(from int64, ch protocol.Channel, msg []byte)
	PeerDisconnected(peer int64, ch protocol.Channel)
	LeaderStats() (zab.LeaderStats, bool)
}

// Options adjusts a Server. The zero value is fine.
type Options struct {
	// Logger receives the server's log; nil logs nothing.
	Logger *slog.Logger
	// Listener, if set, is used as the client port instead of listening on
	// clientPortAddress:clientPort.
	Listener net.Listener
	// MaxBuffer is jute.maxbuffer, the largest client frame; 0 means wire.MaxBuffer.
	MaxBuffer int
	// WriteQueue bounds the frames waiting to be written to one client; a client that
	// falls further behind is disconnected. 0 means 4096.
	WriteQueue int
	// Bugs switches catalogued protocol faults on (package protocol/bugs). Test only:
	// zkserver sets it from --test-only-bugs, never from zoo.cfg; the zero Set is the
	// correct server.
	Bugs bugs.Set
	// Clock, if set, is the protocol core's clock instead of the host's. Test only:
	// zkserver sets it from --test-only-clock-file, never from zoo.cfg.
	Clock Clock
	// CrashPoints, if set, kills the server at the protocol steps it arms (package
	// crashpoint names them; HookedCrashPoints lists those the server reaches). Test
	// only: zkserver sets it from --test-only-crash-file, never from zoo.cfg.
	CrashPoints CrashPoints
	// ZabRecord, if set, is a file the server appends its own ZAB events to (the
	// events the simulator's host records for the zab-* checkers, one line each with
	// the wall-clock time; package noderec reads them). Test only: zkserver sets it
	// from --test-only-zab-record, never from zoo.cfg.
	ZabRecord string

	newCore   func(protocol.Config, storage.RecoveredState, int64) (core, error)
	openFiles func(*Files)
}

// Server is a standalone ZooKeeper server: a client port, durable files and the
// protocol core, driven by one owner goroutine.
type Server struct {
	cfg       *config.Config
	log       *slog.Logger
	files     *Files
	core      core
	ln        net.Listener
	maxBuffer int
	queueLen  int
	started   time.Time

	events  chan event
	stopped chan struct{}
	wg      sync.WaitGroup

	ipMu  sync.Mutex
	perIP map[string]int

	// Ensemble members only: the election and quorum listeners and the other members'
	// addresses.
	peerLns   map[protocol.Channel]net.Listener
	peerAddrs map[linkKey]string

	// Owned by the Run goroutine.
	outLinks map[linkKey]*outLink
	inLinks  map[linkKey]*inLink
	// lastVote is the last election message sent to each member, sent again when
	// that member opens a stream to us (see handlePeer).
	lastVote  map[int64][]byte
	role      protocol.RoleChange // the last one the core reported
	roleSince time.Time           // when role.Role last changed
	conns     map[protocol.ConnID]*clientConn
	nextConn  protocol.ConnID
	stats     serverStats

	// Test-only crash points (crashpoint.go): what the Ready being persisted is about.
	crash      CrashPoints
	learnerNow bool               // the server follows or observes, this Ready's role change included
	installing bool               // a SNAP's snapshot is being installed
	hard       protocol.HardState // the epochs last written

	zab *zabRecord // test-only ZAB event record (zabrecord.go); nil records nothing
}

// maxTickEvery is the coarsest the wall clock reaches the core.
const maxTickEvery = 10 * time.Millisecond

// maxBatch bounds the events the owner takes in before it drains the core.
const maxBatch = 512

type eventKind int

const (
	evOpen eventKind = iota + 1
	evFrame
	evClosed
	evFourLetter
	evPeerUp
	evPeerMsg
	evPeerDown
)

type event struct {
	kind    eventKind
	conn    *clientConn
	payload []byte
	cmd     string
	reply   chan string
	in      *inLink
	out     *outLink
	err     error
}

// New recovers the node's state from its files, builds the protocol core and opens
// the client port, and for an ensemble member the election and quorum ports. Damaged
// files fail here, with an error naming the file.
func New(cfg *config.Config, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, w := range cfg.Warnings {
		log.Warn("configuration", "warning", w.String())
	}
	if !opts.Bugs.Empty() {
		log.Warn("TEST ONLY: catalogued protocol bugs are switched on; this server breaks ZooKeeper's guarantees "+
			"on purpose and must never hold data anyone needs", "bugs", opts.Bugs.String())
	}
	files, err := OpenFiles(cfg.DataDir, cfg.DataLogDir)
	if err != nil {
		return nil, err
	}
	files.SetPreallocate(cfg.PreAllocSizeKB * 1024)
	if opts.CrashPoints != nil {
		log.Warn("TEST ONLY: crash points may be armed; this server kills itself at the protocol steps a harness names")
	}
	if opts.openFiles != nil {
		opts.openFiles(files)
	}
	rec, err := files.Recover()
	if err != nil {
		return nil, err
	}
	for _, s := range rec.Skipped {
		log.Error("damaged snapshot skipped", "file", s.Name, "err", s.Err)
	}
	for _, r := range rec.Repairs {
		if rec.HasSnapshot {
			log.Warn("repaired storage", "repair", r.String())
		} else {
			log.Info("initialized storage", "repair", r.String()) // a fresh node
		}
	}
	var zr *zabRecord
	if opts.ZabRecord != "" {
		log.Warn("TEST ONLY: this server records its ZAB events for a test harness", "file", opts.ZabRecord)
		if zr, err = openZabRecord(opts.ZabRecord, log); err != nil {
			files.Close()
			return nil, err
		}
		zr.recovered(rec, cfg.Standalone())
	}
	// fail releases what New opened so far.
	fail := func(err error) (*Server, error) {
		if zr != nil {
			zr.close()
		}
		files.Close()
		return nil, err
	}
	log.Info("recovered", "snapshot", rec.SnapshotName, "records", len(rec.Records),
		"lastZxid", "0x"+strconv.FormatInt(rec.LastZxid, 16))
	maxBuffer := opts.MaxBuffer
	if maxBuffer <= 0 {
		maxBuffer = wire.MaxBuffer
	}
	serverID := cfg.ServerID
	if serverID < 0 {
		serverID = 0
	}
	pcfg := protocol.Config{
		ServerID:          serverID,
		TickTime:          int32(cfg.TickTime),
		MinSessionTimeout: int32(cfg.MinSessionTimeout),
		MaxSessionTimeout: int32(cfg.MaxSessionTimeout),
		MaxBuffer:         maxBuffer,
		ExtendedTypes:     cfg.ExtendedTypesEnabled,
		SnapCount:         cfg.SnapCount,
		Logger:            log,
		Bugs:              opts.Bugs,
	}
	quorum := !cfg.Standalone()
	if quorum {
		for _, m := range cfg.Servers {
			pcfg.Members = append(pcfg.Members, protocol.Member{ID: m.ID, Observer: m.Type == config.Observer})
		}
		pcfg.InitLimit, pcfg.SyncLimit = cfg.InitLimit, cfg.SyncLimit
		// A freshly started ensemble whose votes all agree serves without waiting
		// out finalizeWait (200 ms); see election.Config.DecideWhenUnanimous.
		pcfg.DecideWhenUnanimous = true
	}
	newCore := opts.newCore
	if newCore == nil {
		newCore = func(c protocol.Config, r storage.RecoveredState, now int64) (core, error) {
			if quorum {
				return protocol.NewQuorum(c, r, now)
			}
			return protocol.NewStandalone(c, r, now)
		}
	}
	host := time.Now()
	startWall, startMono := host.UnixMilli(), host.UnixMilli()
	if opts.Clock != nil {
		startWall, startMono = opts.Clock.Read(host)
		log.Warn("TEST ONLY: the protocol core runs on a skewed clock", "offset", time.Duration(startWall-host.UnixMilli())*time.Millisecond)
	}
	c, err := newCore(pcfg, rec, startWall)
	if err != nil {
		return fail(fmt.Errorf("server: start protocol core: %w", err))
	}
	clock := opts.Clock
	if clock == nil {
		clock = hostClock{start: host}
	}
	c = newClockedCore(c, clock, startWall, startMono)
	ln := opts.Listener
	if ln == nil {
		addr := net.JoinHostPort(cfg.ClientPortAddress, strconv.Itoa(cfg.ClientPort))
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return fail(fmt.Errorf("server: listen on client port %s: %w", addr, err))
		}
	}
	var peerLns map[protocol.Channel]net.Listener
	if quorum {
		peerLns, err = listenPeers(cfg)
		if err != nil {
			ln.Close()
			return fail(err)
		}
	}
	queue := opts.WriteQueue
	if queue <= 0 {
		queue = 4096
	}
	srv := &Server{
		cfg: cfg, log: log, files: files, core: c, ln: ln,
		maxBuffer: maxBuffer, queueLen: queue, started: time.Now(),
		events:  make(chan event, 1024),
		stopped: make(chan struct{}),
		perIP:   map[string]int{},
		conns:   map[protocol.ConnID]*clientConn{},
		peerLns: peerLns, peerAddrs: peerAddrs(cfg),
		outLinks: map[linkKey]*outLink{}, inLinks: map[linkKey]*inLink{}, lastVote: map[int64][]byte{},
		crash: opts.CrashPoints,
		zab:   zr,
		hard:  protocol.HardState{AcceptedEpoch: rec.AcceptedEpoch, CurrentEpoch: rec.CurrentEpoch},
	}
	if srv.crash != nil {
		files.step = srv.fileStep
	}
	if cfg.PurgeInterval > 0 {
		// ZooKeeper's cleanup task runs once at start, then every purgeInterval hours.
		srv.purge()
	}
	return srv, nil
}

// Addr is the client port's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx is cancelled (it then returns nil) or the disk fails (it
// returns an error wrapping ErrDisk). Either way every connection is closed and the
// files are released before Run returns.
func (s *Server) Run(ctx context.Context) error {
	s.log.Info("serving", "clientPort", s.ln.Addr().String(), "dataDir", s.files.SnapDir(), "dataLogDir", s.files.LogDir())
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		s.acceptLoop()
	}()
	for ch, ln := range s.peerLns {
		s.log.Info("listening for members", "channel", ch.String(), "addr", ln.Addr().String())
		s.wg.Add(1)
		go s.acceptPeers(ln, ch)
	}
	err := s.serve(ctx)
	close(s.stopped)
	s.ln.Close()
	for _, ln := range s.peerLns {
		ln.Close()
	}
	for _, l := range s.outLinks {
		s.dropOutLink(l)
	}
	for _, l := range s.inLinks {
		l.nc.Close()
	}
	<-accepted
	for _, c := range s.conns {
		c.nc.Close()
		close(c.out)
	}
	// Connections accepted but not yet taken in by the owner.
	for more := true; more; {
		select {
		case ev := <-s.events:
			if ev.kind == evOpen {
				ev.conn.nc.Close()
				close(ev.conn.out)
			}
		default:
			more = false
		}
	}
	s.wg.Wait()
	if s.zab != nil {
		s.zab.close()
	}
	if cerr := s.files.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		s.log.Error("server stopped", "err", err)
	}
	return err
}

func (s *Server) serve(ctx context.Context) error {
	// The core's deadlines are in milliseconds (election's finalizeWait and
	// notification retries of 200 ms, pings, session expiry); a tick of tickTime/2
	// would hold an election's decision back by up to a second.
	tickEvery := min(time.Duration(s.cfg.TickTime)*time.Millisecond/2, maxTickEvery)
	if tickEvery <= 0 {
		tickEvery = maxTickEvery
	}
	ticker := time.NewTicker(tickEvery)
	defer ticker.Stop()
	var purge <-chan time.Time
	if s.cfg.PurgeInterval > 0 {
		t := time.NewTicker(time.Duration(s.cfg.PurgeInterval) * time.Hour)
		defer t.Stop()
		purge = t.C
	}
	if err := s.drain(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			s.log.Info("shutting down", "cause", context.Cause(ctx))
			return nil
		case ev := <-s.events:
			s.handle(ev)
			// Take what else is waiting, so one fsync covers it all (group commit),
			// up to a bound that keeps replies flowing under a steady stream.
			for range maxBatch {
				select {
				case ev := <-s.events:
					s.handle(ev)
					continue
				default:
				}
				break
			}
		case <-ticker.C:
			s.core.Tick(time.Now().UnixMilli())
		case <-purge:
			s.purge()
		}
		if err := s.drain(); err != nil {
			return err
		}
	}
}

// drain carries out everything the core asks, in the order protocol's documentation
// gives: client frames and the peer messages that need not wait to their writers;
// then persistence (an installed snapshot, a truncation, the records with one fsync
// for the batch, the epoch files, a periodic snapshot); then the peer messages that
// acknowledge it; then Advance.
func (s *Server) drain() error {
	for s.core.HasReady() {
		rd := s.core.Ready()
		if s.zab != nil {
			s.zab.observe(s.role, &rd)
		}
		// Out never depends on this Ready's records, so the writers may start while
		// the fsync runs.
		for _, o := range rd.Out {
			s.deliver(o)
		}
		for _, m := range rd.PeerMessages {
			if !m.AfterPersist {
				s.sendPeer(m)
			}
		}
		if s.crash != nil {
			role := s.role.Role
			if rd.Role != nil {
				role = rd.Role.Role
			}
			s.learnerNow = role == protocol.RoleFollowing || role == protocol.RoleObserving
		}
		if err := s.persist(rd); err != nil {
			return err
		}
		if s.zab != nil {
			s.zab.persisted(&rd)
		}
		if s.crash != nil {
			s.beforeAcks(rd)
		}
		for _, m := range rd.PeerMessages {
			if m.AfterPersist {
				s.sendPeer(m)
			}
		}
		if rd.Role != nil {
			prev := s.role.Role
			s.role = *rd.Role
			if s.role.Role != prev {
				if prev == protocol.RoleLeading {
					s.closeQuorumLinks()
				}
				s.roleSince = time.Now()
				if s.role.Role == protocol.RoleLeading {
					// ZooKeeper's proposal sizes belong to one term of leadership.
					s.stats.proposals = latency{}
				}
				s.log.Info("role", "role", rd.Role.Role, "epoch", rd.Role.Epoch, "leader", rd.Role.Leader, "reason", rd.Role.Reason)
			}
		}
		if s.crash != nil && len(rd.Records) > 0 && s.cfg.Standalone() {
			s.crashAt(crashpoint.CommitBeforeApply)
		}
		s.core.Advance()
		if s.zab != nil && s.cfg.Standalone() {
			for _, r := range rd.Records {
				s.zab.rec.Committed(r.Zxid)
			}
		}
		if s.crash != nil && len(rd.Records) > 0 {
			s.crashAt(crashpoint.ApplyBeforeReply)
		}
	}
	return nil
}

func (s *Server) persist(rd protocol.Ready) error {
	if rd.InstallSnapshot && rd.Snapshot != nil {
		s.installing = true
		err := s.files.InstallSnapshot(rd.Snapshot.Zxid, rd.Snapshot.Payload)
		s.installing = false
		if err != nil {
			return err
		}
		s.log.Info("installed the leader's snapshot", "zxid", "0x"+strconv.FormatInt(rd.Snapshot.Zxid, 16))
	}
	if rd.Truncate {
		if err := s.files.Truncate(rd.TruncateTo); err != nil {
			return err
		}
		s.log.Info("truncated the log", "zxid", "0x"+strconv.FormatInt(rd.TruncateTo, 16))
		if s.zab != nil {
			s.zab.rec.Truncated(rd.TruncateTo)
		}
	}
	if hs := rd.HardState; hs != nil {
		// Stage the new currentEpoch before the records it vouches for: a crash after
		// the records are durable but before currentEpoch is replaced then recovers
		// from the staged file (ZOOKEEPER-1653) instead of refusing to start.
		if err := s.files.StageCurrentEpoch(hs.CurrentEpoch); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := s.files.Append(rd.Records, rd.MustSync && s.cfg.ForceSync); err != nil {
		return err
	}
	if s.role.Role == protocol.RoleLeading {
		for _, r := range rd.Records {
			s.stats.proposals.add(int64(len(r.Payload)))
		}
	}
	if len(rd.Records) > 0 {
		s.stats.batch.add(int64(len(rd.Records)))
		if rd.MustSync {
			s.stats.fsync.add(time.Since(start).Milliseconds())
		}
	}
	if hs := rd.HardState; hs != nil {
		if err := s.files.WriteEpoch(storage.AcceptedEpochFile, hs.AcceptedEpoch); err != nil {
			return err
		}
		if s.crash != nil && s.learnerNow && hs.CurrentEpoch != s.hard.CurrentEpoch {
			s.crashAt(crashpoint.SyncWritesBeforeEpoch)
		}
		if err := s.files.WriteEpoch(storage.CurrentEpochFile, hs.CurrentEpoch); err != nil {
			return err
		}
	}
	if rd.Snapshot != nil && !rd.InstallSnapshot {
		start := time.Now()
		if err := s.files.WriteSnapshot(rd.Snapshot.Zxid, rd.Snapshot.Payload); err != nil {
			return err
		}
		s.stats.snapshots.add(time.Since(start).Milliseconds())
		s.log.Info("snapshot written", "zxid", "0x"+strconv.FormatInt(rd.Snapshot.Zxid, 16),
			"bytes", len(rd.Snapshot.Payload), "took", time.Since(start))
	}
	return nil
}

func (s *Server) purge() {
	deleted, err := s.files.Purge(s.cfg.SnapRetainCount)
	if err != nil {
		s.log.Error("autopurge", "err", err)
		return
	}
	if len(deleted) > 0 {
		s.log.Info("autopurge", "deleted", deleted)
	}
}

func (s *Server) handle(ev event) {
	c := ev.conn
	now := time.Now()
	switch ev.kind {
	case evOpen:
		s.conns[c.id] = c
		s.core.Connect(c.id, c.ip)
	case evFrame:
		c.noteRequest(ev.payload, now)
		s.stats.received++
		s.stats.bytesReceived += uint64(len(ev.payload) + 4)
		s.core.Receive(c.id, ev.payload)
	case evFourLetter:
		c.fourLetter = true
		c.recved++
		s.stats.received++
		ev.reply <- s.fourLetterWord(ev.cmd, now)
		// The command is answered; the connection is over even if its reader has
		// not noticed yet, so the next command does not see it.
		s.forget(c)
	case evClosed:
		s.forget(c)
	case evPeerUp, evPeerMsg, evPeerDown:
		s.handlePeer(ev)
	}
}

// forget drops a connection from the table and tells the core, once.
func (s *Server) forget(c *clientConn) {
	if _, ok := s.conns[c.id]; !ok {
		return
	}
	delete(s.conns, c.id)
	close(c.out)
	s.core.Disconnect(c.id)
}

// deliver hands one output to its connection's writer. A writer whose queue is full
// belongs to a client that does not read; it is cut off rather than stall the others.
func (s *Server) deliver(o protocol.Output) {
	c := s.conns[o.Conn]
	if c == nil || c.dead {
		return
	}
	if o.Frame != nil {
		c.noteReply(o.Frame, time.Now(), &s.stats)
		s.stats.sent++
	}
	select {
	case c.out <- o:
	default:
		s.log.Warn("closing connection: client does not read its replies", "remote", c.remote, "queued", len(c.out))
		c.dead = true
		c.nc.Close()
		return
	}
	if o.Close {
		c.dead = true
	}
}

func (s *Server) acceptLoop() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.stopped:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		remote := nc.RemoteAddr().String()
		ip, _, _ := net.SplitHostPort(remote)
		if !s.admit(ip) {
			s.log.Warn("too many connections from client address", "ip", ip, "maxClientCnxns", s.cfg.MaxClientCnxns)
			nc.Close()
			continue
		}
		s.nextConn++
		c := &clientConn{id: s.nextConn, nc: nc, remote: remote, ip: ip,
			out: make(chan protocol.Output, s.queueLen), established: time.Now(), pending: map[int32]pendingReq{}}
		select {
		case s.events <- event{kind: evOpen, conn: c}:
		case <-s.stopped:
			nc.Close()
			s.release(ip)
			return
		}
		s.wg.Add(2)
		go s.readLoop(c)
		go s.writeLoop(c)
	}
}

// admit counts a connection from ip against maxClientCnxns.
func (s *Server) admit(ip string) bool {
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	if max := s.cfg.MaxClientCnxns; max > 0 && s.perIP[ip] >= max {
		return false
	}
	s.perIP[ip]++
	return true
}

func (s *Server) release(ip string) {
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
}

// send passes an event to the owner unless the server is stopping.
func (s *Server) send(ev event) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.stopped:
		return false
	}
}

// readLoop frames the client's bytes and hands each payload to the owner. A first
// four bytes that spell a four-letter word make the connection a command.
func (s *Server) readLoop(c *clientConn) {
	defer s.wg.Done()
	defer func() {
		c.nc.Close()
		s.release(c.ip)
		s.send(event{kind: evClosed, conn: c})
	}()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var prefix [4]byte
	if _, err := io.ReadFull(br, prefix[:]); err != nil {
		return
	}
	if cmd, ok := wire.FourLetterWord(prefix[:]); ok {
		reply := make(chan string, 1)
		if !s.send(event{kind: evFourLetter, conn: c, cmd: cmd, reply: reply}) {
			return
		}
		var text string
		select {
		case text = <-reply:
		case <-s.stopped:
			return
		}
		c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c.nc, text)
		return
	}
	for first := true; ; first = false {
		if !first {
			if _, err := io.ReadFull(br, prefix[:]); err != nil {
				return
			}
		}
		n, err := wire.FrameLength(prefix[:], s.maxBuffer)
		if err != nil {
			s.log.Warn("closing connection: bad frame length", "remote", c.remote,
				"length", int32(binary.BigEndian.Uint32(prefix[:])), "maxBuffer", s.maxBuffer, "err", err)
			return
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		if !s.send(event{kind: evFrame, conn: c, payload: payload}) {
			return
		}
	}
}

// writeLoop writes a connection's frames in order, flushing when its queue runs dry.
// After a write error it keeps draining, so the owner never blocks on it.
func (s *Server) writeLoop(c *clientConn) {
	defer s.wg.Done()
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	broken := false
	for o := range c.out {
		if broken {
			continue
		}
		if o.Frame != nil {
			if _, err := bw.Write(o.Frame); err != nil {
				broken = true
				c.nc.Close()
				continue
			}
		}
		if o.Close || len(c.out) == 0 {
			if err := bw.Flush(); err != nil {
				broken = true
				c.nc.Close()
				continue
			}
		}
		if o.Close {
			broken = true
			c.nc.Close()
		}
	}
}
