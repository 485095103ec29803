package sim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chatter is a test actor: it dials peers, sends numbered random messages, closes
// connections, writes, syncs and renames files, all driven by its own random source.
// It checks that every connection delivers a gap-free, in-order prefix of what was
// sent.
type chatter struct {
	env        *Env
	conns      []ConnID // open connections, in the order they opened
	sent, next map[ConnID]uint64
	stats      *chaosStats
}

type chaosStats struct {
	delivered, fifoViolations, connects, closes, syncs uint64
}

func (c *chatter) Start(env *Env) {
	c.env = env
	c.sent, c.next = map[ConnID]uint64{}, map[ConnID]uint64{}
	d := env.Disk()
	var sum uint64
	for _, name := range d.List() {
		b, _ := d.ReadFile(name)
		sum = sum*31 + payloadHash(b)
	}
	env.Trace(fmt.Sprintf("recovered files=%d sum=%x", len(d.List()), sum))
	env.SetTimer(time.Duration(1+env.Rand().IntN(20)) * time.Millisecond)
}

func (c *chatter) OnConnect(id ConnID, _ NodeID, _ bool) {
	c.stats.connects++
	c.conns = append(c.conns, id)
}

func (c *chatter) OnMessage(id ConnID, msg []byte) {
	c.stats.delivered++
	seq := binary.BigEndian.Uint64(msg)
	if seq != c.next[id] {
		c.stats.fifoViolations++
	}
	c.next[id] = seq + 1
	if c.env.Rand().IntN(4) == 0 {
		c.send(id)
	}
}

func (c *chatter) drop(id ConnID) {
	c.conns = slices.DeleteFunc(c.conns, func(x ConnID) bool { return x == id })
}

func (c *chatter) OnClose(id ConnID, _ error) {
	c.stats.closes++
	c.drop(id)
}

func (c *chatter) send(id ConnID) {
	r := c.env.Rand()
	msg := make([]byte, 8+r.IntN(120))
	binary.BigEndian.PutUint64(msg, c.sent[id])
	for i := 8; i < len(msg); i++ {
		msg[i] = byte(r.Uint32())
	}
	if err := c.env.Send(id, msg); err == nil {
		c.sent[id]++
	} else {
		c.drop(id)
	}
}

func (c *chatter) OnTimer(TimerID) {
	env, r := c.env, c.env.Rand()
	d := env.Disk()
	switch k := r.IntN(10); {
	case k < 2 && len(c.conns) < 4:
		peers := len(env.w.nodes)
		to := NodeID(1 + r.IntN(peers))
		if to != env.ID() {
			_, _ = env.Dial(to)
		}
	case k < 6 && len(c.conns) > 0:
		for range 1 + r.IntN(5) {
			if len(c.conns) == 0 {
				break
			}
			c.send(c.conns[r.IntN(len(c.conns))])
		}
	case k == 6 && len(c.conns) > 0:
		id := c.conns[r.IntN(len(c.conns))]
		_ = env.Close(id)
		c.drop(id)
	case k == 7:
		if _, err := d.Size("log"); err != nil {
			_ = d.Create("log")
		}
		_ = d.Append("log", fmt.Appendf(nil, "rec %d %d|", env.ID(), r.Uint32()))
		if r.IntN(2) == 0 {
			_, _ = d.Sync("log")
		}
	case k == 8:
		_ = d.WriteFile("epoch.tmp", fmt.Appendf(nil, "%d", r.IntN(100)))
		_, _ = d.Sync("epoch.tmp")
		_ = d.Rename("epoch.tmp", "epoch")
	}
	env.SetTimer(time.Duration(1+r.IntN(20)) * time.Millisecond)
}

func (c *chatter) OnSyncDone(id SyncID, err error) {
	c.stats.syncs++
	c.env.Trace(fmt.Sprintf("synced %d %v", id, err))
}

