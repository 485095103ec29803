package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// drawHistory draws a log history: consecutive zxids across one or more epochs, with
// payloads of varied sizes (empty included), split into one or more log files.
func drawHistory(t *rapid.T) (recs []Record, files [][]Record) {
	epoch := rapid.Int64Range(1, 5).Draw(t, "epoch")
	n := rapid.IntRange(1, 40).Draw(t, "records")
	counter := int64(0)
	for i := range n {
		if i > 0 && rapid.IntRange(0, 9).Draw(t, "newEpoch") == 0 {
			epoch, counter = epoch+1, 0
		}
		counter++
		payload := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload")
		recs = append(recs, Record{Zxid: epoch<<32 | counter, Payload: payload})
	}
	for start := 0; start < n; {
		size := rapid.IntRange(1, n-start).Draw(t, "fileSize")
		files = append(files, recs[start:start+size])
		start += size
	}
	return recs, files
}

func buildNode(t *rapid.T, files [][]Record) (MemFiles, []string) {
	m := MemFiles{}
	_, snap, err := EncodeSnapshot(0, []byte("base"))
	if err != nil {
		t.Fatal(err)
	}
	m["snapshot.0"] = snap
	var names []string
	for _, f := range files {
		name, data, err := EncodeLogFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = data
		names = append(names, name)
	}
	last := EpochOf(files[len(files)-1][len(files[len(files)-1])-1].Zxid)
	m[CurrentEpochFile], m[AcceptedEpochFile] = EncodeEpoch(last), EncodeEpoch(last)
	return m, names
}

func sameRecords(a, b []Record) bool {
	return slices.EqualFunc(a, b, func(x, y Record) bool { return x.Zxid == y.Zxid && bytes.Equal(x.Payload, y.Payload) })
}

// A crash can cut the last log file at any byte: recovery returns exactly the records
// that were complete before the cut, and tells the host to cut the file there.
func TestPropertyTornTail(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		recs, files := drawHistory(t)
		m, names := buildNode(t, files)
		lastName := names[len(names)-1]
		data := m[lastName]
		cut := rapid.IntRange(0, len(data)).Draw(t, "cut")
		m[lastName] = data[:cut]

		// The model: which records of the last file end at or before the cut.
		kept := len(recs) - len(files[len(files)-1])
		end := int64(LogHeaderSize)
		for _, r := range files[len(files)-1] {
			next := end + RecordHeaderSize + int64(len(r.Payload))
			if next > int64(cut) {
				break
			}
			kept++
			end = next
		}
		st, err := Recover(m)
		if err != nil {
			t.Fatalf("recover: %v", err)
		}
		if !sameRecords(st.Records, recs[:kept]) {
			t.Fatalf("recovered %x, want %x", zxidsOf(st.Records), zxidsOf(recs[:kept]))
		}
		var want []Repair
		switch {
		case kept == len(recs)-len(files[len(files)-1]):
			want = []Repair{{Kind: RepairDelete, Name: lastName}}
		case !allZero(data[end:cut]):
			// A torn tail of zero bytes reads as pre-allocation and needs no repair.
			want = []Repair{{Kind: RepairTruncate, Name: lastName, Offset: end}}
		}
		if len(st.Repairs) != len(want) || (len(want) == 1 && (st.Repairs[0].Kind != want[0].Kind || st.Repairs[0].Offset != want[0].Offset || st.Repairs[0].Name != lastName)) {
			t.Fatalf("repairs %v, want %v (cut %d, end %d)", st.Repairs, want, cut, end)
		}
		if err := m.Apply(st.Repairs); err != nil {
			t.Fatal(err)
		}
		again, err := Recover(m)
		if err != nil || len(again.Repairs) != 0 || !sameRecords(again.Records, st.Records) {
			t.Fatalf("after repair: %v %v", err, again.Repairs)
		}
	})
}

// A flipped bit anywhere in a log file or the snapshot is never served, and never costs
// a record: recovery fails, or it returns the whole true history.
func TestPropertyBitFlip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		recs, files := drawHistory(t)
		m, names := buildNode(t, files)
		targets := append([]string{"snapshot.0"}, names...)
		target := rapid.SampledFrom(targets).Draw(t, "file")
		data := slices.Clone(m[target])
		bit := rapid.IntRange(0, 8*len(data)-1).Draw(t, "bit")
		data[bit/8] ^= 1 << (bit % 8)
		m[target] = data

		st, err := Recover(m)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrGap) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if target == "snapshot.0" {
			t.Fatalf("damaged only snapshot accepted")
		}
		// Every record was written whole (and may have been acknowledged): a damaged
		// one is detected, never cut as if it were a torn tail.
		if !sameRecords(st.Records, recs) {
			t.Fatalf("recovered records %x differ from the history %x (repairs %v)", zxidsOf(st.Records), zxidsOf(recs), st.Repairs)
		}
		if string(st.Snapshot) != "base" {
			t.Fatalf("snapshot payload %q", st.Snapshot)
		}
	})
}

// TruncatePlan followed by Recover keeps exactly the records at or below the target.
func TestPropertyTruncate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		recs, files := drawHistory(t)
		m, _ := buildNode(t, files)
		i := rapid.IntRange(-1, len(recs)-1).Draw(t, "keep")
		to := int64(0)
		if i >= 0 {
			to = recs[i].Zxid
		}
		repairs, err := TruncatePlan(m, to)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Apply(repairs); err != nil {
			t.Fatal(err)
		}
		st, err := Recover(m)
		if err != nil {
			t.Fatal(err)
		}
		if !sameRecords(st.Records, recs[:i+1]) || st.LastZxid != to {
			t.Fatalf("after truncation to %#x: %x", to, zxidsOf(st.Records))
		}
	})
}

// Purging never removes what recovery from a kept snapshot needs.
func TestPropertyPurgeKeepsRecovery(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		recs, files := drawHistory(t)
		m, _ := buildNode(t, files)
		for range rapid.IntRange(0, 6).Draw(t, "snapshots") {
			r := rapid.SampledFrom(recs).Draw(t, "at")
			name, data, err := EncodeSnapshot(r.Zxid, []byte(fmt.Sprint(r.Zxid)))
			if err != nil {
				t.Fatal(err)
			}
			m[name] = data
		}
		before, err := Recover(m)
		if err != nil {
			t.Fatal(err)
		}
		del, err := PurgePlan(m.List(), rapid.IntRange(3, 5).Draw(t, "retain"))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range del {
			delete(m, n)
		}
		after, err := Recover(m)
		if err != nil {
			t.Fatalf("after purging %v: %v", del, err)
		}
		if after.LastZxid != before.LastZxid || after.SnapshotZxid != before.SnapshotZxid {
			t.Fatalf("purge changed the state: %#x/%#x vs %#x/%#x", after.LastZxid, after.SnapshotZxid, before.LastZxid, before.SnapshotZxid)
		}
	})
}
