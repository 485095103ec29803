package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/cluster"
	"github.com/zksim/zksim/sim/zkclient"
)

// electionMaxInterval caps the election's notification backoff. ZooKeeper's default
// is 60 s; a simulated ensemble uses a shorter cap so a run's liveness window need not
// be minutes long, as operators tune maxNotificationInterval.
const electionMaxInterval = 5 * time.Second

// RunOptions adjust one run.
type RunOptions struct {
	// Schedule replaces the schedule generated from the seed (a replayed or shrunk one).
	Schedule nemesis.Schedule
	// KeepTrace keeps the full trace text in the result, for reports and diffs.
	KeepTrace bool
	// VisualizationPath receives Porcupine's HTML if linearizability fails.
	VisualizationPath string
	// Bugs switches catalogued protocol bugs on (protocol/bugs); empty is the
	// correct protocol.
	Bugs bugs.Set
	// WallClock measures wall time; nil means time.Now. Only the Wall field of the
	// result depends on it, never the run itself.
	WallClock func() time.Time
}

// Result is what one run of a scenario found.
type Result struct {
	Scenario  string
	Seed      uint64
	Report    checker.Report
	Schedule  nemesis.Schedule
	Applied   []nemesis.Applied
	Ops       int
	Events    uint64
	Simulated time.Duration
	Wall      time.Duration
	TraceHash string
	Trace     string // only with RunOptions.KeepTrace
	// Problems are faults the harness itself hit (a fault it could not apply, or the
	// event budget running out); they are reported, and fail the run, because a
	// schedule that did not happen proves nothing.
	Problems []string
	// Livelocked says the world used up its event budget: the ensemble kept busy
	// without settling, a liveness failure of the protocol (one of Problems).
	Livelocked bool
	History    checker.History
	// NodeLogs are the servers' own logs the ZAB checks read; reports place the
	// evidence of a violation (checker.NodeEventRef) by them.
	NodeLogs []checker.NodeLog
	// checks are the settings the checkers ran with (for the benchmark of the checks).
	checks checker.Options
}

// Pass reports whether every property held and the schedule ran as written.
func (r Result) Pass() bool { return r.Report.OK() && len(r.Problems) == 0 }

// worldOptions derives the simulated network, disk and clock settings.
func (s Scenario) worldOptions(seed uint64, keepTrace bool) sim.Options {
	lat := time.Duration(s.Latency)
	return sim.Options{
		Seed: seed,
		Network: sim.NetworkOptions{
			Link: sim.LinkOptions{Latency: sim.Latency{Min: lat / 2, Mean: lat / 2,
				TailProbability: 0.01, TailMax: 50 * lat}},
			ResetDelay:       sim.Latency{Min: time.Millisecond, Mean: 5 * time.Millisecond},
			ResetProbability: 0.5,
		},
		Disk:      s.diskOptions(),
		Clock:     sim.ClockOptions{MaxOffset: time.Second, MaxDriftPPM: 100},
		KeepTrace: keepTrace,
	}
}

func (s Scenario) diskOptions() sim.DiskOptions {
	sl := time.Duration(s.SyncLatency)
	return sim.DiskOptions{SyncLatency: sim.Latency{Min: sl / 2, Mean: sl / 2}, TornProbability: s.TornWrites}
}

// workload builds each client's task mix from the world's workload stream.
func (s Scenario) workload(w *sim.World) func(i int) zkclient.Workload {
	rng := w.Rand(sim.StreamWorkload)
	known := zkclient.NewKnownPaths()
	wl := s.Workload
	return func(i int) zkclient.Workload {
		var tasks []zkclient.Weighted
		add := func(weight int, task zkclient.Task) {
			if weight > 0 {
				tasks = append(tasks, zkclient.Weighted{Weight: weight, Task: task})
			}
		}
		add(wl.Register, &zkclient.Register{Keys: max(wl.Keys, 1)})
		add(wl.Churn, &zkclient.Churn{Known: known})
		add(wl.Lock, &zkclient.Lock{Path: "/lock"})
		add(wl.ConfigWatch, &zkclient.ConfigWatch{Path: "/config", WritePercent: 20})
		add(wl.Multi, &zkclient.Multi{Prefix: "/multi"})
		add(wl.SessionChurn, &zkclient.SessionChurn{Pause: 200 * time.Millisecond})
		return &zkclient.Mix{Rand: rng, Interval: time.Duration(wl.Interval), Concurrency: wl.Concurrency, Tasks: tasks}
	}
}

