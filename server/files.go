package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zksim/zksim/protocol/storage"
)

// versionDir is the subdirectory of dataDir and dataLogDir that holds ZooKeeper's files.
const versionDir = "version-2"

// ErrDisk reports a failed write, fsync or rename of a durable file. After it the
// server stops: nothing that depended on the failed write may be acknowledged.
var ErrDisk = errors.New("server: disk write failed")

// Files is a node's durable files on a real disk: snapshots and epoch files in
// dataDir/version-2, transaction logs in dataLogDir/version-2 (the same directory
// when dataLogDir is not set). It implements storage.FileSet for recovery and
// carries out what the protocol core asks to be made durable.
//
// Files is not safe for concurrent use; the server's owner goroutine holds it.
type Files struct {
	snapDir string
	logDir  string

	// cur is the log file being appended to, nil after a roll or before the first
	// append; curName and curSize describe it.
	cur     *os.File
	curName string
	curSize int64
	// curAlloc is the current log's length on disk, beyond curSize when pre-grown.
	curAlloc int64

	// preAlloc is the step in which log files are pre-grown with zeros
	// (zookeeper.preAllocSize); 0 grows them write by write.
	preAlloc int64

	// badSnapshots are snapshots recovery found damaged; autopurge never counts them
	// as kept copies.
	badSnapshots map[string]bool

	// fsync makes a log file durable; tests replace it to simulate a failing disk.
	fsync func(*os.File) error

	// step, if set, is told each time a write is done and not yet synced, so the
	// server can die there (test-only crash points, crashpoint.go).
	step func(fileStep)
}

// OpenFiles creates (if needed) the version-2 directories under dataDir and dataLogDir.
// An empty dataLogDir means dataDir.
func OpenFiles(dataDir, dataLogDir string) (*Files, error) {
	if dataLogDir == "" {
		dataLogDir = dataDir
	}
	f := &Files{
		snapDir:      filepath.Join(dataDir, versionDir),
		logDir:       filepath.Join(dataLogDir, versionDir),
		badSnapshots: map[string]bool{},
		fsync:        (*os.File).Sync,
	}
	for _, d := range []string{f.snapDir, f.logDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("%w: create %s: %w", ErrDisk, d, err)
		}
	}
	return f, nil
}

// SetPreallocate makes log files grow in steps of size bytes, filled with zeros, as
// ZooKeeper's preAllocSize does: an fsync then rarely has to update the file's
// length. Recovery reads the zeros as the end of the log.
func (f *Files) SetPreallocate(size int64) { f.preAlloc = max(size, 0) }

// SnapDir and LogDir are the version-2 directories, as conf and dirs print them.
func (f *Files) SnapDir() string { return f.snapDir }

// LogDir is the directory of the transaction logs.
func (f *Files) LogDir() string { return f.logDir }

// path maps a base name to its directory: logs live in the log directory,
// everything else in the snapshot directory.
func (f *Files) path(name string) string {
	if k, _ := storage.ParseFileName(name); k == storage.KindLog {
		return filepath.Join(f.logDir, name)
	}
	return filepath.Join(f.snapDir, name)
}

// List returns the base names of the regular files of both directories, sorted.
// Logs are only taken from the log directory and the rest only from the snapshot
// directory, so a shared directory is not listed twice.
func (f *Files) List() []string {
	var names []string
	add := func(dir string, logs bool) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			k, _ := storage.ParseFileName(e.Name())
			if (k == storage.KindLog) == logs {
				names = append(names, e.Name())
			}
		}
	}
	add(f.logDir, true)
	add(f.snapDir, false)
	slices.Sort(names)
	return slices.Compact(names)
}

// Read returns a file's content.
func (f *Files) Read(name string) ([]byte, error) {
	return os.ReadFile(f.path(name))
}

// Recover reads the durable state, applies the repairs recovery asks for (cutting a
// torn log tail, deleting empty trailing logs, rebuilding a missing epoch file) and
// positions the log for appending. Damaged data fails with an error naming the file.
func (f *Files) Recover() (storage.RecoveredState, error) {
	rec, err := storage.Recover(f)
	if err != nil {
		return storage.RecoveredState{}, fmt.Errorf("server: recover %s (logs in %s): %w", f.snapDir, f.logDir, err)
	}
	for _, s := range rec.Skipped {
		f.badSnapshots[s.Name] = true
	}
	if err := f.Apply(rec.Repairs); err != nil {
		return storage.RecoveredState{}, err
	}
	if rec.Tail.Name != "" {
		file, err := os.OpenFile(f.path(rec.Tail.Name), os.O_WRONLY, 0)
		if err != nil {
			return storage.RecoveredState{}, fmt.Errorf("%w: open %s: %w", ErrDisk, rec.Tail.Name, err)
		}
		f.cur, f.curName, f.curSize = file, rec.Tail.Name, rec.Tail.Offset
		if info, err := file.Stat(); err == nil {
			f.curAlloc = info.Size()
		}
	}
	return rec, nil
}

