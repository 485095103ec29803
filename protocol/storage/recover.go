package storage

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
)

// FileSet is a node's durable files as the host sees them after a restart: the
// simulator's virtual disk or the real server's dataDir and dataLogDir (version-2/),
// merged. Names are base names; List order does not matter.
type FileSet interface {
	List() []string
	Read(name string) ([]byte, error)
}

// RepairKind is what a host must do to a file.
type RepairKind int

const (
	// RepairTruncate cuts the file to Offset bytes.
	RepairTruncate RepairKind = iota + 1
	// RepairDelete removes the file.
	RepairDelete
	// RepairWrite replaces the file with Data, atomically.
	RepairWrite
)

func (k RepairKind) String() string {
	switch k {
	case RepairTruncate:
		return "truncate"
	case RepairDelete:
		return "delete"
	case RepairWrite:
		return "write"
	}
	return "RepairKind(" + itoa(int(k)) + ")"
}

// Repair is one change the host must make, and fsync, before the node runs.
type Repair struct {
	Kind   RepairKind
	Name   string
	Offset int64  // RepairTruncate
	Data   []byte // RepairWrite
	Reason string
}

func (r Repair) String() string {
	switch r.Kind {
	case RepairTruncate:
		return "truncate " + r.Name + " at " + itoa(r.Offset) + ": " + r.Reason
	case RepairWrite:
		return "write " + r.Name + " (" + strconv.Quote(string(r.Data)) + "): " + r.Reason
	}
	return r.Kind.String() + " " + r.Name + ": " + r.Reason
}

// SkippedSnapshot is a snapshot newer than the one recovered from, which failed its checks.
type SkippedSnapshot struct {
	Name string
	Err  error
}

// LogTail is where the valid log ends: the file to append to and the offset to append at.
// Name is empty when no log file holds valid data.
type LogTail struct {
	Name   string
	Offset int64
}

// RecoveredState is everything that survives a crash.
type RecoveredState struct {
	// HasSnapshot is false only for a fresh node: no snapshot and no logged transaction.
	HasSnapshot  bool
	SnapshotName string
	SnapshotZxid int64
	Snapshot     []byte // the opaque payload; aliases the bytes the FileSet returned
	// Records are the logged transactions after SnapshotZxid, in zxid order. Their
	// payloads alias the bytes the FileSet returned.
	Records []Record
	// LastZxid is the zxid of the last record, or SnapshotZxid when there is none.
	LastZxid      int64
	AcceptedEpoch int64
	CurrentEpoch  int64
	// Repairs must be applied, in order, before the node writes anything.
	Repairs []Repair
	// Skipped lists newer snapshots that were damaged; the host should report them.
	Skipped []SkippedSnapshot
	Tail    LogTail
}

var errNoValidSnapshot = errors.New("storage: no valid snapshot")

type namedFile struct {
	name string
	zxid int64
}

type layout struct {
	logs       []namedFile // ascending zxid
	snapshots  []namedFile // descending zxid
	accepted   bool
	current    bool
	currentTmp bool // CurrentEpochTempFile is present (it is also in temps)
	temps      []string
}

func classify(names []string) layout {
	var l layout
	for _, n := range names {
		kind, z := ParseFileName(n)
		switch kind {
		case KindLog:
			l.logs = append(l.logs, namedFile{n, z})
		case KindSnapshot:
			l.snapshots = append(l.snapshots, namedFile{n, z})
		case KindAcceptedEpoch:
			l.accepted = true
		case KindCurrentEpoch:
			l.current = true
		case KindTemp:
			l.temps = append(l.temps, n)
			l.currentTmp = l.currentTmp || n == CurrentEpochTempFile
		}
	}
	slices.SortFunc(l.logs, func(a, b namedFile) int { return cmp.Compare(a.zxid, b.zxid) })
	slices.SortFunc(l.snapshots, func(a, b namedFile) int { return cmp.Compare(b.zxid, a.zxid) })
	slices.Sort(l.temps)
	return l
}

func read(fs FileSet, name string) ([]byte, error) {
	b, err := fs.Read(name)
	if err != nil {
		return nil, &detailError{kind: ErrRead, detail: name, cause: err}
	}
	return b, nil
}

