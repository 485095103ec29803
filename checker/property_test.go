package checker

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func rapidDraw(t *rapid.T) func(lo, hi int) int {
	return func(lo, hi int) int { return rapid.IntRange(lo, hi).Draw(t, "n") }
}

func drawSpec(t *rapid.T) genSpec {
	return genSpec{
		clients:    rapid.IntRange(1, 5).Draw(t, "clients"),
		paths:      rapid.IntRange(1, 4).Draw(t, "paths"),
		ops:        rapid.IntRange(1, 60).Draw(t, "ops"),
		unknownPct: rapid.IntRange(0, 20).Draw(t, "unknownPct"),
	}
}

// TestPropertyCorrectHistoriesAccepted: histories from a sequential model under random
// concurrency, with some outcomes unknown, are always accepted.
func TestPropertyCorrectHistoriesAccepted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := drawSpec(t)
		h := genHistory(rapidDraw(t), spec)
		// Porcupine's search is exponential in the number of concurrent unknown outcomes;
		// a timeout is inconclusive, never a rejection.
		rep, err := Check(h, nil, Options{LinearizabilityTimeout: 3 * time.Second})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		for _, r := range rep.Results {
			if r.Verdict == Fail || r.Verdict == KnownLimitation {
				t.Fatalf("correct history rejected: %v\n%s", r, dumpHistory(h))
			}
		}
	})
}

// TestPropertyCorruptReadCaught: changing the value one read returned is always caught.
func TestPropertyCorruptReadCaught(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := drawSpec(t)
		h := genHistory(rapidDraw(t), spec)
		var reads []int
		for i := range h.Ops {
			op := &h.Ops[i]
			if op.Req.Kind == OpGetData && op.Outcome == OutcomeOK && op.Resp.Err == ErrOK {
				reads = append(reads, i)
			}
		}
		if len(reads) == 0 {
			t.Skip("no read to corrupt")
		}
		i := reads[rapid.IntRange(0, len(reads)-1).Draw(t, "read")]
		h.Ops[i].Resp.Data = "corrupt"
		// Proving a history with many unknown outcomes illegal can take Porcupine
		// exponential time; the ZooKeeper-order checker must catch this on its own.
		rep, err := Check(h, nil, Options{SkipLinearizability: true})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		caught := false
		for _, r := range rep.Failures() {
			for _, j := range r.Ops {
				caught = caught || j == i
			}
		}
		if !caught {
			t.Fatalf("corrupted read %d not caught:\n%s\n%s", i, rep, dumpHistory(h))
		}
	})
}

func dumpHistory(h *History) string {
	s := ""
	for i, op := range h.Ops {
		s += fmt.Sprintf("%3d c%d [%d,%d] %v z=%d %+v -> %+v\n", i, op.Client, op.Invoke, op.Return, op.Outcome, op.Zxid, op.Req, op.Resp)
	}
	for i, ev := range h.WatchEvents {
		s += fmt.Sprintf("w%d %+v\n", i, ev)
	}
	for i, ev := range h.SessionEvents {
		s += fmt.Sprintf("s%d %+v\n", i, ev)
	}
	return s
}

func seededDraw(seed uint64) func(lo, hi int) int {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
}

// benchHistory is 5,000 operations of 10 clients on 10 paths, 5% with unknown outcomes.
// It has no multi: a multi merges the partitions of its paths, so a multi-heavy history
// over few paths is one large partition, a different (and far slower) workload.
func benchHistory() *History {
	return genHistory(seededDraw(1), genSpec{clients: 10, paths: 10, ops: 5000, unknownPct: 5, noMulti: true, noChildren: true})
}

func BenchmarkPorcupine5000(b *testing.B) {
	h := benchHistory()
	b.ReportAllocs()
	for b.Loop() {
		res, _, err := checkLinearizable(h, nil, Options{LinearizabilityTimeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Verdict != Pass {
				b.Fatalf("unexpected: %v", r)
			}
		}
	}
	b.ReportMetric(float64(len(h.Ops)), "ops/history")
}

func BenchmarkZooKeeperOrder(b *testing.B) {
	h := genHistory(seededDraw(2), genSpec{clients: 10, paths: 10, ops: 50000, unknownPct: 5, noChildren: true})
	b.ReportAllocs()
	for b.Loop() {
		ix := buildIndex(h)
		if res := checkOrder(ix); len(res) != 0 {
			b.Fatalf("unexpected: %v", res[0])
		}
	}
	b.ReportMetric(float64(len(h.Ops))*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkCheck5000(b *testing.B) {
	h := benchHistory()
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Check(h, nil, Options{})
		if err != nil || !rep.OK() {
			b.Fatalf("unexpected: %v %v", err, rep)
		}
	}
}
