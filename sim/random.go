package sim

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"time"
)

// Stream names one of the world's independent random streams. Each is seeded from the
// world seed once, at creation, so draws in one subsystem never shift another's.
type Stream uint8

const (
	// StreamWorkload is for workload generators (simulated clients' choices).
	StreamWorkload Stream = iota
	// StreamNemesis is for fault schedules.
	StreamNemesis
	streamNetwork
	streamDisk
	streamClock
	streamProcess
	numStreams
)

var streamNames = [numStreams]string{"workload", "nemesis", "network", "disk", "clock", "process"}

// String names the stream.
func (s Stream) String() string {
	if s < numStreams {
		return streamNames[s]
	}
	return "stream?"
}

// newPCG returns a generator for (seed, stream); the stream constant keeps generators
// with equal seeds apart.
func newPCG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15))
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return r.Float64() < p
}

// draw returns one delay from the distribution (see Latency).
func (l *Latency) draw(r *rand.Rand) time.Duration {
	d := l.Min
	if l.Mean > 0 {
		d += time.Duration(r.Int64N(2*int64(l.Mean) + 1))
	}
	if l.TailProbability > 0 && chance(r, l.TailProbability) {
		base := max(l.Mean, l.Min, time.Millisecond)
		g := bits.TrailingZeros64(r.Uint64() | 1<<40)
		tail := l.TailMax
		if g < 40 && base <= l.TailMax>>g {
			span := base << g
			tail = min(span+time.Duration(r.Int64N(int64(span))), l.TailMax)
		}
		d += tail
	}
	return d
}

// mulDiv returns a*b/c for non-negative a and positive b, c, without intermediate
// overflow; the result saturates at MaxInt64.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return 1<<63 - 1
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(q)
}

// payloadHash is a fast 64-bit hash of b, eight bytes at a time; the trace uses it to
// name message payloads. It is fixed (no per-process seed), so traces are comparable.
func payloadHash(b []byte) uint64 {
	const (
		p1 = 0x9e3779b185ebca87
		p2 = 0xc2b2ae3d27d4eb4f
		p3 = 0x165667b19e3779f9
	)
	h := uint64(len(b))*p3 + p1
	for len(b) >= 8 {
		h = bits.RotateLeft64(h^(binary.LittleEndian.Uint64(b)*p2), 31) * p1
		b = b[8:]
	}
	for _, c := range b {
		h = bits.RotateLeft64(h^(uint64(c)*p3), 11) * p1
	}
	h ^= h >> 33
	h *= p2
	h ^= h >> 29
	return h
}
