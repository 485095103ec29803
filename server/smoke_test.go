package server

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestSmoke(t *testing.T) {
	addr, stop, err := StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := c.Create("/a", []byte("x"), 0, zk.WorldACL(zk.PermAll))
	t.Log(p, err)
	d, st, err := c.Get("/a")
	t.Log(string(d), st, err)
}
