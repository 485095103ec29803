package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/zksim/zksim/checker"
)

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// maxMarkdownEvidence bounds the evidence lines listed per failure in the summary.
const maxMarkdownEvidence = 12

// RenderMarkdown writes a short summary of the run for CI logs: the verdict per
// property with its evidence, how to reproduce it, what each lane went through.
func RenderMarkdown(w io.Writer, run Run) error {
	v, err := build(run)
	if err != nil {
		return err
	}
	res := run.Result
	var b bytes.Buffer
	fmt.Fprintf(&b, "# zksim %s seed %d: %s\n\n", res.Scenario, res.Seed, v.verdict())
	fmt.Fprintf(&b, "Reproduce: `%s`\n\n", run.Reproduce)
	fmt.Fprintf(&b, "- ops: %d (ok %d, failed %d, unknown %d)\n", res.Ops, v.counts["ok"], v.counts["failed"], v.counts["unknown"])
	fmt.Fprintf(&b, "- faults applied: %d\n", res.Faults())
	fmt.Fprintf(&b, "- simulated: %s, %d events\n", ts(int64(res.Simulated)), res.Events)
	fmt.Fprintf(&b, "- trace: `%s`\n", res.TraceHash)
	if run.Visualization != "" {
		fmt.Fprintf(&b, "- linearizability visualization: [%s](%s)\n", run.Visualization, run.Visualization)
	}
	b.WriteString("\n## Verdict\n\n")
	for _, p := range v.problems {
		fmt.Fprintf(&b, "- harness: %s\n", p)
	}
	if len(v.problems) > 0 {
		b.WriteString("\n")
	}
	// Properties that held go on one line; the table keeps what needs reading.
	var held, skipped []string
	var rest []finding
	for _, f := range v.findings {
		switch f.result.Verdict {
		case checker.Pass:
			held = append(held, string(f.result.Property))
		case checker.Skipped:
			skipped = append(skipped, string(f.result.Property))
		default:
			rest = append(rest, f)
		}
	}
	fmt.Fprintf(&b, "Held (%d): %s\n", len(held), strings.Join(held, ", "))
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\nSkipped (%d): %s\n", len(skipped), strings.Join(skipped, ", "))
	}
	if len(rest) > 0 {
		b.WriteString("\n| | property | verdict | summary |\n|---|---|---|---|\n")
	}
	for _, f := range rest {
		verdict := f.result.Verdict.String()
		if f.result.Verdict == checker.Fail {
			verdict = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.id, f.result.Property, verdict, mdCell(f.result.Summary))
	}
	for _, f := range v.failures() {
		fmt.Fprintf(&b, "\n### %s: %s\n\n", f.id, f.result.Property)
		if f.result.Summary != "" {
			fmt.Fprintf(&b, "%s\n\n", f.result.Summary)
		}
		if f.first >= 0 {
			fmt.Fprintf(&b, "Evidence from %s to %s:\n\n", ts(f.first), ts(f.last))
		}
		for i, e := range f.evidence {
			if i == maxMarkdownEvidence {
				fmt.Fprintf(&b, "- … and %d more\n", len(f.evidence)-i)
				break
			}
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	b.WriteString("\n## Lanes\n\n| lane | what happened |\n|---|---|\n")
	for i := range v.lanes {
		l := &v.lanes[i]
		fmt.Fprintf(&b, "| %s | %s |\n", l.name, mdCell(laneSummary(l)))
	}
	b.WriteString("\n## Faults\n\n")
	if counts := faultCounts(res.Applied); len(counts) > 0 {
		parts := make([]string, len(counts))
		for i, kv := range counts {
			parts[i] = kv[0] + " ×" + kv[1]
		}
		fmt.Fprintf(&b, "%s\n", strings.Join(parts, ", "))
	} else {
		b.WriteString("none\n")
	}
	b.WriteString("\n## Settings\n\n")
	for _, kv := range settings(run.Scenario) {
		fmt.Fprintf(&b, "- %s: `%s`\n", kv[0], kv[1])
	}
	_, err = w.Write(b.Bytes())
	return err
}

// laneSummary counts what a lane shows: time per state and role for servers, outcomes
// for clients, partitions for the network.
func laneSummary(l *lane) string {
	switch l.kind {
	case "server":
		var order []string
		total := map[string]int64{}
		for _, s := range l.spans {
			key := s.label
			if _, seen := total[key]; !seen {
				order = append(order, key)
			}
			total[key] += s.t1 - s.t0
		}
		parts := make([]string, 0, len(order)+1)
		for _, k := range order {
			parts = append(parts, fmt.Sprintf("%s %s", k, ts(total[k])))
		}
		crashes := 0
		for _, m := range l.marks {
			if m.class == "crash" {
				crashes++
			}
		}
		parts = append(parts, fmt.Sprintf("crashes %d", crashes))
		return strings.Join(parts, ", ")
	case "client":
		n := map[string]int{}
		ev := 0
		for _, s := range l.spans {
			n[strings.Fields(s.class)[1]]++
			if len(s.ev) > 0 {
				ev++
			}
		}
		out := fmt.Sprintf("%d ops: ok %d, failed %d, unknown %d", len(l.spans), n["ok"], n["failed"], n["unknown"])
		if ev > 0 {
			out += fmt.Sprintf("; %d in evidence", ev)
		}
		return out
	}
	return fmt.Sprintf("partitions %d, faults applied %d", len(l.spans), len(l.marks))
}
