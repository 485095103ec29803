package checker

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
)

// nodeState is one znode in the linearizability model.
type nodeState struct {
	exists  bool
	data    string
	version int32
	owner   int64
}

// linState is the model state of one partition: one node per partition path. A nil
// linState is the initial state.
type linState []nodeState

// partition is a set of paths whose operations must be judged together (a multi joins
// the partitions of the paths it touches).
type partition struct {
	paths []string
	ops   []*linOp
	// ambiguous is set when an unknown operation may have failed for a reason outside the
	// partition (a parent or a child not modelled), so the model must branch.
	ambiguous bool
}

func (p *partition) initial() linState {
	st := make(linState, len(p.paths))
	for i, path := range p.paths {
		if path == "/" || path == "/zookeeper" {
			st[i].exists = true
		}
	}
	return st
}

// linSub is one modelled sub-operation with its partition-local indices.
type linSub struct {
	req    *Request
	resp   *Response // nil when not known
	local  int       // -1: touches nothing modelled (an unknown sequential create)
	parent int       // local index of the parent, -1 when outside the partition
	// external marks what the partition cannot see: a parent outside it (create) or
	// possible children (delete).
	external bool
}

// linOp is one operation as the linearizability model sees it.
type linOp struct {
	idx     int // index in History.Ops; -1 for a session's closing of an ephemeral
	part    *partition
	subs    []linSub
	unknown bool
	// optional marks an unknown operation bounded by a later reply to the same session:
	// it took effect before that reply or never.
	optional bool
	read     bool // a read after sync, judged only in strict mode
	// isClose marks a synthetic close: the end of session closeOf deletes the node if
	// that session still owns it. closeOf may be 0: a create invoked before the client
	// had a session is sent on the one it gets next, unknown to the history.
	isClose bool
	closeOf int64
	// sessionID owns the ephemerals the operation creates.
	sessionID int64
	paths     []string // per sub-operation, the path it touches ("" for none)
	call      int64
	ret       int64
	client    int
}

// execSub applies one sub-operation to st in place and returns the model's result code
// and whether a failure outside the partition could have happened instead.
func execSub(st linState, s *linSub, session int64) (ErrCode, bool) {
	if s.local < 0 {
		return ErrOK, true
	}
	n := &st[s.local]
	switch s.req.Kind {
	case OpCreate:
		if s.parent >= 0 && !st[s.parent].exists {
			return ErrNoNode, false
		}
		if n.exists {
			return ErrNodeExists, false
		}
		if s.parent >= 0 && st[s.parent].owner != 0 {
			return ErrNoChildrenForEphemerals, false
		}
		*n = nodeState{exists: true, data: s.req.Data}
		if s.req.Ephemeral {
			n.owner = session
		}
		return ErrOK, s.external
	case OpDelete:
		if !n.exists {
			return ErrNoNode, false
		}
		if s.req.Version != AnyVersion && s.req.Version != n.version {
			return ErrBadVersion, false
		}
		*n = nodeState{}
		return ErrOK, s.external
	case OpSetData, OpCheck:
		if !n.exists {
			return ErrNoNode, false
		}
		if s.req.Version != AnyVersion && s.req.Version != n.version {
			return ErrBadVersion, false
		}
		if s.req.Kind == OpSetData {
			n.data = s.req.Data
			if n.version == math.MaxInt32 {
				n.version = 0 // -1 means "any version", so the counter skips it
			} else {
				n.version++
			}
		}
		return ErrOK, false
	}
	return ErrOK, false
}

// externalErr reports whether err is a failure the partition cannot see for that kind.
func externalErr(kind OpKind, err ErrCode) bool {
	switch kind {
	case OpCreate:
		return err == ErrNoNode || err == ErrNoChildrenForEphemerals
	case OpDelete:
		return err == ErrNotEmpty
	}
	return false
}

// modelledErr reports whether the model decides err (other codes carry no information).
func modelledErr(err ErrCode) bool {
	switch err {
	case ErrOK, ErrNoNode, ErrNodeExists, ErrBadVersion, ErrNotEmpty, ErrNoChildrenForEphemerals:
		return true
	}
	return false
}

