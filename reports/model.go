package reports

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/nemesis"
	"github.com/zksim/zksim/scenarios"
)

// ErrRun reports a run a report cannot be drawn from.
var ErrRun = errors.New("reports: cannot draw run")

// Run is one run to report: the scenario it ran, what it found, and how to run it again.
type Run struct {
	Scenario scenarios.Scenario
	Result   scenarios.Result // with its trace (RunOptions.KeepTrace)
	// Reproduce is the command that replays the run exactly.
	Reproduce string
	// Visualization links Porcupine's HTML, relative to the report; empty when none.
	Visualization string
}

// Process states and roles a server lane shows.
const (
	StateUp      = "up"
	StateCrashed = "crashed"
	StatePaused  = "paused"
	// RoleStandalone is the role of the only server of a one-server ensemble.
	RoleStandalone = "standalone"
	// RoleUnknown is an up server no role change has been recorded for yet.
	RoleUnknown = "up"
)

// span is something that lasts on a lane: a state, a fault, an operation.
type span struct {
	t0, t1 int64
	row    int    // sub-row within the lane (client operations stack)
	class  string // CSS classes
	label  string // drawn inside when it fits
	title  string // hover text
	ev     []string
}

// mark is an instant on a lane: a crash, a clock jump, a piece of evidence.
type mark struct {
	t     int64
	class string
	glyph string
	title string
	ev    []string
}

// lane is one row of the timeline.
type lane struct {
	id    string // "server-1", "client-0", "network"
	kind  string // "server", "client", "network"
	name  string
	rows  int // operation sub-rows (clients); 1 otherwise
	spans []span
	// stripes are the fault bars under a server's state bar, by category.
	stripes map[string][]span
	// downs are the times a client process was crashed or paused.
	downs []span
	marks []mark
}

// cut is a partition band drawn in the gap between two adjacent server lanes.
type cut struct {
	upper, lower int // lane positions
	t0, t1       int64
	title        string
}

// finding is one judged property, with the evidence ids it highlights.
type finding struct {
	id       string // "v0", "v1", … for failures; "" otherwise
	result   checker.Result
	evidence []string // readable lines, one per piece of evidence
	first    int64    // earliest evidence time; -1 when it has none
	last     int64
}

// view is a run prepared for drawing.
type view struct {
	run      Run
	start    int64
	end      int64
	lanes    []lane
	cuts     []cut
	findings []finding
	problems []string
	counts   map[string]int // op outcomes, for summaries
}

// stripe categories under a server's state bar, top to bottom.
var stripeRows = []string{"net", "disk", "clock"}

// build turns a run into lanes, cuts and findings.
func build(run Run) (*view, error) {
	res := run.Result
	tl, err := res.Timeline()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRun, err)
	}
	v := &view{run: run, end: max(tl.End, 1), problems: res.Problems, counts: map[string]int{}}
	for _, op := range res.History.Ops {
		v.end = max(v.end, op.Return)
	}
	evOps, evWatch, evSession, evNode := v.judge(res)

	serverPos := map[int]int{}
	net := lane{id: "network", kind: "network", name: "network", rows: 1}
	v.lanes = append(v.lanes, net)
	for _, n := range tl.Servers {
		serverPos[n] = len(v.lanes)
		v.lanes = append(v.lanes, v.serverLane(n, len(tl.Servers), tl, res, evNode))
	}
	for i, n := range tl.Clients {
		v.lanes = append(v.lanes, v.clientLane(i, n, tl, res, evOps, evWatch, evSession))
	}
	v.addFaults(res.Applied, serverPos)
	v.addPartitions(tl, serverPos)
	return v, nil
}

