package reports

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const sampleTrace = `0 world seed=7
0 add n=1 kind=server offset=0 drift=0
0 add n=2 kind=server offset=0 drift=0
0 add n=3 kind=server offset=0 drift=0
0 add n=4 kind=client offset=0 drift=0
0 add n=5 kind=client offset=0 drift=0
0 boot n=1 gen=1
0 boot n=2 gen=1
0 boot n=3 gen=1
0 boot n=4 gen=1
0 boot n=5 gen=1
100000000 log n=1 text="role leading epoch=1"
100000000 log n=2 text="role following epoch=1"
100000000 log n=3 text="role following epoch=1"
1000000000 partition g=1 g=1 g=2 g=0 g=0
1000000000 log n=3 text="role looking"
1500000000 crash n=3 gen=2
2000000000 heal
2200000000 restart n=3 gen=2
2200000000 boot n=3 gen=2
2300000000 log n=3 text="role following epoch=1"
2500000000 clock-jump n=2 v=500000000
2600000000 pause n=1 gen=1
2800000000 resume n=1 gen=1
2850000000 pause n=5 gen=1
2950000000 resume n=5 gen=1
2900000000 disk n=1 min=1 mean=1 err_ppm=0 lost_ppm=0 torn_ppm=1000000
3000000000 crash-point n=2 point="after-append"
3000000000 crash n=2 gen=2
3100000000 corrupt n=1 file="log.1" off=3 bit=4
3500000000 log n=1 text="halt: fsync failed"
3500000000 crash n=1 gen=2
4000000000 restart n=1 gen=2
4000000000 boot n=1 gen=3
4000000000 restart n=2 gen=2
4000000000 boot n=2 gen=3
`

func sec(s float64) int64 { return int64(s * 1e9) }

