package nemesis

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"
)

// Runner tells a driver what to apply when. The simulator calls it from its event
// loop in simulated time; a real-cluster driver calls it from wall-clock timers. In
// both, the loop is: wait until Next, then Advance to that time.
//
// Each scheduled fault draws from its own generator, seeded from the runner's seed
// and the fault's text, so removing one fault (as a shrinker does) does not change the
// random choices of the others. The ends of for= faults are queued as concrete
// follow-ups when the fault is applied.
type Runner struct {
	seed  uint64
	queue []queued
	seq   uint64
	seen  map[string]uint64 // occurrences of each fault line, for seeding
	log   []Applied
}

type queued struct {
	f      Fault
	seq    uint64
	follow bool
}

// NewRunner returns a runner for s. It does not validate s; Advance reports bad faults.
func NewRunner(s Schedule, seed uint64) *Runner {
	r := &Runner{seed: seed, seen: map[string]uint64{}}
	for _, f := range s {
		r.push(f.clone(), false)
	}
	return r
}

// push inserts f after everything due at the same time or earlier, except that
// follow-ups go before scheduled faults of the same time, so a node restarted at t can
// be crashed again at t.
func (r *Runner) push(f Fault, follow bool) {
	r.seq++
	q := queued{f: f, seq: r.seq, follow: follow}
	i, _ := slices.BinarySearchFunc(r.queue, q, func(a, b queued) int {
		if a.f.At != b.f.At {
			return cmpDuration(a.f.At, b.f.At)
		}
		if a.follow != b.follow {
			if a.follow {
				return -1
			}
			return 1
		}
		return cmpUint(a.seq, b.seq)
	})
	r.queue = slices.Insert(r.queue, i, q)
}

func cmpDuration(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Next is when the next fault is due, or false when nothing is left.
func (r *Runner) Next() (time.Duration, bool) {
	if len(r.queue) == 0 {
		return 0, false
	}
	return r.queue[0].f.At, true
}

// Pending lists the faults still queued, in the order they will be applied.
func (r *Runner) Pending() []Fault {
	out := make([]Fault, len(r.queue))
	for i, q := range r.queue {
		out[i] = q.f.clone()
	}
	return out
}

// Applied is everything applied so far, in order.
func (r *Runner) Applied() []Applied { return slices.Clone(r.log) }

// Advance applies, in order, every fault due at or before now, including follow-ups
// that become due by then, and returns what they did. It stops at the first error
// (a bad fault, or a target refusing); what was applied before it stays applied.
func (r *Runner) Advance(t Target, now time.Duration) ([]Applied, error) {
	var done []Applied
	for len(r.queue) > 0 && r.queue[0].f.At <= now {
		q := r.queue[0]
		r.queue = r.queue[1:]
		a, err := Apply(t, q.f, r.rand(q))
		a.At = now
		if err != nil {
			return done, fmt.Errorf("nemesis at %v: %w", now, err)
		}
		for _, g := range FollowUps(a) {
			r.push(g, true)
		}
		r.log = append(r.log, a)
		done = append(done, a)
	}
	return done, nil
}

// rand seeds a generator for one fault from the runner's seed, the fault's text and
// how many identical lines came before it.
func (r *Runner) rand(q queued) *rand.Rand {
	h := fnv.New64a()
	line := q.f.String()
	h.Write([]byte(line))
	n := r.seen[line]
	r.seen[line] = n + 1
	return rand.New(rand.NewPCG(r.seed, h.Sum64()+n))
}
