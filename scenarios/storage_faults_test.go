package scenarios

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/nemesis"
)

// storageRefusals names, per replay in testdata/storage-faults, what the node whose disk
// was damaged must refuse to start on: the damage is detected, not repaired away.
var storageRefusals = map[string]string{
	// A bit flipped in the last, synced record of a log was once cut as a torn tail;
	// the node rejoined without a txn a quorum had committed (zab-committed-prefix).
	"bitflip-last-record--685": "corrupt data: record payload checksum mismatch in the complete last record",
	// A bit flipped in a decimal epoch file made another epoch (currentEpoch 1 read as
	// 5); the node won an election without committed txns (linearizable-writes).
	"bitflip-epoch-file--680": "refusing to start: storage: currentEpoch:",
}

// TestStorageFaultReplays replays generated scenarios (NAME--SEED.json with the shrunk
// NAME--SEED.schedule) in which disk faults once broke the correct protocol: each must
// pass, with the damaged node refusing to start.
func TestStorageFaultReplays(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "storage-faults", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(storageRefusals))
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			want, ok := storageRefusals[name]
			require.True(t, ok, "no expected refusal for %s", name)
			_, seedText, ok := strings.Cut(name, "--")
			require.True(t, ok, "file name is NAME--SEED")
			seed, err := strconv.ParseUint(seedText, 10, 64)
			require.NoError(t, err)
			s, err := Load(file)
			require.NoError(t, err)
			text, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".schedule")
			require.NoError(t, err)
			sched, err := nemesis.ParseSchedule(string(text))
			require.NoError(t, err)
			res, err := Run(s, seed, RunOptions{Schedule: sched, KeepTrace: true})
			require.NoError(t, err)
			require.True(t, res.Pass(), "the correct protocol fails:\n%s", res.Explain())
			require.Contains(t, res.Trace, want, "the damaged node did not refuse to start as expected")
		})
	}
}