// chaos drives random faults from the nemesis stream.
func chaos(w *World) {
	r := w.Rand(StreamNemesis)
	ids := w.Nodes()
	pick := func() NodeID { return ids[r.IntN(len(ids))] }
	var step func()
	step = func() {
		id := pick()
		switch r.IntN(19) {
		case 0:
			perm := slices.Clone(ids)
			r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			cut := 1 + r.IntN(len(perm)-1)
			_ = w.Net().Partition(perm[:cut], perm[cut:])
		case 1:
			_ = w.Net().PartitionOneWay([]NodeID{id}, []NodeID{pick()})
		case 2, 3:
			w.Net().Heal()
		case 4:
			if cs := w.Net().Conns(); len(cs) > 0 {
				_ = w.Net().Reset(cs[r.IntN(len(cs))].ID)
			}
		case 5:
			if cs := w.Net().Conns(); len(cs) > 0 {
				_ = w.Net().Blackhole(cs[r.IntN(len(cs))].ID)
			}
		case 6:
			_ = w.Crash(id)
		case 7, 8:
			_ = w.Restart(id)
		case 9:
			_ = w.Pause(id)
		case 10:
			_ = w.Resume(id)
		case 11:
			c, _ := w.Clock(id)
			_ = c.Jump(time.Duration(r.Int64N(int64(2*time.Second))) - time.Second)
			_ = c.SetDrift(r.Int64N(2001) - 1000)
		case 12:
			d, _ := w.Disk(id)
			if names := d.List(); len(names) > 0 {
				_, _ = d.CorruptBit(names[r.IntN(len(names))])
			}
			_ = d.SetOptions(DiskOptions{
				SyncLatency:          Latency{Min: ms, Mean: 2 * ms},
				SyncErrorProbability: 0.05 * r.Float64(),
				LostWriteProbability: 0.05 * r.Float64(),
				TornProbability:      r.Float64(),
			})
		case 13:
			_ = w.Net().SpikeDelay(id, pick(), time.Duration(r.IntN(300))*ms, time.Duration(r.IntN(500))*ms)
		case 14:
			_ = w.Net().SetLink(id, pick(), LinkOptions{Latency: Latency{Min: ms}, Bandwidth: 2000 + r.Int64N(20000), QueueLimit: 4000})
		case 15:
			_ = w.Net().ClearLink(id, pick())
		case 16:
			_ = w.Net().Clog(id)
		case 17:
			_ = w.Net().Unclog(id)
		case 18:
			_ = w.Net().ResetNode(id)
		}
		w.After(time.Duration(20+r.IntN(200))*ms, step)
	}
	w.After(100*ms, step)
}

func chaosWorld(t testing.TB, seed uint64, keep bool) (*World, *chaosStats) {
	t.Helper()
	return chaosWorldFor(t, seed, keep, 20*time.Second)
}

func chaosWorldFor(t testing.TB, seed uint64, keep bool, d time.Duration) (*World, *chaosStats) {
	t.Helper()
	stats := &chaosStats{}
	w, err := New(Options{
		Seed:      seed,
		KeepTrace: keep,
		Network: NetworkOptions{
			Link:             LinkOptions{Latency: Latency{Min: ms, Mean: 3 * ms, TailProbability: 0.01, TailMax: time.Second}},
			ResetDelay:       Latency{Min: ms, Mean: 5 * ms},
			ResetProbability: 0.5,
			DialTimeout:      time.Second,
		},
		Disk:  DiskOptions{SyncLatency: Latency{Min: ms, Mean: 2 * ms}, TornProbability: 0.5},
		Clock: ClockOptions{MaxOffset: time.Second, MaxDriftPPM: 200},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		kind := KindServer
		if i >= 4 {
			kind = KindClient
		}
		if _, err := w.AddNode(kind, func(NodeID) Process { return &chatter{stats: stats} }); err != nil {
			t.Fatal(err)
		}
	}
	chaos(w)
	w.RunFor(d)
	return w, stats
}

func TestChaosIsDeterministic(t *testing.T) {
	w1, s1 := chaosWorld(t, 1, true)
	w2, s2 := chaosWorld(t, 1, true)
	if w1.TraceHash() != w2.TraceHash() {
		a, b := strings.Split(w1.TraceText(), "\n"), strings.Split(w2.TraceText(), "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("same seed diverged at line %d:\n%s\n%s", i, a[i], b[i])
			}
		}
		t.Fatal("same seed, different traces")
	}
	if *s1 != *s2 {
		t.Fatalf("same seed, different stats %+v %+v", s1, s2)
	}
	if s1.fifoViolations != 0 {
		t.Fatalf("%d FIFO violations", s1.fifoViolations)
	}
	if s1.delivered < 2000 || s1.connects < 100 || s1.closes < 50 || s1.syncs < 100 {
		t.Fatalf("too little happened: %+v", s1)
	}
	for _, kind := range []string{" partition ", " partition-oneway ", " heal", " reset ", " blackhole ",
		" crash ", " restart ", " pause ", " resume ", " clock-jump ", " corrupt ", " torn ", " spike ", " link ", " clog "} {
		if !strings.Contains(w1.TraceText(), kind) {
			t.Errorf("no %q in the trace", strings.TrimSpace(kind))
		}
	}
	// Keeping the text does not change the hash.
	w3, _ := chaosWorld(t, 1, false)
	if w3.TraceHash() != w1.TraceHash() {
		t.Fatal("KeepTrace changed the hash")
	}
	seen := map[string]uint64{w1.TraceHash(): 1}
	for seed := uint64(2); seed <= 4; seed++ {
		w, _ := chaosWorld(t, seed, false)
		if prev, ok := seen[w.TraceHash()]; ok {
			t.Fatalf("seeds %d and %d gave the same trace", prev, seed)
		}
		seen[w.TraceHash()] = seed
	}
}

