package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func latencyOpts(min, mean time.Duration) Options {
	return Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{Min: min, Mean: mean}}}}
}

func TestConnectSendClose(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 5*ms), 2)
	c := mustDial(t, p[0], 2)
	wantErr(t, p[0].env.Send(c, []byte("early")), ErrNotConnected)
	w.RunFor(time.Second)
	if p[0].peers[c] != 2 || p[1].peers[c] != 1 {
		t.Fatalf("not connected: %v %v", p[0].log, p[1].log)
	}
	for i := range 20 {
		must(t, p[0].env.Send(c, fmt.Appendf(nil, "m%d", i)))
	}
	must(t, p[0].env.Close(c))
	wantErr(t, p[0].env.Send(c, []byte("late")), ErrConnClosed)
	w.RunFor(time.Second)
	if got := len(p[1].recv[c]); got != 20 {
		t.Fatalf("received %d messages, want 20", got)
	}
	for i, m := range p[1].recv[c] {
		if string(m) != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d is %q", i, m)
		}
	}
	wantErr(t, p[1].closed[c], ErrPeerClosed)
	if last := p[1].log[len(p[1].log)-1]; last != fmt.Sprintf("close c%d %v", c, ErrPeerClosed) {
		t.Fatalf("close did not come last: %v", p[1].log)
	}
	if _, ok := p[0].closed[c]; ok {
		t.Fatal("closer was told of its own close")
	}
	if len(w.Net().Conns()) != 0 {
		t.Fatalf("connection not forgotten: %+v", w.Net().Conns())
	}
}

func TestSendCopiesBytes(t *testing.T) {
	w, p := newTestWorld(t, Options{}, 2)
	c := mustDial(t, p[0], 2)
	w.RunFor(ms)
	buf := []byte("abc")
	must(t, p[0].env.Send(c, buf))
	buf[0] = 'X'
	w.RunFor(ms)
	if got := string(p[1].recv[c][0]); got != "abc" {
		t.Fatalf("got %q", got)
	}
}

func TestDialRefusedWhenTargetDown(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
	must(t, w.Crash(2))
	c := mustDial(t, p[0], 2)
	w.RunFor(time.Second)
	wantErr(t, p[0].closed[c], ErrRefused)
}

func TestDialTimesOutAcrossPartition(t *testing.T) {
	opts := latencyOpts(ms, 0)
	opts.Network.DialTimeout = 3 * time.Second
	w, p := newTestWorld(t, opts, 3)
	must(t, w.Net().PartitionOneWay([]NodeID{2}, []NodeID{1}))
	c := mustDial(t, p[0], 2)
	w.RunFor(2 * time.Second)
	if _, ok := p[0].closed[c]; ok {
		t.Fatal("dial failed before its timeout")
	}
	w.RunFor(2 * time.Second)
	wantErr(t, p[0].closed[c], ErrDialTimeout)
	if len(p[1].peers) != 0 {
		t.Fatal("target accepted a connection across a partition")
	}
	// Node 3 is unaffected.
	c3 := mustDial(t, p[0], 3)
	w.RunFor(time.Second)
	if p[0].peers[c3] != 3 {
		t.Fatalf("dial to node 3 failed: %v", p[0].log)
	}
}

func connectPair(t *testing.T, w *World, p []*testProc, from, to NodeID) ConnID {
	t.Helper()
	c := mustDial(t, p[from-1], to)
	w.RunFor(time.Second)
	if p[from-1].peers[c] != to {
		t.Fatalf("no connection: %v", p[from-1].log)
	}
	return c
}

func TestResetTellsBothEnds(t *testing.T) {
	opts := latencyOpts(ms, 0)
	opts.Network.ResetDelay = Latency{Min: 10 * ms}
	w, p := newTestWorld(t, opts, 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, p[0].env.Send(c, []byte("lost")))
	must(t, w.Net().Reset(c))
	must(t, p[0].env.Send(c, []byte("also lost"))) // not known yet: silently dropped
	w.RunFor(time.Second)
	wantErr(t, p[0].closed[c], ErrReset)
	wantErr(t, p[1].closed[c], ErrReset)
	if len(p[1].recv[c]) != 0 {
		t.Fatal("message crossed a reset connection")
	}
}

func TestBlackholeTellsNobody(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, w.Net().Blackhole(c))
	must(t, p[0].env.Send(c, []byte("lost")))
	must(t, p[1].env.Send(c, []byte("lost")))
	w.RunFor(time.Minute)
	if len(p[0].closed)+len(p[1].closed)+len(p[0].recv)+len(p[1].recv) != 0 {
		t.Fatalf("blackhole was noticed: %v %v", p[0].log, p[1].log)
	}
	wantErr(t, w.Net().Reset(99), ErrUnknownConn)
}

func TestPartitionCutsConnections(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset float64
		want  error
	}{{"reset", 1, ErrReset}, {"blackhole", 0, nil}} {
		t.Run(tc.name, func(t *testing.T) {
			opts := latencyOpts(ms, 0)
			opts.Network.ResetProbability = tc.reset
			w, p := newTestWorld(t, opts, 3)
			c12 := connectPair(t, w, p, 1, 2)
			c23 := connectPair(t, w, p, 2, 3)
			must(t, w.Net().Partition([]NodeID{1}, []NodeID{2, 3}))
			must(t, p[0].env.Send(c12, []byte("x")))
			must(t, p[1].env.Send(c23, []byte("y")))
			w.RunFor(time.Second)
			if got := p[0].closed[c12]; got != tc.want {
				t.Fatalf("cut connection closed with %v, want %v", got, tc.want)
			}
			if len(p[1].recv[c12]) != 0 {
				t.Fatal("message crossed the partition")
			}
			if len(p[2].recv[c23]) != 1 {
				t.Fatal("message within a group was lost")
			}
			w.Net().Heal()
			c := connectPair(t, w, p, 1, 2)
			must(t, p[0].env.Send(c, []byte("z")))
			w.RunFor(time.Second)
			if len(p[1].recv[c]) != 1 {
				t.Fatal("no traffic after heal")
			}
		})
	}
}

