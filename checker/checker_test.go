package checker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHistoryChecks(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *builder)
		want  Property // "" means every property must hold
	}{
		{"writes in order", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(1, 20, 30, 2, "/a", "y", 0)
			b.setErr(0, 40, 50, 3, "/a", "z", 0, ErrBadVersion)
		}, ""},
		{"conditional write against a stale version", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(1, 20, 30, 2, "/a", "y", AnyVersion)
			b.set(0, 40, 50, 3, "/a", "z", 0)
		}, PropLinearizable},
		{"delete of a missing node succeeds", func(b *builder) {
			b.del(0, 0, 10, 1, "/a")
		}, PropLinearizable},
		{"unknown write that took effect", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.unknown(0, 20, 25, Request{Kind: OpSetData, Path: "/a", Data: "u", Version: AnyVersion})
			b.setErr(1, 40, 50, 3, "/a", "z", 0, ErrBadVersion)
		}, ""},
		{"unknown write that never took effect", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.unknown(0, 20, 25, Request{Kind: OpSetData, Path: "/a", Data: "u", Version: AnyVersion})
			b.set(1, 40, 50, 3, "/a", "z", 0)
		}, ""},
		{"multi applies atomically", func(b *builder) {
			b.add(Operation{Client: 0, Invoke: 0, Return: 10, Zxid: 1, Outcome: OutcomeOK,
				Req:  Request{Kind: OpMulti, Ops: []Request{{Kind: OpCreate, Path: "/a", Data: "1"}, {Kind: OpCreate, Path: "/b", Data: "2"}}},
				Resp: Response{Results: []Response{{Path: "/a"}, {Path: "/b"}}}})
			b.setErr(1, 20, 30, 2, "/b", "q", 3, ErrBadVersion)
		}, ""},
		{"failed multi leaves no trace", func(b *builder) {
			b.create(0, 0, 10, 1, "/b", "0")
			b.add(Operation{Client: 0, Invoke: 20, Return: 30, Zxid: 2, Outcome: OutcomeOK,
				Req:  Request{Kind: OpMulti, Ops: []Request{{Kind: OpCreate, Path: "/a", Data: "1"}, {Kind: OpCreate, Path: "/b", Data: "2"}}},
				Resp: Response{Results: []Response{{Err: ErrOK}, {Err: ErrNodeExists}}}})
			b.create(1, 40, 50, 3, "/a", "later")
		}, ""},
		{"failed multi whose first sub-op did apply", func(b *builder) {
			b.create(0, 0, 10, 1, "/b", "0")
			b.add(Operation{Client: 0, Invoke: 20, Return: 30, Zxid: 2, Outcome: OutcomeOK,
				Req:  Request{Kind: OpMulti, Ops: []Request{{Kind: OpCreate, Path: "/a", Data: "1"}, {Kind: OpCreate, Path: "/b", Data: "2"}}},
				Resp: Response{Results: []Response{{Err: ErrOK}, {Err: ErrNodeExists}}}})
			b.add(Operation{Client: 1, Invoke: 40, Return: 50, Zxid: 3, Outcome: OutcomeOK,
				Req: Request{Kind: OpCreate, Path: "/a"}, Resp: Response{Err: ErrNodeExists}})
		}, PropLinearizable},

		{"sync read sees the latest write", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 2, "/a", "y", 0)
			b.sync(1, 31, 32, 2)
			b.get(1, 33, 34, 2, "/a", "y", 1, 2, 1)
		}, ""},
		{"plain read may be stale", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 2, "/a", "y", 0)
			b.get(1, 40, 50, 1, "/a", "x", 1, 1, 0)
		}, ""},

		{"write ordered before an earlier-returned write", func(b *builder) {
			b.create(0, 0, 10, 5, "/a", "x")
			b.create(1, 20, 30, 3, "/b", "y")
		}, PropWriteOrder},
		{"two writes share a zxid", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.create(1, 0, 10, 1, "/b", "y")
		}, PropWriteOrder},

		{"zxid goes backwards for a client", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.get(1, 20, 30, 5, "/a", "x", 1, 1, 0)
			b.get(1, 40, 50, 3, "/a", "x", 1, 1, 0)
		}, PropMonotonicZxid},

		{"read returns a value never written", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.get(1, 20, 30, 1, "/a", "q", 1, 1, 0)
		}, PropReadState},
		{"read from the future", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 4, "/a", "y", 0)
			b.get(1, 20, 30, 2, "/a", "y", 1, 4, 1)
		}, PropReadState},
		{"read older than the client had seen", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 2, "/a", "y", 0)
			b.getNone(1, 31, 32, 2, "/b")
			b.get(1, 40, 41, 2, "/a", "x", 1, 1, 0)
		}, PropReadState},
		{"absent although present throughout", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.getNone(1, 20, 30, 2, "/b")
			b.getNone(1, 40, 50, 2, "/a")
		}, PropReadState},
		{"own write not visible", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 2, "/a", "y", 0)
			b.get(0, 40, 50, 2, "/a", "x", 1, 1, 0)
		}, PropReadYourWrites},
		{"unknown write explains a read", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.unknown(0, 20, 25, Request{Kind: OpSetData, Path: "/a", Data: "u", Version: AnyVersion})
			b.get(1, 40, 50, 7, "/a", "u", 1, 7, 1)
		}, ""},

		{"children listed at some zxid of the window", func(b *builder) {
			b.create(0, 0, 10, 1, "/p", "")
			b.create(0, 20, 30, 2, "/p/a", "")
			b.create(0, 40, 50, 3, "/p/b", "")
			b.add(Operation{Client: 1, Invoke: 60, Return: 70, Zxid: 2, Outcome: OutcomeOK,
				Req: Request{Kind: OpGetChildren, Path: "/p"}, Resp: Response{Children: []string{"a"}}})
		}, ""},
		{"child missing that existed throughout", func(b *builder) {
			b.create(0, 0, 10, 1, "/p", "")
			b.create(0, 20, 30, 2, "/p/a", "")
			b.add(Operation{Client: 0, Invoke: 60, Return: 70, Zxid: 2, Outcome: OutcomeOK,
				Req: Request{Kind: OpGetChildren, Path: "/p"}, Resp: Response{Children: []string{}}})
		}, PropReadState},
		{"child listed that was never created", func(b *builder) {
			b.create(0, 0, 10, 1, "/p", "")
			b.add(Operation{Client: 0, Invoke: 60, Return: 70, Zxid: 1, Outcome: OutcomeOK,
				Req: Request{Kind: OpGetChildren, Path: "/p"}, Resp: Response{Children: []string{"ghost"}}})
		}, PropReadState},
		{"sequential names grow", func(b *builder) {
			b.create(0, 0, 10, 1, "/q", "")
			b.createSeq(0, 20, 30, 2, "/q/n-", "/q/n-0000000000")
			b.createSeq(1, 20, 40, 3, "/q/n-", "/q/n-0000000001")
		}, ""},
		{"sequential names out of zxid order", func(b *builder) {
			b.create(0, 0, 10, 1, "/q", "")
			b.createSeq(0, 20, 30, 2, "/q/n-", "/q/n-0000000005")
			b.createSeq(1, 20, 40, 3, "/q/n-", "/q/n-0000000004")
		}, PropSequential},
		{"sequential name given twice", func(b *builder) {
			b.create(0, 0, 10, 1, "/q", "")
			b.createSeq(0, 20, 30, 2, "/q/n-", "/q/n-0000000001")
			b.createSeq(1, 20, 40, 3, "/q/n-", "/q/n-0000000001")
		}, PropSequential},
		{"sequential name with a bad suffix", func(b *builder) {
			b.create(0, 0, 10, 1, "/q", "")
			b.createSeq(0, 20, 30, 2, "/q/n-", "/q/n-12")
		}, PropSequential},

		{"watch fires once, before the new data", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.getWatch(1, 20, 30, 1, "/a", "x", 1, 1, 0)
			b.set(0, 40, 50, 2, "/a", "y", 0)
			b.watch(1, 45, EventNodeDataChanged, "/a")
			b.get(1, 60, 70, 2, "/a", "y", 1, 2, 1)
		}, ""},
		{"watch fires twice", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.getWatch(1, 20, 30, 1, "/a", "x", 1, 1, 0)
			b.set(0, 40, 50, 2, "/a", "y", 0)
			b.watch(1, 45, EventNodeDataChanged, "/a")
			b.watch(1, 46, EventNodeDataChanged, "/a")
		}, PropWatchOnce},
		{"watch arrives after the new data", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.getWatch(1, 20, 30, 1, "/a", "x", 1, 1, 0)
			b.set(0, 40, 50, 2, "/a", "y", 0)
			b.get(1, 60, 70, 2, "/a", "y", 1, 2, 1)
			b.watch(1, 75, EventNodeDataChanged, "/a")
		}, PropWatchOrder},
		{"watch never arrives", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.getWatch(1, 20, 30, 1, "/a", "x", 1, 1, 0)
			b.del(0, 40, 50, 2, "/a")
			b.getNone(1, 60, 70, 2, "/a")
		}, PropWatchOrder},
		{"child watch fires on a new child", func(b *builder) {
			b.create(0, 0, 10, 1, "/p", "")
			b.add(Operation{Client: 1, Invoke: 20, Return: 30, Zxid: 1, Outcome: OutcomeOK,
				Req: Request{Kind: OpGetChildren, Path: "/p", Watch: true}})
			b.create(0, 40, 50, 2, "/p/c", "")
			b.watch(1, 45, EventNodeChildrenChanged, "/p")
			b.getNone(1, 60, 70, 2, "/z")
		}, ""},

		{"operation after expiry succeeds", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.session(0, 100, SessionExpired, 0)
			b.set(0, 110, 120, 2, "/a", "y", AnyVersion)
		}, PropExpiredSession},
		{"operation after expiry fails", func(b *builder) {
			b.create(0, 0, 10, 1, "/a", "x")
			b.session(0, 100, SessionExpired, 0)
			b.add(Operation{Client: 0, Invoke: 110, Return: 120, Outcome: OutcomeFailed,
				Req: Request{Kind: OpSetData, Path: "/a", Version: AnyVersion}, Resp: Response{Err: ErrSessionExpired}})
		}, ""},
		{"ephemeral seen after its session closed", func(b *builder) {
			b.createEph(0, 0, 10, 1, "/e", "x")
			b.session(0, 30, SessionClosed, 2)
			b.getNone(1, 40, 50, 3, "/zz")
			b.add(Operation{Client: 1, Invoke: 60, Return: 70, Zxid: 3, Outcome: OutcomeOK,
				Req:  Request{Kind: OpGetData, Path: "/e"},
				Resp: Response{Data: "x", HasStat: true, Stat: Stat{Czxid: 1, Mzxid: 1, EphemeralOwner: sess}}})
		}, PropEphemeral},
		{"ephemeral seen after close despite an unknown write", func(b *builder) {
			b.createEph(0, 0, 10, 1, "/e", "x")
			b.unknown(2, 12, 14, Request{Kind: OpSetData, Path: "/e", Data: "u", Version: AnyVersion})
			b.session(0, 30, SessionClosed, 2)
			b.getNone(1, 40, 50, 3, "/zz")
			b.add(Operation{Client: 1, Invoke: 60, Return: 70, Zxid: 3, Outcome: OutcomeOK,
				Req:  Request{Kind: OpGetData, Path: "/e"},
				Resp: Response{Data: "x", HasStat: true, Stat: Stat{Czxid: 1, Mzxid: 1, EphemeralOwner: sess}}})
		}, PropEphemeral},
		{"ephemeral vanished while its session lived", func(b *builder) {
			b.createEph(0, 0, 10, 1, "/e", "x")
			b.getNone(1, 20, 30, 5, "/zz")
			b.getNone(1, 40, 50, 5, "/e")
			b.getNone(0, 60, 70, 6, "/zz")
		}, PropEphemeral},
		{"ephemeral gone after expiry", func(b *builder) {
			b.createEph(0, 0, 10, 1, "/e", "x")
			b.session(0, 50, SessionExpired, 0)
			b.getNone(1, 60, 70, 3, "/e")
		}, ""},
		{"ephemeral created after its session closed", func(b *builder) {
			b.session(0, 5, SessionClosed, 1)
			b.createEph(0, 0, 10, 3, "/e", "x")
		}, PropEphemeral},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b builder
			tc.build(&b)
			expectViolation(t, mustCheck(t, &b.h, nil, Options{}), tc.want)
		})
	}
}

