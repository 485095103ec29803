package checker

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// orderProperties are the properties checkOrder decides.
var orderProperties = []Property{PropWriteOrder, PropMonotonicZxid, PropReadState, PropReadYourWrites, PropSequential}

// checkOrder verifies ZooKeeper's ordering promise from the zxids every reply carries: one
// total order of writes consistent with real time, per-connection zxids that never go
// backwards, reads that return the state at some zxid no older than what the client had
// seen, and sequential names that are unique and grow with the zxid order.
func checkOrder(ix *index) []Result {
	var out []Result
	out = append(out, checkWriteOrder(ix)...)
	out = append(out, checkMonotonic(ix)...)
	out = append(out, checkReads(ix)...)
	out = append(out, checkSequential(ix)...)
	return out
}

func checkWriteOrder(ix *index) []Result {
	ops := ix.h.Ops
	var out []Result
	for _, d := range ix.writeDup {
		a, b := &ops[d[0]], &ops[d[1]]
		out = append(out, Result{
			Property: PropWriteOrder, Verdict: Fail, Ops: []int{d[0], d[1]},
			Summary: fmt.Sprintf("%s and %s were both acknowledged with zxid %s, but a zxid names exactly one transaction",
				describeOp(d[0], a), describeOp(d[1], b), zx(a.Zxid)),
		})
	}
	// A write invoked after another reply returned must be ordered after it: the replied
	// zxid was committed, and every later transaction gets a larger one.
	var returned, writes []int
	for i := range ops {
		if ops[i].Outcome != OutcomeOK {
			continue
		}
		returned = append(returned, i)
		if ops[i].Req.Kind.IsWrite() {
			writes = append(writes, i)
		}
	}
	slices.SortStableFunc(returned, func(a, b int) int { return cmp.Compare(ops[a].Return, ops[b].Return) })
	slices.SortStableFunc(writes, func(a, b int) int { return cmp.Compare(ops[a].Invoke, ops[b].Invoke) })
	maxZ, maxOp := int64(-1), -1
	r := 0
	for _, w := range writes {
		for r < len(returned) && ops[returned[r]].Return < ops[w].Invoke {
			if z := ops[returned[r]].Zxid; z > maxZ {
				maxZ, maxOp = z, returned[r]
			}
			r++
		}
		if maxOp >= 0 && maxZ >= ops[w].Zxid {
			out = append(out, Result{
				Property: PropWriteOrder, Verdict: Fail, Ops: []int{maxOp, w},
				Summary: fmt.Sprintf("%s was invoked after %s returned zxid %s, yet was committed at the earlier or equal zxid %s",
					describeOp(w, &ops[w]), describeOp(maxOp, &ops[maxOp]), zx(maxZ), zx(ops[w].Zxid)),
			})
		}
	}
	return out
}

func checkMonotonic(ix *index) []Result {
	ops := ix.h.Ops
	var out []Result
	for _, list := range ix.replies {
		maxZ, maxOp := int64(-1), -1
		for _, i := range list {
			if maxOp >= 0 && ops[i].Zxid < maxZ {
				out = append(out, Result{
					Property: PropMonotonicZxid, Verdict: Fail, Ops: []int{maxOp, i},
					Summary: fmt.Sprintf("session %#x saw zxid %s in %s after it had already seen %s in %s: a client's view went backwards (servers %d then %d)",
						ops[i].Session, zx(ops[i].Zxid), describeOp(i, &ops[i]), zx(maxZ), describeOp(maxOp, &ops[maxOp]), ops[maxOp].Server, ops[i].Server),
				})
				continue
			}
			if ops[i].Zxid > maxZ {
				maxZ, maxOp = ops[i].Zxid, i
			}
		}
	}
	return out
}

func checkReads(ix *index) []Result {
	ops := ix.h.Ops
	var out []Result
	var children map[string][]knownChild
	for i := range ops {
		op := &ops[i]
		if op.Outcome == OutcomeOK && op.Req.Kind == OpGetChildren && op.Resp.Err == ErrOK {
			if children == nil {
				children = ix.childPaths()
			}
			out = append(out, ix.checkChildrenRead(i, op, children)...)
			continue
		}
		if op.Outcome != OutcomeOK || (op.Req.Kind != OpGetData && op.Req.Kind != OpExists) {
			continue
		}
		switch {
		case op.Resp.Err == ErrOK && op.Resp.HasStat:
			if r, bad := ix.checkPresentRead(i, op); bad {
				out = append(out, r)
			}
		case op.Resp.Err == ErrNoNode:
			if r, bad := ix.checkAbsentRead(i, op); bad {
				out = append(out, r)
			}
		}
	}
	return out
}

