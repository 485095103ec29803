package checker

import (
	"fmt"
	"maps"
	"sort"
)

// This file generates histories from a simple sequential ZooKeeper model: a random
// sequential execution of operations, then random overlapping invoke/return intervals
// consistent with that real order, then some outcomes turned unknown. Every such history
// is correct by construction, so the checkers must accept it.

type genNode struct {
	data           string
	version        int32
	czxid, mzxid   int64
	owner          int64
	childCreations int32
}

type genTree map[string]genNode

// genSpec sizes a generated history.
type genSpec struct {
	clients, paths, ops              int
	unknownPct                       int // percent of operations whose outcome becomes unknown
	noMulti, noEphemeral, noChildren bool
}

// genStep is one operation of the sequential execution, before timing.
type genStep struct {
	op      Operation
	client  int
	closeOf int64 // a session close at this step instead of an operation
	applied bool  // took effect (zxid consumed)
}

type genFire struct {
	client int
	reg    int // step index of the registering read
	write  int // step index of the change
	typ    WatchEventType
	path   string
}

type generator struct {
	draw  func(lo, hi int) int // inclusive
	spec  genSpec
	tree  genTree
	trees []genTree // trees[z] is the tree after zxid z
	zxid  int64
	seen  []int64 // per client, highest zxid seen in OK replies
	steps []genStep
	fires []genFire
	// watches[client][path] is the step of an outstanding data watch.
	watches []map[string]int
	session []int64 // per client, its current session
	value   int
}

func newGenerator(draw func(lo, hi int) int, spec genSpec) *generator {
	g := &generator{draw: draw, spec: spec, tree: genTree{"/": {}, "/q": {}}}
	g.trees = []genTree{maps.Clone(g.tree)}
	g.seen = make([]int64, spec.clients)
	g.watches = make([]map[string]int, spec.clients)
	for c := range g.watches {
		g.watches[c] = make(map[string]int)
	}
	g.session = make([]int64, spec.clients)
	for c := range g.session {
		g.session[c] = sess + int64(c)
	}
	return g
}

func (g *generator) path() string { return fmt.Sprintf("/k%d", g.draw(0, g.spec.paths-1)) }

func (g *generator) nextValue() string {
	g.value++
	return fmt.Sprintf("v%d", g.value)
}

// commit consumes a zxid for a write (or error transaction) and records the tree.
func (g *generator) commit() int64 {
	g.zxid++
	g.trees = append(g.trees, maps.Clone(g.tree))
	return g.zxid
}

func (g *generator) fire(step int, path string, typ WatchEventType) {
	for c := range g.watches {
		if reg, ok := g.watches[c][path]; ok {
			g.fires = append(g.fires, genFire{client: c, reg: reg, write: step, typ: typ, path: path})
			delete(g.watches[c], path)
		}
	}
}

// apply executes one write on the tree and returns its result code and created path.
func (g *generator) apply(r *Request, session int64, step int, zxid int64, stage genTree) (ErrCode, string) {
	switch r.Kind {
	case OpCreate:
		p := r.Path
		parent := parentOf(p + "x")
		pn, ok := stage[parent]
		if !ok {
			return ErrNoNode, ""
		}
		if r.Sequential {
			p = fmt.Sprintf("%s%010d", r.Path, pn.childCreations)
		}
		if _, ok := stage[p]; ok {
			return ErrNodeExists, ""
		}
		if pn.owner != 0 {
			return ErrNoChildrenForEphemerals, ""
		}
		pn.childCreations++
		stage[parent] = pn
		n := genNode{data: r.Data, czxid: zxid, mzxid: zxid}
		if r.Ephemeral {
			n.owner = session
		}
		stage[p] = n
		return ErrOK, p
	case OpSetData, OpCheck, OpDelete:
		n, ok := stage[r.Path]
		if !ok {
			return ErrNoNode, ""
		}
		if r.Version != AnyVersion && r.Version != n.version {
			return ErrBadVersion, ""
		}
		switch r.Kind {
		case OpSetData:
			n.data, n.version, n.mzxid = r.Data, n.version+1, zxid
			stage[r.Path] = n
		case OpDelete:
			delete(stage, r.Path)
		}
	}
	return ErrOK, ""
}

