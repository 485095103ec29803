package cluster

import "github.com/zksim/zksim/sim"

// CrashPoints holds crash points armed per node. An armed point fires once: the next
// time the node reaches that step it crashes itself, and the point is disarmed.
type CrashPoints struct {
	armed map[crashKey]int
}

type crashKey struct {
	node sim.NodeID
	name string
}

// NewCrashPoints returns an empty set.
func NewCrashPoints() *CrashPoints { return &CrashPoints{armed: map[crashKey]int{}} }

// Arm makes node crash the next time it reaches the named step (see the Crash*
// constants). Arming twice crashes it at the two next occurrences.
func (p *CrashPoints) Arm(node sim.NodeID, name string) {
	p.armed[crashKey{node, name}]++
}

// Disarm removes every arming of name on node.
func (p *CrashPoints) Disarm(node sim.NodeID, name string) {
	delete(p.armed, crashKey{node, name})
}

// Armed reports how many times name is armed on node.
func (p *CrashPoints) Armed(node sim.NodeID, name string) int {
	return p.armed[crashKey{node, name}]
}

func (p *CrashPoints) take(node sim.NodeID, name string) bool {
	k := crashKey{node, name}
	if p.armed[k] == 0 {
		return false
	}
	p.armed[k]--
	if p.armed[k] == 0 {
		delete(p.armed, k)
	}
	return true
}
