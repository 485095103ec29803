package storage

import (
	"strconv"
	"strings"
)

// File names, as ZooKeeper spells them.
const (
	logPrefix         = "log."
	snapshotPrefix    = "snapshot."
	AcceptedEpochFile = "acceptedEpoch"
	CurrentEpochFile  = "currentEpoch"
	tempSuffix        = ".tmp"
	// CurrentEpochTempFile is where a host stages a new currentEpoch before renaming it
	// into place. Recover trusts it when the log is ahead of currentEpoch (see Recover).
	CurrentEpochTempFile = CurrentEpochFile + tempSuffix
	maxZxidHexDigits     = 16
	epochCounterBits     = 32
	epochCounterMask     = 1<<epochCounterBits - 1
)

// Kind tells what a file name denotes.
type Kind int

const (
	KindOther Kind = iota
	KindLog
	KindSnapshot
	KindAcceptedEpoch
	KindCurrentEpoch
	KindTemp // a leftover <name>.tmp from an interrupted atomic write
)

func (k Kind) String() string {
	switch k {
	case KindLog:
		return "log"
	case KindSnapshot:
		return "snapshot"
	case KindAcceptedEpoch:
		return "acceptedEpoch"
	case KindCurrentEpoch:
		return "currentEpoch"
	case KindTemp:
		return "temp"
	}
	return "other"
}

// LogFileName is the name of the log file whose first record has zxid, e.g.
// log.100000001 (lowercase hex, no padding, as ZooKeeper's Long.toHexString).
func LogFileName(zxid int64) string { return logPrefix + strconv.FormatInt(zxid, 16) }

// SnapshotFileName is the name of the snapshot taken at zxid.
func SnapshotFileName(zxid int64) string { return snapshotPrefix + strconv.FormatInt(zxid, 16) }

// ParseFileName classifies a file name. The zxid is meaningful for logs and snapshots.
// Names with other shapes (compressed snapshots, foreign files) are KindOther.
func ParseFileName(name string) (Kind, int64) {
	switch {
	case name == AcceptedEpochFile:
		return KindAcceptedEpoch, 0
	case name == CurrentEpochFile:
		return KindCurrentEpoch, 0
	case name == AcceptedEpochFile+tempSuffix || name == CurrentEpochTempFile:
		return KindTemp, 0
	case strings.HasPrefix(name, logPrefix):
		if z, ok := parseHexZxid(name[len(logPrefix):]); ok {
			return KindLog, z
		}
	case strings.HasPrefix(name, snapshotPrefix):
		if z, ok := parseHexZxid(name[len(snapshotPrefix):]); ok {
			return KindSnapshot, z
		}
	}
	return KindOther, 0
}

// parseHexZxid accepts exactly what FormatInt(z, 16) produces for z >= 0, so that a
// name and its zxid are one-to-one.
func parseHexZxid(s string) (int64, bool) {
	if s == "" || len(s) > maxZxidHexDigits || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return 0, false
		}
	}
	z, err := strconv.ParseInt(s, 16, 64)
	if err != nil {
		return 0, false
	}
	return z, true
}

// EpochOf is the epoch half of a zxid.
func EpochOf(zxid int64) int64 { return zxid >> epochCounterBits }

// counterOf is the counter half of a zxid.
func counterOf(zxid int64) int64 { return zxid & epochCounterMask }
