//go:build interop

package interop

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Where Debian's packages put the clients; `make interop` installs them.
const (
	zkCliPath  = "/usr/share/zookeeper/bin/zkCli.sh"
	cliMtPath  = "/usr/lib/zookeeper/bin/cli_mt"
	pythonPath = "/usr/bin/python3" // kazoo is a Debian package, so Debian's python
)

// binDir holds the zkserver binary the tests build.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "interop-zkserver")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// zkserverBinary builds cmd/zkserver once per test binary.
var zkserverBinary = sync.OnceValues(func() (string, error) {
	return BuildZkserver(context.Background(), binDir)
})

// need fails the test when a tool the interop tests drive is missing.
func need(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing (make interop installs zookeeper, zookeeper-bin and python3-kazoo): %v", path, err)
	}
}

// startServer starts a fresh standalone server of kind; the test's cleanup kills it.
func startServer(t *testing.T, kind Kind) *Process {
	t.Helper()
	dir := t.TempDir()
	var (
		p   *Process
		err error
	)
	switch kind {
	case Zksim:
		bin, berr := zkserverBinary()
		if berr != nil {
			t.Fatal(berr)
		}
		p, err = StartZkserver(t.Context(), bin, dir)
	case Apache:
		need(t, ApacheClasspath)
		p, err = StartApache(t.Context(), dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s server log:\n%s", kind, p.Log())
		}
	})
	return p
}

// startBoth starts a fresh zkserver and a fresh Apache ZooKeeper.
func startBoth(t *testing.T) (zksim, apache *Process) {
	t.Helper()
	return startServer(t, Zksim), startServer(t, Apache)
}

// toolTimeout bounds one client run; a JVM start takes about two seconds.
const toolTimeout = 60 * time.Second

// runTool runs a client program with stdin and returns its combined output.
func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Dir = t.TempDir() // zkCli writes its history and logs here
	cmd.Env = append(os.Environ(), "ZOO_LOG_DIR="+cmd.Dir, "HOME="+cmd.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("%s %v: %v", name, args, err)
	}
	return string(out)
}

// normalizer rewrites what legitimately differs between two runs: wall-clock times,
// addresses, session ids and client-side timings.
type normalizer []struct {
	re   *regexp.Regexp
	repl string
}

func (n normalizer) apply(s string) string {
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		for _, r := range n {
			line = r.re.ReplaceAllString(line, r.repl)
		}
		if line != "<drop>" && strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (-want +got):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ, position by position; enough for outputs
// of a few dozen lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n-" + wl + "\n+" + gl + "\n")
		}
	}
	return b.String()
}