// judge numbers the failures and indexes their evidence by kind.
func (v *view) judge(res scenarios.Result) (ops, watch, session map[int][]string, node map[checker.NodeEventRef][]string) {
	ops, watch, session = map[int][]string{}, map[int][]string{}, map[int][]string{}
	node = map[checker.NodeEventRef][]string{}
	h := &res.History
	fails := 0
	for _, r := range res.Report.Results {
		f := finding{result: r, first: -1, last: -1}
		if r.Verdict == checker.Fail {
			f.id = "v" + strconv.Itoa(fails)
			fails++
		}
		at := func(t int64) {
			if f.first < 0 || t < f.first {
				f.first = t
			}
			f.last = max(f.last, t)
		}
		// note records one piece of evidence: when, what, and for a failure the tag
		// its element on the timeline carries.
		note := func(index map[int][]string, i int, times []int64, line string) {
			for _, t := range times {
				at(t)
			}
			f.evidence = append(f.evidence, line)
			if f.id != "" && index != nil {
				index[i] = append(index[i], f.id)
			}
		}
		missing := func(what string, i int) { note(nil, i, nil, fmt.Sprintf("%s %d (not in the history)", what, i)) }
		for _, i := range r.Ops {
			if i < 0 || i >= len(h.Ops) {
				missing("op", i)
				continue
			}
			op := &h.Ops[i]
			note(ops, i, []int64{op.Invoke, op.Return}, describeOp(i, op))
		}
		for _, i := range r.WatchEvents {
			if i < 0 || i >= len(h.WatchEvents) {
				missing("watch event", i)
				continue
			}
			ev := h.WatchEvents[i]
			note(watch, i, []int64{ev.Time}, fmt.Sprintf("watch event %d: client %d %v %s zxid %#x at %s", i, ev.Client, ev.Type, ev.Path, ev.Zxid, ts(ev.Time)))
		}
		for _, i := range r.SessionEvents {
			if i < 0 || i >= len(h.SessionEvents) {
				missing("session event", i)
				continue
			}
			ev := h.SessionEvents[i]
			note(session, i, []int64{ev.Time}, fmt.Sprintf("session event %d: client %d session %#x %v on server %d at %s", i, ev.Client, ev.Session, ev.Kind, ev.Server, ts(ev.Time)))
		}
		for _, ref := range r.NodeEvents {
			ev, ok := nodeEvent(res.NodeLogs, ref)
			if !ok {
				f.evidence = append(f.evidence, fmt.Sprintf("node %d event %d (not in its log)", ref.Node, ref.Index))
				continue
			}
			at(ev.Time)
			f.evidence = append(f.evidence, fmt.Sprintf("server %d event %d: %s", ref.Node, ref.Index, describeNodeEvent(ev)))
			if f.id != "" {
				node[ref] = append(node[ref], f.id)
			}
		}
		if f.first < 0 && (r.Property == checker.PropLivenessLeader || r.Property == checker.PropLivenessProgress) {
			// Liveness has no single piece of evidence: it failed over the window that
			// opened when the faults stopped.
			if at, ok := livenessStart(res.Applied); ok {
				f.first, f.last = at, v.end
				f.evidence = append(f.evidence, fmt.Sprintf("the liveness phase from %s to the end at %s", ts(at), ts(v.end)))
			}
		}
		v.findings = append(v.findings, f)
	}
	return ops, watch, session, node
}

// livenessStart is when the schedule's liveness phase began.
func livenessStart(applied []nemesis.Applied) (int64, bool) {
	for _, a := range applied {
		if a.Fault.Kind == nemesis.Liveness {
			return int64(a.At), true
		}
	}
	return 0, false
}

func nodeEvent(logs []checker.NodeLog, ref checker.NodeEventRef) (checker.NodeEvent, bool) {
	for _, l := range logs {
		if l.Node == ref.Node && ref.Index >= 0 && ref.Index < len(l.Events) {
			return l.Events[ref.Index], true
		}
	}
	return checker.NodeEvent{}, false
}

func describeNodeEvent(ev checker.NodeEvent) string {
	s := fmt.Sprintf("%v at %s", ev.Kind, ts(ev.Time))
	if ev.Epoch != 0 {
		s += fmt.Sprintf(" epoch %d", ev.Epoch)
	}
	if ev.Zxid != 0 {
		s += fmt.Sprintf(" zxid %#x", ev.Zxid)
	}
	return s
}

// ts formats a true simulated time.
func ts(ns int64) string { return time.Duration(ns).String() }

func describeRequest(r checker.Request) string {
	switch r.Kind {
	case checker.OpMulti:
		parts := make([]string, len(r.Ops))
		for i, sub := range r.Ops {
			parts[i] = describeRequest(sub)
		}
		return "multi[" + strings.Join(parts, "; ") + "]"
	case checker.OpSync:
		return "sync " + r.Path
	}
	s := r.Kind.String() + " " + r.Path
	if r.Kind == checker.OpCreate || r.Kind == checker.OpSetData {
		s += fmt.Sprintf(" %q", r.Data)
	}
	if r.Version != checker.AnyVersion && (r.Kind == checker.OpSetData || r.Kind == checker.OpDelete || r.Kind == checker.OpCheck) {
		s += fmt.Sprintf(" v%d", r.Version)
	}
	if r.Ephemeral {
		s += " ephemeral"
	}
	if r.Sequential {
		s += " sequential"
	}
	return s
}

