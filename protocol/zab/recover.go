package zab

import "strconv"

// Storage is what a restarting server's disk holds, as read by the host.
type Storage struct {
	// AcceptedEpoch and CurrentEpoch are the epoch files; -1 when a file is missing.
	AcceptedEpoch int64
	CurrentEpoch  int64
	// SnapshotZxid is the zxid of the snapshot the state machine was loaded from
	// (0 when starting empty).
	SnapshotZxid int64
	// Log is the transaction log in file order. Entries at or below SnapshotZxid
	// (snapshots are fuzzy) are skipped.
	Log []Entry
}

// State is a server's recovered durable state, the input of New.
type State struct {
	HardState
	SnapshotZxid int64
	Log          []Entry // entries after SnapshotZxid, increasing
}

// Recover rebuilds the durable state from storage. A missing currentEpoch is taken
// from the last zxid and a missing acceptedEpoch from currentEpoch, as ZooKeeper does;
// acceptedEpoch < currentEpoch and a log out of order are errors.
func Recover(s Storage) (State, error) {
	st := State{SnapshotZxid: s.SnapshotZxid}
	last := s.SnapshotZxid
	for _, e := range s.Log {
		if e.Zxid <= s.SnapshotZxid {
			continue
		}
		if e.Zxid <= last || CounterOf(e.Zxid) == 0 {
			return State{}, detail(ErrLogOrder, "zxid 0x"+strconv.FormatInt(e.Zxid, 16)+" after 0x"+strconv.FormatInt(last, 16))
		}
		st.Log = append(st.Log, e)
		last = e.Zxid
	}
	st.CurrentEpoch = s.CurrentEpoch
	if st.CurrentEpoch < 0 {
		st.CurrentEpoch = EpochOf(last)
	}
	st.AcceptedEpoch = s.AcceptedEpoch
	if st.AcceptedEpoch < 0 {
		st.AcceptedEpoch = st.CurrentEpoch
	}
	if st.AcceptedEpoch < st.CurrentEpoch {
		return State{}, detail(ErrEpochOrder, strconv.FormatInt(st.AcceptedEpoch, 10)+" < "+strconv.FormatInt(st.CurrentEpoch, 10))
	}
	return st, nil
}
