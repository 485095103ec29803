// Package reports renders a run or a sweep as self-contained HTML and Markdown: a
// timeline of roles, faults and client operations, the verdict, and how to reproduce it.
//
// A run report (WriteRun: report.html and report.md) draws one lane per server — its
// process state and role with epoch over time, with stripes for its partition group,
// disk faults and armed crash points, and its clock offset — a network lane with every
// applied fault and partition, cuts between server lanes that cannot talk, and one lane
// per client with its operations coloured by outcome. Each failed property is numbered
// (v0, v1, …); its evidence is outlined on the timeline and a marker stands at its
// first piece. The page needs no network: inline CSS, SVG and a little script for
// zoom, pan and hover details; report.html#v0 opens zoomed to the first failure.
//
// The lanes come from scenarios.Result.Timeline (the run's trace and node logs), so a
// run to report must keep its trace. The same run renders the same bytes; wall-clock
// figures stay out, but for one separate line in a sweep's pages (WriteSweep) and in
// `zksim bugs`' table (WriteBugs), which links each found bug's run report.
//
// Golden files: go test ./reports -update. Browser check: make report-check.
package reports
