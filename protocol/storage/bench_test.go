package storage

import (
	"bytes"
	"testing"
)

func benchRecords(n, size int) []Record {
	recs := make([]Record, n)
	payload := bytes.Repeat([]byte{0xab}, size)
	for i := range recs {
		recs[i] = Record{Zxid: 1<<32 | int64(i+1), Payload: payload}
	}
	return recs
}

func BenchmarkAppendRecords(b *testing.B) {
	recs := benchRecords(1000, 1024)
	buf := make([]byte, 0, 1100*1024)
	b.SetBytes(int64(1000 * (1024 + RecordHeaderSize)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendRecords(buf[:0], recs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecover(b *testing.B) {
	m := node(b, 1, benchRecords(10000, 1024))
	b.SetBytes(int64(len(m["log.100000001"])))
	b.ReportAllocs()
	for b.Loop() {
		st, err := Recover(m)
		if err != nil || len(st.Records) != 10000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSnapshot(b *testing.B) {
	payload := bytes.Repeat([]byte{1}, 1<<20)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := EncodeSnapshot(5, payload); err != nil {
			b.Fatal(err)
		}
	}
}
