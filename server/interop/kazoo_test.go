//go:build interop

package interop

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// kazooDivergences lists the kazoo checks that fail against zkserver although they
// pass against Apache ZooKeeper 3.8, each with why. They are reported, not failed;
// one that starts passing fails the test so the entry gets removed.
var kazooDivergences = map[string]string{
	"exists_needs_no_read_permission": "zkserver answers exists on a node whose ACL withholds READ with NOAUTH (-102); " +
		"Apache ZooKeeper 3.8.0 answers it with the Stat (FinalRequestProcessor checks no ACL for exists)",
}

// kazooResults runs scripts/kazoo_smoke.py against addr and returns each check's
// outcome: "" for ok, else the failure.
func kazooResults(t *testing.T, addr string) (names []string, failures map[string]string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), pythonPath, "scripts/kazoo_smoke.py", addr)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	failures = make(map[string]string)
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "ok "); ok {
			names = append(names, name)
		} else if rest, ok := strings.CutPrefix(line, "FAIL "); ok {
			name, detail, _ := strings.Cut(rest, ": ")
			names = append(names, name)
			failures[name] = detail
		}
	}
	if len(names) == 0 {
		t.Fatalf("kazoo script reported nothing: %v\n%s", err, stderr.String())
	}
	return names, failures
}

// TestKazoo runs the kazoo checks against Apache ZooKeeper, where every one must
// pass (so the script asserts real ZooKeeper behaviour), and then against zkserver.
func TestKazoo(t *testing.T) {
	need(t, pythonPath)
	if err := exec.Command(pythonPath, "-c", "import kazoo").Run(); err != nil {
		t.Fatalf("python3-kazoo is missing (make interop installs it): %v", err)
	}
	if _, err := os.Stat("scripts/kazoo_smoke.py"); err != nil {
		t.Fatal(err)
	}
	zksim, apache := startBoth(t)
	apacheNames, apacheFailures := kazooResults(t, apache.Addr)
	for _, name := range apacheNames {
		if f, failed := apacheFailures[name]; failed {
			t.Errorf("the kazoo check %s fails against Apache ZooKeeper itself: %s", name, f)
		}
	}
	names, failures := kazooResults(t, zksim.Addr)
	if !slices.Equal(names, apacheNames) {
		t.Errorf("checks run: zkserver %v, Apache ZooKeeper %v", names, apacheNames)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			failure, failed := failures[name]
			known, isKnown := kazooDivergences[name]
			switch {
			case failed && isKnown:
				t.Logf("known divergence: %s (kazoo: %s)", known, failure)
			case failed:
				t.Errorf("fails against zkserver, passes against Apache ZooKeeper: %s", failure)
			case isKnown:
				t.Errorf("passes now; remove it from kazooDivergences")
			}
		})
	}
}
