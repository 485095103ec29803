package session

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func newTable(t testing.TB, cfg Config) *Table {
	t.Helper()
	tb, err := NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestPasswordVector(t *testing.T) {
	got := Password(0x0100000000000001)
	if h := hex.EncodeToString(got[:]); h != "054cc74a37327db215e702e20c73f005" {
		t.Fatalf("Password(0x0100000000000001) = %s", h)
	}
	if !CheckPassword(0x0100000000000001, got[:]) {
		t.Error("CheckPassword rejects the right password")
	}
	bad := got
	bad[15] ^= 1
	for _, pw := range [][]byte{bad[:], got[:15], nil, make([]byte, 16)} {
		if CheckPassword(0x0100000000000001, pw) {
			t.Errorf("CheckPassword accepts %x", pw)
		}
	}
}

type capturedConnect struct {
	name               string
	requested, timeout int32
	id                 ID
	password           []byte
}

func loadCaptures(t *testing.T) []capturedConnect {
	t.Helper()
	f, err := os.Open("testdata/zk38_connect.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedConnect
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 5 {
			t.Fatalf("bad line %q", line)
		}
		req, err1 := strconv.ParseInt(fs[1], 10, 32)
		neg, err2 := strconv.ParseInt(fs[2], 10, 32)
		id, err3 := strconv.ParseUint(strings.TrimPrefix(fs[3], "0x"), 16, 64)
		pw, err4 := hex.DecodeString(fs[4])
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, capturedConnect{fs[0], int32(req), int32(neg), ID(id), pw})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d captures", len(out))
	}
	return out
}

