package storage

// TruncatePlan returns the repairs that drop every transaction above zxid, as a ZAB
// follower must on TRUNC (reference §4.8, §5): log files that start above zxid are
// deleted, the file holding zxid is cut just after it, and snapshots taken above zxid
// are deleted. Damage met on the way fails as in Recover. zxid must be the zxid of a
// logged record or of a snapshot, and a valid snapshot at or below it must remain;
// otherwise ZooKeeper refuses too, and the leader has to send a full snapshot.
func TruncatePlan(fs FileSet, zxid int64) ([]Repair, error) {
	l := classify(fs.List())
	var repairs []Repair
	known := false
	for _, f := range l.logs {
		if f.zxid > zxid {
			repairs = append(repairs, Repair{Kind: RepairDelete, Name: f.name, Reason: "after truncation to " + hex(zxid)})
			continue
		}
		data, err := read(fs, f.name)
		if err != nil {
			return nil, err
		}
		s, err := scanLog(data)
		if err == nil && s.headerOK && s.firstZxid != f.zxid {
			err = errorOf(ErrOrder, "header says first zxid ", hex(s.firstZxid))
		}
		if err != nil {
			return nil, inFile(f.name, err)
		}
		keep := s.end
		for i, r := range s.records {
			if r.Zxid == zxid {
				known = true
			}
			if r.Zxid > zxid {
				keep = s.ends[i] - int64(RecordHeaderSize+len(r.Payload))
				break
			}
		}
		switch {
		case keep == LogHeaderSize || !s.headerOK:
			repairs = append(repairs, Repair{Kind: RepairDelete, Name: f.name, Reason: "nothing left at or below " + hex(zxid)})
		case keep < int64(len(data)) && !(s.tail == tailZeros && keep == s.end):
			repairs = append(repairs, Repair{Kind: RepairTruncate, Name: f.name, Offset: keep, Reason: "truncation to " + hex(zxid)})
		}
	}
	base := false
	for _, f := range l.snapshots {
		if f.zxid > zxid {
			repairs = append(repairs, Repair{Kind: RepairDelete, Name: f.name, Reason: "snapshot after truncation to " + hex(zxid)})
			continue
		}
		data, err := read(fs, f.name)
		if err != nil {
			return nil, err
		}
		if z, _, err := DecodeSnapshot(data); err == nil && z == f.zxid {
			base = true
			known = known || z == zxid
			break
		}
	}
	if !base {
		return nil, errorOf(ErrNoSnapshot, "no valid snapshot at or below ", hex(zxid))
	}
	if !known {
		return nil, errorOf(ErrInvalid, "zxid ", hex(zxid), " is neither logged nor snapshotted")
	}
	return repairs, nil
}
