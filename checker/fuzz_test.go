package checker

import (
	"testing"
	"time"
)

// byteDraw turns fuzz input into draws; when the input runs out every draw is lo.
func byteDraw(data []byte) func(lo, hi int) int {
	return func(lo, hi int) int {
		if len(data) == 0 || hi <= lo {
			return lo
		}
		v := int(data[0])
		if len(data) > 1 && hi-lo > 255 {
			v = v<<8 | int(data[1])
			data = data[1:]
		}
		data = data[1:]
		return lo + v%(hi-lo+1)
	}
}

// FuzzGeneratedAccepted explores the space of correct histories: whatever the input, the
// history the sequential model produces must be accepted.
func FuzzGeneratedAccepted(f *testing.F) {
	f.Add([]byte{3, 2, 40, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{5, 4, 60, 30, 14, 0, 2, 1, 7, 7, 7, 12, 12, 6, 6, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		draw := byteDraw(data)
		spec := genSpec{clients: draw(1, 5), paths: draw(1, 4), ops: draw(1, 60), unknownPct: draw(0, 30)}
		h := genHistory(draw, spec)
		rep, err := Check(h, nil, Options{LinearizabilityTimeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		for _, r := range rep.Results {
			if r.Verdict == Fail || r.Verdict == KnownLimitation {
				t.Fatalf("correct history rejected: %v\n%s", r, dumpHistory(h))
			}
		}
	})
}

// FuzzCheck feeds arbitrary, mostly wrong histories and node logs: Check must return a
// report or a typed error, never panic.
func FuzzCheck(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{9, 9, 9, 200, 13, 7, 1, 0, 255, 3, 3, 3, 3, 4, 4, 100, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		draw := byteDraw(data)
		h, logs := arbitraryInput(draw)
		rep, err := Check(h, logs, Options{LinearizabilityTimeout: time.Second,
			Liveness: &LivenessConfig{HealTime: int64(draw(0, 1000)), TickTime: 10, InitLimit: 2, SyncLimit: 2}})
		if err != nil {
			return
		}
		for _, r := range rep.Results {
			if r.Verdict == Fail && r.Summary == "" {
				t.Fatalf("failure without a sentence: %v", r)
			}
		}
	})
}

func arbitraryInput(draw func(lo, hi int) int) (*History, []NodeLog) {
	paths := []string{"/", "/a", "/b", "/a/c", "/q/s-", "bad", ""}
	req := func() Request {
		return Request{Kind: OpKind(draw(0, 10)), Path: paths[draw(0, len(paths)-1)], Data: string(rune('a' + draw(0, 3))),
			Version: int32(draw(0, 3) - 1), Ephemeral: draw(0, 1) == 1, Sequential: draw(0, 3) == 0, Watch: draw(0, 1) == 1}
	}
	h := &History{}
	for range draw(0, 12) {
		op := Operation{Client: draw(0, 3), Session: int64(draw(0, 3)), Server: draw(0, 2),
			Invoke: int64(draw(0, 1000)), Return: int64(draw(0, 1000)), Req: req(),
			Zxid: int64(draw(0, 20)), Outcome: Outcome(draw(0, 4))}
		if op.Req.Kind == OpMulti {
			for range draw(0, 3) {
				op.Req.Ops = append(op.Req.Ops, req())
			}
			for range draw(0, 3) {
				op.Resp.Results = append(op.Resp.Results, Response{Err: ErrCode(-draw(0, 120)), Path: paths[draw(0, len(paths)-1)]})
			}
		}
		op.Resp.Err = ErrCode(-draw(0, 120))
		op.Resp.Data = string(rune('a' + draw(0, 3)))
		op.Resp.Path = paths[draw(0, len(paths)-1)] + "0000000001"
		op.Resp.HasStat = draw(0, 1) == 1
		op.Resp.Stat = Stat{Czxid: int64(draw(0, 20)), Mzxid: int64(draw(0, 20)), Version: int32(draw(0, 3)), EphemeralOwner: int64(draw(0, 3))}
		h.Ops = append(h.Ops, op)
	}
	for range draw(0, 4) {
		h.WatchEvents = append(h.WatchEvents, WatchEvent{Client: draw(0, 3), Session: int64(draw(0, 3)), Time: int64(draw(0, 1000)),
			Type: WatchEventType(draw(0, 5)), Path: paths[draw(0, len(paths)-1)], Zxid: int64(draw(0, 20))})
	}
	for range draw(0, 3) {
		h.SessionEvents = append(h.SessionEvents, SessionEvent{Client: draw(0, 3), Session: int64(draw(0, 3)), Time: int64(draw(0, 1000)),
			Kind: SessionEventKind(draw(0, 4)), Zxid: int64(draw(0, 20))})
	}
	var logs []NodeLog
	for n := range draw(0, 3) {
		l := NodeLog{Node: n, Live: draw(0, 1) == 1}
		t := int64(0)
		for range draw(0, 10) {
			t += int64(draw(0, 100))
			l.Events = append(l.Events, NodeEvent{Kind: NodeEventKind(draw(0, 11)), Time: t, Epoch: int64(draw(0, 3)),
				Zxid: int64(draw(0, 20)), Digest: uint64(draw(0, 3))})
		}
		logs = append(logs, l)
	}
	return h, logs
}