// step returns the states the model may reach from st by op; none means op is illegal.
func (op *linOp) step(st linState) []linState {
	if st == nil {
		st = op.part.initial()
	}
	if op.isClose {
		n := st[op.subs[0].local]
		if !n.exists || n.owner != op.closeOf {
			return []linState{st}
		}
		next := append(linState(nil), st...)
		next[op.subs[0].local] = nodeState{}
		return []linState{next}
	}
	if op.read {
		return op.stepRead(st)
	}

	if op.unknown {
		res := op.applyUnknown(st)
		if op.optional {
			res = appendUnique(res, st)
		}
		return res
	}
	session := op.sessionID
	next := append(linState(nil), st...)
	// A reply: find the sub-operation the server says failed, if any.
	failAt, failErr := -1, ErrOK
	for k := range op.subs {
		if r := op.subs[k].resp; r != nil && r.Err != ErrOK {
			failAt, failErr = k, r.Err
			break
		}
	}
	if failAt >= 0 && !modelledErr(failErr) {
		return []linState{st}
	}
	for k := range op.subs {
		s := &op.subs[k]
		err, ext := execSub(next, s, session)
		if k == failAt {
			if err == failErr || (err == ErrOK && ext && externalErr(s.req.Kind, failErr)) {
				return []linState{st}
			}
			return nil
		}
		if err != ErrOK {
			return nil
		}
		if !stepOutputOK(next, s) {
			return nil
		}
	}
	return []linState{next}
}

// applyUnknown returns the states an unknown operation may leave: applied if it would
// succeed, and also unchanged when a failure outside the partition was possible. (Not
// having happened at all is expressed by its late return, or by optional.)
func (op *linOp) applyUnknown(st linState) []linState {
	next := append(linState(nil), st...)
	external := false
	for k := range op.subs {
		err, ext := execSub(next, &op.subs[k], op.sessionID)
		external = external || ext
		if err != ErrOK {
			return []linState{st}
		}
	}
	if external {
		return []linState{next, st}
	}
	return []linState{next}
}

func appendUnique(states []linState, s linState) []linState {
	for _, x := range states {
		if equalStates(x, s) {
			return states
		}
	}
	return append(states, s)
}

// stepOutputOK checks the Stat a successful write reply carries against the model.
func stepOutputOK(st linState, s *linSub) bool {
	if s.resp == nil || !s.resp.HasStat || s.local < 0 {
		return true
	}
	n := st[s.local]
	switch s.req.Kind {
	case OpCreate, OpSetData:
		return s.resp.Stat.Version == n.version
	}
	return true
}

func (op *linOp) stepRead(st linState) []linState {
	s := &op.subs[0]
	n := st[s.local]
	r := s.resp
	switch r.Err {
	case ErrNoNode:
		if n.exists {
			return nil
		}
	case ErrOK:
		if !n.exists {
			return nil
		}
		if s.req.Kind == OpGetData && r.Data != n.data {
			return nil
		}
		if r.HasStat && r.Stat.Version != n.version {
			return nil
		}
	}
	return []linState{st}
}

