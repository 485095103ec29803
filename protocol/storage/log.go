package storage

import (
	"encoding/binary"
	"hash/crc32"
)

// Log file layout (all integers big-endian):
//
//	header  magic "ZKLG" | version u32 | first zxid i64 | crc32c(previous 16 bytes) u32
//	record  zxid i64 | payload length u32 | crc32c(payload) u32 | crc32c(previous 16 bytes) u32 | payload
//
// A run of zero bytes where a record header should be is the end of the log: a host may
// pre-grow files with zeros, as ZooKeeper does (preAllocSize). A zero header never
// passes its checksum, because the CRC-32C of sixteen zero bytes is not zero.
const (
	logMagic      = "ZKLG"
	formatVersion = 1

	// LogHeaderSize is the size of the header at the start of every log file.
	LogHeaderSize = 20
	// RecordHeaderSize is the per-record overhead in a log file.
	RecordHeaderSize = 20
	// MaxPayload bounds one record's payload; a longer length field is damage.
	MaxPayload = 1 << 28
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Record is one transaction in the log: its zxid and its opaque encoding.
type Record struct {
	Zxid    int64
	Payload []byte
}

// AppendLogHeader appends the header of a log file whose first record will be firstZxid.
// The file must be named LogFileName(firstZxid).
func AppendLogHeader(dst []byte, firstZxid int64) ([]byte, error) {
	if !isTxnZxid(firstZxid) {
		return dst, errorOf(ErrInvalid, "log cannot start at zxid ", hex(firstZxid))
	}
	start := len(dst)
	dst = append(dst, logMagic...)
	dst = binary.BigEndian.AppendUint32(dst, formatVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(firstZxid))
	return binary.BigEndian.AppendUint32(dst, checksum(dst[start:])), nil
}

// AppendRecords appends the encoding of a batch of records, which is what a host writes
// (and fsyncs) at the end of the current log file. Zxids must be strictly increasing
// within the batch; continuity with what the file already holds is the caller's duty.
func AppendRecords(dst []byte, recs []Record) ([]byte, error) {
	for i, r := range recs {
		if !isTxnZxid(r.Zxid) {
			return dst, errorOf(ErrInvalid, "zxid ", hex(r.Zxid), " names no transaction")
		}
		if i > 0 && r.Zxid <= recs[i-1].Zxid {
			return dst, errorOf(ErrInvalid, "zxid ", hex(r.Zxid), " after ", hex(recs[i-1].Zxid), " in one batch")
		}
		if len(r.Payload) > MaxPayload {
			return dst, errorOf(ErrInvalid, "payload of ", itoa(len(r.Payload)), " bytes exceeds ", itoa(MaxPayload))
		}
	}
	for _, r := range recs {
		start := len(dst)
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.Zxid))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Payload)))
		dst = binary.BigEndian.AppendUint32(dst, checksum(r.Payload))
		dst = binary.BigEndian.AppendUint32(dst, checksum(dst[start:]))
		dst = append(dst, r.Payload...)
	}
	return dst, nil
}

// EncodeLogFile returns the name and full contents of a new log file holding recs,
// which must not be empty.
func EncodeLogFile(recs []Record) (string, []byte, error) {
	if len(recs) == 0 {
		return "", nil, errorOf(ErrInvalid, "a log file needs at least one record")
	}
	size := LogHeaderSize
	for _, r := range recs {
		size += RecordHeaderSize + len(r.Payload)
	}
	buf, err := AppendLogHeader(make([]byte, 0, size), recs[0].Zxid)
	if err != nil {
		return "", nil, err
	}
	buf, err = AppendRecords(buf, recs)
	if err != nil {
		return "", nil, err
	}
	return LogFileName(recs[0].Zxid), buf, nil
}

// isTxnZxid reports whether z can name a transaction: positive, with a non-zero counter
// (the zxid epoch<<32 belongs to no transaction, reference §4.1).
func isTxnZxid(z int64) bool { return z > 0 && counterOf(z) != 0 }

// tailState describes what follows the last valid record of a log file.
type tailState int

const (
	tailClean tailState = iota // the file ends exactly after the last record
	tailZeros                  // only zero bytes follow (pre-allocation)
	tailTorn                   // an incomplete or damaged record with nothing valid after it
)

// logScan is the decoded content of one log file.
type logScan struct {
	headerOK  bool
	firstZxid int64    // from the header, when headerOK
	records   []Record // payloads alias the scanned bytes
	ends      []int64  // ends[i] is the offset just past records[i]
	end       int64    // offset just past the last valid record (or the header)
	tail      tailState
	tailWhy   string
}