// staleSyncRead is a read after sync that misses a write completed before the sync began,
// as a deposed leader would serve it.
func staleSyncRead() *History {
	var b builder
	b.create(0, 0, 10, 1, "/a", "x")
	b.set(0, 20, 30, 2, "/a", "y", 0)
	b.sync(1, 31, 32, 1)
	b.get(1, 33, 34, 1, "/a", "x", 1, 1, 0)
	return &b.h
}

func TestSyncReadLimitation(t *testing.T) {
	calm := []NodeLog{{Node: 1, Live: true, Events: []NodeEvent{{Kind: NodeLeaderEstablished, Time: 0, Epoch: 1}}}}
	changing := []NodeLog{
		{Node: 1, Live: true, Events: []NodeEvent{{Kind: NodeLeaderEstablished, Time: 0, Epoch: 1}}},
		{Node: 2, Live: true, Events: []NodeEvent{{Kind: NodeLeaderEstablished, Time: 25, Epoch: 2}}},
	}
	for _, tc := range []struct {
		name string
		logs []NodeLog
		want Verdict
	}{
		{"no node logs", nil, KnownLimitation},
		{"leader deposed", changing, KnownLimitation},
		{"stable leader", calm, Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Check(staleSyncRead(), tc.logs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !hasVerdict(rep, PropSyncReads, tc.want) {
				t.Fatalf("want %v for sync reads:\n%s", tc.want, rep)
			}
			if !hasVerdict(rep, PropLinearizable, Pass) {
				t.Fatalf("writes alone must stay linearizable:\n%s", rep)
			}
		})
	}
}