func equalStates(a, b linState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var stateSeed = maphash.MakeSeed()

func hashState(st linState) uint64 {
	var h maphash.Hash
	h.SetSeed(stateSeed)
	for _, n := range st {
		if n.exists {
			h.WriteByte(1)
			h.WriteString(n.data)
			fmt.Fprint(&h, n.version, n.owner)
		} else {
			h.WriteByte(0)
		}
	}
	return h.Sum64()
}

func describeLinOp(in any) string {
	op := in.(*linOp)
	if op.isClose {
		if op.closeOf < 0 {
			return fmt.Sprintf("the session #%d went out on ends: %s", -op.closeOf-1, op.part.paths[op.subs[0].local])
		}
		return fmt.Sprintf("session %#x ends: %s", op.closeOf, op.part.paths[op.subs[0].local])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d ", op.idx)
	for k, s := range op.subs {
		if k > 0 {
			b.WriteString("; ")
		}
		path := s.req.Path
		if s.local >= 0 {
			path = op.part.paths[s.local]
		}
		switch s.req.Kind {
		case OpCreate, OpSetData:
			fmt.Fprintf(&b, "%v(%s, %q", s.req.Kind, path, s.req.Data)
			if s.req.Kind == OpSetData {
				fmt.Fprintf(&b, ", v%d", s.req.Version)
			}
			b.WriteString(")")
		case OpDelete, OpCheck:
			fmt.Fprintf(&b, "%v(%s, v%d)", s.req.Kind, path, s.req.Version)
		default:
			fmt.Fprintf(&b, "%v(%s)", s.req.Kind, path)
		}
		switch {
		case op.unknown:
			b.WriteString(" -> ?")
		case s.resp != nil && s.resp.Err != ErrOK:
			fmt.Fprintf(&b, " -> err %d", s.resp.Err)
		case s.resp != nil && s.req.Kind == OpGetData:
			fmt.Fprintf(&b, " -> %q v%d", s.resp.Data, s.resp.Stat.Version)
		case s.resp != nil && s.req.Kind == OpExists:
			b.WriteString(" -> exists")
		default:
			b.WriteString(" -> ok")
		}
	}
	return b.String()
}

func describeLinState(st any) string {
	s, _ := st.(linState)
	if s == nil {
		return "initial"
	}
	parts := make([]string, len(s))
	for i, n := range s {
		if n.exists {
			parts[i] = fmt.Sprintf("%q v%d", n.data, n.version)
			if n.owner != 0 {
				parts[i] += fmt.Sprintf(" eph %#x", n.owner)
			}
		} else {
			parts[i] = "absent"
		}
	}
	return strings.Join(parts, ", ")
}

func detModel() porcupine.Model {
	return porcupine.Model{
		Init: func() any { return linState(nil) },
		Step: func(state, input, _ any) (bool, any) {
			next := input.(*linOp).step(state.(linState))
			if len(next) == 0 {
				return false, nil
			}
			return true, next[0]
		},
		Equal:             func(a, b any) bool { return equalStates(a.(linState), b.(linState)) },
		Hash:              func(s any) uint64 { return hashState(s.(linState)) },
		DescribeOperation: func(in, _ any) string { return describeLinOp(in) },
		DescribeState:     describeLinState,
	}
}

func nondetModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{linState(nil)} },
		Step: func(state, input, _ any) []any {
			next := input.(*linOp).step(state.(linState))
			out := make([]any, len(next))
			for i := range next {
				out[i] = next[i]
			}
			return out
		},
		Equal: func(a, b any) bool {
			x, y := a.(linState), b.(linState)
			if x == nil || y == nil {
				return x == nil && y == nil
			}
			return equalStates(x, y)
		},
		Hash:              func(s any) uint64 { return hashState(s.(linState)) },
		DescribeOperation: func(in, _ any) string { return describeLinOp(in) },
		DescribeState:     describeLinState,
	}
	return nm.ToModel()
}

