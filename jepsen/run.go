package jepsen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/scenarios"
)

// Errors of a run.
var (
	ErrConfig   = errors.New("jepsen: bad configuration")
	ErrNoLeader = errors.New("jepsen: ensemble did not start")
)

// PropAckedWritesSurvive is the end-of-run read back: every acknowledged write to a
// register or a persistent node is present on every live server after the heal.
const PropAckedWritesSurvive checker.Property = "acked-writes-survive-real"

// PropConverged is the end-of-run comparison of the servers' trees: after the heal,
// with the clients stopped, every live server holds the same persistent nodes under
// the workload's roots with the same data and version (ephemerals may still be
// expiring, so they are left out). It stands in for the ZAB logs' agreement, which
// real processes do not expose.
const PropConverged checker.Property = "servers-converge-real"

// Options configure one real run.
type Options struct {
	Scenario scenarios.Scenario
	Seed     uint64
	Nodes    int           // voting servers; 0 means the scenario's voters (observers are not run)
	Clients  int           // 0 means the scenario's clients
	Duration time.Duration // safety phase; 0 means the scenario's
	Quiesce  time.Duration // liveness phase; 0 means the scenario's
	// Schedule replaces the generated schedule when set.
	Schedule nemesis.Schedule
	// Binary is the zkserver binary; Dir holds the nodes' directories (a temporary
	// directory when empty, removed afterwards).
	Binary string
	Dir    string
	// ServerArgs go before start-foreground on every server's command line.
	ServerArgs []string
	// Bugs switches catalogued protocol bugs on in every server (test only).
	Bugs bugs.Set
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Result is what a real run did and found.
type Result struct {
	Scenario   string
	Seed       uint64
	Nodes      int
	Bugs       bugs.Set // switched on in every server
	Schedule   nemesis.Schedule
	Applied    []nemesis.Applied
	History    checker.History
	Report     checker.Report
	Durability []checker.Result // the read back after the heal
	Notes      []string         // faults skipped or not carried out
	Wall       time.Duration
	Logs       map[int]string // server logs by node id
	// ZabRecords are the servers' ZAB records (zkserver --test-only-zab-record) by
	// node id, every incarnation's lines in one file.
	ZabRecords map[int]string
}

// BuildServer builds cmd/zkserver from the module at root into dir.
func BuildServer(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "zkserver")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/zkserver")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("jepsen: go build ./cmd/zkserver: %v\n%s", err, out)
	}
	return bin, nil
}

