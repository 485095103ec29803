package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sampleBugHunt is a hand-made table: two bugs found (one with its run report
// written, one without), one missed, and a summary that needs escaping.
func sampleBugHunt() BugHunt {
	return BugHunt{Budget: 10, Hunts: []Hunt{
		{Bug: "BROKEN-leader-commit-without-quorum", Summary: "the leader commits a proposal on its own acknowledgement", Found: true,
			Scenario: "leader-isolation", Seed: 1, Seeds: 1, Caught: []string{"linearizable-writes", "zab-committed-prefix"},
			Reproduce: "zksim run --scenario leader-isolation --seed 1 --bug BROKEN-leader-commit-without-quorum",
			Report:    "BROKEN-leader-commit-without-quorum", Wall: 1500 * time.Millisecond},
		{Bug: "ZOOKEEPER-1156", Summary: "a TRUNC removes more | than asked <sic>", Found: true, Scenario: "leader-isolation", Seed: 2, Seeds: 2,
			Caught: []string{"zab-committed-prefix"}, Reproduce: "zksim run --scenario leader-isolation --seed 2 --bug ZOOKEEPER-1156",
			Wall: 2 * time.Second},
		{Bug: "ZOOKEEPER-3911", Summary: "a learner acknowledges NEWLEADER before syncing", Seeds: 10, Wall: 9 * time.Second},
	}}
}

func TestBugsHTMLLinksEachFoundBug(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, RenderBugsHTML(&b, sampleBugHunt()))
	doc := parseXHTML(t, b.Bytes())
	require.Equal(t, "fail", doc.find(func(e *element) bool { return e.name == "body" })[0].attrs["class"], "a missed bug fails the page")

	found := doc.byID("bug-BROKEN-leader-commit-without-quorum")
	require.NotNil(t, found)
	require.True(t, hasClass(found, "found"))
	cells := found.find(func(e *element) bool { return e.name == "td" })
	require.Len(t, cells, 7, "bug, what it does, scenario, seeds until found, caught by, reproduce, report")
	require.Equal(t, "leader-isolation", cells[2].text)
	require.Equal(t, "1", cells[3].text)
	require.Equal(t, "linearizable-writes, zab-committed-prefix", cells[4].text)
	require.Equal(t, "zksim run --scenario leader-isolation --seed 1 --bug BROKEN-leader-commit-without-quorum", cells[5].kids[0].text)
	links := doc.find(func(e *element) bool { return e.name == "a" })
	require.Len(t, links, 1, "only the bug whose run report was written links")
	require.Equal(t, "BROKEN-leader-commit-without-quorum/report.html#v0", links[0].attrs["href"], "opens zoomed to the first violation")

	require.Equal(t, "a TRUNC removes more | than asked <sic>", doc.byID("bug-ZOOKEEPER-1156").find(func(e *element) bool { return e.name == "td" })[1].text)
	missed := doc.byID("bug-ZOOKEEPER-3911")
	require.True(t, hasClass(missed, "missed"))
	require.Equal(t, "not in 10", missed.find(func(e *element) bool { return e.name == "td" })[3].text)

	walls := doc.find(func(e *element) bool { return hasClass(e, "wall") })
	require.Len(t, walls, 1, "wall time in one separate line")
	require.Contains(t, walls[0].text, "ZOOKEEPER-3911 9s")
	for _, e := range doc.find(func(e *element) bool { return e.attrs["src"] != "" || e.name == "link" }) {
		t.Errorf("external resource %v", e.attrs)
	}
}

func TestBugsPagesDifferOnlyInTheWallLine(t *testing.T) {
	render := func(scale time.Duration) (string, string) {
		h := sampleBugHunt()
		for i := range h.Hunts {
			h.Hunts[i].Wall *= scale
		}
		var page, md bytes.Buffer
		require.NoError(t, RenderBugsHTML(&page, h))
		require.NoError(t, RenderBugsMarkdown(&md, h))
		return page.String(), md.String()
	}
	strip := func(s string) string { return s[:bytes.LastIndex([]byte(s), []byte("wall: "))] }
	h1, m1 := render(1)
	h2, m2 := render(7)
	require.NotEqual(t, h1, h2)
	require.Equal(t, strip(h1), strip(h2))
	require.Equal(t, strip(m1), strip(m2))
	require.Equal(t, 1, bytes.Count([]byte(m1), []byte("wall")))
}

func TestWriteBugs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bugs")
	require.NoError(t, WriteBugs(dir, sampleBugHunt()))
	md, err := os.ReadFile(filepath.Join(dir, BugsMarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "[report](BROKEN-leader-commit-without-quorum/report.html)")
	require.FileExists(t, filepath.Join(dir, BugsHTMLFile))
}