// Recover rebuilds a node's durable state from its files (reference §5, "Startup"):
//
//  1. the newest snapshot that passes its checks; damaged newer ones are reported in
//     Skipped. If snapshots exist but none is valid, Recover fails with ErrCorrupt. With
//     no snapshot at all, a node whose logs hold no transaction is fresh, and one whose
//     logs do fails with ErrNoSnapshot;
//  2. the log records after the snapshot, from the log file that may hold the record
//     just after it onwards. A torn tail of the last file with records (a record the
//     file ends inside, or whose unwritten sectors read as zeros) is cut (a truncate
//     repair); files with no valid content after it are deleted; a complete record that
//     fails its checksum, or damage followed by valid data in the same file or a later
//     one, is ErrCorrupt;
//  3. zxids strictly increase (ErrOrder); from the snapshot on, they are consecutive
//     within an epoch and a new epoch starts at counter 1 (ErrGap);
//  4. the epoch files. A missing one is rebuilt from the epoch of the last zxid (a write
//     repair), as ZooKeeper does. currentEpoch older than the last zxid's epoch fails
//     with ErrEpoch, unless CurrentEpochTempFile holds an epoch at least the last
//     zxid's: a follower stages currentEpoch there before its synced records become
//     durable and renames it into place after, so a crash in between leaves exactly
//     this (ZOOKEEPER-1653). currentEpoch is then rewritten with the last zxid's epoch
//     and the temporary file deleted, in that order. Not with the staged epoch: the
//     crash may have torn the synced records, and a short log under the new epoch
//     would win elections against servers holding the transactions it lost, while
//     the last zxid's epoch claims only what the log holds (and the follower never
//     acknowledged NEWLEADER). acceptedEpoch below currentEpoch fails with ErrEpoch;
//  5. other leftover temporary files (interrupted atomic writes) are deleted.
func Recover(fs FileSet) (RecoveredState, error) {
	var st RecoveredState
	l := classify(fs.List())

	var snapErr error
	for _, f := range l.snapshots {
		data, err := read(fs, f.name)
		if err != nil {
			return st, err
		}
		zxid, payload, err := DecodeSnapshot(data)
		if err == nil && zxid != f.zxid {
			err = errorOf(ErrCorrupt, "snapshot holds zxid ", hex(zxid))
		}
		if err != nil {
			st.Skipped = append(st.Skipped, SkippedSnapshot{Name: f.name, Err: err})
			snapErr = errors.Join(snapErr, inFile(f.name, err))
			continue
		}
		st.HasSnapshot, st.SnapshotName, st.SnapshotZxid, st.Snapshot = true, f.name, zxid, payload
		break
	}
	if !st.HasSnapshot && len(l.snapshots) > 0 {
		return st, errors.Join(errNoValidSnapshot, snapErr)
	}

	if err := st.replayLogs(fs, l.logs); err != nil {
		return st, err
	}
	if !st.HasSnapshot && len(st.Records) > 0 {
		return st, errorOf(ErrNoSnapshot, itoa(len(st.Records)), " transactions from zxid ", hex(st.Records[0].Zxid))
	}
	st.LastZxid = st.SnapshotZxid
	if n := len(st.Records); n > 0 {
		st.LastZxid = st.Records[n-1].Zxid
	}

	staged, err := st.recoverEpochs(fs, l)
	if err != nil {
		return st, err
	}
	for _, t := range l.temps {
		if t == CurrentEpochTempFile && staged {
			continue // deleted by recoverEpochs, after currentEpoch is rewritten
		}
		st.Repairs = append(st.Repairs, Repair{Kind: RepairDelete, Name: t, Reason: "interrupted atomic write"})
	}
	return st, nil
}

// logsFrom returns the log files that may hold records after zxid: the last one named at
// or below zxid, and every one named above it.
func logsFrom(logs []namedFile, zxid int64) []namedFile {
	i, _ := slices.BinarySearchFunc(logs, zxid+1, func(f namedFile, z int64) int { return cmp.Compare(f.zxid, z) })
	// logs[:i] are named <= zxid; the last of them may continue past zxid.
	if i > 0 {
		i--
	}
	return logs[i:]
}

func (st *RecoveredState) replayLogs(fs FileSet, logs []namedFile) error {
	prev := st.SnapshotZxid
	damaged := "" // the first file with a torn tail or no valid content
	for _, f := range logsFrom(logs, st.SnapshotZxid) {
		data, err := read(fs, f.name)
		if err != nil {
			return err
		}
		s, err := scanLog(data)
		if err != nil {
			return inFile(f.name, err)
		}
		if s.headerOK && s.firstZxid != f.zxid {
			return inFile(f.name, errorOf(ErrOrder, "header says first zxid ", hex(s.firstZxid)))
		}
		if len(s.records) == 0 {
			st.Repairs = append(st.Repairs, Repair{Kind: RepairDelete, Name: f.name, Reason: emptyReason(s)})
			if damaged == "" {
				damaged = f.name
			}
			continue
		}
		// A crash tears only the end of what was written last; damage in an earlier
		// file, with records after it, is corruption.
		if damaged != "" {
			return errorOf(ErrCorrupt, damaged, " is damaged but the later ", f.name, " holds records")
		}
		if s.tail == tailTorn {
			damaged = f.name
			st.Repairs = append(st.Repairs, Repair{Kind: RepairTruncate, Name: f.name, Offset: s.end, Reason: s.tailWhy})
		}
		for _, r := range s.records {
			if r.Zxid <= st.SnapshotZxid {
				continue
			}
			if err := checkNext(prev, r.Zxid, st.HasSnapshot); err != nil {
				return inFile(f.name, err)
			}
			st.Records = append(st.Records, r)
			prev = r.Zxid
		}
		st.Tail = LogTail{Name: f.name, Offset: s.end}
	}
	return nil
}

