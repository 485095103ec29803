package datatree

import (
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/wire"
)

// Trigger is one watch-firing event produced by applying a transaction, in the order
// ZooKeeper fires them. What a watch manager should fire for each:
//
//	NodeCreated          data watches (and exist watches) on Path
//	NodeDataChanged      data watches on Path
//	NodeDeleted          data watches and child watches on Path, one event per watcher
//	NodeChildrenChanged  child watches on Path
//
// plus persistent and recursive watches by their own rules (§2.4 of the reference). ACL
// is the node's ACL at the time of the change, for the READ check at delivery.
type Trigger struct {
	Path  string
	Event wire.EventType
	ACL   []wire.ACL
}

// Result is what applying one transaction did (ZooKeeper's ProcessTxnResult).
type Result struct {
	Zxid int64
	Type wire.OpCode // the header's type
	// Err is the outcome. For a multi it is the first failing sub-op's code, though
	// ZooKeeper's reply header for a multi always says OK.
	Err  wire.ErrCode
	Path string    // the path created, deleted, set or checked
	Stat wire.Stat // the node's Stat after a create, setData or setACL
	// Multi holds one result per sub-op of a multi. If the multi failed, every entry
	// has Type OpError: OK before the failing op, its code, then RUNTIMEINCONSISTENCY.
	Multi    []OpResult
	Triggers []Trigger
}

// OpResult is the outcome of one sub-op of a multi.
type OpResult struct {
	Type wire.OpCode
	Err  wire.ErrCode
	Path string
	Stat wire.Stat
}

// Apply applies a committed transaction and reports its outcome and the watches it
// fires. It is deterministic: the same sequence of transactions gives the same tree,
// digest and results on every replica. Like ZooKeeper's DataTree it tolerates replaying
// transactions a fuzzy snapshot already holds (a create of an existing node only moves
// the parent's cversion and pzxid forward). The tree keeps the slices in txn; the
// caller must not modify them afterwards.
func (t *Tree) Apply(hdr TxnHeader, txn Txn) Result { return t.ApplyAppend(hdr, txn, nil) }

// ApplyAppend is Apply with the triggers appended to trig, so that a caller that
// applies many transactions can reuse one slice for them.
func (t *Tree) ApplyAppend(hdr TxnHeader, txn Txn, trig []Trigger) Result {
	res := Result{Zxid: hdr.Zxid, Type: hdr.Type, Triggers: trig}
	if hdr.Type == wire.OpMulti {
		m, ok := txn.(*MultiTxn)
		if !ok {
			res.Err = wire.ErrMarshallingError
		} else {
			t.applyMulti(hdr, m, &res)
		}
	} else {
		var op OpResult
		op, res.Triggers = t.applyOne(hdr, txn, res.Triggers)
		res.Err, res.Path, res.Stat = op.Err, op.Path, op.Stat
	}
	if hdr.Zxid > t.lastZxid {
		t.lastZxid = hdr.Zxid
	}
	return res
}

func (t *Tree) applyMulti(hdr TxnHeader, m *MultiTxn, res *Result) {
	failed := false
	for _, op := range m.Ops {
		if op.Type == wire.OpError {
			failed = true
			break
		}
	}
	res.Multi = make([]OpResult, 0, len(m.Ops))
	afterFailure := false
	for _, op := range m.Ops {
		var r OpResult
		switch {
		case op.Type == wire.OpError:
			afterFailure = true
			r.Type = wire.OpError
			if e, ok := op.Txn.(*ErrorTxn); ok {
				r.Err = e.Err
			} else {
				r.Err = wire.ErrMarshallingError
			}
		case failed:
			r.Type = wire.OpError
			if afterFailure {
				r.Err = wire.ErrRuntimeInconsistency
			}
		case !allowedInMulti(op.Type):
			r = OpResult{Type: op.Type, Err: wire.ErrMarshallingError}
		default:
			sub := hdr
			sub.Type = op.Type
			r, res.Triggers = t.applyOne(sub, op.Txn, res.Triggers)
		}
		res.Multi = append(res.Multi, r)
		if r.Err != wire.ErrOK && res.Err == wire.ErrOK {
			res.Err = r.Err
		}
	}
}

