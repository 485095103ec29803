package acl

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

// FuzzValidID feeds ACL ids of every scheme through validation, matching, fixup and
// redaction. None may panic; an ip expression must match its own address; and the
// hand-written address parser must agree with net/netip wherever both syntaxes are the
// same (plain dotted decimal, and IPv6 without embedded IPv4 or zones).
func FuzzValidID(f *testing.F) {
	f.Fuzz(func(t *testing.T, scheme, id, caller string) {
		valid := ValidID(scheme, id)
		acls := []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: scheme, ID: id}}}
		fixed, err := Fixup(acls, []wire.Id{{Scheme: SchemeDigest, ID: "u:h"}})
		if scheme != SchemeAuth && (err == nil) != valid {
			t.Fatalf("Fixup(%q:%q) = %v but ValidID = %v", scheme, id, err, valid)
		}
		_ = Check(fixed, []wire.Id{{Scheme: scheme, ID: caller}}, wire.PermRead)
		if r := Redact(acls); strings.Count(r[0].ID.ID, "\n") != strings.Count(id, "\n") {
			t.Fatalf("Redact(%q) = %q changed the lines", id, r[0].ID.ID)
		}

		host, _, _ := strings.Cut(id, "/")
		if validIPExpr(id) && !ipMatches(host, id) {
			t.Fatalf("%q does not match its own expression %q", host, id)
		}
		checkAgainstNetip(t, host)
		checkAgainstNetip(t, caller)
	})
}

func checkAgainstNetip(t *testing.T, s string) {
	ours, ok := parseIP(s)
	ref, err := netip.ParseAddr(s)
	sameSyntax := !strings.ContainsAny(s, "+-%") && (strings.Contains(s, ":") != strings.Contains(s, "."))
	if !sameSyntax {
		return
	}
	if err == nil {
		if !ok {
			t.Fatalf("parseIP(%q) failed; netip: %v", s, ref)
		}
		if want := ref.AsSlice(); string(want) != string(ours) {
			t.Fatalf("parseIP(%q) = %x, netip %x", s, ours, want)
		}
	}
	// IPv6 syntax is identical; dotted decimal differs only by leading zeros.
	if ok && err != nil && strings.Contains(s, ":") {
		t.Fatalf("parseIP(%q) = %x, but netip: %v", s, ours, err)
	}
}
