package server

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/storage"
)

func records(from, to int64) []storage.Record {
	var out []storage.Record
	for z := from; z <= to; z++ {
		out = append(out, storage.Record{Zxid: z, Payload: []byte(strings.Repeat("p", int(z)))})
	}
	return out
}

// freshFiles opens empty files and writes the initial snapshot, as a new node does.
func freshFiles(t *testing.T, dataDir, logDir string) *Files {
	t.Helper()
	f, err := OpenFiles(dataDir, logDir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.Recover()
	if err != nil {
		t.Fatal(err)
	}
	if rec.HasSnapshot {
		t.Fatal("fresh directory has a snapshot")
	}
	if err := f.WriteSnapshot(0, []byte("empty tree")); err != nil {
		t.Fatal(err)
	}
	return f
}

func reopen(t *testing.T, dataDir, logDir string) (*Files, storage.RecoveredState, error) {
	t.Helper()
	f, err := OpenFiles(dataDir, logDir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.Recover()
	t.Cleanup(func() { f.Close() })
	return f, rec, err
}

func zxids(recs []storage.Record) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r.Zxid)
	}
	return out
}

func TestFilesAppendRecover(t *testing.T) {
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	if err := f.Append(records(1, 3), true); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(records(4, 5), true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	f2, rec, err := reopen(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rec.HasSnapshot || rec.SnapshotZxid != 0 || !slices.Equal(zxids(rec.Records), []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("recovered snapshot %v@%d records %v", rec.HasSnapshot, rec.SnapshotZxid, zxids(rec.Records))
	}
	// Appending continues the same log after a restart.
	if err := f2.Append(records(6, 6), true); err != nil {
		t.Fatal(err)
	}
	f2.Close()
	_, rec, err = reopen(t, dir, "")
	if err != nil || rec.LastZxid != 6 || len(rec.Records) != 6 {
		t.Fatalf("after restart and append: %v, last %d, %d records", err, rec.LastZxid, len(rec.Records))
	}
	logs, _ := filepath.Glob(filepath.Join(dir, versionDir, "log.*"))
	if len(logs) != 1 {
		t.Errorf("logs %v, want one", logs)
	}
}

// fourRecordLog writes records 1..4 to a fresh directory and returns it, the log's
// path and its content.
func fourRecordLog(t *testing.T) (dir, log string, data []byte) {
	t.Helper()
	dir = t.TempDir()
	f := freshFiles(t, dir, "")
	if err := f.Append(records(1, 4), true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	log = filepath.Join(dir, versionDir, storage.LogFileName(1))
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return dir, log, data
}

func TestFilesTornTailIsTruncated(t *testing.T) {
	dir, log, full := fourRecordLog(t)
	// Tear the last record: keep only part of it, as a crash mid-write would.
	if err := os.WriteFile(log, full[:len(full)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	f2, rec, err := reopen(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(zxids(rec.Records), []int64{1, 2, 3}) {
		t.Fatalf("records %v, want 1..3", zxids(rec.Records))
	}
	// The tail is cut on disk and the next record lands right after record 3.
	if err := f2.Append(records(4, 4), true); err != nil {
		t.Fatal(err)
	}
	f2.Close()
	_, rec, err = reopen(t, dir, "")
	if err != nil || !slices.Equal(zxids(rec.Records), []int64{1, 2, 3, 4}) {
		t.Fatalf("after re-append: %v %v", err, zxids(rec.Records))
	}
}

func TestFilesCorruptionIsRefused(t *testing.T) {
	dir, log, data := fourRecordLog(t)
	// Flip a byte inside record 2's payload; records 3 and 4 stay valid after it.
	data[storage.LogHeaderSize+storage.RecordHeaderSize+1+storage.RecordHeaderSize] ^= 0xff
	if err := os.WriteFile(log, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := reopen(t, dir, "")
	if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), storage.LogFileName(1)) {
		t.Fatalf("err %v, want ErrCorrupt naming %s", err, storage.LogFileName(1))
	}
}

func TestFilesSnapshotRollsTheLog(t *testing.T) {
	dataDir, logDir := t.TempDir(), t.TempDir()
	f := freshFiles(t, dataDir, logDir)
	if err := f.Append(records(1, 3), true); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteSnapshot(3, []byte("tree at 3")); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(records(4, 5), true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, want := range []string{
		filepath.Join(logDir, versionDir, storage.LogFileName(1)),
		filepath.Join(logDir, versionDir, storage.LogFileName(4)),
		filepath.Join(dataDir, versionDir, storage.SnapshotFileName(3)),
	} {
		if _, err := os.Stat(want); err != nil {
			t.Error(err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dataDir, versionDir, "*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	_, rec, err := reopen(t, dataDir, logDir)
	if err != nil || rec.SnapshotZxid != 3 || string(rec.Snapshot) != "tree at 3" || !slices.Equal(zxids(rec.Records), []int64{4, 5}) {
		t.Fatalf("recovered %v: snapshot %d %q records %v", err, rec.SnapshotZxid, rec.Snapshot, zxids(rec.Records))
	}
}

func TestFilesPurgeKeepsRetainCount(t *testing.T) {
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	next := int64(1)
	for range 5 {
		if err := f.Append(records(next, next+1), true); err != nil {
			t.Fatal(err)
		}
		next += 2
		if err := f.WriteSnapshot(next-1, []byte("tree")); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Append(records(next, next), true); err != nil {
		t.Fatal(err)
	}
	deleted, err := f.Purge(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) == 0 {
		t.Fatal("nothing purged")
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, versionDir, "snapshot.*"))
	if len(snaps) != 3 {
		t.Errorf("snapshots left %v, want 3", snaps)
	}
	f.Close()
	_, rec, err := reopen(t, dir, "")
	if err != nil || rec.LastZxid != next {
		t.Fatalf("after purge: %v, last zxid %d, want %d", err, rec.LastZxid, next)
	}
}

func TestWriteAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, storage.CurrentEpochFile)
	for _, v := range []string{"1", "22"} {
		if err := writeAtomic(p, []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(p); string(got) != v {
			t.Errorf("content %q, want %q", got, v)
		}
	}
	if _, err := os.Stat(p + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
}

// TestFailedFsyncStopsServing: when the log cannot be made durable, the write is never
// acknowledged, every client is cut off, and Run returns ErrDisk.
func TestFailedFsyncStopsServing(t *testing.T) {
	var failing atomic.Bool
	srv, result, _, err := tryTestServer(t, t.TempDir(), "", func(o *Options) {
		o.openFiles = func(f *Files) {
			f.fsync = func(file *os.File) error {
				if failing.Load() {
					return syscall.EIO
				}
				return file.Sync()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, srv.Addr().String(), 10*time.Second)
	must(c.Create("/before", nil, 0, open))(t)
	failing.Store(true)
	if _, err := c.Create("/after", nil, 0, open); err == nil {
		t.Fatal("a write was acknowledged although its fsync failed")
	}
	select {
	case err := <-result:
		if !errors.Is(err, ErrDisk) || !errors.Is(err, syscall.EIO) {
			t.Fatalf("Run returned %v, want ErrDisk wrapping EIO", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server kept running after a failed fsync")
	}
	if _, err := net.DialTimeout("tcp", srv.Addr().String(), time.Second); err == nil {
		t.Error("client port still open")
	}
}

// TestSnapshotsAndAutopurgeAcrossRestarts: with a small snapCount the server takes
// snapshots and rolls its log as it goes; a restart recovers from the newest snapshot
// plus the logs after it, and autopurge at start keeps snapRetainCount snapshots.
func TestSnapshotsAndAutopurgeAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	var logged syncBuffer
	r := &restartable{t: t, dir: dir, cfg: "snapCount=10\nautopurge.purgeInterval=1\nautopurge.snapRetainCount=3\n",
		opts: []func(*Options){func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) }}}
	addr := r.start()
	c := connect(t, addr, 10*time.Second)
	const nodes = 120
	for i := range nodes {
		must(c.Create("/s"+strconv.Itoa(i), []byte(strconv.Itoa(i)), 0, open))(t)
	}
	c.Close()
	r.stop()
	snaps, _ := filepath.Glob(filepath.Join(dir, versionDir, "snapshot.*"))
	logs, _ := filepath.Glob(filepath.Join(dir, versionDir, "log.*"))
	if len(snaps) < 4 || len(logs) < 4 {
		t.Fatalf("%d snapshots and %d logs after %d writes with snapCount=10", len(snaps), len(logs), nodes)
	}
	addr = r.start()
	defer r.stop()
	if snaps, _ := filepath.Glob(filepath.Join(dir, versionDir, "snapshot.*")); len(snaps) != 3 {
		t.Errorf("%d snapshots after autopurge, want 3; log:\n%s", len(snaps), logged.String())
	}
	c = connect(t, addr, 10*time.Second)
	for i := range nodes {
		data, _ := must2(c.Get("/s" + strconv.Itoa(i)))(t)
		if string(data) != strconv.Itoa(i) {
			t.Fatalf("/s%d = %q after restart", i, data)
		}
	}
}

// TestGroupCommit: concurrent writes share fsyncs, one per batch the owner drains.
func TestGroupCommit(t *testing.T) {
	var syncs atomic.Int64
	srv := newTestServer(t, t.TempDir(), "", func(o *Options) {
		o.openFiles = func(f *Files) {
			f.fsync = func(file *os.File) error {
				syncs.Add(1)
				return file.Sync()
			}
		}
	})
	const clients, each = 32, 10
	conns := make([]*zk.Conn, clients)
	for i := range conns {
		conns[i] = connect(t, srv.Addr().String(), 10*time.Second)
	}
	before := syncs.Load()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for j := range each {
				if _, err := c.Create("/g"+strconv.Itoa(i)+"-"+strconv.Itoa(j), nil, 0, open); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n := syncs.Load() - before
	t.Logf("%d writes, %d fsyncs", clients*each, n)
	if n >= clients*each {
		t.Errorf("%d fsyncs for %d concurrent writes: no group commit", n, clients*each)
	}
}

// newEpoch writes both epoch files, as a follower does before logging a new epoch.
func newEpoch(t *testing.T, f *Files, epoch int64) {
	t.Helper()
	for _, name := range []string{storage.AcceptedEpochFile, storage.CurrentEpochFile} {
		if err := f.WriteEpoch(name, epoch); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFilesTruncate(t *testing.T) {
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	if err := f.Append(records(1, 3), true); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteSnapshot(3, []byte("tree at 3")); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(records(4, 6), true); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2); err != nil {
		t.Fatal(err)
	}
	// The follower then receives the leader's transactions from 3 on.
	next := []storage.Record{{Zxid: 1<<32 | 1, Payload: []byte("new epoch")}}
	if err := f.Append(records(3, 3), true); err != nil {
		t.Fatal(err)
	}
	newEpoch(t, f, 1)
	if err := f.Append(next, true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, rec, err := reopen(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if rec.SnapshotZxid != 0 || !slices.Equal(zxids(rec.Records), []int64{1, 2, 3, 1<<32 | 1}) {
		t.Fatalf("after truncate: snapshot %d records %v", rec.SnapshotZxid, zxids(rec.Records))
	}
}

func TestFilesInstallSnapshot(t *testing.T) {
	dir := t.TempDir()
	f := freshFiles(t, dir, "")
	if err := f.Append(records(1, 5), true); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteSnapshot(5, []byte("diverged")); err != nil {
		t.Fatal(err)
	}
	if err := f.InstallSnapshot(1<<32|4, []byte("leader's tree")); err != nil {
		t.Fatal(err)
	}
	newEpoch(t, f, 1)
	if err := f.Append([]storage.Record{{Zxid: 1<<32 | 5, Payload: []byte("x")}}, true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, rec, err := reopen(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if rec.SnapshotZxid != 1<<32|4 || string(rec.Snapshot) != "leader's tree" || !slices.Equal(zxids(rec.Records), []int64{1<<32 | 5}) {
		t.Fatalf("after install: snapshot %#x %q records %v", rec.SnapshotZxid, rec.Snapshot, zxids(rec.Records))
	}
}

func TestFilesPreallocatedLog(t *testing.T) {
	dir := t.TempDir()
	const step = 64 << 10
	f := freshFiles(t, dir, "")
	f.SetPreallocate(step)
	if err := f.Append(records(1, 3), true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	log := filepath.Join(dir, versionDir, storage.LogFileName(1))
	if info, err := os.Stat(log); err != nil || info.Size() != step {
		t.Fatalf("log size %v, %v; want pre-grown to %d", info.Size(), err, step)
	}
	f2, rec, err := reopen(t, dir, "")
	if err != nil || !slices.Equal(zxids(rec.Records), []int64{1, 2, 3}) {
		t.Fatalf("recover: %v %v", err, zxids(rec.Records))
	}
	f2.SetPreallocate(step)
	// Past the first step the file grows by another.
	big := []storage.Record{{Zxid: 4, Payload: make([]byte, step)}}
	if err := f2.Append(big, true); err != nil {
		t.Fatal(err)
	}
	if err := f2.Append(records(5, 5), true); err != nil {
		t.Fatal(err)
	}
	f2.Close()
	if info, _ := os.Stat(log); info.Size() != 2*step {
		t.Errorf("log size %d, want %d", info.Size(), 2*step)
	}
	_, rec, err = reopen(t, dir, "")
	if err != nil || !slices.Equal(zxids(rec.Records), []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("recover after growth: %v %v", err, zxids(rec.Records))
	}
}