// sampleRun is a small hand-made failing run: three servers, two clients, a
// partition, crashes, a pause, a clock jump, disk faults and a read of a value never
// written, with the verdicts written out by hand so the goldens change only when the
// reports do.
func sampleRun() Run {
	ops := []checker.Operation{
		{Client: 0, Session: 0x10, Server: 1, Invoke: sec(0.2), Return: sec(0.3), Outcome: checker.OutcomeOK, Zxid: 0x100000001,
			Req: checker.Request{Kind: checker.OpCreate, Path: "/a", Data: "1"}, Resp: checker.Response{Path: "/a"}},
		{Client: 0, Session: 0x10, Server: 1, Invoke: sec(0.5), Return: sec(0.6), Outcome: checker.OutcomeOK, Zxid: 0x100000002,
			Req: checker.Request{Kind: checker.OpSetData, Path: "/a", Data: "2", Version: checker.AnyVersion}},
		{Client: 1, Session: 0x20, Server: 3, Invoke: sec(0.55), Return: sec(0.58), Outcome: checker.OutcomeOK,
			Req: checker.Request{Kind: checker.OpSync, Path: "/a"}},
		{Client: 1, Session: 0x20, Server: 3, Invoke: sec(0.7), Return: sec(0.8), Outcome: checker.OutcomeOK, Zxid: 0x100000002,
			Req: checker.Request{Kind: checker.OpGetData, Path: "/a"}, Resp: checker.Response{Data: "3", HasStat: true}},
		{Client: 0, Session: 0x10, Server: 1, Invoke: sec(1.2), Return: sec(3.2), Outcome: checker.OutcomeUnknown,
			Req: checker.Request{Kind: checker.OpSetData, Path: "/a", Data: "4", Version: 2}},
		{Client: 1, Session: 0x20, Server: 3, Invoke: sec(1.4), Return: sec(1.9), Outcome: checker.OutcomeFailed,
			Req: checker.Request{Kind: checker.OpDelete, Path: "/a", Version: checker.AnyVersion}},
		{Client: 1, Session: 0x21, Server: 2, Invoke: sec(2.4), Return: sec(2.45), Outcome: checker.OutcomeOK,
			Req:  checker.Request{Kind: checker.OpMulti, Ops: []checker.Request{{Kind: checker.OpCreate, Path: "/b|c", Data: "x", Ephemeral: true, Sequential: true}}},
			Resp: checker.Response{Results: []checker.Response{{Path: "/b|c0000000001"}}}},
	}
	applied := []nemesis.Applied{
		{At: time.Second, Fault: nemesis.Fault{Kind: nemesis.PartitionHalves, For: time.Second}, Groups: [][]int{{1, 2}, {3}}},
		{At: 1500 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.Crash, Nodes: []int{3}, For: 700 * time.Millisecond}, Nodes: []int{3}},
		{At: 2 * time.Second, Fault: nemesis.Fault{Kind: nemesis.Heal}},
		{At: 2200 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.Restart, Nodes: []int{3}}, Nodes: []int{3}},
		{At: 2500 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.ClockBump, Nodes: []int{2}, Amount: 500 * time.Millisecond}, Nodes: []int{2}},
		{At: 2600 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.Pause, Select: nemesis.SelectLeader, For: 200 * time.Millisecond}, Nodes: []int{1}},
		{At: 2800 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.Resume, Nodes: []int{1}}, Nodes: []int{1}},
		{At: 2900 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.DiskTornTail, Nodes: []int{1}, For: time.Second}, Nodes: []int{1}},
		{At: 2900 * time.Millisecond, Fault: nemesis.Fault{Kind: nemesis.ArmCrashPoint, Nodes: []int{2}, Point: "after-append"}, Nodes: []int{2}},
		{At: 3 * time.Second, Fault: nemesis.Fault{Kind: nemesis.PartitionIsolate, Select: nemesis.SelectLeader}, Skipped: "no leader"},
		{At: 4 * time.Second, Fault: nemesis.Fault{Kind: nemesis.HealAll}},
		{At: 4 * time.Second, Fault: nemesis.Fault{Kind: nemesis.Liveness}},
	}
	logs := []checker.NodeLog{
		{Node: 1, Events: []checker.NodeEvent{{Kind: checker.NodeLeaderEstablished, Time: sec(0.1), Epoch: 1}, {Kind: checker.NodeCommitted, Time: sec(0.29), Zxid: 0x100000001}}},
		{Node: 2, Events: []checker.NodeEvent{{Kind: checker.NodeCommitted, Time: sec(0.295), Zxid: 0x100000001}}},
		{Node: 3, Events: []checker.NodeEvent{{Kind: checker.NodeCommitted, Time: sec(0.31), Zxid: 0x100000001}}},
	}
	report := checker.Report{Results: []checker.Result{
		{Property: checker.PropLinearizable, Verdict: checker.Pass},
		{Property: checker.PropSyncReads, Verdict: checker.Fail, Ops: []int{1, 2, 3}, SessionEvents: []int{0},
			Summary: `#3 getData(/a) -> "3" follows a sync but "3" was never written`},
		{Property: checker.PropReadState, Verdict: checker.Fail, Ops: []int{3}, WatchEvents: []int{0}, NodeEvents: []checker.NodeEventRef{{Node: 3, Index: 0}},
			Summary: `op 3 returned "3", but the write at its mzxid stored "2"`},
		{Property: checker.PropWatchOnce, Verdict: checker.Pass},
		{Property: checker.PropEphemeral, Verdict: checker.Skipped},
		{Property: checker.PropLivenessLeader, Verdict: checker.Inconclusive, Summary: "the run ended | too early"},
		{Property: checker.PropLivenessProgress, Verdict: checker.Fail, Summary: "client 1 made no progress"},
	}, Visualization: "/tmp/somewhere/linearizability.html"}
	return Run{
		Scenario: scenarios.Scenario{Name: "golden", Voters: 3, Clients: 2, TickTime: scenarios.Duration(200 * time.Millisecond),
			InitLimit: 10, SyncLimit: 5, SessionTimeout: scenarios.Duration(4 * time.Second), SnapCount: 50,
			Latency: scenarios.Duration(time.Millisecond), SyncLatency: scenarios.Duration(2 * time.Millisecond),
			Workload: scenarios.Workload{Register: 1, Interval: scenarios.Duration(100 * time.Millisecond), Concurrency: 2, Keys: 1},
			Nemesis:  "crash=1,gap=1s", Duration: scenarios.Duration(4 * time.Second), Quiesce: scenarios.Duration(time.Second), Linearizability: true},
		Result: scenarios.Result{Scenario: "golden", Seed: 7, Report: report, Applied: applied, Ops: len(ops), Events: 4321,
			Simulated: 5 * time.Second, Wall: 3 * time.Millisecond, TraceHash: "0123abcd", Trace: sampleTrace,
			History: checker.History{Ops: ops,
				WatchEvents:   []checker.WatchEvent{{Client: 0, Session: 0x10, Time: sec(0.65), Type: checker.EventNodeDataChanged, Path: "/a"}},
				SessionEvents: []checker.SessionEvent{{Client: 1, Session: 0x21, Server: 2, Time: sec(2.35), Kind: checker.SessionEstablished}}},
			NodeLogs: logs},
		Reproduce:     "zksim run --scenario golden --seed 7",
		Visualization: "linearizability.html",
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./reports -update to create it")
	require.Equal(t, string(want), string(got), "run go test ./reports -update if the change is intended")
}

