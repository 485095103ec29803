package server

import (
	"testing"
	"time"
)

func TestJavaDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {5, "5.0"}, {1.5, "1.5"}, {1.0 / 3, "0.3333"}, {2.0 / 3, "0.6667"}, {9.33333, "9.3333"}, {1234, "1234.0"},
	}
	for _, tc := range tests {
		if got := javaDouble(tc.in); got != tc.want {
			t.Errorf("javaDouble(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestHexID(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0x0"}, {0x100003e24820000, "0x100003e24820000"}, {-1, "0xffffffffffffffff"}, {4, "0x4"},
	}
	for _, tc := range tests {
		if got := hexID(tc.in); got != tc.want {
			t.Errorf("hexID(%d) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestOpShortName(t *testing.T) {
	tests := map[int32]string{
		connectOp: "SESS", 11: "PING", 1: "CREA", 15: "CREA", 4: "GETD", 5: "SETD", 12: "GETC", 8: "GETC",
		3: "EXIS", 14: "MULT", 9: "SYNC", -11: "CLOS", 101: "SETW", 106: "ADDW", 999: "NA",
	}
	for op, want := range tests {
		if got := opShortName(op); got != want {
			t.Errorf("opShortName(%d) = %s, want %s", op, got, want)
		}
	}
}

func TestConnLine(t *testing.T) {
	est := time.UnixMilli(1795317160984)
	c := &clientConn{remote: "127.0.0.1:47062", recved: 6, sent: 6, session: 0x100003e24820000, timeout: 30000,
		established: est, lastOp: "GETC", lastCxid: 5, lastZxid: 4, lastResp: time.UnixMilli(1795317161000)}
	for _, ms := range []int64{0, 7, 2} {
		c.lat.add(ms)
	}
	if got, want := connLine(c, 0, false), " /127.0.0.1:47062[1](queued=0,recved=6,sent=6)\n"; got != want {
		t.Errorf("short: %q, want %q", got, want)
	}
	want := " /127.0.0.1:47062[1](queued=0,recved=6,sent=6,sid=0x100003e24820000,lop=GETC,est=1795317160984,to=30000," +
		"lcxid=0x5,lzxid=0x4,lresp=1795317161000,llat=2,minlat=0,avglat=3,maxlat=7)\n"
	if got := connLine(c, 0, true); got != want {
		t.Errorf("long:\n%q\nwant\n%q", got, want)
	}
	if got, want := connLine(c, 3, false), " /127.0.0.1:47062[1](queued=3,recved=6,sent=6)\n"; got != want {
		t.Errorf("queued: %q, want %q", got, want)
	}
	// A four-letter-word connection has no session and reads nothing more.
	w := &clientConn{remote: "127.0.0.1:47128", recved: 1, fourLetter: true}
	if got, want := connLine(w, 0, true), " /127.0.0.1:47128[0](queued=0,recved=1,sent=0)\n"; got != want {
		t.Errorf("4lw: %q, want %q", got, want)
	}
}
