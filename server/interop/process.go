//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors of this package.
var (
	ErrNotReady = errors.New("interop: server did not answer ruok with imok")
	ErrNoPort   = errors.New("interop: no free loopback port")
	ErrNoRSS    = errors.New("interop: no VmRSS in /proc status")
)

// ApacheClasspath is where Debian's zookeeper and libzookeeper-java packages put
// the server; the jar's manifest names the rest of its dependencies.
// $ZK_APACHE_CLASSPATH overrides it.
const ApacheClasspath = "/usr/share/java/zookeeper.jar"

// ApacheHeap is the heap zkServer.sh gives the server by default (ZK_SERVER_HEAP),
// so the memory comparison is against ZooKeeper as it is usually run.
const ApacheHeap = "-Xmx1000m"

// Kind names a server implementation.
type Kind string

// The two servers compared.
const (
	Zksim  Kind = "zksim"
	Apache Kind = "apache"
)

// Process is a standalone server running in its own process group.
type Process struct {
	Kind Kind
	Addr string // host:port of the client port
	Dir  string // holds zoo.cfg, data/ and server.log
	// Startup is the time from starting the process until it first answered
	// ruok with imok.
	Startup time.Duration
	// Ready is the time from starting the process until a session was
	// established; Apache ZooKeeper answers imok a little before that.
	Ready time.Duration

	command  func() *exec.Cmd
	cmd      *exec.Cmd
	log      *os.File
	stopOnce sync.Once
	waitErr  chan error
}

// BuildZkserver builds cmd/zkserver into dir and returns the binary's path.
func BuildZkserver(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "zkserver")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/zksim/zksim/cmd/zkserver").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("interop: go build zkserver: %w\n%s", err, out)
	}
	return bin, nil
}

// FreePort returns a loopback port that was free a moment ago, below the kernel's
// ephemeral range so that no outgoing connection takes it before the server binds.
func FreePort() (int, error) {
	for range 200 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, ErrNoPort
}

// zooCfg is the configuration both servers get: standalone, loopback only, every
// four-letter word allowed, fsync on every commit, no per-IP connection limit (the
// benchmark opens 64 sessions from one address) and no admin server.
func zooCfg(dataDir string, port int) string {
	return fmt.Sprintf(`tickTime=2000
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
4lw.commands.whitelist=*
admin.enableServer=false
`, dataDir, port)
}

// StartZkserver starts bin start-foreground with a fresh zoo.cfg under dir and
// waits until it answers ruok.
func StartZkserver(ctx context.Context, bin, dir string) (*Process, error) {
	return start(ctx, Zksim, dir, zkserverCommand(bin))
}

// StartApache starts Apache ZooKeeper's QuorumPeerMain with a fresh zoo.cfg under
// dir and waits until it answers ruok.
func StartApache(ctx context.Context, dir string) (*Process, error) {
	return start(ctx, Apache, dir, apacheCommand())
}

func zkserverCommand(bin string) func(cfg string) *exec.Cmd {
	return func(cfg string) *exec.Cmd { return exec.Command(bin, "start-foreground", cfg) }
}

func apacheCommand() func(cfg string) *exec.Cmd {
	cp := os.Getenv("ZK_APACHE_CLASSPATH")
	if cp == "" {
		cp = ApacheClasspath
	}
	return func(cfg string) *exec.Cmd {
		return exec.Command("java", ApacheHeap, "-cp", cp,
			"org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg)
	}
}

func start(ctx context.Context, kind Kind, dir string, command func(cfg string) *exec.Cmd) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	p, err := newProcess(kind, dir, port, zooCfg(dataDir, port), command)
	if err != nil {
		return nil, err
	}
	if err := p.launch(ctx); err != nil {
		p.log.Close()
		return nil, err
	}
	return p, nil
}

// newProcess lays out dir (zoo.cfg with cfgText, dir/data, server.log) for a server
// whose client port is port; nothing runs yet.
func newProcess(kind Kind, dir string, port int, cfgText string, command func(cfg string) *exec.Cmd) (*Process, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o644); err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	return &Process{Kind: kind, Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, log: log,
		command: func() *exec.Cmd { return command(cfg) }}, nil
}

