package datatree

import (
	"slices"
	"strconv"
	"strings"

	"github.com/zksim/zksim/protocol/wire"
)

// Request is a client (or sweeper) write as the request pipeline hands it to Prepare.
// Which fields matter depends on Op:
//
//	OpCreate, OpCreate2,
//	OpCreateContainer     Path, Data, ACL, Flags
//	OpCreateTTL           Path, Data, ACL, Flags, TTL
//	OpDelete              Path, Version
//	OpDeleteContainer     Path
//	OpSetData             Path, Data, Version
//	OpSetACL              Path, ACL, Version
//	OpCheck               Path, Version
//	OpMulti               Ops (each one of the above except OpSetACL and OpMulti)
//	OpCreateSession       TimeOut
//	OpCloseSession        nothing
type Request struct {
	Op      wire.OpCode
	Path    string
	Data    []byte
	ACL     []wire.ACL
	Flags   wire.CreateMode
	TTL     int64
	Version int32
	TimeOut int32
	Ops     []Request
}

// Env is everything about one request that does not come from the tree: who sent it,
// the zxid and time the leader gave it, and hooks for the checks other packages own.
// A nil hook allows everything (FixupACL defaults to DefaultFixupACL).
type Env struct {
	SessionID int64
	Cxid      int32
	Zxid      int64
	Time      int64

	// CheckSession is the session tracker's check, made where ZooKeeper makes it;
	// ephemeralCreate asks for a global session (EPHEMERALONLOCALSESSION otherwise).
	CheckSession func(ephemeralCreate bool) wire.ErrCode
	// FixupACL validates and expands a create's or setACL's ACL (INVALIDACL).
	FixupACL func(acl []wire.ACL) ([]wire.ACL, wire.ErrCode)
	// CheckACL reports whether the caller holds perm on a node with the given ACL;
	// false is NOAUTH.
	CheckACL func(perm int32, acl []wire.ACL) bool
	// CheckQuota may refuse a create or setData (QUOTAEXCEEDED).
	CheckQuota func(path string, oldData, newData []byte) wire.ErrCode
}

// Prepared is a request turned into a transaction. A request that failed validation
// becomes an ErrorTxn (Header.Type OpError) that still takes its zxid; Err is its code.
// A failed multi stays a MultiTxn whose sub-ops carry the errors, and Err is the
// failing sub-op's code.
type Prepared struct {
	Header TxnHeader
	Txn    Txn
	Err    wire.ErrCode
}

// DefaultFixupACL drops duplicate entries and refuses an empty list. Scheme-specific
// checks and "auth" expansion belong to the ACL package's hook.
func DefaultFixupACL(acl []wire.ACL) ([]wire.ACL, wire.ErrCode) {
	out := make([]wire.ACL, 0, len(acl))
	for _, a := range acl {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, wire.ErrInvalidACL
	}
	return out, wire.ErrOK
}

// changeRecord is ZooKeeper's ChangeRecord: the state a path will have once the
// transactions prepared so far are applied. stat == nil means "deleted".
type changeRecord struct {
	zxid       int64
	path       string
	stat       *StatPersisted
	childCount int32
	acl        []wire.ACL
	data       []byte
}

func (c *changeRecord) duplicate(zxid int64) *changeRecord {
	d := *c
	d.zxid = zxid
	if c.stat != nil {
		s := *c.stat
		d.stat = &s
	}
	return &d
}

// Preparer validates writes against the tree plus the changes prepared but not yet
// applied (ZooKeeper's outstandingChanges), in PrepRequestProcessor's order of checks.
type Preparer struct {
	tree   *Tree
	queue  []*changeRecord // in zxid order
	byPath map[string]*changeRecord

	// During a multi: the overlay entries its sub-ops replaced, to restore on failure.
	saved map[string]*changeRecord
}

// NewPreparer returns a Preparer over t with nothing outstanding.
func NewPreparer(t *Tree) *Preparer {
	return &Preparer{tree: t, byPath: make(map[string]*changeRecord)}
}

// Outstanding is the number of change records not yet released by Committed.
func (p *Preparer) Outstanding() int { return len(p.queue) }

