package acl

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/zksim/zksim/protocol/wire"
)

// Scheme names.
const (
	SchemeWorld  = "world"
	SchemeAuth   = "auth"
	SchemeDigest = "digest"
	SchemeIP     = "ip"
	SchemeSuper  = "super"
)

// Anyone is the only id of the world scheme.
const Anyone = "anyone"

// Error is an ACL failure that maps to a ZooKeeper error code.
type Error struct {
	code wire.ErrCode
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Code is the wire error code to reply with.
func (e *Error) Code() wire.ErrCode { return e.code }

// Errors. Compare with errors.Is.
var (
	ErrNoAuth     = &Error{wire.ErrNoAuth, "acl: not authenticated"}
	ErrInvalidACL = &Error{wire.ErrInvalidACL, "acl: invalid acl"}
	ErrAuthFailed = &Error{wire.ErrAuthFailed, "acl: authentication failed"}
)

// Config holds the server-wide ACL settings.
type Config struct {
	// SuperDigest is a digest id ("user:base64(sha1(user:password))",
	// zookeeper.DigestAuthenticationProvider.superDigest). A connection that adds
	// digest credentials with this digest also gets super:, which passes every check.
	// Empty disables it.
	SuperDigest string
}

// OpenACL returns a new copy of the ACL that lets everyone do everything
// (ZooDefs.Ids.OPEN_ACL_UNSAFE), the ACL of the initial tree.
func OpenACL() []wire.ACL {
	return []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: SchemeWorld, ID: Anyone}}}
}