// buildPartitions groups the operations the model judges by the paths they touch. With
// strict set, reads that follow an OK sync on the same connection (syncReads) join in.
func buildPartitions(h *History, strict bool) []*partition {
	end := int64(0)
	for i := range h.Ops {
		end = max(end, h.Ops[i].Return, h.Ops[i].Invoke)
	}
	for _, ev := range h.SessionEvents {
		end = max(end, ev.Time)
	}
	end++
	synced := map[int]int{}
	if strict {
		synced = syncReads(h)
	}
	closedAt := make(map[int64]int64)
	for _, ev := range h.SessionEvents {
		if ev.Kind == SessionClosed {
			if t, ok := closedAt[ev.Session]; !ok || ev.Time < t {
				closedAt[ev.Session] = ev.Time
			}
		}
	}
	var ops []*linOp
	for i := range h.Ops {
		if lo := newLinOp(h, i, synced, end); lo != nil {
			ops = append(ops, lo)
			ops = append(ops, closesFor(h, lo, closedAt, end)...)
		}
	}
	for _, lo := range namesOfUnknownCreates(h, ops, end) {
		ops = append(ops, lo)
		ops = append(ops, closesFor(h, lo, closedAt, end)...)
	}
	newZxidOrder(h).tighten(h, ops)
	boundBySession(h, ops)
	// Which paths may have children: a delete of such a path may fail with NOTEMPTY.
	parents := make(map[string]bool)
	for _, lo := range ops {
		for k, p := range lo.paths {
			if p != "" {
				parents[parentOf(p)] = true
			} else if r := lo.subs[k].req; r.Kind == OpCreate && r.Sequential {
				parents[parentOf(r.Path+"x")] = true
			}
		}
	}
	for i := range h.Ops {
		if r := &h.Ops[i].Req; r.Kind == OpCreate {
			parents[parentOf(r.Path+"x")] = true
		}
		for k := range h.Ops[i].Req.Ops {
			parents[parentOf(h.Ops[i].Req.Ops[k].Path+"x")] = true
		}
	}
	uf := newUnionFind()
	for _, lo := range ops {
		first := ""
		for _, p := range lo.paths {
			if p == "" {
				continue
			}
			if first == "" {
				first = p
				uf.find(p)
			} else {
				uf.union(first, p)
			}
		}
	}
	byRoot := make(map[string]*partition)
	var parts []*partition
	for _, lo := range ops {
		root := ""
		for _, p := range lo.paths {
			if p != "" {
				root = uf.find(p)
				break
			}
		}
		if root == "" {
			continue
		}
		part := byRoot[root]
		if part == nil {
			part = &partition{}
			byRoot[root] = part
			parts = append(parts, part)
		}
		part.ops = append(part.ops, lo)
		lo.part = part
	}
	for _, part := range parts {
		local := make(map[string]int)
		for _, lo := range part.ops {
			for _, p := range lo.paths {
				if _, ok := local[p]; p != "" && !ok {
					local[p] = -1
					part.paths = append(part.paths, p)
				}
			}
		}
		sort.Strings(part.paths)
		for i, p := range part.paths {
			local[p] = i
		}
		for _, lo := range part.ops {
			for k := range lo.subs {
				s := &lo.subs[k]
				p := lo.paths[k]
				if p == "" {
					continue
				}
				s.local = local[p]
				parent := parentOf(p)
				if j, ok := local[parent]; ok {
					s.parent = j
				}
				switch s.req.Kind {
				case OpCreate:
					s.external = s.parent < 0 && parent != "/"
				case OpDelete:
					s.external = parents[p]
				}
				if lo.unknown && (s.external || lo.optional) {
					part.ambiguous = true
				}
			}
			if lo.unknown {
				for k := range lo.subs {
					if lo.subs[k].local < 0 {
						part.ambiguous = true
					}
				}
			}
		}
	}
	sort.SliceStable(parts, func(a, b int) bool { return parts[a].paths[0] < parts[b].paths[0] })
	return parts
}

// newLinOp turns one history operation into a model operation, or nil when the model has
// nothing to learn from it.
func newLinOp(h *History, i int, synced map[int]int, end int64) *linOp {
	op := &h.Ops[i]
	if op.Outcome == OutcomeFailed {
		return nil
	}
	lo := &linOp{idx: i, unknown: op.Outcome == OutcomeUnknown, call: op.Invoke, ret: op.Return, client: op.Client, sessionID: op.Session}
	if op.Session == 0 {
		// Invoked before the client had a session: whichever session it went out on
		// owns what it creates, and ends at a time the history does not say.
		lo.sessionID = -int64(i) - 1
	}
	if lo.unknown {
		lo.ret = end
	}
	add := func(req *Request, resp *Response) {
		p := req.Path
		if req.Kind == OpCreate {
			p = ""
			if !req.Sequential {
				p = req.Path
			} else if resp != nil && resp.Path != "" {
				p = resp.Path
			}
		}
		lo.subs = append(lo.subs, linSub{req: req, resp: resp, local: -1, parent: -1})
		lo.paths = append(lo.paths, p)
	}
	switch {
	case op.Req.Kind == OpMulti:
		if !lo.unknown && (op.Resp.Err != ErrOK || len(op.Resp.Results) != len(op.Req.Ops)) {
			return nil // the whole multi was refused: nothing applied, nothing learned
		}
		for k := range op.Req.Ops {
			var resp *Response
			if !lo.unknown {
				resp = &op.Resp.Results[k]
			}
			add(&op.Req.Ops[k], resp)
		}
	case op.Req.Kind.IsWrite():
		var resp *Response
		if !lo.unknown {
			if !modelledErr(op.Resp.Err) {
				return nil
			}
			resp = &op.Resp
		}
		add(&op.Req, resp)
	case op.Req.Kind == OpGetData || op.Req.Kind == OpExists:
		from, ok := synced[i]
		if !ok || lo.unknown || (op.Resp.Err != ErrOK && op.Resp.Err != ErrNoNode) {
			return nil
		}
		lo.read = true
		lo.call = h.Ops[from].Invoke
		add(&op.Req, &op.Resp)
	default:
		return nil
	}
	for _, p := range lo.paths {
		if p != "" {
			return lo
		}
	}
	return nil
}

