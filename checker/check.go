package checker

import (
	"fmt"
	"time"
)

// Options configure Check.
type Options struct {
	// VisualizationPath, when set, receives Porcupine's HTML rendering of the first
	// partition that is not linearizable.
	VisualizationPath string
	// LinearizabilityTimeout bounds each partition's Porcupine search (a timeout is an
	// Inconclusive result); 0 means DefaultLinearizabilityTimeout, negative means none.
	LinearizabilityTimeout time.Duration
	// Liveness, when set, enables the liveness checks after the final heal.
	Liveness *LivenessConfig
	// SkipLinearizability turns off the Porcupine checks (the costly part).
	SkipLinearizability bool
}

// DefaultLinearizabilityTimeout bounds one partition's search when Options leaves it 0:
// the search is exponential in the number of concurrent unknown outcomes.
const DefaultLinearizabilityTimeout = time.Minute

// Check runs every checker over a history and, when given, the nodes' own logs, and
// returns their results in a deterministic order. An error means the input could not be
// judged (or the visualization could not be written); violations are results, not errors.
func Check(h *History, logs []NodeLog, opts Options) (Report, error) {
	if err := h.Validate(); err != nil {
		return Report{}, err
	}
	if err := validateLogs(logs); err != nil {
		return Report{}, err
	}
	switch {
	case opts.LinearizabilityTimeout == 0:
		opts.LinearizabilityTimeout = DefaultLinearizabilityTimeout
	case opts.LinearizabilityTimeout < 0:
		opts.LinearizabilityTimeout = 0 // Porcupine's "no limit"
	}
	var results []Result
	var checked, skipped []Property
	var rep Report
	if opts.SkipLinearizability {
		skipped = append(skipped, PropLinearizable, PropSyncReads)
	} else {
		lin, vis, err := checkLinearizable(h, logs, opts)
		if err != nil {
			return Report{}, err
		}
		results = append(results, lin...)
		rep.Visualization = vis
		checked = append(checked, PropLinearizable, PropSyncReads)
	}
	ix := buildIndex(h)
	results = append(results, checkOrder(ix)...)
	checked = append(checked, orderProperties...)
	results = append(results, checkWatches(ix)...)
	checked = append(checked, watchProperties...)
	results = append(results, checkSessions(ix)...)
	checked = append(checked, sessionProperties...)
	if logs != nil {
		results = append(results, checkZab(logs, ix)...)
		checked = append(checked, zabProperties...)
	} else {
		skipped = append(skipped, zabProperties...)
	}
	if opts.Liveness != nil {
		results = append(results, checkLiveness(h, logs, *opts.Liveness)...)
		checked = append(checked, livenessProperties...)
	} else {
		skipped = append(skipped, livenessProperties...)
	}
	rep.Results = finish(results, checked, skipped)
	return rep, nil
}

func validateLogs(logs []NodeLog) error {
	seen := make(map[int]bool)
	for li := range logs {
		if seen[logs[li].Node] {
			return fmt.Errorf("%w: node %d has two logs", ErrInvalidHistory, logs[li].Node)
		}
		seen[logs[li].Node] = true
		last := int64(-1 << 63)
		for ei, ev := range logs[li].Events {
			if ev.Kind < NodeLeaderEstablished || ev.Kind > NodeFinal {
				return fmt.Errorf("%w: node %d event %d: kind %d", ErrInvalidHistory, logs[li].Node, ei, ev.Kind)
			}
			if ev.Time < last {
				return fmt.Errorf("%w: node %d event %d goes back in time", ErrInvalidHistory, logs[li].Node, ei)
			}
			last = ev.Time
		}
	}
	return nil
}
