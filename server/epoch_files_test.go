package server

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zksim/zksim/protocol/storage"
)

// followerCrashedInSync leaves dir as a follower that was at epoch 1 and crashed while
// synchronizing into epoch 2: the synced records of epoch 2 are durable, currentEpoch
// still says 1. stage says whether the new epoch was staged first.
func followerCrashedInSync(t *testing.T, stage bool) string {
	t.Helper()
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	newEpoch(t, f, 1)
	if err := f.Append(smallRecords(0x100000001, 0x100000002), true); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteEpoch(storage.AcceptedEpochFile, 2); err != nil {
		t.Fatal(err)
	}
	if stage {
		if err := f.StageCurrentEpoch(2); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Append(smallRecords(0x200000001, 0x200000002), true); err != nil {
		t.Fatal(err)
	}
	f.Close() // the crash: currentEpoch is never replaced
	return dir
}

func smallRecords(from, to int64) []storage.Record {
	var out []storage.Record
	for z := from; z <= to; z++ {
		out = append(out, storage.Record{Zxid: z, Payload: []byte("p")})
	}
	return out
}

func TestStagedCurrentEpochRepairsACrashInSync(t *testing.T) {
	dir := followerCrashedInSync(t, true)
	if _, err := os.Stat(filepath.Join(dir, versionDir, storage.CurrentEpochTempFile)); err != nil {
		t.Fatalf("staged epoch not under its recovery name: %v", err)
	}
	_, rec, err := reopen(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if rec.CurrentEpoch != 2 || rec.LastZxid != 0x200000002 {
		t.Fatalf("recovered currentEpoch %d last zxid %#x, want 2 and 0x200000002", rec.CurrentEpoch, rec.LastZxid)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, versionDir, storage.CurrentEpochFile)); string(got) != string(storage.EncodeEpoch(2)) {
		t.Errorf("currentEpoch holds %q after the repair, want %q", got, storage.EncodeEpoch(2))
	}
	if _, err := os.Stat(filepath.Join(dir, versionDir, storage.CurrentEpochTempFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staged file left after the repair: %v", err)
	}
	// The repair is durable: a second restart needs none.
	_, rec, err = reopen(t, dir, "")
	if err != nil || len(rec.Repairs) != 0 || rec.CurrentEpoch != 2 {
		t.Fatalf("second restart: %v, repairs %v, currentEpoch %d", err, rec.Repairs, rec.CurrentEpoch)
	}
}

func TestUnstagedCrashInSyncIsRefused(t *testing.T) {
	dir := followerCrashedInSync(t, false)
	if _, _, err := reopen(t, dir, ""); !errors.Is(err, storage.ErrEpoch) {
		t.Fatalf("recover: %v, want %v", err, storage.ErrEpoch)
	}
}

func TestWriteEpochGoesThroughTheStagedName(t *testing.T) {
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	defer f.Close()
	if err := f.StageCurrentEpoch(3); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteEpoch(storage.CurrentEpochFile, 3); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, versionDir, storage.CurrentEpochFile)); string(got) != string(storage.EncodeEpoch(3)) {
		t.Errorf("currentEpoch holds %q, want %q", got, storage.EncodeEpoch(3))
	}
	if _, err := os.Stat(filepath.Join(dir, versionDir, storage.CurrentEpochTempFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staged file left after WriteEpoch: %v", err)
	}
	if filepath.Base(f.path(storage.CurrentEpochFile))+".tmp" != storage.CurrentEpochTempFile {
		t.Errorf("WriteEpoch stages %s.tmp, Recover looks for %s", storage.CurrentEpochFile, storage.CurrentEpochTempFile)
	}
}
