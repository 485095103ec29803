package zkclient_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// TestPropertyEveryRequestResolvedOnce drives two clients through random requests,
// connection resets, partitions, server crashes and pauses. However the faults fall,
// every request's callback runs exactly once, the client ends connected, each client's
// zxids never go back, and the history passes every checker.
func TestPropertyEveryRequestResolvedOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w, err := sim.New(sim.Options{Seed: rapid.Uint64().Draw(t, "seed"),
			Network: sim.NetworkOptions{Link: sim.LinkOptions{Latency: sim.Latency{Min: time.Millisecond, Mean: 2 * time.Millisecond}},
				ResetDelay: sim.Latency{Min: time.Millisecond}, ResetProbability: 0.5},
			Disk: sim.DiskOptions{SyncLatency: sim.Latency{Min: time.Millisecond, Mean: time.Millisecond}, TornProbability: 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := cluster.New(w, cluster.Config{Servers: 1, Clients: 2, Peer: protocol.Config{TickTime: 500}, SessionTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		server, clients := c.Servers()[0], c.Clients()
		w.RunFor(50 * time.Millisecond)
		calls := map[int]int{}
		issued := 0
		reqs := []checker.Request{
			{Kind: checker.OpCreate, Path: "/a", Data: "x"},
			{Kind: checker.OpCreate, Path: "/e", Ephemeral: true},
			{Kind: checker.OpCreate, Path: "/a/s-", Sequential: true},
			{Kind: checker.OpSetData, Path: "/a", Data: "y", Version: -1},
			{Kind: checker.OpSetData, Path: "/a", Data: "z", Version: 1},
			{Kind: checker.OpGetData, Path: "/a", Watch: true},
			{Kind: checker.OpExists, Path: "/e", Watch: true},
			{Kind: checker.OpGetChildren, Path: "/a", Watch: true},
			{Kind: checker.OpSync, Path: "/a"},
			{Kind: checker.OpDelete, Path: "/e", Version: -1},
			{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpCheck, Path: "/a", Version: -1}, {Kind: checker.OpSetData, Path: "/a", Data: "m", Version: -1}}},
		}
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for range steps {
			cl := clients[rapid.IntRange(0, 1).Draw(t, "client")]
			switch rapid.IntRange(0, 9).Draw(t, "action") {
			case 0, 1, 2, 3:
				n := issued
				issued++
				req := reqs[rapid.IntRange(0, len(reqs)-1).Draw(t, "req")]
				if err := c.Client(cl).Do(req, func(checker.Operation) { calls[n]++ }); err != nil {
					t.Fatal(err)
				}
			case 4:
				_ = w.Net().ResetNode(cl)
			case 5:
				var rest []sim.NodeID
				for _, id := range w.Nodes() {
					if id != cl {
						rest = append(rest, id)
					}
				}
				_ = w.Net().Partition([]sim.NodeID{cl}, rest)
			case 6:
				w.Net().Heal()
			case 7:
				switch st, _ := w.State(server); st {
				case sim.StateUp:
					_ = w.Crash(server)
				case sim.StateCrashed:
					_ = w.Restart(server)
				}
			case 8:
				switch st, _ := w.State(server); st {
				case sim.StateUp:
					_ = w.Pause(server)
				case sim.StatePaused:
					_ = w.Resume(server)
				}
			}
			w.RunFor(time.Duration(rapid.IntRange(0, 3000).Draw(t, "ms")) * time.Millisecond)
		}
		w.Net().Heal()
		switch st, _ := w.State(server); st {
		case sim.StateCrashed:
			_ = w.Restart(server)
		case sim.StatePaused:
			_ = w.Resume(server)
		}
		w.RunFor(20 * time.Second)
		for i := range issued {
			if calls[i] != 1 {
				t.Fatalf("request %d: callback ran %d times", i, calls[i])
			}
		}
		for _, id := range clients {
			if cl := c.Client(id); cl.State() != zkclient.StateConnected || cl.Outstanding() != 0 {
				t.Fatalf("client %d: %v with %d outstanding", id, cl.State(), cl.Outstanding())
			}
		}
		h := c.History()
		if len(h.Ops) != issued {
			t.Fatalf("%d ops recorded, %d issued", len(h.Ops), issued)
		}
		rep, err := checker.Check(&h, c.NodeLogs(), checker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatal(rep.String())
		}
	})
}
