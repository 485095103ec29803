package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// txns builds n records with consecutive zxids from first, with small distinct payloads.
func txns(first int64, n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		z := first + int64(i)
		recs[i] = Record{Zxid: z, Payload: fmt.Appendf(nil, "txn-%x", z)}
	}
	return recs
}

func mustLog(t testing.TB, recs []Record) (string, []byte) {
	t.Helper()
	name, data, err := EncodeLogFile(recs)
	if err != nil {
		t.Fatal(err)
	}
	return name, data
}

func mustSnap(t testing.TB, zxid int64, payload string) (string, []byte) {
	t.Helper()
	name, data, err := EncodeSnapshot(zxid, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return name, data
}

// node builds a file set with snapshot.0, one log file per batch and both epoch files.
func node(t testing.TB, epoch int64, batches ...[]Record) MemFiles {
	t.Helper()
	m := MemFiles{}
	n, d := mustSnap(t, 0, "empty")
	m[n] = d
	for _, b := range batches {
		n, d := mustLog(t, b)
		m[n] = d
	}
	m[CurrentEpochFile] = EncodeEpoch(epoch)
	m[AcceptedEpochFile] = EncodeEpoch(epoch)
	return m
}

func zxidsOf(recs []Record) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Zxid
	}
	return out
}

func TestFileNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		zxid int64
	}{
		{"log.100000001", KindLog, 0x100000001},
		{"snapshot.0", KindSnapshot, 0},
		{"snapshot.1a2b", KindSnapshot, 0x1a2b},
		{"acceptedEpoch", KindAcceptedEpoch, 0},
		{"currentEpoch", KindCurrentEpoch, 0},
		{"currentEpoch.tmp", KindTemp, 0},
		{"log.0100", KindOther, 0},          // padded: not what LogFileName writes
		{"log.ABC", KindOther, 0},           // upper case
		{"log.", KindOther, 0},              // no zxid
		{"snapshot.5.snappy", KindOther, 0}, // compressed snapshots are not ours
		{"log.ffffffffffffffff", KindOther, 0},
		{"myid", KindOther, 0},
	} {
		kind, z := ParseFileName(tc.name)
		if kind != tc.kind || z != tc.zxid {
			t.Errorf("ParseFileName(%q) = %v, %#x; want %v, %#x", tc.name, kind, z, tc.kind, tc.zxid)
		}
	}
	if got := LogFileName(0x100000001); got != "log.100000001" {
		t.Errorf("LogFileName = %q", got)
	}
	if got := SnapshotFileName(0); got != "snapshot.0" {
		t.Errorf("SnapshotFileName = %q", got)
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []Record
	}{
		{"empty file", nil},
		{"zxid zero", []Record{{Zxid: 0}}},
		{"epoch zxid without counter", []Record{{Zxid: 2 << 32}}},
		{"negative", []Record{{Zxid: -5}}},
		{"not increasing", []Record{{Zxid: 3}, {Zxid: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := EncodeLogFile(tc.recs); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, _, err := EncodeSnapshot(-1, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("snapshot err = %v", err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte{0, 1, 2}, 1000)} {
		name, data, err := EncodeSnapshot(0x300000007, payload)
		if err != nil {
			t.Fatal(err)
		}
		if name != "snapshot.300000007" || len(data) != SnapshotOverhead+len(payload) {
			t.Fatalf("name %q len %d", name, len(data))
		}
		z, got, err := DecodeSnapshot(data)
		if err != nil || z != 0x300000007 || !bytes.Equal(got, payload) {
			t.Fatalf("decode = %#x %q %v", z, got, err)
		}
		for cut := range len(data) {
			if _, _, err := DecodeSnapshot(data[:cut]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("cut at %d: err = %v", cut, err)
			}
		}
	}
}

func TestDecodeEpoch(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   int64
		reason string
	}{
		{"0", 0, ""},
		{"7", 7, ""},
		{"12\n", 12, ""},
		{"  12 \r\n", 12, ""},
		{"3\ngarbage", 0, "checksum mismatch"}, // only a checksum may follow the epoch
		{"3\ncrc32c=00000000\n", 0, "checksum mismatch"},
		{"", 0, "empty epoch file"},
		{"\n5", 0, "empty epoch file"},
		{"0x10", 0, "not a decimal integer"},
		{"1 2", 0, "not a decimal integer"},
		{"-1", 0, "epoch out of range"},
		{"4294967296", 0, "epoch out of range"},
		{"99999999999999999999", 0, "not a decimal integer"},
	} {
		got, err := DecodeEpoch("currentEpoch", []byte(tc.in))
		if tc.reason == "" {
			if err != nil || got != tc.want {
				t.Errorf("DecodeEpoch(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			continue
		}
		var ee *EpochError
		if !errors.As(err, &ee) || ee.Reason != tc.reason || ee.File != "currentEpoch" || !errors.Is(err, ErrEpoch) {
			t.Errorf("DecodeEpoch(%q) err = %v, want reason %q", tc.in, err, tc.reason)
		}
	}
	for _, e := range []int64{0, 1, 42, MaxEpoch} {
		if got, err := DecodeEpoch("acceptedEpoch", EncodeEpoch(e)); err != nil || got != e {
			t.Errorf("round trip %d: %d, %v", e, got, err)
		}
	}
	// ZooKeeper reads the first line: the epoch alone.
	if got, _, _ := strings.Cut(string(EncodeEpoch(12)), "\n"); got != "12" {
		t.Errorf("EncodeEpoch(12) first line = %q", got)
	}
}

// TestDecodeEpochBitFlip: a flipped bit anywhere in an epoch file is detected, never
// read as another epoch (in a decimal digit it often makes another digit).
func TestDecodeEpochBitFlip(t *testing.T) {
	for _, e := range []int64{0, 1, 9, 1234} {
		enc := EncodeEpoch(e)
		for i := range len(enc) * 8 {
			data := slices.Clone(enc)
			data[i/8] ^= 1 << (i % 8)
			if got, err := DecodeEpoch("acceptedEpoch", data); !errors.Is(err, ErrEpoch) {
				t.Errorf("epoch %d, bit %d flipped (%q): %d, %v; want ErrEpoch", e, i, data, got, err)
			}
		}
	}
}

func TestRecoverRoundTrip(t *testing.T) {
	a, b := txns(0x100000001, 5), txns(0x100000006, 3)
	c := txns(0x200000001, 2)
	m := node(t, 2, a, b, c)
	st, err := Recover(m)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(a, b, c)
	if !slices.EqualFunc(st.Records, want, func(x, y Record) bool { return x.Zxid == y.Zxid && bytes.Equal(x.Payload, y.Payload) }) {
		t.Fatalf("records = %x, want %x", zxidsOf(st.Records), zxidsOf(want))
	}
	if !st.HasSnapshot || st.SnapshotName != "snapshot.0" || string(st.Snapshot) != "empty" {
		t.Fatalf("snapshot = %+v", st)
	}
	if st.LastZxid != 0x200000002 || st.CurrentEpoch != 2 || st.AcceptedEpoch != 2 || len(st.Repairs) != 0 {
		t.Fatalf("state = last %#x epochs %d/%d repairs %v", st.LastZxid, st.CurrentEpoch, st.AcceptedEpoch, st.Repairs)
	}
	if st.Tail != (LogTail{Name: "log.200000001", Offset: int64(len(m["log.200000001"]))}) {
		t.Fatalf("tail = %+v", st.Tail)
	}
}

// TestRecoverAppendAcrossBatches checks that appending batches to one file is the same
// as writing the file at once.
func TestRecoverAppendAcrossBatches(t *testing.T) {
	recs := txns(0x100000001, 10)
	data, err := AppendLogHeader(nil, recs[0].Zxid)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); i += 3 {
		if data, err = AppendRecords(data, recs[i:min(i+3, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
	_, whole := mustLog(t, recs)
	if !bytes.Equal(data, whole) {
		t.Fatal("batched encoding differs from whole-file encoding")
	}
}

func corrupt(b []byte, at int) []byte {
	c := slices.Clone(b)
	c[at] ^= 0x10
	return c
}

func TestRecover(t *testing.T) {
	a := txns(0x100000001, 4)
	logA, dataA := mustLog(t, a)
	rec2 := LogHeaderSize + 2*(RecordHeaderSize+len(a[0].Payload)) // offset of a[2]
	rec3 := rec2 + RecordHeaderSize + len(a[2].Payload)            // offset of a[3]
	_, snap3 := mustSnap(t, 0x100000003, "at 3")
	_, snap0 := mustSnap(t, 0, "empty")

	type want struct {
		zxids   []int64
		snap    string
		repairs []string
		skipped int
		err     error
	}
	for _, tc := range []struct {
		name  string
		files MemFiles
		want  want
	}{
		{"fresh node", MemFiles{}, want{repairs: []string{"write currentEpoch", "write acceptedEpoch"}}},
		{"fresh node with empty snapshot", MemFiles{"snapshot.0": snap0, "currentEpoch": []byte("0"), "acceptedEpoch": []byte("1")},
			want{snap: "snapshot.0"}},
		{"log replayed after snapshot", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0"}},
		{"records up to the snapshot skipped", MemFiles{"snapshot.0": snap0, "snapshot.100000003": snap3, logA: dataA, "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: []int64{0x100000004}, snap: "snapshot.100000003"}},
		{"damaged newest snapshot falls back", MemFiles{"snapshot.0": snap0, "snapshot.100000003": corrupt(snap3, 30), logA: dataA, "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", skipped: 1}},
		{"snapshot under the wrong name", MemFiles{"snapshot.0": snap0, "snapshot.100000002": snap3, logA: dataA, "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", skipped: 1}},
		{"every snapshot damaged", MemFiles{"snapshot.0": corrupt(snap0, 3), logA: dataA},
			want{err: ErrCorrupt}},
		{"log without snapshot", MemFiles{logA: dataA}, want{err: ErrNoSnapshot}},
		{"torn tail truncated", MemFiles{"snapshot.0": snap0, logA: dataA[:len(dataA)-3], "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a[:3]), snap: "snapshot.0", repairs: []string{fmt.Sprintf("truncate log.100000001 at %d", len(dataA)-RecordHeaderSize-len(a[3].Payload))}}},
		{"pre-allocated zeros are the end", MemFiles{"snapshot.0": snap0, logA: append(slices.Clone(dataA), make([]byte, 4096)...), "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0"}},
		{"incomplete last header truncated", MemFiles{"snapshot.0": snap0, logA: dataA[:rec3+7], "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a[:3]), snap: "snapshot.0", repairs: []string{fmt.Sprintf("truncate log.100000001 at %d", rec3)}}},
		// A complete last record that fails its checksum was damaged after it was
		// written; it may have been acknowledged, so it is never silently cut.
		{"damaged complete last record is an error", MemFiles{"snapshot.0": snap0, logA: corrupt(dataA, len(dataA)-1), "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{err: ErrCorrupt}},
		{"damaged header of the complete last record is an error", MemFiles{"snapshot.0": snap0, logA: corrupt(dataA, rec3+9), "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{err: ErrCorrupt}},
		{"damaged last record before pre-allocated zeros is an error", MemFiles{"snapshot.0": snap0, logA: append(corrupt(dataA, len(dataA)-1), make([]byte, 4096)...), "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{err: ErrCorrupt}},
		{"damaged middle record is an error", MemFiles{"snapshot.0": snap0, logA: corrupt(dataA, rec2+RecordHeaderSize)},
			want{err: ErrCorrupt}},
		{"damaged middle header is an error", MemFiles{"snapshot.0": snap0, logA: corrupt(dataA, rec2+9)},
			want{err: ErrCorrupt}},
		{"damaged file header is an error", MemFiles{"snapshot.0": snap0, logA: corrupt(dataA, 10)},
			want{err: ErrCorrupt}},
		{"header-only trailing log deleted", MemFiles{"snapshot.0": snap0, logA: dataA, "log.100000005": mustHeader(t, 0x100000005), "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"delete log.100000005"}}},
		{"torn header trailing log deleted", MemFiles{"snapshot.0": snap0, logA: dataA, "log.100000005": mustHeader(t, 0x100000005)[:7], "currentEpoch": []byte("1"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"delete log.100000005"}}},
		{"gap between files", MemFiles{"snapshot.0": snap0, logA: dataA, "log.100000006": mustLogData(t, txns(0x100000006, 1))},
			want{err: ErrGap}},
		{"log does not continue the snapshot", MemFiles{"snapshot.0": snap0, "log.100000002": mustLogData(t, txns(0x100000002, 2))},
			want{err: ErrGap}},
		{"overlapping files", MemFiles{"snapshot.0": snap0, logA: dataA, "log.100000004": mustLogData(t, txns(0x100000004, 2))},
			want{err: ErrOrder}},
		{"file named after another zxid", MemFiles{"snapshot.0": snap0, "log.100000002": dataA},
			want{err: ErrOrder}},
		{"new epoch may restart the counter", MemFiles{"snapshot.0": snap0, logA: dataA, "log.300000001": mustLogData(t, txns(0x300000001, 1)), "currentEpoch": []byte("3"), "acceptedEpoch": []byte("3")},
			want{zxids: append(zxidsOf(a), 0x300000001), snap: "snapshot.0"}},
		{"missing epochs rebuilt", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch.tmp": []byte("9")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"write currentEpoch", "write acceptedEpoch", "delete currentEpoch.tmp"}}},
		{"unreadable epoch", MemFiles{"snapshot.0": snap0, "currentEpoch": []byte("x"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"currentEpoch older than the log", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"acceptedEpoch below currentEpoch", MemFiles{"snapshot.0": snap0, "currentEpoch": []byte("2"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"currentEpoch raised to the log as its staged file allows", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "currentEpoch.tmp": []byte("2"), "acceptedEpoch": []byte("2")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"write currentEpoch", "delete currentEpoch.tmp"}}},
		{"staged currentEpoch older than the log", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "currentEpoch.tmp": []byte("0"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"staged currentEpoch unreadable", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "currentEpoch.tmp": []byte("1x"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"staged acceptedEpoch does not vouch for currentEpoch", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "acceptedEpoch.tmp": []byte("1"), "acceptedEpoch": []byte("1")},
			want{err: ErrEpoch}},
		{"stale staged currentEpoch deleted", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("1"), "currentEpoch.tmp": []byte("2"), "acceptedEpoch.tmp": []byte("2"), "acceptedEpoch": []byte("2")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"delete acceptedEpoch.tmp", "delete currentEpoch.tmp"}}},
		{"other temporary files deleted when the staged epoch is taken", MemFiles{"snapshot.0": snap0, logA: dataA, "currentEpoch": []byte("0"), "currentEpoch.tmp": []byte("1"), "acceptedEpoch.tmp": []byte("3"), "acceptedEpoch": []byte("1")},
			want{zxids: zxidsOf(a), snap: "snapshot.0", repairs: []string{"write currentEpoch", "delete currentEpoch.tmp", "delete acceptedEpoch.tmp"}}},
		{"foreign files ignored", MemFiles{"snapshot.0": snap0, "myid": []byte("1"), "snapshot.3.snappy": nil, "currentEpoch": []byte("0"), "acceptedEpoch": []byte("0")},
			want{snap: "snapshot.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Recover(tc.files)
			if tc.want.err != nil {
				if !errors.Is(err, tc.want.err) {
					t.Fatalf("err = %v, want %v", err, tc.want.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := zxidsOf(st.Records); !slices.Equal(got, tc.want.zxids) && len(got)+len(tc.want.zxids) > 0 {
				t.Errorf("zxids = %x, want %x", got, tc.want.zxids)
			}
			if st.SnapshotName != tc.want.snap || st.HasSnapshot != (tc.want.snap != "") {
				t.Errorf("snapshot = %q, want %q", st.SnapshotName, tc.want.snap)
			}
			var repairs []string
			for _, r := range st.Repairs {
				s := r.Kind.String() + " " + r.Name
				if r.Kind == RepairTruncate {
					s += fmt.Sprintf(" at %d", r.Offset)
				}
				repairs = append(repairs, s)
			}
			if !slices.Equal(repairs, tc.want.repairs) {
				t.Errorf("repairs = %q, want %q", repairs, tc.want.repairs)
			}
			if len(st.Skipped) != tc.want.skipped {
				t.Errorf("skipped = %v, want %d", st.Skipped, tc.want.skipped)
			}
			if _, ok := tc.files[CurrentEpochTempFile]; ok && len(st.Repairs) > 1 && st.Repairs[0].Name == CurrentEpochFile && st.Repairs[1].Name == CurrentEpochTempFile {
				// The staged epoch (2) may be newer than the log, whose records a crash
				// may have torn: currentEpoch claims only the last zxid's epoch.
				if want := EpochOf(st.LastZxid); st.CurrentEpoch != want {
					t.Errorf("currentEpoch = %d, want the last zxid's %d", st.CurrentEpoch, want)
				}
			}
			// After the repairs, recovery is clean and gives the same state.
			if err := tc.files.Apply(st.Repairs); err != nil {
				t.Fatal(err)
			}
			again, err := Recover(tc.files)
			if err != nil || len(again.Repairs) != 0 || !slices.Equal(zxidsOf(again.Records), zxidsOf(st.Records)) {
				t.Fatalf("after repairs: %v, repairs %v", err, again.Repairs)
			}
		})
	}
}

func mustHeader(t testing.TB, zxid int64) []byte {
	t.Helper()
	h, err := AppendLogHeader(nil, zxid)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustLogData(t testing.TB, recs []Record) []byte {
	t.Helper()
	_, d := mustLog(t, recs)
	return d
}

func TestTruncatePlan(t *testing.T) {
	a, b := txns(0x100000001, 4), txns(0x100000005, 4)
	for _, tc := range []struct {
		name  string
		to    int64
		snaps []int64
		want  []int64
		err   error
	}{
		{"inside the second file", 0x100000006, []int64{0}, zxidsOf(slices.Concat(a, b[:2])), nil},
		{"end of the first file", 0x100000004, []int64{0}, zxidsOf(a), nil},
		{"inside the first file", 0x100000002, []int64{0}, zxidsOf(a[:2]), nil},
		{"nothing to drop", 0x100000008, []int64{0}, zxidsOf(slices.Concat(a, b)), nil},
		{"newer snapshot dropped", 0x100000003, []int64{0, 0x100000006}, zxidsOf(a[:3]), nil},
		{"to a snapshot zxid", 0, []int64{0}, nil, nil},
		{"unknown zxid", 0x100000009, []int64{0}, nil, ErrInvalid},
		{"below every snapshot", 0x100000002, []int64{0x100000003}, nil, ErrNoSnapshot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := node(t, 1, a, b)
			delete(m, "snapshot.0")
			for _, z := range tc.snaps {
				n, d := mustSnap(t, z, "s")
				m[n] = d
			}
			repairs, err := TruncatePlan(m, tc.to)
			if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if err := m.Apply(repairs); err != nil {
				t.Fatal(err)
			}
			st, err := Recover(m)
			if err != nil || len(st.Repairs) != 0 {
				t.Fatalf("recover after truncation: %v %v", err, st.Repairs)
			}
			if got := zxidsOf(st.Records); !slices.Equal(got, tc.want) && len(got)+len(tc.want) > 0 {
				t.Fatalf("zxids = %x, want %x", got, tc.want)
			}
			if st.LastZxid != tc.to {
				t.Fatalf("last zxid %#x, want %#x", st.LastZxid, tc.to)
			}
		})
	}
}

func TestPurgePlan(t *testing.T) {
	names := []string{
		"snapshot.0", "snapshot.10", "snapshot.20", "snapshot.30", "snapshot.40",
		"log.1", "log.8", "log.15", "log.25", "log.35", "myid", "currentEpoch",
	}
	for _, tc := range []struct {
		retain int
		want   []string
		err    error
	}{
		// Keep snapshots 40, 30, 20; log.15 may hold zxid 21, so it stays.
		{3, []string{"log.1", "log.8", "snapshot.0", "snapshot.10"}, nil},
		{4, []string{"log.1", "snapshot.0"}, nil},
		{5, nil, nil},
		{9, nil, nil},
		{2, nil, ErrInvalid},
	} {
		got, err := PurgePlan(names, tc.retain)
		if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
			t.Fatalf("retain %d: err = %v", tc.retain, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("retain %d: delete %q, want %q", tc.retain, got, tc.want)
		}
	}
	if got, err := PurgePlan([]string{"log.1", "log.5"}, 3); err != nil || got != nil {
		t.Errorf("no snapshot: %q %v", got, err)
	}
}

// TestRecoverUnwrittenSectors: in a file grown with zeros ahead of its writes, a crash
// leaves a torn last record complete in length, its unwritten sectors still zero. That
// is a torn tail and is cut; a record that merely ends in zero bytes and has a bit
// flipped is not mistaken for one.
func TestRecoverUnwrittenSectors(t *testing.T) {
	recs := make([]Record, 12)
	for i := range recs {
		recs[i] = Record{Zxid: 0x100000001 + int64(i), Payload: bytes.Repeat([]byte{byte('a' + i)}, 100)}
	}
	_, data := mustLog(t, recs)
	// The record that straddles the second sector boundary, and where it starts.
	start, k := int64(LogHeaderSize), 0
	for ; start+RecordHeaderSize+100 <= 2*SectorSize; k++ {
		start += RecordHeaderSize + 100
	}
	m := node(t, 1)
	name := LogFileName(recs[0].Zxid)

	torn := append(slices.Clone(data[:2*SectorSize]), make([]byte, 4096)...)
	m[name] = torn
	st, err := Recover(m)
	if err != nil {
		t.Fatalf("torn at a sector boundary: %v", err)
	}
	if !slices.Equal(zxidsOf(st.Records), zxidsOf(recs[:k])) || len(st.Repairs) != 1 ||
		st.Repairs[0].Kind != RepairTruncate || st.Repairs[0].Offset != start {
		t.Fatalf("torn at a sector boundary: records %x, repairs %v; want %d records, truncate at %d", zxidsOf(st.Records), st.Repairs, k, start)
	}

	// The same bytes without room after them: the file ended where the record does,
	// so the record was not torn by pre-allocation.
	short := slices.Clone(torn[:start+RecordHeaderSize+100])
	m[name] = short
	if _, err := Recover(m); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("zeros up to the end of a file that ends with the record: err = %v, want ErrCorrupt", err)
	}

	// Zeros after the record, but not to a whole number of sectors: no file was grown so.
	m[name] = append(slices.Clone(torn), 0)
	if _, err := Recover(m); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("zeros to a length of no whole sectors: err = %v, want ErrCorrupt", err)
	}

	// A last record whose payload ends in zeros, not from a sector boundary, with a
	// flipped bit, before pre-allocated zeros.
	zeroTail := append(bytes.Repeat([]byte{'z'}, 60), make([]byte, 40)...)
	_, data = mustLog(t, append(slices.Clone(recs[:k]), Record{Zxid: recs[k].Zxid, Payload: zeroTail}))
	flipped := append(corrupt(data, int(start)+RecordHeaderSize+3), make([]byte, 4096+(SectorSize-len(data)%SectorSize)%SectorSize)...)
	m[name] = flipped
	if _, err := Recover(m); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped record ending in zeros: err = %v, want ErrCorrupt", err)
	}
}
