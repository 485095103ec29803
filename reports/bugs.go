package reports

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Hunt is one catalogued bug's row of `zksim bugs`: whether a seed exposed it, and how.
type Hunt struct {
	Bug     string // the JIRA key or BROKEN-* name
	Summary string // what the bug does, one line
	Found   bool
	// Scenario and Seed are the first seed that exposed the bug; Seeds counts the seeds
	// per scenario run until then, or the budget when it was not found.
	Scenario  string
	Seed      uint64
	Seeds     int
	Caught    []string // the properties that failed on that seed
	Reproduce string
	// Report is the found seed's run report directory, relative to the bugs report;
	// empty when none was written.
	Report string
	Wall   time.Duration
}

// BugHunt is the whole `zksim bugs` table. Like a sweep, wall-clock figures stay out
// of the pages but for one separate closing line, so two hunts with the same budget
// compare equal apart from it.
type BugHunt struct {
	Budget int // seeds per bug and scenario
	Hunts  []Hunt
}

// File names a bugs report writes.
const (
	BugsHTMLFile     = "index.html"
	BugsMarkdownFile = "bugs.md"
)

func (h BugHunt) found() int {
	n := 0
	for _, x := range h.Hunts {
		if x.Found {
			n++
		}
	}
	return n
}

// wallLine lists each bug's wall time, set apart from the table.
func (h BugHunt) wallLine() string {
	var total time.Duration
	parts := make([]string, 0, len(h.Hunts))
	for _, x := range h.Hunts {
		total += x.Wall
		parts = append(parts, fmt.Sprintf("%s %s", x.Bug, x.Wall.Round(time.Millisecond)))
	}
	if total <= 0 {
		return ""
	}
	return fmt.Sprintf("wall: %s in all; %s", total.Round(time.Millisecond), strings.Join(parts, ", "))
}

// seedsCell says how many seeds it took, or how many did not suffice.
func (x Hunt) seedsCell() string {
	if !x.Found {
		return fmt.Sprintf("not in %d", x.Seeds)
	}
	return fmt.Sprint(x.Seeds)
}

func (h BugHunt) heading() string {
	return fmt.Sprintf("found %d of %d catalogued bugs, budget %d seeds per bug and scenario", h.found(), len(h.Hunts), h.Budget)
}

// RenderBugsMarkdown writes the bug table for CI logs and docs.
func RenderBugsMarkdown(w io.Writer, h BugHunt) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# zksim bugs\n\n%s.\n\n", h.heading())
	b.WriteString("| bug | what it does | scenario | seeds until found | caught by | reproduce | report |\n|---|---|---|---|---|---|---|\n")
	for _, x := range h.Hunts {
		scenario, caught, cmd, link := "-", "-", "-", "-"
		if x.Found {
			scenario, caught, cmd = x.Scenario, strings.Join(x.Caught, ", "), "`"+x.Reproduce+"`"
		}
		if x.Report != "" {
			link = fmt.Sprintf("[report](%s/%s)", x.Report, HTMLFile)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(x.Bug), mdCell(x.Summary), mdCell(scenario),
			x.seedsCell(), mdCell(caught), mdCell(cmd), link)
	}
	if line := h.wallLine(); line != "" {
		fmt.Fprintf(&b, "\n---\n%s\n", line)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// RenderBugsHTML writes the bug table as one self-contained page; each found bug
// links to its run report, opened zoomed to the first violation.
func RenderBugsHTML(w io.Writer, h BugHunt) error {
	var b bytes.Buffer
	missed := len(h.Hunts) - h.found()
	b.WriteString("<!DOCTYPE html>\n")
	fmt.Fprintf(&b, `<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>zksim bugs: %d of %d found</title>`+"\n", h.found(), len(h.Hunts))
	b.WriteString("<style>\n" + pageCSS + "tr.missed { background: #fde8e8; } .bugs td:nth-child(1), .bugs td:nth-child(3), .bugs code { white-space: nowrap; }\n</style>\n</head>\n")
	fmt.Fprintf(&b, `<body class="%s"><h1><span class="verdict">%s</span></h1>`+"\n", map[bool]string{true: "fail", false: "pass"}[missed > 0], esc(h.heading()))
	b.WriteString(`<table class="bugs"><thead><tr><th>bug</th><th>what it does</th><th>scenario</th><th>seeds until found</th><th>caught by</th><th>reproduce</th><th>report</th></tr></thead><tbody>` + "\n")
	for _, x := range h.Hunts {
		class, scenario, caught, cmd, link := "missed", "-", "-", "-", "-"
		if x.Found {
			class, scenario, caught = "found", esc(x.Scenario), esc(strings.Join(x.Caught, ", "))
			cmd = "<code>" + esc(x.Reproduce) + "</code>"
		}
		if x.Report != "" {
			link = fmt.Sprintf(`<a href="%s">report</a>`, esc(x.Report+"/"+HTMLFile+"#v0"))
		}
		fmt.Fprintf(&b, `<tr id="bug-%s" class="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`+"\n",
			esc(x.Bug), class, esc(x.Bug), esc(x.Summary), scenario, x.seedsCell(), caught, cmd, link)
	}
	b.WriteString("</tbody></table>\n")
	if line := h.wallLine(); line != "" {
		fmt.Fprintf(&b, `<hr/><p class="wall">%s</p>`+"\n", esc(line))
	}
	b.WriteString("</body>\n</html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteBugs writes the bug table's HTML page and Markdown into dir.
func WriteBugs(dir string, h BugHunt) error {
	var page, table bytes.Buffer
	if err := RenderBugsHTML(&page, h); err != nil {
		return err
	}
	if err := RenderBugsMarkdown(&table, h); err != nil {
		return err
	}
	return writePages(dir, map[string][]byte{BugsHTMLFile: page.Bytes(), BugsMarkdownFile: table.Bytes()})
}

// writePages creates dir and writes each named page into it, in name order.
func writePages(dir string, pages map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(pages)) {
		if err := os.WriteFile(filepath.Join(dir, name), pages[name], 0o644); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
	}
	return nil
}