func TestCrashResetsPeers(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 3)
	c12 := connectPair(t, w, p, 1, 2)
	c13 := connectPair(t, w, p, 1, 3)
	must(t, w.Net().PartitionOneWay([]NodeID{1}, []NodeID{3}))
	must(t, w.Crash(1))
	w.RunFor(time.Second)
	wantErr(t, p[1].closed[c12], ErrReset)
	if _, ok := p[2].closed[c13]; ok {
		t.Fatal("peer across a partition learned of a crash")
	}
	wantErr(t, p[0].env.Send(c12, nil), ErrStale)
}

// A process killed by a crash had handed its last messages to the kernel: they still
// arrive, in order, and only then does the peer see the reset. What the peer had sent
// to the dead process is lost.
func TestCrashDeliversWhatWasSent(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(50*ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	for i := range 3 {
		must(t, p[0].env.Send(c, fmt.Appendf(nil, "ack%d", i)))
	}
	must(t, p[1].env.Send(c, []byte("to-the-dead")))
	must(t, w.Crash(1))
	w.RunFor(time.Second)
	want := []string{
		fmt.Sprintf("msg c%d \"ack0\"", c),
		fmt.Sprintf("msg c%d \"ack1\"", c),
		fmt.Sprintf("msg c%d \"ack2\"", c),
		fmt.Sprintf("close c%d %v", c, ErrReset),
	}
	if got := p[1].log[len(p[1].log)-len(want):]; !slices.Equal(got, want) {
		t.Fatalf("peer saw %q, want %q last", p[1].log, want)
	}
	must(t, w.Restart(1))
	w.RunFor(time.Second)
	if len(p[0].recv) != 0 {
		t.Fatalf("the restarted process received %v", p[0].recv)
	}
}

// A partition that cuts the path loses a crashed process's messages still draining.
func TestCrashDrainLostToPartition(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(50*ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, p[0].env.Send(c, []byte("ack")))
	must(t, w.Crash(1))
	must(t, w.Net().Partition([]NodeID{1}, []NodeID{2}))
	w.RunFor(time.Second)
	if len(p[1].recv[c]) != 0 {
		t.Fatalf("delivered across a partition: %q", p[1].recv[c])
	}
}

func TestQueueLimitResets(t *testing.T) {
	opts := latencyOpts(10*ms, 0)
	opts.Network.Link.QueueLimit = 100
	w, p := newTestWorld(t, opts, 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, p[0].env.Send(c, make([]byte, 60)))
	wantErr(t, p[0].env.Send(c, make([]byte, 60)), ErrQueueFull)
	w.RunFor(time.Second)
	wantErr(t, p[0].closed[c], ErrReset)
	wantErr(t, p[1].closed[c], ErrReset)
}

func TestBandwidthSerializes(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, w.Net().SetLink(1, 2, LinkOptions{Latency: Latency{Min: ms}, Bandwidth: 1000}))
	start := w.Now()
	for range 10 {
		must(t, p[0].env.Send(c, make([]byte, 100)))
	}
	w.RunFor(999 * ms)
	if n := len(p[1].recv[c]); n != 9 {
		t.Fatalf("after 999ms, %d messages of 100 bytes arrived at 1000 B/s; want 9", n)
	}
	w.RunFor(10 * ms)
	if n := len(p[1].recv[c]); n != 10 {
		t.Fatalf("%d messages arrived by %v", n, w.Now().Sub(start))
	}
}

func TestSpikeDelay(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, w.Net().SpikeDelay(1, 2, time.Second, 10*ms))
	must(t, p[0].env.Send(c, []byte("slow")))
	w.RunFor(500 * ms)
	if len(p[1].recv[c]) != 0 {
		t.Fatal("spiked message arrived early")
	}
	w.RunFor(600 * ms)
	must(t, p[0].env.Send(c, []byte("fast")))
	w.RunFor(2 * ms)
	if got := len(p[1].recv[c]); got != 2 {
		t.Fatalf("got %d messages, want 2", got)
	}
}

func TestPauseDefersEverything(t *testing.T) {
	w, p := newTestWorld(t, latencyOpts(ms, 0), 2)
	c := connectPair(t, w, p, 1, 2)
	must(t, w.Pause(2))
	p[1].env.SetTimer(10 * ms) // set before the pause took effect on the process
	for i := range 5 {
		must(t, p[0].env.Send(c, fmt.Appendf(nil, "%d", i)))
	}
	n := len(p[1].log)
	w.RunFor(time.Second)
	if len(p[1].log) != n {
		t.Fatalf("paused node processed %v", p[1].log[n:])
	}
	must(t, w.Resume(2))
	w.RunFor(0)
	got := p[1].log[n:]
	want := []string{}
	for i := range 5 {
		want = append(want, fmt.Sprintf("msg c%d %q", c, fmt.Sprint(i)))
	}
	got = slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s[:5] == "timer" })
	if !slices.Equal(got, want) {
		t.Fatalf("after resume got %v, want %v", got, want)
	}
	if len(p[1].log) != n+6 {
		t.Fatalf("timer did not fire after resume: %v", p[1].log[n:])
	}
}
