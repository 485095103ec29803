package storage

import (
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrCorrupt reports damaged data that cannot be explained by a torn tail: a checksum
	// mismatch followed by valid data, a bad header, a snapshot that fails its checksum.
	ErrCorrupt = errors.New("storage: corrupt data")
	// ErrOrder reports valid records whose zxids are not strictly increasing, or a log
	// file whose records do not match its name.
	ErrOrder = errors.New("storage: zxids out of order")
	// ErrGap reports a missing transaction: two consecutive records of one epoch whose
	// counters are not consecutive, or a log that does not continue from the snapshot.
	ErrGap = errors.New("storage: gap in transaction log")
	// ErrNoSnapshot reports a log with transactions but no usable snapshot to replay it
	// on. ZooKeeper refuses to start in that case too; a fresh node writes an empty
	// snapshot at zxid 0 before logging anything.
	ErrNoSnapshot = errors.New("storage: log without a usable snapshot")
	// ErrEpoch reports an unreadable epoch file or inconsistent epochs.
	ErrEpoch = errors.New("storage: bad epoch")
	// ErrInvalid reports an argument the encoder cannot represent.
	ErrInvalid = errors.New("storage: invalid argument")
	// ErrRead reports that the host could not read a file it listed.
	ErrRead = errors.New("storage: read failed")
)

// detailError adds a detail to a sentinel. The protocol tree cannot import fmt (it
// reaches os), so errors are built from strings here.
type detailError struct {
	kind   error
	detail string
	cause  error // may be nil
}

func (e *detailError) Error() string {
	if e.cause != nil {
		return e.kind.Error() + ": " + e.detail + ": " + e.cause.Error()
	}
	return e.kind.Error() + ": " + e.detail
}

func (e *detailError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

func errorOf(kind error, detail ...string) error {
	return &detailError{kind: kind, detail: strings.Join(detail, "")}
}

// FileError is a failure tied to one file.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func inFile(name string, err error) error { return &FileError{File: name, Err: err} }

func hex(z int64) string { return "0x" + strconv.FormatInt(z, 16) }

func itoa[T ~int | ~int64 | ~uint32 | ~uint64](v T) string {
	return strconv.FormatInt(int64(v), 10)
}
