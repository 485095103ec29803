package checker

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrInvalidHistory reports a history the checkers cannot judge (a malformed record, not a
// protocol violation).
var ErrInvalidHistory = errors.New("checker: invalid history")

// OpKind is the kind of a client operation.
type OpKind uint8

// Operation kinds the checkers understand.
const (
	OpCreate OpKind = iota + 1
	OpDelete
	OpSetData
	OpGetData
	OpExists
	OpGetChildren
	OpSync
	OpMulti
	OpCheck
)

var opKindNames = [...]string{"?", "create", "delete", "setData", "getData", "exists", "getChildren", "sync", "multi", "check"}

func (k OpKind) String() string {
	if int(k) < len(opKindNames) {
		return opKindNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// IsWrite reports whether the kind goes through the leader as a transaction.
func (k OpKind) IsWrite() bool {
	switch k {
	case OpCreate, OpDelete, OpSetData, OpMulti, OpCheck:
		return true
	}
	return false
}

// IsRead reports whether the kind is answered from the serving replica's state.
func (k OpKind) IsRead() bool {
	return k == OpGetData || k == OpExists || k == OpGetChildren
}

// Outcome says what the client learned about an operation.
type Outcome uint8

// Outcomes. An error reply that reflects the tree (NONODE, NODEEXISTS, BADVERSION,
// NOTEMPTY…) is OutcomeOK with Response.Err set: the server executed the request. Errors
// that mean the request was never executed (SESSIONEXPIRED, a request never sent) are
// OutcomeFailed. A connection that died or a timeout before the reply is OutcomeUnknown.
const (
	OutcomeOK Outcome = iota + 1
	OutcomeFailed
	OutcomeUnknown
)

func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeFailed:
		return "failed"
	case OutcomeUnknown:
		return "unknown"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// ErrCode is a ZooKeeper result code (KeeperException.Code).
type ErrCode int32

// The result codes the checkers reason about.
const (
	ErrOK                      ErrCode = 0
	ErrRuntimeInconsistency    ErrCode = -2
	ErrConnectionLoss          ErrCode = -4
	ErrOperationTimeout        ErrCode = -7
	ErrNoNode                  ErrCode = -101
	ErrBadVersion              ErrCode = -103
	ErrNoChildrenForEphemerals ErrCode = -108
	ErrNodeExists              ErrCode = -110
	ErrNotEmpty                ErrCode = -111
	ErrSessionExpired          ErrCode = -112
)

// AnyVersion is the version that matches every node version.
const AnyVersion int32 = -1

// Request is what the client asked for.
type Request struct {
	Kind       OpKind
	Path       string
	Data       string    // create, setData
	Version    int32     // delete, setData, check; AnyVersion matches all
	Ephemeral  bool      // create
	Sequential bool      // create
	Watch      bool      // getData, exists, getChildren
	Ops        []Request // multi
}

// Stat is the subset of a znode's Stat the checkers use.
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Pzxid          int64
	Version        int32
	Cversion       int32
	EphemeralOwner int64
	NumChildren    int32
}

// Response is what the server answered. Err is the result code; for a multi it is OK and
// Results holds one entry per sub-operation.
type Response struct {
	Err      ErrCode
	Path     string // create: the created path (with its sequential suffix)
	Data     string // getData
	HasStat  bool
	Stat     Stat
	Children []string   // getChildren
	Results  []Response // multi
}

// Operation is one recorded client call. Times are true simulated time in nanoseconds.
type Operation struct {
	Client  int
	Session int64
	Server  int
	Invoke  int64
	Return  int64 // when the client learned the outcome (or gave up, for unknown)
	Req     Request
	Resp    Response
	Zxid    int64 // the zxid in the reply header; meaningful only for OutcomeOK
	Outcome Outcome
}

// Succeeded reports whether the operation took effect with result OK.
func (op *Operation) Succeeded() bool {
	if op.Outcome != OutcomeOK || op.Resp.Err != ErrOK {
		return false
	}
	if op.Req.Kind == OpMulti {
		for _, r := range op.Resp.Results {
			if r.Err != ErrOK {
				return false
			}
		}
	}
	return true
}

// WatchEventType is a ZooKeeper watch event type.
type WatchEventType int8

// Watch event types, numbered as in Watcher.Event.EventType.
const (
	EventNodeCreated         WatchEventType = 1
	EventNodeDeleted         WatchEventType = 2
	EventNodeDataChanged     WatchEventType = 3
	EventNodeChildrenChanged WatchEventType = 4
)

func (t WatchEventType) String() string {
	switch t {
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	}
	return fmt.Sprintf("WatchEventType(%d)", int8(t))
}

// WatchEvent is a watch notification as the client received it.
type WatchEvent struct {
	Client  int
	Session int64
	Time    int64
	Type    WatchEventType
	Path    string
	Zxid    int64 // zxid in the notification header, 0 if not known
}

// SessionEventKind is what happened to a session.
type SessionEventKind uint8

// Session event kinds.
const (
	SessionEstablished SessionEventKind = iota + 1
	SessionExpired
	SessionClosed
)

func (k SessionEventKind) String() string {
	switch k {
	case SessionEstablished:
		return "established"
	case SessionExpired:
		return "expired"
	case SessionClosed:
		return "closed"
	}
	return fmt.Sprintf("SessionEventKind(%d)", uint8(k))
}

// SessionEvent is a session lifecycle event as the client saw it. Zxid is the zxid of the
// closeSession transaction when known (the reply to an explicit close), otherwise 0.
type SessionEvent struct {
	Client  int
	Session int64
	Server  int
	Time    int64
	Kind    SessionEventKind
	Zxid    int64
}

// History is everything recorded from the clients of one run.
type History struct {
	Ops           []Operation
	WatchEvents   []WatchEvent
	SessionEvents []SessionEvent
}

// Validate reports records the checkers cannot interpret.
func (h *History) Validate() error {
	for i := range h.Ops {
		op := &h.Ops[i]
		if op.Outcome < OutcomeOK || op.Outcome > OutcomeUnknown {
			return fmt.Errorf("%w: op %d: outcome %d", ErrInvalidHistory, i, op.Outcome)
		}
		if op.Req.Kind < OpCreate || op.Req.Kind > OpCheck {
			return fmt.Errorf("%w: op %d: kind %d", ErrInvalidHistory, i, op.Req.Kind)
		}
		if op.Return < op.Invoke {
			return fmt.Errorf("%w: op %d returns at %d before its invoke at %d", ErrInvalidHistory, i, op.Return, op.Invoke)
		}
		if op.Client < 0 {
			return fmt.Errorf("%w: op %d: negative client %d", ErrInvalidHistory, i, op.Client)
		}
		if err := validateRequest(&op.Req, true); err != nil {
			return fmt.Errorf("%w: op %d: %v", ErrInvalidHistory, i, err)
		}
		if op.Req.Kind == OpMulti && op.Outcome == OutcomeOK && op.Resp.Err == ErrOK && len(op.Resp.Results) != len(op.Req.Ops) {
			return fmt.Errorf("%w: op %d: multi has %d sub-ops but %d results", ErrInvalidHistory, i, len(op.Req.Ops), len(op.Resp.Results))
		}
	}
	for i, ev := range h.WatchEvents {
		if ev.Type < EventNodeCreated || ev.Type > EventNodeChildrenChanged {
			return fmt.Errorf("%w: watch event %d: type %d", ErrInvalidHistory, i, ev.Type)
		}
		if !validPath(ev.Path) {
			return fmt.Errorf("%w: watch event %d: path %q", ErrInvalidHistory, i, ev.Path)
		}
	}
	for i, ev := range h.SessionEvents {
		if ev.Kind < SessionEstablished || ev.Kind > SessionClosed {
			return fmt.Errorf("%w: session event %d: kind %d", ErrInvalidHistory, i, ev.Kind)
		}
	}
	return nil
}

func validateRequest(r *Request, top bool) error {
	switch r.Kind {
	case OpSync:
		return nil
	case OpMulti:
		if !top {
			return errors.New("nested multi")
		}
		for j := range r.Ops {
			switch r.Ops[j].Kind {
			case OpCreate, OpDelete, OpSetData, OpCheck:
			default:
				return fmt.Errorf("sub-op %d: %v not allowed in multi", j, r.Ops[j].Kind)
			}
			if err := validateRequest(&r.Ops[j], false); err != nil {
				return fmt.Errorf("sub-op %d: %w", j, err)
			}
		}
		return nil
	}
	if !validPath(r.Path) && (r.Kind != OpCreate || !r.Sequential || !validPath(r.Path+"x")) {
		return fmt.Errorf("path %q", r.Path)
	}
	return nil
}

func validPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	return p == "/" || p[len(p)-1] != '/'
}

// parentOf returns the parent of an absolute path ("/" for top-level nodes).
func parentOf(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// WrittenPaths lists, sorted and once each, the paths that acknowledged writes
// changed: set or deleted nodes, created nodes under their final names, and the same
// inside a successful multi. A final read of each, after a sync, puts what every server
// ends up holding under the linearizability check.
func WrittenPaths(h *History) []string {
	seen := map[string]bool{}
	add := func(req *Request, resp *Response) {
		switch req.Kind {
		case OpCreate:
			if resp.Path != "" {
				seen[resp.Path] = true
			}
		case OpSetData, OpDelete:
			seen[req.Path] = true
		}
	}
	for i := range h.Ops {
		op := &h.Ops[i]
		if !op.Succeeded() {
			continue
		}
		if op.Req.Kind != OpMulti {
			add(&op.Req, &op.Resp)
			continue
		}
		for k := range op.Req.Ops {
			add(&op.Req.Ops[k], &op.Resp.Results[k])
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