// TestCapturedConnects checks ids, passwords and negotiated timeouts against a real
// ZooKeeper 3.8.0 (standalone, tickTime 2000, so server id 1).
func TestCapturedConnects(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, Clock: 0x3e2482, TickTime: 2000})
	if got := tb.NextID(); got != 0x100003e24820000 {
		t.Errorf("first id = 0x%x, want 0x100003e24820000", uint64(got))
	}
	for _, c := range loadCaptures(t) {
		pw := Password(c.id)
		if !slices.Equal(pw[:], c.password) {
			t.Errorf("%s: Password(0x%x) = %x, want %x", c.name, uint64(c.id), pw, c.password)
		}
		if got := tb.Negotiate(c.requested); got != c.timeout {
			t.Errorf("%s: Negotiate(%d) = %d, want %d", c.name, c.requested, got, c.timeout)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name      string
		cfg       Config
		requested int32
		want      int32
	}{
		{"defaults in range", Config{TickTime: 3000}, 30000, 30000},
		{"defaults low", Config{TickTime: 3000}, 1, 6000},
		{"defaults high", Config{TickTime: 3000}, 1 << 30, 60000},
		{"zero", Config{TickTime: 3000}, 0, 6000},
		{"negative", Config{TickTime: 3000}, -5, 6000},
		{"at min", Config{TickTime: 2000}, 4000, 4000},
		{"at max", Config{TickTime: 2000}, 40000, 40000},
		{"explicit bounds", Config{TickTime: 2000, MinSessionTimeout: 1000, MaxSessionTimeout: 5000}, 999, 1000},
		{"explicit max", Config{TickTime: 2000, MinSessionTimeout: 1000, MaxSessionTimeout: 5000}, 5001, 5000},
		{"only max set", Config{TickTime: 2000, MaxSessionTimeout: 10000}, 3000, 4000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := newTable(t, tc.cfg).Negotiate(tc.requested); got != tc.want {
				t.Errorf("Negotiate(%d) = %d, want %d", tc.requested, got, tc.want)
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{TickTime: 0},
		{TickTime: -1},
		{TickTime: 2000, ServerID: 256},
		{TickTime: 2000, ServerID: -1},
		{TickTime: 2000, MinSessionTimeout: 50000, MaxSessionTimeout: 4000},
		{TickTime: 2000, MinSessionTimeout: 50000}, // above the default max
		{TickTime: 2000, MaxSessionTimeout: -3},
	} {
		if _, err := NewTable(cfg); !errors.Is(err, ErrBadConfig) {
			t.Errorf("NewTable(%+v) = %v, want ErrBadConfig", cfg, err)
		}
	}
}

func TestBucketRounding(t *testing.T) {
	cases := []struct {
		now     int64
		timeout int32
		want    int64
	}{
		{0, 4000, 6000}, // exactly on a boundary: the next one
		{1, 4000, 6000},
		{1999, 4000, 6000},
		{2000, 4000, 8000},
		{2001, 4000, 8000},
		{100, 4001, 6000},
		{0, 1, 2000},
		{-1, 0, 0}, // clocks before zero round the same way
		{-2001, 0, -2000},
		{1 << 40, 30000, 1<<40 - (1<<40)%2000 + 32000},
	}
	for _, tc := range cases {
		tb := newTable(t, Config{TickTime: 2000})
		id := tb.Create(tc.timeout, tc.now)
		if got, _ := tb.Deadline(id); got != tc.want {
			t.Errorf("touch at %d with timeout %d: bucket %d, want %d", tc.now, tc.timeout, got, tc.want)
		}
	}
}

func TestIDs(t *testing.T) {
	tb := newTable(t, Config{ServerID: 7, Clock: 0x12_3456_789a_bcde, TickTime: 2000})
	// Bits 0-39 of the clock land in bits 16-55.
	want := ID(7<<56 | 0x56_789a_bcde<<16)
	for i := range 3 {
		if got := tb.NextID(); got != want+ID(i) {
			t.Fatalf("id %d = 0x%x, want 0x%x", i, uint64(got), uint64(want+ID(i)))
		}
	}

	// The container marker and zero are never handed out.
	tb = newTable(t, Config{ServerID: 0x80, TickTime: 2000})
	if got := tb.NextID(); got != containerOwner+1 {
		t.Errorf("server 0x80 at clock 0: id 0x%x", uint64(got))
	}
	tb = newTable(t, Config{TickTime: 2000})
	if got := tb.NextID(); got != 1 {
		t.Errorf("server 0 at clock 0: id 0x%x, want 1", uint64(got))
	}

	// Ids restored from a snapshot are skipped.
	tb = newTable(t, Config{ServerID: 1, TickTime: 2000})
	tb.Restore([]Entry{{1 << 56, 4000}, {1<<56 + 1, 4000}}, 0)
	if got := tb.NextID(); got != 1<<56+2 {
		t.Errorf("after restore: id 0x%x", uint64(got))
	}
}

func TestLifecycle(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 2000})
	a := tb.Create(4000, 0)   // bucket 6000
	b := tb.Create(4000, 500) // bucket 6000
	c := tb.Create(10000, 0)  // bucket 12000
	if got := tb.State(a); got != StateOpen {
		t.Fatalf("state %v", got)
	}
	if next, _ := tb.NextExpiry(); next != 6000 {
		t.Errorf("NextExpiry = %d", next)
	}
	if got := tb.Expired(5999); len(got) != 0 {
		t.Errorf("Expired(5999) = %v", got)
	}
	if !tb.Touch(b, 3000) { // bucket 8000
		t.Fatal("touch failed")
	}
	if got := tb.Expired(6000); !slices.Equal(got, []ID{a}) {
		t.Errorf("Expired(6000) = %v, want [%v]", got, a)
	}
	if tb.State(a) != StateClosing || tb.Touch(a, 6000) {
		t.Error("expired session still open or touchable")
	}
	if err := tb.Check(a, 1); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("Check(expired) = %v", err)
	}
	if got := tb.Expired(100000); !slices.Equal(got, []ID{b, c}) {
		t.Errorf("Expired(100000) = %v", got)
	}
	if got := tb.Expired(200000); len(got) != 0 {
		t.Errorf("sessions reported twice: %v", got)
	}
	for _, id := range []ID{a, b, c} {
		if !tb.Remove(id) || tb.State(id) != StateClosed {
			t.Errorf("remove %v", id)
		}
	}
	if tb.Len() != 0 || tb.Remove(a) {
		t.Error("table not empty")
	}
	if _, ok := tb.NextExpiry(); ok {
		t.Error("buckets left")
	}
}