// Digest returns the digest id for "user:password" credentials:
// "user:" + base64(SHA-1(credentials)). Without a colon the whole string is the user.
func Digest(credentials string) string {
	user, _, _ := strings.Cut(credentials, ":")
	sum := sha1.Sum([]byte(credentials))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// provider is the part of ZooKeeper's AuthenticationProvider an ACL entry needs.
type provider struct {
	// authenticated ids stand for a person, so an "auth" ACL may expand to them.
	authenticated bool
	valid         func(id string) bool
	matches       func(callerID, aclID string) bool
}

// providers are the schemes that may appear in a stored ACL, besides world:anyone.
var providers = map[string]provider{
	SchemeDigest: {authenticated: true, valid: validDigestID, matches: func(c, a string) bool { return c == a }},
	SchemeIP:     {valid: validIPExpr, matches: ipMatches},
}

// validDigestID reports whether id has two parts when split on ':' the way Java's
// String.split does (trailing empty parts dropped): "user:hash".
func validDigestID(id string) bool {
	return len(javaSplit(id, ":")) == 2
}

// javaSplit splits s on sep and drops trailing empty strings, as Java's
// String.split(sep) does; it returns [s] when sep does not occur.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ValidID reports whether id is acceptable in a stored ACL entry of the given scheme.
// world accepts only "anyone"; auth is never stored (Fixup expands it).
func ValidID(scheme, id string) bool {
	if scheme == SchemeWorld {
		return id == Anyone
	}
	p, ok := providers[scheme]
	return ok && p.valid(id)
}

// Authenticate handles an auth packet: it returns the ids the connection gains, or
// ErrAuthFailed for an unknown scheme. Digest credentials give digest:<Digest(data)>
// (and super: when they match Config.SuperDigest); ip gives ip:<remoteIP>, the
// connection's own address, whatever the data.
func Authenticate(cfg Config, scheme string, data []byte, remoteIP string) ([]wire.Id, error) {
	switch scheme {
	case SchemeDigest:
		// Java decodes the bytes to a String first; invalid UTF-8 becomes U+FFFD.
		d := Digest(string([]rune(string(data))))
		ids := []wire.Id{{Scheme: SchemeDigest, ID: d}}
		if cfg.SuperDigest != "" && d == cfg.SuperDigest {
			ids = append(ids, wire.Id{Scheme: SchemeSuper, ID: ""})
		}
		return ids, nil
	case SchemeIP:
		return []wire.Id{{Scheme: SchemeIP, ID: remoteIP}}, nil
	}
	return nil, ErrAuthFailed
}

// AuthInfo is the set of ids a connection holds: ip:<address> from the start, plus
// whatever auth packets added. It is kept sorted by scheme and id, so "auth" ACLs
// expand and whoAmI answers in the same order every time.
type AuthInfo struct {
	remoteIP string
	ids      []wire.Id
}

// NewAuthInfo returns the ids of a new connection from remoteIP (empty for none).
func NewAuthInfo(remoteIP string) *AuthInfo {
	a := &AuthInfo{remoteIP: remoteIP}
	if remoteIP != "" {
		a.Add(wire.Id{Scheme: SchemeIP, ID: remoteIP})
	}
	return a
}

// Add adds ids, ignoring those already held.
func (a *AuthInfo) Add(ids ...wire.Id) {
	for _, id := range ids {
		i, found := slices.BinarySearchFunc(a.ids, id, compareIDs)
		if !found {
			a.ids = slices.Insert(a.ids, i, id)
		}
	}
}

// AddAuth handles an auth packet on this connection: it runs Authenticate with the
// connection's address and adds the ids it returns, or returns ErrAuthFailed.
func (a *AuthInfo) AddAuth(cfg Config, scheme string, data []byte) error {
	ids, err := Authenticate(cfg, scheme, data, a.remoteIP)
	if err != nil {
		return err
	}
	a.Add(ids...)
	return nil
}

// IDs returns the held ids, sorted. The caller must not modify the slice.
func (a *AuthInfo) IDs() []wire.Id { return a.ids }

// ClientInfo is one entry of a whoAmI reply.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// WhoAmI lists the held ids as whoAmI reports them: the user of a digest id is the
// part before the colon, an ip id is its address, and other schemes have no user.
func (a *AuthInfo) WhoAmI() []ClientInfo {
	out := make([]ClientInfo, 0, len(a.ids))
	for _, id := range a.ids {
		var user string
		switch id.Scheme {
		case SchemeDigest:
			if parts := javaSplit(id.ID, ":"); len(parts) > 0 {
				user = parts[0]
			}
		case SchemeIP:
			user = id.ID
		}
		out = append(out, ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}

func compareIDs(a, b wire.Id) int {
	return cmp.Or(strings.Compare(a.Scheme, b.Scheme), strings.Compare(a.ID, b.ID))
}

// Check decides whether a caller holding ids may do something needing perm (one or
// more permission bits; any one suffices) on a node with the given ACL. An empty ACL
// lets everyone in; so does a super id. Otherwise some entry must carry one of the
// bits and be world:anyone or match one of the caller's ids of its scheme.
func Check(nodeACL []wire.ACL, ids []wire.Id, perm int32) error {
	if len(nodeACL) == 0 {
		return nil
	}
	for _, id := range ids {
		if id.Scheme == SchemeSuper {
			return nil
		}
	}
	for _, a := range nodeACL {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID.Scheme == SchemeWorld && a.ID.ID == Anyone {
			return nil
		}
		p, ok := providers[a.ID.Scheme]
		if !ok {
			continue
		}
		for _, id := range ids {
			if id.Scheme == a.ID.Scheme && p.matches(id.ID, a.ID.ID) {
				return nil
			}
		}
	}
	return ErrNoAuth
}

// Fixup validates and normalizes the ACL of a create or setACL request from a caller
// holding ids (PrepRequestProcessor.fixupACL). Repeated entries are dropped first; an
// empty list is invalid; world:anyone passes; each auth entry becomes one entry per
// authenticated id of the caller (digest ids, not ip), with the entry's permissions,
// and is invalid if there are none; any other entry must have a known scheme and a
// well-formed id. Violations give ErrInvalidACL. Permission bits are not checked, as
// in ZooKeeper.
func Fixup(acls []wire.ACL, ids []wire.Id) ([]wire.ACL, error) {
	uniq := make([]wire.ACL, 0, len(acls))
	for _, a := range acls {
		if !slices.Contains(uniq, a) {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, ErrInvalidACL
	}
	out := make([]wire.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID.Scheme == SchemeWorld && a.ID.ID == Anyone:
			out = append(out, a)
		case a.ID.Scheme == SchemeAuth:
			expanded := false
			for _, id := range ids {
				if p, ok := providers[id.Scheme]; ok && p.authenticated {
					out = append(out, wire.ACL{Perms: a.Perms, ID: id})
					expanded = true
				}
			}
			if !expanded {
				return nil, ErrInvalidACL
			}
		default:
			p, ok := providers[a.ID.Scheme]
			if !ok || !p.valid(a.ID.ID) {
				return nil, ErrInvalidACL
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Redact returns a copy of acls with every digest id's hash hidden ("user:x"), for a
// getACL from a caller without ADMIN.
func Redact(acls []wire.ACL) []wire.ACL {
	out := slices.Clone(acls)
	for i, a := range out {
		if a.ID.Scheme == SchemeDigest {
			out[i].ID.ID = redactDigest(a.ID.ID)
		}
	}
	return out
}

// redactDigest does what Java's id.replaceAll(":.*", ":x") does: every ':' and the
// rest of its line become ":x" ('.' stops at line terminators).
func redactDigest(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); {
		if id[i] != ':' {
			b.WriteByte(id[i])
			i++
			continue
		}
		b.WriteString(":x")
		i++
		for i < len(id) && !lineTerminatorAt(id, i) {
			i++
		}
	}
	return b.String()
}

// lineTerminatorAt reports whether a Java line terminator (\n, \r, U+0085, U+2028,
// U+2029) starts at byte i of s.
func lineTerminatorAt(s string, i int) bool {
	switch {
	case s[i] == '\n' || s[i] == '\r':
		return true
	case strings.HasPrefix(s[i:], "\u0085"), strings.HasPrefix(s[i:], "\u2028"), strings.HasPrefix(s[i:], "\u2029"):
		return true
	}
	return false
}

// ForGetACL answers a getACL from a caller holding ids: the node's ACL in full with
// ADMIN, redacted with only READ, and ErrNoAuth with neither.
func ForGetACL(nodeACL []wire.ACL, ids []wire.Id) ([]wire.ACL, error) {
	if err := Check(nodeACL, ids, wire.PermRead|wire.PermAdmin); err != nil {
		return nil, err
	}
	if Check(nodeACL, ids, wire.PermAdmin) != nil {
		return Redact(nodeACL), nil
	}
	return nodeACL, nil
}