// Run runs one seed of a scenario: the safety phase with the schedule's faults, the
// final heal, the liveness phase, then every checker over what was recorded.
func Run(s Scenario, seed uint64, opts RunOptions) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	wall := opts.WallClock
	if wall == nil {
		wall = time.Now
	}
	start := wall()
	schedule := opts.Schedule
	if schedule == nil {
		mix, err := s.Mix()
		if err != nil {
			return Result{}, err
		}
		schedule, err = nemesis.Generate(seed, mix, s.Shape(), time.Duration(s.Duration))
		if err != nil {
			return Result{}, fmt.Errorf("scenarios: generate schedule: %w", err)
		}
	} else if err := schedule.ValidateFor(s.Shape()); err != nil {
		return Result{}, fmt.Errorf("scenarios: schedule: %w", err)
	}
	safetyEnd, _ := schedule.SafetyEnd()

	w, err := sim.New(s.worldOptions(seed, opts.KeepTrace))
	if err != nil {
		return Result{}, fmt.Errorf("scenarios: %w", err)
	}
	tick := time.Duration(s.TickTime)
	c, err := cluster.New(w, cluster.Config{
		Servers:   s.Voters,
		Observers: s.Observers,
		Clients:   s.Clients,
		Peer: protocol.Config{
			TickTime:            int32(tick / time.Millisecond),
			SnapCount:           s.SnapCount,
			CounterBits:         s.CounterBits,
			InitLimit:           s.InitLimit,
			SyncLimit:           s.SyncLimit,
			ElectionMaxInterval: electionMaxInterval.Milliseconds(),
			DecideWhenUnanimous: s.UnanimousElection,
			Bugs:                opts.Bugs,
		},
		SessionTimeout: time.Duration(s.SessionTimeout),
		Workload:       s.workload(w),
	})
	if err != nil {
		return Result{}, fmt.Errorf("scenarios: %w", err)
	}
	w.SetBudget(s.budget(safetyEnd))
	target := newSimTarget(w, c, s.diskOptions(), s.Shape().Minority(), s.UnsafeDiskFaults)
	runner := nemesis.NewRunner(schedule, seed)
	var problems []string
	for {
		next, ok := runner.Next()
		if !ok {
			break
		}
		w.RunFor(next - time.Duration(w.Now()))
		if w.Stopped() != nil {
			break // time stands still: the rest of the schedule never comes
		}
		if _, err := runner.Advance(target, time.Duration(w.Now())); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if time.Duration(w.Now()) < safetyEnd {
		w.RunFor(safetyEnd - time.Duration(w.Now()))
	}
	healTime := int64(w.Now())
	w.RunFor(time.Duration(s.Quiesce))
	end := int64(w.Now())
	// Stop the clients and let the last commits reach every live server, so the
	// convergence check compares settled nodes rather than a snapshot of traffic in
	// flight. Stopped clients' sessions expire one session timeout later, and those
	// closeSession commits must settle too.
	c.StopClients()
	w.RunFor(time.Duration(s.SessionTimeout) + time.Duration(s.SyncLimit)*tick*2)
	upAtEnd := map[int]bool{}
	for _, id := range c.Servers() {
		upAtEnd[int(id)] = c.Status(id).Serves
	}
	if w.Stopped() == nil {
		if err := finalRead(w, c, s); err != nil {
			problems = append(problems, fmt.Sprintf("final read back: %v", err))
		}
	}

	livelocked := false
	if err := w.Stopped(); err != nil {
		livelocked = true
		problems = append(problems, fmt.Sprintf("liveness: %v: the ensemble is livelocked", err))
	}
	hist := c.History()
	checkOpts := s.checkOptions(opts, healTime, end)
	checkOpts.Liveness.UpAtEnd = upAtEnd
	logs := c.NodeLogs()
	if livelocked {
		finalStatesUnknown(logs)
	}
	report, err := checker.Check(&hist, logs, checkOpts)
	if err != nil {
		return Result{}, fmt.Errorf("scenarios: check: %w", err)
	}
	res := Result{
		Scenario:   s.Name,
		Seed:       seed,
		Report:     report,
		Schedule:   schedule,
		Applied:    runner.Applied(),
		Ops:        len(hist.Ops),
		Events:     w.Events(),
		Simulated:  time.Duration(w.Now()),
		TraceHash:  w.TraceHash(),
		Problems:   problems,
		Livelocked: livelocked,
		History:    hist,
		NodeLogs:   logs,
		checks:     checkOpts,
		Wall:       wall().Sub(start),
	}
	if opts.KeepTrace {
		res.Trace = w.TraceText()
	}
	return res, nil
}

// The final read: recoveryWindow bounds the wait for every member to serve again
// after the power cycle, readBackWindow the reads; a member that cannot serve them in
// time is left unread.
const (
	recoveryWindow = 20 * time.Second
	readBackWindow = 20 * time.Second
	finalStep      = 100 * time.Millisecond
)

