package datatree

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zksim/zksim/protocol/wire"
	"pgregory.net/rapid"
)

// The model is a deliberately naive re-statement of the reference's rules: a flat map
// from path to node, children found by scanning, checks written straight from §2.2.

type mNode struct {
	data          []byte
	acl           []wire.ACL
	czxid, mzxid  int64
	pzxid         int64
	ctime, mtime  int64
	version, aver int32
	creates       int32 // child creations ever (the stored cversion)
	owner         int64 // session of an ephemeral
	kind          Kind
	ttl           int64
}

type model struct {
	nodes    map[string]*mNode
	extended bool
	maxData  int
}

func newModel(extended bool, maxData int) *model {
	m := &model{nodes: map[string]*mNode{}, extended: extended, maxData: maxData}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota"} {
		m.nodes[p] = &mNode{data: []byte{}, acl: OpenACL}
	}
	m.nodes["/zookeeper/config"] = &mNode{data: []byte{}, acl: ReadACL, aver: -1}
	return m
}

func (m *model) clone() *model {
	c := &model{nodes: map[string]*mNode{}, extended: m.extended, maxData: m.maxData}
	for p, n := range m.nodes {
		cp := *n
		c.nodes[p] = &cp
	}
	return c
}

func mParent(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func (m *model) children(p string) []string {
	var out []string
	for q := range m.nodes {
		if q != "/" && mParent(q) == p {
			out = append(out, q[strings.LastIndex(q, "/")+1:])
		}
	}
	slices.Sort(out)
	return out
}

func (m *model) stat(p string) wire.Stat {
	n := m.nodes[p]
	nc := int32(len(m.children(p)))
	owner := int64(0)
	if n.kind == KindEphemeral {
		owner = n.owner
	}
	return wire.Stat{Czxid: n.czxid, Mzxid: n.mzxid, Ctime: n.ctime, Mtime: n.mtime, Version: n.version,
		Cversion: 2*n.creates - nc, Aversion: n.aver, EphemeralOwner: owner, DataLength: int32(len(n.data)),
		NumChildren: nc, Pzxid: n.pzxid}
}

func mValidPath(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || !utf8.ValidString(p) {
		return false
	}
	for _, name := range strings.Split(p[1:], "/") {
		if name == "" || name == "." || name == ".." {
			return false
		}
		for _, r := range name {
			if r == 0 || r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0xd800 && r <= 0xf8ff) || r >= 0xfff0 {
				return false
			}
		}
	}
	return true
}

func mAllowed(acl []wire.ACL, perm int32) bool {
	for _, a := range acl {
		if a.ID == (wire.Id{Scheme: "world", ID: "anyone"}) && a.Perms&perm == perm {
			return true
		}
	}
	return false
}