// Apply carries out repairs in order and makes each durable.
func (f *Files) Apply(repairs []storage.Repair) error {
	for _, r := range repairs {
		p := f.path(r.Name)
		var err error
		switch r.Kind {
		case storage.RepairTruncate:
			err = truncateSync(p, r.Offset)
		case storage.RepairDelete:
			err = os.Remove(p)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
			if err == nil {
				err = syncDir(filepath.Dir(p))
			}
		case storage.RepairWrite:
			err = writeAtomic(p, r.Data)
		default:
			err = fmt.Errorf("unknown repair kind %v", r.Kind)
		}
		if err != nil {
			return fmt.Errorf("%w: repair %v: %w", ErrDisk, r, err)
		}
	}
	return nil
}

// Append writes records at the end of the current log, starting a new log file when
// none is open, and fsyncs when sync is set. The records of one call share one fsync.
func (f *Files) Append(recs []storage.Record, sync bool) error {
	if len(recs) == 0 {
		return nil
	}
	var buf []byte
	if f.cur == nil {
		name := storage.LogFileName(recs[0].Zxid)
		var err error
		buf, err = storage.AppendLogHeader(nil, recs[0].Zxid)
		if err != nil {
			return err
		}
		file, err := os.OpenFile(f.path(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("%w: create %s: %w", ErrDisk, name, err)
		}
		if err := syncDir(f.logDir); err != nil {
			file.Close()
			return fmt.Errorf("%w: %s: %w", ErrDisk, f.logDir, err)
		}
		f.cur, f.curName, f.curSize, f.curAlloc = file, name, 0, 0
		if f.step != nil {
			// The header goes first on its own, so a crash point can fall between it
			// and the records, as it does in the simulation.
			if _, err := file.WriteAt(buf, 0); err != nil {
				return fmt.Errorf("%w: append to %s: %w", ErrDisk, f.curName, err)
			}
			f.curSize, f.curAlloc, buf = int64(len(buf)), int64(len(buf)), nil
			f.step(stepLogHeader)
		}
	}
	buf, err := storage.AppendRecords(buf, recs)
	if err != nil {
		return err
	}
	if end := f.curSize + int64(len(buf)); f.preAlloc > 0 && end > f.curAlloc {
		grown := (end/f.preAlloc + 1) * f.preAlloc
		if err := f.cur.Truncate(grown); err != nil {
			return fmt.Errorf("%w: pre-grow %s: %w", ErrDisk, f.curName, err)
		}
		f.curAlloc = grown
	}
	if _, err := f.cur.WriteAt(buf, f.curSize); err != nil {
		return fmt.Errorf("%w: append to %s: %w", ErrDisk, f.curName, err)
	}
	f.curSize += int64(len(buf))
	f.curAlloc = max(f.curAlloc, f.curSize)
	if f.step != nil {
		f.step(stepAppended)
	}
	if sync {
		if err := f.fsync(f.cur); err != nil {
			return fmt.Errorf("%w: fsync %s: %w", ErrDisk, f.curName, err)
		}
	}
	return nil
}

// WriteSnapshot writes a snapshot atomically and rolls the log, so the next record
// starts a new log file named after it.
func (f *Files) WriteSnapshot(zxid int64, payload []byte) error {
	name, data, err := storage.EncodeSnapshot(zxid, payload)
	if err != nil {
		return err
	}
	var written func()
	if f.step != nil {
		written = func() { f.step(stepSnapshotTmp) }
	}
	if err := writeAtomicStep(f.path(name), data, written); err != nil {
		return fmt.Errorf("%w: snapshot %s: %w", ErrDisk, name, err)
	}
	delete(f.badSnapshots, name)
	return f.Roll()
}

// StageCurrentEpoch makes epoch durable in storage.CurrentEpochTempFile without
// replacing currentEpoch. A follower stages its new epoch before appending the records
// of its synchronization, and calls WriteEpoch(storage.CurrentEpochFile, epoch) once
// they are durable: a crash in between leaves a log ahead of currentEpoch, which
// Recover repairs from the staged file instead of refusing it (ZOOKEEPER-1653).
func (f *Files) StageCurrentEpoch(epoch int64) error {
	if err := writeDurable(f.path(storage.CurrentEpochTempFile), storage.EncodeEpoch(epoch)); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDisk, storage.CurrentEpochTempFile, err)
	}
	return nil
}

