package checker

import (
	"fmt"
	"math"
	"sort"
)

var watchProperties = []Property{PropWatchOnce, PropWatchOrder}

type watchKind uint8

const (
	watchData watchKind = iota
	watchChild
)

type watchKey struct {
	conn clientKey
	path string
	kind watchKind
}

// registration is one watch set by a read, and the event that consumed it.
type registration struct {
	op       int
	key      watchKey
	consumed int64 // time of the event that fired it, +inf if none
	event    int
	same     int // an earlier registration still outstanding when this one was made, or -1
}

// checkWatches verifies that each registration fires at most once, and that its event
// reaches the client before any reply carrying a zxid at or past the change that fired it
// (so no change is missed, across reconnects too, while the session lives).
func checkWatches(ix *index) []Result {
	h := ix.h
	ops := h.Ops
	var regs []registration
	for i := range ops {
		op := &ops[i]
		if op.Outcome != OutcomeOK || !op.Req.Watch {
			continue
		}
		conn := clientKey{op.Client, op.Session}
		switch {
		case op.Req.Kind == OpExists && (op.Resp.Err == ErrOK || op.Resp.Err == ErrNoNode),
			op.Req.Kind == OpGetData && op.Resp.Err == ErrOK:
			regs = append(regs, registration{op: i, key: watchKey{conn, op.Req.Path, watchData}, consumed: math.MaxInt64, event: -1, same: -1})
		case op.Req.Kind == OpGetChildren && op.Resp.Err == ErrOK:
			regs = append(regs, registration{op: i, key: watchKey{conn, op.Req.Path, watchChild}, consumed: math.MaxInt64, event: -1, same: -1})
		}
	}
	// One timeline of registrations and events, per time; a registration at the same
	// instant as an event comes first, because its reply precedes the notification.
	type item struct {
		time  int64
		isEv  bool
		index int
	}
	items := make([]item, 0, len(regs)+len(h.WatchEvents))
	for r := range regs {
		items = append(items, item{ops[regs[r].op].Return, false, r})
	}
	for e := range h.WatchEvents {
		items = append(items, item{h.WatchEvents[e].Time, true, e})
	}
	sort.SliceStable(items, func(a, b int) bool {
		if items[a].time != items[b].time {
			return items[a].time < items[b].time
		}
		return !items[a].isEv && items[b].isEv
	})
	var out []Result
	outstanding := make(map[watchKey]int)
	for _, it := range items {
		if !it.isEv {
			k := regs[it.index].key
			if r, ok := outstanding[k]; ok {
				// The server keeps one watch per path and kind per connection: this
				// registration is served by the event of the outstanding one.
				regs[it.index].same = r
			} else {
				outstanding[k] = it.index
			}
			continue
		}
		ev := h.WatchEvents[it.index]
		conn := clientKey{ev.Client, ev.Session}
		var kinds []watchKind
		switch ev.Type {
		case EventNodeCreated, EventNodeDataChanged:
			kinds = []watchKind{watchData}
		case EventNodeChildrenChanged:
			kinds = []watchKind{watchChild}
		case EventNodeDeleted:
			kinds = []watchKind{watchData, watchChild}
		}
		fired := false
		for _, kd := range kinds {
			k := watchKey{conn, ev.Path, kd}
			if r, ok := outstanding[k]; ok {
				regs[r].consumed, regs[r].event = ev.Time, it.index
				delete(outstanding, k)
				fired = true
			}
		}
		if !fired {
			out = append(out, Result{Property: PropWatchOnce, Verdict: Fail, WatchEvents: []int{it.index},
				Summary: fmt.Sprintf("client %d got %v for %s at %d ns with no watch outstanding: a watch fires at most once per registration",
					ev.Client, ev.Type, ev.Path, ev.Time)})
		}
	}
	for r := range regs {
		if s := regs[r].same; s >= 0 {
			regs[r].consumed, regs[r].event = regs[s].consumed, regs[s].event
		}
	}
	out = append(out, ix.checkWatchDelivery(regs)...)
	return out
}

