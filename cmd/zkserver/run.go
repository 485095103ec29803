package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/server"
	"github.com/zksim/zksim/server/config"
)

// exitError is a failure whose explanation was already printed; main only exits 1.
type exitError struct{ msg string }

func (e *exitError) Error() string { return e.msg }

const usage = "Usage: zkserver [--config <conf-dir>] [--test-only-bugs NAME[,NAME..]] [--test-only-clock-file PATH]\n" +
	"                [--test-only-crash-file PATH] [--test-only-zab-record PATH]\n" +
	"                {start|start-foreground|stop|restart|status|version} [zoo.cfg]\n" +
	"  --test-only-bugs        TEST ONLY: switch on catalogued protocol bugs (zksim bugs lists them) so\n" +
	"                          a test harness can prove it finds them; the server then loses data on purpose\n" +
	"  --test-only-clock-file  TEST ONLY: run the protocol on a clock skewed by this file (\"T0 WALL0 MONO0 PPM\",\n" +
	"                          re-read at every tick; no file is the host's clock) so a harness can bump it\n" +
	"  --test-only-crash-file  TEST ONLY: exit at once with status 137, like kill -9, at the protocol steps this\n" +
	"                          file arms (\"POINT NTH SEQ\" lines; zksim faults lists the points), re-read at each step\n" +
	"  --test-only-zab-record  TEST ONLY: append this server's own ZAB events (logged, committed, epochs, roles,\n" +
	"                          truncations, snapshots; one timed line each) to this file for zksim jepsen's zab-* checks"

// flagError is a malformed option; main exits 2 for it.
type flagError struct{ msg string }

func (e *flagError) Error() string { return e.msg }

// startWait bounds how long start waits for the client port to open, and stop for
// the process to exit.
const (
	startWait = 15 * time.Second
	stopWait  = 30 * time.Second
)

// options are the flags before the command.
type options struct {
	cfgDir string
	// bugs is the test-only set of catalogued protocol bugs; it can come only from the
	// command line, never from zoo.cfg.
	bugs bugs.Set
	// clockFile is the test-only skewed clock's file (server.FileClock).
	clockFile string
	// crashFile is the test-only crash points' file (server.FileCrashPoints).
	crashFile string
	// zabRecord is the test-only ZAB event record's file (server.Options.ZabRecord).
	zabRecord string
}

// parseOptions reads the flags that come before the command ("--name value" or
// "--name=value") and returns the rest of the arguments.
func parseOptions(args []string) (options, []string, error) {
	o := options{cfgDir: os.Getenv("ZOOCFGDIR")}
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		name, value, inline := strings.Cut(args[0], "=")
		if !inline {
			if len(args) < 2 {
				return o, nil, &flagError{name + " needs a value"}
			}
			value, args = args[1], args[1:]
		}
		args = args[1:]
		switch name {
		case "--config":
			o.cfgDir = value
		case "--test-only-bugs":
			set, err := bugs.Parse(value)
			if err != nil {
				return o, nil, &flagError{"--test-only-bugs: " + err.Error()}
			}
			o.bugs = set
		case "--test-only-clock-file":
			if value == "" {
				return o, nil, &flagError{"--test-only-clock-file needs a path"}
			}
			o.clockFile = value
		case "--test-only-crash-file":
			if value == "" {
				return o, nil, &flagError{"--test-only-crash-file needs a path"}
			}
			o.crashFile = value
		case "--test-only-zab-record":
			if value == "" {
				return o, nil, &flagError{"--test-only-zab-record needs a path"}
			}
			o.zabRecord = value
		default:
			return o, nil, &flagError{"unknown option " + name}
		}
	}
	return o, args, nil
}

// args is the command line that gives a child the same options.
func (o options) args() []string {
	var args []string
	if !o.bugs.Empty() {
		args = append(args, "--test-only-bugs", o.bugs.String())
	}
	if o.clockFile != "" {
		args = append(args, "--test-only-clock-file", o.clockFile)
	}
	if o.crashFile != "" {
		args = append(args, "--test-only-crash-file", o.crashFile)
	}
	if o.zabRecord != "" {
		args = append(args, "--test-only-zab-record", o.zabRecord)
	}
	return args
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, args, err := parseOptions(args)
	if err != nil {
		fmt.Fprintln(stderr, "zkserver: "+err.Error())
		fmt.Fprintln(stderr, usage)
		return err
	}
	if len(args) == 0 || len(args) > 2 {
		fmt.Fprintln(stderr, usage)
		return &exitError{"usage"}
	}
	if args[0] == "version" {
		fmt.Fprintln(stdout, "zkserver (zksim), ZooKeeper version "+server.Version)
		return nil
	}
	cfgPath := configPath(o.cfgDir, args[1:])
	fmt.Fprintln(stderr, "Using config: "+cfgPath)
	switch args[0] {
	case "start":
		return start(cfgPath, o, stdout)
	case "start-foreground":
		return startForeground(ctx, cfgPath, o, stderr)
	case "stop":
		return stop(cfgPath, stdout)
	case "restart":
		if err := stop(cfgPath, stdout); err != nil {
			var quiet *exitError
			if !errors.As(err, &quiet) {
				return err
			}
		}
		return start(cfgPath, o, stdout)
	case "status":
		return status(cfgPath, stdout)
	}
	fmt.Fprintln(stderr, usage)
	return &exitError{"usage"}
}

