package datatree

import (
	"math"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

func TestFreshTree(t *testing.T) {
	tr := New(Config{})
	if got := tr.NodeCount(); got != 5 {
		t.Errorf("NodeCount = %d, want 5 (srvr on a fresh server)", got)
	}
	if n, err := tr.AllChildrenNumber("/"); n != 3 || err != wire.ErrOK {
		t.Errorf("AllChildrenNumber(/) = %d, %d; want 3", n, err)
	}
	if n, _ := tr.AllChildrenNumber("/zookeeper"); n != 2 {
		t.Errorf("AllChildrenNumber(/zookeeper) = %d, want 2", n)
	}
	kids, st, _ := tr.Children("/")
	if !slices.Equal(kids, []string{"zookeeper"}) {
		t.Errorf("children of / = %q", kids)
	}
	if want := (wire.Stat{Cversion: -1, NumChildren: 1}); st != want {
		t.Errorf("stat / = %+v, want %+v", st, want)
	}
	acl, st, _ := tr.ACL("/zookeeper/config")
	if !slices.Equal(acl, ReadACL) || st.Aversion != -1 {
		t.Errorf("/zookeeper/config acl %v aversion %d", acl, st.Aversion)
	}
	data, _, _ := tr.Get("/zookeeper/quota")
	if data == nil || len(data) != 0 {
		t.Errorf("/zookeeper/quota data = %v, want empty non-null", data)
	}
	if tr.Digest() == 0 {
		t.Error("digest of a fresh tree is 0")
	}
	if got := tr.ApproximateDataSize(); got != 44 {
		t.Errorf("ApproximateDataSize = %d, want 44", got)
	}
}

func TestCreateStatAndNullData(t *testing.T) {
	s := newStandalone(Config{})
	res := mustOK(t, s.tree.Apply(TxnHeader{ClientID: 5, Zxid: 1, Time: 77, Type: wire.OpCreate2},
		&CreateTxn{Path: "/n", Data: nil, ACL: OpenACL, ParentCVersion: -1}))
	want := wire.Stat{Czxid: 1, Mzxid: 1, Pzxid: 1, Ctime: 77, Mtime: 77}
	if res.Stat != want {
		t.Errorf("create2 stat %+v, want %+v", res.Stat, want)
	}
	data, _, _ := s.tree.Get("/n")
	if data != nil {
		t.Errorf("null data came back as %v", data)
	}
	mustOK(t, s.tree.Apply(TxnHeader{Zxid: 2, Time: 78, Type: wire.OpCreate},
		&CreateTxn{Path: "/e", Data: []byte{}, ACL: OpenACL, ParentCVersion: -1}))
	data, st, _ := s.tree.Get("/e")
	if data == nil || st.DataLength != 0 {
		t.Errorf("empty data: %v, len %d", data, st.DataLength)
	}
	s.zxid = 2
	_, r := s.do(t, 9, create("/eph", wire.ModeEphemeral, "x"))
	if st, _ := s.tree.Stat("/eph"); st.EphemeralOwner != 9 || r.Stat.EphemeralOwner != 9 {
		t.Errorf("ephemeral owner %#x", st.EphemeralOwner)
	}
}

func TestErrorCodes(t *testing.T) {
	open := OpenACL
	dup := append(slices.Clone(OpenACL), OpenACL...)
	setup := []Request{
		create("/p", wire.ModePersistent, "d"),
		create("/p/c", wire.ModePersistent, "d"),
		create("/eph", wire.ModeEphemeral, ""),
		{Op: wire.OpCreate, Path: "/ro", ACL: ReadACL},
	}
	tests := []struct {
		name string
		cfg  Config
		req  Request
		want wire.ErrCode
	}{
		{"create no parent", Config{}, create("/x/y", 0, ""), wire.ErrNoNode},
		{"create exists", Config{}, create("/p", 0, ""), wire.ErrNodeExists},
		{"create under ephemeral", Config{}, create("/eph/c", 0, ""), wire.ErrNoChildrenForEphemerals},
		{"create empty acl", Config{}, Request{Op: wire.OpCreate, Path: "/q"}, wire.ErrInvalidACL},
		{"create duplicate acl ok", Config{}, Request{Op: wire.OpCreate, Path: "/q", ACL: dup}, wire.ErrOK},
		{"create no slash", Config{}, create("noslash", 0, ""), wire.ErrBadArguments},
		{"create trailing slash", Config{}, create("/p/", 0, ""), wire.ErrBadArguments},
		{"create double slash parent missing", Config{}, create("/p//x", 0, ""), wire.ErrNoNode},
		{"create dot", Config{}, create("/p/.", 0, ""), wire.ErrBadArguments},
		{"create dotdot", Config{}, create("/p/..", 0, ""), wire.ErrBadArguments},
		{"create dot parent missing", Config{}, create("/p/./x", 0, ""), wire.ErrNoNode},
		{"create NUL", Config{}, create("/p/a\x00b", 0, ""), wire.ErrBadArguments},
		{"create NUL before parent", Config{}, create("/nope/a\x00b", 0, ""), wire.ErrBadArguments},
		{"create control char", Config{}, create("/p/a\x01", 0, ""), wire.ErrBadArguments},
		{"create emoji", Config{}, create("/p/\U0001F600", 0, ""), wire.ErrBadArguments},
		{"create dots name ok", Config{}, create("/p/...", 0, ""), wire.ErrOK},
		{"create bad flags", Config{}, create("/q", 7, ""), wire.ErrBadArguments},
		{"create no permission", Config{}, create("/ro/x", 0, ""), wire.ErrNoAuth},
		{"ttl disabled", Config{}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModePersistentWithTTL, TTL: 10}, wire.ErrUnimplemented},
		{"ttl zero", Config{ExtendedTypes: true}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModePersistentWithTTL, TTL: 0}, wire.ErrBadArguments},
		{"ttl too big", Config{ExtendedTypes: true}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModePersistentWithTTL, TTL: MaxTTL + 1}, wire.ErrBadArguments},
		{"ttl max ok", Config{ExtendedTypes: true}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModePersistentWithTTL, TTL: MaxTTL}, wire.ErrOK},
		{"ttl with persistent mode", Config{ExtendedTypes: true}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModePersistent, TTL: 1000}, wire.ErrBadArguments},
		{"ttl with ephemeral mode", Config{ExtendedTypes: true}, Request{Op: wire.OpCreateTTL, Path: "/t", ACL: open, Flags: wire.ModeEphemeral, TTL: 1000}, wire.ErrBadArguments},
		{"ttl mode via plain create", Config{ExtendedTypes: true}, Request{Op: wire.OpCreate, Path: "/t", ACL: open, Flags: wire.ModePersistentWithTTL}, wire.ErrBadArguments},
		{"data too large", Config{MaxDataSize: 4}, create("/q", 0, "12345"), wire.ErrBadArguments},
		{"data at limit", Config{MaxDataSize: 4}, create("/q", 0, "1234"), wire.ErrOK},
		{"delete missing", Config{}, Request{Op: wire.OpDelete, Path: "/nope", Version: -1}, wire.ErrNoNode},
		{"delete missing parent", Config{}, Request{Op: wire.OpDelete, Path: "/nope/x", Version: -1}, wire.ErrNoNode},
		{"delete bad version", Config{}, Request{Op: wire.OpDelete, Path: "/p/c", Version: 7}, wire.ErrBadVersion},
		{"delete not empty", Config{}, Request{Op: wire.OpDelete, Path: "/p", Version: -1}, wire.ErrNotEmpty},
		{"delete root", Config{}, Request{Op: wire.OpDelete, Path: "/", Version: -1}, wire.ErrBadArguments},
		{"delete /zookeeper", Config{}, Request{Op: wire.OpDelete, Path: "/zookeeper", Version: -1}, wire.ErrBadArguments},
		{"delete quota", Config{}, Request{Op: wire.OpDelete, Path: "/zookeeper/quota", Version: -1}, wire.ErrBadArguments},
		{"delete config", Config{}, Request{Op: wire.OpDelete, Path: "/zookeeper/config", Version: -1}, wire.ErrBadArguments},
		{"delete no permission", Config{}, Request{Op: wire.OpDelete, Path: "/ro/x", Version: -1}, wire.ErrNoAuth},
		{"delete trailing slash", Config{}, Request{Op: wire.OpDelete, Path: "/p/", Version: -1}, wire.ErrNoNode},
		{"setData missing", Config{}, Request{Op: wire.OpSetData, Path: "/nope", Version: -1}, wire.ErrNoNode},
		{"setData bad path", Config{}, Request{Op: wire.OpSetData, Path: "/p/", Version: -1}, wire.ErrBadArguments},
		{"setData bad version", Config{}, Request{Op: wire.OpSetData, Path: "/p", Version: 3}, wire.ErrBadVersion},
		{"setData no permission", Config{}, Request{Op: wire.OpSetData, Path: "/ro", Version: -1}, wire.ErrNoAuth},
		{"setData too large", Config{MaxDataSize: 2}, Request{Op: wire.OpSetData, Path: "/p", Data: []byte("abc"), Version: 9}, wire.ErrBadArguments},
		{"setACL empty", Config{}, Request{Op: wire.OpSetACL, Path: "/p", Version: -1}, wire.ErrInvalidACL},
		{"setACL missing", Config{}, Request{Op: wire.OpSetACL, Path: "/nope", ACL: open, Version: -1}, wire.ErrNoNode},
		{"setACL bad version", Config{}, Request{Op: wire.OpSetACL, Path: "/p", ACL: open, Version: 1}, wire.ErrBadVersion},
		{"setACL no admin", Config{}, Request{Op: wire.OpSetACL, Path: "/ro", ACL: open, Version: -1}, wire.ErrNoAuth},
		{"deleteContainer ephemeral", Config{}, Request{Op: wire.OpDeleteContainer, Path: "/eph"}, wire.ErrBadVersion},
		{"deleteContainer not empty", Config{}, Request{Op: wire.OpDeleteContainer, Path: "/p"}, wire.ErrNotEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandalone(tc.cfg)
			for _, r := range setup {
				mustOK(t, func() Result { _, res := s.do(t, 1, r); return res }())
			}
			before := s.tree.Digest()
			pr, res := s.do(t, 1, tc.req)
			if res.Err != tc.want || pr.Err != tc.want {
				t.Fatalf("got prepare %d apply %d, want %d", pr.Err, res.Err, tc.want)
			}
			if tc.want != wire.ErrOK {
				if pr.Header.Type != wire.OpError || res.Zxid != s.zxid {
					t.Errorf("error txn header %+v, zxid %d", pr.Header, res.Zxid)
				}
				if s.tree.Digest() != before || len(res.Triggers) != 0 {
					t.Error("a failed write changed the tree or fired watches")
				}
			}
		})
	}
}

