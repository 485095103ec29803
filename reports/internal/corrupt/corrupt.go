// Package corrupt makes a failing run out of a real one: it changes what one read
// returned and judges the history again, so reports can be shown and tested on a
// violation while the protocol has none to offer.
package corrupt

import (
	"errors"
	"fmt"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/scenarios"
)

// ErrNoRead reports a run without a successful read to corrupt.
var ErrNoRead = errors.New("corrupt: the run has no successful read to change")

// Value is what the corrupted read returns: data no client ever wrote.
const Value = "never-written"

// pick chooses the read to corrupt: the first successful getData from the given time
// on that directly follows an OK sync of the same session on the same server (a read the
// linearizability checker judges, so Porcupine draws it), else the first successful
// getData at all. -1 when there is none.
func pick(h *checker.History, from int64) int {
	type session struct {
		client int
		id     int64
	}
	last := map[session]int{}
	fallback := -1
	// The sync must be the op recorded just before the read on its session, and have
	// returned before the read began.
	for i := range h.Ops {
		op := &h.Ops[i]
		k := session{op.Client, op.Session}
		prev, ok := last[k]
		last[k] = i
		if op.Req.Kind != checker.OpGetData || !op.Succeeded() || op.Invoke < from {
			continue
		}
		if fallback < 0 {
			fallback = i
		}
		if ok {
			s := &h.Ops[prev]
			if s.Req.Kind == checker.OpSync && s.Outcome == checker.OutcomeOK && s.Server == op.Server && op.Invoke >= s.Return {
				return i
			}
		}
	}
	return fallback
}

// Run runs seed of the scenario with its trace kept, makes the first successful
// getData at or after from return Value, and checks the history again
// (linearizability writes Porcupine's page to visualization when set). Properties the
// new check cannot judge without the run's own settings (liveness) keep their
// original results. It returns the index of the changed operation.
func Run(s scenarios.Scenario, seed uint64, from time.Duration, visualization string) (scenarios.Result, int, error) {
	res, err := scenarios.Run(s, seed, scenarios.RunOptions{KeepTrace: true})
	if err != nil {
		return res, -1, err
	}
	target := pick(&res.History, int64(from))
	if target < 0 {
		return res, -1, ErrNoRead
	}
	res.History.Ops[target].Resp.Data = Value
	report, err := checker.Check(&res.History, res.NodeLogs, checker.Options{
		VisualizationPath:      visualization,
		LinearizabilityTimeout: 30 * time.Second,
		SkipLinearizability:    !s.Linearizability,
	})
	if err != nil {
		return res, -1, fmt.Errorf("corrupt: check: %w", err)
	}
	for _, r := range res.Report.Results {
		if r.Property == checker.PropLivenessLeader || r.Property == checker.PropLivenessProgress {
			report.Results = append(report.Results, r)
		}
	}
	var kept []checker.Result
	for _, r := range report.Results {
		if r.Verdict == checker.Skipped && (r.Property == checker.PropLivenessLeader || r.Property == checker.PropLivenessProgress) {
			continue
		}
		kept = append(kept, r)
	}
	report.Results = kept
	res.Report = report
	return res, target, nil
}