// configPath resolves the configuration file as zkServer.sh does, dir being
// --config or $ZOOCFGDIR.
func configPath(dir string, args []string) string {
	if dir == "" {
		dir = "conf"
	}
	name := os.Getenv("ZOOCFG")
	if name == "" {
		name = "zoo.cfg"
	}
	if len(args) > 0 && args[0] != "" {
		name = args[0]
	}
	p := name
	if !strings.Contains(name, "/") {
		p = filepath.Join(dir, name)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

// loadConfig reads the configuration (zoo.cfg and myid).
func loadConfig(path string) (*config.Config, error) {
	return config.Load(path)
}

func pidFile(cfg *config.Config) string {
	if p := os.Getenv("ZOOPIDFILE"); p != "" {
		return p
	}
	return filepath.Join(cfg.DataDir, "zookeeper_server.pid")
}

// readPid returns the pid in the pid file and whether that process is alive.
func readPid(path string) (int, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false, fmt.Errorf("pid file %s: bad content %q", path, data)
	}
	return pid, processAlive(pid), nil
}

// processAlive reports whether a process exists and has not exited. A server started by
// start is reparented when start returns, and may stay a zombie until its new parent
// reaps it; a zombie serves nothing.
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: trust kill
	}
	// The state follows the parenthesised command name, which may contain spaces.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func start(cfgPath string, o options, stdout io.Writer) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	pidPath := pidFile(cfg)
	if pid, alive, err := readPid(pidPath); err == nil && alive {
		fmt.Fprintf(stdout, "zookeeper already running as process %d.\n", pid)
		return &exitError{"already running"}
	}
	fmt.Fprint(stdout, "Starting zookeeper ... ")
	logDir := os.Getenv("ZOO_LOG_DIR")
	if logDir == "" {
		logDir = cfg.DataDir
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		fmt.Fprintln(stdout, "FAILED TO START")
		return err
	}
	logPath := filepath.Join(logDir, "zookeeper.out")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(stdout, "FAILED TO START")
		return err
	}
	defer logFile.Close()
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stdout, "FAILED TO START")
		return err
	}
	cmd := exec.Command(exe, append(o.args(), "start-foreground", cfgPath)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stdout, "FAILED TO START")
		return err
	}
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		cmd.Process.Kill()
		fmt.Fprintln(stdout, "FAILED TO START")
		return fmt.Errorf("write pid file: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	addr := clientAddr(cfg)
	deadline := time.After(startWait)
	for {
		select {
		case err := <-exited:
			os.Remove(pidPath)
			fmt.Fprintln(stdout, "FAILED TO START")
			return fmt.Errorf("server exited (%v); see %s", err, logPath)
		case <-deadline:
			fmt.Fprintln(stdout, "FAILED TO START")
			return fmt.Errorf("client port %s did not open within %v; see %s", addr, startWait, logPath)
		case <-time.After(50 * time.Millisecond):
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			fmt.Fprintln(stdout, "STARTED")
			return nil
		}
	}
}

func startForeground(ctx context.Context, cfgPath string, o options, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	if !o.bugs.Empty() {
		fmt.Fprintf(stderr, "WARNING: TEST ONLY: --test-only-bugs %s makes this server break ZooKeeper's guarantees on purpose\n", o.bugs)
	}
	opts := server.Options{Logger: log, Bugs: o.bugs}
	if o.clockFile != "" {
		fmt.Fprintf(stderr, "WARNING: TEST ONLY: --test-only-clock-file %s lets a test skew this server's clock\n", o.clockFile)
		opts.Clock = server.FileClock(o.clockFile)
	}
	if o.crashFile != "" {
		fmt.Fprintf(stderr, "WARNING: TEST ONLY: --test-only-crash-file %s lets a test kill this server at exact protocol steps\n", o.crashFile)
		opts.CrashPoints = server.FileCrashPoints(o.crashFile)
	}
	if o.zabRecord != "" {
		fmt.Fprintf(stderr, "WARNING: TEST ONLY: --test-only-zab-record %s records this server's ZAB events for a test harness\n", o.zabRecord)
		opts.ZabRecord = o.zabRecord
	}
	srv, err := server.New(cfg, opts)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

func stop(cfgPath string, stdout io.Writer) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	pidPath := pidFile(cfg)
	fmt.Fprint(stdout, "Stopping zookeeper ... ")
	pid, alive, err := readPid(pidPath)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "no zookeeper to stop (could not find file %s)\n", pidPath)
		return &exitError{"not running"}
	}
	if err != nil {
		fmt.Fprintln(stdout, "FAILED")
		return err
	}
	if alive {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			fmt.Fprintln(stdout, "FAILED")
			return err
		}
		deadline := time.Now().Add(stopWait)
		for processAlive(pid) {
			if time.Now().After(deadline) {
				fmt.Fprintln(stdout, "FAILED")
				return fmt.Errorf("process %d still running after %v", pid, stopWait)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	os.Remove(pidPath)
	fmt.Fprintln(stdout, "STOPPED")
	return nil
}

// clientAddr is where status and start look for the server.
func clientAddr(cfg *config.Config) string {
	host := cfg.ClientPortAddress
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, strconv.Itoa(cfg.ClientPort))
}

func status(cfgPath string, stdout io.Writer) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	addr := clientAddr(cfg)
	host, port, _ := net.SplitHostPort(addr)
	fmt.Fprintf(stdout, "Client port found: %s. Client address: %s. Client SSL: false.\n", port, host)
	mode, err := askMode(addr)
	if err != nil {
		fmt.Fprintln(stdout, "Error contacting service. It is probably not running.")
		return &exitError{err.Error()}
	}
	fmt.Fprintln(stdout, "Mode: "+mode)
	return nil
}

// askMode sends srvr and returns the value of its Mode line.
func askMode(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "srvr"); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return mode, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no Mode line in the srvr reply")
}
