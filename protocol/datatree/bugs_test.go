package datatree

import (
	"testing"

	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/wire"
)

// orphans lists the ephemeral nodes whose owner is one of the closed sessions: the
// ephemeral-lifetime property says there are none.
func orphans(t *Tree, closed ...int64) []string {
	var out []string
	for path, n := range t.nodes {
		for _, s := range closed {
			if n.stat.EphemeralOwner == s {
				out = append(out, path)
			}
		}
	}
	sortStrings(out)
	return out
}

func mustBugs(t *testing.T, names ...string) bugs.Set {
	t.Helper()
	s, err := bugs.New(names...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ZOOKEEPER-1367: a server restored from a snapshot forgets which sessions own its
// ephemerals; the close it prepares lists nothing and the node outlives the session.
func TestZK1367RestoredTreeKeepsClosedSessionsEphemerals(t *testing.T) {
	for _, buggy := range []bool{false, true} {
		s := newStandalone(Config{})
		mustOK(t, func() Result { _, r := s.do(t, 5, create("/e", wire.ModeEphemeral, "")); return r }())
		mustOK(t, func() Result { _, r := s.do(t, 6, create("/f", wire.ModeEphemeral, "")); return r }())
		cfg := Config{}
		if buggy {
			cfg.Bugs = mustBugs(t, bugs.ZK1367)
		}
		restored, _, err := DecodeSnapshot(s.tree.EncodeSnapshot(nil), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := &standalone{tree: restored, prep: NewPreparer(restored), zxid: s.zxid, now: s.now}
		mustOK(t, func() Result { _, res := r.do(t, 5, Request{Op: wire.OpCloseSession}); return res }())
		got := orphans(restored, 5)
		if broken := len(got) > 0; broken != buggy {
			t.Fatalf("bug=%v: ephemerals of closed session 5 left: %q", buggy, got)
		}
		if !restored.Exists("/f") {
			t.Fatal("session 6's ephemeral went too")
		}
	}
}

// ZOOKEEPER-2355: a close that reaches a server without listing an ephemeral that
// server holds (it missed the proposal and synced again) must still remove it.
func TestZK2355CloseRemovesUnlistedEphemerals(t *testing.T) {
	for _, buggy := range []bool{false, true} {
		cfg := Config{}
		if buggy {
			cfg.Bugs = mustBugs(t, bugs.ZK2355)
		}
		s := newStandalone(cfg)
		mustOK(t, func() Result { _, r := s.do(t, 5, create("/listed", wire.ModeEphemeral, "")); return r }())
		mustOK(t, func() Result { _, r := s.do(t, 5, create("/missed", wire.ModeEphemeral, "")); return r }())
		env := s.env(5)
		hdr := TxnHeader{ClientID: 5, Cxid: env.Cxid, Zxid: env.Zxid, Time: env.Time, Type: wire.OpCloseSession}
		res := s.apply(t, Prepared{Header: hdr, Txn: &CloseSessionTxn{Paths: []string{"/listed"}}})
		mustOK(t, res)
		got := orphans(s.tree, 5)
		if broken := len(got) > 0; broken != buggy {
			t.Fatalf("bug=%v: ephemerals of closed session 5 left: %q", buggy, got)
		}
		if s.tree.Exists("/listed") {
			t.Fatal("the listed ephemeral survived the close")
		}
	}
}
