package jepsen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/server"
)

// Errors of the real-cluster target.
var (
	ErrNode  = errors.New("jepsen: no such node")
	ErrState = errors.New("jepsen: impossible state change")
)

// Config is the ensemble's shape and timing.
type Config struct {
	Binary         string // the zkserver binary
	Dir            string // parent of every node's directory
	Nodes          int    // voting servers
	Clients        int    // client ids follow the servers'
	TickTime       time.Duration
	InitLimit      int
	SyncLimit      int
	SessionTimeout time.Duration
	SnapCount      int
	Seed           uint64 // disk-fault choices
	// ServerArgs go before start-foreground on every server's command line (for
	// test-only server flags).
	ServerArgs []string
	// Bugs are catalogued protocol bugs every server runs with (zkserver
	// --test-only-bugs); the zero Set runs the correct server.
	Bugs bugs.Set
}

// serverArgs is what goes before start-foreground on a server's command line.
func (cfg *Config) serverArgs() []string {
	args := slices.Clone(cfg.ServerArgs)
	if !cfg.Bugs.Empty() {
		args = append(args, "--test-only-bugs", cfg.Bugs.String())
	}
	return args
}

type node struct {
	id                        int
	dir, dataDir, cfg, log    string
	clientPort, quorum, elect int
	clientRelay               *Relay
	cmd                       *exec.Cmd
	exited                    chan struct{}
	state                     nemesis.Status
	pendingDisk               []nemesis.Kind                      // applied at the next restart
	clock                     server.ClockState                   // what the clock file says; kept across restarts
	armed                     map[nemesis.CrashPoint]server.Armed // what the crash file says
}

// clockFile is where the server reads its test-only skewed clock.
func (n *node) clockFile() string { return filepath.Join(n.dir, "clock") }

// crashFile is where the server reads its test-only armed crash points.
func (n *node) crashFile() string { return filepath.Join(n.dir, "crash") }

// Cluster is a real ensemble of zkserver processes behind relays; it implements
// nemesis.Target.
type Cluster struct {
	cfg Config

	mu      sync.Mutex
	nodes   []*node             // index id-1
	quorum  map[[2]int]*Relay   // i→j quorum link
	elect   map[[2]int]*Relay   // i→j election link
	cut     map[[2]int]bool     // i must not send to j
	links   map[int]*clientLink // by client id
	notes   map[string]bool     // skipped fault kinds, with why
	diskRng *rand.Rand
	timers  []*time.Timer
	armSeq  int64 // names each arming of a crash point (server.Armed.Seq)
}

var _ nemesis.Target = (*Cluster)(nil)