// checkPresentRead judges a read that found the node: the Stat's mzxid names the write it
// observed, which must exist, carry the data read, and not have been overwritten at or
// before the client's last seen zxid.
func (ix *index) checkPresentRead(i int, op *Operation) (Result, bool) {
	m := op.Resp.Stat.Mzxid
	lower := ix.lower[i]
	fail := func(p Property, evidence []int, format string, args ...any) (Result, bool) {
		return Result{Property: p, Verdict: Fail, Ops: append([]int{i}, evidence...), Summary: fmt.Sprintf(format, args...)}, true
	}
	if m > op.Zxid {
		return fail(PropReadState, nil, "%s observed a write at zxid %s, after the zxid %s its reply was stamped with",
			describeOp(i, op), zx(m), zx(op.Zxid))
	}
	pl := ix.paths[op.Req.Path]
	lo, hi := 0, 0
	if pl != nil {
		lo, hi = pl.changesAt(m)
	}
	if lo == hi {
		if j, ok := ix.txn[m]; ok {
			return fail(PropReadState, []int{j}, "%s reports its data was last written at zxid %s, but that transaction is %s, which did not write this node",
				describeOp(i, op), zx(m), describeOp(j, &ix.h.Ops[j]))
		}
		if !ix.unknownCouldWrite(pl, op) {
			return fail(PropReadState, nil, "%s returned data %q from zxid %s, but no write in the history could have produced it",
				describeOp(i, op), op.Resp.Data, zx(m))
		}
	} else {
		c := pl.changes[hi-1]
		if c.kind == changeDelete {
			return fail(PropReadState, evidenceOf(c), "%s found the node at zxid %s, but the transaction at that zxid deleted it",
				describeOp(i, op), zx(m))
		}
		if op.Req.Kind == OpGetData && c.data != op.Resp.Data {
			return fail(PropReadState, evidenceOf(c), "%s returned %q, but the write at its mzxid %s stored %q",
				describeOp(i, op), op.Resp.Data, zx(m), c.data)
		}
		if c.czxid != 0 && !pl.unknownCreates && c.czxid != op.Resp.Stat.Czxid {
			return fail(PropReadState, evidenceOf(c), "%s reports czxid %s, but the node written at zxid %s was created at %s",
				describeOp(i, op), zx(op.Resp.Stat.Czxid), zx(m), zx(c.czxid))
		}
	}
	if pl == nil || hi >= len(pl.changes) {
		return Result{}, false
	}
	next := pl.changes[hi]
	if next.zxid > lower {
		return Result{}, false
	}
	prop := PropReadState
	why := "a read must reflect at least the state the client had already seen"
	switch {
	case next.session >= 0:
		prop = PropEphemeral
		why = "its owner's session had already closed"
	case next.op >= 0 && ix.h.Ops[next.op].Client == op.Client && ix.h.Ops[next.op].Session == op.Session:
		prop = PropReadYourWrites
		why = "the client's own earlier write must be visible to its later reads"
	}
	r := Result{Property: prop, Verdict: Fail, Ops: append([]int{i}, evidenceOf(next)...),
		Summary: fmt.Sprintf("%s observed the state written at zxid %s, but the node was changed again at %s, no later than the zxid %s the client had already seen; %s",
			describeOp(i, op), zx(m), zx(next.zxid), zx(lower), why)}
	if next.session >= 0 {
		r.SessionEvents = []int{next.session}
	}
	return r, true
}

func evidenceOf(c change) []int {
	if c.op >= 0 {
		return []int{c.op}
	}
	return nil
}

// unknownCouldWrite reports whether an operation with an unknown outcome, invoked before
// the read returned, may have written what the read returned.
func (ix *index) unknownCouldWrite(pl *pathLog, read *Operation) bool {
	matches := func(req *Request) bool {
		if req.Kind != OpCreate && req.Kind != OpSetData {
			return false
		}
		return read.Req.Kind != OpGetData || req.Data == read.Resp.Data
	}
	try := func(j int, path string, seq bool) bool {
		u := &ix.h.Ops[j]
		if u.Invoke > read.Return {
			return false
		}
		if u.Req.Kind == OpMulti {
			for k := range u.Req.Ops {
				sub := &u.Req.Ops[k]
				if (sub.Path == path || (seq && sub.Sequential)) && matches(sub) {
					return true
				}
			}
			return false
		}
		return matches(&u.Req)
	}
	if pl != nil {
		for _, j := range pl.unknown {
			if try(j, read.Req.Path, false) {
				return true
			}
		}
	}
	for _, j := range ix.seqPaths[parentOf(read.Req.Path)] {
		if try(j, read.Req.Path, true) {
			return true
		}
	}
	return false
}

