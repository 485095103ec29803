package reports

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/zksim/zksim/checker"
)

// Geometry of the timeline, in SVG pixels at zoom 1.
const (
	labelWidth  = 120
	chartWidth  = 1240
	svgWidth    = labelWidth + chartWidth + 10
	axisHeight  = 28
	laneGap     = 8
	barHeight   = 16
	stripeH     = 5
	opRowHeight = 9
	networkH    = 18
)

// esc makes text safe inside the page's XHTML: markup characters are escaped and
// characters XML forbids (NUL and other controls, which a trace may quote from a
// corrupted value) become U+FFFD, so a strict parser still reads the page.
func esc(s string) string { return html.EscapeString(strings.Map(xmlChar, s)) }

func xmlChar(r rune) rune {
	switch {
	case r == '\t', r == '\n', r == '\r',
		r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return r
	}
	return '\uFFFD'
}

// laneHeight is a lane's drawn height.
func laneHeight(l *lane) int {
	switch l.kind {
	case "server":
		return barHeight + len(stripeRows)*(stripeH+1) + 2
	case "client":
		return l.rows*opRowHeight + 4
	}
	return networkH
}

// timeline scales true time to x pixels.
type scale struct{ start, end int64 }

func (s scale) x(t int64) float64 {
	return labelWidth + float64(t-s.start)/float64(s.end-s.start)*chartWidth
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func evAttr(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ` data-ev="` + esc(strings.Join(ids, " ")) + `"`
}

// spanSVG draws a span as a rect (with its label when it fits) in the chart.
func spanSVG(b *bytes.Buffer, sc scale, s span, y, h float64) {
	x0, x1 := sc.x(s.t0), sc.x(s.t1)
	w := max(x1-x0, 1)
	fmt.Fprintf(b, `<g class="%s" data-t0="%d" data-t1="%d"%s><title>%s</title><rect x="%s" y="%s" width="%s" height="%s"/>`,
		esc(s.class), s.t0, s.t1, evAttr(s.ev), esc(s.title), f1(x0), f1(y), f1(w), f1(h))
	if s.label != "" && h >= 9 {
		vis := ""
		if float64(len(s.label))*6+4 > w {
			vis = ` visibility="hidden"`
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" data-len="%d"%s>%s</text>`, f1(x0+2), f1(y+h-3), len(s.label), vis, esc(s.label))
	}
	b.WriteString("</g>\n")
}

// glyphs are the mark shapes, drawn around (0,0).
var glyphs = map[string]string{
	"x":       `<path d="M-4,-4L4,4M4,-4L-4,4"/>`,
	"up":      `<path d="M0,-5L4,2L-4,2Z"/>`,
	"bolt":    `<path d="M1,-6L-3,1L0,1L-1,6L3,-1L0,-1Z"/>`,
	"bang":    `<path d="M-1,-6H1V2H-1ZM-1,4H1V6H-1Z"/>`,
	"clock":   `<circle r="4"/><path d="M0,0V-3M0,0H2"/>`,
	"diamond": `<path d="M0,-6L5,0L0,6L-5,0Z"/>`,
	"dot":     `<circle r="2"/>`,
	"tick":    `<path d="M0,-7V7"/>`,
}

func markSVG(b *bytes.Buffer, sc scale, m mark, y float64) {
	fmt.Fprintf(b, `<g class="mark %s" data-t0="%d" data-y="%s"%s transform="translate(%s,%s)"><title>%s</title>%s</g>`+"\n",
		esc(m.class), m.t, f1(y), evAttr(m.ev), f1(sc.x(m.t)), f1(y), esc(m.title), glyphs[m.glyph])
}

// axisTicks picks round tick steps for a range.
func axisTicks(start, end int64) []int64 {
	span := end - start
	step := int64(1)
	for _, s := range []int64{1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 2e9, 5e9, 1e10, 2e10, 3e10, 6e10, 12e10, 3e11, 6e11, 18e11, 36e11} {
		step = s
		if span/s <= 12 {
			break
		}
	}
	var out []int64
	for t := (start + step - 1) / step * step; t <= end; t += step {
		out = append(out, t)
	}
	return out
}

// writeSVG draws the timeline.
func (v *view) writeSVG(b *bytes.Buffer) {
	sc := scale{v.start, v.end}
	ys := make([]int, len(v.lanes))
	y := axisHeight
	for i := range v.lanes {
		ys[i] = y
		y += laneHeight(&v.lanes[i]) + laneGap
	}
	height := y + 4
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="%d" height="%d" viewBox="0 0 %d %d" data-start="%d" data-end="%d" data-left="%d" data-width="%d">`+"\n",
		svgWidth, height, svgWidth, height, v.start, v.end, labelWidth, chartWidth)
	fmt.Fprintf(b, `<defs><clipPath id="chart-clip"><rect x="%d" y="0" width="%d" height="%d"/></clipPath></defs>`+"\n", labelWidth, chartWidth+1, height)
	// Lane backgrounds and names.
	for i := range v.lanes {
		l := &v.lanes[i]
		h := laneHeight(l)
		fmt.Fprintf(b, `<g class="lane lane-%s" id="lane-%s"><rect class="lane-bg" x="0" y="%d" width="%d" height="%d"/><text class="lane-name" x="6" y="%d">%s</text></g>`+"\n",
			esc(l.kind), esc(l.id), ys[i], svgWidth, h, ys[i]+min(h, barHeight)-4, esc(l.name))
	}
	b.WriteString(`<g id="axis" class="axis">`)
	for _, t := range axisTicks(v.start, v.end) {
		x := sc.x(t)
		fmt.Fprintf(b, `<g data-t0="%d"><line x1="%s" y1="%d" x2="%s" y2="%d"/><text x="%s" y="%d">%s</text></g>`, t, f1(x), axisHeight-6, f1(x), height, f1(x+2), axisHeight-10, esc(ts(t)))
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g id="chart" clip-path="url(#chart-clip)">` + "\n")
	for _, c := range v.cuts {
		top := float64(ys[c.upper] + laneHeight(&v.lanes[c.upper]))
		spanSVG(b, sc, span{t0: c.t0, t1: c.t1, class: "cut", title: c.title}, top, laneGap)
	}
	for i := range v.lanes {
		l := &v.lanes[i]
		y0 := float64(ys[i])
		switch l.kind {
		case "server":
			for _, s := range l.spans {
				spanSVG(b, sc, s, y0, barHeight)
			}
			for r, row := range stripeRows {
				for _, s := range l.stripes[row] {
					spanSVG(b, sc, s, y0+barHeight+1+float64(r*(stripeH+1)), stripeH)
				}
			}
			for _, m := range l.marks {
				markSVG(b, sc, m, y0+barHeight/2)
			}
		case "client":
			for _, s := range l.downs {
				spanSVG(b, sc, s, y0, float64(laneHeight(l)))
			}
			for _, s := range l.spans {
				spanSVG(b, sc, s, y0+2+float64(s.row*opRowHeight), opRowHeight-2)
			}
			for _, m := range l.marks {
				markSVG(b, sc, m, y0+float64(laneHeight(l))/2)
			}
		default:
			for _, s := range l.spans {
				spanSVG(b, sc, s, y0+2, networkH-4)
			}
			for _, m := range l.marks {
				markSVG(b, sc, m, y0+networkH/2)
			}
		}
	}
	// Violation markers: a line across every lane at each failure's first evidence.
	for _, f := range v.failures() {
		if f.first < 0 {
			continue
		}
		x := sc.x(f.first)
		fmt.Fprintf(b, `<g class="violation" id="violation-%s" data-ev="%s" data-t0="%d" data-y="0" transform="translate(%s,0)"><title>%s</title><line x1="0" y1="%d" x2="0" y2="%d"/><path d="M-6,%dL6,%dL0,%dZ"/></g>`+"\n",
			f.id, f.id, f.first, f1(x), esc(fmt.Sprintf("%s: %s: %s (first evidence at %s)", f.id, f.result.Property, f.result.Summary, ts(f.first))),
			axisHeight-4, height, axisHeight-12, axisHeight-12, axisHeight-2)
	}
	b.WriteString("</g>\n</svg>\n")
}

// RenderHTML writes the run's report as one self-contained XHTML-compatible page:
// inline CSS, SVG and script, nothing fetched. The same run renders the same bytes.
func RenderHTML(w io.Writer, run Run) error {
	v, err := build(run)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	res := run.Result
	title := fmt.Sprintf("zksim %s seed %d: %s", res.Scenario, res.Seed, v.verdict())
	b.WriteString("<!DOCTYPE html>\n")
	fmt.Fprintf(&b, `<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>%s</title>`+"\n", esc(title))
	b.WriteString("<style>\n" + pageCSS + "</style>\n</head>\n")
	fmt.Fprintf(&b, `<body class="%s">`+"\n", strings.ToLower(v.verdict()))
	fmt.Fprintf(&b, `<h1><span class="verdict">%s</span> %s seed %d</h1>`+"\n", v.verdict(), esc(res.Scenario), res.Seed)
	fmt.Fprintf(&b, `<p class="reproduce">reproduce: <code id="reproduce">%s</code></p>`+"\n", esc(run.Reproduce))
	fmt.Fprintf(&b, `<p class="facts">ops %d (ok %d, failed %d, unknown %d) · faults %d · events %d · simulated %s · trace <code>%s</code></p>`+"\n",
		res.Ops, v.counts["ok"], v.counts["failed"], v.counts["unknown"], res.Faults(), res.Events, ts(int64(res.Simulated)), esc(res.TraceHash))
	if run.Visualization != "" {
		fmt.Fprintf(&b, `<p class="porcupine"><a id="porcupine" href="%s">Porcupine's linearizability visualization</a></p>`+"\n", esc(run.Visualization))
	}
	v.writeFailures(&b)
	b.WriteString(`<div class="controls"><button type="button" id="zoom-in">zoom in</button> <button type="button" id="zoom-out">zoom out</button> <button type="button" id="zoom-reset">whole run</button> <span class="hint">wheel zooms, drag pans, click a failure to zoom to its evidence (or open the page at #v0)</span></div>` + "\n")
	b.WriteString(legendHTML)
	b.WriteString(`<div id="scroller">` + "\n")
	v.writeSVG(&b)
	b.WriteString("</div>\n")
	b.WriteString(`<pre id="details">hover over the timeline for details</pre>` + "\n")
	v.writeVerdicts(&b)
	writeSettings(&b, run)
	b.WriteString("<script>//<![CDATA[\n" + pageJS + "//]]></script>\n</body>\n</html>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// writeFailures lists what failed above the timeline; a click on one zooms to it.
func (v *view) writeFailures(b *bytes.Buffer) {
	fails := v.failures()
	if len(fails) == 0 && len(v.problems) == 0 {
		held := 0
		for _, f := range v.findings {
			if f.result.Verdict == checker.Pass {
				held++
			}
		}
		fmt.Fprintf(b, `<p class="held">all %d checked properties held; see the verdict below the timeline</p>`+"\n", held)
		return
	}
	b.WriteString(`<table class="failures"><tbody>` + "\n")
	for _, p := range v.problems {
		fmt.Fprintf(b, `<tr class="verdict-fail"><td>harness</td><td>%s</td></tr>`+"\n", esc(p))
	}
	for _, f := range fails {
		fmt.Fprintf(b, `<tr class="verdict-fail" id="failure-%s" data-ev="%s" data-first="%d" data-last="%d"><td><b>%s</b> %s</td><td>%s</td></tr>`+"\n",
			f.id, f.id, f.first, f.last, f.id, esc(string(f.result.Property)), esc(f.result.Summary))
	}
	b.WriteString("</tbody></table>\n")
}

func (v *view) writeVerdicts(b *bytes.Buffer) {
	b.WriteString(`<h2>Verdict per property</h2>` + "\n")
	b.WriteString(`<table class="verdicts"><thead><tr><th>property</th><th>verdict</th><th>summary</th><th>evidence</th></tr></thead><tbody>` + "\n")
	for _, f := range v.findings {
		r := f.result
		cls := "verdict-" + strings.ToLower(r.Verdict.String())
		attrs := ""
		if f.id != "" {
			attrs = fmt.Sprintf(` id="finding-%s" data-ev="%s" data-first="%d" data-last="%d"`, f.id, f.id, f.first, f.last)
			r.Property = checker.Property(f.id + " " + string(r.Property))
		}
		fmt.Fprintf(b, `<tr class="%s"%s><td>%s</td><td>%s</td><td>%s</td><td>`, cls, attrs, esc(string(r.Property)), esc(r.Verdict.String()), esc(r.Summary))
		if len(f.evidence) > 0 {
			b.WriteString("<ul>")
			for _, e := range f.evidence {
				fmt.Fprintf(b, "<li>%s</li>", esc(e))
			}
			b.WriteString("</ul>")
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</tbody></table>\n")
}

func writeSettings(b *bytes.Buffer, run Run) {
	res := run.Result
	b.WriteString(`<h2>Settings</h2><table class="settings"><tbody>` + "\n")
	fmt.Fprintf(b, "<tr><th>scenario</th><td>%s</td></tr>\n", esc(res.Scenario))
	fmt.Fprintf(b, "<tr><th>seed</th><td>%d</td></tr>\n", res.Seed)
	for _, kv := range settings(run.Scenario) {
		fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>\n", esc(kv[0]), esc(kv[1]))
	}
	b.WriteString("</tbody></table>\n")
	b.WriteString(`<h2>Faults applied</h2><pre class="applied">`)
	for _, a := range res.Applied {
		b.WriteString(esc(a.String()) + "\n")
	}
	b.WriteString("</pre>\n")
}

const legendHTML = `<div class="legend">` +
	`<span class="sw role-standalone"></span>standalone <span class="sw role-leading"></span>leading ` +
	`<span class="sw role-following"></span>following <span class="sw role-observing"></span>observing ` +
	`<span class="sw role-looking"></span>looking <span class="sw role-up"></span>up (role unknown) <span class="sw paused"></span>paused ` +
	`<span class="sw crashed"></span>crashed · <span class="sw ok"></span>op ok <span class="sw failed"></span>op failed ` +
	`<span class="sw unknown"></span>op unknown · <span class="sw cut"></span>partition · stripes under a server: network group or clog, disk fault or armed crash point, clock offset (darker: further off)` +
	"</div>\n"

const pageCSS = `body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 15px; margin: 18px 0 6px; }
.pass .verdict { color: #1a7f37; } .fail .verdict { color: #c62828; }
code { background: #f3f3f3; padding: 1px 4px; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
.verdicts ul { margin: 0; padding-left: 16px; }
tr.verdict-fail { background: #fde8e8; cursor: pointer; }
.failures { margin: 6px 0; } .held { color: #1a7f37; }
tr.verdict-skipped { color: #888; }
tr.verdict-known-limitation, tr.verdict-inconclusive { background: #fff6dd; }
tr.selected { outline: 2px solid #c62828; }
#scroller { overflow-x: auto; border: 1px solid #ccc; margin-top: 6px; }
#timeline { display: block; user-select: none; width: 100%; height: auto; }
#details { min-height: 3em; background: #f7f7f7; padding: 6px; white-space: pre-wrap; }
.legend { margin-top: 6px; } .sw { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 8px; vertical-align: middle; border: 1px solid #999; }
.lane-bg { fill: #fafafa; } .lane-server .lane-bg { fill: #f2f5fa; } .lane-network .lane-bg { fill: #f6f2f2; }
.lane-name { font-size: 11px; fill: #333; }
.axis line { stroke: #e2e2e2; } .axis text { font-size: 10px; fill: #666; }
text { font-size: 9px; fill: #111; pointer-events: none; }
.state rect { stroke: #fff; stroke-width: 0.5; }
.role-standalone rect, .sw.role-standalone { fill: #4caf50; background: #4caf50; }
.role-leading rect, .sw.role-leading { fill: #1e88e5; background: #1e88e5; }
.role-following rect, .sw.role-following { fill: #80cbc4; background: #80cbc4; }
.role-observing rect, .sw.role-observing { fill: #b39ddb; background: #b39ddb; }
.role-looking rect, .sw.role-looking { fill: #ffe082; background: #ffe082; }
.role-up rect, .sw.role-up { fill: #c5e1a5; background: #c5e1a5; }
.paused rect, .sw.paused { fill: #ffb74d; background: #ffb74d; }
.crashed rect, .sw.crashed { fill: #616161; background: #616161; } .crashed text { fill: #fff; }
.op rect { stroke: #fff; stroke-width: 0.3; }
.down rect { opacity: 0.35; }
.ok rect, .sw.ok { fill: #66bb6a; background: #66bb6a; }
.failed rect, .sw.failed { fill: #ef5350; background: #ef5350; }
.unknown rect, .sw.unknown { fill: #9e9e9e; background: #9e9e9e; }
.partition rect { fill: #ffcdd2; } .cut rect, .sw.cut { fill: #e53935; background: #e53935; opacity: 0.75; }
.stripe rect { opacity: 0.85; } .stripe.disk rect { fill: #8d6e63; } .stripe.net rect { fill: #ef9a9a; }
.stripe.clock rect { fill: #ab47bc; stroke: none; } .skew0 rect { opacity: 0.05; } .skew1 rect { opacity: 0.25; } .skew2 rect { opacity: 0.5; } .skew3 rect { opacity: 0.9; }
.group.g0 rect { fill: #42a5f5; } .group.g1 rect { fill: #ef6c00; } .group.g2 rect { fill: #26a69a; }
.group.g3 rect { fill: #8e24aa; } .group.g4 rect { fill: #6d4c41; } .group.g5 rect { fill: #546e7a; }
.mark path, .mark circle { stroke: #222; stroke-width: 1.2; fill: #fff; }
.mark.crash path { stroke: #b71c1c; stroke-width: 2; } .mark.restart path { fill: #43a047; stroke: #1b5e20; }
.mark.crash-point path, .mark.halt path { fill: #ff6f00; stroke: #e65100; }
.mark.clock circle { fill: #e1bee7; stroke: #6a1b9a; } .mark.clock path { stroke: #6a1b9a; }
.mark.disk path { fill: #8d6e63; stroke: #4e342e; }
.mark.fault path { stroke: #c62828; } .mark.fault.skipped path { stroke: #bbb; }
.mark.session circle { fill: #1565c0; stroke: none; }
.mark.evidence path { fill: #d50000; stroke: #000; }
.evidence rect { stroke: #d50000; stroke-width: 2; }
.violation line { stroke: #d50000; stroke-width: 1.5; stroke-dasharray: 4 3; } .violation path { fill: #d50000; cursor: pointer; }
.hl rect, .hl path { stroke: #000 !important; stroke-width: 2.5 !important; }
`

const pageJS = `(function () {
  "use strict";
  window.addEventListener("error", function (e) { document.documentElement.setAttribute("data-js-error", String(e.message)); });
  var svg = document.getElementById("timeline");
  var start = Number(svg.getAttribute("data-start")), end = Number(svg.getAttribute("data-end"));
  var left = Number(svg.getAttribute("data-left")), width = Number(svg.getAttribute("data-width"));
  var a = start, b = end;
  var timed = svg.querySelectorAll("[data-t0]");
  function X(t) { return left + (t - a) / (b - a) * width; }
  function fmt(ns) { return (ns / 1e9).toFixed(b - a > 1e10 ? 0 : 3) + "s"; }
  function draw() {
    for (var i = 0; i < timed.length; i++) {
      var el = timed[i], t0 = Number(el.getAttribute("data-t0"));
      if (el.hasAttribute("data-t1")) {
        var x0 = X(t0), w = Math.max(X(Number(el.getAttribute("data-t1"))) - x0, 1);
        var r = el.querySelector("rect"), tx = el.querySelector("text");
        if (r) { r.setAttribute("x", x0.toFixed(1)); r.setAttribute("width", w.toFixed(1)); }
        if (tx) {
          tx.setAttribute("x", (x0 + 2).toFixed(1));
          tx.setAttribute("visibility", Number(tx.getAttribute("data-len")) * 6 + 4 > w ? "hidden" : "visible");
        }
      } else if (el.hasAttribute("data-y")) {
        el.setAttribute("transform", "translate(" + X(t0).toFixed(1) + "," + el.getAttribute("data-y") + ")");
      }
    }
    var axis = document.getElementById("axis");
    while (axis.firstChild) { axis.removeChild(axis.firstChild); }
    var steps = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 2e9, 5e9, 1e10, 2e10, 3e10, 6e10, 12e10, 3e11, 6e11];
    var step = steps[steps.length - 1];
    for (var s = 0; s < steps.length; s++) { if ((b - a) / steps[s] <= 12) { step = steps[s]; break; } }
    var ns = "http://www.w3.org/2000/svg", h = svg.getAttribute("height");
    for (var t = Math.ceil(a / step) * step; t <= b; t += step) {
      var line = document.createElementNS(ns, "line"), label = document.createElementNS(ns, "text");
      line.setAttribute("x1", X(t)); line.setAttribute("x2", X(t)); line.setAttribute("y1", 22); line.setAttribute("y2", h);
      label.setAttribute("x", X(t) + 2); label.setAttribute("y", 18); label.textContent = fmt(t);
      axis.appendChild(line); axis.appendChild(label);
    }
  }
  var pending = false;
  function redraw() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; draw(); });
  }
  function zoom(factor, at) {
    var span = Math.max((b - a) * factor, 1000), c = at === undefined ? (a + b) / 2 : at;
    var f = (c - a) / (b - a);
    a = c - f * span; b = a + span;
    if (span >= end - start) { a = start; b = end; }
    if (a < start) { b += start - a; a = start; }
    if (b > end) { a -= b - end; b = end; }
    redraw();
  }
  function timeAt(clientX) {
    var box = svg.getBoundingClientRect();
    var x = (clientX - box.left) * Number(svg.getAttribute("width")) / box.width;
    return a + (x - left) / width * (b - a);
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
  document.getElementById("zoom-reset").addEventListener("click", function () { a = start; b = end; draw(); });
  svg.addEventListener("wheel", function (e) { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(e.clientX)); }, { passive: false });
  var dragX = null;
  svg.addEventListener("mousedown", function (e) { dragX = e.clientX; });
  window.addEventListener("mouseup", function () { dragX = null; });
  window.addEventListener("mousemove", function (e) {
    if (dragX === null) { return; }
    var dt = timeAt(dragX) - timeAt(e.clientX);
    dragX = e.clientX;
    if (a + dt < start) { dt = start - a; }
    if (b + dt > end) { dt = end - b; }
    a += dt; b += dt; redraw();
  });
  var details = document.getElementById("details");
  svg.addEventListener("mouseover", function (e) {
    for (var el = e.target; el && el !== svg; el = el.parentNode) {
      var t = el.querySelector ? el.querySelector(":scope > title") : null;
      if (t) { details.textContent = t.textContent; return; }
    }
  });
  var rows = document.querySelectorAll("tr[data-ev]");
  for (var i = 0; i < rows.length; i++) {
    rows[i].addEventListener("click", function () {
      var id = this.getAttribute("data-ev");
      var all = document.querySelectorAll(".hl, tr.selected");
      for (var j = 0; j < all.length; j++) { all[j].classList.remove("hl"); all[j].classList.remove("selected"); }
      this.classList.add("selected");
      var hit = svg.querySelectorAll("[data-ev~='" + id + "']");
      for (var k = 0; k < hit.length; k++) { hit[k].classList.add("hl"); }
      var f = Number(this.getAttribute("data-first")), l = Number(this.getAttribute("data-last"));
      if (f >= 0) {
        // Evidence spread over much of the run (a final state, say): show where it began.
        if (l - f > (end - start) / 3) { l = f; }
        var pad = Math.max((l - f) * 0.5, (end - start) / 20);
        a = Math.max(start, f - pad); b = Math.min(end, l + pad); draw();
      }
    });
  }
  svg.addEventListener("click", function (e) {
    for (var el = e.target; el && el !== svg; el = el.parentNode) {
      if (el.classList && el.classList.contains("violation")) {
        var row = document.querySelector("tr[data-ev='" + el.getAttribute("data-ev") + "']");
        if (row) { row.click(); }
        return;
      }
    }
  });
  var wanted = /^#(v[0-9]+)$/.exec(window.location.hash);
  if (wanted) {
    var row = document.querySelector("tr[data-ev='" + wanted[1] + "']");
    if (row) { row.click(); }
  }
  document.body.setAttribute("data-ready", "1");
})();
`
