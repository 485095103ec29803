package jepsen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/checker"
)

// zabVerdicts writes one record file per node, reads them back as a real run does and
// returns the zab-* verdicts by property.
func zabVerdicts(t *testing.T, records ...string) map[checker.Property]checker.Verdict {
	t.Helper()
	dir := t.TempDir()
	var logs []checker.NodeLog
	for i, text := range records {
		p := filepath.Join(dir, "zab-record-"+string(rune('1'+i)))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := readZabRecord(p, time.Unix(0, 1000))
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, checker.NodeLog{Node: i + 1, Events: r.events})
	}
	rep, err := checker.Check(&checker.History{}, logs, checker.Options{SkipLinearizability: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[checker.Property]checker.Verdict{}
	for _, r := range rep.Results {
		if strings.HasPrefix(string(r.Property), "zab-") {
			out[r.Property] = r.Verdict
		}
	}
	return out
}

// A recorded TRUNC that cuts a transaction another server had already committed (what
// ZOOKEEPER-1156's extra cut does) fails zab-committed-prefix; the same records with the
// cut where it belongs, and a torn last line from a kill, pass.
func TestZabRecordFindsCommittedCut(t *testing.T) {
	leader := "1001 accepted-epoch 1 0x0 0x0\n1002 current-epoch 1 0x0 0x0\n" +
		"1010 leader-established 1 0x100000000 0x0\n" +
		"1020 logged 0 0x100000001 0xa1\n1021 logged 0 0x100000002 0xa2\n" +
		"1030 committed 0 0x100000001 0x0\n1031 committed 0 0x100000002 0x0\n"
	follower := func(cut string) string {
		return "1003 accepted-epoch 1 0x0 0x0\n1004 current-epoch 1 0x0 0x0\n" +
			"1022 logged 0 0x100000001 0xa1\n1023 logged 0 0x100000002 0xa2\n" +
			"1032 committed 0 0x100000001 0x0\n" +
			"1040 restarted 0 0x0 0x0\n1050 truncated 0 " + cut + " 0x0\n1060 logg"
	}
	bad := zabVerdicts(t, leader, follower("0x100000001"))
	if bad[checker.PropZabCommitted] != checker.Fail {
		t.Errorf("a cut of a committed transaction: %v", bad)
	}
	good := zabVerdicts(t, leader, follower("0x100000002"))
	for p, v := range good {
		if v == checker.Fail {
			t.Errorf("correct records: %s failed", p)
		}
	}
	if len(good) == 0 {
		t.Error("no zab-* property was checked")
	}
}