func TestSessionAndQuotaHooksInOrder(t *testing.T) {
	s := newStandalone(Config{})
	env := s.env(3)
	env.CheckSession = func(eph bool) wire.ErrCode {
		if eph {
			return wire.ErrEphemeralOnLocalSession
		}
		return wire.ErrOK
	}
	// Session checks come before path checks: a bad path still reports the session.
	pr := s.prep.Prepare(env, create("bad", wire.ModeEphemeral, ""))
	if pr.Err != wire.ErrEphemeralOnLocalSession {
		t.Errorf("ephemeral on local session: %d", pr.Err)
	}
	env = s.env(3)
	env.CheckQuota = func(string, []byte, []byte) wire.ErrCode { return wire.ErrQuotaExceeded }
	if pr := s.prep.Prepare(env, create("/q", 0, "x")); pr.Err != wire.ErrQuotaExceeded {
		t.Errorf("quota: %d", pr.Err)
	}
	env = s.env(3)
	env.CheckQuota = func(string, []byte, []byte) wire.ErrCode { return wire.ErrQuotaExceeded }
	if pr := s.prep.Prepare(env, create("/zookeeper", 0, "x")); pr.Err != wire.ErrNodeExists {
		t.Errorf("existence is checked before quota: %d", pr.Err)
	}
}

