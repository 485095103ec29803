package zkclient

import "github.com/zksim/zksim/checker"

// ReadBack is a run's final read: once the faults are healed, a client bound to one
// server syncs and then reads every path in Paths, so that the linearizability
// checker (linearizable-sync-reads: reads after a sync on the same session) judges
// what that server finally holds: an acknowledged write it lost reads as stale. The
// reads go out together once the sync is answered. It closes its session when the
// last is answered, then calls Done.
type ReadBack struct {
	Paths []string
	Done  func()
}

// Start begins the read back.
func (r *ReadBack) Start(c *Client) {
	do(c, checker.Request{Kind: checker.OpSync, Path: "/"}, func(checker.Operation) {
		left := len(r.Paths)
		for _, path := range r.Paths {
			do(c, checker.Request{Kind: checker.OpGetData, Path: path}, func(checker.Operation) {
				if left--; left == 0 {
					c.Close(r.finish)
				}
			}, r.finish)
		}
	}, r.finish)
}

func (r *ReadBack) finish() {
	if r.Done != nil {
		r.Done()
		r.Done = nil
	}
}
