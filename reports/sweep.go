package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Seed is one seed of a sweep.
type Seed struct {
	Scenario  string
	Seed      uint64
	Pass      bool
	Error     string // the run could not be made (not a violation)
	Verdict   string // first line of the explanation when it failed
	Reproduce string
	// Report is the seed's run report directory, relative to the sweep report; empty
	// when none was written.
	Report    string
	Ops       int
	Simulated time.Duration
	Events    uint64
	// Wall is the seed's own run time on one core; it reaches only the wall line.
	Wall time.Duration
}

// Sweep is many seeds of one or more scenarios. Wall is kept out of the pages' bodies
// but for one clearly separated line, so two sweeps of the same seeds compare equal
// apart from it.
type Sweep struct {
	Seeds []Seed
	Wall  time.Duration
}

// File names a sweep report writes.
const (
	SweepHTMLFile     = "index.html"
	SweepMarkdownFile = "summary.md"
)

type scenarioTally struct {
	name            string
	runs, pass, bad int
	ops             int
	events          uint64
	sim             time.Duration
	wall            time.Duration
	failures        []Seed
}

func tally(s Sweep) []*scenarioTally {
	seeds := slices.Clone(s.Seeds)
	slices.SortStableFunc(seeds, func(a, b Seed) int {
		return cmp.Or(cmp.Compare(a.Scenario, b.Scenario), cmp.Compare(a.Seed, b.Seed))
	})
	var out []*scenarioTally
	for _, sd := range seeds {
		if len(out) == 0 || out[len(out)-1].name != sd.Scenario {
			out = append(out, &scenarioTally{name: sd.Scenario})
		}
		t := out[len(out)-1]
		t.runs++
		t.ops += sd.Ops
		t.events += sd.Events
		t.sim += sd.Simulated
		t.wall += sd.Wall
		if sd.Pass && sd.Error == "" {
			t.pass++
		} else {
			t.bad++
			t.failures = append(t.failures, sd)
		}
	}
	return out
}

func (s Sweep) simulated() time.Duration {
	var total time.Duration
	for _, sd := range s.Seeds {
		total += sd.Simulated
	}
	return total
}

// wallLine is the one line with wall-clock figures, set apart from the rest: the
// sweep's speed, and each scenario's simulator speed on one core when the seeds
// carry their run times.
func (s Sweep) wallLine() string {
	if s.Wall <= 0 {
		return ""
	}
	line := fmt.Sprintf("wall: %s for %s simulated (%.0fx)", s.Wall.Round(time.Millisecond), s.simulated(), float64(s.simulated())/float64(s.Wall))
	var speeds []string
	for _, t := range tally(s) {
		if t.wall > 0 {
			speeds = append(speeds, fmt.Sprintf("%s %.0fx %.0f events/s", t.name, float64(t.sim)/float64(t.wall), float64(t.events)/t.wall.Seconds()))
		}
	}
	if len(speeds) > 0 {
		line += "; one core: " + strings.Join(speeds, ", ")
	}
	return line
}

// RenderSweepMarkdown writes the sweep summary for CI logs.
func RenderSweepMarkdown(w io.Writer, s Sweep) error {
	var b bytes.Buffer
	b.WriteString("# zksim sweep\n\n| scenario | seeds | pass | fail | ops | simulated | events |\n|---|---|---|---|---|---|---|\n")
	tallies := tally(s)
	for _, t := range tallies {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s | %d |\n", t.name, t.runs, t.pass, t.bad, t.ops, t.sim, t.events)
	}
	for _, t := range tallies {
		for _, f := range t.failures {
			what := "FAIL"
			if f.Error != "" {
				what = "ERROR"
			}
			fmt.Fprintf(&b, "\n- %s %s seed %d: %s\n  - reproduce: `%s`\n", what, f.Scenario, f.Seed, mdCell(f.Verdict+f.Error), f.Reproduce)
			if f.Report != "" {
				fmt.Fprintf(&b, "  - report: [%s](%s)\n", f.Report+"/"+HTMLFile, f.Report+"/"+HTMLFile)
			}
		}
	}
	if line := s.wallLine(); line != "" {
		fmt.Fprintf(&b, "\n---\n%s\n", line)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// RenderSweepHTML writes the sweep as one self-contained page.
func RenderSweepHTML(w io.Writer, s Sweep) error {
	var b bytes.Buffer
	tallies := tally(s)
	bad := 0
	for _, t := range tallies {
		bad += t.bad
	}
	verdict := "PASS"
	if bad > 0 {
		verdict = "FAIL"
	}
	b.WriteString("<!DOCTYPE html>\n")
	fmt.Fprintf(&b, `<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>zksim sweep: %s</title>`+"\n", verdict)
	b.WriteString("<style>\n" + pageCSS + "</style>\n</head>\n")
	fmt.Fprintf(&b, `<body class="%s"><h1><span class="verdict">%s</span> sweep of %d seeds</h1>`+"\n", map[bool]string{true: "fail", false: "pass"}[bad > 0], verdict, len(s.Seeds))
	b.WriteString(`<table class="sweep"><thead><tr><th>scenario</th><th>seeds</th><th>pass</th><th>fail</th><th>ops</th><th>simulated</th><th>events</th></tr></thead><tbody>` + "\n")
	for _, t := range tallies {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%d</td></tr>\n", esc(t.name), t.runs, t.pass, t.bad, t.ops, t.sim, t.events)
	}
	b.WriteString("</tbody></table>\n")
	if bad > 0 {
		b.WriteString(`<h2>Failures</h2><table class="failures"><thead><tr><th>scenario</th><th>seed</th><th>what</th><th>reproduce</th><th>report</th></tr></thead><tbody>` + "\n")
		for _, t := range tallies {
			for _, f := range t.failures {
				link := ""
				if f.Report != "" {
					link = fmt.Sprintf(`<a href="%s">report</a>`, esc(f.Report+"/"+HTMLFile+"#v0"))
				}
				fmt.Fprintf(&b, `<tr class="verdict-fail"><td>%s</td><td>%d</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>`+"\n",
					esc(f.Scenario), f.Seed, esc(f.Verdict+f.Error), esc(f.Reproduce), link)
			}
		}
		b.WriteString("</tbody></table>\n")
	}
	if line := s.wallLine(); line != "" {
		fmt.Fprintf(&b, `<hr/><p class="wall">%s</p>`+"\n", esc(line))
	}
	b.WriteString("</body>\n</html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteSweep writes the sweep's HTML page and Markdown summary into dir.
func WriteSweep(dir string, s Sweep) error {
	var page, summary bytes.Buffer
	if err := RenderSweepHTML(&page, s); err != nil {
		return err
	}
	if err := RenderSweepMarkdown(&summary, s); err != nil {
		return err
	}
	return writePages(dir, map[string][]byte{SweepHTMLFile: page.Bytes(), SweepMarkdownFile: summary.Bytes()})
}