func describeResponse(op *checker.Operation) string {
	if op.Outcome != checker.OutcomeOK {
		return op.Outcome.String()
	}
	s := "ok"
	if op.Resp.Err != checker.ErrOK {
		s = fmt.Sprintf("err %d", op.Resp.Err)
	}
	switch op.Req.Kind {
	case checker.OpGetData:
		if op.Resp.Err == checker.ErrOK {
			s += fmt.Sprintf(" %q", op.Resp.Data)
		}
	case checker.OpCreate:
		if op.Resp.Path != "" {
			s += " " + op.Resp.Path
		}
	case checker.OpGetChildren:
		s += fmt.Sprintf(" %d children", len(op.Resp.Children))
	}
	if op.Zxid != 0 {
		s += fmt.Sprintf(" zxid %#x", op.Zxid)
	}
	return s
}

func describeOp(i int, op *checker.Operation) string {
	return fmt.Sprintf("op %d: client %d via server %d: %s -> %s, %s..%s", i, op.Client, op.Server,
		describeRequest(op.Req), describeResponse(op), ts(op.Invoke), ts(op.Return))
}

// serverLane draws one server's process state and role over time, with its marks.
func (v *view) serverLane(node, servers int, tl scenarios.Timeline, res scenarios.Result, evNode map[checker.NodeEventRef][]string) lane {
	l := lane{id: "server-" + strconv.Itoa(node), kind: "server", name: "server " + strconv.Itoa(node), rows: 1, stripes: map[string][]span{}}
	state, role, epoch, note := StateCrashed, RoleUnknown, int64(0), ""
	if servers == 1 {
		role = RoleStandalone
	}
	since := int64(0)
	closeSpan := func(t int64) {
		if t > since || (t == since && t == v.end) {
			cls := "state " + state
			label := state
			title := fmt.Sprintf("server %d %s", node, state)
			if state != StateCrashed {
				cls += " role-" + role
				roleText := role
				if epoch != 0 {
					roleText += fmt.Sprintf(" e%d", epoch)
				}
				if state == StateUp {
					label = roleText
				}
				title = fmt.Sprintf("server %d %s, %s", node, state, roleText)
				if note != "" {
					title += " (" + note + ")"
				}
			}
			title += fmt.Sprintf("\n%s .. %s", ts(since), ts(t))
			l.spans = append(l.spans, span{t0: since, t1: t, class: cls, label: label, title: title})
		}
		since = t
	}
	for _, c := range tl.Changes {
		if c.Node != node {
			continue
		}
		switch c.Kind {
		case scenarios.ChangeBoot, scenarios.ChangeRestart, scenarios.ChangeResume:
			closeSpan(c.Time)
			state = StateUp
			if c.Kind != scenarios.ChangeResume && servers > 1 {
				role, epoch, note = "looking", 0, ""
			}
			if c.Kind == scenarios.ChangeRestart {
				l.marks = append(l.marks, mark{t: c.Time, class: "restart", glyph: "up", title: fmt.Sprintf("server %d restarted at %s", node, ts(c.Time))})
			}
		case scenarios.ChangeCrash:
			closeSpan(c.Time)
			state = StateCrashed
			l.marks = append(l.marks, mark{t: c.Time, class: "crash", glyph: "x", title: fmt.Sprintf("server %d crashed at %s", node, ts(c.Time))})
		case scenarios.ChangePause:
			closeSpan(c.Time)
			state = StatePaused
		case scenarios.ChangeRole:
			closeSpan(c.Time)
			role, epoch, note = c.Detail, c.Value, c.Note
		case scenarios.ChangeCrashPoint:
			l.marks = append(l.marks, mark{t: c.Time, class: "crash-point", glyph: "bolt", title: fmt.Sprintf("server %d reached crash point %s at %s", node, c.Detail, ts(c.Time))})
		case scenarios.ChangeHalt:
			l.marks = append(l.marks, mark{t: c.Time, class: "halt", glyph: "bang", title: fmt.Sprintf("server %d halted at %s: %s", node, ts(c.Time), c.Detail)})
		case scenarios.ChangeClockJump:
			l.marks = append(l.marks, mark{t: c.Time, class: "clock", glyph: "clock", title: fmt.Sprintf("server %d clock jumps %s at %s", node, time.Duration(c.Value), ts(c.Time))})
		case scenarios.ChangeCorrupt:
			l.marks = append(l.marks, mark{t: c.Time, class: "disk", glyph: "bang", title: fmt.Sprintf("server %d: a bit of %s flipped at %s", node, c.Detail, ts(c.Time))})
		}
	}
	closeSpan(v.end)
	l.stripes["clock"] = clockSpans(node, tl, v.end)
	for _, nl := range res.NodeLogs {
		if nl.Node != node {
			continue
		}
		for i, ev := range nl.Events {
			ids := evNode[checker.NodeEventRef{Node: node, Index: i}]
			if len(ids) == 0 {
				continue
			}
			l.marks = append(l.marks, mark{t: ev.Time, class: "evidence", glyph: "diamond", ev: ids,
				title: fmt.Sprintf("evidence %s: server %d event %d: %s", strings.Join(ids, " "), node, i, describeNodeEvent(ev))})
		}
	}
	return l
}

