package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zksim/zksim/protocol/noderec"
)

// TestZabRecordAcrossRestarts: a standalone server with a ZAB record logs and commits
// each write there, with its zxid; a torn last line (a kill mid-write) is cut before
// the next incarnation appends, which declares its restart and logs nothing twice.
func TestZabRecordAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "zab-record")
	r := &restartable{t: t, dir: dir, opts: []func(*Options){func(o *Options) { o.ZabRecord = path }}}
	c := connect(t, r.start(), 10*time.Second)
	must(c.Create("/a", []byte("1"), 0, open))(t)
	_, st := must2(c.Get("/a"))(t)
	c.Close()
	r.stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	events, bad := noderec.ParseFile(string(b))
	has := func(evs []noderec.Event, k noderec.Kind, z int64) bool {
		for _, ev := range evs {
			if ev.Kind == k && ev.Zxid == z {
				return true
			}
		}
		return false
	}
	if bad != 0 || !has(events, noderec.Logged, st.Czxid) || !has(events, noderec.Committed, st.Czxid) ||
		!has(events, noderec.LeaderEstablished, 0) {
		t.Fatalf("record after a create at %#x (%d bad lines):\n%s", st.Czxid, bad, b)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("1 logg")
	f.Close()
	r.start()
	r.stop()
	b, _ = os.ReadFile(path)
	again, bad := noderec.ParseFile(string(b))
	if bad != 0 || len(again) <= len(events) || again[len(events)].Kind != noderec.Restarted || has(again[len(events):], noderec.Logged, st.Czxid) {
		t.Errorf("after a restart (%d bad lines):\n%s", bad, b)
	}
}
