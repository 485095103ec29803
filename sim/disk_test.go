package sim

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

func diskWorld(t *testing.T, o DiskOptions) (*World, *testProc, *Disk) {
	t.Helper()
	w, p := newTestWorld(t, Options{Disk: o}, 1)
	d, err := w.Disk(1)
	must(t, err)
	return w, p[0], d
}

func read(t *testing.T, d *Disk, name string) string {
	t.Helper()
	b, err := d.ReadFile(name)
	must(t, err)
	return string(b)
}

func TestDiskCrashKeepsSyncedData(t *testing.T) {
	w, p, d := diskWorld(t, DiskOptions{SyncLatency: Latency{Min: 5 * ms}})
	must(t, d.Create("log"))
	must(t, d.Append("log", []byte("aaa")))
	id, err := d.Sync("log")
	must(t, err)
	must(t, d.Append("log", []byte("bbb"))) // after the Sync call: not covered by it
	w.RunFor(10 * ms)
	if want := "sync " + itoa(uint64(id)) + " <nil>"; p.log[len(p.log)-1] != want {
		t.Fatalf("log %v, want %q last", p.log, want)
	}
	if got := read(t, d, "log"); got != "aaabbb" {
		t.Fatalf("read %q before crash", got)
	}
	must(t, d.WriteFile("epoch", []byte("1")))
	must(t, w.Crash(1))
	if got := read(t, d, "log"); got != "aaa" {
		t.Fatalf("after crash read %q, want %q", got, "aaa")
	}
	if got := read(t, d, "epoch"); got != "" {
		t.Fatalf("unsynced file kept %q", got)
	}
	must(t, w.Restart(1))
	w.RunFor(0)
	if !slices.Equal(d.List(), []string{"epoch", "log"}) {
		t.Fatalf("files %v", d.List())
	}
}

func itoa(v uint64) string { return string(appendUint(nil, v)) }

func appendUint(b []byte, v uint64) []byte {
	if v >= 10 {
		b = appendUint(b, v/10)
	}
	return append(b, byte('0'+v%10))
}

func TestDiskCrashBeforeSyncCompletes(t *testing.T) {
	w, p, d := diskWorld(t, DiskOptions{SyncLatency: Latency{Min: 5 * ms}})
	must(t, d.WriteFile("f", []byte("old")))
	_, err := d.Sync("f")
	must(t, err)
	w.RunFor(10 * ms)
	must(t, d.WriteFile("f", []byte("new")))
	_, err = d.Sync("f")
	must(t, err)
	w.RunFor(ms)
	must(t, w.Crash(1))
	w.RunFor(time.Second)
	if got := read(t, d, "f"); got != "old" {
		t.Fatalf("read %q, want old", got)
	}
	_ = p
}

func TestDiskTornAppend(t *testing.T) {
	w, _, d := diskWorld(t, DiskOptions{TornProbability: 1})
	must(t, d.Create("log"))
	must(t, d.Append("log", []byte("durable|")))
	_, err := d.Sync("log")
	must(t, err)
	w.RunFor(0)
	must(t, d.Append("log", []byte("unsynced record")))
	must(t, w.Crash(1))
	got := read(t, d, "log")
	if !bytes.HasPrefix([]byte("durable|unsynced record"), []byte(got)) || len(got) <= len("durable|") {
		t.Fatalf("torn read %q is not durable data plus a non-empty prefix of the rest", got)
	}
}

func TestDiskSyncFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    DiskOptions
		wantErr bool
	}{
		{"error", DiskOptions{SyncErrorProbability: 1}, true},
		{"lost write", DiskOptions{LostWriteProbability: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, p, d := diskWorld(t, tc.opts)
			must(t, d.WriteFile("f", []byte("data")))
			var got error
			p.synced = func(_ *testProc, _ SyncID, err error) { got = err }
			_, err := d.Sync("f")
			must(t, err)
			w.RunFor(ms)
			if (got != nil) != tc.wantErr {
				t.Fatalf("sync result %v", got)
			}
			if tc.wantErr {
				wantErr(t, got, ErrSyncFailed)
			}
			must(t, w.Crash(1))
			if s := read(t, d, "f"); s != "" {
				t.Fatalf("faulty sync made %q durable", s)
			}
		})
	}
}

func TestDiskCorruptBit(t *testing.T) {
	w, _, d := diskWorld(t, DiskOptions{})
	_, err := d.CorruptBit("f")
	wantErr(t, err, ErrFileNotFound)
	must(t, d.WriteFile("f", []byte("hello")))
	_, err = d.CorruptBit("f")
	wantErr(t, err, ErrEmptyFile)
	_, err = d.Sync("f")
	must(t, err)
	w.RunFor(0)
	off, err := d.CorruptBit("f")
	must(t, err)
	got := []byte(read(t, d, "f"))
	diff := 0
	for i := range got {
		if got[i] != "hello"[i] {
			diff++
			if i != off {
				t.Fatalf("byte %d changed, reported %d", i, off)
			}
		}
	}
	if diff != 1 {
		t.Fatalf("read %q after corruption", got)
	}
	must(t, w.Crash(1))
	if after := read(t, d, "f"); after != string(got) {
		t.Fatalf("corruption not durable: %q", after)
	}
}

func TestDiskFileOps(t *testing.T) {
	_, _, d := diskWorld(t, DiskOptions{})
	must(t, d.WriteFile("tmp", []byte("x")))
	must(t, d.WriteFile("epoch", []byte("old")))
	must(t, d.Rename("tmp", "epoch"))
	if got := read(t, d, "epoch"); got != "x" {
		t.Fatalf("renamed file reads %q", got)
	}
	_, err := d.ReadFile("tmp")
	wantErr(t, err, ErrFileNotFound)
	must(t, d.Remove("epoch"))
	wantErr(t, d.Remove("epoch"), ErrFileNotFound)
	wantErr(t, d.Append("nope", nil), ErrFileNotFound)
	for _, bad := range []string{"", "a/b", "a\x00"} {
		wantErr(t, d.WriteFile(bad, nil), ErrBadFileName)
	}
	_, err = d.Sync("nope")
	wantErr(t, err, ErrFileNotFound)
	if n, err := d.Size("nope"); err == nil || n != 0 {
		t.Fatal("size of a missing file")
	}
}

func TestDiskSyncsCompleteInOrder(t *testing.T) {
	w, p, d := diskWorld(t, DiskOptions{SyncLatency: Latency{Mean: 10 * ms}})
	var done []SyncID
	p.synced = func(_ *testProc, id SyncID, _ error) { done = append(done, id) }
	must(t, d.Create("f"))
	var ids []SyncID
	for range 50 {
		id, err := d.Sync("f")
		must(t, err)
		ids = append(ids, id)
	}
	w.RunFor(time.Second)
	if !slices.Equal(done, ids) {
		t.Fatalf("completions %v, want %v", done, ids)
	}
}
