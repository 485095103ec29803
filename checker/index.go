package checker

import (
	"cmp"
	"slices"
	"sort"
)

// changeKind is how a committed transaction changed one znode.
type changeKind uint8

const (
	changeCreate changeKind = iota + 1
	changeSet
	changeDelete
)

// change is one known, successful modification of one path, at one zxid.
type change struct {
	zxid    int64
	kind    changeKind
	data    string
	owner   int64 // ephemeral owner of the incarnation (0 for persistent)
	czxid   int64 // czxid of the incarnation, 0 when not known
	op      int   // the operation that made it, or -1
	session int   // the session event (a close) that made it, or -1
}

// pathLog is what the history tells about one path.
type pathLog struct {
	changes []change // sorted by zxid; a multi may leave several at one zxid
	unknown []int    // operations with unknown outcome that may have written this path
	// unknownCreates reports whether an unknown operation may have created the path,
	// in which case czxid comparisons are not sound.
	unknownCreates bool
	// unknownEphemeral reports whether that creation may have been ephemeral, so a
	// session's end may delete the node at a zxid the history does not show.
	unknownEphemeral bool
}

// sessionInfo gathers what the history tells about one session.
type sessionInfo struct {
	id         int64
	alive      int64 // highest zxid any OK reply to this session carried: the session lived then
	hasAlive   bool
	endZxid    int64 // zxid of the closeSession transaction, 0 if not known
	endTime    int64 // when the client saw the session end
	endEvent   int   // index of that session event, -1 if none
	ephemerals []string
}

// clientKey identifies one client connection's view of zxids.
type clientKey struct {
	client  int
	session int64
}

// index is the shared reconstruction of a history the ZooKeeper-order, session and watch
// checkers all read: the known committed writes per path and each operation's lower bound.
type index struct {
	h     *History
	lower []int64 // per op: the client's highest seen zxid when it invoked the op
	// txn maps the zxid of each OK write (successful or an error transaction) to its op.
	txn      map[int64]int
	paths    map[string]*pathLog
	seqPaths map[string][]int // parent path -> unknown sequential creates under it
	sessions map[int64]*sessionInfo
	// writeDup lists pairs of OK writes that carry the same zxid.
	writeDup [][2]int
	// replies lists, per connection, its OK operations in return order.
	replies map[clientKey][]int
}

func (ix *index) path(p string) *pathLog {
	pl := ix.paths[p]
	if pl == nil {
		pl = &pathLog{}
		ix.paths[p] = pl
	}
	return pl
}

func (ix *index) session(id int64) *sessionInfo {
	s := ix.sessions[id]
	if s == nil {
		s = &sessionInfo{id: id, endEvent: -1}
		ix.sessions[id] = s
	}
	return s
}

// createdPath returns the path a successful create made: the reply's path when given.
func createdPath(req *Request, resp *Response) string {
	if resp != nil && resp.Path != "" {
		return resp.Path
	}
	return req.Path
}

func buildIndex(h *History) *index {
	ix := &index{
		h:        h,
		lower:    make([]int64, len(h.Ops)),
		txn:      make(map[int64]int),
		paths:    make(map[string]*pathLog),
		seqPaths: make(map[string][]int),
		sessions: make(map[int64]*sessionInfo),
	}
	for i := range h.Ops {
		op := &h.Ops[i]
		switch op.Outcome {
		case OutcomeOK:
			s := ix.session(op.Session)
			if !s.hasAlive || op.Zxid > s.alive {
				s.alive, s.hasAlive = op.Zxid, true
			}
			if op.Req.Kind.IsWrite() {
				if j, dup := ix.txn[op.Zxid]; dup {
					ix.writeDup = append(ix.writeDup, [2]int{j, i})
				} else {
					ix.txn[op.Zxid] = i
				}
			}
			if op.Succeeded() {
				ix.addChanges(i, op)
			}
		case OutcomeUnknown:
			ix.addUnknown(i, op)
		}
	}
	for i, ev := range h.SessionEvents {
		if ev.Kind != SessionExpired && ev.Kind != SessionClosed {
			continue
		}
		s := ix.session(ev.Session)
		if s.endEvent < 0 || ev.Time < s.endTime {
			s.endEvent, s.endTime = i, ev.Time
		}
		if ev.Zxid != 0 && (s.endZxid == 0 || ev.Zxid < s.endZxid) {
			s.endZxid = ev.Zxid
		}
	}
	for _, pl := range ix.paths {
		slices.SortStableFunc(pl.changes, func(a, b change) int { return cmp.Compare(a.zxid, b.zxid) })
	}
	ix.addSessionCloses()
	for _, pl := range ix.paths {
		fillIncarnations(pl)
	}
	ix.computeLower()
	return ix
}

func (ix *index) addChanges(i int, op *Operation) {
	add := func(req *Request, resp *Response) {
		switch req.Kind {
		case OpCreate:
			p := createdPath(req, resp)
			c := change{zxid: op.Zxid, kind: changeCreate, data: req.Data, czxid: op.Zxid, op: i, session: -1}
			if req.Ephemeral {
				c.owner = op.Session
				s := ix.session(op.Session)
				s.ephemerals = append(s.ephemerals, p)
			}
			pl := ix.path(p)
			pl.changes = append(pl.changes, c)
		case OpSetData:
			pl := ix.path(req.Path)
			pl.changes = append(pl.changes, change{zxid: op.Zxid, kind: changeSet, data: req.Data, op: i, session: -1})
		case OpDelete:
			pl := ix.path(req.Path)
			pl.changes = append(pl.changes, change{zxid: op.Zxid, kind: changeDelete, op: i, session: -1})
		}
	}
	if op.Req.Kind == OpMulti {
		for k := range op.Req.Ops {
			var resp *Response
			if k < len(op.Resp.Results) {
				resp = &op.Resp.Results[k]
			}
			add(&op.Req.Ops[k], resp)
		}
		return
	}
	add(&op.Req, &op.Resp)
}

