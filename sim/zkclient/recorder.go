package zkclient

import (
	"slices"

	"github.com/zksim/zksim/checker"
)

// Recorder collects what every client of a run observed, in checker's history format.
// It lives outside the client processes, so an operation left open by a crashed client
// is still accounted for (as OutcomeUnknown) when the history is taken.
type Recorder struct {
	now func() int64
	// ops is kept in fixed-size chunks, so a long run never copies its history to grow.
	ops      [][]checker.Operation
	n        int
	open     []bool
	watches  []checker.WatchEvent
	sessions []checker.SessionEvent
	locks    []LockEvent
}

// NewRecorder returns a recorder that stamps events with now, the world's true time in
// nanoseconds.
func NewRecorder(now func() int64) *Recorder { return &Recorder{now: now} }

// Now is the true time the recorder stamps events with.
func (r *Recorder) Now() int64 { return r.now() }

const chunkBits = 12

// invoke opens an operation and returns its index.
func (r *Recorder) invoke(client int, req checker.Request) int {
	i := r.n
	if i>>chunkBits == len(r.ops) {
		r.ops = append(r.ops, make([]checker.Operation, 0, 1<<chunkBits))
	}
	last := &r.ops[len(r.ops)-1]
	*last = append(*last, checker.Operation{Client: client, Invoke: r.now(), Req: req})
	r.open = append(r.open, true)
	r.n++
	return i
}

func (r *Recorder) at(i int) *checker.Operation { return &r.ops[i>>chunkBits][i&(1<<chunkBits-1)] }

// Op returns a copy of operation i as recorded so far.
func (r *Recorder) Op(i int) checker.Operation { return *r.at(i) }

// Len is the number of operations recorded.
func (r *Recorder) Len() int { return r.n }

func (r *Recorder) finish(i int, op checker.Operation) {
	if !r.open[i] {
		return
	}
	op.Return = r.now()
	*r.at(i) = op
	r.open[i] = false
}

func (r *Recorder) watch(ev checker.WatchEvent) {
	ev.Time = r.now()
	r.watches = append(r.watches, ev)
}

func (r *Recorder) session(ev checker.SessionEvent) {
	ev.Time = r.now()
	r.sessions = append(r.sessions, ev)
}

func (r *Recorder) lock(ev LockEvent) {
	ev.Time = r.now()
	r.locks = append(r.locks, ev)
}

// History returns everything recorded so far. Operations still open are returned as
// OutcomeUnknown, ending now: the client never learned their outcome.
func (r *Recorder) History() checker.History {
	h := checker.History{
		Ops:           make([]checker.Operation, 0, r.n),
		WatchEvents:   slices.Clone(r.watches),
		SessionEvents: slices.Clone(r.sessions),
	}
	for _, chunk := range r.ops {
		h.Ops = append(h.Ops, chunk...)
	}
	now := r.now()
	for i := range h.Ops {
		if r.open[i] {
			h.Ops[i].Outcome = checker.OutcomeUnknown
			h.Ops[i].Return = now
		}
	}
	return h
}

// Locks returns the recorded lock events.
func (r *Recorder) Locks() []LockEvent { return slices.Clone(r.locks) }
