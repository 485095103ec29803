package sim

import (
	"testing"
	"time"

	"github.com/zksim/zksim/sim/cputime"
)

// rate reports n things per wall second and, where the platform says, per CPU second.
func rate(b *testing.B, cpu0 time.Duration, n float64, unit string) {
	b.ReportMetric(n/b.Elapsed().Seconds(), unit+"/s")
	if cpu := cputime.Now() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), unit+"/cpu-s")
	}
}

// BenchmarkEventQueue measures the bare heap: each operation pops the earliest of 1024
// pending events and pushes one later event.
func BenchmarkEventQueue(b *testing.B) {
	var q eventQueue
	var seq uint64
	x := uint64(1)
	for i := range 1024 {
		seq++
		q.push(event{at: Time(i), seq: seq, kind: evCall})
	}
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		e := q.pop()
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		seq++
		e.at += Time(x % 1_000_000)
		e.seq = seq
		q.push(e)
	}
	rate(b, cpu0, float64(b.N), "events")
}

// BenchmarkWorldStep measures World.Step over self-rescheduling events: the queue plus
// dispatch, with 1024 events pending.
func BenchmarkWorldStep(b *testing.B) {
	w, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := w.Rand(StreamWorkload)
	var tick func()
	tick = func() { w.After(time.Duration(r.IntN(1_000_000)), tick) }
	for range 1024 {
		w.After(time.Duration(r.IntN(1_000_000)), tick)
	}
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		w.Step()
	}
	rate(b, cpu0, float64(b.N), "events")
}

// echo sends every message back on the connection it came from.
type echo struct{ env *Env }

func (e *echo) Start(env *Env)                 { e.env = env }
func (e *echo) OnConnect(ConnID, NodeID, bool) {}
func (e *echo) OnMessage(c ConnID, msg []byte) { _ = e.env.Send(c, msg) }
func (e *echo) OnClose(ConnID, error)          {}
func (e *echo) OnTimer(TimerID)                {}
func (e *echo) OnSyncDone(SyncID, error)       {}
func newEcho(NodeID) Process                   { return &echo{} }
func benchNet(b *testing.B, keep bool, size int) {
	w, err := New(Options{KeepTrace: keep, Network: NetworkOptions{Link: LinkOptions{
		Latency: Latency{Min: 100 * time.Microsecond, Mean: 400 * time.Microsecond, TailProbability: 0.01, TailMax: 50 * ms},
	}}})
	if err != nil {
		b.Fatal(err)
	}
	a, _ := w.AddNode(KindServer, newEcho)
	_, _ = w.AddNode(KindClient, newEcho)
	w.RunFor(0)
	p, _ := w.Process(a)
	env := p.(*echo).env
	c, _ := env.Dial(2)
	w.RunFor(time.Second)
	msg := make([]byte, size)
	for range 256 {
		if err := env.Send(c, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		w.Step()
	}
	rate(b, cpu0, float64(b.N), "msgs")
	if w.TraceLines() < uint64(b.N) {
		b.Fatalf("%d messages traced for %d steps", w.TraceLines(), b.N)
	}
}

// BenchmarkNetwork measures messages through the network layer: 256 messages of 64
// bytes bounce between two echo processes; each operation delivers one (traced and
// hashed) and sends it back.
func BenchmarkNetwork(b *testing.B) { benchNet(b, false, 64) }

// BenchmarkNetworkKeepTrace is BenchmarkNetwork keeping the trace text.
func BenchmarkNetworkKeepTrace(b *testing.B) { benchNet(b, true, 64) }

// BenchmarkNetwork1K is BenchmarkNetwork with 1 KiB messages.
func BenchmarkNetwork1K(b *testing.B) { benchNet(b, false, 1024) }

// BenchmarkChaos measures a whole chaos world (six chatty nodes under random faults)
// in events per second of wall time and simulated seconds per wall second.
func BenchmarkChaos(b *testing.B) {
	var events uint64
	b.ReportAllocs()
	cpu0 := cputime.Now()
	for b.Loop() {
		w, _ := chaosWorld(b, 1, false)
		events += w.Events()
	}
	rate(b, cpu0, float64(events), "events")
	b.ReportMetric(20*float64(b.N)/b.Elapsed().Seconds(), "simsec/s")
}