// closesFor returns, for each ephemeral node lo may create, the deletion its session's end
// performs: at an unknown time after the create, and before the client saw the session
// closed (an expiry notice may precede the closeSession commit, so it bounds nothing).
func closesFor(h *History, lo *linOp, closedAt map[int64]int64, end int64) []*linOp {
	var out []*linOp
	for k, s := range lo.subs {
		if s.req.Kind != OpCreate || !s.req.Ephemeral || lo.paths[k] == "" || lo.read {
			continue
		}
		ret := end
		if t, ok := closedAt[lo.sessionID]; ok && t >= h.Ops[lo.idx].Return {
			ret = t
		}
		out = append(out, &linOp{
			idx: -1, isClose: true, closeOf: lo.sessionID, call: lo.call, ret: ret, client: lo.client,
			subs:  []linSub{{req: &Request{Kind: OpDelete, Path: lo.paths[k], Version: AnyVersion}, local: -1, parent: -1}},
			paths: []string{lo.paths[k]},
		})
	}
	return out
}

// zxidOrder is the acknowledged transactions in zxid order. ZooKeeper linearizes writes
// in zxid order, so a transaction takes effect after every earlier-zxid write was invoked
// and before every later-zxid write returned: Porcupine's intervals can shrink to that,
// which removes most of its search. (When the zxid order contradicts real time the
// write-order checker reports it, and the intervals are left alone.)
type zxidOrder struct {
	zxids     []int64
	maxInvoke []int64 // over transactions up to and including k
	minReturn []int64 // over transactions from k on
	alive     map[int64]int64
	closeZxid map[int64]int64
}

func newZxidOrder(h *History) *zxidOrder {
	o := &zxidOrder{alive: make(map[int64]int64), closeZxid: make(map[int64]int64)}
	var writes []int
	for i := range h.Ops {
		op := &h.Ops[i]
		if op.Outcome != OutcomeOK {
			continue
		}
		if a, ok := o.alive[op.Session]; !ok || op.Zxid > a {
			o.alive[op.Session] = op.Zxid
		}
		if op.Req.Kind.IsWrite() {
			writes = append(writes, i)
		}
	}
	for _, ev := range h.SessionEvents {
		if ev.Kind == SessionClosed && ev.Zxid != 0 {
			o.closeZxid[ev.Session] = ev.Zxid
		}
	}
	sort.SliceStable(writes, func(a, b int) bool { return h.Ops[writes[a]].Zxid < h.Ops[writes[b]].Zxid })
	n := len(writes)
	o.zxids = make([]int64, n)
	o.maxInvoke = make([]int64, n)
	o.minReturn = make([]int64, n)
	for k, i := range writes {
		o.zxids[k] = h.Ops[i].Zxid
		o.maxInvoke[k] = h.Ops[i].Invoke
		if k > 0 {
			o.maxInvoke[k] = max(o.maxInvoke[k], o.maxInvoke[k-1])
		}
	}
	for k := n - 1; k >= 0; k-- {
		o.minReturn[k] = h.Ops[writes[k]].Return
		if k < n-1 {
			o.minReturn[k] = min(o.minReturn[k], o.minReturn[k+1])
		}
	}
	return o
}

// bounds returns the latest invoke of a transaction with zxid below z (or at most z when
// inclusive) and the earliest return of one above z.
func (o *zxidOrder) bounds(z int64, inclusive bool) (int64, int64) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	k := sort.Search(len(o.zxids), func(j int) bool { return o.zxids[j] >= z })
	below := k - 1
	if inclusive {
		below = sort.Search(len(o.zxids), func(j int) bool { return o.zxids[j] > z }) - 1
	}
	if below >= 0 {
		lo = o.maxInvoke[below]
	}
	above := sort.Search(len(o.zxids), func(j int) bool { return o.zxids[j] > z })
	if above < len(o.zxids) {
		hi = o.minReturn[above]
	}
	return lo, hi
}

