package zab

import (
	"math/rand/v2"
	"testing"
)

func TestDebugSeed(t *testing.T) {
	for _, seed := range []uint64{315, 703, 1364} {
		swarm := rand.New(rand.NewPCG(seed, 0x5a4a))
		shape := [][2]int{{3, 0}, {3, 1}, {5, 1}, {7, 0}, {5, 0}}[swarm.IntN(5)]
		commitLog := []int{2, 8, 500}[swarm.IntN(3)]
		counterBits := []uint{3, 5, 32}[swarm.IntN(3)]
		wr := []float64{0.005, 0.02, 0.05}[swarm.IntN(3)]
		drop := []float64{0, 0.005, 0.05}[swarm.IntN(3)]
		cr := []float64{0, 0.002, 0.01}[swarm.IntN(3)]
		cp := []float64{0, 0.003, 0.03}[swarm.IntN(3)]
		part := []int{0, 3, 2}[swarm.IntN(3)]
		t.Logf("seed %d shape %v commitLog %d bits %d write %v drop %v crash %v point %v part %d", seed, shape, commitLog, counterBits, wr, drop, cr, cp, part)
	}
}
