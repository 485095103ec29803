package storage

import (
	"strconv"
	"strings"
)

// MaxEpoch is the largest epoch a non-negative int64 zxid can carry.
const MaxEpoch = 1<<31 - 1

// EncodeEpoch is the content of an epoch file: the epoch in decimal, no newline, as
// ZooKeeper's QuorumPeer.writeLongToFile writes it. The host replaces the file
// atomically (write <name>.tmp, fsync, rename, fsync the directory).
func EncodeEpoch(epoch int64) []byte { return strconv.AppendInt(nil, epoch, 10) }

// EpochError is a malformed epoch file.
type EpochError struct {
	File   string
	Text   string // the offending content, cut to a readable length
	Reason string
}

func (e *EpochError) Error() string {
	return "storage: " + e.File + ": " + e.Reason + " (content " + strconv.Quote(e.Text) + ")"
}

func (e *EpochError) Unwrap() error { return ErrEpoch }

// DecodeEpoch parses an epoch file's content. Like ZooKeeper it reads the first line;
// surrounding whitespace is ignored, anything else is an error.
func DecodeEpoch(file string, data []byte) (int64, error) {
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	text := line
	if len(text) > 40 {
		text = text[:40]
	}
	if line == "" {
		return 0, &EpochError{File: file, Text: text, Reason: "empty epoch file"}
	}
	v, err := strconv.ParseInt(line, 10, 64)
	if err != nil {
		return 0, &EpochError{File: file, Text: text, Reason: "not a decimal integer"}
	}
	if v < 0 || v > MaxEpoch {
		return 0, &EpochError{File: file, Text: text, Reason: "epoch out of range"}
	}
	return v, nil
}
