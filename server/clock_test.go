package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestClockStateJumpsAndDrifts(t *testing.T) {
	host := time.UnixMilli(1_700_000_000_000)
	if w, e := (ClockState{}).Read(host); w != host.UnixMilli() || e != host.UnixMilli() {
		t.Errorf("zero state reads %d %d, want the host's %d", w, e, host.UnixMilli())
	}
	// A jump of +1 h moves the wall clock only.
	s := ClockState{}.Rebased(host)
	s.Wall0 += time.Hour.Milliseconds()
	later := host.Add(10 * time.Second)
	if w, e := s.Read(later); w != later.UnixMilli()+3_600_000 || e != later.UnixMilli() {
		t.Errorf("after a jump: %d %d", w, e)
	}
	// +100000 ppm from then on: 10 s of host time are 11 s on both clocks, and the
	// rebase keeps both continuous.
	s = s.Rebased(later)
	s.PPM = 100_000
	if w, e := s.Read(later); w != later.UnixMilli()+3_600_000 || e != later.UnixMilli() {
		t.Errorf("rebase moved the clock: %d %d", w, e)
	}
	end := later.Add(10 * time.Second)
	if w, e := s.Read(end); w != end.UnixMilli()+3_601_000 || e != end.UnixMilli()+1_000 {
		t.Errorf("after drift: %d %d", w, e)
	}
	got, err := ParseClockState(s.String())
	if err != nil || got != s {
		t.Errorf("round trip of %+v: %+v %v", s, got, err)
	}
	for _, bad := range []string{"", "1 2 3", "a b c d", "1 2 3 -1000000"} {
		if _, err := ParseClockState(bad); err == nil {
			t.Errorf("ParseClockState(%q) accepted", bad)
		}
	}
}

func TestFileClockFollowsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	c := FileClock(path)
	host := time.UnixMilli(1_700_000_000_000)
	if w, _ := c.Read(host); w != host.UnixMilli() {
		t.Errorf("no file: %d", w)
	}
	s := ClockState{T0: host.UnixMilli(), Wall0: host.UnixMilli() - 5000, Mono0: host.UnixMilli()}
	if err := WriteClockFile(path, s); err != nil {
		t.Fatal(err)
	}
	if w, _ := c.Read(host); w != host.UnixMilli()-5000 {
		t.Errorf("after a -5 s bump: %d", w)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if w, _ := c.Read(host); w != host.UnixMilli()-5000 {
		t.Errorf("a malformed file lost the last state: %d", w)
	}
	os.Remove(path)
	if w, _ := c.Read(host); w != host.UnixMilli() {
		t.Errorf("file removed: %d", w)
	}
}

// TestSkewedClockReachesTheTree: a server whose clock is an hour ahead stamps the
// nodes it creates with that clock.
func TestSkewedClockReachesTheTree(t *testing.T) {
	now := time.Now().UnixMilli()
	skew := ClockState{T0: now, Wall0: now + time.Hour.Milliseconds(), Mono0: now}
	srv := newTestServer(t, t.TempDir(), "", func(o *Options) { o.Clock = skew })
	c := connect(t, srv.Addr().String(), 10*time.Second)
	if _, err := c.Create("/t", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, st, err := c.Get("/t")
	if err != nil {
		t.Fatal(err)
	}
	if ahead := time.Duration(st.Ctime-time.Now().UnixMilli()) * time.Millisecond; ahead < 59*time.Minute || ahead > time.Hour {
		t.Errorf("ctime is %s ahead of the host, want about 1h", ahead)
	}
}