// TestCversionPzxid is the worked example of §2.3.
func TestCversionPzxid(t *testing.T) {
	s := newStandalone(Config{})
	mustOK(t, func() Result { _, r := s.do(t, 1, create("/p", 0, "")); return r }())
	_, r := s.do(t, 1, create("/p/x", wire.ModePersistentSequential, ""))
	if r.Path != "/p/x0000000000" {
		t.Fatalf("first sequential = %q", r.Path)
	}
	_, del := s.do(t, 1, Request{Op: wire.OpDelete, Path: r.Path, Version: -1})
	mustOK(t, del)
	st, _ := s.tree.Stat("/p")
	if st.Cversion != 2 || st.Pzxid != del.Zxid {
		t.Errorf("after delete: cversion %d pzxid %d, want 2, %d", st.Cversion, st.Pzxid, del.Zxid)
	}
	_, r = s.do(t, 1, create("/p/x", wire.ModePersistentSequential, ""))
	if r.Path != "/p/x0000000001" {
		t.Fatalf("second sequential = %q", r.Path)
	}
	st, _ = s.tree.Stat("/p")
	if st.Cversion != 3 || st.NumChildren != 1 || st.Pzxid != r.Zxid {
		t.Errorf("stat /p = %+v, want cversion 3", st)
	}
	// A child's setData moves neither cversion nor pzxid.
	mustOK(t, func() Result {
		_, r := s.do(t, 1, Request{Op: wire.OpSetData, Path: "/p/x0000000001", Version: -1})
		return r
	}())
	if st2, _ := s.tree.Stat("/p"); st2 != st {
		t.Errorf("child setData changed parent stat: %+v -> %+v", st, st2)
	}
	// setACL bumps aversion only.
	_, r = s.do(t, 1, Request{Op: wire.OpSetACL, Path: "/p", ACL: ReadACL, Version: 0})
	mustOK(t, r)
	if r.Stat.Aversion != 1 || r.Stat.Mzxid != st.Mzxid || len(r.Triggers) != 0 {
		t.Errorf("setACL stat %+v triggers %v", r.Stat, r.Triggers)
	}
}

