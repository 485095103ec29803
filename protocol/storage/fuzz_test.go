package storage

import (
	"bytes"
	"errors"
	"testing"
)

func fuzzLogSeeds(f *testing.F) {
	_, whole, _ := EncodeLogFile(txns(0x100000001, 3))
	f.Add(whole)
	f.Add(whole[:len(whole)-2])
	f.Add(append(bytes.Clone(whole), make([]byte, 64)...))
	f.Add(corrupt(whole, LogHeaderSize+RecordHeaderSize+1))
	f.Add([]byte{})
	f.Add([]byte("ZKLG"))
}

// FuzzScanLog: decoding never panics, and what it accepts is exactly what the encoder
// would write for the records it returns.
func FuzzScanLog(f *testing.F) {
	fuzzLogSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scanLog(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrOrder) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !s.headerOK {
			if len(s.records) != 0 {
				t.Fatal("records without a header")
			}
			return
		}
		again, err := AppendLogHeader(nil, s.firstZxid)
		if err != nil {
			t.Fatalf("accepted header re-encodes with %v", err)
		}
		if again, err = AppendRecords(again, s.records); err != nil {
			t.Fatalf("accepted records re-encode with %v", err)
		}
		if !bytes.Equal(again, data[:s.end]) {
			t.Fatal("accepted prefix differs from its re-encoding")
		}
		if s.tail == tailClean && s.end != int64(len(data)) {
			t.Fatal("clean tail before the end")
		}
	})
}

// FuzzDecodeSnapshot: never panics; whatever is accepted re-encodes to the same bytes.
func FuzzDecodeSnapshot(f *testing.F) {
	_, snap, _ := EncodeSnapshot(0x500000002, []byte("tree"))
	f.Add(snap)
	f.Add(snap[:len(snap)-1])
	f.Add(corrupt(snap, 9))
	f.Add([]byte("ZKSN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		z, payload, err := DecodeSnapshot(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		_, again, err := EncodeSnapshot(z, payload)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted snapshot re-encodes differently (%v)", err)
		}
	})
}

// FuzzDecodeEpoch: never panics; an accepted epoch survives a round trip.
func FuzzDecodeEpoch(f *testing.F) {
	for _, s := range []string{"0", "12\n", " 7 ", "-1", "x", "", "2147483648", "1\n2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeEpoch("currentEpoch", data)
		if err != nil {
			var ee *EpochError
			if !errors.As(err, &ee) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if back, err := DecodeEpoch("currentEpoch", EncodeEpoch(v)); err != nil || back != v {
			t.Fatalf("round trip of %d: %d %v", v, back, err)
		}
	})
}

// FuzzRecover: recovery of a node whose last log file is arbitrary bytes never panics,
// and a successful recovery is stable once its repairs are applied.
func FuzzRecover(f *testing.F) {
	fuzzLogSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := node(t, 1, txns(0x100000001, 2))
		m["log.100000003"] = data
		st, err := Recover(m)
		if err != nil {
			return
		}
		if err := m.Apply(st.Repairs); err != nil {
			t.Fatal(err)
		}
		again, err := Recover(m)
		if err != nil || len(again.Repairs) != 0 || len(again.Records) != len(st.Records) {
			t.Fatalf("unstable recovery: %v %v", err, again.Repairs)
		}
	})
}
