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

// push queues f. Faults leave in time order; at equal times follow-ups go first, so
// a node restarted at t can be crashed again at t; then in the order they were queued.
func (r *Runner) push(f Fault, follow bool) {
	r.seq++
	r.queue = append(r.queue, queued{f: f, seq: r.seq, follow: follow})
	for i := len(r.queue) - 1; i > 0; {
		parent := (i - 1) / 2
		if !r.queue[i].before(r.queue[parent]) {
			break
		}
		r.queue[i], r.queue[parent] = r.queue[parent], r.queue[i]
		i = parent
	}
}

func (q queued) before(o queued) bool {
	if q.f.At != o.f.At {
		return q.f.At < o.f.At
	}
	if q.follow != o.follow {
		return q.follow
	}
	return q.seq < o.seq
}

// pop removes the first fault of the heap.
func (r *Runner) pop() queued {
	top := r.queue[0]
	last := len(r.queue) - 1
	r.queue[0] = r.queue[last]
	r.queue = r.queue[:last]
	for i := 0; ; {
		least := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(r.queue) && r.queue[c].before(r.queue[least]) {
				least = c
			}
		}
		if least == i {
			break
		}
		r.queue[i], r.queue[least] = r.queue[least], r.queue[i]
		i = least
	}
	return top
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
	sorted := slices.Clone(r.queue)
	slices.SortFunc(sorted, func(a, b queued) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	out := make([]Fault, len(sorted))
	for i, q := range sorted {
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
		q := r.pop()
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