// Run starts the ensemble, drives the workload while the schedule's faults are
// applied, heals, lets the cluster recover, reads every acknowledged write back and
// checks the history. Processes and relays are gone when it returns, whatever happens.
func Run(ctx context.Context, o Options) (*Result, error) {
	s := o.Scenario
	if o.Nodes == 0 {
		o.Nodes = s.Voters
	}
	if o.Clients == 0 {
		o.Clients = s.Clients
	}
	if o.Duration == 0 {
		o.Duration = time.Duration(s.Duration)
	}
	if o.Quiesce == 0 {
		o.Quiesce = time.Duration(s.Quiesce)
	}
	if o.Nodes < 1 || o.Nodes > 9 || o.Clients < 1 || o.Duration <= 0 || o.Quiesce <= 0 || o.Binary == "" {
		return nil, fmt.Errorf("%w: nodes=%d clients=%d duration=%s quiesce=%s binary=%q", ErrConfig,
			o.Nodes, o.Clients, o.Duration, o.Quiesce, o.Binary)
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	shape := nemesis.ClusterShape{Voters: o.Nodes, Clients: o.Clients}
	sched := o.Schedule
	if sched == nil {
		mix, err := s.Mix()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		if sched, err = nemesis.Generate(o.Seed, mix, shape, o.Duration); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	if err := sched.ValidateFor(shape); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	safety, _ := sched.SafetyEnd()
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "zksim-jepsen-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cl, err := Start(Config{Binary: o.Binary, Dir: dir, Nodes: o.Nodes, Clients: o.Clients,
		TickTime: time.Duration(s.TickTime), InitLimit: s.InitLimit, SyncLimit: s.SyncLimit,
		SessionTimeout: time.Duration(s.SessionTimeout), SnapCount: s.SnapCount, Seed: o.Seed, ServerArgs: o.ServerArgs, Bugs: o.Bugs})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	if _, ok := cl.WaitLeader(30 * time.Second); !ok {
		b, _ := os.ReadFile(cl.LogPath(1))
		return nil, fmt.Errorf("%w: no leader (waited up to 30s, less if every server exited); server 1 says:\n%s", ErrNoLeader, tail(string(b), 2000))
	}
	fmt.Fprintf(logw, "ensemble of %d up in %s; %d clients; faults for %s then %s to recover\n", o.Nodes, dir, o.Clients, safety, o.Quiesce)

	res := &Result{Scenario: s.Name, Seed: o.Seed, Nodes: o.Nodes, Bugs: o.Bugs, Schedule: sched}
	rec := &recorder{start: time.Now()}
	wctx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	var wg sync.WaitGroup
	for i, id := range cl.Clients() {
		c := &client{id: id, cl: cl, link: cl.links[id], done: wctx.Done(), rec: rec, w: s.Workload, timeout: time.Duration(s.SessionTimeout),
			opLimit: 2 * time.Duration(s.SessionTimeout), versions: map[string]int32{},
			rng: rand.New(rand.NewPCG(o.Seed, uint64(id)))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(wctx, i == 0)
		}()
	}

	runner := nemesis.NewRunner(sched, o.Seed)
	var runErr error
	for runErr == nil {
		next, ok := runner.Next()
		if !ok {
			break
		}
		if wait := next - time.Since(rec.start); wait > 0 {
			sleep(ctx, wait)
		}
		if ctx.Err() != nil {
			runErr = ctx.Err()
			break
		}
		applied, err := runner.Advance(cl, max(next, time.Since(rec.start)))
		for _, a := range applied {
			fmt.Fprintf(logw, "  %s\n", a)
		}
		if err != nil {
			runErr = fmt.Errorf("jepsen: applying faults: %w", err)
		}
	}
	res.Applied = runner.Applied()
	healed := time.Since(rec.start)
	if runErr == nil {
		sleep(ctx, o.Quiesce)
		runErr = ctx.Err()
	}
	stopClients()
	wg.Wait()
	if runErr != nil {
		return nil, runErr
	}
	res.Wall = time.Since(rec.start)
	if _, ok := cl.WaitLeader(10 * time.Second); !ok {
		res.Durability = append(res.Durability, checker.Result{Property: PropAckedWritesSurvive, Verdict: checker.Fail,
			Summary: fmt.Sprintf("no leader %s after the final heal", healed+10*time.Second)})
	}
	res.History = rec.h
	res.Durability = append(res.Durability, readBack(cl, &res.History)...)
	res.Notes = cl.Notes()
	// The real server keeps ZooKeeper's 60 s cap on the election's notification backoff.
	live := &checker.LivenessConfig{HealTime: int64(healed), End: int64(res.Wall), TickTime: int64(s.TickTime),
		InitLimit: int64(s.InitLimit), SyncLimit: int64(s.SyncLimit), SessionTimeout: int64(s.SessionTimeout),
		ElectionTimeout: int64(time.Minute), FinalizeWait: int64(200 * time.Millisecond)}
	logs, notes, err := zabLogs(cl, rec.start, time.Since(rec.start), 3*time.Second)
	if err != nil {
		return nil, err
	}
	res.Notes = append(res.Notes, notes...)
	rep, err := checker.Check(&res.History, logs, checker.Options{SkipLinearizability: !s.Linearizability,
		LinearizabilityTimeout: time.Minute, Liveness: live})
	if err != nil {
		return nil, err
	}
	res.Report = rep
	res.Logs = map[int]string{}
	res.ZabRecords = map[int]string{}
	for _, id := range cl.Nodes() {
		res.Logs[id] = cl.LogPath(id)
		res.ZabRecords[id] = cl.nodes[id-1].zabRecordFile()
	}
	cl.Close()
	for id, p := range res.Logs {
		b, _ := os.ReadFile(p)
		res.Logs[id] = string(b)
	}
	for id, p := range res.ZabRecords {
		b, _ := os.ReadFile(p)
		res.ZabRecords[id] = string(b)
	}
	return res, nil
}

