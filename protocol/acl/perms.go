package acl

import (
	"errors"
	"strings"

	"github.com/zksim/zksim/protocol/wire"
)

// Parsing errors for zkCli-style strings.
var (
	ErrBadPerms = errors.New("acl: bad permission letter")
	ErrBadACL   = errors.New("acl: not of the form scheme:id:perm")
)

// permLetters are the permission letters in the order zkCli prints them.
var permLetters = []struct {
	letter byte
	bit    int32
}{
	{'c', wire.PermCreate},
	{'d', wire.PermDelete},
	{'r', wire.PermRead},
	{'w', wire.PermWrite},
	{'a', wire.PermAdmin},
}

// FormatPerms writes permission bits as zkCli does: the letters of the bits that are
// set, in the order c d r w a. Unknown bits are ignored.
func FormatPerms(perms int32) string {
	var b strings.Builder
	for _, l := range permLetters {
		if perms&l.bit != 0 {
			b.WriteByte(l.letter)
		}
	}
	return b.String()
}

// ParsePerms reads permission letters in any order; repeats are harmless and ""
// means no permission. Any other character is ErrBadPerms (zkCli only warns).
func ParsePerms(s string) (int32, error) {
	var perms int32
	for i := 0; i < len(s); i++ {
		found := false
		for _, l := range permLetters {
			if s[i] == l.letter {
				perms |= l.bit
				found = true
			}
		}
		if !found {
			return 0, &detailError{err: ErrBadPerms, detail: "perm " + quote(s[i:i+1])}
		}
	}
	return perms, nil
}

// ParseACL reads a zkCli ACL list: comma-separated "scheme:id:perm" entries, where the
// id runs from the first to the last colon (so digest ids keep theirs). It only checks
// the form; Fixup judges schemes and ids.
func ParseACL(s string) ([]wire.ACL, error) {
	var out []wire.ACL
	for _, entry := range strings.Split(s, ",") {
		first, last := strings.IndexByte(entry, ':'), strings.LastIndexByte(entry, ':')
		if first < 0 || first == last {
			return nil, &detailError{err: ErrBadACL, detail: quote(entry)}
		}
		perms, err := ParsePerms(entry[last+1:])
		if err != nil {
			return nil, err
		}
		out = append(out, wire.ACL{Perms: perms, ID: wire.Id{Scheme: entry[:first], ID: entry[first+1 : last]}})
	}
	return out, nil
}

// detailError adds context to a sentinel error without fmt, which the pure core may
// not import (it reaches os).
type detailError struct {
	err    error
	detail string
}

func (e *detailError) Error() string { return e.err.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.err }

func quote(s string) string { return `"` + s + `"` }