// checkAbsentRead judges a read that found no node: there must be a zxid between the
// client's last seen and the reply's zxid at which the node may have been absent.
func (ix *index) checkAbsentRead(i int, op *Operation) (Result, bool) {
	lower, upper := ix.lower[i], op.Zxid
	pr, live, s := ix.presence(op.Req.Path, lower, upper, op.Return)
	switch pr {
	case mayBeAbsent:
		return Result{}, false
	case ephemeralLived:
		return Result{Property: PropEphemeral, Verdict: Fail, Ops: append([]int{i}, evidenceOf(live)...),
			Summary: fmt.Sprintf("%s found no node, but the ephemeral node was created at %s and its owner session %#x was still served at zxid %s, not before this read's zxid %s",
				describeOp(i, op), zx(live.czxid), live.owner, zx(s.alive), zx(upper))}, true
	}
	prop := PropReadState
	if live.op >= 0 && ix.h.Ops[live.op].Client == op.Client && ix.h.Ops[live.op].Session == op.Session {
		prop = PropReadYourWrites
	}
	return Result{Property: prop, Verdict: Fail, Ops: append([]int{i}, evidenceOf(live)...),
		Summary: fmt.Sprintf("%s found no node, but the node existed at every zxid from the client's last seen %s to the reply's %s (written at %s)",
			describeOp(i, op), zx(lower), zx(upper), zx(live.zxid))}, true
}

// presence says whether a path may have been absent at some zxid of a read's window.
type presence uint8

const (
	mayBeAbsent    presence = iota
	surelyPresent           // known present at every zxid of the window
	ephemeralLived          // likewise, because its owner session was served later
)

// presence judges path over the zxid window [lower, upper] of a read that returned at
// time before, returning the live change and, for an ephemeral, its owner session.
func (ix *index) presence(path string, lower, upper, before int64) (presence, change, *sessionInfo) {
	return ix.presenceOf(ix.paths[path], path, lower, upper, before)
}

// presenceOf is presence for the path's known log pl (nil if none).
func (ix *index) presenceOf(pl *pathLog, path string, lower, upper, before int64) (presence, change, *sessionInfo) {
	if pl == nil {
		return mayBeAbsent, change{}, nil
	}
	at, _ := slices.BinarySearchFunc(pl.changes, lower+1, func(c change, z int64) int { return cmp.Compare(c.zxid, z) })
	if at == 0 || pl.changes[at-1].kind == changeDelete {
		return mayBeAbsent, change{}, nil // absent at the lower bound
	}
	live := pl.changes[at-1]
	for k := at; k < len(pl.changes) && pl.changes[k].zxid <= upper; k++ {
		if pl.changes[k].kind == changeDelete {
			return mayBeAbsent, live, nil
		}
	}
	for _, j := range pl.unknown {
		u := &ix.h.Ops[j]
		if u.Invoke > before {
			continue
		}
		if u.Req.Kind == OpDelete {
			return mayBeAbsent, live, nil
		}
		for k := range u.Req.Ops {
			if u.Req.Ops[k].Kind == OpDelete && u.Req.Ops[k].Path == path {
				return mayBeAbsent, live, nil
			}
		}
	}
	if pl.unknownEphemeral {
		return mayBeAbsent, live, nil // an unknown ephemeral incarnation may have died with its session
	}
	if live.owner == 0 {
		return surelyPresent, live, nil
	}
	// A replayed closeSession is already a change above. Otherwise the close may come at
	// any zxid after the last one the session was served at.
	s := ix.sessions[live.owner]
	if s != nil && s.endZxid != 0 {
		if s.endZxid <= upper {
			return mayBeAbsent, live, s
		}
		return surelyPresent, live, s
	}
	if s == nil || !s.hasAlive || s.alive < upper {
		return mayBeAbsent, live, s
	}
	return ephemeralLived, live, s
}

// checkChildrenRead judges a getChildren: every child listed was created by some write,
// and every child known present over the whole window is listed.
func (ix *index) checkChildrenRead(i int, op *Operation, children map[string][]knownChild) []Result {
	var out []Result
	parent := op.Req.Path
	prefix := parent + "/"
	if parent == "/" {
		prefix = "/"
	}
	listed := make(map[string]bool, len(op.Resp.Children))
	for _, name := range op.Resp.Children {
		p := prefix + name
		listed[p] = true
		pl := ix.paths[p]
		created := pl != nil && pl.unknownCreates
		if pl != nil {
			for _, c := range pl.changes {
				created = created || (c.kind == changeCreate && c.zxid <= op.Zxid)
			}
		}
		if !created && len(ix.seqPaths[parent]) == 0 && p != "/zookeeper" {
			out = append(out, Result{Property: PropReadState, Verdict: Fail, Ops: []int{i},
				Summary: fmt.Sprintf("%s listed child %q, which no write in the history created by zxid %s", describeOp(i, op), name, zx(op.Zxid))})
		}
	}
	lower := ix.lower[i]
	for _, c := range children[parent] {
		if c.first > lower || c.gone <= lower || listed[c.path] {
			continue // absent at the lower bound (presence would say so), or listed
		}
		p := c.path
		if pr, live, _ := ix.presenceOf(c.pl, p, lower, op.Zxid, op.Return); pr != mayBeAbsent {
			out = append(out, Result{Property: PropReadState, Verdict: Fail, Ops: append([]int{i}, evidenceOf(live)...),
				Summary: fmt.Sprintf("%s did not list %s, which existed at every zxid from the client's last seen %s to the reply's %s",
					describeOp(i, op), p, zx(ix.lower[i]), zx(op.Zxid))})
		}
	}
	return out
}

