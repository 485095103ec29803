package datatree

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

// FuzzDecodeTxn: decoding arbitrary bytes never panics; whatever decodes re-encodes to
// a record that decodes the same, and applies to a tree without panicking.
func FuzzDecodeTxn(f *testing.F) {
	for _, b := range txnSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		hdr, txn, err := DecodeTxn(b)
		if err != nil {
			return
		}
		again, err := EncodeTxn(hdr, txn)
		if err != nil {
			t.Fatalf("decoded txn does not encode: %v", err)
		}
		h2, t2, err := DecodeTxn(again)
		if err != nil || h2 != hdr || !reflect.DeepEqual(t2, txn) {
			t.Fatalf("re-decode differs: %v", err)
		}
		tr := New(Config{ExtendedTypes: true})
		before := tr.Digest()
		res := tr.Apply(hdr, txn)
		if res.Err != wire.ErrOK && hdr.Type != wire.OpMulti && hdr.Type != wire.OpCloseSession && tr.Digest() != before {
			// A failed single op may only have moved a parent's pzxid (delete replay).
			if hdr.Type != wire.OpDelete && hdr.Type != wire.OpDeleteContainer && hdr.Type != wire.OpCreate {
				t.Fatalf("failed %v changed the tree", hdr.Type)
			}
		}
	})
}

func snapshotSeeds(t fataler) [][]byte {
	return [][]byte{New(Config{}).EncodeSnapshot(nil), busyTree(t).tree.EncodeSnapshot([]byte("sessions"))}
}

func txnSeeds() [][]byte {
	var out [][]byte
	for _, tc := range sampleTxns() {
		b, _ := EncodeTxn(tc.hdr, tc.txn)
		out = append(out, b)
	}
	return out
}

// TestWriteFuzzCorpus regenerates the committed seed corpus: go test -run
// TestWriteFuzzCorpus -write-corpus.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*writeCorpus {
		t.Skip("only with -write-corpus")
	}
	write := func(target, name string, lines ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := "go test fuzz v1\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range txnSeeds() {
		write("FuzzDecodeTxn", "seed-"+strconv.Itoa(i), "[]byte("+strconv.Quote(string(b))+")")
	}
	for i, b := range snapshotSeeds(t) {
		for _, fix := range []bool{false, true} {
			write("FuzzDecodeSnapshot", "seed-"+strconv.Itoa(i)+"-"+strconv.FormatBool(fix),
				"[]byte("+strconv.Quote(string(b))+")", "bool("+strconv.FormatBool(fix)+")")
		}
	}
}

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed corpora")

// FuzzDecodeSnapshot: arbitrary bytes never panic and never yield a tree unless they
// are exactly the canonical encoding of one.
func FuzzDecodeSnapshot(f *testing.F) {
	for _, seed := range snapshotSeeds(f) {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, b []byte, fixChecksum bool) {
		if fixChecksum && len(b) >= 4 {
			// Reseal so that mutations reach the parser behind the checksum.
			b = reseal(b)
		}
		tr, extra, err := DecodeSnapshot(b, Config{})
		if err != nil {
			if tr != nil {
				t.Fatal("tree returned with an error")
			}
			return
		}
		if again := tr.EncodeSnapshot(extra); !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical snapshot")
		}
	})
}