func (o *zxidOrder) tighten(h *History, ops []*linOp) {
	for _, lo := range ops {
		var call, ret int64
		switch {
		case lo.isClose:
			if z, ok := o.closeZxid[lo.closeOf]; ok {
				call, ret = o.bounds(z, false)
			} else if a, ok := o.alive[lo.closeOf]; ok {
				// The close comes after every zxid the session was served at.
				call, _ = o.bounds(a, true)
				ret = math.MaxInt64
			} else {
				continue
			}
		case lo.read || lo.unknown || lo.idx < 0:
			continue
		default:
			call, ret = o.bounds(h.Ops[lo.idx].Zxid, false)
		}
		c, r := max(lo.call, call), min(lo.ret, ret)
		if c <= r {
			lo.call, lo.ret = c, r
		}
	}
}

// boundBySession uses per-session FIFO order: ZooKeeper applies a session's requests in
// the order it sent them, and a request still in flight on an abandoned connection is
// either applied before the session's next request or refused (SESSIONMOVED). So an
// unknown operation followed by an OK reply to the same session took effect before that
// reply, or never.
func boundBySession(h *History, ops []*linOp) {
	bySession := make(map[int64][]int)
	for i := range h.Ops {
		if h.Ops[i].Outcome == OutcomeOK {
			bySession[h.Ops[i].Session] = append(bySession[h.Ops[i].Session], i)
		}
	}
	for _, list := range bySession {
		sort.SliceStable(list, func(a, b int) bool { return h.Ops[list[a]].Invoke < h.Ops[list[b]].Invoke })
	}
	for _, lo := range ops {
		if !lo.unknown || lo.idx < 0 {
			continue
		}
		op := &h.Ops[lo.idx]
		list := bySession[op.Session]
		k := sort.Search(len(list), func(j int) bool { return h.Ops[list[j]].Invoke >= op.Return })
		if k < len(list) {
			lo.ret = max(lo.call, h.Ops[list[k]].Return)
			lo.optional = true
		}
	}
}

// syncReads maps each getData/exists that follows an OK sync on the same client
// connection and server, with only reads in between, to that sync's index: together
// they form a linearizable read. The sync brought the server up to the leader's state
// at some point after the sync was invoked, and the session's later reads on that
// server see that state or a newer one, so each such read took effect between the
// sync's invocation and its own reply. A failed read (a lost connection) or any other
// operation ends the run of reads.
func syncReads(h *History) map[int]int {
	byConn := make(map[clientKey][]int)
	for i := range h.Ops {
		k := clientKey{h.Ops[i].Client, h.Ops[i].Session}
		byConn[k] = append(byConn[k], i)
	}
	out := make(map[int]int)
	for _, list := range byConn {
		sort.SliceStable(list, func(a, b int) bool { return h.Ops[list[a]].Invoke < h.Ops[list[b]].Invoke })
		anchor := -1
		for _, i := range list {
			r := &h.Ops[i]
			switch {
			case r.Req.Kind == OpSync:
				anchor = -1
				if r.Outcome == OutcomeOK {
					anchor = i
				}
			case anchor >= 0 && (r.Req.Kind == OpGetData || r.Req.Kind == OpExists) && r.Outcome == OutcomeOK:
				if s := &h.Ops[anchor]; r.Server == s.Server && r.Invoke >= s.Return {
					out[i] = anchor
				}
			default:
				anchor = -1
			}
		}
	}
	return out
}

