package reports

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/zksim/zksim/checker"
)

// Client operations are stacked into rows: no two operations of a row overlap, and
// there are exactly as many rows as the most operations in flight at one instant.
func TestClientRowsNeverOverlap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "ops")
		ops := make([]checker.Operation, n)
		for i := range ops {
			invoke := rapid.Int64Range(0, 1000).Draw(t, "invoke")
			ops[i] = checker.Operation{Client: 0, Invoke: invoke, Return: invoke + rapid.Int64Range(0, 300).Draw(t, "length"),
				Outcome: checker.OutcomeOK, Req: checker.Request{Kind: checker.OpGetData, Path: "/a"}}
		}
		run := sampleRun()
		run.Result.History = checker.History{Ops: ops}
		run.Result.Report = checker.Report{}
		v, err := build(run)
		if err != nil {
			t.Fatal(err)
		}
		var lane *lane
		for i := range v.lanes {
			if v.lanes[i].id == "client-0" {
				lane = &v.lanes[i]
			}
		}
		if len(lane.spans) != n {
			t.Fatalf("%d bars for %d ops", len(lane.spans), n)
		}
		// An instant takes its place too: an op lasts at least 1ns.
		end := func(invoke, ret int64) int64 { return max(ret, invoke+1) }
		for i, a := range lane.spans {
			for _, b := range lane.spans[i+1:] {
				if a.row == b.row && a.t0 < end(b.t0, b.t1) && b.t0 < end(a.t0, a.t1) {
					t.Fatalf("row %d: [%d,%d] overlaps [%d,%d]", a.row, a.t0, a.t1, b.t0, b.t1)
				}
			}
		}
		// The model: the most operations open at any invoke (an operation that returns
		// exactly when another is invoked does not overlap it).
		most := 1
		for _, a := range ops {
			open := 0
			for _, b := range ops {
				if b.Invoke <= a.Invoke && a.Invoke < end(b.Invoke, b.Return) {
					open++
				}
			}
			most = max(most, open)
		}
		if lane.rows != most {
			t.Fatalf("%d rows, but at most %d ops are in flight at once", lane.rows, most)
		}
	})
}

// Whatever the trace says, a report is either drawn as a well-formed page or refused
// with ErrRun; it never panics.
func FuzzRenderTrace(f *testing.F) {
	f.Add(sampleTrace)
	f.Add("0 add n=1 kind=server offset=0 drift=0\n5 partition g=1 g=2 g=1\n")
	f.Fuzz(func(t *testing.T, trace string) {
		if len(trace) > 1<<14 {
			return
		}
		run := sampleRun()
		run.Result.Trace = trace
		var b bytes.Buffer
		err := RenderHTML(&b, run)
		if err != nil {
			if !errors.Is(err, ErrRun) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		parseXHTML(t, b.Bytes())
		if err := RenderMarkdown(&bytes.Buffer{}, run); err != nil {
			t.Fatalf("the page renders but the summary does not: %v", err)
		}
	})
}