const childEnv = "ZKSIM_SIM_DETERMINISM_CHILD"

// TestDeterminismChild prints trace hashes when run as a child of
// TestDeterminismAcrossGOMAXPROCS.
func TestDeterminismChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestDeterminismAcrossGOMAXPROCS")
	}
	for seed := uint64(1); seed <= 2; seed++ {
		w, _ := chaosWorld(t, seed, false)
		fmt.Printf("HASH %d %s\n", seed, w.TraceHash())
	}
}

func TestDeterminismAcrossGOMAXPROCS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	want := map[uint64]string{}
	for seed := uint64(1); seed <= 2; seed++ {
		w, _ := chaosWorld(t, seed, false)
		want[seed] = w.TraceHash()
	}
	for _, procs := range []string{"1", "8"} {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestDeterminismChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1", "GOMAXPROCS="+procs)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child with GOMAXPROCS=%s: %v\n%s", procs, err, out)
		}
		got := 0
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 || f[0] != "HASH" {
				continue
			}
			seed, _ := strconv.ParseUint(f[1], 10, 64)
			if f[2] != want[seed] {
				t.Fatalf("GOMAXPROCS=%s seed %d: hash %s, want %s", procs, seed, f[2], want[seed])
			}
			got++
		}
		if got != 2 {
			t.Fatalf("child with GOMAXPROCS=%s printed %d hashes:\n%s", procs, got, out)
		}
	}
}

// FuzzChaosSeed explores seeds: every seed must run twice to the same trace and keep
// every connection FIFO.
func FuzzChaosSeed(f *testing.F) {
	for _, seed := range []uint64{0, 1, 42, 1 << 63} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		w1, s1 := chaosWorldFor(t, seed, false, 3*time.Second)
		w2, _ := chaosWorldFor(t, seed, false, 3*time.Second)
		if w1.TraceHash() != w2.TraceHash() {
			t.Fatalf("seed %d: two runs, two traces", seed)
		}
		if s1.fifoViolations != 0 {
			t.Fatalf("seed %d: %d FIFO violations", seed, s1.fifoViolations)
		}
	})
}

// Drawing from the workload and nemesis streams must not move the network's, disks',
// clocks' or processes' draws.
func TestStreamsAreIndependent(t *testing.T) {
	run := func(extra int) string {
		w, err := New(Options{Seed: 77, Network: NetworkOptions{Link: LinkOptions{Latency: Latency{Mean: 5 * ms}}},
			Disk: DiskOptions{SyncLatency: Latency{Mean: ms}}, Clock: ClockOptions{MaxOffset: time.Second, MaxDriftPPM: 100}})
		must(t, err)
		for range extra {
			w.Rand(StreamWorkload).Uint64()
			w.Rand(StreamNemesis).Uint64()
		}
		stats := &chaosStats{}
		for range 3 {
			_, err := w.AddNode(KindServer, func(NodeID) Process { return &chatter{stats: stats} })
			must(t, err)
		}
		w.After(time.Second, func() {
			for range extra {
				w.Rand(StreamWorkload).IntN(10)
			}
		})
		w.RunFor(3 * time.Second)
		if stats.delivered == 0 {
			t.Fatal("no traffic")
		}
		return w.TraceHash()
	}
	if run(0) != run(1000) {
		t.Fatal("workload and nemesis draws changed the rest of the world")
	}
}

func TestSeedAboveInt64Traces(t *testing.T) {
	w, err := New(Options{Seed: 1<<64 - 1, KeepTrace: true})
	must(t, err)
	if got := w.TraceText(); got != "0 world seed=18446744073709551615\n" {
		t.Fatalf("trace %q", got)
	}
}
