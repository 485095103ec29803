//go:build interop

package interop

import (
	"errors"
	"math"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zksim/zksim/server"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var d []time.Duration
		for _, x := range xs {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		name string
		lat  []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of five, unsorted", ms(5, 1, 4, 2, 3), 50, 3 * time.Millisecond},
		{"p50 of four is the second", ms(4, 3, 2, 1), 50, 2 * time.Millisecond},
		{"p99 of a hundred is the 99th", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p99 of a thousand", ms(seq(1000)...), 99, 990 * time.Millisecond},
		{"p100 is the maximum", ms(3, 9, 1), 100, 9 * time.Millisecond},
		{"p0 is the minimum", ms(3, 9, 1), 0, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.lat, tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func seq(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = n - i // descending, so Percentile has to sort
	}
	return xs
}

func TestParseRSS(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		err          error
	}{
		{"typical", "Name:\tzkserver\nVmPeak:\t  99 kB\nVmRSS:\t    1234 kB\nThreads:\t5\n", 1234 * 1024, nil},
		{"missing", "Name:\tzombie\nState:\tZ (zombie)\n", 0, ErrNoRSS},
		{"bad unit", "VmRSS:\t12 MB\n", 0, ErrNoRSS},
		{"not a number", "VmRSS:\tlots kB\n", 0, ErrNoRSS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRSS(strings.NewReader(tt.status))
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("parseRSS = %d, %v; want %d, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestComparisonRatios(t *testing.T) {
	res := func(op Op, ops int, p99 time.Duration) Result {
		return Result{Op: op, Clients: 1, Ops: ops, Elapsed: time.Second, P50: p99 / 2, P99: p99}
	}
	c := Comparison{
		Cells: []Cell{
			{Zksim: res(OpCreate, 400, time.Millisecond), Apache: res(OpCreate, 100, 4*time.Millisecond)},
			{Zksim: res(OpSetData, 100, time.Millisecond), Apache: res(OpSetData, 100, time.Millisecond)},
			{Zksim: res(OpGetData, 9000, time.Millisecond), Apache: res(OpGetData, 1000, time.Millisecond)},
		},
		Members: 3, ZksimLeader: 3, ApacheLeader: 2,
		ZksimRSS: 10 << 20, ApacheRSS: 100 << 20,
		ZksimReady: 250 * time.Millisecond, ApacheReady: 1000 * time.Millisecond,
		CellDuration: time.Second,
	}
	// Writes only: sqrt(4 * 1) = 2; getData's 9x does not count.
	if got := c.WriteThroughputRatio(); math.Abs(got-2) > 1e-9 {
		t.Errorf("WriteThroughputRatio = %v, want 2", got)
	}
	// Every cell: cbrt(1/4 * 1 * 1).
	if got, want := c.P99Ratio(), math.Cbrt(0.25); math.Abs(got-want) > 1e-9 {
		t.Errorf("P99Ratio = %v, want %v", got, want)
	}
	if got := c.WorstWriteThroughputRatio(); got != 1 {
		t.Errorf("WorstWriteThroughputRatio = %v, want 1 (setData)", got)
	}
	if got := c.WorstP99Ratio(); got != 1 {
		t.Errorf("WorstP99Ratio = %v, want 1", got)
	}
	var b strings.Builder
	if err := c.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| create | 1 | 400 | 100 | 4.00 | 0.50 ms | 2.00 ms | 1.00 ms | 4.00 ms | 0.25 | 0/0 |",
		"3-node ensemble on loopback",
		"zksim's leader was server.3, Apache's server.2.",
		"| write throughput, geomean of the create and setData cells | ≥ 2.0× | | | 2.00 | met |",
		"| write throughput, worst cell | ≥ 2.0× | | | 1.00 | **missed** |",
		"| p99 latency, worst cell | ≤ 0.5× | | | 1.00 | **missed** |",
		"| memory: VmRSS after the load, summed over the members | ≤ 0.2× | 10.0 MiB | 100.0 MiB | 0.100 | met |",
		"| start of the processes until a write is acknowledged | ≤ 200.00 ms | 250.00 ms | 1000.00 ms | 0.250 | **missed** |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

func TestGeomeanSkipsUnusable(t *testing.T) {
	if got := geomean([]float64{math.NaN(), 0, 4, 1}); math.Abs(got-2) > 1e-9 {
		t.Errorf("geomean = %v, want 2", got)
	}
	if got := geomean(nil); !math.IsNaN(got) {
		t.Errorf("geomean(nil) = %v, want NaN", got)
	}
}

func TestNormalizer(t *testing.T) {
	in := "SLF4J: noise\nConnecting to 127.0.0.1:2181\nWATCHER::\nWatchedEvent state:SyncConnected type:None path:null\n\nctime = Sun Nov 22 04:20:07 UTC 2026\nephemeralOwner = 0x0\nephemeralOwner = 0x1a2017b86bd0002\n"
	want := "Connecting to <addr>\nctime = <time>\nephemeralOwner = 0x0\nephemeralOwner = <session>\n"
	if got := zkCliNormal.apply(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := sortChildren("/c: rc = 0\n\tb\n\ta\ntime = 1\n\tversion=1\n"), "/c: rc = 0\n\ta\n\tb\ntime = 1\n\tversion=1\n"; got != want {
		t.Errorf("sortChildren = %q, want %q", got, want)
	}
}

// TestLoadAgainstInProcessServer drives every operation briefly against an
// in-process server: each completes without errors and create leaves nothing behind.
func TestLoadAgainstInProcessServer(t *testing.T) {
	addr, stop, err := server.StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	s, err := Connect(t.Context(), addr, 4, "/load")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	for _, op := range []Op{OpCreate, OpSetData, OpGetData} {
		r, err := s.Load(t.Context(), op, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if r.Ops == 0 || r.Errors != 0 || r.Clients != 4 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s: %+v", op, r)
		}
	}
	for i := range 4 {
		kids, _, err := s.conns[0].Children(s.node(i))
		if err != nil || len(kids) != 0 {
			t.Errorf("%s after create load: %v %v", s.node(i), kids, err)
		}
	}
	if _, err := s.operation("sync"); !errors.Is(err, ErrBadOp) {
		t.Errorf("unknown op: %v", err)
	}
}

// TestStopKillsServer checks a started zkserver is gone after Stop, group and all.
func TestStopKillsServer(t *testing.T) {
	p := startServer(t, Zksim)
	if p.Startup <= 0 || p.Ready < p.Startup {
		t.Errorf("startup %v, ready %v", p.Startup, p.Ready)
	}
	if rss, err := p.RSS(); err != nil || rss <= 0 {
		t.Errorf("RSS = %d, %v", rss, err)
	}
	pid := p.Pid()
	p.Stop()
	p.Stop() // a second Stop is harmless
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still there: %v", pid, err)
	}
	if _, err := FourLetterWord(p.Addr, "ruok", time.Second); err == nil {
		t.Errorf("%s still answers after Stop", p.Addr)
	}
}

// TestClusterEnsemble starts a 3-node ensemble of each kind the way zkbench does:
// a write was acknowledged, one member leads, sessions spread over all members
// see each other's writes, and Stop takes every process down.
func TestClusterEnsemble(t *testing.T) {
	for _, kind := range []Kind{Zksim, Apache} {
		t.Run(string(kind), func(t *testing.T) {
			var bin string
			if kind == Zksim {
				var err error
				if bin, err = zkserverBinary(); err != nil {
					t.Fatal(err)
				}
			} else {
				need(t, ApacheClasspath)
			}
			c, err := StartCluster(t.Context(), kind, bin, t.TempDir(), 3)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Stop)
			if c.Answering <= 0 || c.Ready <= 0 {
				t.Errorf("answering %v, ready %v", c.Answering, c.Ready)
			}
			if l := c.Leader(); l < 1 || l > 3 {
				t.Errorf("leader %d, modes %v %v %v", l, Mode(c.Members[0].Addr), Mode(c.Members[1].Addr), Mode(c.Members[2].Addr))
			}
			s, err := ConnectSpread(t.Context(), c.Addrs(), 3, "/spread")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			for i := range 3 {
				// Client i's node, made through member i, is read through member i+1
				// after a sync.
				r := s.conns[(i+1)%3]
				if _, err := r.Sync(s.node(i)); err != nil {
					t.Fatal(err)
				}
				if _, _, err := r.Get(s.node(i)); err != nil {
					t.Errorf("%s through member %d: %v", s.node(i), (i+1)%3+1, err)
				}
			}
			rss, err := c.RSS()
			if one, _ := c.Members[0].RSS(); err != nil || rss <= one {
				t.Errorf("RSS sum %d (member 1 alone %d), %v", rss, one, err)
			}
			c.Stop()
			for _, p := range c.Members {
				if _, err := FourLetterWord(p.Addr, "ruok", time.Second); err == nil {
					t.Errorf("%s still answers after Stop", p.Addr)
				}
			}
		})
	}
}

// Combine counts every round's operations and time, and takes the median round's
// percentiles: one round the machine disturbed does not decide the cell.
func TestCombineRounds(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r := Combine([]Result{
		{Op: OpGetData, Clients: 64, Ops: 300, Errors: 1, Elapsed: time.Second, P50: ms(1), P99: ms(5)},
		{Op: OpGetData, Clients: 64, Ops: 100, Elapsed: time.Second, P50: ms(3), P99: ms(40)},
		{Op: OpGetData, Clients: 64, Ops: 200, Elapsed: time.Second, P50: ms(2), P99: ms(7)},
	})
	if r.Op != OpGetData || r.Clients != 64 || r.Ops != 600 || r.Errors != 1 || r.Elapsed != 3*time.Second {
		t.Fatalf("combined %+v", r)
	}
	if r.Throughput() != 200 || r.P50 != ms(2) || r.P99 != ms(7) {
		t.Fatalf("throughput %v p50 %v p99 %v, want 200, 2ms, 7ms", r.Throughput(), r.P50, r.P99)
	}
	if got := Combine([]Result{{P99: ms(4)}, {P99: ms(9)}}); got.P99 != ms(4) {
		t.Fatalf("two rounds: p99 %v, want the lower middle 4ms", got.P99)
	}
}
