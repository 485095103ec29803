//go:build interop

// Command zkbench measures zkserver beside Apache ZooKeeper started in the same
// run: by default a 3-node ensemble of each on loopback (distinct ports, one
// dataDir and myid per member, forceSync=yes), or one standalone server of each
// with -members 1. It prints a markdown table: ops/s and p50/p99 latency of
// create, setData and getData with 1, 16 and 64 concurrent go-zookeeper clients,
// the members' RSS summed after the load, the time from starting the processes
// until a write is acknowledged, and the goals met or missed.
//
//	go run -tags interop ./server/interop/zkbench [-members 3] [-cell 3s] [-clients 1,16,64] [-o report.md]
//
// Client i talks to member i mod 3 only, so both ensembles see the same spread of
// sessions over leader and followers. Cells alternate which implementation goes
// first, so a change in the machine's load touches both alike. Apache ZooKeeper
// gets the heap zkServer.sh gives it (-Xmx1000m per member) and a warm-up before
// the first cell, so the JIT has compiled the hot paths. Every create is deleted
// again after its cell, outside the measurement.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zksim/zksim/server/interop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zkbench:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("zkbench: bad flags")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zkbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cell := fs.Duration("cell", 3*time.Second, "measured time per operation, concurrency and server")
	warmup := fs.Duration("warmup", 3*time.Second, "unmeasured load on each server before the first cell (JIT warm-up)")
	clientList := fs.String("clients", "1,16,64", "comma-separated concurrency levels")
	bin := fs.String("zkserver", "", "zkserver binary (default: build cmd/zkserver)")
	members := fs.Int("members", 3, "servers per side: 3 for an ensemble, 1 for standalone")
	rounds := fs.Int("rounds", 3, "measured rounds per cell, each side in turn (percentiles: the median round's)")
	out := fs.String("o", "", "also write the markdown report to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	levels, err := parseLevels(*clientList)
	if err != nil {
		return err
	}
	if *members < 1 {
		return fmt.Errorf("%w: -members %d", errUsage, *members)
	}
	if *rounds < 1 {
		return fmt.Errorf("%w: -rounds %d", errUsage, *rounds)
	}
	dir, err := os.MkdirTemp("", "zkbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		if *bin, err = interop.BuildZkserver(ctx, dir); err != nil {
			return err
		}
	}
	servers, err := startBoth(ctx, *bin, dir, *members)
	if err != nil {
		return err
	}
	for _, s := range servers {
		defer s.Stop()
	}
	for _, s := range servers {
		fmt.Fprintf(stderr, "%s: %d member(s) at %v, all answering %v and a write acknowledged %v after start\n",
			s.Kind, len(s.Members), s.Addrs(), s.Answering, s.Ready)
	}

	for _, s := range servers {
		if err := warm(ctx, s, *warmup); err != nil {
			return err
		}
	}
	ops := []interop.Op{interop.OpCreate, interop.OpSetData, interop.OpGetData}
	results := make(map[interop.Op]map[int]*interop.Cell, len(ops))
	for _, op := range ops {
		results[op] = make(map[int]*interop.Cell, len(levels))
	}
	for _, n := range levels {
		sessions := make([]*interop.Sessions, len(servers))
		for i, s := range servers {
			if sessions[i], err = interop.ConnectSpread(ctx, s.Addrs(), n, fmt.Sprintf("/bench%d", n)); err != nil {
				return err
			}
			defer sessions[i].Close()
		}
		for k, op := range ops {
			measured := make([][]interop.Result, len(servers))
			for round := range *rounds {
				// Alternate which server goes first.
				order := []int{0, 1}
				if (k+n+round)%2 == 1 {
					order = []int{1, 0}
				}
				for _, i := range order {
					r, err := sessions[i].Load(ctx, op, *cell)
					if err != nil {
						return err
					}
					measured[i] = append(measured[i], r)
					fmt.Fprintf(stderr, "%-6s %-7s %2d clients, round %d: %8.0f ops/s p50 %v p99 %v errors %d\n",
						servers[i].Kind, op, n, round+1, r.Throughput(), r.P50, r.P99, r.Errors)
				}
			}
			c := &interop.Cell{}
			for i, s := range servers {
				if s.Kind == interop.Zksim {
					c.Zksim = interop.Combine(measured[i])
				} else {
					c.Apache = interop.Combine(measured[i])
				}
			}
			results[op][n] = c
		}
		for _, s := range sessions {
			s.Close()
		}
	}
	cmp := interop.Comparison{
		CellDuration: *cell,
		Rounds:       *rounds,
		Members:      *members,
		ZksimLeader:  servers[0].Leader(),
		ApacheLeader: servers[1].Leader(),
		ZksimReady:   servers[0].Ready,
		ApacheReady:  servers[1].Ready,

		ZksimAnswering:  servers[0].Answering,
		ApacheAnswering: servers[1].Answering,
	}
	for _, op := range ops {
		for _, n := range levels {
			cmp.Cells = append(cmp.Cells, *results[op][n])
		}
	}
	if cmp.ZksimRSS, err = servers[0].RSS(); err != nil {
		return err
	}
	if cmp.ApacheRSS, err = servers[1].RSS(); err != nil {
		return err
	}
	var report strings.Builder
	if err := cmp.WriteMarkdown(&report); err != nil {
		return err
	}
	fmt.Fprint(stdout, report.String())
	if *out != "" {
		return os.WriteFile(*out, []byte(report.String()), 0o644)
	}
	return nil
}

// startBoth starts zkserver and Apache ZooKeeper, in that order and never at the
// same time, each with members servers in a directory of its own under dir.
func startBoth(ctx context.Context, bin, dir string, members int) ([]*interop.Cluster, error) {
	z, err := interop.StartCluster(ctx, interop.Zksim, bin, dir+"/zksim", members)
	if err != nil {
		return nil, err
	}
	a, err := interop.StartCluster(ctx, interop.Apache, "", dir+"/apache", members)
	if err != nil {
		z.Stop()
		return nil, err
	}
	return []*interop.Cluster{z, a}, nil
}

// warm runs every operation with 16 clients for d in all, unmeasured.
func warm(ctx context.Context, s *interop.Cluster, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	sessions, err := interop.ConnectSpread(ctx, s.Addrs(), 16, "/warmup")
	if err != nil {
		return err
	}
	defer sessions.Close()
	for _, op := range []interop.Op{interop.OpCreate, interop.OpSetData, interop.OpGetData} {
		if _, err := sessions.Load(ctx, op, d/3); err != nil {
			return err
		}
	}
	return nil
}

func parseLevels(s string) ([]int, error) {
	var levels []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: -clients %q", errUsage, s)
		}
		levels = append(levels, n)
	}
	return levels, nil
}
