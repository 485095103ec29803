//go:build interop

package interop

import (
	"fmt"
	"io"
	"math"
	"time"
)

// Cell is one operation at one concurrency, measured on both servers.
type Cell struct {
	Zksim, Apache Result
}

// Comparison is a whole benchmark run: every cell, and each side's start-up time
// and memory after the load.
type Comparison struct {
	Cells []Cell
	// Members is the number of servers on each side: 1 for standalone.
	Members int
	// ZksimLeader and ApacheLeader are the member numbers (server.N) that led
	// during the run; 0 for standalone.
	ZksimLeader, ApacheLeader       int
	ZksimAnswering, ApacheAnswering time.Duration // start until every member answers srvr
	ZksimReady, ApacheReady         time.Duration // start until a write is acknowledged
	ZksimRSS, ApacheRSS             int64         // bytes, summed over the members
	CellDuration                    time.Duration
	// Rounds is how many times each cell was measured on each side; a cell's
	// percentiles are its median round's.
	Rounds int
}

// The goals of the comparison, as ratios of zksim to Apache ZooKeeper, and the
// start-up time.
const (
	GoalWriteThroughput = 2.0
	GoalP99             = 0.5
	GoalRSS             = 0.2
	GoalReady           = 200 * time.Millisecond
)

// ratio is a/b, or NaN when b is zero.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// geomean is the geometric mean of xs, skipping values that are not positive.
func geomean(xs []float64) float64 {
	var sum float64
	n := 0
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) {
			sum += math.Log(x)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return math.Exp(sum / float64(n))
}

// writeRatios are zksim's throughput divided by Apache ZooKeeper's in the create
// and setData cells.
func (c Comparison) writeRatios() []float64 {
	var rs []float64
	for _, cell := range c.Cells {
		if cell.Zksim.Op == OpCreate || cell.Zksim.Op == OpSetData {
			rs = append(rs, ratio(cell.Zksim.Throughput(), cell.Apache.Throughput()))
		}
	}
	return rs
}

// p99Ratios are zksim's p99 latency divided by Apache ZooKeeper's in every cell.
func (c Comparison) p99Ratios() []float64 {
	var rs []float64
	for _, cell := range c.Cells {
		rs = append(rs, ratio(float64(cell.Zksim.P99), float64(cell.Apache.P99)))
	}
	return rs
}

// WriteThroughputRatio is the geometric mean, over the create and setData cells,
// of zksim's throughput divided by Apache ZooKeeper's.
func (c Comparison) WriteThroughputRatio() float64 { return geomean(c.writeRatios()) }

// WorstWriteThroughputRatio is the smallest write throughput ratio of any cell.
func (c Comparison) WorstWriteThroughputRatio() float64 { return extreme(c.writeRatios(), -1) }

// P99Ratio is the geometric mean, over every cell, of zksim's p99 latency divided
// by Apache ZooKeeper's.
func (c Comparison) P99Ratio() float64 { return geomean(c.p99Ratios()) }

// WorstP99Ratio is the largest p99 ratio of any cell.
func (c Comparison) WorstP99Ratio() float64 { return extreme(c.p99Ratios(), 1) }

// extreme is the largest (sign 1) or smallest (sign -1) of xs, NaN for none.
func extreme(xs []float64, sign float64) float64 {
	out := math.NaN()
	for _, x := range xs {
		if math.IsNaN(out) || sign*x > sign*out {
			out = x
		}
	}
	return out
}

// verdict says whether ok holds.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// setup names what was measured: "3-node ensemble" or "standalone".
func (c Comparison) setup() string {
	if c.Members > 1 {
		return fmt.Sprintf("%d-node ensemble", c.Members)
	}
	return "standalone"
}

func leaderName(n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("server.%d", n)
}

// WriteMarkdown prints the comparison as markdown tables. Ratios are zksim divided
// by Apache ZooKeeper: above 1 is better for throughput, below 1 is better for
// latency, memory and start-up.
func (c Comparison) WriteMarkdown(w io.Writer) error {
	p := &printer{w: w}
	rounds := ""
	if c.Rounds > 1 {
		rounds = fmt.Sprintf(" in each of %d rounds (throughput over all rounds, p50 and p99 of the median round)", c.Rounds)
	}
	p.printf("Ratios are zksim / Apache ZooKeeper, measured in the same run: %s on loopback, %v per cell%s, forceSync=yes.", c.setup(), c.CellDuration, rounds)
	if c.Members > 1 {
		p.printf(" Client i talks to member i mod %d only; zksim's leader was %s, Apache's %s.", c.Members, leaderName(c.ZksimLeader), leaderName(c.ApacheLeader))
	}
	p.printf("\n\n")
	p.printf("| op | clients | zksim ops/s | apache ops/s | ops/s ratio | zksim p50 | apache p50 | zksim p99 | apache p99 | p99 ratio | errors zksim/apache |\n")
	p.printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cell := range c.Cells {
		z, a := cell.Zksim, cell.Apache
		p.printf("| %s | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %.2f | %d/%d |\n",
			z.Op, z.Clients, z.Throughput(), a.Throughput(), ratio(z.Throughput(), a.Throughput()),
			ms(z.P50), ms(a.P50), ms(z.P99), ms(a.P99), ratio(float64(z.P99), float64(a.P99)), z.Errors, a.Errors)
	}
	p.printf("\n| goal | target | zksim | apache | ratio | |\n|---|---:|---:|---:|---:|---|\n")
	wt, wtWorst := c.WriteThroughputRatio(), c.WorstWriteThroughputRatio()
	p.printf("| write throughput, geomean of the create and setData cells | ≥ %.1f× | | | %.2f | %s |\n", GoalWriteThroughput, wt, verdict(wt >= GoalWriteThroughput))
	p.printf("| write throughput, worst cell | ≥ %.1f× | | | %.2f | %s |\n", GoalWriteThroughput, wtWorst, verdict(wtWorst >= GoalWriteThroughput))
	p99, p99Worst := c.P99Ratio(), c.WorstP99Ratio()
	p.printf("| p99 latency, geomean of all cells | ≤ %.1f× | | | %.2f | %s |\n", GoalP99, p99, verdict(p99 <= GoalP99))
	p.printf("| p99 latency, worst cell | ≤ %.1f× | | | %.2f | %s |\n", GoalP99, p99Worst, verdict(p99Worst <= GoalP99))
	rss := ratio(float64(c.ZksimRSS), float64(c.ApacheRSS))
	p.printf("| memory: VmRSS after the load, summed over the members | ≤ %.1f× | %s | %s | %.3f | %s |\n", GoalRSS, mib(c.ZksimRSS), mib(c.ApacheRSS), rss, verdict(rss <= GoalRSS))
	p.printf("| start of the processes until every member answers srvr | | %s | %s | %.3f | |\n",
		ms(c.ZksimAnswering), ms(c.ApacheAnswering), ratio(float64(c.ZksimAnswering), float64(c.ApacheAnswering)))
	p.printf("| start of the processes until a write is acknowledged | ≤ %s | %s | %s | %.3f | %s |\n",
		ms(GoalReady), ms(c.ZksimReady), ms(c.ApacheReady), ratio(float64(c.ZksimReady), float64(c.ApacheReady)), verdict(c.ZksimReady <= GoalReady))
	return p.err
}

// printer keeps the first write error so the table code stays readable.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