// scanLog decodes a log file. It fails only on damage that a torn tail cannot explain
// (ErrCorrupt) and on valid records out of order (ErrOrder). A file without a valid
// header and without any valid record is reported with headerOK false.
func scanLog(data []byte) (logScan, error) {
	var s logScan
	if len(data) >= LogHeaderSize && string(data[:4]) == logMagic &&
		binary.BigEndian.Uint32(data[16:20]) == checksum(data[:16]) {
		if v := binary.BigEndian.Uint32(data[4:8]); v != formatVersion {
			return s, errorOf(ErrCorrupt, "log format version ", itoa(v), ", want ", itoa(formatVersion))
		}
		s.headerOK = true
		s.firstZxid = int64(binary.BigEndian.Uint64(data[8:16]))
	} else {
		if off, ok := findValidRecord(data, 0); ok {
			return s, errorOf(ErrCorrupt, "damaged log header before a valid record at offset ", itoa(off))
		}
		s.tail = tailTorn
		s.tailWhy = "no valid log header"
		if allZero(data) {
			s.tail = tailZeros
		}
		return s, nil
	}
	off := int64(LogHeaderSize)
	for {
		r, next, why, incomplete := recordAt(data, off)
		if why != "" {
			s.end = off
			if why == "end of file" {
				s.tail = tailClean
				return s, nil
			}
			if allZero(data[off:]) {
				s.tail = tailZeros
				return s, nil
			}
			if at, ok := findValidRecord(data, off+1); ok {
				return s, errorOf(ErrCorrupt, why, " at offset ", itoa(off), ", followed by a valid record at offset ", itoa(at))
			}
			if !incomplete && !unwrittenSectors(data, off, next) {
				// Every byte of the record is there, so the write completed: it was
				// damaged afterwards, and may have been fsynced and acknowledged.
				// Cutting it would silently drop a transaction a quorum counts on.
				return s, errorOf(ErrCorrupt, why, " in the complete last record at offset ", itoa(off))
			}
			s.tail, s.tailWhy = tailTorn, why
			return s, nil
		}
		if n := len(s.records); n > 0 && r.Zxid <= s.records[n-1].Zxid {
			return s, errorOf(ErrOrder, "zxid ", hex(r.Zxid), " after ", hex(s.records[n-1].Zxid), " at offset ", itoa(off))
		}
		if len(s.records) == 0 && r.Zxid != s.firstZxid {
			return s, errorOf(ErrOrder, "first record has zxid ", hex(r.Zxid), ", header says ", hex(s.firstZxid))
		}
		s.records = append(s.records, r)
		s.ends = append(s.ends, next)
		off = next
	}
}

// recordAt decodes the record at off. why is empty on success, "end of file" when off is
// exactly the end, and otherwise says what is wrong; incomplete is set when the file
// ends inside the record. next is the record's end as its header claims, or the end of
// the header when the header is unusable.
func recordAt(data []byte, off int64) (r Record, next int64, why string, incomplete bool) {
	n := int64(len(data))
	switch {
	case off == n:
		return r, 0, "end of file", false
	case off+RecordHeaderSize > n:
		return r, n, "incomplete record header", true
	}
	h := data[off : off+RecordHeaderSize]
	next = off + RecordHeaderSize
	if binary.BigEndian.Uint32(h[16:20]) != checksum(h[:16]) {
		return r, next, "record header checksum mismatch", false
	}
	zxid := int64(binary.BigEndian.Uint64(h[0:8]))
	size := int64(binary.BigEndian.Uint32(h[8:12]))
	if size > MaxPayload || !isTxnZxid(zxid) {
		return r, next, "impossible record header", false
	}
	next += size
	if next > n {
		return r, n, "incomplete record payload", true
	}
	payload := data[off+RecordHeaderSize : next : next]
	if binary.BigEndian.Uint32(h[12:16]) != checksum(payload) {
		return r, next, "record payload checksum mismatch", false
	}
	return Record{Zxid: zxid, Payload: payload}, next, "", false
}

// SectorSize is the unit in which a crash may leave a write unwritten.
const SectorSize = 512

// unwrittenSectors reports whether the damaged record [off, end) is explained by a write
// that never reached its last sectors: from a sector boundary inside the record to the
// end of the file every byte is zero, and the file extends past the record to a whole
// number of sectors. That is what a crash leaves in a file grown ahead of its writes
// (pre-allocation, in whole sectors): the record's length is all there, its tail still
// the zeros the file was grown with. A bit flip in a record leaves it otherwise intact,
// so it is not mistaken for this unless the record happens to end in zeros from a
// sector boundary in a file so grown.
func unwrittenSectors(data []byte, off, end int64) bool {
	n := int64(len(data))
	if end >= n || n%SectorSize != 0 {
		return false
	}
	z := n // zeros run from z to the end of the file
	for z > off && data[z-1] == 0 {
		z--
	}
	boundary := (z + SectorSize - 1) / SectorSize * SectorSize
	return boundary > off && boundary < end
}

// findValidRecord looks for a complete, valid record starting anywhere at or after from.
// Windows of zeros are skipped without hashing, so scanning a pre-allocated tail is cheap.
func findValidRecord(data []byte, from int64) (int64, bool) {
	n := int64(len(data))
	for p := from; p+RecordHeaderSize <= n; {
		nz := indexNonZero(data[p:])
		if nz < 0 {
			return 0, false
		}
		if nz >= RecordHeaderSize {
			p += nz - RecordHeaderSize + 1
			continue
		}
		if _, _, why, _ := recordAt(data, p); why == "" {
			return p, true
		}
		p++
	}
	return 0, false
}

func indexNonZero(b []byte) int64 {
	for i, c := range b {
		if c != 0 {
			return int64(i)
		}
	}
	return -1
}

func allZero(b []byte) bool { return indexNonZero(b) < 0 }