// TestSequentialCapture follows create_sequential.json: two "seq-" children, then
// "parent/" itself with the sequential flag.
func TestSequentialCapture(t *testing.T) {
	s := newStandalone(Config{ExtendedTypes: true})
	mustOK(t, func() Result { _, r := s.do(t, 1, create("/create_sequential", 0, "")); return r }())
	var got []string
	for _, p := range []string{"/create_sequential/seq-", "/create_sequential/seq-", "/create_sequential/"} {
		_, r := s.do(t, 1, create(p, wire.ModePersistentSequential, "s"))
		got = append(got, mustOK(t, r).Path)
	}
	want := []string{"/create_sequential/seq-0000000000", "/create_sequential/seq-0000000001", "/create_sequential/0000000002"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// create_ttl.json: after one child, a sequential TTL child gets suffix 1.
	mustOK(t, func() Result { _, r := s.do(t, 1, create("/create_ttl", 0, "")); return r }())
	ttl := Request{Op: wire.OpCreateTTL, Path: "/create_ttl/ttl", Data: []byte("t"), ACL: OpenACL, Flags: wire.ModePersistentWithTTL, TTL: 60000}
	_, r := s.do(t, 1, ttl)
	if mustOK(t, r).Stat.EphemeralOwner != 0 {
		t.Error("TTL node shows an ephemeralOwner")
	}
	ttl.Path, ttl.Flags = "/create_ttl/ttlseq-", wire.ModePersistentSequentialWithTTL
	_, r = s.do(t, 1, ttl)
	if mustOK(t, r).Path != "/create_ttl/ttlseq-0000000001" {
		t.Errorf("ttl sequential = %q", r.Path)
	}
	if so, _ := s.tree.StoredStat("/create_ttl/ttl"); so.EphemeralOwner != TTLOwner(60000) {
		t.Errorf("stored TTL owner %#x", so.EphemeralOwner)
	}
	if k, _ := s.tree.Kind("/create_ttl/ttl"); k != KindTTL {
		t.Errorf("kind %v", k)
	}
	if got := sequenceSuffix(-1); got != "-000000001" {
		t.Errorf("negative suffix %q", got)
	}
}

func TestMultiCaptures(t *testing.T) {
	s := newStandalone(Config{})
	for _, p := range []string{"/multi_success", "/multi_failure_check", "/multi_failure_create_exists"} {
		mustOK(t, func() Result { _, r := s.do(t, 1, create(p, 0, "")); return r }())
	}
	t.Run("success", func(t *testing.T) {
		_, r := s.do(t, 1, Request{Op: wire.OpMulti, Ops: []Request{
			create("/multi_success/a", 0, "1"),
			create("/multi_success/b", 0, "2"),
			{Op: wire.OpSetData, Path: "/multi_success/a", Data: []byte("3"), Version: 0},
			{Op: wire.OpCheck, Path: "/multi_success/a", Version: 1},
			{Op: wire.OpDelete, Path: "/multi_success/b", Version: -1},
		}})
		mustOK(t, r)
		types := []wire.OpCode{wire.OpCreate, wire.OpCreate, wire.OpSetData, wire.OpCheck, wire.OpDelete}
		for i, op := range r.Multi {
			if op.Type != types[i] || op.Err != wire.ErrOK {
				t.Errorf("result %d = %+v", i, op)
			}
		}
		want := wire.Stat{Czxid: r.Zxid, Mzxid: r.Zxid, Pzxid: r.Zxid, Ctime: s.now, Mtime: s.now, Version: 1, DataLength: 1}
		if r.Multi[2].Stat != want {
			t.Errorf("setData stat %+v, want %+v", r.Multi[2].Stat, want)
		}
		wantTrig := []Trigger{
			{"/multi_success/a", wire.EventNodeCreated, OpenACL},
			{"/multi_success", wire.EventNodeChildrenChanged, OpenACL},
			{"/multi_success/b", wire.EventNodeCreated, OpenACL},
			{"/multi_success", wire.EventNodeChildrenChanged, OpenACL},
			{"/multi_success/a", wire.EventNodeDataChanged, OpenACL},
			{"/multi_success/b", wire.EventNodeDeleted, OpenACL},
			{"/multi_success", wire.EventNodeChildrenChanged, OpenACL},
		}
		if !triggersEqual(r.Triggers, wantTrig) {
			t.Errorf("triggers %v", r.Triggers)
		}
	})
	failures := []struct {
		name string
		ops  []Request
		want []wire.ErrCode
	}{
		{"check", []Request{
			create("/multi_failure_check/x", 0, "1"),
			{Op: wire.OpCheck, Path: "/multi_failure_check", Version: 42},
			{Op: wire.OpSetData, Path: "/multi_failure_check", Data: []byte("3"), Version: -1},
			create("/multi_failure_check/y", 0, "4"),
		}, []wire.ErrCode{wire.ErrOK, wire.ErrBadVersion, wire.ErrRuntimeInconsistency, wire.ErrRuntimeInconsistency}},
		{"create_exists", []Request{
			create("/multi_failure_create_exists", 0, "1"),
			{Op: wire.OpSetData, Path: "/multi_failure_create_exists", Data: []byte("3"), Version: -1},
		}, []wire.ErrCode{wire.ErrNodeExists, wire.ErrRuntimeInconsistency}},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			before := s.tree.Digest()
			pr, r := s.do(t, 1, Request{Op: wire.OpMulti, Ops: tc.ops})
			if pr.Header.Type != wire.OpMulti {
				t.Errorf("a failed multi is still a multi txn, got %v", pr.Header.Type)
			}
			for i, op := range r.Multi {
				if op.Type != wire.OpError || op.Err != tc.want[i] {
					t.Errorf("result %d = %+v, want error %d", i, op, tc.want[i])
				}
			}
			if len(r.Multi) != len(tc.want) || s.tree.Digest() != before || len(r.Triggers) != 0 {
				t.Errorf("failed multi changed something: %d results, triggers %v", len(r.Multi), r.Triggers)
			}
			if s.prep.Outstanding() != 0 {
				t.Errorf("%d change records left after rollback", s.prep.Outstanding())
			}
		})
	}
	t.Run("later ops see earlier ones", func(t *testing.T) {
		_, r := s.do(t, 1, Request{Op: wire.OpMulti, Ops: []Request{
			create("/m", 0, ""), create("/m/a", wire.ModePersistentSequential, ""),
			create("/m/a", wire.ModePersistentSequential, ""), {Op: wire.OpDelete, Path: "/m/a0000000000", Version: 0},
		}})
		mustOK(t, r)
		if r.Multi[2].Path != "/m/a0000000001" {
			t.Errorf("sequential inside multi: %q", r.Multi[2].Path)
		}
	})
	t.Run("rollback restores sequence", func(t *testing.T) {
		_, r := s.do(t, 1, Request{Op: wire.OpMulti, Ops: []Request{
			create("/m/a", wire.ModePersistentSequential, ""), create("/nope/x", 0, ""),
		}})
		if r.Multi[1].Err != wire.ErrNoNode {
			t.Fatalf("%+v", r.Multi)
		}
		_, r = s.do(t, 1, create("/m/a", wire.ModePersistentSequential, ""))
		if r.Path != "/m/a0000000002" {
			t.Errorf("after rolled-back multi: %q", r.Path)
		}
	})
}

