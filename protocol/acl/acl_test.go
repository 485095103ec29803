package acl

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

func id(scheme, value string) wire.Id { return wire.Id{Scheme: scheme, ID: value} }
func entry(perms int32, scheme, value string) wire.ACL {
	return wire.ACL{Perms: perms, ID: id(scheme, value)}
}

// userDigest is the digest id of "user:password", as in the captures.
const userDigest = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="

func TestDigest(t *testing.T) {
	std := func(user, creds string) string {
		sum := sha1.Sum([]byte(creds))
		return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
	}
	cases := map[string]string{
		"user:password": userDigest,
		"super:test":    "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		"nocolon":       std("nocolon", "nocolon"),
		"a:b:c":         std("a", "a:b:c"),
		":pw":           std("", ":pw"),
		"":              std("", ""),
	}
	for in, want := range cases {
		if got := Digest(in); got != want {
			t.Errorf("Digest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	cfg := Config{SuperDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="}
	cases := []struct {
		name   string
		scheme string
		data   string
		want   []wire.Id
		err    error
	}{
		{"digest", "digest", "user:password", []wire.Id{id("digest", userDigest)}, nil},
		{"digest super", "digest", "super:test", []wire.Id{id("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="), id("super", "")}, nil},
		{"ip is the connection's address", "ip", "10.9.9.9", []wire.Id{id("ip", "127.0.0.1")}, nil},
		{"auth_failed_unknown_scheme", "bogus", "whatever", nil, ErrAuthFailed},
		{"world is not an auth scheme", "world", "anyone", nil, ErrAuthFailed},
		{"super is not an auth scheme", "super", "test", nil, ErrAuthFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Authenticate(cfg, tc.scheme, []byte(tc.data), "127.0.0.1")
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
				t.Errorf("Authenticate = %v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
		})
	}
	// No super digest configured: "super:test" is an ordinary user.
	got, _ := Authenticate(Config{}, "digest", []byte("super:test"), "")
	if len(got) != 1 {
		t.Errorf("super granted without a configured digest: %v", got)
	}
	var ae *Error
	if _, err := Authenticate(cfg, "x", nil, ""); !errors.As(err, &ae) || ae.Code() != wire.ErrAuthFailed {
		t.Errorf("error code of %v", err)
	}
}

// TestWhoAmI replays who_am_i.json: ip first, then digest added, listed digest first.
func TestWhoAmI(t *testing.T) {
	a := NewAuthInfo("127.0.0.1")
	if got := a.WhoAmI(); !slices.Equal(got, []ClientInfo{{"ip", "127.0.0.1"}}) {
		t.Errorf("before auth: %v", got)
	}
	if err := a.AddAuth(Config{}, "digest", []byte("user:password")); err != nil {
		t.Fatal(err)
	}
	if err := a.AddAuth(Config{}, "digest", []byte("user:password")); err != nil {
		t.Fatal(err) // reconnect_resends_auth: the same credentials again are fine
	}
	want := []ClientInfo{{"digest", "user"}, {"ip", "127.0.0.1"}}
	if got := a.WhoAmI(); !slices.Equal(got, want) {
		t.Errorf("after auth: %v, want %v", got, want)
	}
	if err := a.AddAuth(Config{}, "bogus", nil); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("bogus scheme: %v", err)
	}
	a.Add(id("super", ""))
	if got := a.WhoAmI(); got[2] != (ClientInfo{"super", ""}) {
		t.Errorf("super: %v", got)
	}
	if got := NewAuthInfo("").IDs(); len(got) != 0 {
		t.Errorf("no address: %v", got)
	}
}

func TestCheck(t *testing.T) {
	ipOnly := []wire.Id{id("ip", "127.0.0.1")}
	withDigest := []wire.Id{id("digest", userDigest), id("ip", "127.0.0.1")}
	cases := []struct {
		name string
		acl  []wire.ACL
		ids  []wire.Id
		perm int32
		ok   bool
	}{
		{"empty acl passes", nil, nil, wire.PermAdmin, true},
		{"world anyone", OpenACL(), nil, wire.PermRead, true},
		{"world anyone without the bit", []wire.ACL{entry(wire.PermRead, "world", "anyone")}, nil, wire.PermWrite, false},
		{"world other never matches", []wire.ACL{entry(31, "world", "someone")}, ipOnly, wire.PermRead, false},
		{"auth_digest_noauth before auth", []wire.ACL{entry(31, "digest", userDigest)}, ipOnly, wire.PermRead, false},
		{"auth_digest_noauth after auth", []wire.ACL{entry(31, "digest", userDigest)}, withDigest, wire.PermRead, true},
		{"digest of another user", []wire.ACL{entry(31, "digest", "other:x")}, withDigest, wire.PermRead, false},
		{"any one of several bits", []wire.ACL{entry(wire.PermAdmin, "digest", userDigest)}, withDigest, wire.PermRead | wire.PermAdmin, true},
		{"super passes everything", []wire.ACL{entry(wire.PermRead, "digest", "x:y")}, []wire.Id{id("super", "")}, wire.PermAdmin, true},
		{"ip exact", []wire.ACL{entry(31, "ip", "127.0.0.1")}, ipOnly, wire.PermRead, true},
		{"ip prefix", []wire.ACL{entry(31, "ip", "127.0.0.0/8")}, ipOnly, wire.PermRead, true},
		{"ip other", []wire.ACL{entry(31, "ip", "10.0.0.1")}, ipOnly, wire.PermRead, false},
		{"ip id does not match digest entry", []wire.ACL{entry(31, "digest", "127.0.0.1")}, ipOnly, wire.PermRead, false},
		{"unknown scheme", []wire.ACL{entry(31, "sasl", "me")}, []wire.Id{id("sasl", "me")}, wire.PermRead, false},
		{"second entry matches", []wire.ACL{entry(1, "ip", "10.0.0.0/8"), entry(1, "ip", "127.0.0.1")}, ipOnly, wire.PermRead, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.acl, tc.ids, tc.perm)
			if (err == nil) != tc.ok {
				t.Errorf("Check = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrNoAuth) {
				t.Errorf("error %v is not ErrNoAuth", err)
			}
		})
	}
}

