package zab

import "slices"

// memLog is the tail of the transaction log that zab keeps in memory: every entry
// after base, in increasing zxid order. Entries up to base are in the state machine.
//
// Invariant: base < entries[0].Zxid < entries[1].Zxid < ...
type memLog struct {
	base    int64
	entries []Entry
}

func (l *memLog) last() int64 {
	if len(l.entries) == 0 {
		return l.base
	}
	return l.entries[len(l.entries)-1].Zxid
}

// after returns the index of the first entry with zxid > z.
func (l *memLog) after(z int64) int {
	i, _ := slices.BinarySearchFunc(l.entries, z+1, func(e Entry, z int64) int {
		switch {
		case e.Zxid < z:
			return -1
		case e.Zxid > z:
			return 1
		}
		return 0
	})
	return i
}

// has reports whether z is the base or an entry.
func (l *memLog) has(z int64) bool {
	if z == l.base {
		return true
	}
	i := l.after(z - 1)
	return i < len(l.entries) && l.entries[i].Zxid == z
}

// between returns the entries with lo < zxid <= hi.
func (l *memLog) between(lo, hi int64) []Entry {
	return l.entries[l.after(lo):l.after(hi)]
}

func (l *memLog) append(e Entry) { l.entries = append(l.entries, e) }

// truncate drops entries above z.
func (l *memLog) truncate(z int64) {
	l.entries = l.entries[:l.after(z)]
}

// reset makes the log empty after z (snapshot installed).
func (l *memLog) reset(z int64) {
	l.base = z
	l.entries = nil
}

// trim forgets entries up to applied beyond the newest keep of them. It waits until
// there are keep extra entries so that the copy is amortized.
func (l *memLog) trim(applied int64, keep int) {
	n := l.after(applied) - keep
	if n < max(keep, 1) {
		return
	}
	l.base = l.entries[n-1].Zxid
	l.entries = slices.Clone(l.entries[n:])
}