// Reads that follow a sync with only reads in between are judged as taking effect
// after the sync began: a stale one among them fails, a read after a write (or after a
// failed read) is not held to the sync, and a read of another server neither.
func TestReadsAfterSyncChain(t *testing.T) {
	calm := []NodeLog{{Node: 1, Live: true, Events: []NodeEvent{{Kind: NodeLeaderEstablished, Time: 0, Epoch: 1}}}}
	for _, tc := range []struct {
		name    string
		between func(b *builder)
		server  int
		want    Verdict
	}{
		{"reads only", func(b *builder) { b.get(1, 33, 34, 1, "/b", "b", 1, 1, 0) }, 0, Fail},
		{"a write between", func(b *builder) { b.create(1, 33, 34, 3, "/c", "c") }, 0, Pass},
		{"a failed read between", func(b *builder) {
			i := b.get(1, 33, 34, 1, "/b", "b", 1, 1, 0)
			b.h.Ops[i].Outcome = OutcomeUnknown
		}, 0, Pass},
		{"another server", func(*builder) {}, 7, Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b builder
			b.create(0, 0, 10, 1, "/a", "x")
			b.set(0, 20, 30, 2, "/a", "y", 0)
			b.sync(1, 31, 32, 2)
			tc.between(&b)
			stale := b.get(1, 40, 41, 2, "/a", "x", 1, 1, 0)
			b.h.Ops[stale].Server = tc.server
			rep, err := Check(&b.h, calm, Options{})
			require.NoError(t, err)
			require.True(t, hasVerdict(rep, PropSyncReads, tc.want) || (tc.want == Pass && !hasVerdict(rep, PropSyncReads, Fail)),
				"want %v for sync reads:\n%s", tc.want, rep)
		})
	}
}

