package cluster

import (
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/sim"
)

// scriptedCore hands out fixed Readys, one per Advance, and does nothing else.
type scriptedCore struct {
	readies []protocol.Ready
	next    int
	out     bool // a Ready is handed out and not yet advanced
}

func (s *scriptedCore) TickClocks(int64, int64)                  {}
func (s *scriptedCore) Connect(protocol.ConnID, string)          {}
func (s *scriptedCore) Receive(protocol.ConnID, []byte)          {}
func (s *scriptedCore) Disconnect(protocol.ConnID)               {}
func (s *scriptedCore) StepPeer(int64, protocol.Channel, []byte) {}
func (s *scriptedCore) PeerDisconnected(int64, protocol.Channel) {}
func (s *scriptedCore) HasReady() bool                           { return !s.out && s.next < len(s.readies) }
func (s *scriptedCore) Advance()                                 { s.out = false }
func (s *scriptedCore) Status() protocol.Status                  { return protocol.Status{} }
func (s *scriptedCore) Ready() protocol.Ready {
	rd := s.readies[s.next]
	s.next++
	s.out = true
	return rd
}

// A transaction the last Advance applied is committed on this node even when the node
// dies while the next Ready's own writes are pending: its commit is recorded when that
// Ready reports it, not once that Ready is durable.
func TestAppliedTransactionsAreRecordedCommittedBeforeTheNextWrites(t *testing.T) {
	w, err := sim.New(sim.Options{Seed: 1, Disk: sim.DiskOptions{SyncLatency: sim.Latency{Min: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	core := &scriptedCore{readies: []protocol.Ready{
		{Records: []storage.Record{{Zxid: 0x100000001, Payload: []byte("a")}}, MustSync: true},
		{
			Events:   []protocol.NodeEvent{{Kind: protocol.EventCommitted, Zxid: 0x100000001}},
			Records:  []storage.Record{{Zxid: 0x100000002, Payload: []byte("b")}},
			MustSync: true,
		},
	}}
	rec := &NodeRecord{now: func() int64 { return int64(w.Now()) }}
	id, err := w.AddNode(sim.KindServer, func(sim.NodeID) sim.Process {
		return NewHost(HostConfig{
			Peer:    protocol.Config{TickTime: 500, Members: []protocol.Member{{ID: 1}, {ID: 2}, {ID: 3}}},
			Servers: map[int64]sim.NodeID{},
			Record:  rec,
			NewCore: func(protocol.Config, storage.RecoveredState, int64) (Core, error) { return core, nil },
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The second Ready's records are appended, not synced, when the node dies.
	if err := w.ArmCrashPoint(id, CrashAfterAppend, 1); err != nil {
		t.Fatal(err)
	}
	w.RunFor(100 * time.Millisecond)
	if st, _ := w.State(id); st != sim.StateCrashed {
		t.Fatalf("node %v, want crashed at the armed point", st)
	}
	var logged, committed []int64
	for _, ev := range rec.Log(false, 0, 0).Events {
		switch ev.Kind {
		case checker.NodeLogged:
			logged = append(logged, ev.Zxid)
		case checker.NodeCommitted:
			committed = append(committed, ev.Zxid)
		}
	}
	if len(logged) != 1 || logged[0] != 0x100000001 {
		t.Errorf("logged %#x, want only the synced 0x100000001", logged)
	}
	if len(committed) != 1 || committed[0] != 0x100000001 {
		t.Errorf("committed %#x, want 0x100000001, which the node applied before it died", committed)
	}
}
