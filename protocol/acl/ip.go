package acl

import "strings"

// ipMatches reports whether a caller's address matches an ip ACL expression
// ("addr" or "addr/bits"): both are masked to the prefix length and compared, and an
// IPv4 address never matches an IPv6 expression (IPAuthenticationProvider.matches).
func ipMatches(callerIP, expr string) bool {
	want, bits, ok := parseIPExpr(expr)
	if !ok {
		return false
	}
	got, ok := parseIP(callerIP)
	if !ok || len(got) != len(want) {
		return false
	}
	mask(want, bits)
	mask(got, bits)
	return string(got) == string(want)
}

// validIPExpr reports whether expr is an address with an optional /bits prefix length
// within the address's size.
func validIPExpr(expr string) bool {
	_, _, ok := parseIPExpr(expr)
	return ok
}

func parseIPExpr(expr string) (addr []byte, bits int, ok bool) {
	host, prefix, hasPrefix := strings.Cut(expr, "/")
	addr, ok = parseIP(host)
	if !ok {
		return nil, 0, false
	}
	bits = 8 * len(addr)
	if hasPrefix {
		n, ok := javaParseInt(prefix, 10)
		if !ok || n < 0 || n > int64(bits) {
			return nil, 0, false
		}
		bits = int(n)
	}
	return addr, bits, true
}

// mask zeroes every bit of b after the first bits.
func mask(b []byte, bits int) {
	for i := range b {
		switch keep := bits - 8*i; {
		case keep <= 0:
			b[i] = 0
		case keep < 8:
			b[i] &= ^byte(0xff >> keep)
		}
	}
}

// parseIP parses an IPv4 or IPv6 address as ZooKeeper does: anything with a ':' is
// IPv6, anything else with a '.' is IPv4.
func parseIP(s string) ([]byte, bool) {
	switch {
	case strings.Contains(s, ":"):
		return parseIPv6(s)
	case strings.Contains(s, "."):
		return parseIPv4(s)
	}
	return nil, false
}

// parseIPv4 takes four dot-separated decimal numbers 0..255; Java's Integer.parseInt
// also lets each carry a sign and leading zeros.
func parseIPv4(s string) ([]byte, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil, false
	}
	b := make([]byte, 4)
	for i, p := range parts {
		v, ok := javaParseInt(p, 10)
		if !ok || v < 0 || v > 255 {
			return nil, false
		}
		b[i] = byte(v)
	}
	return b, true
}

// parseIPv6 takes eight ':'-separated groups of one to four hex digits, or fewer
// around a single "::" (IPAuthenticationProvider.parseV6addr). Embedded IPv4 and zone
// suffixes are not accepted.
func parseIPv6(s string) ([]byte, bool) {
	var head, tail []string
	switch parts := strings.Split(s, "::"); len(parts) {
	case 1:
		head = strings.Split(s, ":")
		if len(head) != 8 {
			return nil, false
		}
	case 2:
		if parts[0] != "" {
			head = strings.Split(parts[0], ":")
		}
		if parts[1] != "" {
			tail = strings.Split(parts[1], ":")
		}
		if len(head)+len(tail) >= 8 {
			return nil, false
		}
	default:
		return nil, false
	}
	b := make([]byte, 16)
	if !putGroups(b[:2*len(head)], head) || !putGroups(b[16-2*len(tail):], tail) {
		return nil, false
	}
	return b, true
}

func putGroups(dst []byte, groups []string) bool {
	for i, g := range groups {
		if g == "" || len(g) > 4 {
			return false
		}
		v, ok := javaParseInt(g, 16)
		if !ok {
			return false
		}
		dst[2*i] = byte(v >> 8)
		dst[2*i+1] = byte(v)
	}
	return true
}

// javaParseInt parses like Java's Integer.parseInt(s, radix): an optional '+' or '-'
// and at least one digit, within int32 range.
func javaParseInt(s string, radix int64) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= radix {
			return 0, false
		}
		v = v*radix + d
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return v, true
}

func digitValue(c byte) int64 {
	switch {
	case '0' <= c && c <= '9':
		return int64(c - '0')
	case 'a' <= c && c <= 'z':
		return int64(c-'a') + 10
	case 'A' <= c && c <= 'Z':
		return int64(c-'A') + 10
	}
	return 99
}