// checkWatchDelivery finds, per registration, the first known change that must fire it
// and the first reply to the same connection at or past that change's zxid; the event must
// not come after that reply.
func (ix *index) checkWatchDelivery(regs []registration) []Result {
	ops := ix.h.Ops
	// Per connection: OK replies by return time, with running maximum zxid.
	type reply struct {
		op     int
		ret    int64
		maxZxd int64
	}
	replies := make(map[clientKey][]reply)
	for i := range ops {
		if ops[i].Outcome == OutcomeOK {
			k := clientKey{ops[i].Client, ops[i].Session}
			replies[k] = append(replies[k], reply{op: i, ret: ops[i].Return})
		}
	}
	for k, list := range replies {
		sort.SliceStable(list, func(a, b int) bool { return list[a].ret < list[b].ret })
		m := int64(math.MinInt64)
		for j := range list {
			if z := ops[list[j].op].Zxid; z > m {
				m = z
			}
			list[j].maxZxd = m
		}
		replies[k] = list
	}
	children := ix.childChanges()
	var out []Result
	for _, r := range regs {
		reg := &ops[r.op]
		trigger, trigOp := ix.firstTrigger(r.key, reg.Zxid, children)
		if trigger == math.MaxInt64 {
			continue
		}
		list := replies[r.key.conn]
		from := sort.Search(len(list), func(j int) bool { return list[j].ret > reg.Return })
		at := sort.Search(len(list)-from, func(j int) bool { return list[from+j].maxZxd >= trigger }) + from
		if at >= len(list) {
			continue
		}
		// The first reply at or past the trigger, by return time.
		seen := list[at]
		if r.consumed <= seen.ret {
			continue
		}
		ev := []int(nil)
		late := "never arrived"
		if r.event >= 0 {
			ev = []int{r.event}
			late = fmt.Sprintf("arrived only at %d ns", r.consumed)
		}
		evidence := []int{r.op, seen.op}
		if trigOp >= 0 {
			evidence = append(evidence, trigOp)
		}
		out = append(out, Result{Property: PropWatchOrder, Verdict: Fail, Ops: evidence, WatchEvents: ev,
			Summary: fmt.Sprintf("the watch set by %s was fired by the change at zxid %s, but its event %s, after %s returned zxid %s to the same client at %d ns",
				describeOp(r.op, reg), zx(trigger), late, describeOp(seen.op, &ops[seen.op]), zx(ops[seen.op].Zxid), seen.ret)})
	}
	return out
}

type childChange struct {
	zxid int64
	op   int
}

// childChanges maps each parent path to the creations and deletions of its children.
func (ix *index) childChanges() map[string][]childChange {
	out := make(map[string][]childChange)
	for p, pl := range ix.paths {
		if p == "/" {
			continue
		}
		parent := parentOf(p)
		for _, c := range pl.changes {
			if c.kind == changeCreate || c.kind == changeDelete {
				out[parent] = append(out[parent], childChange{c.zxid, c.op})
			}
		}
	}
	for _, list := range out {
		sort.SliceStable(list, func(a, b int) bool {
			if list[a].zxid != list[b].zxid {
				return list[a].zxid < list[b].zxid
			}
			return list[a].op < list[b].op
		})
	}
	return out
}

// firstTrigger returns the zxid and operation of the first known change after zxid z that
// fires a watch of the key's kind, or MaxInt64 when there is none.
func (ix *index) firstTrigger(k watchKey, z int64, children map[string][]childChange) (int64, int) {
	best, bestOp := int64(math.MaxInt64), -1
	if pl := ix.paths[k.path]; pl != nil {
		at := sort.Search(len(pl.changes), func(j int) bool { return pl.changes[j].zxid > z })
		for j := at; j < len(pl.changes); j++ {
			c := pl.changes[j]
			if k.kind == watchData || c.kind == changeDelete {
				best, bestOp = c.zxid, c.op
				break
			}
		}
	}
	if k.kind == watchChild {
		list := children[k.path]
		at := sort.Search(len(list), func(j int) bool { return list[j].zxid > z })
		if at < len(list) && list[at].zxid < best {
			best, bestOp = list[at].zxid, list[at].op
		}
	}
	return best, bestOp
}
