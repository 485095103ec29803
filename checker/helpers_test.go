package checker

import (
	"testing"
)

// builder assembles hand-written histories.
type builder struct {
	h History
}

const sess = 0x100 // session of client c is sess+c

func (b *builder) add(op Operation) int {
	if op.Session == 0 {
		op.Session = sess + int64(op.Client)
	}
	b.h.Ops = append(b.h.Ops, op)
	return len(b.h.Ops) - 1
}

func (b *builder) create(c int, inv, ret, zxid int64, path, data string) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req:  Request{Kind: OpCreate, Path: path, Data: data},
		Resp: Response{Path: path}})
}

func (b *builder) createEph(c int, inv, ret, zxid int64, path, data string) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req:  Request{Kind: OpCreate, Path: path, Data: data, Ephemeral: true},
		Resp: Response{Path: path}})
}

func (b *builder) createSeq(c int, inv, ret, zxid int64, prefix, got string) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req:  Request{Kind: OpCreate, Path: prefix, Sequential: true},
		Resp: Response{Path: got}})
}

func (b *builder) set(c int, inv, ret, zxid int64, path, data string, version int32) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req: Request{Kind: OpSetData, Path: path, Data: data, Version: version}})
}

func (b *builder) setErr(c int, inv, ret, zxid int64, path, data string, version int32, err ErrCode) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req: Request{Kind: OpSetData, Path: path, Data: data, Version: version}, Resp: Response{Err: err}})
}

func (b *builder) del(c int, inv, ret, zxid int64, path string) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req: Request{Kind: OpDelete, Path: path, Version: AnyVersion}})
}

func (b *builder) unknown(c int, inv, ret int64, req Request) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Outcome: OutcomeUnknown, Req: req})
}

// get records a getData that returned data written at mzxid (created at czxid), with the
// reply stamped zxid.
func (b *builder) get(c int, inv, ret, zxid int64, path, data string, czxid, mzxid int64, version int32) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req:  Request{Kind: OpGetData, Path: path},
		Resp: Response{Data: data, HasStat: true, Stat: Stat{Czxid: czxid, Mzxid: mzxid, Version: version}}})
}

func (b *builder) getWatch(c int, inv, ret, zxid int64, path, data string, czxid, mzxid int64, version int32) int {
	i := b.get(c, inv, ret, zxid, path, data, czxid, mzxid, version)
	b.h.Ops[i].Req.Watch = true
	return i
}

func (b *builder) getNone(c int, inv, ret, zxid int64, path string) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req: Request{Kind: OpGetData, Path: path}, Resp: Response{Err: ErrNoNode}})
}

func (b *builder) sync(c int, inv, ret, zxid int64) int {
	return b.add(Operation{Client: c, Invoke: inv, Return: ret, Zxid: zxid, Outcome: OutcomeOK,
		Req: Request{Kind: OpSync, Path: "/"}})
}

func (b *builder) watch(c int, t int64, typ WatchEventType, path string) int {
	b.h.WatchEvents = append(b.h.WatchEvents, WatchEvent{Client: c, Session: sess + int64(c), Time: t, Type: typ, Path: path})
	return len(b.h.WatchEvents) - 1
}

func (b *builder) session(c int, t int64, kind SessionEventKind, zxid int64) int {
	b.h.SessionEvents = append(b.h.SessionEvents, SessionEvent{Client: c, Session: sess + int64(c), Time: t, Kind: kind, Zxid: zxid})
	return len(b.h.SessionEvents) - 1
}

func mustCheck(t *testing.T, h *History, logs []NodeLog, opts Options) Report {
	t.Helper()
	rep, err := Check(h, logs, opts)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return rep
}

func hasVerdict(rep Report, p Property, v Verdict) bool {
	for _, r := range rep.Find(p) {
		if r.Verdict == v {
			return true
		}
	}
	return false
}

// expectViolation asserts that a report holds exactly when want is empty, and otherwise
// names want as failed with a sentence a person can read.
func expectViolation(t *testing.T, rep Report, want Property) {
	t.Helper()
	if want == "" {
		if !rep.OK() {
			t.Fatalf("valid input rejected:\n%s", rep)
		}
		return
	}
	if !hasVerdict(rep, want, Fail) {
		t.Fatalf("violation of %s not reported:\n%s", want, rep)
	}
	for _, r := range rep.Find(want) {
		if r.Verdict == Fail && r.Summary == "" {
			t.Fatalf("failure without a sentence: %v", r)
		}
	}
}