func triggersEqual(a, b []Trigger) bool {
	return slices.EqualFunc(a, b, func(x, y Trigger) bool {
		return x.Path == y.Path && x.Event == y.Event && slices.Equal(x.ACL, y.ACL)
	})
}

func TestWatchTriggers(t *testing.T) {
	s := newStandalone(Config{})
	_, r := s.do(t, 1, create("/w", 0, ""))
	want := []Trigger{{"/w", wire.EventNodeCreated, OpenACL}, {"/", wire.EventNodeChildrenChanged, OpenACL}}
	if !triggersEqual(r.Triggers, want) {
		t.Errorf("create triggers %v", r.Triggers)
	}
	_, r = s.do(t, 1, Request{Op: wire.OpCreate, Path: "/w/p", ACL: ReadACL})
	_, r = s.do(t, 1, Request{Op: wire.OpDelete, Path: "/w/p", Version: -1})
	want = []Trigger{{"/w/p", wire.EventNodeDeleted, ReadACL}, {"/w", wire.EventNodeChildrenChanged, OpenACL}}
	if !triggersEqual(r.Triggers, want) {
		t.Errorf("delete triggers %v", r.Triggers)
	}
	// Session close deletes the ephemerals in sorted order, firing as deletes do.
	for _, p := range []string{"/w/z", "/w/a", "/w/m"} {
		s.do(t, 42, create(p, wire.ModeEphemeral, ""))
	}
	if got := s.tree.Ephemerals(42); !slices.Equal(got, []string{"/w/a", "/w/m", "/w/z"}) {
		t.Errorf("ephemerals %q", got)
	}
	pr, r := s.do(t, 42, Request{Op: wire.OpCloseSession})
	if got := pr.Txn.(*CloseSessionTxn).Paths; !slices.Equal(got, []string{"/w/a", "/w/m", "/w/z"}) {
		t.Errorf("close paths %q", got)
	}
	var got []string
	for _, tr := range r.Triggers {
		got = append(got, tr.Path)
	}
	if !slices.Equal(got, []string{"/w/a", "/w", "/w/m", "/w", "/w/z", "/w"}) {
		t.Errorf("close triggers %q", got)
	}
	if len(s.tree.Ephemerals(42)) != 0 || s.tree.EphemeralCount() != 0 {
		t.Error("ephemerals survived the close")
	}
}

