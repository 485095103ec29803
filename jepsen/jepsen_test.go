package jepsen

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

// echoServer accepts connections and echoes what it reads.
func echoServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip writes msg through the relay and reports what came back within wait.
func roundTrip(c net.Conn, msg string, wait time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	n, err := io.ReadFull(c, buf)
	return string(buf[:n]), err
}

func TestRelayModes(t *testing.T) {
	r, err := NewRelay(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	dial := func() net.Conn {
		c, err := net.Dial("tcp", r.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := dial()
	if got, err := roundTrip(c, "hello", time.Second); got != "hello" || err != nil {
		t.Fatalf("pass: %q %v", got, err)
	}
	// Blackhole forward: the bytes vanish, the connection stays open.
	r.Set(Blackhole, Pass)
	if got, err := roundTrip(c, "lost", 200*time.Millisecond); got != "" || err == nil {
		t.Fatalf("blackhole: %q %v", got, err)
	}
	r.Set(Pass, Pass)
	c = dial()
	// Hold: bytes wait, then arrive when the link is let go.
	r.Set(Hold, Hold)
	if got, _ := roundTrip(c, "later", 200*time.Millisecond); got != "" {
		t.Fatalf("hold delivered %q", got)
	}
	r.Set(Pass, Pass)
	buf := make([]byte, 5)
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "later" {
		t.Fatalf("after unclog: %q %v", buf, err)
	}
	// Drop: the connection is closed and new ones are refused.
	r.Set(Drop, Pass)
	if _, err := roundTrip(c, "x", time.Second); err == nil {
		t.Fatal("drop kept the connection")
	}
	if _, err := roundTrip(dial(), "y", time.Second); err == nil {
		t.Fatal("drop accepted a new connection")
	}
	r.Set(Pass, Pass)
	c = dial()
	r.SetDelay(150 * time.Millisecond)
	start := time.Now()
	if got, err := roundTrip(c, "slow", 2*time.Second); got != "slow" || err != nil || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("delay: %q %v after %s", got, err, time.Since(start))
	}
	r.SetDelay(0)
	r.Reset()
	if _, err := roundTrip(c, "z", time.Second); err == nil {
		t.Fatal("reset kept the connection")
	}
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		err     error
		outcome checker.Outcome
		code    checker.ErrCode
	}{
		{nil, checker.OutcomeOK, checker.ErrOK},
		{zk.ErrNoNode, checker.OutcomeOK, checker.ErrNoNode},
		{zk.ErrBadVersion, checker.OutcomeOK, checker.ErrBadVersion},
		{zk.ErrSessionExpired, checker.OutcomeFailed, checker.ErrSessionExpired},
		{zk.ErrConnectionClosed, checker.OutcomeUnknown, checker.ErrConnectionLoss},
		{errTimeout, checker.OutcomeUnknown, checker.ErrConnectionLoss},
	} {
		o, c := outcome(tc.err)
		if o != tc.outcome || c != tc.code {
			t.Errorf("outcome(%v) = %v %d, want %v %d", tc.err, o, c, tc.outcome, tc.code)
		}
	}
}

// TestRealEnsembleSurvivesFaults runs three zkserver processes through a kill -9 of
// the leader, a pause, an isolated leader and a one-way partition, and expects every
// property to hold and every acknowledged write to be read back from every server.
func TestRealEnsembleSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes for about 20 seconds")
	}
	s, err := scenarios.Lookup("kill-restart")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := nemesis.ParseSchedule(`
1s crash leader for=2s
4s pause follower for=2s
7s partition-isolate leader for=2s
10s partition-oneway groups=1|2,3 for=1500ms
12s heal-all
12s liveness
`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log strings.Builder
	res, err := Run(ctx, Options{Scenario: s, Seed: 7, Nodes: 3, Clients: 4, Quiesce: 5 * time.Second,
		Schedule: sched, Binary: sharedServer(t), Dir: t.TempDir(), Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, f := range res.Failures() {
		t.Errorf("violation: %s", f.String())
	}
	if !res.Pass() {
		dir := t.TempDir()
		res.WriteDir(dir)
		for id, l := range res.Logs {
			t.Logf("server %d log tail:\n%s", id, tail(l, 2000))
		}
	}
	kinds := map[nemesis.Kind]bool{}
	for _, a := range res.Applied {
		if a.Skipped == "" {
			kinds[a.Fault.Kind] = true
		}
	}
	for _, k := range []nemesis.Kind{nemesis.Crash, nemesis.Restart, nemesis.Pause, nemesis.Resume, nemesis.PartitionIsolate, nemesis.PartitionOneWay} {
		if !kinds[k] {
			t.Errorf("%s was never applied:\n%s", k, log.String())
		}
	}
	ok := 0
	for i := range res.History.Ops {
		if res.History.Ops[i].Succeeded() && res.History.Ops[i].Req.Kind.IsWrite() {
			ok++
		}
	}
	if ok < 20 {
		t.Errorf("only %d acknowledged writes", ok)
	}
	if len(res.Durability) != 2 || res.Durability[0].Verdict != checker.Pass ||
		res.Durability[1].Property != PropConverged || res.Durability[1].Verdict != checker.Pass {
		t.Errorf("read back: %v", res.Durability)
	}
	// The same checkers catch a read that returns a value nobody wrote.
	bad := res.History
	bad.Ops = slices.Clone(bad.Ops)
	corrupted := false
	for i := range bad.Ops {
		if op := &bad.Ops[i]; op.Req.Kind == checker.OpGetData && op.Succeeded() {
			op.Resp.Data, corrupted = "never-written", true
			break
		}
	}
	if rep, err := checker.Check(&bad, nil, checker.Options{}); !corrupted || err != nil || rep.OK() {
		t.Errorf("a corrupted read passed the checkers (corrupted=%v, err=%v)", corrupted, err)
	}
	line := res.VerdictLine()
	if !strings.HasPrefix(line, "verdict: PASS scenario=kill-restart seed=7 ") || !strings.Contains(line, "speedup=1.0x") {
		t.Errorf("verdict line %q", line)
	}
	t.Logf("%s\n%s", log.String(), line)
	dir := t.TempDir()
	if err := res.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"schedule.txt", "applied.txt", "history.txt", "verdict.md", "server-1.log"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("report file %s: %v", f, err)
		}
	}
}