// namesOfUnknownCreates gives the model a way to create the nodes that only an
// unknown sequential create can explain. Its name was never reported, yet the client
// may learn it later (a lock recipe lists its parent to find its own node) and read or
// delete it, and other clients see it. For every modelled path of that create's prefix
// plus a ten-digit counter that no reported create named, a copy of the unknown create
// under that name may take effect, once, between its invocation and the end.
func namesOfUnknownCreates(h *History, ops []*linOp, end int64) []*linOp {
	named := map[string]bool{} // paths some reply named as created
	used := map[string]bool{}  // paths the model touches
	for i := range h.Ops {
		op := &h.Ops[i]
		if op.Outcome != OutcomeOK {
			continue
		}
		if op.Req.Kind == OpCreate && op.Resp.Path != "" {
			named[op.Resp.Path] = true
		}
		for k := range op.Resp.Results {
			if k < len(op.Req.Ops) && op.Req.Ops[k].Kind == OpCreate && op.Resp.Results[k].Path != "" {
				named[op.Resp.Results[k].Path] = true
			}
		}
	}
	for _, lo := range ops {
		for _, p := range lo.paths {
			if p != "" {
				used[p] = true
			}
		}
	}
	paths := slices.Sorted(maps.Keys(used))
	var out []*linOp
	for i := range h.Ops {
		op := &h.Ops[i]
		r := &op.Req
		if op.Outcome != OutcomeUnknown || r.Kind != OpCreate || !r.Sequential {
			continue
		}
		owner := op.Session
		if owner == 0 {
			owner = -int64(i) - 1 // as newLinOp names a sessionless create's owner
		}
		for _, p := range paths {
			if named[p] || len(p) != len(r.Path)+10 || !strings.HasPrefix(p, r.Path) || !allDigits(p[len(r.Path):]) {
				continue
			}
			req := *r
			req.Path, req.Sequential = p, false
			out = append(out, &linOp{idx: i, unknown: true, call: op.Invoke, ret: end, client: op.Client,
				sessionID: owner, subs: []linSub{{req: &req, local: -1, parent: -1}}, paths: []string{p}})
		}
	}
	return out
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// unionFind joins paths into partitions.
type unionFind struct{ parent map[string]string }

func newUnionFind() *unionFind { return &unionFind{parent: make(map[string]string)} }

func (u *unionFind) find(p string) string {
	q, ok := u.parent[p]
	if !ok {
		u.parent[p] = p
		return p
	}
	if q == p {
		return p
	}
	r := u.find(q)
	u.parent[p] = r
	return r
}

func (u *unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra < rb {
		u.parent[rb] = ra
	} else {
		u.parent[ra] = rb
	}
}

// porcupineOps converts a partition for Porcupine; client ids are made dense and
// zero-based as its visualization wants.
func (p *partition) porcupineOps(withReads bool) []porcupine.Operation {
	ids := make(map[int]int)
	var clients []int
	for _, lo := range p.ops {
		if _, ok := ids[lo.client]; !ok {
			ids[lo.client] = 0
			clients = append(clients, lo.client)
		}
	}
	sort.Ints(clients)
	for i, c := range clients {
		ids[c] = i
	}
	out := make([]porcupine.Operation, 0, len(p.ops))
	for _, lo := range p.ops {
		if lo.read && !withReads {
			continue
		}
		out = append(out, porcupine.Operation{ClientId: ids[lo.client], Input: lo, Call: lo.call, Return: lo.ret})
	}
	return out
}

func (p *partition) model() porcupine.Model {
	if p.ambiguous {
		return nondetModel()
	}
	return detModel()
}

func (p *partition) hasReads() bool {
	for _, lo := range p.ops {
		if lo.read {
			return true
		}
	}
	return false
}

// checkLinearizable runs Porcupine on every partition: first the writes alone (ZooKeeper
// promises they are linearizable), then with reads after sync (linearizable only while the
// serving leader is not deposed: a failure there is the known limitation when a leader
// changed around the read).
func checkLinearizable(h *History, logs []NodeLog, opts Options) ([]Result, string, error) {
	parts := buildPartitions(h, true)
	var out []Result
	var firstFail *partition
	var firstReads bool
	for _, part := range parts {
		model := part.model()
		for _, withReads := range []bool{false, true} {
			if withReads && !part.hasReads() {
				break
			}
			ops := part.porcupineOps(withReads)
			res := porcupine.CheckOperationsTimeout(model, ops, opts.LinearizabilityTimeout)
			if res == porcupine.Ok {
				continue
			}
			prop := PropLinearizable
			if withReads {
				prop = PropSyncReads
			}
			if res == porcupine.Unknown {
				out = append(out, Result{Property: prop, Verdict: Inconclusive,
					Summary: fmt.Sprintf("the check of %d operations on %s timed out after %v", len(ops), strings.Join(part.paths, ", "), opts.LinearizabilityTimeout)})
				break
			}
			_, info := porcupine.CheckOperationsVerbose(model, ops, opts.LinearizabilityTimeout)
			r := explainIllegal(h, ops, info, part, prop)
			if withReads {
				r.Verdict = syncReadVerdict(h, logs, r, ops)
				switch {
				case r.Verdict == KnownLimitation && logs == nil:
					r.Summary += "; without node logs a deposed leader serving the sync cannot be ruled out, ZooKeeper's known sync-read limitation"
				case r.Verdict == KnownLimitation:
					r.Summary += "; a leader changed around this read, so this is ZooKeeper's known sync-read limitation, not a violation"
				}
			}
			if firstFail == nil && r.Verdict == Fail {
				firstFail, firstReads = part, withReads
			}
			out = append(out, r)
			break
		}
	}
	vis := ""
	if firstFail != nil && opts.VisualizationPath != "" {
		model := firstFail.model()
		_, info := porcupine.CheckOperationsVerbose(model, firstFail.porcupineOps(firstReads), opts.LinearizabilityTimeout)
		if err := porcupine.VisualizePath(model, info, opts.VisualizationPath); err != nil {
			return out, "", fmt.Errorf("checker: write visualization: %w", err)
		}
		vis = opts.VisualizationPath
	}
	return out, vis, nil
}

// explainIllegal picks the evidence of a failed partition: the operation the longest
// partial linearization could not place, and the last operation it did place.
func explainIllegal(h *History, ops []porcupine.Operation, info porcupine.LinearizationInfo, part *partition, prop Property) Result {
	placed := make(map[int]bool)
	var longest []int
	partials := info.PartialLinearizations()
	if len(partials) > 0 {
		for _, seq := range partials[0] {
			if len(seq) > len(longest) || (len(seq) == len(longest) && lessInts(seq, longest)) {
				longest = seq
			}
		}
	}
	for _, id := range longest {
		placed[id] = true
	}
	stuck := -1
	for id := range ops {
		if !placed[id] && (stuck < 0 || ops[id].Return < ops[stuck].Return) {
			stuck = id
		}
	}
	var evidence []int
	var sentence string
	if stuck >= 0 {
		lo := ops[stuck].Input.(*linOp)
		if lo.idx >= 0 {
			evidence = append(evidence, lo.idx)
		}
		sentence = fmt.Sprintf("no order of the %d operations on %s consistent with real time explains %s",
			len(ops), strings.Join(part.paths, ", "), describeLinOp(lo))
		if len(longest) > 0 {
			last := ops[longest[len(longest)-1]].Input.(*linOp)
			if last.idx >= 0 {
				evidence = append(evidence, last.idx)
			}
			sentence += fmt.Sprintf(" (the longest consistent order ends with %s, leaving %s)",
				describeLinOp(last), describeLinState(replay(ops, longest)))
		}
	}
	return Result{Property: prop, Verdict: Fail, Ops: evidence, Summary: sentence}
}

func lessInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// replay returns the state after the given linearization (the first branch for
// ambiguous operations that match).
func replay(ops []porcupine.Operation, seq []int) any {
	states := []linState{nil}
	for _, id := range seq {
		lo := ops[id].Input.(*linOp)
		var next []linState
		for _, st := range states {
			next = append(next, lo.step(st)...)
		}
		if len(next) == 0 {
			break
		}
		states = next
	}
	return states[0]
}

// syncReadVerdict decides whether a failed sync read is the known limitation: with node
// logs, only when a leader was established or lost while the read was in flight.
func syncReadVerdict(h *History, logs []NodeLog, r Result, ops []porcupine.Operation) Verdict {
	if logs == nil {
		return KnownLimitation
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, i := range r.Ops {
		op := &h.Ops[i]
		if op.Req.Kind.IsRead() {
			lo, hi = min(lo, op.Invoke), max(hi, op.Return)
		}
	}
	if lo > hi {
		for _, o := range ops {
			if l := o.Input.(*linOp); l.read {
				lo, hi = min(lo, o.Call), max(hi, o.Return)
			}
		}
	}
	for li := range logs {
		for _, ev := range logs[li].Events {
			if (ev.Kind == NodeLeaderEstablished || ev.Kind == NodeLeaderLost) && ev.Time >= lo && ev.Time <= hi {
				return KnownLimitation
			}
		}
	}
	if leadersAt(logs, lo) > 1 || leadersAt(logs, hi) > 1 {
		return KnownLimitation
	}
	return Fail
}

// leadersAt counts the nodes that believe they lead at time t: more than one means a
// deposed leader has not noticed yet.
func leadersAt(logs []NodeLog, t int64) int {
	n := 0
	for li := range logs {
		leading := false
		for _, e := range logs[li].Events {
			if e.Time > t {
				break
			}
			switch e.Kind {
			case NodeLeaderEstablished:
				leading = true
			case NodeLeaderLost, NodeRestarted:
				leading = false
			}
		}
		if leading {
			n++
		}
	}
	return n
}
