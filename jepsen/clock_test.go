package jepsen

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestClockJumpReachesTheServer bumps a real server's clock an hour ahead through its
// clock file: the nodes it then creates carry that clock in their ctime, and after
// ClearClocks the host's clock again.
func TestClockJumpReachesTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server process")
	}
	cl, err := Start(Config{Binary: sharedServer(t), Dir: t.TempDir(), Nodes: 1, Clients: 1, TickTime: 200 * time.Millisecond,
		InitLimit: 10, SyncLimit: 5, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if _, ok := cl.WaitLeader(20 * time.Second); !ok {
		t.Fatal("no standalone server")
	}
	conn, _, err := zk.Connect([]string{cl.DirectAddr(1)}, 4*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	// ahead creates a node and says how far its ctime is ahead of the host's clock. The
	// server takes a tick to read the file, so a create may still carry the old clock.
	ahead := func(path string) time.Duration {
		t.Helper()
		if _, err := conn.Create(path, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		_, st, err := conn.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		return time.Duration(st.Ctime-time.Now().UnixMilli()) * time.Millisecond
	}
	if d := ahead("/before"); d > time.Minute || d < -time.Minute {
		t.Fatalf("before any fault the server's clock is %s off", d)
	}
	if err := cl.ClockJump(1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := cl.ClockJump(2, time.Hour); err != nil { // a client: skipped, noted
		t.Fatal(err)
	}
	var d time.Duration
	for i := 0; i < 50 && d < 59*time.Minute; i++ {
		d = ahead(fmt.Sprintf("/jumped-%d", i))
	}
	if d < 59*time.Minute || d > time.Hour {
		t.Errorf("after a +1h jump the server's clock is %s ahead", d)
	}
	if err := cl.ClearClocks(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && d > time.Minute; i++ {
		d = ahead(fmt.Sprintf("/cleared-%d", i))
	}
	if d > time.Minute || d < -time.Minute {
		t.Errorf("after ClearClocks the server's clock is %s off", d)
	}
	if notes := cl.Notes(); len(notes) != 1 || notes[0] != "clock faults on clients skipped: go-zk clients use the host's clock" {
		t.Errorf("notes: %v", notes)
	}
}
