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

// Comparison is a whole benchmark run: every cell, and each server's start-up time
// and memory after the load.
type Comparison struct {
	Cells                       []Cell
	ZksimStartup, ApacheStartup time.Duration // until ruok answers imok
	ZksimReady, ApacheReady     time.Duration // until a session is established
	ZksimRSS, ApacheRSS         int64         // bytes
	CellDuration                time.Duration
}

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

// WriteThroughputRatio is the geometric mean, over the create and setData cells,
// of zksim's throughput divided by Apache ZooKeeper's.
func (c Comparison) WriteThroughputRatio() float64 {
	var rs []float64
	for _, cell := range c.Cells {
		if cell.Zksim.Op == OpCreate || cell.Zksim.Op == OpSetData {
			rs = append(rs, ratio(cell.Zksim.Throughput(), cell.Apache.Throughput()))
		}
	}
	return geomean(rs)
}

// P99Ratio is the geometric mean, over every cell, of zksim's p99 latency divided
// by Apache ZooKeeper's.
func (c Comparison) P99Ratio() float64 {
	var rs []float64
	for _, cell := range c.Cells {
		rs = append(rs, ratio(float64(cell.Zksim.P99), float64(cell.Apache.P99)))
	}
	return geomean(rs)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// WriteMarkdown prints the comparison as markdown tables. Ratios are zksim divided
// by Apache ZooKeeper: above 1 is better for throughput, below 1 is better for
// latency, memory and start-up.
func (c Comparison) WriteMarkdown(w io.Writer) error {
	p := &printer{w: w}
	p.printf("Ratios are zksim / Apache ZooKeeper, measured in the same run (%v per cell, forceSync=yes, standalone, loopback).\n\n", c.CellDuration)
	p.printf("| op | clients | zksim ops/s | apache ops/s | ops/s ratio | zksim p50 | apache p50 | zksim p99 | apache p99 | p99 ratio | errors zksim/apache |\n")
	p.printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cell := range c.Cells {
		z, a := cell.Zksim, cell.Apache
		p.printf("| %s | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %.2f | %d/%d |\n",
			z.Op, z.Clients, z.Throughput(), a.Throughput(), ratio(z.Throughput(), a.Throughput()),
			ms(z.P50), ms(a.P50), ms(z.P99), ms(a.P99), ratio(float64(z.P99), float64(a.P99)), z.Errors, a.Errors)
	}
	p.printf("\n| summary | zksim | apache | ratio |\n|---|---:|---:|---:|\n")
	p.printf("| write throughput (geomean of create and setData ratios) | | | %.2f |\n", c.WriteThroughputRatio())
	p.printf("| p99 latency (geomean of all cells' ratios) | | | %.2f |\n", c.P99Ratio())
	p.printf("| RSS after the load (VmRSS) | %s | %s | %.2f |\n", mib(c.ZksimRSS), mib(c.ApacheRSS), ratio(float64(c.ZksimRSS), float64(c.ApacheRSS)))
	p.printf("| start until ruok answers imok | %s | %s | %.3f |\n", ms(c.ZksimStartup), ms(c.ApacheStartup), ratio(float64(c.ZksimStartup), float64(c.ApacheStartup)))
	p.printf("| start until a session is established | %s | %s | %.3f |\n", ms(c.ZksimReady), ms(c.ApacheReady), ratio(float64(c.ZksimReady), float64(c.ApacheReady)))
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
