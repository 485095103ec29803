package jepsen

import (
	"testing"

	"pgregory.net/rapid"
)

// relayMesh is a Cluster of n servers with every peer relay but no processes, enough
// to judge how partitions set the relays.
func relayMesh(t *rapid.T, n int) *Cluster {
	c := &Cluster{quorum: map[[2]int]*Relay{}, elect: map[[2]int]*Relay{}, cut: map[[2]int]bool{},
		links: map[int]*clientLink{}, notes: map[string]bool{}}
	for id := 1; id <= n; id++ {
		c.nodes = append(c.nodes, &node{id: id})
	}
	for a := 1; a <= n; a++ {
		for b := 1; b <= n; b++ {
			if a == b {
				continue
			}
			for _, m := range []map[[2]int]*Relay{c.quorum, c.elect} {
				r, err := NewRelay("127.0.0.1:1")
				if err != nil {
					t.Fatal(err)
				}
				m[[2]int{a, b}] = r
			}
		}
	}
	return c
}

func (c *Cluster) closeRelays() {
	for _, r := range c.allRelaysLocked() {
		r.Close()
	}
}

// canSend reads from the relays whether a's bytes reach b: on a's dialled link
// forward and on b's dialled link backward.
func canSend(c *Cluster, a, b int) bool {
	for _, r := range []*Relay{c.quorum[[2]int{a, b}], c.elect[[2]int{a, b}]} {
		if f, _ := r.Modes(); f != Pass {
			return false
		}
	}
	for _, r := range []*Relay{c.quorum[[2]int{b, a}], c.elect[[2]int{b, a}]} {
		if _, bk := r.Modes(); bk != Pass {
			return false
		}
	}
	return true
}

// TestPartitionsSetRelays checks, against a model of who may send to whom, that any
// sequence of partitions, one-way cuts and heals leaves exactly the model's links
// open, and that a link cut both ways drops while a link cut one way blackholes.
func TestPartitionsSetRelays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 5).Draw(t, "n")
		c := relayMesh(t, n)
		defer c.closeRelays()
		ids := c.Nodes()
		blocked := map[[2]int]bool{}
		for step := range rapid.IntRange(1, 6).Draw(t, "steps") {
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				// Each server joins group 0 (no group), 1 or 2.
				var groups [][]int
				member := map[int]int{}
				g1, g2 := []int{}, []int{}
				for _, id := range ids {
					switch member[id] = rapid.IntRange(0, 2).Draw(t, "group"); member[id] {
					case 1:
						g1 = append(g1, id)
					case 2:
						g2 = append(g2, id)
					}
				}
				for _, g := range [][]int{g1, g2} {
					if len(g) > 0 {
						groups = append(groups, g)
					}
				}
				if err := c.Partition(groups); err != nil {
					t.Fatal(err)
				}
				clear(blocked)
				for _, a := range ids {
					for _, b := range ids {
						blocked[[2]int{a, b}] = member[a] != member[b]
					}
				}
			case 1:
				from := rapid.SampledFrom(ids).Draw(t, "from")
				to := rapid.SampledFrom(ids).Draw(t, "to")
				if err := c.PartitionOneWay([]int{from}, []int{to}); err != nil {
					t.Fatal(err)
				}
				if from != to {
					blocked[[2]int{from, to}] = true
				}
			default:
				if err := c.Heal(); err != nil {
					t.Fatal(err)
				}
				clear(blocked)
			}
			for _, a := range ids {
				for _, b := range ids {
					if a == b {
						continue
					}
					if got, want := canSend(c, a, b), !blocked[[2]int{a, b}]; got != want {
						t.Fatalf("step %d: %d→%d can send = %v, model says %v", step, a, b, got, want)
					}
					f, _ := c.quorum[[2]int{a, b}].Modes()
					both := blocked[[2]int{a, b}] && blocked[[2]int{b, a}]
					if both != (f == Drop) {
						t.Fatalf("step %d: %d→%d forward mode %v, cut both ways = %v", step, a, b, f, both)
					}
				}
			}
		}
	})
}

func TestUnknownNodes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := relayMesh(t, 3)
		defer c.closeRelays()
		bad := rapid.SampledFrom([]int{0, -1, 4, 99}).Draw(t, "id")
		for name, err := range map[string]error{
			"partition": c.Partition([][]int{{bad}}),
			"oneway":    c.PartitionOneWay([]int{1}, []int{bad}),
			"crash":     c.Crash(bad),
			"restart":   c.Restart(bad),
			"pause":     c.Pause(bad),
			"reset":     c.ResetConnections(bad),
		} {
			if err == nil {
				t.Fatalf("%s of node %d: no error", name, bad)
			}
		}
		if _, err := c.Status(bad); err == nil {
			t.Fatalf("status of node %d: no error", bad)
		}
	})
}