func (ix *index) addUnknown(i int, op *Operation) {
	add := func(req *Request) {
		switch req.Kind {
		case OpCreate:
			if req.Sequential {
				parent := parentOf(req.Path + "x")
				ix.seqPaths[parent] = append(ix.seqPaths[parent], i)
				return
			}
			pl := ix.path(req.Path)
			pl.unknown = append(pl.unknown, i)
			pl.unknownCreates = true
			pl.unknownEphemeral = pl.unknownEphemeral || req.Ephemeral
		case OpSetData, OpDelete:
			pl := ix.path(req.Path)
			pl.unknown = append(pl.unknown, i)
		}
	}
	if op.Req.Kind == OpMulti {
		for k := range op.Req.Ops {
			add(&op.Req.Ops[k])
		}
		return
	}
	add(&op.Req)
}

// addSessionCloses inserts, for each session whose closeSession zxid is known, the deletion
// of its ephemerals that were alive at that zxid.
func (ix *index) addSessionCloses() {
	ids := make([]int64, 0, len(ix.sessions))
	for id, s := range ix.sessions {
		if s.endZxid != 0 && len(s.ephemerals) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	for _, id := range ids {
		s := ix.sessions[id]
		done := make(map[string]bool)
		for _, p := range s.ephemerals {
			if done[p] {
				continue
			}
			done[p] = true
			pl := ix.paths[p]
			if ix.unknownBefore(pl, s) {
				// An unknown write may have replaced the incarnation: the known
				// changes no longer say what the close deleted.
				continue
			}
			at := sort.Search(len(pl.changes), func(k int) bool { return pl.changes[k].zxid >= s.endZxid })
			// The incarnation alive just before the close.
			owner := int64(0)
			alive := false
			for k := 0; k < at; k++ {
				switch pl.changes[k].kind {
				case changeCreate:
					owner, alive = pl.changes[k].owner, true
				case changeDelete:
					alive = false
				}
			}
			if !alive || owner != id {
				continue
			}
			c := change{zxid: s.endZxid, kind: changeDelete, op: -1, session: s.endEvent}
			pl.changes = append(pl.changes, change{})
			copy(pl.changes[at+1:], pl.changes[at:])
			pl.changes[at] = c
		}
	}
}

// unknownBefore reports whether an unknown write to the path may have been ordered
// before the session's close (one invoked after the client saw the close cannot).
func (ix *index) unknownBefore(pl *pathLog, s *sessionInfo) bool {
	for _, j := range pl.unknown {
		if s.endEvent < 0 || ix.h.Ops[j].Invoke <= s.endTime {
			return true
		}
	}
	return false
}

func fillIncarnations(pl *pathLog) {
	var czxid, owner int64
	for k := range pl.changes {
		c := &pl.changes[k]
		switch c.kind {
		case changeCreate:
			czxid, owner = c.czxid, c.owner
		case changeSet:
			c.czxid, c.owner = czxid, owner
		case changeDelete:
			czxid, owner = 0, 0
		}
	}
}

// computeLower sets, per operation, the highest zxid its client connection had seen in OK
// replies that returned before the operation was invoked.
func (ix *index) computeLower() {
	ops := ix.h.Ops
	byClient := make(map[clientKey][]int)
	for i := range ops {
		k := clientKey{ops[i].Client, ops[i].Session}
		byClient[k] = append(byClient[k], i)
	}
	ix.replies = make(map[clientKey][]int, len(byClient))
	for k, list := range byClient {
		byReturn := slices.Clone(list)
		slices.SortStableFunc(list, func(a, b int) int { return cmp.Compare(ops[a].Invoke, ops[b].Invoke) })
		slices.SortStableFunc(byReturn, func(a, b int) int { return cmp.Compare(ops[a].Return, ops[b].Return) })
		seen := int64(0)
		r := 0
		for _, i := range list {
			for r < len(byReturn) && ops[byReturn[r]].Return <= ops[i].Invoke {
				if o := &ops[byReturn[r]]; o.Outcome == OutcomeOK && o.Zxid > seen && byReturn[r] != i {
					seen = o.Zxid
				}
				r++
			}
			ix.lower[i] = seen
		}
		okOnly := byReturn[:0]
		for _, i := range byReturn {
			if ops[i].Outcome == OutcomeOK {
				okOnly = append(okOnly, i)
			}
		}
		ix.replies[k] = okOnly
	}
}

// changesAt returns the half-open range of pl.changes at exactly zxid z.
func (pl *pathLog) changesAt(z int64) (int, int) {
	lo := sort.Search(len(pl.changes), func(k int) bool { return pl.changes[k].zxid >= z })
	hi := lo
	for hi < len(pl.changes) && pl.changes[hi].zxid == z {
		hi++
	}
	return lo, hi
}