func TestIPMatches(t *testing.T) {
	cases := []struct {
		caller, expr string
		want         bool
	}{
		{"192.168.1.7", "192.168.1.7", true},
		{"192.168.1.7", "192.168.1.8", false},
		{"192.168.1.7", "192.168.1.0/24", true},
		{"192.168.2.7", "192.168.1.0/24", false},
		{"192.168.1.7", "192.168.1.255/24", true}, // the expression is masked too
		{"192.168.1.7", "192.168.0.0/23", true},
		{"192.168.3.7", "192.168.0.0/23", false},
		{"10.1.2.3", "0.0.0.0/0", true},
		{"10.1.2.3", "10.1.2.3/32", true},
		{"10.1.2.3", "10.1.2.2/31", true},
		{"10.1.2.4", "10.1.2.2/31", false},
		{"10.1.2.3", "10.1.2.3/33", false},
		{"10.1.2.3", "10.1.2.3/-1", false},
		{"10.1.2.3", "10.1.2.3/", false},
		{"10.1.2.3", "010.1.2.3", true}, // Java's parseInt takes leading zeros
		{"::1", "0:0:0:0:0:0:0:1", true},
		{"0:0:0:0:0:0:0:1", "::1", true},
		{"fe80::1:2", "fe80::/64", true},
		{"fe81::1:2", "fe80::/64", false},
		{"fe81::1:2", "fe80::/15", true},
		{"2001:db8::1", "2001:DB8::1", true},
		{"127.0.0.1", "::1", false}, // families never match
		{"127.0.0.1", "::/0", false},
		{"::ffff:127.0.0.1", "127.0.0.1", false},
		{"bogus", "127.0.0.1", false},
		{"127.0.0.1", "bogus", false},
	}
	for _, tc := range cases {
		if got := ipMatches(tc.caller, tc.expr); got != tc.want {
			t.Errorf("ipMatches(%q, %q) = %v, want %v", tc.caller, tc.expr, got, tc.want)
		}
	}
}

func TestValidID(t *testing.T) {
	cases := []struct {
		scheme, id string
		want       bool
	}{
		{"world", "anyone", true},
		{"world", "", false},
		{"world", "Anyone", false},
		{"auth", "", false}, // never stored; Fixup expands it
		{"digest", userDigest, true},
		{"digest", "nocolon", false},
		{"digest", "a:b:c", false},
		{"digest", ":b", true},    // Java split: ["", "b"]
		{"digest", "a:b:", true},  // trailing empty parts are dropped
		{"digest", "a:b::", true}, // likewise
		{"digest", "a:", false},
		{"digest", ":", false},
		{"digest", "", false},
		{"ip", "1.2.3.4", true},
		{"ip", "1.2.3.4/0", true},
		{"ip", "1.2.3.4/32", true},
		{"ip", "1.2.3.4/33", false},
		{"ip", "1.2.3.4/x", false},
		{"ip", "1.2.3.4/+8", true},
		{"ip", "1.2.3", false},
		{"ip", "1.2.3.4.5", false},
		{"ip", "1.2.3.256", false},
		{"ip", "1.2.3.-0", true},
		{"ip", "1..3.4", false},
		{"ip", "localhost", false},
		{"ip", "", false},
		{"ip", "::", true},
		{"ip", "::1/128", true},
		{"ip", "::1/129", false},
		{"ip", "1:2:3:4:5:6:7:8", true},
		{"ip", "1:2:3:4:5:6:7", false},
		{"ip", "1:2:3:4:5:6:7:8:9", false},
		{"ip", "1:2:3:4:5:6:7::", true},
		{"ip", "1:2:3:4:5:6:7:8::", false},
		{"ip", "1::2::3", false},
		{"ip", ":::", false},
		{"ip", "12345::", false},
		{"ip", "g::", false},
		{"ip", "::ffff:1.2.3.4", false},
		{"ip", "fe80::1%eth0", false},
		{"sasl", "anything", false},
		{"super", "", false},
	}
	for _, tc := range cases {
		if got := ValidID(tc.scheme, tc.id); got != tc.want {
			t.Errorf("ValidID(%q, %q) = %v, want %v", tc.scheme, tc.id, got, tc.want)
		}
	}
}

