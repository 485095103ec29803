package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPartitionLeavesUnlistedNodesConnected(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 4)
	must(t, w.Net().Partition([]NodeID{1, 2}, []NodeID{3}))
	for _, tc := range []struct {
		from, to NodeID
		blocked  bool
	}{{1, 2, false}, {1, 3, true}, {3, 2, true}, {4, 1, false}, {4, 3, false}, {3, 4, false}} {
		if got := w.Net().Blocked(tc.from, tc.to); got != tc.blocked {
			t.Errorf("Blocked(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.blocked)
		}
	}
	c := connectPair(t, w, p, 4, 3)
	must(t, p[3].env.Send(c, []byte("client traffic")))
	w.RunFor(time.Second)
	if len(p[2].recv[c]) != 1 {
		t.Fatal("unlisted node lost its link")
	}
}

func TestClogHoldsThenDeliversInOrder(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 3*ms), 3)
	c := connectPair(t, w, p, 1, 2)
	must(t, w.Net().Clog(2))
	for i := range 10 {
		must(t, p[0].env.Send(c, fmt.Appendf(nil, "%d", i)))
	}
	d := mustDial(t, p[2], 2)
	w.RunFor(time.Minute)
	if len(p[1].recv[c]) != 0 || len(p[1].peers) != 1 {
		t.Fatalf("clogged node got traffic: %v", p[1].log)
	}
	if _, failed := p[2].closed[d]; failed {
		t.Fatal("dial to a clogged node failed instead of waiting")
	}
	must(t, w.Net().Unclog(2))
	w.RunFor(time.Second)
	if len(p[1].recv[c]) != 10 {
		t.Fatalf("%d of 10 held messages arrived", len(p[1].recv[c]))
	}
	for i, m := range p[1].recv[c] {
		if string(m) != fmt.Sprint(i) {
			t.Fatalf("held message %d is %q", i, m)
		}
	}
	if p[2].peers[d] != 2 {
		t.Fatalf("held dial did not complete: %v", p[2].log)
	}
	wantErr(t, w.Net().Clog(0), ErrUnknownNode)
	wantErr(t, w.Net().Unclog(7), ErrUnknownNode)
}

func TestResetNode(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 3)
	c12 := connectPair(t, w, p, 1, 2)
	c23 := connectPair(t, w, p, 2, 3)
	c31 := connectPair(t, w, p, 3, 1)
	must(t, w.Net().ResetNode(1))
	w.RunFor(time.Second)
	wantErr(t, p[1].closed[c12], ErrReset)
	wantErr(t, p[0].closed[c31], ErrReset)
	if _, ok := p[1].closed[c23]; ok {
		t.Fatal("connection between other nodes was reset")
	}
	wantErr(t, w.Net().ResetNode(5), ErrUnknownNode)
}

func TestClockClear(t *testing.T) {
	w, p := newTestWorld(t, Options{Clock: ClockOptions{MaxOffset: time.Hour, MaxDriftPPM: 1000}}, 1)
	c, _ := w.Clock(1)
	w.RunFor(time.Second)
	mono := p[0].env.Monotonic()
	c.Clear()
	if p[0].env.Now() != w.Now() || c.DriftPPM() != 0 || p[0].env.Monotonic() != mono {
		t.Fatalf("after Clear: wall %v true %v drift %d", p[0].env.Now(), w.Now(), c.DriftPPM())
	}
	w.RunFor(time.Second)
	if p[0].env.Now() != w.Now() || p[0].env.Monotonic() != mono+time.Second {
		t.Fatal("cleared clock does not follow true time")
	}
}