// readBack connects to every live server directly, syncs, and checks that every
// acknowledged setData (at its acknowledged version or later) and every acknowledged
// persistent create is there, and that the servers hold the same persistent nodes.
func readBack(cl *Cluster, h *checker.History) []checker.Result {
	minVersion := map[string]int32{}
	created := map[string]bool{}
	var regPaths []string
	seen := map[string]bool{}
	for i := range h.Ops {
		op := &h.Ops[i]
		if !op.Succeeded() {
			continue
		}
		switch {
		case op.Req.Kind == checker.OpSetData:
			minVersion[op.Req.Path] = max(minVersion[op.Req.Path], op.Resp.Stat.Version)
		case op.Req.Kind == checker.OpCreate && !op.Req.Ephemeral:
			created[op.Resp.Path] = true
		default:
			continue
		}
		for _, p := range []string{op.Req.Path, op.Resp.Path} {
			if strings.HasPrefix(p, registerRoot+"/") && !seen[p] {
				seen[p] = true
				regPaths = append(regPaths, p)
			}
		}
	}
	sort.Strings(regPaths)
	paths := make([]string, 0, len(created))
	for p := range created {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []checker.Result
	fail := func(format string, args ...any) {
		out = append(out, checker.Result{Property: PropAckedWritesSurvive, Verdict: checker.Fail, Summary: fmt.Sprintf(format, args...)})
	}
	checked := 0
	trees := map[int]map[string]nodeValue{} // persistent nodes by path, per server read
	for _, id := range cl.Nodes() {
		if st, _ := cl.Status(id); st != nemesis.Up {
			continue
		}
		conn, _, err := zk.Connect([]string{cl.DirectAddr(id)}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(quietLogger{}))
		if err != nil {
			fail("node %d: %v", id, err)
			continue
		}
		err = readNode(conn, id, paths, regPaths, minVersion, fail)
		if err == nil {
			trees[id], err = readTree(conn)
		}
		conn.Close()
		if err != nil {
			fail("node %d: reading back: %v", id, err)
			continue
		}
		checked++
	}
	if checked == 0 {
		fail("no live server could be read back")
	}
	if len(out) == 0 {
		out = append(out, checker.Result{Property: PropAckedWritesSurvive, Verdict: checker.Pass,
			Summary: fmt.Sprintf("%d acknowledged creates and %d registers read back from %d live servers", len(paths), len(regPaths), checked)})
	}
	return append(out, converged(trees))
}

// nodeValue is what the read back compares of a node.
type nodeValue struct {
	data    string
	version int32
}

func (v nodeValue) String() string { return fmt.Sprintf("%q at version %d", v.data, v.version) }

// readTree reads every persistent node under the workload's roots.
func readTree(conn *zk.Conn) (map[string]nodeValue, error) {
	tree := map[string]nodeValue{}
	for _, root := range []string{registerRoot, churnRoot} {
		kids, _, err := conn.Children(root)
		if errors.Is(err, zk.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			p := root + "/" + k
			data, st, err := conn.Get(p)
			if errors.Is(err, zk.ErrNoNode) {
				continue // an ephemeral that expired meanwhile
			}
			if err != nil {
				return nil, err
			}
			if st.EphemeralOwner == 0 {
				tree[p] = nodeValue{string(data), st.Version}
			}
		}
	}
	return tree, nil
}

// converged compares the servers' trees, naming the first few differences.
func converged(trees map[int]map[string]nodeValue) checker.Result {
	ids := make([]int, 0, len(trees))
	for id := range trees {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	if len(ids) < 2 {
		return checker.Result{Property: PropConverged, Verdict: checker.Skipped, Summary: "fewer than two servers read"}
	}
	var diffs []string
	base := trees[ids[0]]
	for _, id := range ids[1:] {
		t := trees[id]
		var paths []string
		for p := range base {
			paths = append(paths, p)
		}
		for p := range t {
			if _, ok := base[p]; !ok {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths)
		for _, p := range paths {
			a, inA := base[p]
			b, inB := t[p]
			switch {
			case !inA:
				diffs = append(diffs, fmt.Sprintf("%s is on node %d, not on node %d", p, id, ids[0]))
			case !inB:
				diffs = append(diffs, fmt.Sprintf("%s is on node %d, not on node %d", p, ids[0], id))
			case a != b:
				diffs = append(diffs, fmt.Sprintf("%s is %v on node %d but %v on node %d", p, a, ids[0], b, id))
			}
		}
	}
	if len(diffs) == 0 {
		return checker.Result{Property: PropConverged, Verdict: checker.Pass,
			Summary: fmt.Sprintf("%d servers hold the same %d persistent nodes", len(ids), len(base))}
	}
	more := ""
	if len(diffs) > 5 {
		more = fmt.Sprintf(" (and %d more)", len(diffs)-5)
		diffs = diffs[:5]
	}
	return checker.Result{Property: PropConverged, Verdict: checker.Fail, Summary: strings.Join(diffs, "; ") + more}
}

// readBackWait bounds how long the read back waits for a live server to serve.
const readBackWait = 10 * time.Second

func readNode(conn *zk.Conn, id int, created, regs []string, minVersion map[string]int32, fail func(string, ...any)) error {
	var err error
	// The session may take a moment on a server that just recovered; one that never
	// serves (a server a bug left unable to rejoin) gets a bounded wait, not one per try.
	for deadline := time.Now().Add(readBackWait); ; {
		if _, err = conn.Sync("/"); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	for _, p := range created {
		ok, _, err := conn.Exists(p)
		if err != nil {
			return err
		}
		if !ok {
			fail("acknowledged create of %s is missing on node %d", p, id)
		}
	}
	for _, p := range regs {
		_, st, err := conn.Get(p)
		if errors.Is(err, zk.ErrNoNode) {
			fail("register %s, acknowledged, is missing on node %d", p, id)
			continue
		}
		if err != nil {
			return err
		}
		if st.Version < minVersion[p] {
			fail("register %s is at version %d on node %d, below the acknowledged version %d", p, st.Version, id, minVersion[p])
		}
	}
	return nil
}

// Pass reports whether every property held.
func (r *Result) Pass() bool {
	if !r.Report.OK() {
		return false
	}
	for _, d := range r.Durability {
		if d.Verdict == checker.Fail {
			return false
		}
	}
	return true
}

// Failures lists every violated property: the checkers' and the read back's.
func (r *Result) Failures() []checker.Result {
	out := r.Report.Failures()
	for _, d := range r.Durability {
		if d.Verdict == checker.Fail {
			out = append(out, d)
		}
	}
	return out
}

// Faults counts the applied faults that did something.
func (r *Result) Faults() int {
	n := 0
	for _, a := range r.Applied {
		if a.Skipped == "" && a.Fault.Kind != nemesis.Liveness {
			n++
		}
	}
	return n
}

// HistoryText is the history, one canonical line per operation.
func (r *Result) HistoryText() string {
	var b strings.Builder
	for i := range r.History.Ops {
		b.WriteString(opLine(i, &r.History.Ops[i]))
		b.WriteByte('\n')
	}
	return b.String()
}

// Trace is the SHA-256 of the canonical schedule and history text. A real run's
// interleaving is the operating system's, so two runs of one seed differ.
func (r *Result) Trace() string {
	sum := sha256.Sum256([]byte(r.Schedule.String() + "\n" + r.HistoryText()))
	return hex.EncodeToString(sum[:])
}

// VerdictLine is the last line of a run, in `zksim run`'s format; for a real run the
// simulated time is the wall time.
func (r *Result) VerdictLine() string {
	v := "PASS"
	if !r.Pass() {
		v = "FAIL"
	}
	wall := r.Wall.Round(time.Millisecond)
	return fmt.Sprintf("verdict: %s scenario=%s seed=%d ops=%d faults=%d simulated=%s wall=%s speedup=1.0x trace=%s",
		v, r.Scenario, r.Seed, len(r.History.Ops), r.Faults(), wall, wall, r.Trace())
}

// WriteDir writes the run's report: schedule.txt, applied.txt, history.txt,
// verdict.md, notes and every server's log.
func (r *Result) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var applied strings.Builder
	for _, a := range r.Applied {
		applied.WriteString(a.String() + "\n")
	}
	var verdict strings.Builder
	fmt.Fprintf(&verdict, "# Jepsen run: scenario %s, seed %d, %d servers\n\n", r.Scenario, r.Seed, r.Nodes)
	if !r.Bugs.Empty() {
		fmt.Fprintf(&verdict, "Catalogued bugs switched on in every server (zkserver --test-only-bugs): %s.\n\n", r.Bugs)
	}
	verdict.WriteString("A real run is not bit-reproducible: the seed fixes the fault schedule and the workload's choices, not the interleaving.\n\n")
	verdict.WriteString("## Properties\n\n")
	for _, res := range append(append([]checker.Result(nil), r.Report.Results...), r.Durability...) {
		fmt.Fprintf(&verdict, "- %s\n", res.String())
	}
	verdict.WriteString("\nThe zab-* properties judge the servers' own ZAB records (zkserver --test-only-zab-record), " +
		"timed by this machine's wall clock; zab-converged compares only the live servers' commit points, " +
		string(PropConverged) + " compares their persistent nodes, and " +
		string(PropAckedWritesSurvive) + " reads every acknowledged write back from every live server after the heal.\n")
	if len(r.Notes) > 0 {
		verdict.WriteString("\n## Not exercised\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&verdict, "- %s\n", n)
		}
	}
	fmt.Fprintf(&verdict, "\n%s\n", r.VerdictLine())
	files := map[string]string{
		"schedule.txt": r.Schedule.String(),
		"applied.txt":  applied.String(),
		"history.txt":  r.HistoryText(),
		"verdict.md":   verdict.String(),
	}
	for id, text := range r.Logs {
		files[fmt.Sprintf("server-%d.log", id)] = text
	}
	for id, text := range r.ZabRecords {
		files[fmt.Sprintf("zab-record-%d.txt", id)] = text
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
