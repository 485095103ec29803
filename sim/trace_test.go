package sim

import (
	"strings"
	"testing"
	"time"
)

// TestTraceFormat pins the canonical trace text of a small run.
func TestTraceFormat(t *testing.T) {
	w, err := New(Options{Seed: 9, KeepTrace: true, Network: NetworkOptions{ResetProbability: 1, Link: LinkOptions{Latency: Latency{Min: ms}}}})
	must(t, err)
	procs := map[NodeID]*testProc{}
	for range 2 {
		_, err := w.AddNode(KindServer, func(id NodeID) Process { procs[id] = &testProc{}; return procs[id] })
		must(t, err)
	}
	w.RunFor(0)
	c := mustDial(t, procs[1], 2)
	w.RunFor(10 * ms)
	must(t, procs[2].env.Send(c, []byte("hi")))
	procs[1].env.SetTimer(5 * ms)
	procs[1].env.Trace("role leader")
	w.RunFor(10 * ms)
	must(t, w.Net().Partition([]NodeID{1}, []NodeID{2}))
	must(t, w.Pause(2))
	w.Note("phase liveness")
	w.RunFor(time.Second)
	want := `0 world seed=9
0 add n=1 kind=server offset=0 drift=0
0 add n=2 kind=server offset=0 drift=0
0 boot n=1 gen=1
0 boot n=2 gen=1
0 dial n=1 c=1 peer=2
1000000 accept n=2 c=1 peer=1
2000000 connect n=1 c=1 peer=2
10000000 log n=1 text="role leader"
11000000 msg c=1 from=2 to=1 len=2 h=9d071caf65adf0b2
15000000 timer n=1 id=1
20000000 partition g=1 g=2
20000000 reset c=1
20000000 pause n=2 gen=1
20000000 note text="phase liveness"
20000000 close n=1 c=1 err="sim: connection reset"
`
	if got := w.TraceText(); got != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", got, want)
	}
	if n := strings.Count(want, "\n"); w.TraceLines() != uint64(n) {
		t.Fatalf("%d lines counted, want %d", w.TraceLines(), n)
	}
}
