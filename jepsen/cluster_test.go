package jepsen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

var (
	serverOnce sync.Once
	serverBin  string
	serverErr  error
)

// sharedServer builds zkserver once for every test of the package.
func sharedServer(t *testing.T) string {
	t.Helper()
	serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jepsen-bin-")
		if err != nil {
			serverErr = err
			return
		}
		root, _ := filepath.Abs("..")
		serverBin, serverErr = BuildServer(context.Background(), root, dir)
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if serverBin != "" {
		os.RemoveAll(filepath.Dir(serverBin))
	}
	os.Exit(code)
}

// processesIn lists the live processes whose command line mentions dir.
func processesIn(t *testing.T, dir string) []string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), dir) {
			stat, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
			if !strings.Contains(string(stat), ") Z ") { // a zombie is already dead
				out = append(out, p)
			}
		}
	}
	return out
}

// TestReadBackFindsLostWrites hands the read back a history claiming writes the
// server never saw: each is reported, and the writes that are there pass.
func TestReadBackFindsLostWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server process")
	}
	dir := t.TempDir()
	cl, err := Start(Config{Binary: sharedServer(t), Dir: dir, Nodes: 1, Clients: 1, TickTime: 200 * time.Millisecond,
		InitLimit: 10, SyncLimit: 5, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, ok := cl.WaitLeader(20 * time.Second); !ok {
		t.Fatal("no standalone server")
	}
	conn, _, err := zk.Connect([]string{cl.ClientAddrs()[0]}, 4*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []string{registerRoot, registerRoot + "/k0", churnRoot, churnRoot + "/p-0000000001"} {
		if _, err := conn.Create(p, []byte("v"), 0, acl); err != nil {
			t.Fatal(p, err)
		}
	}
	conn.Close()
	ok := func(req checker.Request, resp checker.Response) checker.Operation {
		return checker.Operation{Client: 2, Outcome: checker.OutcomeOK, Req: req, Resp: resp}
	}
	h := &checker.History{Ops: []checker.Operation{
		ok(checker.Request{Kind: checker.OpCreate, Path: churnRoot + "/p-", Sequential: true}, checker.Response{Path: churnRoot + "/p-0000000001"}),
		ok(checker.Request{Kind: checker.OpSetData, Path: registerRoot + "/k0", Version: -1}, checker.Response{HasStat: true, Stat: checker.Stat{Version: 0}}),
	}}
	// One server: the acknowledged writes pass, the comparison of trees has nothing to compare.
	if res := readBack(cl, h); len(res) != 2 || res[0].Verdict != checker.Pass || res[1].Property != PropConverged || res[1].Verdict != checker.Skipped {
		t.Fatalf("writes that are there: %v", res)
	}
	h.Ops = append(h.Ops,
		ok(checker.Request{Kind: checker.OpCreate, Path: churnRoot + "/p-", Sequential: true}, checker.Response{Path: churnRoot + "/p-0000000002"}),
		ok(checker.Request{Kind: checker.OpSetData, Path: registerRoot + "/k0", Version: -1}, checker.Response{HasStat: true, Stat: checker.Stat{Version: 3}}),
		ok(checker.Request{Kind: checker.OpCreate, Path: registerRoot + "/k1"}, checker.Response{Path: registerRoot + "/k1"}),
	)
	res := readBack(cl, h)
	var got []string
	for _, r := range res[:len(res)-1] {
		if r.Verdict != checker.Fail || r.Property != PropAckedWritesSurvive {
			t.Errorf("unexpected result %v", r)
		}
		got = append(got, r.Summary)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"p-0000000002 is missing", "k0 is at version 0 on node 1, below the acknowledged version 3", "k1, acknowledged, is missing"} {
		if !strings.Contains(all, want) {
			t.Errorf("read back did not report %q:\n%s", want, all)
		}
	}
}

// TestCancelStopsEverything cancels a run mid-fault (a server killed, another
// paused): Run returns the context's error and no server process is left.
func TestCancelStopsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes")
	}
	s, err := scenarios.Lookup("kill-restart")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := nemesis.ParseSchedule("1s crash 1 for=20s\n1s pause 2 for=20s\n30s heal-all\n30s liveness\n")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	start := time.Now()
	_, err = Run(ctx, Options{Scenario: s, Seed: 1, Nodes: 3, Clients: 2, Duration: 30 * time.Second, Quiesce: time.Second,
		Schedule: sched, Binary: sharedServer(t), Dir: dir})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("cancelled run took %s to return", d)
	}
	if left := processesIn(t, dir); len(left) > 0 {
		t.Errorf("processes left after cancel: %v", left)
	}
}

func TestBadOptions(t *testing.T) {
	s, _ := scenarios.Lookup("kill-restart")
	for _, o := range []Options{
		{Scenario: s, Nodes: 3},                           // no binary
		{Scenario: s, Nodes: 12, Binary: "/bin/true"},     // too many
		{Scenario: s, Nodes: 3, Clients: -1, Binary: "x"}, // negative clients
	} {
		if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "bad configuration") {
			t.Errorf("Run(%+v) = %v, want a configuration error", o, err)
		}
	}
}

func TestConvergedNamesDifferences(t *testing.T) {
	same := map[string]nodeValue{registerRoot + "/k0": {"a", 1}, churnRoot + "/p-0000000001": {"", 0}}
	if r := converged(map[int]map[string]nodeValue{1: same, 2: same, 3: same}); r.Verdict != checker.Pass || r.Property != PropConverged {
		t.Errorf("equal trees: %v", r)
	}
	if r := converged(map[int]map[string]nodeValue{2: same}); r.Verdict != checker.Skipped {
		t.Errorf("one tree: %v", r)
	}
	other := map[string]nodeValue{registerRoot + "/k0": {"b", 2}, churnRoot + "/p-0000000002": {"", 0}}
	r := converged(map[int]map[string]nodeValue{1: same, 3: other})
	for _, want := range []string{
		`/jepsen-r/k0 is "a" at version 1 on node 1 but "b" at version 2 on node 3`,
		"/jepsen-c/p-0000000001 is on node 1, not on node 3",
		"/jepsen-c/p-0000000002 is on node 3, not on node 1",
	} {
		if r.Verdict != checker.Fail || !strings.Contains(r.Summary, want) {
			t.Errorf("summary lacks %q: %v", want, r)
		}
	}
	many := map[string]nodeValue{}
	for i := range 8 {
		many[fmt.Sprintf("%s/k%d", registerRoot, i)] = nodeValue{"x", 0}
	}
	if r := converged(map[int]map[string]nodeValue{1: many, 2: {}}); !strings.HasSuffix(r.Summary, "(and 3 more)") {
		t.Errorf("eight differences: %v", r)
	}
}