func mDedupe(acl []wire.ACL) []wire.ACL {
	var out []wire.ACL
	for _, a := range acl {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

type mResult struct {
	err  wire.ErrCode
	path string
	stat wire.Stat
	hasS bool
}

// step applies one non-multi request to the model.
func (m *model) step(r Request, session, zxid, now int64) (mResult, []Trigger) {
	fail := func(e wire.ErrCode) (mResult, []Trigger) { return mResult{err: e}, nil }
	switch r.Op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL:
		mode := r.Flags
		if mode < 0 || mode > 6 {
			return fail(wire.ErrBadArguments)
		}
		ttlMode := mode == 5 || mode == 6
		if ttlMode && !m.extended {
			return fail(wire.ErrUnimplemented)
		}
		if ttlMode && (r.Op != wire.OpCreateTTL || r.TTL <= 0 || r.TTL >= 1<<40) {
			return fail(wire.ErrBadArguments)
		}
		if !ttlMode && r.Op == wire.OpCreateTTL {
			return fail(wire.ErrBadArguments)
		}
		if !strings.Contains(r.Path, "/") || strings.Contains(r.Path, "\x00") {
			return fail(wire.ErrBadArguments)
		}
		acl := mDedupe(r.ACL)
		if len(acl) == 0 {
			return fail(wire.ErrInvalidACL)
		}
		parent := mParent(r.Path)
		pn := m.nodes[parent]
		if pn == nil {
			return fail(wire.ErrNoNode)
		}
		if !mAllowed(pn.acl, wire.PermCreate) {
			return fail(wire.ErrNoAuth)
		}
		path := r.Path
		if mode == 2 || mode == 3 || mode == 6 {
			seq := strconv.Itoa(int(pn.creates))
			path += strings.Repeat("0", 10-len(seq)) + seq
		}
		if !mValidPath(path) {
			return fail(wire.ErrBadArguments)
		}
		if m.nodes[path] != nil {
			return fail(wire.ErrNodeExists)
		}
		if pn.kind == KindEphemeral {
			return fail(wire.ErrNoChildrenForEphemerals)
		}
		if len(r.Data) > m.maxData {
			return fail(wire.ErrBadArguments)
		}
		n := &mNode{data: r.Data, acl: acl, czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: now, mtime: now}
		switch {
		case r.Op == wire.OpCreateContainer:
			n.kind = KindContainer
		case r.Op == wire.OpCreateTTL:
			n.kind, n.ttl = KindTTL, r.TTL
		case mode == 1 || mode == 3:
			n.kind, n.owner = KindEphemeral, session
		}
		pn.creates++
		pn.pzxid = zxid
		m.nodes[path] = n
		return mResult{path: path, stat: m.stat(path), hasS: true},
			[]Trigger{{path, wire.EventNodeCreated, acl}, {parent, wire.EventNodeChildrenChanged, pn.acl}}
	case wire.OpDelete, wire.OpDeleteContainer:
		if !strings.Contains(r.Path, "/") || strings.Contains(r.Path, "\x00") {
			return fail(wire.ErrBadArguments)
		}
		switch r.Path {
		case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
			return fail(wire.ErrBadArguments)
		}
		pn := m.nodes[mParent(r.Path)]
		n := m.nodes[r.Path]
		if r.Op == wire.OpDelete {
			if pn == nil {
				return fail(wire.ErrNoNode)
			}
			if !mAllowed(pn.acl, wire.PermDelete) {
				return fail(wire.ErrNoAuth)
			}
			if n == nil {
				return fail(wire.ErrNoNode)
			}
			if r.Version != -1 && r.Version != n.version {
				return fail(wire.ErrBadVersion)
			}
			if len(m.children(r.Path)) > 0 {
				return fail(wire.ErrNotEmpty)
			}
		} else {
			if n == nil {
				return fail(wire.ErrNoNode)
			}
			if len(m.children(r.Path)) > 0 {
				return fail(wire.ErrNotEmpty)
			}
			if n.kind == KindEphemeral {
				return fail(wire.ErrBadVersion)
			}
		}
		return mResult{path: r.Path}, m.remove(r.Path, zxid)
	case wire.OpSetData, wire.OpCheck:
		if !mValidPath(r.Path) {
			return fail(wire.ErrBadArguments)
		}
		n := m.nodes[r.Path]
		if n == nil {
			return fail(wire.ErrNoNode)
		}
		if r.Op == wire.OpCheck {
			if !mAllowed(n.acl, wire.PermRead) {
				return fail(wire.ErrNoAuth)
			}
			if r.Version != -1 && r.Version != n.version {
				return fail(wire.ErrBadVersion)
			}
			return mResult{path: r.Path}, nil
		}
		if !mAllowed(n.acl, wire.PermWrite) {
			return fail(wire.ErrNoAuth)
		}
		if len(r.Data) > m.maxData {
			return fail(wire.ErrBadArguments)
		}
		if r.Version != -1 && r.Version != n.version {
			return fail(wire.ErrBadVersion)
		}
		n.version++
		if n.version == -1 {
			n.version = 0
		}
		n.data, n.mzxid, n.mtime = r.Data, zxid, now
		return mResult{path: r.Path, stat: m.stat(r.Path), hasS: true},
			[]Trigger{{r.Path, wire.EventNodeDataChanged, n.acl}}
	case wire.OpSetACL:
		if !mValidPath(r.Path) {
			return fail(wire.ErrBadArguments)
		}
		acl := mDedupe(r.ACL)
		if len(acl) == 0 {
			return fail(wire.ErrInvalidACL)
		}
		n := m.nodes[r.Path]
		if n == nil {
			return fail(wire.ErrNoNode)
		}
		if !mAllowed(n.acl, wire.PermAdmin) {
			return fail(wire.ErrNoAuth)
		}
		if r.Version != -1 && r.Version != n.aver {
			return fail(wire.ErrBadVersion)
		}
		n.aver++
		n.acl = acl
		return mResult{path: r.Path, stat: m.stat(r.Path), hasS: true}, nil
	case wire.OpCloseSession:
		var mine []string
		for p, n := range m.nodes {
			if n.kind == KindEphemeral && n.owner == session {
				mine = append(mine, p)
			}
		}
		slices.Sort(mine)
		var trig []Trigger
		for _, p := range mine {
			trig = append(trig, m.remove(p, zxid)...)
		}
		return mResult{}, trig
	}
	panic("model: unexpected op")
}

func (m *model) remove(p string, zxid int64) []Trigger {
	n := m.nodes[p]
	parent := mParent(p)
	delete(m.nodes, p)
	m.nodes[parent].pzxid = zxid
	return []Trigger{{p, wire.EventNodeDeleted, n.acl}, {parent, wire.EventNodeChildrenChanged, m.nodes[parent].acl}}
}

// multi applies a multi to the model: all or nothing.
func (m *model) multi(ops []Request, session, zxid, now int64) ([]OpResult, []Trigger, *model) {
	c := m.clone()
	var results []OpResult
	var trig []Trigger
	for i, op := range ops {
		r, tr := c.step(op, session, zxid, now)
		if r.err != wire.ErrOK {
			results = results[:0]
			for j := range ops {
				code := wire.ErrOK
				if j == i {
					code = r.err
				} else if j > i {
					code = wire.ErrRuntimeInconsistency
				}
				results = append(results, OpResult{Type: wire.OpError, Err: code})
			}
			return results, nil, m
		}
		results = append(results, OpResult{Type: op.Op, Path: r.path, Stat: r.stat})
		trig = append(trig, tr...)
	}
	return results, trig, c
}

// Generators.

var (
	nameGen  = rapid.SampledFrom([]string{"a", "b", "c"})
	dataGen  = rapid.SampledFrom([][]byte{nil, {}, []byte("x"), []byte("yyy")})
	versions = rapid.SampledFrom([]int32{-1, -1, 0, 1, 2})
	aclGen   = rapid.SampledFrom([][]wire.ACL{
		OpenACL, OpenACL, OpenACL, ReadACL, nil,
		{{Perms: wire.PermAll &^ wire.PermAdmin, ID: wire.Id{Scheme: "world", ID: "anyone"}}},
		{OpenACL[0], OpenACL[0]},
		{{Perms: wire.PermAll, ID: wire.Id{Scheme: "digest", ID: "u:x"}}},
	})
)

// pathGen draws mostly paths that exist (so deletes, setData and multis succeed often
// enough to build deep trees), sometimes a fresh child of one, sometimes an invalid one.
func pathGen(existing []string) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		switch rapid.IntRange(0, 5).Draw(t, "how") {
		case 0, 1:
			if len(existing) > 0 {
				return rapid.SampledFrom(existing).Draw(t, "existing")
			}
		case 2:
			if len(existing) > 0 {
				p := rapid.SampledFrom(existing).Draw(t, "under")
				return strings.TrimSuffix(p, "/") + "/" + nameGen.Draw(t, "name")
			}
		}
		if rapid.IntRange(0, 15).Draw(t, "odd") == 0 {
			return rapid.SampledFrom([]string{"/", "/a/", "a", "/a//b", "/zookeeper", "/a/.", "/zookeeper/config", "/a/\x01"}).Draw(t, "bad")
		}
		depth := rapid.IntRange(1, 3).Draw(t, "depth")
		p := ""
		for range depth {
			p += "/" + nameGen.Draw(t, "name")
		}
		return p
	})
}

