package storage

import (
	"strconv"
	"strings"
)

// MaxEpoch is the largest epoch a non-negative int64 zxid can carry.
const MaxEpoch = 1<<31 - 1

// EncodeEpoch is the content of an epoch file: the epoch in decimal on the first line,
// as ZooKeeper's QuorumPeer.writeLongToFile writes it (ZooKeeper reads only that line),
// then a line with the CRC-32C of the first, so that a flipped bit, which in a decimal
// digit makes another digit, is detected rather than read as another epoch. The host
// replaces the file atomically (write <name>.tmp, fsync, rename, fsync the directory).
func EncodeEpoch(epoch int64) []byte {
	b := strconv.AppendInt(nil, epoch, 10)
	return appendEpochChecksum(append(b, '\n'), b)
}

const epochChecksumPrefix = "crc32c="

func appendEpochChecksum(dst, line []byte) []byte {
	dst = append(dst, epochChecksumPrefix...)
	const digits = "0123456789abcdef"
	c := checksum(line)
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, digits[c>>uint(shift)&0xf])
	}
	return append(dst, '\n')
}

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

// DecodeEpoch parses an epoch file's content. Like ZooKeeper it reads the epoch from the
// first line; surrounding whitespace is ignored. A file of that line alone (as ZooKeeper
// writes it) is accepted; anything after it must be the checksum line EncodeEpoch
// writes, and match.
func DecodeEpoch(file string, data []byte) (int64, error) {
	raw, rest, _ := strings.Cut(string(data), "\n")
	line := strings.TrimSpace(raw)
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
	if rest != "" && rest != string(appendEpochChecksum(nil, []byte(raw))) {
		return 0, &EpochError{File: file, Text: text, Reason: "checksum mismatch"}
	}
	return v, nil
}
