package zkclient

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/zksim/zksim/checker"
)

// LockEventKind says whether a client took or gave up a lock.
type LockEventKind uint8

// Lock event kinds.
const (
	LockAcquired LockEventKind = iota + 1
	// LockReleased: the holder gave the lock up, either by choice (before deleting its
	// node) or because it lost its connection and can no longer be sure it holds it.
	LockReleased
)

func (k LockEventKind) String() string {
	switch k {
	case LockAcquired:
		return "acquired"
	case LockReleased:
		return "released"
	}
	return fmt.Sprintf("LockEventKind(%d)", uint8(k))
}

// LockEvent is one acquisition or release by a client, in true time.
type LockEvent struct {
	Client  int
	Session int64
	Lock    string
	Kind    LockEventKind
	Time    int64
	Node    string // the client's lock node
	Reason  string
}

// CheckLocks verifies mutual exclusion: for each lock, the intervals between a client's
// acquisition and its release never overlap. It returns one description per violation.
func CheckLocks(events []LockEvent) []string {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b LockEvent) int {
		if a.Time != b.Time {
			if a.Time < b.Time {
				return -1
			}
			return 1
		}
		// At the same instant a release comes first: handing over is not overlapping.
		return int(b.Kind) - int(a.Kind)
	})
	holder := map[string]*LockEvent{}
	var out []string
	for i := range evs {
		ev := &evs[i]
		h := holder[ev.Lock]
		switch ev.Kind {
		case LockAcquired:
			if h != nil {
				out = append(out, fmt.Sprintf("lock %s: client %d acquired it at %d while client %d has held it since %d",
					ev.Lock, ev.Client, ev.Time, h.Client, h.Time))
			}
			holder[ev.Lock] = ev
		case LockReleased:
			if h != nil && h.Client == ev.Client {
				delete(holder, ev.Lock)
			}
		}
	}
	return out
}

// Lock is the lock recipe: create a sequential-ephemeral node under Path, hold the
// lock when it is the lowest, otherwise watch the node just before it. A client that
// loses its connection records a release at once (it cannot know whether its session
// survives) and abandons the attempt; its next attempt first deletes the node it left.
// When a create's outcome is unknown, the node it may have made has no known name
// (Curator finds it by a GUID in the name; a history checker could not attribute it),
// so the recipe closes the session, which deletes it, and opens a new one.
type Lock struct {
	Path string
	// Hold bounds how long the lock is held (uniform in [0, Hold]; default 200ms).
	Hold time.Duration

	attempt int
	holding bool
	dirty   bool // an attempt was abandoned; its node may remain
	unsure  bool // a create's outcome is unknown: a node of ours may exist unnamed
	abort   func()
	mine    string
}

// Run performs one lock cycle: acquire, hold, release.
func (l *Lock) Run(c *Client, rng *rand.Rand, done func()) {
	if l.Path == "" {
		l.Path = "/lock"
	}
	if l.Hold <= 0 {
		l.Hold = 200 * time.Millisecond
	}
	if l.abort != nil {
		done() // one cycle at a time
		return
	}
	if l.attempt == 0 {
		c.OnState(func(s State) {
			if s != StateConnected && s != StateConnecting && l.abort != nil {
				l.abort()
			}
		})
	}
	l.attempt++
	gen := l.attempt
	prefix := fmt.Sprintf("c%d-", c.ID())
	live := func() bool { return gen == l.attempt && l.abort != nil }
	finish := func() {
		if gen != l.attempt || l.abort == nil {
			return
		}
		l.abort = nil
		done()
	}
	l.abort = func() {
		if l.holding {
			l.holding = false
			c.rec.lock(LockEvent{Client: c.ID(), Session: c.Session(), Lock: l.Path, Kind: LockReleased, Node: l.mine, Reason: "connection lost"})
		}
		l.dirty = true
		finish()
	}
	failed := func(op checker.Operation) bool {
		if !live() {
			return true
		}
		if !ok(op) {
			l.dirty = true
			finish()
			return true
		}
		return false
	}
	var check func()
	check = func() {
		do(c, checker.Request{Kind: checker.OpGetChildren, Path: l.Path}, func(op checker.Operation) {
			if failed(op) {
				return
			}
			kids := slices.Clone(op.Resp.Children)
			slices.SortFunc(kids, func(a, b string) int { return strings.Compare(seqOf(a), seqOf(b)) })
			me := l.mine[len(l.Path)+1:]
			i := slices.Index(kids, me)
			switch {
			case i < 0:
				l.dirty = true // our node is gone (session expired under us)
				finish()
			case i == 0:
				l.holding = true
				c.rec.lock(LockEvent{Client: c.ID(), Session: c.Session(), Lock: l.Path, Kind: LockAcquired, Node: l.mine})
				hold := time.Duration(rng.Int64N(int64(l.Hold) + 1))
				c.After(hold, func() {
					if !live() || !l.holding {
						return
					}
					l.holding = false
					c.rec.lock(LockEvent{Client: c.ID(), Session: c.Session(), Lock: l.Path, Kind: LockReleased, Node: l.mine})
					do(c, checker.Request{Kind: checker.OpDelete, Path: l.mine, Version: checker.AnyVersion}, func(op checker.Operation) {
						if failed(op) {
							return
						}
						finish()
					}, finish)
				})
			default:
				pred := l.Path + "/" + kids[i-1]
				err := c.DoWatch(checker.Request{Kind: checker.OpExists, Path: pred, Watch: true}, func(checker.WatchEvent) {
					if live() {
						check()
					}
				}, func(op checker.Operation) {
					if failed(op) {
						return
					}
					if op.Resp.Err == checker.ErrNoNode {
						check()
					}
				})
				if err != nil {
					finish()
				}
			}
		}, finish)
	}
	create := func() {
		l.mine = ""
		do(c, checker.Request{Kind: checker.OpCreate, Path: l.Path + "/" + prefix, Ephemeral: true, Sequential: true}, func(op checker.Operation) {
			if op.Outcome == checker.OutcomeUnknown {
				l.unsure = true
			}
			if failed(op) {
				return
			}
			switch op.Resp.Err {
			case checker.ErrOK:
				l.mine = op.Resp.Path
				check()
			case checker.ErrNoNode:
				do(c, checker.Request{Kind: checker.OpCreate, Path: l.Path}, func(checker.Operation) { finish() }, finish)
			default:
				finish()
			}
		}, finish)
	}
	if !l.dirty {
		create()
		return
	}
	l.dirty = false
	if l.unsure {
		// A create of ours may have left a node nobody can name: end the session, which
		// deletes it, and start over on a new one.
		l.unsure = false
		l.abort = nil
		c.Close(func() {
			c.After(l.Hold, func() {
				_ = c.Open()
				done()
			})
		})
		return
	}
	if l.mine == "" {
		create()
		return
	}
	// Delete the node the abandoned attempt left, then try again.
	do(c, checker.Request{Kind: checker.OpDelete, Path: l.mine, Version: checker.AnyVersion}, func(op checker.Operation) {
		if failed(op) {
			return
		}
		create()
	}, finish)
}

// seqOf is the sequence suffix of a sequential node's name.
func seqOf(name string) string {
	if len(name) < 10 {
		return name
	}
	return name[len(name)-10:]
}
