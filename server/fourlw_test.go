package server

import (
	"encoding/hex"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// fourLetter sends a four-letter word and reads the reply until the server closes.
func fourLetter(t testing.TB, addr, cmd string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return string(out)
}

// fourLetterSetup reproduces what the capture's helper session held during the
// four-letter-word cases: a data watch on /fourlw/a, a child watch on /fourlw and an
// ephemeral /fourlw/eph.
func fourLetterSetup(t *testing.T, addr string) {
	t.Helper()
	conn, _, err := zk.Connect([]string{addr}, 30*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	for _, p := range []string{"/fourlw", "/fourlw/a"} {
		if _, err := conn.Create(p, nil, 0, open); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Create("/fourlw/eph", nil, zk.FlagEphemeral, open); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := conn.GetW("/fourlw/a"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := conn.ChildrenW("/fourlw"); err != nil {
		t.Fatal(err)
	}
}

// TestFourLetterWordsMatchCaptures compares every four-letter word with the real
// server's reply line by line: the unmasked parts of each captured line must match,
// the masked values (counters, times, sizes, ids) may differ. mntr prints a subset of
// ZooKeeper's metrics, in ZooKeeper's order.
func TestFourLetterWordsMatchCaptures(t *testing.T) {
	files := captureFiles(t, "fourlw_*.json")
	addr, stop, err := StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	fourLetterSetup(t, addr)
	_, port, _ := net.SplitHostPort(addr)
	for _, file := range files {
		c := loadCapture(t, file)
		cmd := strings.TrimPrefix(c.Case, "fourlw_")
		t.Run(cmd, func(t *testing.T) {
			raw, err := hex.DecodeString(c.Frames[1].Hex)
			if err != nil {
				t.Fatal(err)
			}
			want := string(raw)
			got := strings.ReplaceAll(fourLetter(t, addr, cmd), "clientPort="+port+"\n", "clientPort=2181\n")
			if cmd == "mntr" {
				compareMntr(t, want, got)
				return
			}
			compareMasked(t, want, got, c.Volatile.Ranges)
		})
	}
}

// compareMasked checks got against want line by line. A captured range that starts
// at the beginning of a line masks the whole line; one that starts inside it masks
// the rest of the line (the value after the key), as the capture's README describes.
func compareMasked(t *testing.T, want, got string, ranges []captureRange) {
	t.Helper()
	wl := strings.SplitAfter(want, "\n")
	gl := strings.SplitAfter(got, "\n")
	if len(wl) != len(gl) {
		t.Fatalf("%d lines, want %d\ngot:\n%s\nwant:\n%s", len(gl), len(wl), got, want)
	}
	off := 0
	for i, w := range wl {
		start := -1
		for _, r := range ranges {
			if r.Offset >= off && r.Offset < off+len(w) && (start < 0 || r.Offset-off < start) {
				start = r.Offset - off
			}
			// Some captured ranges run past their line (envi's user.dir); the lines
			// they spill into are masked after their key.
			if r.Offset < off && r.Offset+r.Len > off && start < 0 {
				start = strings.IndexAny(w, "=\t:") + 1
			}
		}
		g := gl[i]
		switch {
		case start < 0:
			if g != w {
				t.Errorf("line %d: got %q, want %q", i+1, g, w)
			}
		case !strings.HasPrefix(g, w[:start]):
			t.Errorf("line %d: got %q, want %q up to byte %d", i+1, g, w, start)
		}
		off += len(w)
	}
}

// compareMntr checks that every metric printed is one ZooKeeper prints, in the same
// order, that the gauges ZooKeeper lists first are all there, and that the state is.
func compareMntr(t *testing.T, want, got string) {
	t.Helper()
	keys := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
			k, v, ok := strings.Cut(l, "\t")
			if !ok {
				t.Fatalf("line without a tab: %q", l)
			}
			if k == "zk_server_state" && v != "standalone" {
				t.Errorf("zk_server_state %q", v)
			}
			out = append(out, k)
		}
		return out
	}
	wk, gk := keys(want), keys(got)
	pos := 0
	for _, k := range gk {
		i := slices.Index(wk[pos:], k)
		if i < 0 {
			t.Fatalf("metric %s is not in ZooKeeper's mntr, or out of its order", k)
		}
		pos += i + 1
	}
	gauges := wk[:slices.Index(wk, "zk_avg_socket_closing_time")]
	for _, k := range gauges {
		if !slices.Contains(gk, k) {
			t.Errorf("gauge %s missing", k)
		}
	}
}

func TestFourLetterWordWhitelist(t *testing.T) {
	dir := t.TempDir()
	srv := newTestServer(t, dir, "4lw.commands.whitelist=ruok, stat\n")
	addr := srv.Addr().String()
	tests := []struct{ cmd, want string }{
		{"ruok", "imok"},
		{"conf", "conf is not executed because it is not in the whitelist.\n"},
		{"mntr", "mntr is not executed because it is not in the whitelist.\n"},
		{"isro", "isro is not executed because it is not in the whitelist.\n"},
	}
	for _, tc := range tests {
		if got := fourLetter(t, addr, tc.cmd); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	// srvr is always allowed: zkServer.sh status depends on it.
	if got := fourLetter(t, addr, "srvr"); !strings.Contains(got, "Mode: standalone\n") {
		t.Errorf("srvr: %q", got)
	}
	if got := fourLetter(t, addr, "stat"); !strings.Contains(got, "Clients:\n") {
		t.Errorf("stat: %q", got)
	}
}

func TestFourLetterWordCounters(t *testing.T) {
	addr, stop, err := StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	conn, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := fourLetter(t, addr, "srvr")
	for i := range 5 {
		if _, err := conn.Create("/n"+strconv.Itoa(i), []byte("v"), zk.FlagEphemeral, open); err != nil {
			t.Fatal(err)
		}
	}
	srvr := fourLetter(t, addr, "srvr")
	_, nodes, _ := strings.Cut(before, "Node count: ")
	n, _ := strconv.Atoi(strings.TrimSpace(nodes))
	for _, want := range []string{"Node count: " + strconv.Itoa(n+5) + "\n", "Connections: 2\n", "Mode: standalone\n", "Outstanding: 0\n"} {
		if !strings.Contains(srvr, want) {
			t.Errorf("srvr lacks %q:\n%s", want, srvr)
		}
	}
	cons := fourLetter(t, addr, "cons")
	if !strings.Contains(cons, "lop=CREA") || !strings.Contains(cons, ",to=10000,") {
		t.Errorf("cons: %s", cons)
	}
	dump := fourLetter(t, addr, "dump")
	if !strings.Contains(dump, "Sessions with Ephemerals (1):\n") || !strings.Contains(dump, "\t/n4\n") {
		t.Errorf("dump: %s", dump)
	}
	mntr := fourLetter(t, addr, "mntr")
	if !strings.Contains(mntr, "zk_ephemerals_count\t5\n") || !strings.Contains(mntr, "zk_znode_count\t"+strconv.Itoa(n+5)+"\n") {
		t.Errorf("mntr: %s", mntr)
	}
	dirs := fourLetter(t, addr, "dirs")
	if !strings.HasPrefix(dirs, "datadir_size: ") || strings.HasPrefix(dirs, "datadir_size: 0\n") {
		t.Errorf("dirs: %q", dirs)
	}
}