// A sequential create whose reply never came may still have made its node, and the
// client may learn the name later (a lock recipe lists the parent): a read after sync
// that finds such a node is consistent; without that create it is not.
func TestReadOfUnknownSequentialCreate(t *testing.T) {
	build := func(withCreate bool) *History {
		var b builder
		if withCreate {
			b.add(Operation{Client: 2, Invoke: 10, Return: 100, Outcome: OutcomeUnknown,
				Req: Request{Kind: OpCreate, Path: "/lock/c2-", Data: "x", Sequential: true, Ephemeral: true}})
		}
		b.sync(8, 20, 21, 5)
		b.add(Operation{Client: 8, Invoke: 22, Return: 23, Zxid: 5, Outcome: OutcomeOK,
			Req:  Request{Kind: OpExists, Path: "/lock/c2-0000000189"},
			Resp: Response{HasStat: true, Stat: Stat{Czxid: 4, Mzxid: 4, EphemeralOwner: sess + 2}}})
		return &b.h
	}
	calm := []NodeLog{{Node: 1, Live: true, Events: []NodeEvent{{Kind: NodeLeaderEstablished, Time: 0, Epoch: 1}}}}
	rep := mustCheck(t, build(true), calm, Options{})
	require.False(t, hasVerdict(rep, PropSyncReads, Fail), "%s", rep)
	rep = mustCheck(t, build(false), calm, Options{})
	require.True(t, hasVerdict(rep, PropSyncReads, Fail), "%s", rep)
}