// freePort picks a free loopback port and keeps listening on it, appending the
// listener to held, so that no later pick — nor a relay's own listener — gets the same
// port before the caller closes held. Closed at once, the kernel may hand the same
// port out again: a server whose client port equals one of its quorum ports refuses to
// start, and the run would go on with that server down.
func freePort(held *[]net.Listener) (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	*held = append(*held, ln)
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Start lays out every node's directory and configuration, starts the relays and
// the processes. On error, everything started is stopped.
func Start(cfg Config) (c *Cluster, err error) {
	if cfg.Nodes < 1 {
		return nil, fmt.Errorf("%w: %d nodes", ErrNode, cfg.Nodes)
	}
	if strings.Contains(cfg.Binary, "/") {
		// Servers run in their own directories, so a relative path would miss.
		if abs, err := filepath.Abs(cfg.Binary); err == nil {
			cfg.Binary = abs
		}
	}
	c = &Cluster{cfg: cfg, quorum: map[[2]int]*Relay{}, elect: map[[2]int]*Relay{},
		cut: map[[2]int]bool{}, links: map[int]*clientLink{}, notes: map[string]bool{}, diskRng: rand.New(rand.NewPCG(cfg.Seed, 0xd15c))}
	defer func() {
		if err != nil {
			c.Close()
			c = nil
		}
	}()
	var held []net.Listener
	release := func() {
		for _, ln := range held {
			ln.Close()
		}
		held = nil
	}
	defer release()
	for id := 1; id <= cfg.Nodes; id++ {
		n := &node{id: id, dir: filepath.Join(cfg.Dir, fmt.Sprintf("n%d", id)), state: nemesis.Crashed}
		n.dataDir = filepath.Join(n.dir, "data")
		n.cfg = filepath.Join(n.dir, "zoo.cfg")
		n.log = filepath.Join(n.dir, "server.log")
		for _, p := range []*int{&n.clientPort, &n.quorum, &n.elect} {
			if *p, err = freePort(&held); err != nil {
				return c, err
			}
		}
		if n.clientRelay, err = NewRelay(fmt.Sprintf("127.0.0.1:%d", n.clientPort)); err != nil {
			return c, err
		}
		c.nodes = append(c.nodes, n)
	}
	for _, id := range c.Clients() {
		c.links[id] = newClientLink()
	}
	for _, a := range c.nodes {
		for _, b := range c.nodes {
			if a == b {
				continue
			}
			k := [2]int{a.id, b.id}
			if c.quorum[k], err = NewRelay(fmt.Sprintf("127.0.0.1:%d", b.quorum)); err != nil {
				return c, err
			}
			if c.elect[k], err = NewRelay(fmt.Sprintf("127.0.0.1:%d", b.elect)); err != nil {
				return c, err
			}
		}
	}
	release() // the servers bind their ports now
	for _, n := range c.nodes {
		if err := c.writeConfig(n); err != nil {
			return c, err
		}
	}
	for _, n := range c.nodes {
		if err := c.startLocked(n); err != nil {
			return c, err
		}
	}
	return c, nil
}

func relayPort(r *Relay) string {
	_, p, _ := net.SplitHostPort(r.Addr())
	return p
}

// writeConfig writes n's zoo.cfg: its own line with its real ports, every other
// server at the relays for n→j.
func (c *Cluster) writeConfig(n *node) error {
	if err := os.MkdirAll(n.dataDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.dataDir, "myid"), []byte(strconv.Itoa(n.id)+"\n"), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tickTime=%d\ninitLimit=%d\nsyncLimit=%d\n", c.cfg.TickTime.Milliseconds(), c.cfg.InitLimit, c.cfg.SyncLimit)
	fmt.Fprintf(&b, "dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n", n.dataDir, n.clientPort)
	fmt.Fprintf(&b, "maxSessionTimeout=%d\npreAllocSize=1024\n4lw.commands.whitelist=srvr,stat\n", 20*c.cfg.TickTime.Milliseconds())
	if c.cfg.SnapCount > 0 {
		fmt.Fprintf(&b, "snapCount=%d\n", c.cfg.SnapCount)
	}
	if len(c.nodes) > 1 {
		for _, m := range c.nodes {
			if m == n {
				fmt.Fprintf(&b, "server.%d=127.0.0.1:%d:%d\n", m.id, m.quorum, m.elect)
				continue
			}
			k := [2]int{n.id, m.id}
			fmt.Fprintf(&b, "server.%d=127.0.0.1:%s:%s\n", m.id, relayPort(c.quorum[k]), relayPort(c.elect[k]))
		}
	}
	return os.WriteFile(n.cfg, []byte(b.String()), 0o644)
}

// startLocked runs start-foreground on n's configuration in its own process group.
func (c *Cluster) startLocked(n *node) error {
	if c.nodes == nil {
		return ErrState
	}
	for _, k := range n.pendingDisk {
		if err := c.damage(n, k); err != nil {
			c.notes[fmt.Sprintf("%s on node %d: %v", k, n.id, err)] = true
		}
	}
	n.pendingDisk = nil
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== start %s\n", time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(c.cfg.Binary, append(c.cfg.serverArgs(), "--test-only-clock-file", n.clockFile(),
		"--test-only-crash-file", n.crashFile(), "--test-only-zab-record", n.zabRecordFile(), "start-foreground", n.cfg)...)
	cmd.Dir = n.dir
	cmd.Env = append(os.Environ(), "ZOOCFGDIR=", "ZOOCFG=", "ZOOPIDFILE=", "ZOO_LOG_DIR=")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(exited)
		c.mu.Lock()
		if n.cmd == cmd {
			n.state = nemesis.Crashed
			if cmd.ProcessState.ExitCode() == server.CrashPointExitCode {
				c.notes[fmt.Sprintf("node %d crashed at an armed crash point (%s)", n.id, firedPoints(n))] = true
			} else { // refused its data, a disk error
				c.notes[fmt.Sprintf("node %d exited on its own: see server-%d.log", n.id, n.id)] = true
			}
		}
		c.mu.Unlock()
	}()
	n.cmd, n.exited, n.state = cmd, exited, nemesis.Up
	return nil
}