// seqCreate is one successful sequential creation.
type seqCreate struct {
	op, sub int
	zxid    int64
	parent  string
	path    string
	n       int64
}

func checkSequential(ix *index) []Result {
	ops := ix.h.Ops
	var out []Result
	var all []seqCreate
	add := func(i, sub int, op *Operation, req *Request, resp *Response) {
		if req.Kind != OpCreate || !req.Sequential {
			return
		}
		p := createdPath(req, resp)
		if len(p) != len(req.Path)+10 || p[:len(req.Path)] != req.Path {
			out = append(out, Result{Property: PropSequential, Verdict: Fail, Ops: []int{i},
				Summary: fmt.Sprintf("%s asked for a sequential node under %q but was given %q, which is not that prefix and a 10-digit counter",
					describeOp(i, op), req.Path, p)})
			return
		}
		n, err := strconv.ParseInt(p[len(req.Path):], 10, 64)
		if err != nil || n < 0 {
			out = append(out, Result{Property: PropSequential, Verdict: Fail, Ops: []int{i},
				Summary: fmt.Sprintf("%s was given %q, whose suffix is not a decimal counter", describeOp(i, op), p)})
			return
		}
		all = append(all, seqCreate{op: i, sub: sub, zxid: op.Zxid, parent: parentOf(p), path: p, n: n})
	}
	for i := range ops {
		op := &ops[i]
		if !op.Succeeded() {
			continue
		}
		if op.Req.Kind == OpMulti {
			for k := range op.Req.Ops {
				if k < len(op.Resp.Results) {
					add(i, k, op, &op.Req.Ops[k], &op.Resp.Results[k])
				}
			}
			continue
		}
		add(i, 0, op, &op.Req, &op.Resp)
	}
	sort.SliceStable(all, func(a, b int) bool {
		x, y := all[a], all[b]
		if x.parent != y.parent {
			return x.parent < y.parent
		}
		if x.zxid != y.zxid {
			return x.zxid < y.zxid
		}
		return x.sub < y.sub
	})
	names := make(map[string]int)
	for k, c := range all {
		if j, dup := names[c.path]; dup {
			out = append(out, Result{Property: PropSequential, Verdict: Fail, Ops: []int{j, c.op},
				Summary: fmt.Sprintf("%s and %s were both given the sequential name %q", describeOp(j, &ops[j]), describeOp(c.op, &ops[c.op]), c.path)})
			continue
		}
		names[c.path] = c.op
		if k > 0 && all[k-1].parent == c.parent && all[k-1].n >= c.n {
			p := all[k-1]
			out = append(out, Result{Property: PropSequential, Verdict: Fail, Ops: []int{p.op, c.op},
				Summary: fmt.Sprintf("under %s, counter %d (zxid %s, %s) is not below counter %d (zxid %s, %s): sequence numbers must grow in zxid order",
					c.parent, p.n, zx(p.zxid), describeOp(p.op, &ops[p.op]), c.n, zx(c.zxid), describeOp(c.op, &ops[c.op]))})
		}
	}
	return out
}

// knownChild is a path of the history under its parent, with the zxids that bound
// when it can have existed: a getChildren judges thousands of churned children, and
// most were absent throughout its window.
type knownChild struct {
	path  string
	pl    *pathLog
	first int64 // zxid of its first known change: absent before (MaxInt64 if none)
	gone  int64 // zxid of its last change if a delete: absent from then on (else MaxInt64)
}

// childPaths maps each parent to its known children, sorted by path.
func (ix *index) childPaths() map[string][]knownChild {
	out := make(map[string][]knownChild)
	for p, pl := range ix.paths {
		if p == "/" {
			continue
		}
		c := knownChild{path: p, pl: pl, first: math.MaxInt64, gone: math.MaxInt64}
		if n := len(pl.changes); n > 0 {
			c.first = pl.changes[0].zxid
			if last := pl.changes[n-1]; last.kind == changeDelete {
				c.gone = last.zxid
			}
		}
		out[parentOf(p)] = append(out[parentOf(p)], c)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b knownChild) int { return strings.Compare(a.path, b.path) })
	}
	return out
}