func TestGetEphemeralsPrefix(t *testing.T) {
	s := newStandalone(Config{})
	s.do(t, 1, create("/get_ephemerals", 0, ""))
	s.do(t, 1, create("/get_ephemerals2", 0, ""))
	for _, p := range []string{"/get_ephemerals/e1", "/get_ephemerals/e2", "/get_ephemerals2/e3"} {
		mustOK(t, func() Result { _, r := s.do(t, 7, create(p, wire.ModeEphemeral, "")); return r }())
	}
	all := []string{"/get_ephemerals/e1", "/get_ephemerals/e2", "/get_ephemerals2/e3"}
	for prefix, want := range map[string][]string{
		"/get_ephemerals":    all,
		"/get_ephemerals/e1": {"/get_ephemerals/e1"},
		"/":                  all,
		"":                   all,
		"/none":              {},
	} {
		if got := s.tree.GetEphemerals(7, prefix); !slices.Equal(got, want) {
			t.Errorf("prefix %q: %q, want %q", prefix, got, want)
		}
	}
	if n, _ := s.tree.AllChildrenNumber("/get_ephemerals"); n != 2 {
		t.Errorf("AllChildrenNumber = %d", n)
	}
	if _, err := s.tree.AllChildrenNumber("/missing"); err != wire.ErrNoNode {
		t.Errorf("missing: %d", err)
	}
}

