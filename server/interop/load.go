//go:build interop

package interop

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// ErrBadOp reports an operation name Load does not know.
var ErrBadOp = errors.New("interop: unknown operation")

// Op is one of the measured operations.
type Op string

// The operations the benchmark measures.
const (
	OpCreate  Op = "create"
	OpSetData Op = "setData"
	OpGetData Op = "getData"
)

// payload is the data every setData and create writes: 100 bytes, as the usual
// ZooKeeper latency tests use.
var payload = make([]byte, 100)

// Result is what one load run measured.
type Result struct {
	Op      Op
	Clients int
	Ops     int // operations completed in the measured window
	Errors  int
	Elapsed time.Duration
	P50     time.Duration
	P99     time.Duration
}

// Combine merges rounds of the same cell: operations, errors and time add up, so the
// throughput is over all of them, and the latency percentiles are the median of the
// rounds', which one round disturbed by the machine does not move.
func Combine(rounds []Result) Result {
	if len(rounds) == 0 {
		return Result{}
	}
	out := Result{Op: rounds[0].Op, Clients: rounds[0].Clients}
	p50s := make([]time.Duration, 0, len(rounds))
	p99s := make([]time.Duration, 0, len(rounds))
	for _, r := range rounds {
		out.Ops += r.Ops
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		p50s = append(p50s, r.P50)
		p99s = append(p99s, r.P99)
	}
	out.P50, out.P99 = median(p50s), median(p99s)
	return out
}

// median of ds (the lower middle for an even count).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}

// Throughput is completed operations per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Sessions is a set of connected go-zookeeper clients, one per simulated user.
type Sessions struct {
	conns []*zk.Conn
	root  string
}

// quietLogger drops the client library's connection chatter.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// Connect opens n sessions to addr and waits until each has one. Every client
// works under root, in a node of its own; with root "" no node is created.
func Connect(ctx context.Context, addr string, n int, root string) (*Sessions, error) {
	return ConnectSpread(ctx, []string{addr}, n, root)
}

// ConnectSpread is Connect with the sessions spread over addrs: session i talks to
// addrs[i%len(addrs)] only, so every run puts the same load on each server.
func ConnectSpread(ctx context.Context, addrs []string, n int, root string) (*Sessions, error) {
	s := &Sessions{root: root}
	for i := range n {
		addr := addrs[i%len(addrs)]
		conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quietLogger{}))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("interop: connect %s: %w", addr, err)
		}
		s.conns = append(s.conns, conn)
		if err := awaitSession(ctx, events); err != nil {
			s.Close()
			return nil, fmt.Errorf("interop: connect %s: %w", addr, err)
		}
	}
	if root == "" {
		return s, nil
	}
	if _, err := s.conns[0].Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		s.Close()
		return nil, fmt.Errorf("interop: create %s: %w", root, err)
	}
	for i, conn := range s.conns {
		if _, err := conn.Create(s.node(i), payload, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			s.Close()
			return nil, fmt.Errorf("interop: create %s: %w", s.node(i), err)
		}
	}
	return s, nil
}

func awaitSession(ctx context.Context, events <-chan zk.Event) error {
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return nil
			}
		case <-timeout:
			return errors.New("no session within 15s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// node is client i's own znode.
func (s *Sessions) node(i int) string { return fmt.Sprintf("%s/c%03d", s.root, i) }

// Close closes every session.
func (s *Sessions) Close() {
	for _, c := range s.conns {
		c.Close()
	}
}

// Load runs op from every session, back to back, for d and measures it. create
// makes fresh persistent children of the client's own node; they are deleted
// again, outside the measurement, so the tree does not grow from run to run.
func (s *Sessions) Load(ctx context.Context, op Op, d time.Duration) (Result, error) {
	do, err := s.operation(op)
	if err != nil {
		return Result{}, err
	}
	type tally struct {
		lat     []time.Duration
		errs    int
		created []string
	}
	tallies := make([]tally, len(s.conns))
	start := time.Now()
	stop := start.Add(d)
	var wg sync.WaitGroup
	for i := range s.conns {
		wg.Go(func() {
			t := &tallies[i]
			for seq := 0; ctx.Err() == nil; seq++ {
				began := time.Now()
				if began.After(stop) {
					return
				}
				path, err := do(i, seq)
				t.lat = append(t.lat, time.Since(began))
				if err != nil {
					t.errs++
					continue
				}
				if path != "" {
					t.created = append(t.created, path)
				}
			}
		})
	}
	wg.Wait()
	r := Result{Op: op, Clients: len(s.conns), Elapsed: time.Since(start)}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errs
	}
	r.Ops = len(all) - r.Errors
	r.P50, r.P99 = Percentile(all, 50), Percentile(all, 99)
	for i := range s.conns {
		wg.Go(func() {
			for _, p := range tallies[i].created {
				if err := s.conns[i].Delete(p, -1); err != nil {
					log.Printf("interop: delete %s: %v", p, err)
				}
			}
		})
	}
	wg.Wait()
	return r, ctx.Err()
}

// operation returns the call for client i's seq-th operation; it returns the path
// it created, if any.
func (s *Sessions) operation(op Op) (func(i, seq int) (string, error), error) {
	switch op {
	case OpCreate:
		return func(i, seq int) (string, error) {
			return s.conns[i].Create(fmt.Sprintf("%s/n%08d", s.node(i), seq), payload, 0, zk.WorldACL(zk.PermAll))
		}, nil
	case OpSetData:
		return func(i, _ int) (string, error) {
			_, err := s.conns[i].Set(s.node(i), payload, -1)
			return "", err
		}, nil
	case OpGetData:
		return func(i, _ int) (string, error) {
			_, _, err := s.conns[i].Get(s.node(i))
			return "", err
		}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrBadOp, op)
}

// Percentile returns the nearest-rank p-th percentile of lat (0 when empty). It
// sorts lat.
func Percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	rank := int(math.Ceil(float64(len(lat))*p/100)) - 1
	return lat[min(max(rank, 0), len(lat)-1)]
}
