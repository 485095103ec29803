package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJepsenUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"jepsen", "--nodes", "0"},
		{"jepsen", "--nodes", "10"},
		{"jepsen", "--scenario", "no-such-scenario"},
		{"jepsen", "--schedule", "/no/such/file"},
		{"jepsen", "--seed", "minus-one"},
		{"jepsen", "--bug", "ZOOKEEPER-9999"},
		{"jepsen", "extra"},
	} {
		code, _, errOut := runCLI(t, args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.NotEmpty(t, errOut, "%v gives a message", args)
	}
}

// TestJepsenRealRun builds zkserver, runs three processes through random-halves
// partitions and checks the verdict line, the exit code and the report directory.
func TestJepsenRealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes")
	}
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "jepsen", "--scenario", "random-halves", "--nodes", "3", "--clients", "3",
		"--duration", "8s", "--quiesce", "4s", "--seed", "3", "--report", dir)
	require.Equal(t, exitPass, code, "%s\n%s", out, errOut)
	require.Regexp(t, verdictLine, lastLine(out))
	require.Contains(t, lastLine(out), "speedup=1.0x")
	require.Contains(t, out, "not bit-reproducible")
	for _, f := range []string{"schedule.txt", "history.txt", "verdict.md", "server-3.log"} {
		require.FileExists(t, filepath.Join(dir, f))
	}
	verdict, err := os.ReadFile(filepath.Join(dir, "verdict.md"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(strings.TrimSpace(string(verdict)), lastLine(out)))
}