func requestGen(existing []string, inMulti bool) *rapid.Generator[Request] {
	return rapid.Custom(func(t *rapid.T) Request {
		kinds := []string{"create", "create", "delete", "setData", "check"}
		if !inMulti {
			kinds = append(kinds, "create", "setACL", "multi", "close", "deleteContainer")
		}
		switch rapid.SampledFrom(kinds).Draw(t, "kind") {
		case "create":
			path := pathGen(existing).Draw(t, "path")
			mode := wire.CreateMode(rapid.SampledFrom([]int32{0, 0, 1, 2, 3, 4, 5, 6, 7}).Draw(t, "mode"))
			if mode == 2 || mode == 3 || mode == 6 {
				if rapid.Bool().Draw(t, "slash") {
					path = mParent(path)
					if path != "/" {
						path += "/"
					}
				}
			}
			r := Request{Op: wire.OpCreate, Path: path, Data: dataGen.Draw(t, "data"), ACL: aclGen.Draw(t, "acl"), Flags: mode}
			switch mode {
			case 4:
				r.Op = wire.OpCreateContainer
			case 5, 6:
				r.Op = wire.OpCreateTTL
				r.TTL = rapid.SampledFrom([]int64{1000, 1000, 0, 1 << 40}).Draw(t, "ttl")
			default:
				if rapid.IntRange(0, 9).Draw(t, "create2") == 0 {
					r.Op = wire.OpCreate2
				}
			}
			return r
		case "delete":
			return Request{Op: wire.OpDelete, Path: pathGen(existing).Draw(t, "path"), Version: versions.Draw(t, "v")}
		case "deleteContainer":
			return Request{Op: wire.OpDeleteContainer, Path: pathGen(existing).Draw(t, "path")}
		case "setData":
			return Request{Op: wire.OpSetData, Path: pathGen(existing).Draw(t, "path"), Data: dataGen.Draw(t, "data"), Version: versions.Draw(t, "v")}
		case "check":
			return Request{Op: wire.OpCheck, Path: pathGen(existing).Draw(t, "path"), Version: versions.Draw(t, "v")}
		case "setACL":
			return Request{Op: wire.OpSetACL, Path: pathGen(existing).Draw(t, "path"), ACL: aclGen.Draw(t, "acl"), Version: versions.Draw(t, "v")}
		case "multi":
			return Request{Op: wire.OpMulti, Ops: rapid.SliceOfN(requestGen(existing, true), 0, 4).Draw(t, "ops")}
		default:
			return Request{Op: wire.OpCloseSession}
		}
	})
}