// finalRead ends a run as a Jepsen test does. It power-cycles the whole ensemble, so
// that what the members serve comes from what their storage kept, and waits for them
// to serve again; then every serving member gets a client of its own that syncs and
// reads every path an acknowledged write touched, so that linearizability judges what
// each member finally holds; then the read back's closed sessions settle. It reports an
// ensemble that elects no leader again although a quorum of voters restarted (a member
// that finds its storage corrupt rightly refuses to start).
func finalRead(w *sim.World, c *cluster.Cluster, s Scenario) error {
	if err := c.PowerCycle(); err != nil {
		return err
	}
	runUntil(w, recoveryWindow, c.AllServing)
	if _, ok := c.Leader(); !ok && w.Stopped() == nil {
		started := 0
		for _, id := range c.Servers()[:s.Voters] {
			if c.Status(id).Serves {
				started++
			}
		}
		if started > s.Voters/2 {
			return fmt.Errorf("no leader %v after the power cycle, with %d of %d voters running", recoveryWindow, started, s.Voters)
		}
	}
	h := c.History()
	paths := checker.WrittenPaths(&h)
	if len(paths) == 0 {
		return nil
	}
	pending := 0
	n, err := c.ReadBack(paths, func() { pending-- })
	pending += n
	runUntil(w, readBackWindow, func() bool { return pending <= 0 })
	w.RunFor(time.Duration(s.SyncLimit) * time.Duration(s.TickTime) * 2)
	return err
}

// runUntil runs the world in small steps until done holds, the bound passes or the
// world stops.
func runUntil(w *sim.World, bound time.Duration, done func() bool) {
	for waited := time.Duration(0); !done() && waited < bound && w.Stopped() == nil; waited += finalStep {
		w.RunFor(finalStep)
	}
}

// Budget constants: correct runs process under 50 events per node per simulated
// second and keep far fewer than a few thousand messages in flight per link, so a run
// past these bounds is a message storm that would otherwise exhaust memory.
const (
	eventsPerNodeSecond = 5000
	pendingPerLink      = 1024
)

// budget bounds the world's events by the run's simulated length and size, and its
// queue by the number of links.
func (s Scenario) budget(safetyEnd time.Duration) sim.Budget {
	tick := time.Duration(s.TickTime)
	length := max(safetyEnd, time.Duration(s.Duration)) + time.Duration(s.Quiesce) +
		time.Duration(s.SessionTimeout) + time.Duration(s.SyncLimit)*tick*4 + recoveryWindow + readBackWindow
	nodes := s.Voters + s.Observers + s.Clients
	secs := uint64(length/time.Second) + 1
	return sim.Budget{
		Events:  secs * uint64(nodes) * eventsPerNodeSecond,
		Pending: nodes * nodes * pendingPerLink,
	}
}

// checkOptions are the checker settings of a run whose final heal came at healTime
// and whose liveness window ended at end (true nanoseconds).
func (s Scenario) checkOptions(opts RunOptions, healTime, end int64) checker.Options {
	tick := time.Duration(s.TickTime)
	return checker.Options{
		SkipLinearizability:    !s.Linearizability,
		VisualizationPath:      opts.VisualizationPath,
		LinearizabilityTimeout: 30 * time.Second,
		Liveness: &checker.LivenessConfig{
			HealTime: healTime, End: end,
			TickTime:        int64(tick),
			InitLimit:       int64(s.InitLimit),
			SyncLimit:       int64(s.SyncLimit),
			SessionTimeout:  int64(s.SessionTimeout),
			ElectionTimeout: int64(electionMaxInterval),
			FinalizeWait:    int64(200 * time.Millisecond),
		},
	}
}

// Faults counts the faults the run applied (the final heal and the liveness marker
// excluded).
func (r Result) Faults() int {
	n := 0
	for _, a := range r.Applied {
		k := a.Fault.Kind
		if k != "heal-all" && k != "liveness" {
			n++
		}
	}
	return n
}

// Summary is the one-line verdict zksim prints last.
func (r Result) Summary() string {
	verdict := "PASS"
	if !r.Pass() {
		verdict = "FAIL"
	}
	speedup := 0.0
	if r.Wall > 0 {
		speedup = float64(r.Simulated) / float64(r.Wall)
	}
	return fmt.Sprintf("verdict: %s scenario=%s seed=%d ops=%d faults=%d simulated=%s wall=%s speedup=%.1fx trace=%s",
		verdict, r.Scenario, r.Seed, r.Ops, r.Faults(), r.Simulated.Round(time.Millisecond), r.Wall.Round(time.Millisecond), speedup, r.TraceHash)
}

// Explain lists each violated property with its evidence, one block per failure.
func (r Result) Explain() string {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "harness: %s\n", p)
	}
	for _, f := range r.Report.Failures() {
		fmt.Fprintf(&b, "%s\n", f.String())
	}
	return b.String()
}

// finalStatesUnknown marks every node log of a world that stopped part-way (a livelock
// used up its budget) as having no final state: what a node holds then is not where it
// ends (a restarted member still electing has not reloaded its tree), so the end-of-run
// checks (convergence, acknowledged writes in the final trees) must not judge it; the
// livelock is the run's verdict. Liveness reads who was up from LivenessConfig.UpAtEnd.
func finalStatesUnknown(logs []checker.NodeLog) {
	for i := range logs {
		logs[i].Live = false
		logs[i].Events = slices.DeleteFunc(logs[i].Events, func(ev checker.NodeEvent) bool {
			return ev.Kind == checker.NodeFinal
		})
	}
}