// killLocked sends SIGKILL to n's process group and waits for the process.
func (c *Cluster) killLocked(n *node) {
	if n.cmd == nil {
		return
	}
	pid := n.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGKILL)
	syscall.Kill(-pid, syscall.SIGCONT)
	exited := n.exited
	n.cmd, n.state = nil, nemesis.Crashed
	c.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
	}
	c.mu.Lock()
}

func (c *Cluster) node(id int) (*node, error) {
	if id < 1 || id > len(c.nodes) {
		return nil, fmt.Errorf("%w: %d", ErrNode, id)
	}
	return c.nodes[id-1], nil
}

// Close kills every server and closes every relay. It may be called more than once.
func (c *Cluster) Close() {
	c.mu.Lock()
	for _, t := range c.timers {
		t.Stop()
	}
	for _, n := range c.nodes {
		c.killLocked(n)
	}
	relays := c.allRelaysLocked()
	for _, n := range c.nodes {
		relays = append(relays, n.clientRelay)
	}
	c.mu.Unlock()
	for _, r := range relays {
		if r != nil {
			r.Close()
		}
	}
}

func (c *Cluster) allRelaysLocked() []*Relay {
	var out []*Relay
	for _, k := range sortedKeys(c.quorum) {
		out = append(out, c.quorum[k], c.elect[k])
	}
	return out
}

func sortedKeys(m map[[2]int]*Relay) [][2]int {
	keys := make([][2]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a][0] != keys[b][0] {
			return keys[a][0] < keys[b][0]
		}
		return keys[a][1] < keys[b][1]
	})
	return keys
}

// ClientAddrs lists the relays in front of the servers' client ports, by node id.
func (c *Cluster) ClientAddrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.clientRelay.Addr()
	}
	return out
}

// DirectAddr is node id's real client address, with no relay in between.
func (c *Cluster) DirectAddr(id int) string {
	return fmt.Sprintf("127.0.0.1:%d", c.nodes[id-1].clientPort)
}

// ServerOf maps a client relay address to its node id, 0 when unknown.
func (c *Cluster) ServerOf(addr string) int {
	for _, n := range c.nodes {
		if n.clientRelay.Addr() == addr {
			return n.id
		}
	}
	return 0
}

// LogPath is node id's server log (every start appends to it).
func (c *Cluster) LogPath(id int) string { return c.nodes[id-1].log }

// Notes lists the faults that were skipped or could not be carried out, sorted.
func (c *Cluster) Notes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.notes))
	for k := range c.notes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Mode asks node id's real client port with srvr and returns its Mode line.
func (c *Cluster) Mode(id int) string {
	conn, err := net.DialTimeout("tcp", c.DirectAddr(id), 500*time.Millisecond)
	if err != nil {
		return ""
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return ""
	}
	sc := bufio.NewScanner(io.LimitReader(conn, 1<<16))
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return m
		}
	}
	return ""
}

