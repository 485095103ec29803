package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/storage"
)

// binary builds zkserver once per test binary run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zkserver-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "zkserver")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// freePort picks a free port below the kernel's ephemeral range, so that no outgoing
// connection takes it between a kill and a restart.
func freePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type install struct {
	t       *testing.T
	bin     string
	dir     string // working directory holding conf/zoo.cfg
	dataDir string
	port    int
}

// newInstall lays out a ZooKeeper-like installation: conf/zoo.cfg and a data dir.
func newInstall(t *testing.T, extra string) *install {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := &install{t: t, bin: bin, dir: dir, dataDir: filepath.Join(dir, "data"), port: freePort(t)}
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n%s", in.dataDir, in.port, extra)
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Whatever happened, leave no server behind.
		if pid, err := in.pid(); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return in
}

func (in *install) run(args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(in.bin, args...)
	cmd.Dir = in.dir
	cmd.Env = append(os.Environ(), "ZOOCFGDIR=", "ZOOCFG=", "ZOOPIDFILE=", "ZOO_LOG_DIR=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func (in *install) mustRun(args ...string) string {
	in.t.Helper()
	out, errOut, err := in.run(args...)
	if err != nil {
		in.t.Fatalf("zkserver %v: %v\nstdout: %s\nstderr: %s\nlog: %s", args, err, out, errOut, in.log())
	}
	return out
}

func (in *install) log() string {
	b, _ := os.ReadFile(filepath.Join(in.dataDir, "zookeeper.out"))
	return string(b)
}

func (in *install) pid() (int, error) {
	b, err := os.ReadFile(filepath.Join(in.dataDir, "zookeeper_server.pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func (in *install) addr() string { return "127.0.0.1:" + strconv.Itoa(in.port) }

// kill9 kills the server with SIGKILL and waits until it is gone.
func (in *install) kill9() {
	in.t.Helper()
	pid, err := in.pid()
	if err != nil {
		in.t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); processAlive(pid); {
		if time.Now().After(deadline) {
			in.t.Fatal("server survived SIGKILL")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (in *install) client() *zk.Conn {
	in.t.Helper()
	c, _, err := zk.Connect([]string{in.addr()}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(c.Close)
	return c
}

func TestStartStatusStop(t *testing.T) {
	in := newInstall(t, "")
	if out := in.mustRun("start"); out != "Starting zookeeper ... STARTED\n" {
		t.Errorf("start: %q", out)
	}
	out, _, err := in.run("start")
	if err == nil || !strings.Contains(out, "already running as process") {
		t.Errorf("second start: %v %q", err, out)
	}
	want := fmt.Sprintf("Client port found: %d. Client address: 127.0.0.1. Client SSL: false.\nMode: standalone\n", in.port)
	if out := in.mustRun("status"); out != want {
		t.Errorf("status: %q, want %q", out, want)
	}
	c := in.client()
	if _, err := c.Create("/x", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if out := in.mustRun("restart"); out != "Stopping zookeeper ... STOPPED\nStarting zookeeper ... STARTED\n" {
		t.Errorf("restart: %q", out)
	}
	if out := in.mustRun("stop"); out != "Stopping zookeeper ... STOPPED\n" {
		t.Errorf("stop: %q", out)
	}
	if _, err := os.Stat(filepath.Join(in.dataDir, "zookeeper_server.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
	out, _, err = in.run("status")
	if err == nil || !strings.Contains(out, "Error contacting service. It is probably not running.") {
		t.Errorf("status of a stopped server: %v %q", err, out)
	}
	out, _, err = in.run("stop")
	if err == nil || !strings.Contains(out, "no zookeeper to stop") {
		t.Errorf("stop of a stopped server: %v %q", err, out)
	}
	// --config names the configuration directory, as with zkServer.sh.
	if out, _, _ := in.run("--config", filepath.Join(in.dir, "conf"), "status"); !strings.Contains(out, "Error contacting service") {
		t.Errorf("status --config: %q", out)
	}
	if out := in.mustRun("version"); !strings.Contains(out, "3.8.0") {
		t.Errorf("version: %q", out)
	}
}

// TestEnsembleStatus runs a three-member ensemble of zkserver processes the way the
// operators' notes do (server.N lines, myid, zkServer.sh start and status): status
// reports one leader and two followers, and after kill -9 of the leader the other
// two elect a new one.
func TestEnsembleStatus(t *testing.T) {
	var lines strings.Builder
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&lines, "server.%d=127.0.0.1:%d:%d\n", i, freePort(t), freePort(t))
	}
	var ins []*install
	for i := 1; i <= 3; i++ {
		in := newInstall(t, "tickTime=200\ninitLimit=20\nsyncLimit=10\n"+lines.String())
		if err := os.MkdirAll(in.dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in.dataDir, "myid"), []byte(strconv.Itoa(i)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	for _, in := range ins {
		in.mustRun("start")
	}
	leader := waitLeader(t, ins)
	var rest []*install
	for i, in := range ins {
		if i != leader {
			rest = append(rest, in)
		}
	}
	// Writes acknowledged through a follower survive the leader's kill -9.
	c := rest[0].client()
	for i := range 20 {
		if _, err := c.Create("/acked"+strconv.Itoa(i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	ins[leader].kill9()
	waitLeader(t, rest)
	c = rest[1].client()
	if _, err := c.Sync("/"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if ok, _, err := c.Exists("/acked" + strconv.Itoa(i)); err != nil || !ok {
			t.Errorf("/acked%d after the leader's kill -9: %v %v", i, ok, err)
		}
	}
	c.Close()
	for _, in := range rest {
		in.mustRun("stop")
	}
}

// waitLeader polls zkserver status until one member says leader and the others
// follower, and returns the leader's index.
func waitLeader(t *testing.T, ins []*install) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, followers := -1, 0
		var modes []string
		for i, in := range ins {
			out, _, _ := in.run("status")
			modes = append(modes, strings.TrimSpace(out))
			switch {
			case strings.Contains(out, "\nMode: leader\n"):
				leader = i
			case strings.Contains(out, "\nMode: follower\n"):
				followers++
			}
		}
		if leader >= 0 && followers == len(ins)-1 {
			return leader
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader and followers: %q", modes)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKill9LosesNoAcknowledgedWrite kills the server while clients write, restarts it,
// and checks that every create the client saw succeed is there.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	in := newInstall(t, "")
	in.mustRun("start")
	c := in.client()
	if _, err := c.Create("/k", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := fmt.Sprintf("/k/w%d-%d", w, i)
				if _, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll)); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, p)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	in.kill9()
	close(stop)
	wg.Wait()
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}
	in.mustRun("start")
	c2 := in.client()
	kids, _, err := c2.Children("/k")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range acked {
		if !slices.Contains(kids, strings.TrimPrefix(p, "/k/")) {
			t.Errorf("acknowledged %s lost (%d acked, %d present)", p, len(acked), len(kids))
		}
	}
	t.Logf("%d acknowledged writes, %d present after kill -9 and restart", len(acked), len(kids))
	in.mustRun("stop")
}

func lastLog(t *testing.T, dataDir string) string {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dataDir, "version-2", "log.*"))
	if len(logs) == 0 {
		t.Fatal("no log file")
	}
	slices.SortFunc(logs, func(a, b string) int {
		_, za := storage.ParseFileName(filepath.Base(a))
		_, zb := storage.ParseFileName(filepath.Base(b))
		return int(za - zb)
	})
	return logs[len(logs)-1]
}

// writeSome creates n nodes, stops the server hard, and returns its last log file
// and that file's content.
func writeSome(t *testing.T, in *install, n int) (string, []byte) {
	t.Helper()
	in.mustRun("start")
	c := in.client()
	for i := range n {
		if _, err := c.Create("/n"+strconv.Itoa(i), []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	in.kill9()
	log := lastLog(t, in.dataDir)
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return log, data
}

func TestTornLogTailIsTruncatedOnRestart(t *testing.T) {
	in := newInstall(t, "")
	log, data := writeSome(t, in, 5)
	// The log is pre-grown with zeros; its valid records end earlier.
	valid := validEnd(t, filepath.Join(in.dataDir, "version-2"), filepath.Base(log))
	// The first sectors of a record written after the last one: what a crash in the
	// middle of the append's one write leaves (the kernel copies whole pages, so the
	// tear falls on a sector boundary and the rest of the pre-grown file stays zero).
	tail, err := storage.AppendRecords(nil, []storage.Record{{Zxid: 1<<32 | 1, Payload: bytes.Repeat([]byte("torn"), 512)}})
	if err != nil {
		t.Fatal(err)
	}
	tornEnd := (valid/512 + 2) * 512
	copy(data[valid:tornEnd], tail)
	if err := os.WriteFile(log, data, 0o644); err != nil {
		t.Fatal(err)
	}
	in.mustRun("start")
	if !strings.Contains(in.log(), "truncate") {
		t.Errorf("log does not report the truncation:\n%s", in.log())
	}
	if got, _ := os.ReadFile(log); int64(len(got)) != valid {
		t.Errorf("log is %d bytes after restart, want the %d valid ones", len(got), valid)
	}
	c := in.client()
	for i := range 5 {
		if ok, _, err := c.Exists("/n" + strconv.Itoa(i)); err != nil || !ok {
			t.Errorf("/n%d: %v %v", i, ok, err)
		}
	}
	in.mustRun("stop")
}

// validEnd is where the valid records of a log file end, as recovery sees them.
func validEnd(t *testing.T, dir, log string) int64 {
	t.Helper()
	files := storage.MemFiles{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	rec, err := storage.Recover(files)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Tail.Name != log {
		t.Fatalf("tail in %s, not %s", rec.Tail.Name, log)
	}
	return rec.Tail.Offset
}

func TestCorruptRecordIsRefused(t *testing.T) {
	in := newInstall(t, "")
	log, data := writeSome(t, in, 5)
	// Damage the first record's payload; valid records follow, so this is not a torn tail.
	data[storage.LogHeaderSize+storage.RecordHeaderSize] ^= 0x55
	if err := os.WriteFile(log, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := in.run("start")
	if err == nil || !strings.Contains(out, "FAILED TO START") {
		t.Fatalf("start on a corrupt log: %v %q", err, out)
	}
	if l := in.log(); !strings.Contains(l, "corrupt") || !strings.Contains(l, filepath.Base(log)) {
		t.Errorf("the error does not name the corrupt file %s:\n%s", filepath.Base(log), l)
	}
	if _, err := net.DialTimeout("tcp", in.addr(), 200*time.Millisecond); err == nil {
		t.Error("a server with a corrupt log is serving")
	}
}

func TestConfigPath(t *testing.T) {
	t.Setenv("ZOOCFG", "")
	tests := []struct {
		args []string
		want string
	}{
		{nil, "/etc/zk/zoo.cfg"},
		{[]string{"other.cfg"}, "/etc/zk/other.cfg"},
		{[]string{"/opt/zk/zoo.cfg"}, "/opt/zk/zoo.cfg"},
	}
	for _, tc := range tests {
		if got := configPath("/etc/zk", tc.args); got != tc.want {
			t.Errorf("configPath(%v) = %s, want %s", tc.args, got, tc.want)
		}
	}
	t.Setenv("ZOOCFG", "mine.cfg")
	if got := configPath("/etc/zk", nil); got != "/etc/zk/mine.cfg" {
		t.Errorf("ZOOCFG: %s", got)
	}
	t.Setenv("ZOOCFG", "")
	wd, _ := os.Getwd()
	if got := configPath("", nil); got != filepath.Join(wd, "conf", "zoo.cfg") {
		t.Errorf("default: %s", got)
	}
}

func TestParseOptions(t *testing.T) {
	t.Setenv("ZOOCFGDIR", "/env/conf")
	o, rest, err := parseOptions([]string{"--test-only-bugs", "ZOOKEEPER-3911, ZOOKEEPER-1154", "--config=/etc/zk",
		"--test-only-clock-file", "/tmp/c", "--test-only-crash-file=/tmp/x", "--test-only-zab-record", "/tmp/z", "start", "z.cfg"})
	if err != nil {
		t.Fatal(err)
	}
	if o.cfgDir != "/etc/zk" || o.bugs.String() != "ZOOKEEPER-1154,ZOOKEEPER-3911" || o.clockFile != "/tmp/c" || o.crashFile != "/tmp/x" || o.zabRecord != "/tmp/z" || !slices.Equal(rest, []string{"start", "z.cfg"}) {
		t.Errorf("got %+v %v", o, rest)
	}
	if !slices.Equal(o.args(), []string{"--test-only-bugs", "ZOOKEEPER-1154,ZOOKEEPER-3911", "--test-only-clock-file", "/tmp/c", "--test-only-crash-file", "/tmp/x", "--test-only-zab-record", "/tmp/z"}) {
		t.Errorf("child args %v", o.args())
	}
	o, rest, err = parseOptions([]string{"status"})
	if err != nil || o.cfgDir != "/env/conf" || !o.bugs.Empty() || o.args() != nil || !slices.Equal(rest, []string{"status"}) {
		t.Errorf("no options: %+v %v %v", o, rest, err)
	}
	for _, args := range [][]string{
		{"--test-only-bugs", "ZOOKEEPER-9999", "start"},
		{"--test-only-bugs=ZOOKEEPER-1154,nonsense", "start"},
		{"--test-only-bugs"},
		{"--test-only-clock-file=", "start"},
		{"--test-only-crash-file=", "start"},
		{"--test-only-zab-record=", "start"},
		{"--no-such-option", "x", "start"},
	} {
		if _, _, err := parseOptions(args); err == nil {
			t.Errorf("%v: no error", args)
		} else if _, ok := err.(*flagError); !ok {
			t.Errorf("%v: %T %v is not a flag error", args, err, err)
		}
	}
}

// TestBadBugExitsTwo: an unknown bug name is refused before anything starts, with
// exit status 2 and a message that names it and lists the known ones.
func TestBadBugExitsTwo(t *testing.T) {
	in := newInstall(t, "")
	_, errOut, err := in.run("--test-only-bugs", "ZOOKEEPER-1154,ZOOKEEPER-9999", "start-foreground")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2\n%s", err, errOut)
	}
	for _, want := range []string{`unknown bug "ZOOKEEPER-9999"`, "ZOOKEEPER-3911", "--test-only-bugs", "TEST ONLY"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := net.DialTimeout("tcp", in.addr(), 200*time.Millisecond); err == nil {
		t.Error("a server is serving after a bad option")
	}
}

// TestBugsFlagReachesTheBackgroundServer: start hands --test-only-bugs to the server
// it starts in the background, which warns in its log; zoo.cfg cannot set bugs.
func TestBugsFlagReachesTheBackgroundServer(t *testing.T) {
	in := newInstall(t, "testOnlyBugs=ZOOKEEPER-1154\n")
	in.mustRun("--test-only-bugs", "ZOOKEEPER-3911", "start")
	defer in.mustRun("stop")
	log := in.log()
	if !strings.Contains(log, "TEST ONLY") || !strings.Contains(log, "bugs=ZOOKEEPER-3911") {
		t.Errorf("no test-only warning naming the bug in the log:\n%s", log)
	}
	if strings.Contains(log, "bugs=ZOOKEEPER-1154") {
		t.Errorf("zoo.cfg switched a bug on:\n%s", log)
	}
}
