// Package reports renders a run or a sweep as self-contained HTML and Markdown: a
// timeline of roles, faults and client operations, the verdict, and how to reproduce it.
package reports
