package bugs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "ZOOKEEPER-3911", want: []string{ZK3911}},
		{in: "ZOOKEEPER-3911, ZOOKEEPER-1154,ZOOKEEPER-3911", want: []string{ZK1154, ZK3911}},
		{in: "BROKEN-ack-before-fsync", want: []string{BrokenAckBeforeFsync}},
		{in: "ZOOKEEPER-9999", err: true},
		{in: "zookeeper-1154", err: true},
		{in: "ZOOKEEPER-1154,nope", err: true},
	} {
		s, err := Parse(tc.in)
		if tc.err {
			if !errors.Is(err, ErrUnknown) || !s.Empty() {
				t.Errorf("Parse(%q) = %v, %v; want ErrUnknown", tc.in, s, err)
			}
			continue
		}
		if err != nil || !slices.Equal(s.Names(), tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, s.Names(), err, tc.want)
		}
		for _, n := range tc.want {
			if !s.Has(n) {
				t.Errorf("Parse(%q).Has(%q) = false", tc.in, n)
			}
		}
		if back, err := Parse(s.String()); err != nil || !slices.Equal(back.Names(), s.Names()) {
			t.Errorf("round trip of %q: %v, %v", s, back, err)
		}
	}
}

func TestZeroSetHasNothing(t *testing.T) {
	var s Set
	for _, b := range Catalog() {
		if s.Has(b.Name) {
			t.Fatalf("zero Set has %s", b.Name)
		}
	}
	if !s.Empty() || s.String() != "" {
		t.Fatal("zero Set not empty")
	}
}

func TestCatalogWellFormed(t *testing.T) {
	cat := Catalog()
	if len(cat) < 18 {
		t.Fatalf("%d bugs catalogued, want at least 18", len(cat))
	}
	detectors := []string{DetLinearizable, DetAckedDurable, DetPrefix, DetLeaderPerEpoch, DetLeaderHolds,
		DetQuorumDurable, DetEphemeral, DetLiveness, DetMonotonic}
	kinds := []string{KindDataLoss, KindDivergence, KindLiveness, KindSplitBrain, KindEphemeral, KindDurability, KindConfigurable}
	for i, b := range cat {
		if i > 0 && cat[i-1].Name >= b.Name {
			t.Errorf("catalog not sorted or duplicated at %s", b.Name)
		}
		if !strings.HasPrefix(b.Name, "ZOOKEEPER-") && !strings.HasPrefix(b.Name, "BROKEN-") {
			t.Errorf("%s: name is neither a JIRA key nor BROKEN-*", b.Name)
		}
		if b.Summary == "" || strings.Contains(b.Summary, "\n") {
			t.Errorf("%s: summary must be one line", b.Name)
		}
		if !slices.Contains(kinds, b.Kind) {
			t.Errorf("%s: kind %q", b.Name, b.Kind)
		}
		if !slices.Contains([]string{"zab", "election", "datatree", "session", "watch"}, b.Package) {
			t.Errorf("%s: package %q", b.Name, b.Package)
		}
		if len(b.Detectors) == 0 || len(b.Scenarios) == 0 {
			t.Errorf("%s: no detectors or scenarios", b.Name)
		}
		for _, d := range b.Detectors {
			if !slices.Contains(detectors, d) {
				t.Errorf("%s: unknown detector %q", b.Name, d)
			}
		}
		for _, sc := range b.Scenarios {
			if !slices.Contains(Scenarios, sc) {
				t.Errorf("%s: unknown scenario %q", b.Name, sc)
			}
		}
		if got, ok := Lookup(b.Name); !ok || got.Name != b.Name {
			t.Errorf("Lookup(%s) failed", b.Name)
		}
	}
	// Catalog hands out copies.
	cat[0].Detectors[0] = "changed"
	if Catalog()[0].Detectors[0] == "changed" {
		t.Error("Catalog shares its slices")
	}
}

func BenchmarkHasEmpty(b *testing.B) {
	var s Set
	b.ReportAllocs()
	for b.Loop() {
		if s.Has(ZK3911) {
			b.Fatal("empty set has a bug")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("ZOOKEEPER-1154,ZOOKEEPER-3911,BROKEN-ack-before-fsync"); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParse: Parse never panics, accepts only catalogued names, and its String reads
// back to the same set.
func FuzzParse(f *testing.F) {
	f.Add("ZOOKEEPER-1154,ZOOKEEPER-3911")
	f.Add(" BROKEN-ack-before-fsync ,,")
	f.Add("ZOOKEEPER-")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("Parse(%q): %v is not ErrUnknown", in, err)
			}
			return
		}
		for _, n := range s.Names() {
			if _, ok := Lookup(n); !ok {
				t.Fatalf("Parse(%q) accepted %q", in, n)
			}
		}
		back, err := Parse(s.String())
		if err != nil || back.String() != s.String() {
			t.Fatalf("round trip of %q: %q, %v", s, back, err)
		}
	})
}