func TestVersionWrap(t *testing.T) {
	s := newStandalone(Config{})
	s.do(t, 1, create("/v", 0, ""))
	s.zxid++
	mustOK(t, s.tree.Apply(TxnHeader{Zxid: s.zxid, Type: wire.OpSetData}, &SetDataTxn{Path: "/v", Version: -2}))
	_, r := s.do(t, 1, Request{Op: wire.OpSetData, Path: "/v", Version: -2})
	if mustOK(t, r).Stat.Version != 0 {
		t.Errorf("version after -2 = %d, want 0 (never -1)", r.Stat.Version)
	}
	s.zxid++
	mustOK(t, s.tree.Apply(TxnHeader{Zxid: s.zxid, Type: wire.OpSetData}, &SetDataTxn{Path: "/v", Version: math.MaxInt32}))
	_, r = s.do(t, 1, Request{Op: wire.OpSetData, Path: "/v", Version: math.MaxInt32})
	if mustOK(t, r).Stat.Version != math.MinInt32 {
		t.Errorf("version after MaxInt32 = %d", r.Stat.Version)
	}
}

func TestSweepCandidates(t *testing.T) {
	s := newStandalone(Config{ExtendedTypes: true})
	s.do(t, 1, Request{Op: wire.OpCreateContainer, Path: "/used", ACL: OpenACL, Flags: wire.ModeContainer})
	s.do(t, 1, Request{Op: wire.OpCreateContainer, Path: "/never", ACL: OpenACL, Flags: wire.ModeContainer})
	s.do(t, 1, Request{Op: wire.OpCreateTTL, Path: "/ttl", ACL: OpenACL, Flags: wire.ModePersistentWithTTL, TTL: 100})
	s.do(t, 1, create("/used/c", 0, ""))
	if got := s.tree.SweepCandidates(s.now, 0); len(got) != 0 {
		t.Errorf("too early: %q", got)
	}
	s.do(t, 1, Request{Op: wire.OpDelete, Path: "/used/c", Version: -1})
	ttlStat, _ := s.tree.StoredStat("/ttl")
	if got := s.tree.SweepCandidates(ttlStat.Mtime+100, 0); !slices.Equal(got, []string{"/used"}) {
		t.Errorf("at ttl: %q", got)
	}
	if got := s.tree.SweepCandidates(ttlStat.Mtime+101, 0); !slices.Equal(got, []string{"/ttl", "/used"}) {
		t.Errorf("after ttl: %q", got)
	}
	if got := s.tree.SweepCandidates(ttlStat.Mtime+10000, 50); !slices.Equal(got, []string{"/never", "/ttl", "/used"}) {
		t.Errorf("never-used interval: %q", got)
	}
	// The sweeper's deleteContainer removes them like deletes.
	_, r := s.do(t, 0, Request{Op: wire.OpDeleteContainer, Path: "/used"})
	if mustOK(t, r).Triggers[0].Event != wire.EventNodeDeleted {
		t.Errorf("triggers %v", r.Triggers)
	}
	if st, _ := s.tree.Stat("/never"); st.EphemeralOwner != 0 {
		t.Error("container shows an owner")
	}
}

// TestOutstandingChanges prepares a run of writes before any is applied, the way a
// leader pipelines them, and checks each sees the ones before it.
func TestOutstandingChanges(t *testing.T) {
	s := newStandalone(Config{})
	reqs := []struct {
		session int64
		req     Request
		want    wire.ErrCode
	}{
		{1, create("/o", 0, ""), wire.ErrOK},
		{1, create("/o/e", wire.ModeEphemeral, ""), wire.ErrOK},
		{1, create("/o/e/x", 0, ""), wire.ErrNoChildrenForEphemerals},
		{1, Request{Op: wire.OpDelete, Path: "/o", Version: -1}, wire.ErrNotEmpty},
		{1, Request{Op: wire.OpSetData, Path: "/o", Version: 0}, wire.ErrOK},
		{1, Request{Op: wire.OpSetData, Path: "/o", Version: 0}, wire.ErrBadVersion},
		{1, Request{Op: wire.OpCloseSession}, wire.ErrOK},
		{1, Request{Op: wire.OpDelete, Path: "/o", Version: 1}, wire.ErrOK},
	}
	var prepared []Prepared
	for _, r := range reqs {
		pr := s.prep.Prepare(s.env(r.session), r.req)
		if pr.Err != r.want {
			t.Errorf("%v %s: got %d, want %d", r.req.Op, r.req.Path, pr.Err, r.want)
		}
		prepared = append(prepared, pr)
	}
	if got := prepared[6].Txn.(*CloseSessionTxn).Paths; !slices.Equal(got, []string{"/o/e"}) {
		t.Errorf("close paths %q", got)
	}
	for i, pr := range prepared {
		if r := s.apply(t, pr); r.Err != reqs[i].want {
			t.Errorf("apply %d: %d", i, r.Err)
		}
	}
	if s.prep.Outstanding() != 0 || s.tree.Len() != 4 {
		t.Errorf("outstanding %d, nodes %q", s.prep.Outstanding(), s.tree.Paths())
	}
}