func TestMarkdownGoldens(t *testing.T) {
	for name, render := range map[string]func(io.Writer) error{
		"run.md":   func(w io.Writer) error { return RenderMarkdown(w, sampleRun()) },
		"sweep.md": func(w io.Writer) error { return RenderSweepMarkdown(w, sampleSweep()) },
		"bugs.md":  func(w io.Writer) error { return RenderBugsMarkdown(w, sampleBugHunt()) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, render(&b))
			golden(t, name, b.Bytes())
		})
	}
}

func sampleSweep() Sweep {
	return Sweep{Wall: 2 * time.Second, Seeds: []Seed{
		{Scenario: "pauses", Seed: 2, Pass: true, Ops: 10, Simulated: time.Minute, Events: 100, Wall: 500 * time.Millisecond},
		{Scenario: "default", Seed: 2, Verdict: "read-state: FAIL: op 3 returned \"x\"", Reproduce: "zksim run --scenario default --seed 2",
			Report: "default-seed-2", Ops: 7, Simulated: time.Minute, Events: 90, Wall: time.Second},
		{Scenario: "default", Seed: 1, Pass: true, Ops: 9, Simulated: time.Minute, Events: 80, Wall: time.Second},
		{Scenario: "pauses", Seed: 1, Error: "scenarios: bad", Reproduce: "zksim run --scenario pauses --seed 1"},
	}}
}

// element is a parsed XML element: enough of a DOM to find lanes and markers.
type element struct {
	name  string
	attrs map[string]string
	text  string
	kids  []*element
}

func parseXHTML(t *testing.T, page []byte) *element {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	root := &element{name: "#document"}
	stack := []*element{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the page must be well-formed")
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, e)
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			stack[len(stack)-1].text += string(tok)
		}
	}
	require.Len(t, stack, 1, "every element is closed")
	return root
}

func (e *element) find(match func(*element) bool) []*element {
	var out []*element
	if match(e) {
		out = append(out, e)
	}
	for _, k := range e.kids {
		out = append(out, k.find(match)...)
	}
	return out
}

func (e *element) byID(id string) *element {
	found := e.find(func(x *element) bool { return x.attrs["id"] == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func hasClass(e *element, class string) bool {
	return len(e.attrs["class"]) > 0 && strings.Contains(" "+e.attrs["class"]+" ", " "+class+" ")
}

func TestHTMLHasEveryLaneAndTheViolation(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, RenderHTML(&b, sampleRun()))
	doc := parseXHTML(t, b.Bytes())
	for _, id := range []string{"lane-network", "lane-server-1", "lane-server-2", "lane-server-3", "lane-client-0", "lane-client-1"} {
		require.NotNil(t, doc.byID(id), "lane %s", id)
	}
	v0 := doc.byID("violation-v0")
	require.NotNil(t, v0, "violation marker")
	require.Equal(t, "500000000", v0.attrs["data-t0"], "at the first evidence: op 1's invoke")
	require.NotNil(t, doc.byID("violation-v1"))
	v2 := doc.byID("violation-v2")
	require.NotNil(t, v2, "a liveness failure is marked where the liveness phase began")
	require.Equal(t, "4000000000", v2.attrs["data-t0"])
	require.Equal(t, "linearizability.html", doc.byID("porcupine").attrs["href"])
	require.Equal(t, "zksim run --scenario golden --seed 7", doc.byID("reproduce").text)

	// Evidence: op bars with the ids of the failures they prove, and node events.
	ev := doc.find(func(e *element) bool { return hasClass(e, "evidence") })
	var tags []string
	for _, e := range ev {
		tags = append(tags, e.attrs["data-ev"])
	}
	require.ElementsMatch(t, []string{"v0", "v0", "v0 v1", "v1", "v1", "v0"}, tags, "ops 1-3, node event, watch and session events")

	// Server states: roles, crashes and pauses are drawn as spans.
	states := map[string]int{}
	for _, e := range doc.find(func(e *element) bool { return hasClass(e, "state") }) {
		for _, c := range strings.Fields(e.attrs["class"]) {
			states[c]++
		}
	}
	for _, c := range []string{"role-leading", "role-following", "role-looking", StateCrashed, StatePaused} {
		require.Positive(t, states[c], "a %s span", c)
	}
	// Outcomes: one bar per operation, coloured by outcome.
	outcomes := map[string]int{}
	for _, e := range doc.find(func(e *element) bool { return hasClass(e, "op") }) {
		outcomes[strings.Fields(e.attrs["class"])[1]]++
	}
	require.Equal(t, map[string]int{"ok": 5, "unknown": 1, "failed": 1}, outcomes)
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "cut") }), "the partition cuts servers 2 and 3 apart")
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "crash-point") }))
	require.Len(t, doc.find(func(e *element) bool { return hasClass(e, "down") && hasClass(e, StatePaused) }), 1, "client 1 paused")
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "halt") }))
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "clock") }))
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "disk") }))
	require.NotEmpty(t, doc.find(func(e *element) bool { return hasClass(e, "clock") && hasClass(e, "skew2") }),
		"server 2's clock runs 500ms ahead after its jump")
	// Every drawn thing explains itself on hover.
	for _, e := range doc.find(func(e *element) bool { return e.attrs["data-t0"] != "" && e.attrs["id"] != "axis" }) {
		if e.name == "g" && len(e.kids) > 0 && e.kids[0].name == "line" {
			continue // axis ticks
		}
		require.Equal(t, "title", e.kids[0].name, "%v has a tooltip", e.attrs)
	}
	// Nothing is fetched.
	for _, e := range doc.find(func(e *element) bool { return e.attrs["src"] != "" || e.name == "link" }) {
		t.Errorf("external resource %v", e.attrs)
	}
}

