package zab_test

import (
	"fmt"

	"github.com/zksim/zksim/protocol/election"
	"github.com/zksim/zksim/protocol/zab"
)

// Example shows the driver loop on a one-server ensemble: elect, establish the epoch,
// replicate a transaction.
func Example() {
	q := election.NewMajority(1)
	el, _ := election.New(election.Config{ID: 1, Quorum: q})
	st, _ := zab.Recover(zab.Storage{AcceptedEpoch: -1, CurrentEpoch: -1})
	node, _ := zab.New(zab.Config{ID: 1, Quorum: q, TickTime: 100, InitLimit: 10, SyncLimit: 5}, st)

	var log []zab.Entry // the "disk"
	var hard zab.HardState
	drive := func() {
		for node.HasReady() {
			rd := node.Ready()
			// Send unmarked messages (none here), persist, send marked ones, apply.
			log = append(log, rd.Entries...)
			if rd.HardState != nil {
				hard = *rd.HardState
			}
			if rd.Status != nil {
				fmt.Printf("%v in %v, epoch %d\n", rd.Status.Role, rd.Status.Phase, rd.Status.Epoch)
			}
			for _, e := range rd.CommittedEntries {
				fmt.Printf("apply %#x %s\n", e.Zxid, e.Txn)
			}
			node.Advance()
		}
	}

	el.Start(node.LastZxid(), node.CurrentEpoch())
	el.Tick(election.DefaultFinalizeWait) // the finalize wait passes with no better vote
	if d := el.Ready().Decision; d != nil && d.Role == election.Leading {
		node.Lead()
	}
	drive()
	zxid, _ := node.Propose([]byte("create /a"))
	drive()
	fmt.Printf("logged %d, committed %#x, acceptedEpoch %d, currentEpoch %d\n", len(log), zxid, hard.AcceptedEpoch, hard.CurrentEpoch)
	// Output:
	// leader in synchronization, epoch 1
	// leader in broadcast, epoch 1
	// apply 0x100000001 create /a
	// logged 1, committed 0x100000001, acceptedEpoch 1, currentEpoch 1
}
