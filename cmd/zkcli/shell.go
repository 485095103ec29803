package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/wire"
)

// Prompt states, as Java's ZooKeeper.States prints them.
const (
	stateConnecting = "CONNECTING"
	stateConnected  = "CONNECTED"
	stateClosed     = "CLOSED"
	stateAuthFailed = "AUTH_FAILED"
)

// shell is one zkCli session: a connection, the command history and the
// shell-level settings. Commands run one at a time on the caller's goroutine;
// watch notifications and session events arrive on others and only write
// through notify.
type shell struct {
	host    string // the connect string as given, shown in the prompt
	timeout time.Duration
	loc     *time.Location

	// showSessionEvents prints connection state changes as WATCHER:: blocks,
	// as interactive zkCli does; scripts only see node events.
	showSessionEvents bool

	stdout, stderr io.Writer

	asyncTo io.Writer // where notifications go (the line editor's writer when interactive)

	mu           sync.Mutex
	conn         *zk.Conn
	tap          *tap
	state        string
	session      int64
	watches      watchTable
	printWatches bool

	history map[int]string
	count   int
	quit    bool
}

func newShell(host string, timeout time.Duration, loc *time.Location, stdout, stderr io.Writer) *shell {
	// Notifications arrive on other goroutines; one lock keeps every write to
	// stdout and stderr whole.
	var outMu sync.Mutex
	stdout = &lockedWriter{mu: &outMu, w: stdout}
	stderr = &lockedWriter{mu: &outMu, w: stderr}
	return &shell{
		host:         host,
		timeout:      timeout,
		loc:          loc,
		stdout:       stdout,
		stderr:       stderr,
		asyncTo:      stdout,
		state:        stateClosed,
		printWatches: true,
		watches:      watchTable{},
		history:      map[int]string{},
	}
}

// connect opens a session to host (closing any previous one) and waits up to
// the session timeout for it to be established.
func (s *shell) connect(host string) error {
	s.disconnect()
	servers := strings.Split(host, ",")
	t := newTap(s.timeout, s.onNotification)
	s.mu.Lock()
	s.host = host
	s.state = stateConnecting
	s.session = 0
	s.tap = t
	s.watches = watchTable{}
	s.mu.Unlock()
	connected := make(chan struct{}, 1)
	conn, events, err := zk.Connect(servers, s.timeout,
		zk.WithDialer(t.dial),
		zk.WithLogger(quietLogger{}),
		zk.WithLogInfo(false),
	)
	if err != nil {
		s.setState(stateClosed)
		return &cliError{msg: err.Error()}
	}
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	go s.watchSession(conn, t, events, connected)
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case <-connected:
		return nil
	case <-timer.C:
		return &cliError{msg: fmt.Sprintf("Unable to connect to %s within %v", host, s.timeout)}
	}
}

// watchSession follows one connection's session events until it is closed.
func (s *shell) watchSession(conn *zk.Conn, t *tap, events <-chan zk.Event, connected chan<- struct{}) {
	for ev := range events {
		if ev.Type != zk.EventSession {
			continue
		}
		s.mu.Lock()
		if s.conn != conn {
			s.mu.Unlock()
			continue
		}
		var keeperState string
		switch ev.State {
		case zk.StateHasSession:
			resumed := s.session != 0 && s.session == conn.SessionID()
			if !resumed {
				// go-zk opens a new session after an expiry; the old one's
				// watches are gone with it.
				s.watches = watchTable{}
			}
			s.session = conn.SessionID()
			s.state = stateConnected
			keeperState = "SyncConnected"
			if resumed {
				s.readdPersistentLocked(t)
			}
		case zk.StateDisconnected:
			if s.state == stateConnected {
				s.state = stateConnecting
				keeperState = "Disconnected"
			}
		case zk.StateExpired:
			s.state = stateClosed
			keeperState = "Expired"
		case zk.StateAuthFailed:
			s.state = stateAuthFailed
			keeperState = "AuthFailed"
		}
		show := s.showSessionEvents && s.printWatches
		s.mu.Unlock()
		if ev.State == zk.StateHasSession {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
		if keeperState != "" && show {
			s.printEvent(keeperState, "None", "null")
		}
	}
}

// readdPersistentLocked re-registers addWatch watches on a resumed session:
// go-zk re-sends only the watches it set itself.
func (s *shell) readdPersistentLocked(t *tap) {
	reqs := s.watches.persistentRequests()
	go func() {
		for _, r := range reqs {
			_, _ = t.call(r) // a failure shows as a missing notification, as in Java
		}
	}()
}

// watched records a watch the server accepted.
func (s *shell) watched(path string, k watchKind) {
	s.mu.Lock()
	s.watches.add(path, k)
	s.mu.Unlock()
}

// disconnect closes the current session, if any.
func (s *shell) disconnect() {
	s.mu.Lock()
	conn := s.conn
	s.conn = nil
	s.tap = nil
	wasOpen := conn != nil && s.state != stateClosed
	s.state = stateClosed
	show := s.showSessionEvents && s.printWatches
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
		if wasOpen && show {
			s.printEvent("Closed", "None", "null")
		}
	}
}

