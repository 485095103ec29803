package server

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zksim/zksim/protocol/crashpoint"
)

func TestCrashFileFiresTheNthReachOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash")
	armed := []Armed{{Point: crashpoint.FollowerFsyncBeforeAck, Nth: 2, Seq: 7}, {Point: crashpoint.TruncBeforeFsync, Nth: 1, Seq: 8}}
	if err := WriteCrashFile(path, armed); err != nil {
		t.Fatal(err)
	}
	cp := FileCrashPoints(path)
	if cp.Reached(crashpoint.SnapMidTransfer) || cp.Reached(crashpoint.FollowerFsyncBeforeAck) {
		t.Fatal("fired before the 2nd reach of an armed point")
	}
	if !cp.Reached(crashpoint.FollowerFsyncBeforeAck) {
		t.Fatal("2nd reach did not fire")
	}
	if cp.Reached(crashpoint.FollowerFsyncBeforeAck) {
		t.Error("an arming fired twice")
	}
	// A restarted server reads the same file: the fired arming stays spent, the other
	// is still armed.
	again := FileCrashPoints(path)
	for range 3 {
		if again.Reached(crashpoint.FollowerFsyncBeforeAck) {
			t.Fatal("a fired arming fired again after a restart")
		}
	}
	if !again.Reached(crashpoint.TruncBeforeFsync) {
		t.Error("the other armed point did not fire")
	}
	// Arming the point afresh (a new seq) counts from 1 again.
	if err := WriteCrashFile(path, []Armed{{Point: crashpoint.FollowerFsyncBeforeAck, Nth: 1, Seq: 9}}); err != nil {
		t.Fatal(err)
	}
	if !again.Reached(crashpoint.FollowerFsyncBeforeAck) {
		t.Error("re-armed point did not fire")
	}
	os.Remove(path)
	if again.Reached(crashpoint.TruncBeforeFsync) {
		t.Error("no file arms nothing")
	}
	for _, bad := range []string{"nowhere 1 1\n", "trunc-before-fsync 0 1\n", "trunc-before-fsync x\n"} {
		if _, err := ParseCrashFile(bad); err == nil {
			t.Errorf("ParseCrashFile(%q) accepted", bad)
		}
	}
	if got, err := ParseCrashFile(FormatCrashFile(armed)); err != nil || !slices.Equal(got, armed) {
		t.Errorf("round trip: %v %v", got, err)
	}
}

// recordPoints records every step reached and fires at one point.
type recordPoints struct {
	mu      sync.Mutex
	reached []crashpoint.Point
	fire    crashpoint.Point
}

func (r *recordPoints) Reached(p crashpoint.Point) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reached = append(r.reached, p)
	return p == r.fire
}

func (r *recordPoints) seen() []crashpoint.Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reached)
}

// TestStandaloneReachesItsCrashPoints: a write on a standalone server passes the log
// roll, the append, the commit and the apply steps, in that order, and dies at the
// armed one (the exit is replaced here, so the server goes on).
func TestStandaloneReachesItsCrashPoints(t *testing.T) {
	var died []crashpoint.Point
	var mu sync.Mutex
	old := crashExit
	crashExit = func(p crashpoint.Point) { mu.Lock(); died = append(died, p); mu.Unlock() }
	t.Cleanup(func() { crashExit = old })
	rec := &recordPoints{fire: crashpoint.CommitBeforeApply}
	srv := newTestServer(t, t.TempDir(), "", func(o *Options) { o.CrashPoints = rec })
	c := connect(t, srv.Addr().String(), 10*time.Second)
	if _, err := c.Create("/t", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	want := []crashpoint.Point{crashpoint.LogRollMidHeader, crashpoint.LeaderAppendBeforeFsync, crashpoint.CommitBeforeApply, crashpoint.ApplyBeforeReply}
	got := rec.seen()
	i := 0
	for _, p := range got {
		if i < len(want) && p == want[i] {
			i++
		}
		if !slices.Contains(HookedCrashPoints, p) {
			t.Errorf("reached %s, which HookedCrashPoints does not list", p)
		}
	}
	if i < len(want) {
		t.Errorf("reached %v, want %v in order", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(died) == 0 || died[0] != crashpoint.CommitBeforeApply {
		t.Errorf("died at %v, want %s", died, crashpoint.CommitBeforeApply)
	}
}