// WriteEpoch replaces an epoch file (storage.AcceptedEpochFile or CurrentEpochFile)
// atomically, through <file>.tmp (for currentEpoch, storage.CurrentEpochTempFile), which
// is made durable before the rename: a crash at any point leaves the old epoch, the new
// one, or the new one staged where Recover looks for it.
func (f *Files) WriteEpoch(file string, epoch int64) error {
	if err := writeAtomic(f.path(file), storage.EncodeEpoch(epoch)); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDisk, file, err)
	}
	return nil
}

// Truncate drops every logged transaction above zxid, as a ZAB follower must on TRUNC:
// later logs and snapshots are deleted and the log holding zxid is cut after it. The
// next Append starts a new log file.
func (f *Files) Truncate(zxid int64) error {
	if err := f.Roll(); err != nil {
		return err
	}
	repairs, err := storage.TruncatePlan(f, zxid)
	if err != nil {
		return fmt.Errorf("server: truncate to %#x: %w", zxid, err)
	}
	if err := f.Apply(repairs); err != nil {
		return err
	}
	if f.step != nil {
		// After the synced cut: under a kill, which keeps the page cache, that is the
		// state a crash before the fsync leaves too.
		f.step(stepTruncated)
	}
	return nil
}

// InstallSnapshot replaces the whole durable state with a snapshot taken at zxid, as a
// ZAB follower must on SNAP: the snapshot is written, then every log and every newer
// snapshot goes. The next Append starts a new log file.
func (f *Files) InstallSnapshot(zxid int64, payload []byte) error {
	if err := f.Roll(); err != nil {
		return err
	}
	if err := f.WriteSnapshot(zxid, payload); err != nil {
		return err
	}
	var stale []storage.Repair
	for _, n := range f.List() {
		switch k, z := storage.ParseFileName(n); {
		case k == storage.KindLog, k == storage.KindSnapshot && z > zxid:
			stale = append(stale, storage.Repair{Kind: storage.RepairDelete, Name: n, Reason: "superseded by an installed snapshot"})
		}
	}
	return f.Apply(stale)
}

// Roll closes the current log file; the next Append starts a new one.
func (f *Files) Roll() error {
	if f.cur == nil {
		return nil
	}
	err := f.cur.Close()
	f.cur, f.curName, f.curSize, f.curAlloc = nil, "", 0, 0
	if err != nil {
		return fmt.Errorf("%w: close log: %w", ErrDisk, err)
	}
	return nil
}

// Close closes the current log file.
func (f *Files) Close() error { return f.Roll() }

// Purge deletes old snapshots and logs as ZooKeeper's autopurge does, keeping the
// retain newest valid snapshots and the logs needed to replay from the oldest of
// them. It returns the names it deleted.
func (f *Files) Purge(retain int) ([]string, error) {
	if retain < storage.MinSnapRetainCount {
		retain = storage.MinSnapRetainCount
	}
	var names []string
	for _, n := range f.List() {
		if k, _ := storage.ParseFileName(n); k == storage.KindSnapshot && f.badSnapshots[n] {
			continue
		}
		names = append(names, n)
	}
	victims, err := storage.PurgePlan(names, retain)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, n := range victims {
		if n == f.curName {
			continue
		}
		if err := os.Remove(f.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("%w: purge %s: %w", ErrDisk, n, err)
		}
		deleted = append(deleted, n)
	}
	return deleted, nil
}

// Sizes returns the bytes held in the snapshot and log directories (conf and dirs).
func (f *Files) Sizes() (snap, log int64) {
	return dirSize(f.snapDir), dirSize(f.logDir)
}

func dirSize(dir string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// writeAtomic replaces path with data: write path.tmp durably (writeDurable), rename it
// over path, fsync the directory. A crash leaves either the old or the new content, and
// possibly path.tmp holding the new content.
func writeAtomic(path string, data []byte) error { return writeAtomicStep(path, data, nil) }

// writeAtomicStep is writeAtomic calling written, if set, once path.tmp holds data and
// before it is synced.
func writeAtomicStep(path string, data []byte, written func()) error {
	tmp := path + ".tmp"
	if err := writeDurableStep(tmp, data, written); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeDurable creates or replaces path with data, fsyncs it and its directory, so the
// file survives a crash under its name.
func writeDurable(path string, data []byte) error { return writeDurableStep(path, data, nil) }

func writeDurableStep(path string, data []byte, written func()) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		return err
	}
	if written != nil {
		written()
	}
	if err := file.Sync(); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func truncateSync(path string, size int64) error {
	file, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer file.Close()
	if err := file.Truncate(size); err != nil {
		return err
	}
	return file.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !strings.Contains(err.Error(), "invalid argument") {
		return err
	}
	return nil
}