// write runs a write (possibly a multi) atomically and fires watches if it applied.
func (g *generator) write(c int, req Request) {
	step := len(g.steps)
	session := g.session[c]
	zxid := g.zxid + 1
	stage := maps.Clone(g.tree)
	op := Operation{Client: c, Session: session, Req: req, Outcome: OutcomeOK, Zxid: zxid}
	ok := true
	if req.Kind == OpMulti {
		op.Resp.Results = make([]Response, len(req.Ops))
		for k := range req.Ops {
			if !ok {
				op.Resp.Results[k].Err = ErrRuntimeInconsistency
				continue
			}
			err, p := g.apply(&req.Ops[k], session, step, zxid, stage)
			op.Resp.Results[k] = Response{Err: err, Path: p}
			if err != ErrOK {
				ok = false
				for j := 0; j < k; j++ {
					op.Resp.Results[j] = Response{Err: ErrOK}
				}
			}
		}
	} else {
		err, p := g.apply(&req, session, step, zxid, stage)
		op.Resp = Response{Err: err, Path: p}
		if err == ErrOK && req.Kind == OpSetData {
			op.Resp.HasStat = true
			n := stage[req.Path]
			op.Resp.Stat = Stat{Czxid: n.czxid, Mzxid: n.mzxid, Version: n.version, EphemeralOwner: n.owner}
		}
		ok = err == ErrOK
	}
	before := g.tree
	if ok {
		g.tree = stage
	}
	g.commit()
	g.seen[c] = zxid
	g.steps = append(g.steps, genStep{op: op, client: c, applied: true})
	if ok {
		g.fireDiff(step, before, g.tree)
	}
}

func (g *generator) fireDiff(step int, before, after genTree) {
	var paths []string
	for p := range before {
		paths = append(paths, p)
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, wasThere := before[p]
		a, isThere := after[p]
		switch {
		case wasThere && !isThere:
			g.fire(step, p, EventNodeDeleted)
		case !wasThere && isThere:
			g.fire(step, p, EventNodeCreated)
		case a.mzxid != b.mzxid:
			g.fire(step, p, EventNodeDataChanged)
		}
	}
}

// read answers a getData/exists from the tree at some zxid the client may see.
func (g *generator) read(c int, kind OpKind, path string, fresh bool) {
	z := g.zxid
	if !fresh {
		z = int64(g.draw(int(g.seen[c]), int(g.zxid)))
	}
	tree := g.trees[z]
	op := Operation{Client: c, Session: g.session[c], Req: Request{Kind: kind, Path: path}, Outcome: OutcomeOK, Zxid: z}
	n, ok := tree[path]
	if !ok {
		op.Resp.Err = ErrNoNode
	} else {
		op.Resp.HasStat = true
		op.Resp.Stat = Stat{Czxid: n.czxid, Mzxid: n.mzxid, Version: n.version, EphemeralOwner: n.owner}
		if kind == OpGetData {
			op.Resp.Data = n.data
		}
	}
	// Only a fresh read can register a watch here: a stale one would already owe the
	// events of changes after its zxid, which this model does not replay.
	if fresh && g.draw(0, 2) == 0 && (ok || kind == OpExists) {
		op.Req.Watch = true
		if _, dup := g.watches[c][path]; !dup {
			g.watches[c][path] = len(g.steps)
		}
	}
	g.seen[c] = max(g.seen[c], z)
	g.steps = append(g.steps, genStep{op: op, client: c, applied: true})
}

// readChildren lists /q, where the sequential nodes live, at a zxid the client may see.
func (g *generator) readChildren(c int) {
	z := int64(g.draw(int(g.seen[c]), int(g.zxid)))
	op := Operation{Client: c, Session: g.session[c], Req: Request{Kind: OpGetChildren, Path: "/q"}, Outcome: OutcomeOK, Zxid: z}
	for p := range g.trees[z] {
		if parentOf(p) == "/q" {
			op.Resp.Children = append(op.Resp.Children, p[len("/q/"):])
		}
	}
	sort.Strings(op.Resp.Children)
	g.seen[c] = max(g.seen[c], z)
	g.steps = append(g.steps, genStep{op: op, client: c, applied: true})
}

func (g *generator) sync(c int) {
	op := Operation{Client: c, Session: g.session[c], Req: Request{Kind: OpSync, Path: "/"}, Outcome: OutcomeOK, Zxid: g.zxid}
	g.seen[c] = g.zxid
	g.steps = append(g.steps, genStep{op: op, client: c, applied: true})
}

// closeSession ends the client's session (deleting its ephemerals, dropping its watches)
// and starts a new one.
func (g *generator) closeSession(c int) {
	session := g.session[c]
	before := g.tree
	g.tree = maps.Clone(g.tree)
	for p, n := range g.tree {
		if n.owner == session {
			delete(g.tree, p)
		}
	}
	z := g.commit()
	step := len(g.steps)
	g.watches[c] = make(map[string]int)
	g.steps = append(g.steps, genStep{client: c, closeOf: session, applied: true, op: Operation{Zxid: z}})
	g.fireDiff(step, before, g.tree)
	g.session[c] += 1 << 16
}