func TestVisualizationWritten(t *testing.T) {
	var b builder
	b.create(0, 0, 10, 1, "/a", "x")
	b.set(1, 20, 30, 2, "/a", "y", AnyVersion)
	b.set(0, 40, 50, 3, "/a", "z", 0)
	path := filepath.Join(t.TempDir(), "lin.html")
	rep := mustCheck(t, &b.h, nil, Options{VisualizationPath: path})
	if rep.Visualization != path {
		t.Fatalf("visualization path %q, want %q", rep.Visualization, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<html") {
		t.Fatalf("not an HTML page: %.100s", data)
	}
	fails := rep.Find(PropLinearizable)
	if len(fails) != 1 || len(fails[0].Ops) == 0 || !strings.Contains(fails[0].Summary, "/a") {
		t.Fatalf("want one failure naming /a with evidence: %v", fails)
	}
}

func TestInvalidHistory(t *testing.T) {
	for _, h := range []History{
		{Ops: []Operation{{Outcome: 9, Req: Request{Kind: OpGetData, Path: "/a"}}}},
		{Ops: []Operation{{Outcome: OutcomeOK, Req: Request{Kind: OpGetData, Path: "a"}}}},
		{Ops: []Operation{{Outcome: OutcomeOK, Invoke: 5, Return: 1, Req: Request{Kind: OpGetData, Path: "/a"}}}},
		{Ops: []Operation{{Outcome: OutcomeOK, Req: Request{Kind: OpMulti, Ops: []Request{{Kind: OpGetData, Path: "/a"}}}}}},
		{WatchEvents: []WatchEvent{{Type: 9, Path: "/a"}}},
	} {
		if _, err := Check(&h, nil, Options{}); !errors.Is(err, ErrInvalidHistory) {
			t.Errorf("Check(%+v) = %v, want ErrInvalidHistory", h, err)
		}
	}
	if _, err := Check(&History{}, []NodeLog{{Node: 1, Events: []NodeEvent{{Kind: NodeLogged, Time: 5}, {Kind: NodeLogged, Time: 1}}}}, Options{}); !errors.Is(err, ErrInvalidHistory) {
		t.Errorf("node log going back in time: %v", err)
	}
}

func TestReportDeterministic(t *testing.T) {
	build := func() *History {
		var b builder
		b.create(0, 0, 10, 5, "/a", "x")
		b.create(1, 20, 30, 3, "/b", "y")
		b.get(2, 20, 30, 9, "/a", "q", 5, 5, 0)
		b.get(2, 40, 50, 8, "/b", "y", 3, 3, 0)
		return &b.h
	}
	first := mustCheck(t, build(), nil, Options{}).String()
	for range 5 {
		if got := mustCheck(t, build(), nil, Options{}).String(); got != first {
			t.Fatalf("report changed between runs:\n%s\nvs\n%s", first, got)
		}
	}
}