func allowedInMulti(op wire.OpCode) bool {
	switch op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL,
		wire.OpDelete, wire.OpDeleteContainer, wire.OpSetData, wire.OpCheck, wire.OpError:
		return true
	}
	return false
}

// applyOne applies a non-multi transaction, appending its triggers to trig.
func (t *Tree) applyOne(hdr TxnHeader, txn Txn, trig []Trigger) (OpResult, []Trigger) {
	r := OpResult{Type: hdr.Type}
	bad := func() (OpResult, []Trigger) {
		r.Err = wire.ErrMarshallingError
		return r, trig
	}
	switch hdr.Type {
	case wire.OpCreate, wire.OpCreate2:
		c, ok := txn.(*CreateTxn)
		if !ok {
			return bad()
		}
		var owner int64
		if c.Ephemeral {
			owner = hdr.ClientID
		}
		r.Path = c.Path
		r.Stat, r.Err, trig = t.create(hdr, c.Path, c.Data, c.ACL, owner, c.ParentCVersion, trig)
	case wire.OpCreateContainer:
		c, ok := txn.(*CreateContainerTxn)
		if !ok {
			return bad()
		}
		r.Path = c.Path
		r.Stat, r.Err, trig = t.create(hdr, c.Path, c.Data, c.ACL, ContainerOwner, c.ParentCVersion, trig)
	case wire.OpCreateTTL:
		c, ok := txn.(*CreateTTLTxn)
		if !ok {
			return bad()
		}
		r.Path = c.Path
		r.Stat, r.Err, trig = t.create(hdr, c.Path, c.Data, c.ACL, TTLOwner(c.TTL), c.ParentCVersion, trig)
	case wire.OpDelete, wire.OpDeleteContainer:
		d, ok := txn.(*DeleteTxn)
		if !ok {
			return bad()
		}
		r.Path = d.Path
		r.Err, trig = t.delete(d.Path, hdr.Zxid, trig)
	case wire.OpSetData:
		s, ok := txn.(*SetDataTxn)
		if !ok {
			return bad()
		}
		r.Path = s.Path
		n := t.nodes[normalize(s.Path)]
		if n == nil {
			r.Err = wire.ErrNoNode
			break
		}
		t.dataSize += int64(len(s.Data) - len(n.data))
		n.data = s.Data
		n.dataHash = hashData(s.Data)
		n.stat.Mtime = hdr.Time
		n.stat.Mzxid = hdr.Zxid
		n.stat.Version = s.Version
		t.rehash(n)
		r.Stat = n.clientStat(t.cfg.ExtendedTypes)
		trig = append(trig, Trigger{Path: n.path, Event: wire.EventNodeDataChanged, ACL: n.acl})
	case wire.OpSetACL:
		s, ok := txn.(*SetACLTxn)
		if !ok {
			return bad()
		}
		r.Path = s.Path
		n := t.nodes[normalize(s.Path)]
		if n == nil {
			r.Err = wire.ErrNoNode
			break
		}
		t.releaseACL(n.acl, n.aclHash)
		n.aclHash = hashACL(s.ACL)
		n.acl = t.internACL(s.ACL, n.aclHash)
		n.stat.Aversion = s.Version
		t.rehash(n)
		r.Stat = n.clientStat(t.cfg.ExtendedTypes)
	case wire.OpCheck:
		c, ok := txn.(*CheckVersionTxn)
		if !ok {
			return bad()
		}
		r.Path = c.Path
	case wire.OpError:
		e, ok := txn.(*ErrorTxn)
		if !ok {
			return bad()
		}
		r.Err = e.Err
	case wire.OpCreateSession:
		if _, ok := txn.(*CreateSessionTxn); !ok {
			return bad()
		}
	case wire.OpCloseSession:
		c, ok := txn.(*CloseSessionTxn)
		if !ok {
			return bad()
		}
		trig = t.closeSession(hdr.ClientID, hdr.Zxid, c.Paths, trig)
	default:
		return bad()
	}
	return r, trig
}

