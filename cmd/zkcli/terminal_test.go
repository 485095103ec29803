package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/go-zookeeper/zk"
)

// TestMain lets the test binary stand in for zkcli when the terminal test
// starts it under a pseudo-terminal.
func TestMain(m *testing.M) {
	if os.Getenv("ZKCLI_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// screen collects what the program writes to its terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// text is the output so far without terminal control sequences.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansiEscape.ReplaceAllString(s.buf.String(), "")
}

// waitFor waits until the output, from offset from on, matches re, and returns
// the offset just after the match.
func (s *screen) waitFor(t *testing.T, from int, re string) int {
	t.Helper()
	pat := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		txt := s.text()
		if from <= len(txt) {
			if loc := pat.FindStringIndex(txt[from:]); loc != nil {
				return from + loc[1]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("terminal never showed %q; screen:\n%s", re, s.text())
	return 0
}

// TestTerminal drives the interactive shell through a pseudo-terminal: Tab
// completes a command and a znode path, and a watch notification caused by
// another client appears while the prompt waits.
func TestTerminal(t *testing.T) {
	addr := startServer(t)
	other, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Create("/app", []byte("hello"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-server", addr, "-timeout", "5000")
	cmd.Env = append(os.Environ(), "ZKCLI_TEST_AS_MAIN=1", "HOME="+t.TempDir(), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	var scr screen
	go func() { _, _ = copyAll(&scr, tty) }()
	exited := make(chan error, 1)
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	go func() { exited <- cmd.Wait() }()

	prompt := regexp.QuoteMeta("[zk: " + addr + "(CONNECTED) ")
	scr.waitFor(t, 0, `Welcome to ZooKeeper!`)
	scr.waitFor(t, 0, `WATCHER::\r?\n\r?\nWatchedEvent state:SyncConnected type:None path:null`)
	at := scr.waitFor(t, 0, prompt+`0\] `)

	// A command name: "getE" has one completion.
	send(t, tty, "getE\t")
	at = scr.waitFor(t, at, `getEphemerals `)
	send(t, tty, "\x15") // Ctrl-U: clear the line

	// A path: "/a" completes to "/app" from the server's children of "/".
	send(t, tty, "get -w /a\t")
	at = scr.waitFor(t, at, `get -w /app`)
	send(t, tty, "\r")
	at = scr.waitFor(t, at, `\nhello\r?\n`)
	at = scr.waitFor(t, at, prompt+`1\] `)

	// Another client changes the node while the prompt waits.
	if _, err := other.Set("/app", []byte("changed"), -1); err != nil {
		t.Fatal(err)
	}
	at = scr.waitFor(t, at, `WATCHER::\r?\n\r?\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/app`)
	at = scr.waitFor(t, at, prompt+`1\] `)

	send(t, tty, "get /app\r")
	at = scr.waitFor(t, at, `\nchanged\r?\n`)
	send(t, tty, "quit\r")
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("zkcli exited with %v; screen:\n%s", err, scr.text())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("zkcli did not quit; screen:\n%s", scr.text())
	}
	_ = at
	if strings.Contains(scr.text(), "panic") {
		t.Fatalf("screen shows a panic:\n%s", scr.text())
	}
}

func send(t *testing.T, tty *os.File, keys string) {
	t.Helper()
	if _, err := tty.WriteString(keys); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the line editor take each burst as typing
}

func copyAll(dst *screen, src *os.File) (int64, error) {
	var n int64
	buf := make([]byte, 4096)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			_, _ = dst.Write(buf[:k])
			n += int64(k)
		}
		if err != nil {
			return n, err
		}
	}
}