// launch starts the server process and waits until it takes sessions.
func (p *Process) launch(ctx context.Context) error {
	began, err := p.spawn()
	if err != nil {
		return err
	}
	if err := p.awaitImok(ctx, 60*time.Second); err != nil {
		p.kill()
		return fmt.Errorf("%w: %s: %v\n%s", ErrNotReady, p.Kind, err, p.Log())
	}
	p.Startup = time.Since(began)
	// Apache ZooKeeper answers imok a moment before it takes sessions; what
	// follows wants sessions.
	if err := awaitSessions(ctx, p.Addr, 60*time.Second); err != nil {
		p.kill()
		return fmt.Errorf("%w: %s: %v\n%s", ErrNotReady, p.Kind, err, p.Log())
	}
	p.Ready = time.Since(began)
	return nil
}

// spawn starts the server process and returns when it started; it does not wait
// for the server to answer.
func (p *Process) spawn() (time.Time, error) {
	cmd := p.command()
	cmd.Dir = p.Dir
	cmd.Stdout, cmd.Stderr = p.log, p.log
	// A group of its own, so Stop also takes any child the server started; and
	// killed with us should this process die before it can call Stop (a test
	// timeout, a closed pipe).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.cmd, p.waitErr, p.stopOnce = cmd, make(chan error, 1), sync.Once{}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return began, fmt.Errorf("interop: start %s: %w", p.Kind, err)
	}
	go func() { p.waitErr <- cmd.Wait() }()
	return began, nil
}

// Restart kills the server with SIGKILL, as a crash would, and starts it again
// on the same port with the same data.
func (p *Process) Restart(ctx context.Context) error {
	p.kill()
	return p.launch(ctx)
}

// awaitImok polls ruok until the server answers imok, the process exits, or the
// limit passes.
func (p *Process) awaitImok(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if reply, err := FourLetterWord(p.Addr, "ruok", time.Second); err == nil && reply == "imok" {
			return nil
		}
		select {
		case err := <-p.waitErr:
			p.waitErr <- err
			return fmt.Errorf("exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no imok within %v", limit)
		}
	}
}

// awaitSessions retries opening a session until one is established.
func awaitSessions(ctx context.Context, addr string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		// A short attempt and a fresh client each time: the client's own
		// reconnect back-off would blur when the server became ready.
		attempt, cancelAttempt := context.WithTimeout(ctx, 250*time.Millisecond)
		s, err := Connect(attempt, addr, 1, "")
		cancelAttempt()
		if err == nil {
			s.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no session within %v: %w", limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Pid is the server's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// RSS reads the server's resident set size (VmRSS) from /proc.
func (p *Process) RSS() (int64, error) { return ReadRSS(p.Pid()) }

// Log returns what the server wrote to stdout and stderr so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "server.log"))
	return string(b)
}

// Stop kills the server's process group and waits for the server to exit. It is
// safe to call more than once.
func (p *Process) Stop() {
	p.kill()
	if p.log != nil {
		p.log.Close()
	}
}

// kill takes the process group down once per launch and waits for the exit.
func (p *Process) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return // never started
	}
	p.stopOnce.Do(func() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case err := <-p.waitErr:
			p.waitErr <- err
		case <-time.After(10 * time.Second):
		}
	})
}

// ReadRSS returns VmRSS of process pid in bytes.
func ReadRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("interop: %w", err)
	}
	defer f.Close()
	return parseRSS(f)
}

// parseRSS finds "VmRSS:   1234 kB" in a /proc/PID/status text.
func parseRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "VmRSS" {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("%w: %q", ErrNoRSS, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %q", ErrNoRSS, sc.Text())
		}
		return kb * 1024, nil
	}
	return 0, ErrNoRSS
}

// FourLetterWord sends word to addr and returns the whole reply.
func FourLetterWord(addr, word string, timeout time.Duration) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte(word)); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, conn)
	return buf.String(), err
}