// WaitLeader waits until some live server says it leads, and returns it.
func (c *Cluster) WaitLeader(timeout time.Duration) (int, bool) {
	for deadline := time.Now().Add(timeout); ; {
		if id, ok := c.Leader(); ok {
			return id, true
		}
		if time.Now().After(deadline) || !c.anyUp() {
			return 0, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// anyUp reports whether some server process is running.
func (c *Cluster) anyUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.state != nemesis.Crashed {
			return true
		}
	}
	return false
}

// Nodes lists the server ids.
func (c *Cluster) Nodes() []int {
	out := make([]int, len(c.nodes))
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// Clients lists the client ids, numbered after the servers.
func (c *Cluster) Clients() []int {
	out := make([]int, c.cfg.Clients)
	for i := range out {
		out[i] = len(c.nodes) + 1 + i
	}
	return out
}

// Leader is the running server that reports Mode: leader (or standalone).
func (c *Cluster) Leader() (int, bool) {
	for _, id := range c.Nodes() {
		if st, _ := c.Status(id); st != nemesis.Up {
			continue
		}
		if m := c.Mode(id); m == "leader" || m == "standalone" {
			return id, true
		}
	}
	return 0, false
}

// Status is node id's process state.
func (c *Cluster) Status(id int) (nemesis.Status, error) {
	if l, ok := c.links[id]; ok {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.state, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return 0, err
	}
	return n.state, nil
}

// applyCutsLocked sets every peer relay from the cut set: a link cut both ways drops
// (connections closed, dials refused), a link cut one way blackholes that direction.
func (c *Cluster) applyCutsLocked() {
	for _, k := range sortedKeys(c.quorum) {
		// Relay k carries k[0]→k[1] forward and k[1]→k[0] back.
		fwdCut, backCut := c.cut[k], c.cut[[2]int{k[1], k[0]}]
		fwd, back := Pass, Pass
		switch {
		case fwdCut && backCut:
			fwd, back = Drop, Drop
		case fwdCut:
			fwd = Blackhole
		case backCut:
			back = Blackhole
		}
		for _, r := range []*Relay{c.quorum[k], c.elect[k]} {
			if f, b := r.Modes(); f == Hold || b == Hold {
				continue // clogged: the clog decides until unclogged
			}
			r.Set(fwd, back)
		}
	}
}

// Partition lets servers talk only within their group; servers in no group form one
// more group.
func (c *Cluster) Partition(groups [][]int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	group := map[int]int{}
	for g, ids := range groups {
		for _, id := range ids {
			if _, err := c.node(id); err != nil {
				return err
			}
			group[id] = g + 1
		}
	}
	clear(c.cut)
	for _, a := range c.nodes {
		for _, b := range c.nodes {
			if a != b && group[a.id] != group[b.id] {
				c.cut[[2]int{a.id, b.id}] = true
			}
		}
	}
	c.applyCutsLocked()
	return nil
}

// PartitionOneWay stops messages from every server in from to every server in to.
func (c *Cluster) PartitionOneWay(from, to []int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range from {
		for _, b := range to {
			if _, err := c.node(a); err != nil {
				return err
			}
			if _, err := c.node(b); err != nil {
				return err
			}
			if a != b {
				c.cut[[2]int{a, b}] = true
			}
		}
	}
	c.applyCutsLocked()
	return nil
}

// Heal removes every partition.
func (c *Cluster) Heal() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cut)
	c.applyCutsLocked()
	return nil
}