func (s *shell) setState(state string) {
	s.mu.Lock()
	s.state = state
	s.mu.Unlock()
}

// live returns the connection when the session is usable.
func (s *shell) live() (*zk.Conn, *tap, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil || s.state == stateClosed || s.state == stateAuthFailed {
		return nil, nil, false
	}
	return s.conn, s.tap, true
}

func (s *shell) prompt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("[zk: %s(%s) %d] ", s.host, s.state, s.count)
}

// eventTypeNames are Watcher.Event.EventType names.
var eventTypeNames = map[wire.EventType]string{
	wire.EventNone:                   "None",
	wire.EventNodeCreated:            "NodeCreated",
	wire.EventNodeDeleted:            "NodeDeleted",
	wire.EventNodeDataChanged:        "NodeDataChanged",
	wire.EventNodeChildrenChanged:    "NodeChildrenChanged",
	wire.EventDataWatchRemoved:       "DataWatchRemoved",
	wire.EventChildWatchRemoved:      "ChildWatchRemoved",
	wire.EventPersistentWatchRemoved: "PersistentWatchRemoved",
}

func (s *shell) onNotification(ev wire.WatcherEvent) {
	s.mu.Lock()
	s.watches.fired(ev)
	show := s.printWatches
	s.mu.Unlock()
	if !show {
		return
	}
	name, ok := eventTypeNames[ev.Type]
	if !ok {
		name = fmt.Sprint(int32(ev.Type))
	}
	s.printEvent("SyncConnected", name, ev.Path)
}

// printEvent writes a WatchedEvent as zkCli's default watcher does.
func (s *shell) printEvent(state, typ, path string) {
	s.mu.Lock()
	to := s.asyncTo
	s.mu.Unlock()
	fmt.Fprintf(to, "\nWATCHER::\n\nWatchedEvent state:%s type:%s path:%s\n", state, typ, path)
}

// argsPattern splits a command line as ZooKeeperMain does: words, or "…" and
// '…' quoted strings whose quotes are dropped.
var argsPattern = regexp.MustCompile(`\s*([^"']\S*|"[^"]*"|'[^']*')\s*`)

func splitLine(line string) []string {
	var args []string
	for _, m := range argsPattern.FindAllStringSubmatch(line, -1) {
		v := m[1]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		args = append(args, v)
	}
	return args
}

// executeLine runs one line typed or read, recording it in the history as
// ZooKeeperMain.executeLine does. It reports whether the command failed.
func (s *shell) executeLine(line string) bool {
	args := splitLine(line)
	if len(args) == 0 {
		return false
	}
	s.mu.Lock()
	s.history[s.count] = line
	s.mu.Unlock()
	err := s.execute(args)
	s.mu.Lock()
	s.count++
	s.mu.Unlock()
	if err != nil {
		fmt.Fprintln(s.stderr, err.Error())
		return true
	}
	return false
}

// execute runs one parsed command.
func (s *shell) execute(args []string) error {
	name := args[0]
	cmd, ok := commandsByName[name]
	if !ok {
		s.usage(s.stderr)
		return &cliError{msg: "Command not found " + name}
	}
	o, err := parseOptions(cmd, args)
	if err != nil {
		return err
	}
	if cmd.needsSession {
		if _, _, ok := s.live(); !ok {
			fmt.Fprintln(s.stdout, "Not connected")
			return nil
		}
	}
	return cmd.run(s, o)
}

// quietLogger silences go-zookeeper, which logs to stderr by default.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// lockedWriter serialises writes that share mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// keeperCode returns the server error code err carries, if any.
func keeperCode(err error) (wire.ErrCode, bool) {
	var ke *keeperError
	if errors.As(err, &ke) {
		return ke.code, true
	}
	return 0, false
}
