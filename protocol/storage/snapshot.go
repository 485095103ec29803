package storage

import (
	"encoding/binary"
	"strconv"
)

// Snapshot file layout (big-endian):
//
//	magic "ZKSN" | version u32 | zxid i64 | payload length u64 | payload | crc32c(everything before) u32
//
// The payload (the data tree and session table) is encoded by another package. A host
// should write a snapshot under a temporary name and rename it, but recovery does not
// rely on that: a torn or damaged snapshot fails its checksum and an older one is used.
const (
	snapMagic = "ZKSN"
	// SnapshotOverhead is the size of a snapshot file minus its payload.
	SnapshotOverhead = 28
	snapHeaderSize   = 24
)

// EncodeSnapshot returns the name and contents of the snapshot file for payload taken
// at zxid. Zxid 0 is the empty snapshot a fresh node writes before logging anything.
func EncodeSnapshot(zxid int64, payload []byte) (string, []byte, error) {
	if zxid < 0 {
		return "", nil, errorOf(ErrInvalid, "snapshot zxid ", hex(zxid))
	}
	buf := make([]byte, 0, SnapshotOverhead+len(payload))
	buf = append(buf, snapMagic...)
	buf = binary.BigEndian.AppendUint32(buf, formatVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(zxid))
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(payload)))
	buf = append(buf, payload...)
	buf = binary.BigEndian.AppendUint32(buf, checksum(buf))
	return SnapshotFileName(zxid), buf, nil
}

// DecodeSnapshot checks a snapshot file and returns its zxid and payload (which aliases
// data). Every failure wraps ErrCorrupt.
func DecodeSnapshot(data []byte) (int64, []byte, error) {
	if len(data) < SnapshotOverhead {
		return 0, nil, errorOf(ErrCorrupt, "snapshot of ", itoa(len(data)), " bytes is shorter than its header")
	}
	if string(data[:4]) != snapMagic {
		return 0, nil, errorOf(ErrCorrupt, "bad snapshot magic ", strconv.Quote(string(data[:4])))
	}
	body := data[:len(data)-4]
	if binary.BigEndian.Uint32(data[len(data)-4:]) != checksum(body) {
		return 0, nil, errorOf(ErrCorrupt, "snapshot checksum mismatch")
	}
	if v := binary.BigEndian.Uint32(data[4:8]); v != formatVersion {
		return 0, nil, errorOf(ErrCorrupt, "snapshot format version ", itoa(v), ", want ", itoa(formatVersion))
	}
	zxid := int64(binary.BigEndian.Uint64(data[8:16]))
	size := binary.BigEndian.Uint64(data[16:24])
	if zxid < 0 || size != uint64(len(body)-snapHeaderSize) {
		return 0, nil, errorOf(ErrCorrupt, "snapshot header does not match its length")
	}
	return zxid, body[snapHeaderSize:len(body):len(body)], nil
}
