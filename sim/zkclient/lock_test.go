package zkclient

import (
	"errors"
	"testing"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol/wire"
)

func TestCheckLocks(t *testing.T) {
	acq := func(client int, at int64) LockEvent {
		return LockEvent{Client: client, Lock: "/l", Kind: LockAcquired, Time: at}
	}
	rel := func(client int, at int64) LockEvent {
		return LockEvent{Client: client, Lock: "/l", Kind: LockReleased, Time: at}
	}
	for _, tc := range []struct {
		name       string
		events     []LockEvent
		violations int
	}{
		{"empty", nil, 0},
		{"hand over", []LockEvent{acq(1, 1), rel(1, 5), acq(2, 6), rel(2, 9)}, 0},
		{"hand over at the same instant", []LockEvent{acq(1, 1), acq(2, 5), rel(1, 5)}, 0},
		{"overlap", []LockEvent{acq(1, 1), acq(2, 3), rel(1, 5)}, 1},
		{"never released", []LockEvent{acq(1, 1), acq(2, 10)}, 1},
		{"other client's release does not free it", []LockEvent{acq(1, 1), rel(2, 2), acq(3, 3)}, 1},
		{"different locks", []LockEvent{acq(1, 1), {Client: 2, Lock: "/m", Kind: LockAcquired, Time: 2}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckLocks(tc.events); len(got) != tc.violations {
				t.Fatalf("violations %v, want %d", got, tc.violations)
			}
		})
	}
}

func TestToWire(t *testing.T) {
	for _, tc := range []struct {
		req  checker.Request
		op   wire.OpCode
		mode wire.CreateMode
		err  bool
	}{
		{req: checker.Request{Kind: checker.OpCreate, Path: "/a"}, op: wire.OpCreate2, mode: wire.ModePersistent},
		{req: checker.Request{Kind: checker.OpCreate, Path: "/a", Ephemeral: true}, op: wire.OpCreate2, mode: wire.ModeEphemeral},
		{req: checker.Request{Kind: checker.OpCreate, Path: "/a", Sequential: true}, op: wire.OpCreate2, mode: wire.ModePersistentSequential},
		{req: checker.Request{Kind: checker.OpCreate, Path: "/a", Sequential: true, Ephemeral: true}, op: wire.OpCreate2, mode: wire.ModeEphemeralSequential},
		{req: checker.Request{Kind: checker.OpDelete, Path: "/a", Version: 3}, op: wire.OpDelete},
		{req: checker.Request{Kind: checker.OpSetData, Path: "/a", Version: -1}, op: wire.OpSetData},
		{req: checker.Request{Kind: checker.OpGetData, Path: "/a", Watch: true}, op: wire.OpGetData},
		{req: checker.Request{Kind: checker.OpExists, Path: "/a"}, op: wire.OpExists},
		{req: checker.Request{Kind: checker.OpGetChildren, Path: "/a"}, op: wire.OpGetChildren2},
		{req: checker.Request{Kind: checker.OpSync, Path: "/a"}, op: wire.OpSync},
		{req: checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpCheck, Path: "/a"}, {Kind: checker.OpCreate, Path: "/b"}}}, op: wire.OpMulti},
		{req: checker.Request{Kind: checker.OpCheck, Path: "/a"}, err: true},
		{req: checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpGetData, Path: "/a"}}}, err: true},
		{req: checker.Request{Kind: 0}, err: true},
	} {
		w, op, err := toWire(tc.req, true)
		if tc.err {
			if !errors.Is(err, ErrBadRequest) {
				t.Errorf("%+v: err %v, want ErrBadRequest", tc.req, err)
			}
			continue
		}
		if err != nil || op != tc.op || w.OpCode() != op {
			t.Errorf("%+v: op %v (%v), err %v; want %v", tc.req, op, w, err, tc.op)
			continue
		}
		if cr, ok := w.(*wire.CreateRequest); ok && cr.Flags != tc.mode {
			t.Errorf("%+v: mode %v, want %v", tc.req, cr.Flags, tc.mode)
		}
		// What the client sends must decode as the same request on the server.
		if _, back, err := wire.DecodeRequest(wire.EncodeRequest(1, w)[4:]); err != nil || back.OpCode() != op {
			t.Errorf("%+v: round trip %v %v", tc.req, back, err)
		}
	}
}

func TestFromWireMulti(t *testing.T) {
	req := checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpCreate, Path: "/a"}, {Kind: checker.OpSetData, Path: "/a"}}}
	resp := &wire.MultiResponse{Results: []wire.MultiResult{
		{Op: wire.OpCreate, Resp: &wire.PathResponse{Path: "/a"}},
		{Op: wire.OpSetData, Resp: &wire.StatResponse{Stat: wire.Stat{Version: 1, Mzxid: 9}}},
	}}
	got := fromWire(req, wire.ErrOK, resp)
	if len(got.Results) != 2 || got.Results[0].Path != "/a" || !got.Results[1].HasStat || got.Results[1].Stat.Version != 1 {
		t.Fatalf("%+v", got)
	}
	failed := fromWire(req, wire.ErrOK, &wire.MultiResponse{Results: []wire.MultiResult{wire.MultiErrorResult(wire.ErrNodeExists), wire.MultiErrorResult(wire.ErrRuntimeInconsistency)}})
	if failed.Results[0].Err != checker.ErrNodeExists || failed.Results[1].Err != checker.ErrRuntimeInconsistency {
		t.Fatalf("%+v", failed)
	}
	if e := fromWire(req, wire.ErrNoNode, nil); e.Err != checker.ErrNoNode || e.Results != nil {
		t.Fatalf("%+v", e)
	}
}