func (g *generator) run() {
	for range g.spec.ops {
		c := g.draw(0, g.spec.clients-1)
		version := AnyVersion
		if g.draw(0, 1) == 0 {
			version = int32(g.draw(0, 2))
		}
		switch g.draw(0, 15) {
		case 15:
			if !g.spec.noChildren {
				g.readChildren(c)
			}
		case 0, 1:
			g.write(c, Request{Kind: OpCreate, Path: g.path(), Data: g.nextValue()})
		case 2:
			g.write(c, Request{Kind: OpCreate, Path: g.path(), Data: g.nextValue(), Ephemeral: !g.spec.noEphemeral})
		case 3, 4:
			g.write(c, Request{Kind: OpSetData, Path: g.path(), Data: g.nextValue(), Version: version})
		case 5:
			g.write(c, Request{Kind: OpDelete, Path: g.path(), Version: version})
		case 6:
			g.write(c, Request{Kind: OpCreate, Path: "/q/s-", Sequential: true, Data: g.nextValue()})
		case 7:
			if g.spec.noMulti {
				g.write(c, Request{Kind: OpSetData, Path: g.path(), Data: g.nextValue(), Version: version})
				break
			}
			g.write(c, Request{Kind: OpMulti, Ops: []Request{
				{Kind: OpCreate, Path: g.path(), Data: g.nextValue()},
				{Kind: OpSetData, Path: g.path(), Data: g.nextValue(), Version: version},
			}})
		case 8, 9, 10:
			g.read(c, OpGetData, g.path(), g.draw(0, 1) == 0)
		case 11:
			g.read(c, OpExists, g.path(), g.draw(0, 1) == 0)
		case 12, 13:
			g.sync(c)
			g.read(c, OpGetData, g.path(), true)
		case 14:
			if g.draw(0, 3) == 0 {
				g.closeSession(c)
			}
		}
	}
}

// history assigns times and outcomes: step i takes effect at 100*i; each operation's
// interval contains its point, and a client's intervals do not overlap.
func (g *generator) history() *History {
	const gap = 100
	n := len(g.steps)
	next := make([]int, n) // next step of the same client, or n
	last := make(map[int]int)
	for i := n - 1; i >= 0; i-- {
		c := g.steps[i].client
		if j, ok := last[c]; ok {
			next[i] = j
		} else {
			next[i] = n
		}
		last[c] = i
	}
	invoke := make([]int64, n)
	ret := make([]int64, n)
	prevRet := make(map[int]int64)
	for i := range g.steps {
		c := g.steps[i].client
		t := int64(gap * (i + 1))
		lo := t - int64(g.draw(0, 3*gap))
		if p, ok := prevRet[c]; ok && lo <= p {
			lo = p + 1
		}
		invoke[i] = lo
		hi := t + int64(g.draw(0, 3*gap))
		if limit := int64(gap*(next[i]+1)) - 1; hi > limit {
			hi = limit
		}
		ret[i] = hi
		prevRet[c] = hi
	}
	h := &History{}
	index := make([]int, n)
	for i, s := range g.steps {
		index[i] = -1
		if s.closeOf != 0 {
			h.SessionEvents = append(h.SessionEvents, SessionEvent{Client: s.client, Session: s.closeOf, Time: ret[i], Kind: SessionClosed, Zxid: s.op.Zxid})
			continue
		}
		op := s.op
		op.Invoke, op.Return = invoke[i], ret[i]
		op.Server = s.client % 3
		if g.draw(0, 99) < g.spec.unknownPct && !op.Req.Watch {
			op.Outcome, op.Resp, op.Zxid = OutcomeUnknown, Response{}, 0
		}
		index[i] = len(h.Ops)
		h.Ops = append(h.Ops, op)
	}
	for _, f := range g.fires {
		if index[f.reg] < 0 || h.Ops[index[f.reg]].Outcome != OutcomeOK {
			continue
		}
		// The connection is FIFO: the event follows every reply to requests the server
		// handled before the change.
		at := int64(gap * (f.write + 1))
		for j := f.write - 1; j >= 0; j-- {
			if g.steps[j].client == f.client {
				at = max(at, ret[j])
				break
			}
		}
		h.WatchEvents = append(h.WatchEvents, WatchEvent{Client: f.client, Session: h.Ops[index[f.reg]].Session, Time: at, Type: f.typ, Path: f.path, Zxid: g.steps[f.write].op.Zxid})
	}
	return h
}

// genHistory builds one correct history.
func genHistory(draw func(lo, hi int) int, spec genSpec) *History {
	g := newGenerator(draw, spec)
	g.run()
	return g.history()
}