func TestCrashPoint(t *testing.T) {
	w, p := newTestWorld(t, Options{KeepTrace: true}, 1)
	env := p[0].env
	if env.CrashPoint("follower-fsync-before-ack") {
		t.Fatal("unarmed point crashed")
	}
	must(t, w.ArmCrashPoint(1, "follower-fsync-before-ack", 1))
	if env.CrashPoint("other") || env.CrashPoint("follower-fsync-before-ack") {
		t.Fatal("crashed before the nth reach")
	}
	if !env.CrashPoint("follower-fsync-before-ack") {
		t.Fatal("armed point did not crash on its nth reach")
	}
	if st, _ := w.State(1); st != StateCrashed {
		t.Fatalf("node is %v", st)
	}
	if !strings.Contains(w.TraceText(), `crash-point n=1 point="follower-fsync-before-ack"`) {
		t.Fatal("crash point not traced")
	}
	must(t, w.Restart(1))
	w.RunFor(0)
	if p[0].env.CrashPoint("follower-fsync-before-ack") {
		t.Fatal("a fired crash point stayed armed")
	}
	must(t, w.ArmCrashPoint(1, "x", 0))
	must(t, w.DisarmCrashPoint(1, "x"))
	if p[0].env.CrashPoint("x") {
		t.Fatal("disarmed point crashed")
	}
	wantErr(t, w.ArmCrashPoint(1, "", 0), ErrInvalidOptions)
	wantErr(t, w.ArmCrashPoint(1, "x", -1), ErrInvalidOptions)
	wantErr(t, w.ArmCrashPoint(9, "x", 0), ErrUnknownNode)
	wantErr(t, w.DisarmCrashPoint(9, "x"), ErrUnknownNode)
}

// A crash point reached inside a callback stops the process for good.
func TestCrashPointInsideCallback(t *testing.T) {
	w, p := newTestWorld(t, Options{}, 1)
	must(t, w.ArmCrashPoint(1, "before-timer-work", 0))
	var after bool
	p[0].timer = func(q *testProc, _ TimerID) {
		if q.env.CrashPoint("before-timer-work") {
			return
		}
		after = true
	}
	p[0].env.SetTimer(ms)
	p[0].env.SetTimer(2 * ms)
	w.RunFor(time.Second)
	if after {
		t.Fatal("work ran after the crash point")
	}
	if n := strings.Count(strings.Join(p[0].log, "\n"), "timer"); n != 1 {
		t.Fatalf("%d timers fired on a crashed node", n)
	}
}

// A storm that doubles its messages at every hop would grow without end; the budget
// stops the world at its bound, and stopped time stays put.
func TestBudgetStopsAStorm(t *testing.T) {
	for _, b := range []Budget{{Events: 500}, {Pending: 300}} {
		w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
		c := connectPair(t, w, p, 1, 2)
		storm := func(p *testProc, c ConnID, msg []byte) {
			_ = p.env.Send(c, msg)
			_ = p.env.Send(c, msg)
		}
		p[0].message, p[1].message = storm, storm
		must(t, p[0].env.Send(c, []byte("x")))
		w.SetBudget(b)
		w.RunFor(time.Hour)
		err := w.Stopped()
		wantErr(t, err, ErrBudgetExhausted)
		if b.Events > 0 && w.Events() != b.Events {
			t.Fatalf("stopped after %d events, want %d", w.Events(), b.Events)
		}
		if b.Pending > 0 && w.Pending() != b.Pending+1 {
			t.Fatalf("stopped with %d pending, want %d", w.Pending(), b.Pending+1)
		}
		if w.Now() >= Time(time.Hour) {
			t.Fatalf("time ran on to %v after the stop", w.Now())
		}
		at, n := w.Now(), w.Events()
		if w.Step() || w.RunUntil(func() bool { return false }, time.Hour) || w.Events() != n || w.Now() != at {
			t.Fatal("a stopped world ran on")
		}
	}
}

// Without a budget the same world keeps going (the budget is what stops it).
func TestNoBudgetRunsOn(t *testing.T) {
	w, _ := newTestWorld(t, latencyOpts(ms, 0), 2)
	w.At(Time(time.Second), func() {})
	w.RunFor(time.Hour)
	if w.Stopped() != nil || w.Now() != Time(time.Hour) {
		t.Fatalf("stopped %v at %v", w.Stopped(), w.Now())
	}
}