func TestReportsAreDeterministicAndLeaveWallTimeOut(t *testing.T) {
	render := func(wall time.Duration) (string, string) {
		run := sampleRun()
		run.Result.Wall = wall
		var h, m bytes.Buffer
		require.NoError(t, RenderHTML(&h, run))
		require.NoError(t, RenderMarkdown(&m, run))
		return h.String(), m.String()
	}
	h1, m1 := render(time.Millisecond)
	h2, m2 := render(time.Hour)
	require.Equal(t, h1, h2)
	require.Equal(t, m1, m2)
	require.NotContains(t, h1, "wall")
}

func TestSweepHTML(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, RenderSweepHTML(&b, sampleSweep()))
	doc := parseXHTML(t, b.Bytes())
	links := doc.find(func(e *element) bool { return e.name == "a" })
	require.Len(t, links, 1)
	require.Equal(t, "default-seed-2/report.html#v0", links[0].attrs["href"], "opens zoomed to the first failure")
	walls := doc.find(func(e *element) bool { return hasClass(e, "wall") })
	require.Len(t, walls, 1, "wall time in one separate line")
	rows := doc.find(func(e *element) bool { return e.name == "tr" })
	require.Len(t, rows, 1+2+1+2, "header, two scenarios, failures header, two failures")
}

func TestBrokenRunsAreErrors(t *testing.T) {
	run := sampleRun()
	run.Result.Trace = ""
	require.ErrorIs(t, RenderHTML(io.Discard, run), ErrRun)
	run.Result.Trace = "garbage\n"
	require.ErrorIs(t, RenderMarkdown(io.Discard, run), ErrRun)
	// Evidence pointing outside the history is reported, not a panic.
	run = sampleRun()
	run.Result.Report.Results[1].Ops = []int{99, -1}
	run.Result.Report.Results[2].NodeEvents = []checker.NodeEventRef{{Node: 9, Index: 0}}
	run.Result.Report.Results[2].WatchEvents = []int{5}
	run.Result.Report.Results[1].SessionEvents = []int{-2}
	var b bytes.Buffer
	require.NoError(t, RenderMarkdown(&b, run))
	require.Contains(t, b.String(), "op 99 (not in the history)")
	require.Contains(t, b.String(), "node 9 event 0 (not in its log)")
	require.Contains(t, b.String(), "watch event 5 (not in the history)")
	require.Contains(t, b.String(), "session event -2 (not in the history)")
}

func TestWriteRunLinksTheVisualization(t *testing.T) {
	dir := t.TempDir()
	run := sampleRun()
	run.Visualization = ""
	run.Result.Report.Visualization = filepath.Join(dir, "linearizability.html")
	require.NoError(t, WriteRun(dir, run))
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "(linearizability.html)")
	require.FileExists(t, filepath.Join(dir, HTMLFile))
	require.Equal(t, "", VisualizationLink(dir, ""))
}

func BenchmarkRenderHTML(b *testing.B) {
	run := sampleRun()
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderHTML(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}
