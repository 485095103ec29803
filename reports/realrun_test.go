package reports_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/reports"
	"github.com/zksim/zksim/reports/internal/corrupt"
	"github.com/zksim/zksim/scenarios"
)

// ids collects every id attribute of a well-formed page.
func ids(t *testing.T, page []byte) map[string]bool {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	out := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					out[a.Value] = true
				}
			}
		}
	}
}

// A real simulated run with one read corrupted fails, and its report shows it: the
// violation marker, every lane, and a link to Porcupine's page next to it.
func TestReportOfACorruptedRealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a simulation")
	}
	s, err := scenarios.Lookup("standalone")
	require.NoError(t, err)
	dir := t.TempDir()
	res, op, err := corrupt.Run(s, 1, 30*time.Second, filepath.Join(dir, "linearizability.html"))
	require.NoError(t, err)
	require.False(t, res.Pass())
	require.Equal(t, corrupt.Value, res.History.Ops[op].Resp.Data)
	require.NotEmpty(t, res.Report.Find(checker.PropSyncReads), "a read after sync was corrupted")
	run := reports.Run{Scenario: s, Result: res, Reproduce: "zksim run --scenario standalone --seed 1"}
	require.NoError(t, reports.WriteRun(dir, run))
	page, err := os.ReadFile(filepath.Join(dir, reports.HTMLFile))
	require.NoError(t, err)
	found := ids(t, page)
	for _, id := range []string{"lane-network", "lane-server-1", "violation-v0", "porcupine", "timeline"} {
		require.True(t, found[id], "%s in the page", id)
	}
	for i := range s.Clients {
		require.True(t, found["lane-client-"+strconv.Itoa(i)], "client lane %d", i)
	}
	require.FileExists(t, filepath.Join(dir, "linearizability.html"))
	md, err := os.ReadFile(filepath.Join(dir, reports.MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "**FAIL**")
	require.Contains(t, string(md), corrupt.Value)

	// The same seed gives the same report, byte for byte.
	again, _, err := corrupt.Run(s, 1, 30*time.Second, "")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, reports.RenderHTML(&b, reports.Run{Scenario: s, Result: again, Reproduce: run.Reproduce,
		Visualization: "linearizability.html"}))
	require.Equal(t, string(page), b.String())
	require.False(t, strings.Contains(b.String(), "wall"))
}

func BenchmarkRenderRealRun(b *testing.B) {
	s, err := scenarios.Lookup("standalone")
	if err != nil {
		b.Fatal(err)
	}
	res, err := scenarios.Run(s, 1, scenarios.RunOptions{KeepTrace: true})
	if err != nil {
		b.Fatal(err)
	}
	run := reports.Run{Scenario: s, Result: res, Reproduce: "zksim run --scenario standalone --seed 1"}
	b.ReportAllocs()
	for b.Loop() {
		if err := reports.RenderHTML(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}