// skewClass buckets a clock offset for colour: under 10ms, 100ms, 1s, and beyond.
func skewClass(offset int64) string {
	if offset < 0 {
		offset = -offset
	}
	for i, limit := range []int64{1e7, 1e8, 1e9} {
		if offset < limit {
			return "skew" + strconv.Itoa(i)
		}
	}
	return "skew3"
}

// clockSpans draws a node's clock against true time: its offset and drift from the
// start, changed by jumps, drift changes and clears.
func clockSpans(node int, tl scenarios.Timeline, end int64) []span {
	var offset, drift, since int64
	for _, c := range tl.Clocks {
		if c.Node == node {
			offset, drift = c.Offset, c.DriftPPM
		}
	}
	var out []span
	flush := func(t int64) {
		if t <= since && t != end {
			return
		}
		endOffset := offset + (t-since)*drift/1_000_000
		out = append(out, span{t0: since, t1: t, class: "stripe clock " + skewClass(max(abs(offset), abs(endOffset))),
			title: fmt.Sprintf("clock %d: %+v .. %+v ahead of true time, drift %+dppm\n%s .. %s",
				node, time.Duration(offset), time.Duration(endOffset), drift, ts(since), ts(t))})
		offset, since = endOffset, t
	}
	for _, c := range tl.Changes {
		if c.Node != node {
			continue
		}
		switch c.Kind {
		case scenarios.ChangeClockJump:
			flush(c.Time)
			offset += c.Value
		case scenarios.ChangeClockDrift:
			flush(c.Time)
			drift = c.Value
		case scenarios.ChangeClockClear:
			flush(c.Time)
			offset, drift = 0, 0
		}
	}
	flush(end)
	return out
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// clientLane draws one client's operations, stacked so none overlaps another.
func (v *view) clientLane(i, node int, tl scenarios.Timeline, res scenarios.Result, evOps, evWatch, evSession map[int][]string) lane {
	l := lane{id: "client-" + strconv.Itoa(i), kind: "client", name: fmt.Sprintf("client %d", i), rows: 1}
	var rowEnd []int64
	// Stacked in invoke order, first fit uses as few rows as the most operations ever
	// in flight at once.
	var mine []int
	for oi := range res.History.Ops {
		if res.History.Ops[oi].Client == i {
			mine = append(mine, oi)
		}
	}
	slices.SortStableFunc(mine, func(a, b int) int {
		return cmp.Compare(res.History.Ops[a].Invoke, res.History.Ops[b].Invoke)
	})
	for _, oi := range mine {
		op := &res.History.Ops[oi]
		row := -1
		for r, end := range rowEnd {
			if end <= op.Invoke {
				row = r
				break
			}
		}
		if row < 0 {
			row = len(rowEnd)
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = max(op.Return, op.Invoke+1) // an instant still takes its place
		outcome := op.Outcome.String()
		v.counts[outcome]++
		cls := "op " + outcome
		ids := evOps[oi]
		if len(ids) > 0 {
			cls += " evidence"
		}
		l.spans = append(l.spans, span{t0: op.Invoke, t1: max(op.Return, op.Invoke), row: row, class: cls,
			label: op.Req.Kind.String(), ev: ids, title: describeOp(oi, op)})
	}
	l.rows = max(len(rowEnd), 1)
	for wi, ev := range res.History.WatchEvents {
		if ev.Client != i {
			continue
		}
		if ids := evWatch[wi]; len(ids) > 0 {
			l.marks = append(l.marks, mark{t: ev.Time, class: "evidence", glyph: "diamond", ev: ids,
				title: fmt.Sprintf("evidence %s: watch event %d %v %s", strings.Join(ids, " "), wi, ev.Type, ev.Path)})
		}
	}
	for si, ev := range res.History.SessionEvents {
		if ev.Client != i {
			continue
		}
		cls, glyph := "session", "dot"
		ids := evSession[si]
		if len(ids) > 0 {
			cls, glyph = "evidence", "diamond"
		}
		l.marks = append(l.marks, mark{t: ev.Time, class: cls, glyph: glyph, ev: ids,
			title: fmt.Sprintf("session %#x %v on server %d at %s", ev.Session, ev.Kind, ev.Server, ts(ev.Time))})
	}
	// A client process can crash or pause too: drawn as a band behind its operations.
	state, since := "", int64(0)
	down := func(t int64) {
		if state == "" {
			return
		}
		cls := StateCrashed
		if state == string(scenarios.ChangePause) {
			cls = StatePaused
		}
		l.downs = append(l.downs, span{t0: since, t1: t, class: "down " + cls,
			title: fmt.Sprintf("client %d %s\n%s .. %s", i, cls, ts(since), ts(t))})
		state = ""
	}
	for _, c := range tl.Changes {
		if c.Node != node {
			continue
		}
		switch c.Kind {
		case scenarios.ChangeCrash, scenarios.ChangePause:
			down(c.Time)
			state, since = string(c.Kind), c.Time
		case scenarios.ChangeRestart, scenarios.ChangeResume, scenarios.ChangeBoot:
			down(c.Time)
		}
	}
	down(v.end)
	return l
}

// faultEnds says which applied kinds end a lasting fault of a kind on a node. Clock
// faults are drawn from the trace instead (clockSpans), partitions from the network's
// own records (addPartitions).
var faultEnds = map[nemesis.Kind][]nemesis.Kind{
	nemesis.Clog:           {nemesis.Unclog},
	nemesis.DelaySpike:     {},
	nemesis.ArmCrashPoint:  {nemesis.DisarmCrashPoint},
	nemesis.DiskLostFsync:  {nemesis.DiskHeal},
	nemesis.DiskTornTail:   {nemesis.DiskHeal},
	nemesis.DiskBitFlip:    {nemesis.DiskHeal},
	nemesis.DiskFailedSync: {nemesis.DiskHeal},
}

// stripeOf is the stripe row a fault kind is drawn in.
func stripeOf(k nemesis.Kind) string {
	if strings.HasPrefix(string(k), "disk-") || k == nemesis.ArmCrashPoint {
		return "disk" // what a server's storage goes through
	}
	return "net"
}

// addFaults draws lasting faults as stripes under the servers they hit, and every
// applied fault as a tick on the network lane.
func (v *view) addFaults(applied []nemesis.Applied, serverPos map[int]int) {
	for i, a := range applied {
		at := int64(a.At)
		text := a.String()
		net := &v.lanes[0]
		cls := "fault"
		if a.Skipped != "" {
			cls += " skipped"
		}
		net.marks = append(net.marks, mark{t: at, class: cls, glyph: "tick", title: text})
		if a.Skipped != "" {
			continue
		}
		k := a.Fault.Kind
		ends, lasting := faultEnds[k]
		if !lasting {
			continue
		}
		for _, n := range a.Nodes {
			pos, ok := serverPos[n]
			if !ok {
				continue
			}
			end := v.end
			if a.Fault.For > 0 {
				end = at + int64(a.Fault.For)
			}
			for _, b := range applied[i+1:] {
				if int64(b.At) >= end {
					break
				}
				if b.Fault.Kind == nemesis.HealAll || (slices.Contains(ends, b.Fault.Kind) && slices.Contains(b.Nodes, n)) {
					end = int64(b.At)
					break
				}
			}
			label := string(k)
			if a.Fault.Point != "" {
				label += " " + string(a.Fault.Point)
			}
			if a.Fault.Amount != 0 {
				label += " " + a.Fault.Amount.String()
			}
			row := stripeOf(k)
			sl := &v.lanes[pos]
			sl.stripes[row] = append(sl.stripes[row], span{t0: at, t1: max(end, at), class: "stripe " + row,
				label: label, title: fmt.Sprintf("server %d: %s\n%s .. %s", n, label, ts(at), ts(end))})
		}
	}
}

// addPartitions draws each partition on the network lane, as a group stripe on each
// server lane, and as a cut between adjacent server lanes that cannot talk.
func (v *view) addPartitions(tl scenarios.Timeline, serverPos map[int]int) {
	servers := tl.Servers
	for i, p := range tl.Partitions {
		if len(p.Groups) == 0 && len(p.OneWay) == 0 {
			continue
		}
		end := v.end
		if i+1 < len(tl.Partitions) {
			end = tl.Partitions[i+1].Time
		}
		group := map[int]int{}
		var parts []string
		for g, members := range p.Groups {
			for _, n := range members {
				group[n] = g + 1
			}
			parts = append(parts, joinInts(members, ","))
		}
		label := strings.Join(parts, " | ")
		for _, w := range p.OneWay {
			label = strings.TrimSpace(label + fmt.Sprintf(" %d->%d cut", w[0], w[1]))
		}
		title := fmt.Sprintf("partition %s\n%s .. %s", label, ts(p.Time), ts(end))
		v.lanes[0].spans = append(v.lanes[0].spans, span{t0: p.Time, t1: end, class: "partition", label: label, title: title})
		for _, n := range servers {
			if g := group[n]; g > 0 {
				pos := serverPos[n]
				v.lanes[pos].stripes["net"] = append(v.lanes[pos].stripes["net"], span{t0: p.Time, t1: end,
					class: fmt.Sprintf("stripe group g%d", (g-1)%6), label: fmt.Sprintf("group %d", g), title: title})
			}
		}
		for j := 0; j+1 < len(servers); j++ {
			a, b := servers[j], servers[j+1]
			split := group[a] != 0 && group[b] != 0 && group[a] != group[b]
			for _, w := range p.OneWay {
				if (w[0] == a && w[1] == b) || (w[0] == b && w[1] == a) {
					split = true
				}
			}
			if split {
				v.cuts = append(v.cuts, cut{upper: serverPos[a], lower: serverPos[b], t0: p.Time, t1: end,
					title: fmt.Sprintf("servers %d and %d cut off from each other\n%s", a, b, title)})
			}
		}
	}
}

func joinInts(ns []int, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}

// failures returns the failed findings, in report order.
func (v *view) failures() []finding {
	var out []finding
	for _, f := range v.findings {
		if f.id != "" {
			out = append(out, f)
		}
	}
	return out
}

// verdict is PASS or FAIL, as zksim prints it.
func (v *view) verdict() string {
	if v.run.Result.Pass() {
		return "PASS"
	}
	return "FAIL"
}

// settings lists the scenario's settings in a fixed order.
func settings(s scenarios.Scenario) [][2]string {
	d := func(x scenarios.Duration) string { return time.Duration(x).String() }
	wl := s.Workload
	return [][2]string{
		{"voters", strconv.Itoa(s.Voters)},
		{"observers", strconv.Itoa(s.Observers)},
		{"clients", strconv.Itoa(s.Clients)},
		{"tickTime", d(s.TickTime)},
		{"initLimit", strconv.Itoa(s.InitLimit)},
		{"syncLimit", strconv.Itoa(s.SyncLimit)},
		{"sessionTimeout", d(s.SessionTimeout)},
		{"snapCount", strconv.Itoa(s.SnapCount)},
		{"latency", d(s.Latency)},
		{"syncLatency", d(s.SyncLatency)},
		{"tornWrites", strconv.FormatFloat(s.TornWrites, 'g', -1, 64)},
		{"workload", fmt.Sprintf("register=%d churn=%d lock=%d configWatch=%d multi=%d sessionChurn=%d interval=%s concurrency=%d keys=%d",
			wl.Register, wl.Churn, wl.Lock, wl.ConfigWatch, wl.Multi, wl.SessionChurn, d(wl.Interval), wl.Concurrency, wl.Keys)},
		{"nemesis", s.Nemesis},
		{"duration", d(s.Duration)},
		{"quiesce", d(s.Quiesce)},
		{"linearizability", strconv.FormatBool(s.Linearizability)},
	}
}

// faultCounts counts the applied faults per kind, sorted by kind.
func faultCounts(applied []nemesis.Applied) [][2]string {
	n := map[string]int{}
	for _, a := range applied {
		if a.Skipped == "" {
			n[string(a.Fault.Kind)]++
		}
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, strconv.Itoa(n[k])}
	}
	return out
}
