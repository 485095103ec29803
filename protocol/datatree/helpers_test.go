package datatree

import (
	"github.com/zksim/zksim/protocol/wire"
)

// standalone drives a Tree the way a standalone server does: prepare with the next
// zxid, apply, release the change records.
type standalone struct {
	tree *Tree
	prep *Preparer
	zxid int64
	now  int64
}

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func newStandalone(cfg Config) *standalone {
	t := New(cfg)
	return &standalone{tree: t, prep: NewPreparer(t), now: 1000}
}

func (s *standalone) env(session int64) Env {
	s.zxid++
	s.now += 7
	return Env{SessionID: session, Cxid: int32(s.zxid), Zxid: s.zxid, Time: s.now, CheckACL: worldCheck}
}

// do prepares, round-trips the txn through the codec, and applies it.
func (s *standalone) do(t fataler, session int64, req Request) (Prepared, Result) {
	t.Helper()
	pr := s.prep.Prepare(s.env(session), req)
	res := s.apply(t, pr)
	return pr, res
}

func (s *standalone) apply(t fataler, pr Prepared) Result {
	t.Helper()
	b, err := EncodeTxn(pr.Header, pr.Txn)
	if err != nil {
		t.Fatalf("encode %+v: %v", pr.Header, err)
	}
	hdr, txn, err := DecodeTxn(b)
	if err != nil {
		t.Fatalf("decode %+v: %v", pr.Header, err)
	}
	res := s.tree.Apply(hdr, txn)
	s.prep.Committed(hdr.Zxid)
	return res
}

// worldCheck grants perm when some entry is world:anyone with that bit.
func worldCheck(perm int32, acl []wire.ACL) bool {
	for _, a := range acl {
		if a.Perms&perm != 0 && a.ID.Scheme == "world" && a.ID.ID == "anyone" {
			return true
		}
	}
	return false
}

func create(path string, mode wire.CreateMode, data string) Request {
	return Request{Op: wire.OpCreate, Path: path, Data: []byte(data), ACL: OpenACL, Flags: mode}
}

func mustOK(t fataler, res Result) Result {
	t.Helper()
	if res.Err != wire.ErrOK {
		t.Fatalf("%v at zxid %d: got %d", res.Type, res.Zxid, res.Err)
	}
	return res
}