// Committed releases the change records of every transaction up to zxid, once the tree
// has applied them (FinalRequestProcessor does this).
func (p *Preparer) Committed(zxid int64) {
	i := 0
	for ; i < len(p.queue) && p.queue[i].zxid <= zxid; i++ {
		c := p.queue[i]
		if p.byPath[c.path] == c {
			delete(p.byPath, c.path)
		}
		p.queue[i] = nil
	}
	p.queue = p.queue[i:]
}

// Reset forgets every outstanding change, as a server does when it stops leading.
func (p *Preparer) Reset() {
	p.queue = nil
	clear(p.byPath)
	p.saved = nil
}

// record returns the pending or current state of path, or nil if it does not exist.
func (p *Preparer) record(path string) *changeRecord {
	path = normalize(path)
	if c, ok := p.byPath[path]; ok {
		if c.stat == nil {
			return nil
		}
		return c
	}
	n := p.tree.nodes[path]
	if n == nil {
		return nil
	}
	s := n.stat
	return &changeRecord{zxid: -1, path: path, stat: &s, childCount: int32(len(n.children)), acl: n.acl, data: n.data}
}

func (p *Preparer) add(c *changeRecord) {
	c.path = normalize(c.path)
	if p.saved != nil {
		if _, done := p.saved[c.path]; !done {
			p.saved[c.path] = p.byPath[c.path]
		}
	}
	p.queue = append(p.queue, c)
	p.byPath[c.path] = c
}

// rollback undoes the records a failed multi (all sharing zxid) added.
func (p *Preparer) rollback(zxid int64) {
	i := len(p.queue)
	for i > 0 && p.queue[i-1].zxid == zxid {
		i--
		p.queue[i] = nil
	}
	p.queue = p.queue[:i]
	for path, prev := range p.saved {
		if prev == nil {
			delete(p.byPath, path)
		} else {
			p.byPath[path] = prev
		}
	}
}

// Prepare validates req and turns it into a transaction, recording its effects as
// outstanding so that the next request sees them.
func (p *Preparer) Prepare(env Env, req Request) Prepared {
	hdr := TxnHeader{ClientID: env.SessionID, Cxid: env.Cxid, Zxid: env.Zxid, Time: env.Time, Type: req.Op}
	if req.Op == wire.OpMulti {
		return p.prepareMulti(env, hdr, req)
	}
	txn, err := p.prepareOne(env, req)
	if err != wire.ErrOK {
		hdr.Type = wire.OpError
		return Prepared{Header: hdr, Txn: &ErrorTxn{Err: err}, Err: err}
	}
	return Prepared{Header: hdr, Txn: txn}
}

func (p *Preparer) prepareMulti(env Env, hdr TxnHeader, req Request) Prepared {
	for _, op := range req.Ops {
		if !allowedInMulti(op.Op) || op.Op == wire.OpError || op.Op == wire.OpDeleteContainer {
			hdr.Type = wire.OpError
			return Prepared{Header: hdr, Txn: &ErrorTxn{Err: wire.ErrMarshallingError}, Err: wire.ErrMarshallingError}
		}
	}
	p.saved = make(map[string]*changeRecord)
	defer func() { p.saved = nil }()
	m := &MultiTxn{Ops: make([]SubTxn, 0, len(req.Ops))}
	failed := wire.ErrOK
	for _, op := range req.Ops {
		if failed != wire.ErrOK {
			m.Ops = append(m.Ops, SubTxn{Type: wire.OpError, Txn: &ErrorTxn{Err: wire.ErrRuntimeInconsistency}})
			continue
		}
		txn, err := p.prepareOne(env, op)
		if err != wire.ErrOK {
			failed = err
			p.rollback(env.Zxid)
			m.Ops = append(m.Ops, SubTxn{Type: wire.OpError, Txn: &ErrorTxn{Err: err}})
			continue
		}
		m.Ops = append(m.Ops, SubTxn{Type: op.Op, Txn: txn})
	}
	return Prepared{Header: hdr, Txn: m, Err: failed}
}

func (p *Preparer) prepareOne(env Env, req Request) (Txn, wire.ErrCode) {
	switch req.Op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL:
		return p.prepareCreate(env, req)
	case wire.OpDelete:
		return p.prepareDelete(env, req)
	case wire.OpDeleteContainer:
		return p.prepareDeleteContainer(env, req)
	case wire.OpSetData:
		return p.prepareSetData(env, req)
	case wire.OpSetACL:
		return p.prepareSetACL(env, req)
	case wire.OpCheck:
		return p.prepareCheck(env, req)
	case wire.OpCreateSession:
		return &CreateSessionTxn{TimeOut: req.TimeOut}, wire.ErrOK
	case wire.OpCloseSession:
		return p.prepareCloseSession(env), wire.ErrOK
	}
	return nil, wire.ErrMarshallingError
}

