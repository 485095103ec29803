package nemesis

import "fmt"

// ClusterShape is the size of a cluster. Node ids are 1..Voters for voters, then the
// observers, then the clients; the simulator and zoo.cfg's myid number them the same.
type ClusterShape struct {
	Voters, Observers, Clients int
}

// maxShape bounds every count, so that bad input cannot ask for huge schedules.
const maxShape = 1000

// Validate checks the counts.
func (c ClusterShape) Validate() error {
	if c.Voters < 1 || c.Voters > maxShape || c.Observers < 0 || c.Observers > maxShape ||
		c.Clients < 0 || c.Clients > maxShape {
		return fmt.Errorf("%w: %d voters, %d observers, %d clients: want 1..%[4]d voters and 0..%[4]d of the others",
			ErrBadShape, c.Voters, c.Observers, c.Clients, maxShape)
	}
	return nil
}

// Servers is the number of servers, voters and observers.
func (c ClusterShape) Servers() int { return c.Voters + c.Observers }

// Minority is the largest number of voters that may be down with a quorum left.
func (c ClusterShape) Minority() int { return (c.Voters - 1) / 2 }

// ServerIDs lists the servers' ids.
func (c ClusterShape) ServerIDs() []int { return idRange(1, c.Servers()) }

// ClientIDs lists the clients' ids.
func (c ClusterShape) ClientIDs() []int { return idRange(c.Servers()+1, c.Clients) }

func idRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}