// TestTreeMatchesModel runs random operation sequences, pipelined in random batches
// (prepared before the earlier ones are applied), through Preparer, the txn codec and
// Apply, and compares every reply, Stat, trigger list and the whole tree with the model.
func TestTreeMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := Config{ExtendedTypes: rapid.Bool().Draw(rt, "extended"), MaxDataSize: 2}
		s := newStandalone(cfg)
		m := newModel(cfg.ExtendedTypes, 2)
		steps := rapid.IntRange(1, 150).Draw(rt, "steps")
		for step := 0; step < steps; {
			batch := rapid.IntRange(1, 3).Draw(rt, "batch")
			var prepared []Prepared
			var reqs []Request
			var sessions []int64
			var planned []Request
			if deep := deepPaths(m); len(deep) > 0 && rapid.IntRange(0, 4).Draw(rt, "pair") == 0 {
				// Delete a node and then its parent: the parent's pending child count
				// must account for the first delete, pipelined or inside one multi.
				x := rapid.SampledFrom(deep).Draw(rt, "leaf")
				pair := []Request{{Op: wire.OpDelete, Path: x, Version: -1}, {Op: wire.OpDelete, Path: mParent(x), Version: -1}}
				if rapid.Bool().Draw(rt, "asMulti") {
					planned = []Request{{Op: wire.OpMulti, Ops: pair}}
				} else {
					planned = pair
				}
				batch = len(planned)
			}
			var plannedSession int64
			if eph := deepEphemerals(m); planned == nil && len(eph) > 0 && rapid.IntRange(0, 4).Draw(rt, "closePair") == 0 {
				// Close a session and then delete the parent of one of its ephemerals.
				x := rapid.SampledFrom(eph).Draw(rt, "eph")
				plannedSession = m.nodes[x].owner
				planned = []Request{{Op: wire.OpCloseSession}, {Op: wire.OpDelete, Path: mParent(x), Version: -1}}
				batch = len(planned)
			}
			for i := range batch {
				session := rapid.Int64Range(1, 3).Draw(rt, "session")
				if plannedSession != 0 {
					session = plannedSession
				}
				var req Request
				if planned != nil {
					req = planned[i]
				} else {
					req = requestGen(userPaths(m), false).Draw(rt, "req")
				}
				prepared = append(prepared, s.prep.Prepare(s.env(session), req))
				reqs, sessions = append(reqs, req), append(sessions, session)
			}
			for i, pr := range prepared {
				step++
				res := s.apply(rt, pr)
				checkStep(rt, m, reqs[i], sessions[i], pr, res)
				checkState(rt, s.tree, m)
			}
			if rapid.IntRange(0, 4).Draw(rt, "snap") == 0 {
				checkSnapshot(rt, s.tree)
			}
		}
		checkSnapshot(rt, s.tree)
	})
}