func TestReplayIdempotence(t *testing.T) {
	a := newStandalone(Config{})
	var log []Prepared
	for _, r := range []Request{create("/r", 0, ""), create("/r/c", 0, ""), {Op: wire.OpDelete, Path: "/r/c", Version: -1}, create("/r/d", 0, "")} {
		pr, _ := a.do(t, 1, r)
		log = append(log, pr)
	}
	// Replaying the whole log over the final tree (a fuzzy snapshot taken at the end)
	// must leave it unchanged.
	digest := a.tree.Digest()
	for _, pr := range log {
		a.tree.Apply(pr.Header, pr.Txn)
	}
	if a.tree.Digest() != digest {
		st, _ := a.tree.StoredStat("/r")
		t.Errorf("replay changed the tree: /r %+v", st)
	}
}

// TestCloseSessionSeesOutstanding: the close of a session lists its ephemerals as they
// will be after the writes still in flight: created ones in, deleted ones out.
func TestCloseSessionSeesOutstanding(t *testing.T) {
	s := newStandalone(Config{})
	mustOK(t, func() Result { _, r := s.do(t, 5, create("/s", 0, "")); return r }())
	mustOK(t, func() Result { _, r := s.do(t, 5, create("/s/old", wire.ModeEphemeral, "")); return r }())
	var prepared []Prepared
	for _, r := range []Request{
		create("/s/new", wire.ModeEphemeralSequential, ""),
		{Op: wire.OpDelete, Path: "/s/old", Version: -1},
		{Op: wire.OpCloseSession},
	} {
		prepared = append(prepared, s.prep.Prepare(s.env(5), r))
	}
	if got := prepared[2].Txn.(*CloseSessionTxn).Paths; !slices.Equal(got, []string{"/s/new0000000001"}) {
		t.Errorf("close paths %q", got)
	}
	for _, pr := range prepared {
		mustOK(t, s.apply(t, pr))
	}
	if s.tree.EphemeralCount() != 0 || len(s.tree.Sessions()) != 0 || s.tree.NodeCount() != 6 {
		t.Errorf("after close: %d ephemerals, sessions %v, node count %d", s.tree.EphemeralCount(), s.tree.Sessions(), s.tree.NodeCount())
	}
	if !s.tree.VerifyDigest() {
		t.Error("incremental digest drifted")
	}
}

func TestApplyRejectsMismatchedRecords(t *testing.T) {
	tr := New(Config{})
	before := tr.Digest()
	for _, c := range []struct {
		op  wire.OpCode
		txn Txn
	}{
		{wire.OpCreate, &DeleteTxn{Path: "/x"}},
		{wire.OpDelete, nil},
		{wire.OpMulti, &ErrorTxn{}},
		{wire.OpMulti, &MultiTxn{Ops: []SubTxn{{wire.OpSetACL, &SetACLTxn{Path: "/"}}}}},
		{wire.OpMulti, &MultiTxn{Ops: []SubTxn{{wire.OpCreate, nil}}}},
		{wire.OpGetData, &ErrorTxn{}},
	} {
		res := tr.Apply(TxnHeader{Zxid: 1, Type: c.op}, c.txn)
		if res.Err != wire.ErrMarshallingError {
			t.Errorf("%v %T: %d", c.op, c.txn, res.Err)
		}
	}
	if tr.Digest() != before {
		t.Error("a rejected txn changed the tree")
	}
}
