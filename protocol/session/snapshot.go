package session

import (
	"cmp"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"strconv"
)

// Snapshot errors.
var (
	ErrShortBuffer = errors.New("session: short buffer")
	ErrBadCount    = errors.New("session: bad session count")
	ErrDuplicateID = errors.New("session: duplicate session id")
)

// Entry is one session as a snapshot stores it.
type Entry struct {
	ID      ID
	Timeout int32
}

// Entries returns every session in the table, closing ones included, sorted by id.
func (t *Table) Entries() []Entry {
	out := make([]Entry, 0, len(t.sessions))
	for _, id := range slices.Sorted(maps.Keys(t.sessions)) {
		out = append(out, Entry{ID: id, Timeout: t.sessions[id].timeout})
	}
	return out
}

// AppendEntries appends the snapshot encoding of entries to b, in id order whatever
// the order given: an int32 count, then for each session an int64 id and an int32
// timeout, big-endian (ZooKeeper's SerializeUtils.serializeSnapshot layout).
func AppendEntries(b []byte, entries []Entry) []byte {
	byID := func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) }
	sorted := entries // Entries and DrainTouches give them sorted: no copy then
	if !slices.IsSortedFunc(sorted, byID) {
		sorted = slices.Clone(entries)
		slices.SortFunc(sorted, byID)
	}
	b = slices.Grow(b, 4+len(sorted)*entryLen)
	b = binary.BigEndian.AppendUint32(b, uint32(len(sorted)))
	for _, e := range sorted {
		b = binary.BigEndian.AppendUint64(b, uint64(e.ID))
		b = binary.BigEndian.AppendUint32(b, uint32(e.Timeout))
	}
	return b
}

// AppendSnapshot appends the encoding of the table's sessions to b.
func (t *Table) AppendSnapshot(b []byte) []byte {
	return AppendEntries(b, t.Entries())
}

const entryLen = 8 + 4

// DecodeEntries decodes what AppendEntries wrote at the start of b and returns the
// entries and the number of bytes read.
func DecodeEntries(b []byte) ([]Entry, int, error) {
	if len(b) < 4 {
		return nil, 0, wrap(ErrShortBuffer, "session count")
	}
	n := int64(int32(binary.BigEndian.Uint32(b)))
	if n < 0 {
		return nil, 0, wrap(ErrBadCount, strconv.FormatInt(n, 10))
	}
	if int64(len(b)-4) < n*entryLen {
		return nil, 0, wrap(ErrShortBuffer, strconv.FormatInt(n, 10)+" sessions in "+strconv.Itoa(len(b)-4)+" bytes")
	}
	out := make([]Entry, n)
	off := 4
	increasing := true // as AppendEntries writes them: then no id repeats
	for i := range out {
		out[i] = Entry{ID: ID(binary.BigEndian.Uint64(b[off:])), Timeout: int32(binary.BigEndian.Uint32(b[off+8:]))}
		increasing = increasing && (i == 0 || out[i-1].ID < out[i].ID)
		off += entryLen
	}
	if !increasing {
		seen := make(map[ID]struct{}, n)
		for _, e := range out {
			if _, dup := seen[e.ID]; dup {
				return nil, 0, wrap(ErrDuplicateID, "0x"+strconv.FormatUint(uint64(e.ID), 16))
			}
			seen[e.ID] = struct{}{}
		}
	}
	return out, off, nil
}

// Restore tracks every entry as an open session touched at now, as a server does when
// it loads a snapshot: the sessions get a full timeout from the moment it starts.
func (t *Table) Restore(entries []Entry, now int64) {
	for _, e := range entries {
		t.Track(e.ID, e.Timeout, now)
	}
}
