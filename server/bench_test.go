package server

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// BenchmarkClients measures a local standalone server driven by real go-zk clients:
// each iteration is one operation from every client at once, so ops/s counts all
// clients, and p50/p99 are per-operation latencies in ms. Writes are fsynced, so
// create and setData measure the disk's group commit.
func BenchmarkClients(b *testing.B) {
	for _, op := range []string{"create", "setData", "getData"} {
		for _, n := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", op, n), func(b *testing.B) {
				benchClients(b, op, n)
			})
		}
	}
}

func benchClients(b *testing.B, op string, n int) {
	addr, stop, err := StartStandalone(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	clients := make([]*zk.Conn, n)
	for i := range clients {
		c, _, err := zk.Connect([]string{addr}, 30*time.Second, zk.WithLogInfo(false))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
		if _, err := c.Create("/c"+strconv.Itoa(i), []byte("0123456789"), 0, open); err != nil {
			b.Fatal(err)
		}
	}
	do := func(i, seq int) error {
		c, p := clients[i], "/c"+strconv.Itoa(i)
		var err error
		switch op {
		case "create":
			_, err = c.Create(p+"/n"+strconv.Itoa(seq), []byte("0123456789"), 0, open)
		case "setData":
			_, err = c.Set(p, []byte("0123456789"), -1)
		case "getData":
			_, _, err = c.Get(p)
		}
		return err
	}
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	seq := 0
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				if err := do(i, seq); err != nil {
					b.Error(err)
				}
				lat[i] = append(lat[i], time.Since(t0))
			}()
		}
		wg.Wait()
		seq++
	}
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
