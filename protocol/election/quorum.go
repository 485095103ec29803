package election

import (
	"slices"
)

// QuorumVerifier decides which sets of servers form a quorum. Majority is the usual
// implementation; a hierarchical (weighted groups) verifier can implement the same
// interface.
type QuorumVerifier interface {
	// Weight is the voting weight of a server; 0 for observers and unknown servers.
	Weight(id int64) int64
	// ContainsQuorum reports whether the servers in ids (duplicates and non-voters
	// allowed) form a quorum.
	ContainsQuorum(ids []int64) bool
	// Voters lists the voting servers in ascending order.
	Voters() []int64
}

// Majority is a QuorumVerifier where every voter weighs 1 and a quorum is a strict
// majority of the voters.
type Majority struct {
	voters []int64 // sorted, distinct
}

// NewMajority returns a majority verifier over the given voter ids.
func NewMajority(voters ...int64) Majority {
	v := slices.Clone(voters)
	slices.Sort(v)
	return Majority{voters: slices.Compact(v)}
}

// Weight implements QuorumVerifier.
func (m Majority) Weight(id int64) int64 {
	if _, ok := slices.BinarySearch(m.voters, id); ok {
		return 1
	}
	return 0
}

// ContainsQuorum implements QuorumVerifier.
func (m Majority) ContainsQuorum(ids []int64) bool {
	seen := make([]bool, len(m.voters))
	n := 0
	for _, id := range ids {
		if i, ok := slices.BinarySearch(m.voters, id); ok && !seen[i] {
			seen[i] = true
			n++
		}
	}
	return n > len(m.voters)/2
}

// Voters implements QuorumVerifier.
func (m Majority) Voters() []int64 { return slices.Clone(m.voters) }