// userPaths lists the model's nodes outside /zookeeper, sorted.
func userPaths(m *model) []string {
	var out []string
	for p := range m.nodes {
		if p != "/" && !strings.HasPrefix(p, "/zookeeper") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// deepPaths lists the model's user nodes below the top level.
func deepPaths(m *model) []string {
	var out []string
	for _, p := range userPaths(m) {
		if strings.Count(p, "/") >= 2 {
			out = append(out, p)
		}
	}
	return out
}

// deepEphemerals lists the model's ephemerals below the top level.
func deepEphemerals(m *model) []string {
	var out []string
	for _, p := range deepPaths(m) {
		if m.nodes[p].kind == KindEphemeral {
			out = append(out, p)
		}
	}
	return out
}

func checkStep(t *rapid.T, m *model, req Request, session int64, pr Prepared, res Result) {
	zxid, now := pr.Header.Zxid, pr.Header.Time
	if req.Op == wire.OpMulti {
		want, trig, next := m.multi(req.Ops, session, zxid, now)
		*m = *next
		if len(res.Multi) != len(want) {
			t.Fatalf("multi %v: %d results, want %d", req.Ops, len(res.Multi), len(want))
		}
		for i, w := range want {
			if res.Multi[i] != w {
				t.Fatalf("multi %v result %d: %+v, want %+v", req.Ops, i, res.Multi[i], w)
			}
		}
		if !triggersEqual(res.Triggers, trig) {
			t.Fatalf("multi triggers %v, want %v", res.Triggers, trig)
		}
		return
	}
	want, trig := m.step(req, session, zxid, now)
	if res.Err != want.err || pr.Err != want.err {
		t.Fatalf("%v %q (mode %d): prepare %d apply %d, want %d", req.Op, req.Path, req.Flags, pr.Err, res.Err, want.err)
	}
	if want.err == wire.ErrOK {
		if want.path != "" && res.Path != want.path {
			t.Fatalf("%v path %q, want %q", req.Op, res.Path, want.path)
		}
		if want.hasS && res.Stat != want.stat {
			t.Fatalf("%v %q stat %+v, want %+v", req.Op, want.path, res.Stat, want.stat)
		}
	}
	if !triggersEqual(res.Triggers, trig) {
		t.Fatalf("%v %q triggers %v, want %v", req.Op, req.Path, res.Triggers, trig)
	}
}

func checkState(t *rapid.T, tr *Tree, m *model) {
	paths := slices.Sorted(maps.Keys(m.nodes))
	if got := tr.Paths(); !slices.Equal(got, paths) {
		t.Fatalf("paths %q, want %q", got, paths)
	}
	for _, p := range paths {
		n := m.nodes[p]
		data, st, _ := tr.Get(p)
		if (data == nil) != (n.data == nil) || string(data) != string(n.data) {
			t.Fatalf("%s data %q (nil %v), want %q (nil %v)", p, data, data == nil, n.data, n.data == nil)
		}
		if want := m.stat(p); st != want {
			t.Fatalf("%s stat %+v, want %+v", p, st, want)
		}
		acl, _, _ := tr.ACL(p)
		if !slices.Equal(acl, n.acl) {
			t.Fatalf("%s acl %v, want %v", p, acl, n.acl)
		}
		kids, _, _ := tr.Children(p)
		if want := m.children(p); !slices.Equal(kids, want) && len(kids)+len(want) > 0 {
			t.Fatalf("%s children %q, want %q", p, kids, want)
		}
		if k, _ := tr.Kind(p); k != n.kind {
			t.Fatalf("%s kind %d, want %d", p, k, n.kind)
		}
	}
	var distinct [][]wire.ACL
	for _, p := range paths {
		if !slices.ContainsFunc(distinct, func(a []wire.ACL) bool { return slices.Equal(a, m.nodes[p].acl) }) {
			distinct = append(distinct, m.nodes[p].acl)
		}
	}
	if tr.ACLCount() != len(distinct) {
		t.Fatalf("ACL cache holds %d lists, want %d", tr.ACLCount(), len(distinct))
	}
	size := int64(0)
	for _, p := range paths {
		size += int64(len(p) + len(m.nodes[p].data))
	}
	if tr.ApproximateDataSize() != size {
		t.Fatalf("approximate data size %d, want %d", tr.ApproximateDataSize(), size)
	}
	if !tr.VerifyDigest() {
		t.Fatalf("incremental digest drifted from the recomputed one")
	}
	for session := int64(1); session <= 3; session++ {
		var want []string
		for _, p := range paths {
			if m.nodes[p].kind == KindEphemeral && m.nodes[p].owner == session {
				want = append(want, p)
			}
		}
		if got := tr.Ephemerals(session); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("session %d ephemerals %q, want %q", session, got, want)
		}
	}
	now := int64(1 << 30)
	var sweep []string
	for _, p := range paths {
		n := m.nodes[p]
		if len(m.children(p)) == 0 && ((n.kind == KindContainer && n.creates > 0) || n.kind == KindTTL) {
			sweep = append(sweep, p)
		}
	}
	if got := tr.SweepCandidates(now, 0); !slices.Equal(got, sweep) && len(got)+len(sweep) > 0 {
		t.Fatalf("sweep candidates %q, want %q", got, sweep)
	}
}

// checkSnapshot round-trips the tree; DecodeSnapshot recomputes the digest from
// scratch, so this also proves the incremental digest right.
func checkSnapshot(t *rapid.T, tr *Tree) {
	b := tr.EncodeSnapshot([]byte("sessions"))
	got, extra, err := DecodeSnapshot(b, tr.Config())
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if !got.Equal(tr) || got.Digest() != tr.Digest() || got.LastZxid() != tr.LastZxid() || string(extra) != "sessions" {
		t.Fatalf("snapshot round trip differs")
	}
	if b2 := got.EncodeSnapshot([]byte("sessions")); string(b2) != string(b) {
		t.Fatalf("re-encoded snapshot differs")
	}
}