func TestCloseAndOwner(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 2000})
	id := tb.Create(4000, 0)
	if err := tb.Check(id, 10); err != nil {
		t.Fatal(err)
	}
	if err := tb.Check(id, 11); !errors.Is(err, ErrSessionMoved) {
		t.Errorf("other owner: %v", err)
	}
	if err := tb.SetOwner(id, 11); err != nil {
		t.Fatal(err)
	}
	if err := tb.Check(id, 11); err != nil {
		t.Errorf("new owner: %v", err)
	}
	if err := tb.Check(id+1, 11); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("unknown: %v", err)
	}
	if !tb.Close(id) || tb.Close(id) {
		t.Error("Close should succeed once")
	}
	if got := tb.Expired(1 << 40); len(got) != 0 {
		t.Errorf("closing session reported as expired: %v", got)
	}
	if err := tb.SetOwner(id, 12); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("SetOwner on closing: %v", err)
	}
	if tb.Close(id + 1) {
		t.Error("closed an unknown session")
	}
}

func TestTrackExisting(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 2000})
	if !tb.Track(5, 4000, 0) {
		t.Fatal("new session not reported new")
	}
	if tb.Track(5, 9000, 10000) {
		t.Fatal("existing session reported new")
	}
	if to, _ := tb.Timeout(5); to != 4000 {
		t.Errorf("timeout changed to %d", to)
	}
	if d, _ := tb.Deadline(5); d != 16000 {
		t.Errorf("deadline %d, want 16000", d)
	}
}

