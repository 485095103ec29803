package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/nemesis"
)

// choices reads fuzz input a byte at a time; past its end every byte is zero, so
// any input decodes.
type choices []byte

func (c *choices) next() int {
	if len(*c) == 0 {
		return 0
	}
	b := (*c)[0]
	*c = (*c)[1:]
	return int(b)
}

// decodeSpec turns fuzz input into a short scenario: the cluster shape, the workload
// and the timing from the first bytes, then (kind, weight) pairs for the fault mix.
func decodeSpec(data []byte) genSpec {
	c := choices(data)
	g := genSpec{
		voters:      1 + c.next()%5,
		observers:   c.next() % 3,
		clients:     1 + c.next()%4,
		interval:    time.Duration(1+c.next()%8) * 100 * time.Millisecond,
		concurrency: 1 + c.next()%2,
		keys:        1 + c.next()%3,
		gap:         time.Duration(1+c.next()%8) * 250 * time.Millisecond,
		longest:     time.Duration(1+c.next()%12) * 500 * time.Millisecond,
		duration:    time.Duration(2+c.next()%11) * time.Second,
		faults:      map[nemesis.Kind]int{},
	}
	if g.voters == 1 {
		g.observers = 0
	}
	mask := c.next()
	for i := range g.tasks {
		g.tasks[i] = mask >> i & 1
	}
	for range 8 {
		if len(c) < 2 {
			break
		}
		k := generatedKinds[c.next()%len(generatedKinds)]
		g.faults[k] += 1 + c.next()%4
	}
	return g
}

// FuzzScenario lets the fuzzer drive whole simulated runs: its input becomes the seed,
// the cluster, the workload and the fault mix the nemesis schedule is drawn from, and
// a run the correct protocol fails is a failure. testdata/fuzz/FuzzScenario holds the
// seed corpus; inputs the fuzzer finds failing land there and replay in `go test`.
func FuzzScenario(f *testing.F) {
	f.Fuzz(func(t *testing.T, seed uint64, data []byte) {
		requirePasses(t, decodeSpec(data), seed)
	})
}

func TestDecodeSpecCoversTheChoices(t *testing.T) {
	g := decodeSpec(nil)
	require.Equal(t, genSpec{voters: 1, clients: 1, interval: 100 * time.Millisecond, concurrency: 1, keys: 1,
		gap: 250 * time.Millisecond, longest: 500 * time.Millisecond, duration: 2 * time.Second, faults: map[nemesis.Kind]int{}}, g)
	require.NoError(t, g.scenario().Validate())
	require.Empty(t, g.scenario().Nemesis, "no fault kind chosen: only the final heal")

	// 5 voters, 2 observers, 4 clients, every task, crash twice (weight 2, then 1) and clog.
	g = decodeSpec([]byte{4, 2, 3, 7, 1, 2, 7, 11, 10, 0x3f, 6, 1, 14, 0, 6, 0, 99})
	require.Equal(t, genSpec{voters: 5, observers: 2, clients: 4, interval: 800 * time.Millisecond, concurrency: 2, keys: 3,
		gap: 2 * time.Second, longest: 6 * time.Second, duration: 12 * time.Second, tasks: [6]int{1, 1, 1, 1, 1, 1},
		faults: map[nemesis.Kind]int{nemesis.Crash: 3, nemesis.Clog: 1}}, g)
	s := g.scenario()
	require.NoError(t, s.Validate())
	require.Equal(t, "crash=3,clog=1,gap=2s,for=200ms..6s,fixed", s.Nemesis)
}