func checkSession(env Env, ephemeral bool) wire.ErrCode {
	if env.CheckSession == nil {
		return wire.ErrOK
	}
	return env.CheckSession(ephemeral)
}

func checkACL(env Env, perm int32, acl []wire.ACL) wire.ErrCode {
	if env.CheckACL == nil || env.CheckACL(perm, acl) {
		return wire.ErrOK
	}
	return wire.ErrNoAuth
}

func fixupACL(env Env, acl []wire.ACL) ([]wire.ACL, wire.ErrCode) {
	if env.FixupACL == nil {
		return DefaultFixupACL(acl)
	}
	return env.FixupACL(acl)
}

func (p *Preparer) checkData(env Env, path string, oldData, newData []byte) wire.ErrCode {
	if len(newData) > p.tree.cfg.maxDataSize() {
		return wire.ErrBadArguments
	}
	if env.CheckQuota != nil {
		return env.CheckQuota(path, oldData, newData)
	}
	return wire.ErrOK
}

// nextVersion is checkAndIncVersion: -1 matches any version, and the version after
// MaxInt32 wraps past -1 straight to 0 (ZOOKEEPER-4743), since -1 means "any".
func nextVersion(current, expected int32) (int32, wire.ErrCode) {
	if expected != -1 && expected != current {
		return 0, wire.ErrBadVersion
	}
	next := current + 1
	if next == -1 {
		next = 0
	}
	return next, wire.ErrOK
}

func isTTLMode(m wire.CreateMode) bool {
	return m == wire.ModePersistentWithTTL || m == wire.ModePersistentSequentialWithTTL
}

func isSequentialMode(m wire.CreateMode) bool {
	return m == wire.ModePersistentSequential || m == wire.ModeEphemeralSequential ||
		m == wire.ModePersistentSequentialWithTTL
}

func isEphemeralMode(m wire.CreateMode) bool {
	return m == wire.ModeEphemeral || m == wire.ModeEphemeralSequential
}

