package zkclient

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/zksim/zksim/checker"
)

// Task is one unit of a workload: a few requests that belong together (a
// read-modify-write, a lock cycle). It calls done exactly once, when it is over.
type Task interface {
	Run(c *Client, rng *rand.Rand, done func())
}

// Weighted is a task and its share of a Mix.
type Weighted struct {
	Weight int
	Task   Task
}

// Mix is a workload that starts tasks picked by weight at a bounded rate: a pause drawn
// uniformly from [0, 2*Interval] between starts, at most Concurrency tasks in flight
// (their requests pipeline on the session), at most MaxTasks in all per incarnation.
// Every choice is drawn from Rand, which should be the world's workload stream.
type Mix struct {
	Rand        *rand.Rand
	Tasks       []Weighted
	Interval    time.Duration
	Concurrency int
	MaxTasks    int
	// StartAfter delays the first task.
	StartAfter time.Duration

	inflight, started, total int
}

// Start begins issuing tasks on c.
func (m *Mix) Start(c *Client) {
	if m.Concurrency <= 0 {
		m.Concurrency = 1
	}
	if m.Interval <= 0 {
		m.Interval = 100 * time.Millisecond
	}
	for _, t := range m.Tasks {
		m.total += max(t.Weight, 0)
	}
	if m.total == 0 {
		return
	}
	c.After(m.StartAfter+m.pause(), func() { m.tick(c) })
}

func (m *Mix) pause() time.Duration {
	return time.Duration(m.Rand.Int64N(2*int64(m.Interval) + 1))
}

func (m *Mix) tick(c *Client) {
	if m.MaxTasks > 0 && m.started >= m.MaxTasks {
		return
	}
	if m.inflight < m.Concurrency && !c.stopped {
		m.inflight++
		m.started++
		t := m.pick()
		finished := false
		t.Run(c, m.Rand, func() {
			if !finished {
				finished = true
				m.inflight--
			}
		})
	}
	c.After(m.pause(), func() { m.tick(c) })
}

func (m *Mix) pick() Task {
	n := m.Rand.IntN(m.total)
	for _, t := range m.Tasks {
		if n < t.Weight {
			return t.Task
		}
		n -= max(t.Weight, 0)
	}
	return m.Tasks[len(m.Tasks)-1].Task
}

// do sends a request and calls then with the result; if the client takes no requests
// it calls fail instead.
func do(c *Client, req checker.Request, then func(checker.Operation), fail func()) {
	if err := c.Do(req, then); err != nil {
		fail()
	}
}

func ok(op checker.Operation) bool { return op.Outcome == checker.OutcomeOK }

// orCreate returns a callback that creates path with data when the operation found a
// node missing (NONODE), then calls done; otherwise it calls done at once.
func orCreate(c *Client, path, data string, done func()) func(checker.Operation) {
	return func(op checker.Operation) {
		if ok(op) && op.Resp.Err == checker.ErrNoNode {
			do(c, checker.Request{Kind: checker.OpCreate, Path: path, Data: data}, func(checker.Operation) { done() }, done)
			return
		}
		done()
	}
}

// Register is the versioned-register workload over Keys top-level znodes
// (Prefix0..PrefixN-1): reads, blind writes, compare-and-set by version, and reads
// after sync. A missing key is created.
type Register struct {
	Prefix string
	Keys   int
	n      int
}

// Run performs one register operation.
func (r *Register) Run(c *Client, rng *rand.Rand, done func()) {
	if r.Prefix == "" {
		r.Prefix = "/reg"
	}
	key := r.Prefix + strconv.Itoa(rng.IntN(max(r.Keys, 1)))
	r.n++
	val := "c" + strconv.Itoa(c.ID()) + "-" + strconv.Itoa(r.n)
	create := orCreate(c, key, val, done)
	switch p := rng.IntN(100); {
	case p < 35:
		do(c, checker.Request{Kind: checker.OpGetData, Path: key}, create, done)
	case p < 60:
		do(c, checker.Request{Kind: checker.OpSetData, Path: key, Data: val, Version: checker.AnyVersion}, create, done)
	case p < 85:
		do(c, checker.Request{Kind: checker.OpGetData, Path: key}, func(op checker.Operation) {
			if !ok(op) || op.Resp.Err != checker.ErrOK {
				create(op)
				return
			}
			do(c, checker.Request{Kind: checker.OpSetData, Path: key, Data: val, Version: op.Resp.Stat.Version},
				func(checker.Operation) { done() }, done)
		}, done)
	default:
		do(c, checker.Request{Kind: checker.OpSync, Path: key}, func(op checker.Operation) {
			if !ok(op) {
				done()
				return
			}
			do(c, checker.Request{Kind: checker.OpGetData, Path: key}, create, done)
		}, done)
	}
}

// Churn creates and deletes children of Parent: persistent sequential, ephemeral
// sequential and plain ephemeral nodes, and deletes of a listed child.
type Churn struct {
	Parent string
	// Known, when set, limits deletes to children whose creation some client saw
	// acknowledged (share one set between the clients). A node made by a sequential
	// create whose outcome is unknown cannot be attributed to it by a checker, so a
	// history that deletes such a node cannot be judged.
	Known *KnownPaths
	n     int
}

// KnownPaths is a set of paths whose creation was acknowledged.
type KnownPaths struct{ m map[string]bool }

// NewKnownPaths returns an empty set.
func NewKnownPaths() *KnownPaths { return &KnownPaths{m: map[string]bool{}} }

func (k *KnownPaths) learn(op checker.Operation) {
	if k != nil && ok(op) && op.Resp.Err == checker.ErrOK && op.Resp.Path != "" {
		k.m[op.Resp.Path] = true
	}
}