func emptyReason(s logScan) string {
	switch {
	case !s.headerOK && s.tailWhy != "":
		return "log file without valid content: " + s.tailWhy
	case !s.headerOK:
		return "log file without valid content"
	case s.tailWhy != "":
		return "log file without a complete record: " + s.tailWhy
	}
	return "log file without records"
}

// checkNext checks that zxid may follow prev in the replayed sequence. Before the first
// record with no snapshot there is nothing to continue from, so only order is checked.
func checkNext(prev, zxid int64, anchored bool) error {
	if zxid <= prev {
		return errorOf(ErrOrder, "zxid ", hex(zxid), " after ", hex(prev))
	}
	if !anchored {
		return nil
	}
	// Every transaction is logged on every member (reference §5), so within an epoch the
	// counters run on without holes, and a new epoch starts at counter 1.
	if (EpochOf(zxid) == EpochOf(prev) && zxid != prev+1) || (EpochOf(zxid) != EpochOf(prev) && counterOf(zxid) != 1) {
		return errorOf(ErrGap, "zxid ", hex(zxid), " follows ", hex(prev))
	}
	return nil
}

// recoverEpochs reads the epoch files; staged reports that currentEpoch was raised to the
// last zxid's epoch on the strength of CurrentEpochTempFile.
func (st *RecoveredState) recoverEpochs(fs FileSet, l layout) (staged bool, err error) {
	lastEpoch := EpochOf(st.LastZxid)
	if l.current {
		if st.CurrentEpoch, err = readEpoch(fs, CurrentEpochFile); err != nil {
			return false, err
		}
	} else {
		st.CurrentEpoch = lastEpoch
		st.Repairs = append(st.Repairs, Repair{Kind: RepairWrite, Name: CurrentEpochFile,
			Data: EncodeEpoch(lastEpoch), Reason: "missing; rebuilt from the last zxid"})
	}
	if lastEpoch > st.CurrentEpoch {
		ok, err := stagedEpoch(fs, l, lastEpoch)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, errorOf(ErrEpoch, "currentEpoch ", itoa(st.CurrentEpoch), " is older than the last zxid ", hex(st.LastZxid))
		}
		st.CurrentEpoch, staged = lastEpoch, true
		data := EncodeEpoch(lastEpoch)
		st.Repairs = append(st.Repairs,
			Repair{Kind: RepairWrite, Name: CurrentEpochFile, Data: data,
				Reason: "older than the last zxid; raised to its epoch, the staged sync taken from " + CurrentEpochTempFile},
			Repair{Kind: RepairDelete, Name: CurrentEpochTempFile, Reason: "staged currentEpoch taken"})
	}
	if l.accepted {
		if st.AcceptedEpoch, err = readEpoch(fs, AcceptedEpochFile); err != nil {
			return false, err
		}
	} else {
		st.AcceptedEpoch = lastEpoch
		st.Repairs = append(st.Repairs, Repair{Kind: RepairWrite, Name: AcceptedEpochFile,
			Data: EncodeEpoch(lastEpoch), Reason: "missing; rebuilt from the last zxid"})
	}
	if st.AcceptedEpoch < st.CurrentEpoch {
		return false, errorOf(ErrEpoch, "acceptedEpoch ", itoa(st.AcceptedEpoch), " is less than currentEpoch ", itoa(st.CurrentEpoch))
	}
	return staged, nil
}

// stagedEpoch reports whether CurrentEpochTempFile exists and holds an epoch of at
// least lastEpoch. A staged file that does not parse is left to ErrEpoch: it was never
// renamed, so it cannot vouch for the log.
func stagedEpoch(fs FileSet, l layout, lastEpoch int64) (ok bool, err error) {
	if !l.currentTmp {
		return false, nil
	}
	data, err := read(fs, CurrentEpochTempFile)
	if err != nil {
		return false, err
	}
	epoch, err := DecodeEpoch(CurrentEpochTempFile, data)
	return err == nil && epoch >= lastEpoch, nil
}

func readEpoch(fs FileSet, name string) (int64, error) {
	data, err := read(fs, name)
	if err != nil {
		return 0, err
	}
	return DecodeEpoch(name, data)
}
