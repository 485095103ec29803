package datatree

import (
	"strings"
	"unicode/utf8"
)

// ValidatePath reports whether p is a valid znode path under ZooKeeper's rules
// (PathUtils.validatePath): absolute, no trailing slash except for "/", no empty, "." or
// ".." component, and no NUL, control, surrogate-range or U+FFF0–U+FFFF characters.
// Java sees strings as UTF-16, so any code point of U+10000 or more (a surrogate pair)
// and any invalid UTF-8 (decoded as U+FFFD) is rejected too.
func ValidatePath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) == 1 {
		return true
	}
	if p[len(p)-1] == '/' {
		return false
	}
	for i := 1; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == 0:
			return false
		case r == '/' && p[i-1] == '/':
			return false
		case r == '.' && p[i-1] == '/':
			// "." and ".." are the only dot names that are forbidden.
			end := strings.IndexByte(p[i:], '/')
			if end < 0 {
				end = len(p) - i
			}
			if name := p[i : i+end]; name == "." || name == ".." {
				return false
			}
		case r <= 0x1f, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xf8ff, r >= 0xfff0:
			return false
		}
		i += size
	}
	return true
}

// parentOf splits a path at its last slash the way ZooKeeper does. The root's alias ""
// is folded into "/". ok is false when p has no slash.
func parentOf(p string) (parent, name string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	parent = p[:i]
	if parent == "" {
		parent = "/"
	}
	return parent, p[i+1:], true
}

// isProtected reports the paths ZooKeeper never lets a client delete.
func isProtected(p string) bool {
	switch p {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}
