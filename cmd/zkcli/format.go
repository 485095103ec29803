package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// javaDateLayout is java.util.Date.toString(): "EEE MMM dd HH:mm:ss zzz yyyy".
const javaDateLayout = "Mon Jan 02 15:04:05 MST 2006"

// javaDate renders milliseconds since the epoch as Java's Date.toString does.
func javaDate(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format(javaDateLayout)
}

// writeStat prints a Stat in StatPrinter's labels and order.
func writeStat(w io.Writer, st *zk.Stat, loc *time.Location) {
	hex := func(v int64) string { return "0x" + strconv.FormatUint(uint64(v), 16) }
	fmt.Fprintf(w, "cZxid = %s\n", hex(st.Czxid))
	fmt.Fprintf(w, "ctime = %s\n", javaDate(st.Ctime, loc))
	fmt.Fprintf(w, "mZxid = %s\n", hex(st.Mzxid))
	fmt.Fprintf(w, "mtime = %s\n", javaDate(st.Mtime, loc))
	fmt.Fprintf(w, "pZxid = %s\n", hex(st.Pzxid))
	fmt.Fprintf(w, "cversion = %d\n", st.Cversion)
	fmt.Fprintf(w, "dataVersion = %d\n", st.Version)
	fmt.Fprintf(w, "aclVersion = %d\n", st.Aversion)
	fmt.Fprintf(w, "ephemeralOwner = %s\n", hex(st.EphemeralOwner))
	fmt.Fprintf(w, "dataLength = %d\n", st.DataLength)
	fmt.Fprintf(w, "numChildren = %d\n", st.NumChildren)
}

// javaList renders a list as java.util.AbstractCollection.toString: "[a, b]".
func javaList(items []string) string {
	return "[" + strings.Join(items, ", ") + "]"
}

// permString writes permission bits as zkCli does: the letters c d r w a, in
// that order.
func permString(perms int32) string {
	var b strings.Builder
	for _, p := range []struct {
		bit    int32
		letter byte
	}{{zk.PermCreate, 'c'}, {zk.PermDelete, 'd'}, {zk.PermRead, 'r'}, {zk.PermWrite, 'w'}, {zk.PermAdmin, 'a'}} {
		if perms&p.bit != 0 {
			b.WriteByte(p.letter)
		}
	}
	return b.String()
}

// parseACL reads zkCli's ACL text, "scheme:id:perms[,scheme:id:perms…]". As
// AclParser does, a malformed entry or an unknown permission letter is reported
// on warn and skipped, so the server judges what is left.
func parseACL(text string, warn io.Writer) []zk.ACL {
	var acl []zk.ACL
	for _, entry := range strings.Split(text, ",") {
		first, last := strings.IndexByte(entry, ':'), strings.LastIndexByte(entry, ':')
		if first < 0 || first == last {
			fmt.Fprintf(warn, "%s does not have the form scheme:id:perm\n", entry)
			continue
		}
		var perms int32
		for _, c := range entry[last+1:] {
			switch c {
			case 'r':
				perms |= zk.PermRead
			case 'w':
				perms |= zk.PermWrite
			case 'c':
				perms |= zk.PermCreate
			case 'd':
				perms |= zk.PermDelete
			case 'a':
				perms |= zk.PermAdmin
			default:
				fmt.Fprintf(warn, "Unknown perm type: %c\n", c)
			}
		}
		acl = append(acl, zk.ACL{Scheme: entry[:first], ID: entry[first+1 : last], Perms: perms})
	}
	return acl
}

// juteCSV escapes a string as jute's CsvOutputArchive does, which is how zkCli
// prints an ACL's id: `'world,'anyone`.
func juteCSV(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, c := range s {
		switch c {
		case 0:
			b.WriteString("%00")
		case '\n':
			b.WriteString("%0A")
		case '\r':
			b.WriteString("%0D")
		case ',':
			b.WriteString("%2C")
		case '}':
			b.WriteString("%7D")
		case '%':
			b.WriteString("%25")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// validatePath applies the client-side path rules of Java's PathUtils, with
// its messages, so a bad path fails as it does in zkCli before any request.
func validatePath(path string, sequential bool) error {
	if path == "" {
		return errMalformed("Path length must be > 0")
	}
	if path[0] != '/' {
		return errMalformed("Path must start with / character")
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' && !sequential {
		return errMalformed("Path must not end with / character")
	}
	runes := []rune(path)
	for i := 1; i < len(runes); i++ {
		c, last := runes[i], runes[i-1]
		switch {
		case c == 0:
			return errMalformed(fmt.Sprintf("Invalid path string \"%s\" caused by null character not allowed @%d", path, i))
		case c == '/' && last == '/':
			return errMalformed(fmt.Sprintf("Invalid path string \"%s\" caused by empty node name specified @%d", path, i))
		case c == '.' && last == '.' && runes[i-2] == '/' && (i+1 == len(runes) || runes[i+1] == '/'):
			return errMalformed(fmt.Sprintf("Invalid path string \"%s\" caused by relative paths not allowed @%d", path, i))
		case c == '.' && last == '/' && (i+1 == len(runes) || runes[i+1] == '/'):
			return errMalformed(fmt.Sprintf("Invalid path string \"%s\" caused by relative paths not allowed @%d", path, i))
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0 && c <= 0xffff:
			return errMalformed(fmt.Sprintf("Invalid path string \"%s\" caused by invalid character @%d", path, i))
		}
	}
	return nil
}

// joinPath appends a child name to a parent path.
func joinPath(parent, child string) string {
	if parent == "/" {
		return "/" + child
	}
	return parent + "/" + child
}
