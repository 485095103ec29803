//go:build interop

package interop

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// cliMtNormal masks what differs between two runs of the C client: its log lines,
// session ids, timings and wall-clock times.
var cliMtNormal = normalizer{
	{regexp.MustCompile(`.*ZOO_(INFO|DEBUG)@.*`), "<drop>"},
	{regexp.MustCompile(`^Got a new session id: .*`), "<drop>"},
	// Printed by the completion thread, racing the command's own output.
	{regexp.MustCompile(`^Watcher SESSION_EVENT state = CONNECTED_STATE$`), "<drop>"},
	{regexp.MustCompile(`^time = \d+ msec$`), "time = <elapsed>"},
	{regexp.MustCompile(`^(\s*[cm]time ?= ?).*`), "${1}<time>"},
	{regexp.MustCompile(`^(\s*ephemeralOwner = )[0-9a-f]*[1-9a-f][0-9a-f]*$`), "${1}<session>"},
}

// TestCClient runs the C client's batch mode (cli_mt -c, one session per command)
// against a fresh zkserver and a fresh Apache ZooKeeper; the outputs must be the
// same, zxids included, once times and session ids are masked.
func TestCClient(t *testing.T) {
	need(t, cliMtPath)
	zksim, apache := startBoth(t)
	commands := []string{
		"create /c1",
		"create +e /c2",
		"create +s /c1/s-",
		"create +s /c1/s-",
		"create /c1",
		"ls /c1",
		"ls2 /c1",
		"get /c1",
		"set /c1 bye",
		"get /c1",
		// Not "exists": cli_mt's batch mode never exits after it, against Apache
		// ZooKeeper too.
		"sync /c1",
		"delete /c1",
		"delete /c1/s-0000000000",
		"delete /c1/s-0000000001",
		"delete /c1",
		"get /c1",
		"ls /",
	}
	var transcript strings.Builder
	for _, c := range commands {
		got := sortChildren(cliMtNormal.apply(runTool(t, "", cliMtPath, "-h", zksim.Addr, "-c", c)))
		want := sortChildren(cliMtNormal.apply(runTool(t, "", cliMtPath, "-h", apache.Addr, "-c", c)))
		if got != want {
			t.Errorf("cli_mt -c %q: output differs between Apache ZooKeeper (-) and zkserver (+):\n%s", c, lineDiff(want, got))
		}
		transcript.WriteString(got)
	}
	golden(t, "cli_mt.golden", transcript.String())
	for _, line := range []string{
		"\tname = /c1/s-0000000001",
		"[/c1]: rc = -110", // ZNODEEXISTS
		"/c1: rc = -111",   // ZNOTEMPTY
		"bye",
		"/c1: rc = -101", // ZNONODE
	} {
		if !strings.Contains(transcript.String(), line) {
			t.Errorf("cli_mt transcript lacks %q", line)
		}
	}
}

// sortChildren sorts each run of child names in a cli_mt listing (lines of one tab
// and a name): ZooKeeper promises no order, and Apache ZooKeeper lists a node's
// children in hash order.
func sortChildren(s string) string {
	lines := strings.Split(s, "\n")
	isChild := func(l string) bool { return strings.HasPrefix(l, "\t") && !strings.ContainsAny(l, "= ") }
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && isChild(lines[j]) {
			j++
		}
		if j > i {
			slices.Sort(lines[i:j])
			i = j
		} else {
			i++
		}
	}
	return strings.Join(lines, "\n")
}