func TestFixup(t *testing.T) {
	noAuth := []wire.Id{id("ip", "127.0.0.1")}
	authed := []wire.Id{id("digest", "bob:h1"), id("digest", userDigest), id("ip", "127.0.0.1"), id("super", "")}
	cases := []struct {
		name string
		in   []wire.ACL
		ids  []wire.Id
		want []wire.ACL
		err  error
	}{
		{"create_error_invalid_acl: empty", []wire.ACL{}, noAuth, nil, ErrInvalidACL},
		{"null", nil, noAuth, nil, ErrInvalidACL},
		{"create_error_invalid_acl: auth unauthenticated", []wire.ACL{entry(31, "auth", "")}, noAuth, nil, ErrInvalidACL},
		{"create_error_invalid_acl: digest nocolon", []wire.ACL{entry(31, "digest", "nocolon")}, noAuth, nil, ErrInvalidACL},
		{"world anyone", OpenACL(), nil, OpenACL(), nil},
		{"world other", []wire.ACL{entry(31, "world", "x")}, nil, nil, ErrInvalidACL},
		{"unknown scheme", []wire.ACL{entry(31, "x509", "cn=me")}, nil, nil, ErrInvalidACL},
		{"bad ip", []wire.ACL{entry(31, "ip", "1.2.3.4/40")}, nil, nil, ErrInvalidACL},
		{"good ip and digest", []wire.ACL{entry(1, "ip", "10.0.0.0/8"), entry(31, "digest", userDigest)}, nil,
			[]wire.ACL{entry(1, "ip", "10.0.0.0/8"), entry(31, "digest", userDigest)}, nil},
		{"duplicates removed, order kept", []wire.ACL{entry(1, "ip", "1.2.3.4"), OpenACL()[0], entry(1, "ip", "1.2.3.4"), OpenACL()[0]}, nil,
			[]wire.ACL{entry(1, "ip", "1.2.3.4"), OpenACL()[0]}, nil},
		{"same id, different perms both kept", []wire.ACL{entry(1, "ip", "1.2.3.4"), entry(2, "ip", "1.2.3.4")}, nil,
			[]wire.ACL{entry(1, "ip", "1.2.3.4"), entry(2, "ip", "1.2.3.4")}, nil},
		{"auth expands to every digest id, not ip or super", []wire.ACL{entry(7, "auth", "ignored")}, authed,
			[]wire.ACL{entry(7, "digest", "bob:h1"), entry(7, "digest", userDigest)}, nil},
		{"one bad entry spoils the list", []wire.ACL{OpenACL()[0], entry(31, "digest", "bad")}, nil, nil, ErrInvalidACL},
		{"perms are not checked", []wire.ACL{entry(0, "world", "anyone"), entry(99, "world", "anyone")}, nil,
			[]wire.ACL{entry(0, "world", "anyone"), entry(99, "world", "anyone")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Fixup(tc.in, tc.ids)
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
				t.Errorf("Fixup = %v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
		})
	}
	var ae *Error
	if _, err := Fixup(nil, nil); !errors.As(err, &ae) || ae.Code() != wire.ErrInvalidACL {
		t.Errorf("error code of %v", err)
	}
}

func TestForGetACL(t *testing.T) {
	ipOnly := []wire.Id{id("ip", "127.0.0.1")}
	mixed := []wire.ACL{entry(wire.PermRead, "world", "anyone"), entry(31, "digest", userDigest)}
	cases := []struct {
		name string
		acl  []wire.ACL
		ids  []wire.Id
		want []wire.ACL
		err  error
	}{
		{"get_acl", OpenACL(), ipOnly, OpenACL(), nil},
		{"get_acl /zookeeper/config", []wire.ACL{entry(1, "world", "anyone")}, ipOnly, []wire.ACL{entry(1, "world", "anyone")}, nil},
		{"get_acl_digest_unauthenticated", mixed, ipOnly,
			[]wire.ACL{entry(wire.PermRead, "world", "anyone"), entry(31, "digest", "user:x")}, nil},
		{"auth_digest_noauth after auth", []wire.ACL{entry(31, "digest", userDigest)},
			[]wire.Id{id("digest", userDigest), id("ip", "127.0.0.1")}, []wire.ACL{entry(31, "digest", userDigest)}, nil},
		{"neither read nor admin", []wire.ACL{entry(wire.PermWrite, "world", "anyone")}, ipOnly, nil, ErrNoAuth},
		{"admin only", []wire.ACL{entry(wire.PermAdmin, "world", "anyone"), entry(1, "digest", "a:b")}, ipOnly,
			[]wire.ACL{entry(wire.PermAdmin, "world", "anyone"), entry(1, "digest", "a:b")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForGetACL(tc.acl, tc.ids)
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
				t.Errorf("ForGetACL = %v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
		})
	}
	if mixed[1].ID.ID != userDigest {
		t.Error("redaction changed the node's ACL")
	}
}

func TestRedactDigest(t *testing.T) {
	for in, want := range map[string]string{
		"user:hash":        "user:x",
		"a:b:c":            "a:x",
		"nocolon":          "nocolon",
		":":                ":x",
		"":                 "",
		"a:b\nc:d":         "a:x\nc:x",
		"a:b\r\nc":         "a:x\r\nc",
		"a:b\u2028c:d":     "a:x\u2028c:x",
		"a:b\u0085:\u2029": "a:x\u0085:x\u2029",
	} {
		if got := redactDigest(in); got != want {
			t.Errorf("redactDigest(%q) = %q, want %q", in, got, want)
		}
	}
	got := Redact([]wire.ACL{entry(1, "ip", "1.2.3.4:5"), entry(2, "digest", "u:h")})
	if want := []wire.ACL{entry(1, "ip", "1.2.3.4:5"), entry(2, "digest", "u:x")}; !slices.Equal(got, want) {
		t.Errorf("Redact = %v", got)
	}
}

func TestPerms(t *testing.T) {
	for p := range int32(32) {
		s := FormatPerms(p)
		back, err := ParsePerms(s)
		if err != nil || back != p {
			t.Errorf("ParsePerms(FormatPerms(%d) = %q) = %d, %v", p, s, back, err)
		}
	}
	cases := map[int32]string{31: "cdrwa", 1: "r", 19: "rwa", 0: "", 1 << 5: "", 1<<5 | 4: "c"}
	for p, want := range cases {
		if got := FormatPerms(p); got != want {
			t.Errorf("FormatPerms(%d) = %q, want %q", p, got, want)
		}
	}
	if p, err := ParsePerms("arwdcc"); err != nil || p != 31 {
		t.Errorf("ParsePerms(arwdcc) = %d, %v", p, err)
	}
	for _, bad := range []string{"x", "rwx", "R", " r"} {
		if _, err := ParsePerms(bad); !errors.Is(err, ErrBadPerms) {
			t.Errorf("ParsePerms(%q) = %v", bad, err)
		}
	}
}

func TestParseACL(t *testing.T) {
	got, err := ParseACL("world:anyone:r,digest:" + userDigest + ":cdrwa,ip:10.0.0.0/8:")
	want := []wire.ACL{entry(1, "world", "anyone"), entry(31, "digest", userDigest), entry(0, "ip", "10.0.0.0/8")}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseACL = %v, %v", got, err)
	}
	for _, bad := range []string{"", "world", "world:anyone", "world:anyone:r,", "a:b:q"} {
		if _, err := ParseACL(bad); !errors.Is(err, ErrBadACL) && !errors.Is(err, ErrBadPerms) {
			t.Errorf("ParseACL(%q) = %v", bad, err)
		}
	}
}

func BenchmarkCheckDigestAndIP(b *testing.B) {
	node := []wire.ACL{entry(wire.PermRead, "ip", "10.0.0.0/8"), entry(31, "digest", "other:h"), entry(31, "digest", userDigest)}
	ids := []wire.Id{id("digest", userDigest), id("ip", "192.168.1.1")}
	b.ReportAllocs()
	for b.Loop() {
		if Check(node, ids, wire.PermWrite) != nil {
			b.Fatal("denied")
		}
	}
}

func BenchmarkDigest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Digest("user:password")
	}
}