// create is DataTree.createNode plus the replay rule for an existing node.
func (t *Tree) create(hdr TxnHeader, path string, data []byte, acl []wire.ACL, owner int64, parentCV int32, trig []Trigger) (wire.Stat, wire.ErrCode, []Trigger) {
	parentPath, _, ok := parentOf(path)
	if !ok {
		return wire.Stat{}, wire.ErrNoNode, trig
	}
	parent := t.nodes[parentPath]
	if parent == nil {
		return wire.Stat{}, wire.ErrNoNode, trig
	}
	if t.nodes[path] != nil || path == "/" {
		if hdr.Type == wire.OpCreate {
			// Replaying a create a fuzzy snapshot already holds: only move the parent's
			// cversion and pzxid forward (DataTree.setCversionPzxid).
			t.bumpCversion(parent, parentCV, hdr.Zxid)
		}
		return wire.Stat{}, wire.ErrNodeExists, trig
	}
	t.bumpCversion(parent, parentCV, hdr.Zxid)
	n := t.insert(path, data, acl, StatPersisted{
		Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Pzxid: hdr.Zxid,
		Ctime: hdr.Time, Mtime: hdr.Time,
		EphemeralOwner: owner,
	})
	trig = append(trig,
		Trigger{Path: path, Event: wire.EventNodeCreated, ACL: n.acl},
		Trigger{Path: parentPath, Event: wire.EventNodeChildrenChanged, ACL: parent.acl})
	return n.clientStat(t.cfg.ExtendedTypes), wire.ErrOK, trig
}

// bumpCversion sets the parent's stored cversion (and pzxid) only if it moves forward.
func (t *Tree) bumpCversion(parent *node, cv int32, zxid int64) {
	if cv == -1 {
		cv = parent.stat.Cversion + 1
	}
	if cv > parent.stat.Cversion {
		parent.stat.Cversion = cv
		parent.stat.Pzxid = zxid
		t.rehash(parent)
	}
}

// delete is DataTree.deleteNode: the parent's pzxid moves forward even when the child
// is already gone (a replay), and its stored cversion is left alone.
func (t *Tree) delete(path string, zxid int64, trig []Trigger) (wire.ErrCode, []Trigger) {
	parentPath, _, ok := parentOf(path)
	if !ok || path == "/" {
		return wire.ErrNoNode, trig
	}
	parent := t.nodes[parentPath]
	if parent == nil {
		return wire.ErrNoNode, trig
	}
	n := t.nodes[path]
	if n != nil && len(n.children) > 0 {
		// ZooKeeper would orphan the children; validation never lets this through.
		return wire.ErrNotEmpty, trig
	}
	if zxid > parent.stat.Pzxid {
		parent.stat.Pzxid = zxid
		t.rehash(parent)
	}
	if n == nil {
		return wire.ErrNoNode, trig
	}
	t.remove(n)
	trig = append(trig,
		Trigger{Path: path, Event: wire.EventNodeDeleted, ACL: n.acl},
		Trigger{Path: parentPath, Event: wire.EventNodeChildrenChanged, ACL: parent.acl})
	return wire.ErrOK, trig
}

// closeSession deletes the paths the close was prepared with, then whatever other
// ephemerals the session still owns (DataTree.killSession), in sorted order.
func (t *Tree) closeSession(session, zxid int64, paths []string, trig []Trigger) []Trigger {
	local := t.ephemerals[session]
	delete(t.ephemerals, session)
	var rest []string
	// ZOOKEEPER-2355: a follower that failed while reading the close and synced again
	// kept the session's ephemeral for good: the close that reached it did not cover
	// the node it held. The fix made the server delete every ephemeral the session
	// owns locally, whatever the close listed. With the bug on, only the listed paths
	// go.
	if len(local) > 0 && !t.cfg.Bugs.Has(bugs.ZK2355) {
		inTxn := make(map[string]struct{}, len(paths))
		for _, p := range paths {
			inTxn[p] = struct{}{}
		}
		for p := range local {
			if _, ok := inTxn[p]; !ok {
				rest = append(rest, p)
			}
		}
		sortStrings(rest)
	}
	for _, p := range paths {
		_, trig = t.delete(p, zxid, trig)
	}
	for _, p := range rest {
		_, trig = t.delete(p, zxid, trig)
	}
	return trig
}