// Has reports whether path's creation was acknowledged.
func (k *KnownPaths) Has(path string) bool { return k == nil || k.m[path] }

// Run performs one churn operation.
func (ch *Churn) Run(c *Client, rng *rand.Rand, done func()) {
	if ch.Parent == "" {
		ch.Parent = "/churn"
	}
	ch.n++
	createParent := orCreate(c, ch.Parent, "", done)
	ensureParent := func(op checker.Operation) {
		ch.Known.learn(op)
		createParent(op)
	}
	switch p := rng.IntN(100); {
	case p < 20:
		do(c, checker.Request{Kind: checker.OpCreate, Path: ch.Parent + "/s-", Data: "s", Sequential: true}, ensureParent, done)
	case p < 40:
		do(c, checker.Request{Kind: checker.OpCreate, Path: ch.Parent + "/es-", Data: "es", Sequential: true, Ephemeral: true}, ensureParent, done)
	case p < 55:
		path := fmt.Sprintf("%s/e-c%d-%d", ch.Parent, c.ID(), ch.n)
		do(c, checker.Request{Kind: checker.OpCreate, Path: path, Data: "e", Ephemeral: true}, ensureParent, done)
	default:
		do(c, checker.Request{Kind: checker.OpGetChildren, Path: ch.Parent}, func(op checker.Operation) {
			if !ok(op) || op.Resp.Err != checker.ErrOK || len(op.Resp.Children) == 0 {
				ensureParent(op)
				return
			}
			var kids []string
			for _, k := range op.Resp.Children {
				if ch.Known.Has(ch.Parent + "/" + k) {
					kids = append(kids, k)
				}
			}
			if len(kids) == 0 {
				done()
				return
			}
			victim := ch.Parent + "/" + kids[rng.IntN(len(kids))]
			do(c, checker.Request{Kind: checker.OpDelete, Path: victim, Version: checker.AnyVersion}, func(checker.Operation) { done() }, done)
		}, done)
	}
}

// ConfigWatch is the watch-heavy configuration workload: a few writers update Path,
// everyone else keeps a data watch on it and re-reads (re-arming the watch) on each
// notification, as configuration consumers do.
type ConfigWatch struct {
	Path string
	// WritePercent is the share of runs that update the configuration.
	WritePercent int
	watching     bool
	hooked       bool
	n            int
}

// Run performs one configuration step.
func (cw *ConfigWatch) Run(c *Client, rng *rand.Rand, done func()) {
	if cw.Path == "" {
		cw.Path = "/config"
	}
	if !cw.hooked {
		cw.hooked = true
		c.OnState(func(s State) {
			if s == StateExpired || s == StateClosed {
				cw.watching = false
			}
		})
	}
	cw.n++
	if rng.IntN(100) < cw.WritePercent {
		val := fmt.Sprintf("cfg-c%d-%d", c.ID(), cw.n)
		do(c, checker.Request{Kind: checker.OpSetData, Path: cw.Path, Data: val, Version: checker.AnyVersion}, orCreate(c, cw.Path, val, done), done)
		return
	}
	if cw.watching {
		done()
		return
	}
	cw.read(c, done)
}

// read reads the configuration with a watch that re-reads on every change.
func (cw *ConfigWatch) read(c *Client, done func()) {
	cw.watching = true
	watcher := func(checker.WatchEvent) {
		cw.watching = false
		cw.read(c, func() {})
	}
	err := c.DoWatch(checker.Request{Kind: checker.OpExists, Path: cw.Path, Watch: true}, watcher, func(op checker.Operation) {
		if !ok(op) {
			cw.watching = false
		}
		done()
	})
	if err != nil {
		cw.watching = false
		done()
	}
}

// Multi issues multi transactions: create-and-set of a fresh node, and a
// compare-and-set of a shared node through check + setData (which fails as a whole when
// the version moved).
type Multi struct {
	Prefix string
	n      int
}

// Run performs one multi.
func (m *Multi) Run(c *Client, rng *rand.Rand, done func()) {
	if m.Prefix == "" {
		m.Prefix = "/multi"
	}
	m.n++
	shared := m.Prefix + "-shared"
	if rng.IntN(2) == 0 {
		path := fmt.Sprintf("%s-c%d-%d", m.Prefix, c.ID(), m.n)
		do(c, checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{
			{Kind: checker.OpCreate, Path: path, Data: "a"},
			{Kind: checker.OpSetData, Path: path, Data: "b", Version: 0},
		}}, func(checker.Operation) { done() }, done)
		return
	}
	do(c, checker.Request{Kind: checker.OpGetData, Path: shared}, func(op checker.Operation) {
		if !ok(op) {
			done()
			return
		}
		if op.Resp.Err == checker.ErrNoNode {
			orCreate(c, shared, "0", done)(op)
			return
		}
		v := op.Resp.Stat.Version
		do(c, checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{
			{Kind: checker.OpCheck, Path: shared, Version: v},
			{Kind: checker.OpSetData, Path: shared, Data: fmt.Sprintf("c%d-%d", c.ID(), m.n), Version: v},
		}}, func(checker.Operation) { done() }, done)
	}, done)
}

// SessionChurn closes the client's session and opens a new one after Pause.
type SessionChurn struct {
	Pause time.Duration
}

// Run closes and reopens the session.
func (s *SessionChurn) Run(c *Client, rng *rand.Rand, done func()) {
	pause := s.Pause
	if pause <= 0 {
		pause = 500 * time.Millisecond
	}
	if c.State() != StateConnected {
		done()
		return
	}
	c.Close(func() {
		c.After(pause, func() {
			_ = c.Open()
			done()
		})
	})
}