// sequenceSuffix formats n as Java's "%010d": ten digits, zero-padded after any sign.
func sequenceSuffix(n int32) string {
	digits := strconv.FormatInt(int64(n), 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	if pad := 10 - len(sign) - len(digits); pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	return sign + digits
}

// createParent is validatePathForCreate: a slash somewhere and no NUL.
func createParent(path string) (string, wire.ErrCode) {
	parent, _, ok := parentOf(path)
	if !ok || strings.IndexByte(path, 0) >= 0 {
		return "", wire.ErrBadArguments
	}
	return parent, wire.ErrOK
}

// prepareCreate follows PrepRequestProcessor.pRequest2TxnCreate: mode and TTL, session,
// path shape, ACL, parent, CREATE permission, sequential suffix, full path validation,
// existence, ephemeral parent, data size and quota.
func (p *Preparer) prepareCreate(env Env, req Request) (Txn, wire.ErrCode) {
	mode := req.Flags
	if mode < wire.ModePersistent || mode > wire.ModePersistentSequentialWithTTL {
		return nil, wire.ErrBadArguments
	}
	ttl := int64(-1)
	if req.Op == wire.OpCreateTTL {
		ttl = req.TTL
	}
	if isTTLMode(mode) {
		if !p.tree.cfg.ExtendedTypes {
			return nil, wire.ErrUnimplemented
		}
		if ttl <= 0 || ttl > MaxTTL {
			return nil, wire.ErrBadArguments
		}
	} else if ttl >= 0 || req.Op == wire.OpCreateTTL {
		// A ttl with a non-TTL mode. (ZooKeeper lets op 21 through with a negative ttl
		// and a non-TTL mode and then fails to apply it; we refuse it here.)
		return nil, wire.ErrBadArguments
	}
	if err := checkSession(env, isEphemeralMode(mode)); err != wire.ErrOK {
		return nil, err
	}
	parentPath, err := createParent(req.Path)
	if err != wire.ErrOK {
		return nil, err
	}
	acl, err := fixupACL(env, req.ACL)
	if err != wire.ErrOK {
		return nil, err
	}
	parent := p.record(parentPath)
	if parent == nil {
		return nil, wire.ErrNoNode
	}
	if err := checkACL(env, wire.PermCreate, parent.acl); err != wire.ErrOK {
		return nil, err
	}
	path := req.Path
	if isSequentialMode(mode) {
		path += sequenceSuffix(parent.stat.Cversion)
	}
	if !ValidatePath(path) {
		return nil, wire.ErrBadArguments
	}
	if p.record(path) != nil {
		return nil, wire.ErrNodeExists
	}
	if kindOf(parent.stat.EphemeralOwner, p.tree.cfg.ExtendedTypes) == KindEphemeral {
		return nil, wire.ErrNoChildrenForEphemerals
	}
	newCversion := parent.stat.Cversion + 1
	if err := p.checkData(env, path, nil, req.Data); err != wire.ErrOK {
		return nil, err
	}

	// The owner follows the transaction type, which is what Apply will store.
	var txn Txn
	var owner int64
	switch req.Op {
	case wire.OpCreateContainer:
		txn = &CreateContainerTxn{Path: path, Data: req.Data, ACL: acl, ParentCVersion: newCversion}
		owner = ContainerOwner
	case wire.OpCreateTTL:
		txn = &CreateTTLTxn{Path: path, Data: req.Data, ACL: acl, ParentCVersion: newCversion, TTL: ttl}
		owner = TTLOwner(ttl)
	default:
		eph := isEphemeralMode(mode)
		txn = &CreateTxn{Path: path, Data: req.Data, ACL: acl, Ephemeral: eph, ParentCVersion: newCversion}
		if eph {
			owner = env.SessionID
		}
	}
	pc := parent.duplicate(env.Zxid)
	pc.childCount++
	pc.stat.Cversion = newCversion
	pc.stat.Pzxid = env.Zxid
	p.add(pc)
	p.add(&changeRecord{
		zxid: env.Zxid,
		path: path,
		stat: &StatPersisted{
			Czxid: env.Zxid, Mzxid: env.Zxid, Pzxid: env.Zxid,
			Ctime: env.Time, Mtime: env.Time, EphemeralOwner: owner,
		},
		acl:  acl,
		data: req.Data,
	})
	return txn, wire.ErrOK
}

// deleteParent is getParentPathAndValidate: a slash, no NUL, not a protected path.
func deleteParent(path string) (string, wire.ErrCode) {
	parent, err := createParent(path)
	if err != wire.ErrOK || isProtected(path) {
		return "", wire.ErrBadArguments
	}
	return parent, wire.ErrOK
}

func (p *Preparer) addDelete(zxid int64, parent *changeRecord, path string) {
	pc := parent.duplicate(zxid)
	pc.childCount--
	pc.stat.Pzxid = zxid
	p.add(pc)
	p.add(&changeRecord{zxid: zxid, path: path})
}

func (p *Preparer) prepareDelete(env Env, req Request) (Txn, wire.ErrCode) {
	if err := checkSession(env, false); err != wire.ErrOK {
		return nil, err
	}
	parentPath, err := deleteParent(req.Path)
	if err != wire.ErrOK {
		return nil, err
	}
	parent := p.record(parentPath)
	if parent == nil {
		return nil, wire.ErrNoNode
	}
	if err := checkACL(env, wire.PermDelete, parent.acl); err != wire.ErrOK {
		return nil, err
	}
	n := p.record(req.Path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if _, err := nextVersion(n.stat.Version, req.Version); err != wire.ErrOK {
		return nil, err
	}
	if n.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	p.addDelete(env.Zxid, parent, req.Path)
	return &DeleteTxn{Path: req.Path}, wire.ErrOK
}

// prepareDeleteContainer is the sweeper's delete: no session, ACL or version check, and
// it refuses plain ephemerals (BADVERSION, as ZooKeeper does).
func (p *Preparer) prepareDeleteContainer(env Env, req Request) (Txn, wire.ErrCode) {
	parentPath, err := deleteParent(req.Path)
	if err != wire.ErrOK {
		return nil, err
	}
	n := p.record(req.Path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if n.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	if kindOf(n.stat.EphemeralOwner, p.tree.cfg.ExtendedTypes) == KindEphemeral {
		return nil, wire.ErrBadVersion
	}
	parent := p.record(parentPath)
	if parent == nil {
		return nil, wire.ErrNoNode
	}
	p.addDelete(env.Zxid, parent, req.Path)
	return &DeleteTxn{Path: req.Path}, wire.ErrOK
}

// sessionAndPath is the start of setData, setACL and check: the session, then
// PathUtils.validatePath.
func sessionAndPath(env Env, path string) wire.ErrCode {
	if err := checkSession(env, false); err != wire.ErrOK {
		return err
	}
	if !ValidatePath(path) {
		return wire.ErrBadArguments
	}
	return wire.ErrOK
}

// permittedNode returns the pending state of an existing node the caller holds perm on.
func (p *Preparer) permittedNode(env Env, path string, perm int32) (*changeRecord, wire.ErrCode) {
	n := p.record(path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if err := checkACL(env, perm, n.acl); err != wire.ErrOK {
		return nil, err
	}
	return n, wire.ErrOK
}

func (p *Preparer) prepareSetData(env Env, req Request) (Txn, wire.ErrCode) {
	if err := sessionAndPath(env, req.Path); err != wire.ErrOK {
		return nil, err
	}
	n, err := p.permittedNode(env, req.Path, wire.PermWrite)
	if err != wire.ErrOK {
		return nil, err
	}
	if err := p.checkData(env, req.Path, n.data, req.Data); err != wire.ErrOK {
		return nil, err
	}
	version, err := nextVersion(n.stat.Version, req.Version)
	if err != wire.ErrOK {
		return nil, err
	}
	c := n.duplicate(env.Zxid)
	c.stat.Version = version
	c.stat.Mtime = env.Time
	c.stat.Mzxid = env.Zxid
	c.data = req.Data
	p.add(c)
	return &SetDataTxn{Path: req.Path, Data: req.Data, Version: version}, wire.ErrOK
}

func (p *Preparer) prepareSetACL(env Env, req Request) (Txn, wire.ErrCode) {
	if err := sessionAndPath(env, req.Path); err != wire.ErrOK {
		return nil, err
	}
	acl, err := fixupACL(env, req.ACL)
	if err != wire.ErrOK {
		return nil, err
	}
	n, err := p.permittedNode(env, req.Path, wire.PermAdmin)
	if err != wire.ErrOK {
		return nil, err
	}
	version, err := nextVersion(n.stat.Aversion, req.Version)
	if err != wire.ErrOK {
		return nil, err
	}
	c := n.duplicate(env.Zxid)
	c.stat.Aversion = version
	c.acl = acl
	p.add(c)
	return &SetACLTxn{Path: req.Path, ACL: acl, Version: version}, wire.ErrOK
}

func (p *Preparer) prepareCheck(env Env, req Request) (Txn, wire.ErrCode) {
	if err := sessionAndPath(env, req.Path); err != wire.ErrOK {
		return nil, err
	}
	n, err := p.permittedNode(env, req.Path, wire.PermRead)
	if err != wire.ErrOK {
		return nil, err
	}
	version, err := nextVersion(n.stat.Version, req.Version)
	if err != wire.ErrOK {
		return nil, err
	}
	return &CheckVersionTxn{Path: req.Path, Version: version}, wire.ErrOK
}

// prepareCloseSession lists the session's ephemerals as they will be once everything
// outstanding is applied, sorted, and records their deletion.
func (p *Preparer) prepareCloseSession(env Env) Txn {
	es := make(map[string]struct{})
	for path := range p.tree.ephemerals[env.SessionID] {
		es[path] = struct{}{}
	}
	for _, c := range p.queue {
		if c.stat == nil {
			delete(es, c.path)
		} else if c.stat.EphemeralOwner == env.SessionID {
			es[c.path] = struct{}{}
		}
	}
	paths := sortedKeys(es)
	for _, path := range paths {
		parentPath, _, _ := parentOf(path)
		if parent := p.record(parentPath); parent != nil {
			p.addDelete(env.Zxid, parent, path)
		} else {
			p.add(&changeRecord{zxid: env.Zxid, path: path})
		}
	}
	return &CloseSessionTxn{Paths: paths}
}
