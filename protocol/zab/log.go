package zab

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

// after returns the index of the first entry with zxid > z. Callers mostly ask about
// the newest entries, so the end is checked first; the search is written out because
// it runs on every commit and Advance.
func (l *memLog) after(z int64) int {
	es := l.entries
	if len(es) == 0 || es[len(es)-1].Zxid <= z {
		return len(es)
	}
	lo, hi := 0, len(es)-1 // es[hi].Zxid > z
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if es[m].Zxid <= z {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
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

// truncate drops entries above z. The capacity goes too, so that later appends never
// overwrite entries a Ready handed out (CommittedEntries alias the log).
func (l *memLog) truncate(z int64) {
	i := l.after(z)
	l.entries = l.entries[:i:i]
}

// reset makes the log empty after z (snapshot installed).
func (l *memLog) reset(z int64) {
	l.base = z
	l.entries = nil
}

// trim forgets entries up to applied beyond the newest keep of them. It waits until
// there are keep extra entries so that the copy is amortized.
func (l *memLog) trim(applied int64, keep int) {
	if len(l.entries) < keep+max(keep, 1) {
		return // n below cannot reach max(keep, 1)
	}
	n := l.after(applied) - keep
	if n < max(keep, 1) {
		return
	}
	l.base = l.entries[n-1].Zxid
	// A copy (handed-out entries stay intact) with room for the keep entries that
	// come before the next trim, so that appends do not regrow it meanwhile.
	rest := l.entries[n:]
	l.entries = append(make([]Entry, 0, len(rest)+keep+1), rest...)
}