func TestBuckets(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 1000})
	tb.Track(3, 2000, 0)
	tb.Track(1, 2000, 0)
	tb.Track(2, 5000, 0)
	tb.Touch(3, 3500) // leaves bucket 3000 with only id 1, creates 6000
	want := []Bucket{{3000, []ID{1}}, {6000, []ID{2, 3}}}
	got := tb.Buckets()
	if len(got) != len(want) {
		t.Fatalf("Buckets = %v", got)
	}
	for i := range want {
		if got[i].Deadline != want[i].Deadline || !slices.Equal(got[i].IDs, want[i].IDs) {
			t.Errorf("bucket %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 2000})
	for i := range 5 {
		tb.Create(int32(4000+i), int64(i))
	}
	tb.Track(-5, 6000, 0)
	tb.Close(tb.Entries()[2].ID)
	b := tb.AppendSnapshot([]byte("hdr"))
	entries, n, err := DecodeEntries(append(b[3:], "trailer"...))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(b)-3 {
		t.Errorf("read %d bytes, want %d", n, len(b)-3)
	}
	if !slices.Equal(entries, tb.Entries()) || entries[0].ID != -5 {
		t.Errorf("round trip: %v, want %v", entries, tb.Entries())
	}
	restored := newTable(t, Config{ServerID: 2, TickTime: 2000})
	restored.Restore(entries, 100)
	if !slices.Equal(restored.Entries(), entries) {
		t.Error("restore lost sessions")
	}
	for _, e := range entries {
		if restored.State(e.ID) != StateOpen {
			t.Errorf("restored session %v is %v", e.ID, restored.State(e.ID))
		}
	}
	// Order of the input does not change the bytes.
	rev := slices.Clone(entries)
	slices.Reverse(rev)
	if !slices.Equal(AppendEntries(nil, rev), AppendEntries(nil, entries)) {
		t.Error("encoding depends on input order")
	}
}

func TestDecodeErrors(t *testing.T) {
	dup := AppendEntries(nil, []Entry{{1, 1}, {2, 2}})
	copy(dup[4+12:], dup[4:4+8]) // second id = first id
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShortBuffer},
		{"short count", []byte{0, 0}, ErrShortBuffer},
		{"negative count", []byte{0xff, 0xff, 0xff, 0xff}, ErrBadCount},
		{"missing entries", []byte{0, 0, 0, 1, 0, 0, 0}, ErrShortBuffer},
		{"huge count", []byte{0x7f, 0xff, 0xff, 0xff}, ErrShortBuffer},
		{"duplicate", dup, ErrDuplicateID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := DecodeEntries(tc.b); !errors.Is(err, tc.want) {
				t.Errorf("DecodeEntries = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDecodeEntries(f *testing.F) {
	f.Add(AppendEntries(nil, []Entry{{1, 4000}, {2, 6000}}))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, n, err := DecodeEntries(b)
		if err != nil {
			return
		}
		if n != 4+12*len(entries) {
			t.Fatalf("read %d bytes for %d entries", n, len(entries))
		}
		again, m, err := DecodeEntries(AppendEntries(nil, entries))
		if err != nil || m != n {
			t.Fatalf("re-decoding: %v (%d bytes)", err, m)
		}
		slices.SortFunc(entries, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
		if !slices.Equal(again, entries) {
			t.Fatalf("round trip: %v, want %v", again, entries)
		}
	})
}

func TestDrainTouches(t *testing.T) {
	tb := newTable(t, Config{ServerID: 2, TickTime: 2000, RecordTouches: true})
	tb.Track(9, 4000, 0)
	tb.Track(3, 6000, 0)
	tb.Track(5, 8000, 0)
	if got := tb.DrainTouches(); got != nil {
		t.Errorf("tracking counted as touches: %v", got)
	}
	tb.Touch(9, 10)
	tb.Touch(3, 10)
	tb.Touch(9, 20)
	tb.Touch(77, 20) // unknown: not recorded
	if got, want := tb.DrainTouches(), []Entry{{3, 6000}, {9, 4000}}; !slices.Equal(got, want) {
		t.Errorf("DrainTouches = %v, want %v", got, want)
	}
	if got := tb.DrainTouches(); got != nil {
		t.Errorf("second drain = %v", got)
	}
	plain := newTable(t, Config{TickTime: 2000})
	plain.Track(1, 4000, 0)
	plain.Touch(1, 5)
	if got := plain.DrainTouches(); got != nil {
		t.Errorf("touches recorded without RecordTouches: %v", got)
	}
}

func TestErrorCodes(t *testing.T) {
	for err, want := range map[*Error]int32{ErrUnknownSession: -12, ErrSessionExpired: -112, ErrSessionMoved: -118} {
		if int32(err.Code()) != want {
			t.Errorf("%v: code %d, want %d", err, err.Code(), want)
		}
	}
}

func TestRevalidate(t *testing.T) {
	tb := newTable(t, Config{ServerID: 1, TickTime: 2000})
	id := tb.Create(4000, 0)
	pw := Password(id)
	if to, ok := tb.Revalidate(id, pw[:], 3000); !ok || to != 4000 {
		t.Fatalf("Revalidate = %d, %v", to, ok)
	}
	if d, _ := tb.Deadline(id); d != 8000 {
		t.Errorf("not touched: deadline %d", d)
	}
	wrong := Password(id + 1)
	if _, ok := tb.Revalidate(id, wrong[:], 3000); ok {
		t.Error("wrong password accepted")
	}
	if _, ok := tb.Revalidate(id+1, wrong[:], 3000); ok {
		t.Error("unknown session accepted")
	}
	tb.Expired(8000)
	if _, ok := tb.Revalidate(id, pw[:], 8000); ok {
		t.Error("expired session accepted")
	}
}