// Crash kills node id with SIGKILL.
func (c *Cluster) Crash(id int) error {
	if l, ok := c.links[id]; ok {
		return c.clientState(l, id, nemesis.Crashed)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if n.state == nemesis.Crashed {
		return fmt.Errorf("%w: crash of crashed node %d", ErrState, id)
	}
	c.killLocked(n)
	return nil
}

// Restart starts crashed node id again on the same dataDir, after applying the disk
// faults that waited for it.
func (c *Cluster) Restart(id int) error {
	if l, ok := c.links[id]; ok {
		return c.clientState(l, id, nemesis.Up)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if n.state != nemesis.Crashed {
		return fmt.Errorf("%w: restart of running node %d", ErrState, id)
	}
	if n.cmd != nil { // exited on its own; reap the bookkeeping
		n.cmd = nil
	}
	return c.startLocked(n)
}

// Pause stops node id's process group with SIGSTOP.
func (c *Cluster) Pause(id int) error {
	return c.signal(id, nemesis.Up, nemesis.Paused, syscall.SIGSTOP)
}

// Resume continues a paused node with SIGCONT.
func (c *Cluster) Resume(id int) error {
	return c.signal(id, nemesis.Paused, nemesis.Up, syscall.SIGCONT)
}

func (c *Cluster) signal(id int, from, to nemesis.Status, sig syscall.Signal) error {
	if l, ok := c.links[id]; ok {
		return c.clientState(l, id, to)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if n.state != from || n.cmd == nil {
		return fmt.Errorf("%w: %v of node %d in state %v", ErrState, sig, id, n.state)
	}
	if err := syscall.Kill(-n.cmd.Process.Pid, sig); err != nil {
		return err
	}
	n.state = to
	return nil
}

// clientState pauses, crashes or brings back a client. A crashed client is held like
// a paused one (its session is left to expire); it keeps its session object when
// it comes back, as a client restarted with a saved session would.
func (c *Cluster) clientState(l *clientLink, id int, to nemesis.Status) error {
	l.mu.Lock()
	from := l.state
	l.mu.Unlock()
	ok := map[nemesis.Status]bool{nemesis.Up: from != nemesis.Up, nemesis.Paused: from == nemesis.Up,
		nemesis.Crashed: from != nemesis.Crashed}[to]
	if !ok {
		return fmt.Errorf("%w: client %d from %v to %v", ErrState, id, from, to)
	}
	l.set(func() { l.state = to })
	return nil
}

func (c *Cluster) note(s string) {
	c.mu.Lock()
	c.notes[s] = true
	c.mu.Unlock()
}

// ClockJump moves node id's wall clock by d through its test-only clock file
// (zkserver --test-only-clock-file), which the server re-reads at every tick.
func (c *Cluster) ClockJump(id int, d time.Duration) error {
	return c.setClock(id, func(s *server.ClockState) { s.Wall0 += d.Milliseconds() })
}

// ClockDrift sets node id's clock rate from now on, as ClockJump.
func (c *Cluster) ClockDrift(id int, ppm int64) error {
	return c.setClock(id, func(s *server.ClockState) { s.PPM = ppm })
}

// ClearClocks sets every server's wall clock back to the host's and its drift to
// zero; the elapsed clock keeps its reading, as in the simulation.
func (c *Cluster) ClearClocks() error {
	var errs []error
	for _, id := range c.Nodes() {
		errs = append(errs, c.setClock(id, func(s *server.ClockState) { s.Wall0, s.PPM = s.T0, 0 }))
	}
	return errors.Join(errs...)
}

// setClock rebases node id's clock at the host's now, changes it and writes it where
// the server reads it. Clients have no clock of their own here.
func (c *Cluster) setClock(id int, change func(*server.ClockState)) error {
	if _, ok := c.links[id]; ok {
		c.note("clock faults on clients skipped: go-zk clients use the host's clock")
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	s := n.clock.Rebased(time.Now())
	change(&s)
	if err := server.WriteClockFile(n.clockFile(), s); err != nil {
		return err
	}
	n.clock = s
	return nil
}

// linksOf lists every relay that carries node id's traffic: its client relay and the
// peer relays to and from it.
func (c *Cluster) linksOf(id int) []*Relay {
	out := []*Relay{c.nodes[id-1].clientRelay}
	for _, k := range sortedKeys(c.quorum) {
		if k[0] == id || k[1] == id {
			out = append(out, c.quorum[k], c.elect[k])
		}
	}
	return out
}

// ResetConnections closes every connection to and from node id, clients' included.
func (c *Cluster) ResetConnections(id int) error {
	if l, ok := c.links[id]; ok {
		l.reset()
		return nil
	}
	c.mu.Lock()
	if _, err := c.node(id); err != nil {
		c.mu.Unlock()
		return err
	}
	links := c.linksOf(id)
	c.mu.Unlock()
	for _, r := range links {
		r.Reset()
	}
	return nil
}

// DelaySpike adds extra latency to every link of the nodes for dur.
func (c *Cluster) DelaySpike(ids []int, extra, dur time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var links []*Relay
	for _, id := range ids {
		if l, ok := c.links[id]; ok {
			l.set(func() { l.delay = extra })
			c.timers = append(c.timers, time.AfterFunc(dur, func() { l.set(func() { l.delay = 0 }) }))
			continue
		}
		if _, err := c.node(id); err != nil {
			return err
		}
		links = append(links, c.linksOf(id)...)
	}
	for _, r := range links {
		r.SetDelay(extra)
	}
	c.timers = append(c.timers, time.AfterFunc(dur, func() {
		for _, r := range links {
			r.SetDelay(0)
		}
	}))
	return nil
}

// Clog holds every byte on the nodes' links (on) or lets what waited through (off).
func (c *Cluster) Clog(ids []int, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if l, ok := c.links[id]; ok {
			l.set(func() { l.clogged = on })
			continue
		}
		if _, err := c.node(id); err != nil {
			return err
		}
		for _, r := range c.linksOf(id) {
			if on {
				r.Set(Hold, Hold)
			} else {
				r.Set(Pass, Pass)
			}
		}
	}
	if !on {
		c.applyCutsLocked()
	}
	return nil
}

// DiskFault damages node id's files: at once when it is crashed, else just before its
// next restart. Lost and failed fsyncs need a server hook that does not exist, so
// they are skipped.
func (c *Cluster) DiskFault(id int, kind nemesis.Kind, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	switch kind {
	case nemesis.DiskBitFlip, nemesis.DiskTornTail:
	default:
		if on {
			c.notes[string(kind)+" skipped: zkserver has no test-only fsync hook"] = true
		}
		return nil
	}
	if !on {
		n.pendingDisk = slices.DeleteFunc(n.pendingDisk, func(k nemesis.Kind) bool { return k == kind })
		return nil
	}
	if n.state == nemesis.Crashed {
		if err := c.damage(n, kind); err != nil {
			c.notes[fmt.Sprintf("%s on node %d: %v", kind, id, err)] = true
		}
		return nil
	}
	n.pendingDisk = append(n.pendingDisk, kind)
	return nil
}

// damage flips one bit in, or tears the written end of, the node's newest log.
func (c *Cluster) damage(n *node, kind nemesis.Kind) error {
	logs, _ := filepath.Glob(filepath.Join(n.dataDir, "version-2", "log.*"))
	if len(logs) == 0 {
		return errors.New("no log file")
	}
	sort.Strings(logs)
	path := logs[len(logs)-1]
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	end := len(data)
	for end > 0 && data[end-1] == 0 {
		end-- // logs are pre-grown with zeros
	}
	if end <= 16 {
		return errors.New("log holds no record")
	}
	switch kind {
	case nemesis.DiskBitFlip:
		i := 16 + c.diskRng.IntN(end-16)
		data[i] ^= 1 << c.diskRng.IntN(8)
		return os.WriteFile(path, data, 0o644)
	default:
		cut := 1 + c.diskRng.IntN(min(end-16, 64))
		return os.Truncate(path, int64(end-cut))
	}
}

// ArmCrashPoint writes point into the server's crash file (zkserver
// --test-only-crash-file): the server exits with status 137, as after kill -9, the nth
// time it reaches that step, and stays crashed until a Restart. The count starts
// again when the server restarts. A point the server never reaches is noted.
func (c *Cluster) ArmCrashPoint(id int, point nemesis.CrashPoint, nth int) error {
	if _, ok := c.links[id]; ok {
		return fmt.Errorf("%w: crash point on client %d", ErrNode, id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if !point.Valid() {
		return fmt.Errorf("%w: %q", nemesis.ErrUnknownCrashPoint, point)
	}
	if !slices.Contains(server.HookedCrashPoints, point) {
		c.notes[fmt.Sprintf("crash point %s is not one zkserver reaches: armed for nothing", point)] = true
	}
	if n.armed == nil {
		n.armed = map[nemesis.CrashPoint]server.Armed{}
	}
	c.armSeq++
	n.armed[point] = server.Armed{Point: point, Nth: max(nth, 1), Seq: c.armSeq}
	return c.writeCrashFileLocked(n)
}

// DisarmCrashPoint removes point from the server's crash file.
func (c *Cluster) DisarmCrashPoint(id int, point nemesis.CrashPoint) error {
	if _, ok := c.links[id]; ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if _, ok := n.armed[point]; !ok {
		return nil
	}
	delete(n.armed, point)
	return c.writeCrashFileLocked(n)
}

func (c *Cluster) writeCrashFileLocked(n *node) error {
	// WriteCrashFile sorts them.
	return server.WriteCrashFile(n.crashFile(), slices.Collect(maps.Values(n.armed)))
}

// firedPoints names the point n's server last recorded crashing at.
func firedPoints(n *node) string {
	b, _ := os.ReadFile(server.FiredFile(n.crashFile()))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if name, _, ok := strings.Cut(lines[len(lines)-1], " "); ok {
		return name
	}
	return "not recorded"
}

// HealAll heals partitions and links, resumes paused and restarts crashed servers.
func (c *Cluster) HealAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cut)
	for _, r := range c.allRelaysLocked() {
		r.Set(Pass, Pass)
		r.SetDelay(0)
	}
	var errs []error
	for _, l := range c.links {
		l.set(func() { l.state, l.clogged, l.delay = nemesis.Up, false, 0 })
	}
	for _, n := range c.nodes {
		n.clientRelay.Set(Pass, Pass)
		n.clientRelay.SetDelay(0)
		n.pendingDisk = nil
		if len(n.armed) > 0 {
			clear(n.armed)
			if err := c.writeCrashFileLocked(n); err != nil {
				errs = append(errs, err)
			}
		}
		switch n.state {
		case nemesis.Paused:
			if err := syscall.Kill(-n.cmd.Process.Pid, syscall.SIGCONT); err != nil {
				errs = append(errs, err)
			}
			n.state = nemesis.Up
		case nemesis.Crashed:
			if err := c.startLocked(n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
