package main

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestJavaDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		ms   int64
		loc  *time.Location
		want string
	}{
		{0, time.UTC, "Thu Jan 01 00:00:00 UTC 1970"},
		{1700000000123, time.UTC, "Tue Nov 14 22:13:20 UTC 2023"},
		{1700000000123, shanghai, "Wed Nov 15 06:13:20 CST 2023"},
	}
	for _, tc := range tests {
		if got := javaDate(tc.ms, tc.loc); got != tc.want {
			t.Errorf("javaDate(%d) = %q, want %q", tc.ms, got, tc.want)
		}
	}
}

func TestWriteStat(t *testing.T) {
	var b bytes.Buffer
	writeStat(&b, &zk.Stat{Czxid: 0x1a, Mzxid: 0x1b, Pzxid: 0x1a, Ctime: 0, Mtime: 1000, Version: 2, Cversion: 3,
		Aversion: 1, EphemeralOwner: 0x100000abc, DataLength: 5, NumChildren: 1}, time.UTC)
	want := `cZxid = 0x1a
ctime = Thu Jan 01 00:00:00 UTC 1970
mZxid = 0x1b
mtime = Thu Jan 01 00:00:01 UTC 1970
pZxid = 0x1a
cversion = 3
dataVersion = 2
aclVersion = 1
ephemeralOwner = 0x100000abc
dataLength = 5
numChildren = 1
`
	if b.String() != want {
		t.Errorf("stat:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestParseACL(t *testing.T) {
	tests := []struct {
		text string
		want []zk.ACL
		warn string
	}{
		{"world:anyone:cdrwa", []zk.ACL{{Scheme: "world", ID: "anyone", Perms: zk.PermAll}}, ""},
		{"ip:10.0.0.0/8:r,digest:u:h=:rw", []zk.ACL{{Scheme: "ip", ID: "10.0.0.0/8", Perms: zk.PermRead},
			{Scheme: "digest", ID: "u:h=", Perms: zk.PermRead | zk.PermWrite}}, ""},
		{"world:anyone:rx", []zk.ACL{{Scheme: "world", ID: "anyone", Perms: zk.PermRead}}, "Unknown perm type: x\n"},
		{"bad,auth::a", []zk.ACL{{Scheme: "auth", ID: "", Perms: zk.PermAdmin}}, "bad does not have the form scheme:id:perm\n"},
	}
	for _, tc := range tests {
		var warn bytes.Buffer
		got := parseACL(tc.text, &warn)
		if !reflect.DeepEqual(got, tc.want) || warn.String() != tc.warn {
			t.Errorf("parseACL(%q) = %v, warn %q; want %v, %q", tc.text, got, warn.String(), tc.want, tc.warn)
		}
	}
	if got := permString(zk.PermAll); got != "cdrwa" {
		t.Errorf("permString(all) = %q", got)
	}
	if got := juteCSV("a,b%}"); got != "'a%2Cb%25%7D" {
		t.Errorf("juteCSV = %q", got)
	}
}

func TestClientConfig(t *testing.T) {
	data := "server.2=b:2888:3888:participant;2182\nserver.1=a:2888:3888:participant;10.0.0.1:2181\n" +
		"server.3=c:2888:3888:observer\nversion=100000000\n"
	if got, want := clientConfig(data), "100000000 10.0.0.1:2181,0.0.0.0:2182,"; got != want {
		t.Errorf("clientConfig = %q, want %q", got, want)
	}
	if got := clientConfig(""); got != " " {
		t.Errorf("clientConfig(empty) = %q", got)
	}
}

func TestValidatePath(t *testing.T) {
	tests := []struct {
		path, err string
		seq       bool
	}{
		{path: "/"},
		{path: "/a/b"},
		{path: "/a/", seq: true},
		{path: "", err: "Path length must be > 0"},
		{path: "a", err: "Path must start with / character"},
		{path: "/a/", err: "Path must not end with / character"},
		{path: "/a/../b", err: `Invalid path string "/a/../b" caused by relative paths not allowed @4`},
		{path: "/./b", err: `Invalid path string "/./b" caused by relative paths not allowed @1`},
		{path: "/a\x01", err: "Invalid path string \"/a\x01\" caused by invalid character @2"},
		{path: "/a..b"},
	}
	for _, tc := range tests {
		err := validatePath(tc.path, tc.seq)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("validatePath(%q) = %q, want %q", tc.path, got, tc.err)
		}
	}
}

func TestSplitLine(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"ls /", []string{"ls", "/"}},
		{"  set  /a   b  ", []string{"set", "/a", "b"}},
		{`create /a "x y" 'p q'`, []string{"create", "/a", "x y", "p q"}},
		{`set /a ""`, []string{"set", "/a", ""}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := splitLine(tc.line); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitLine(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		line   string
		args   []string
		flags  string
		values map[byte]string
		err    string
	}{
		{line: "ls -s -w /", args: []string{"ls", "/"}, flags: "sw"},
		{line: "ls -sR /", args: []string{"ls", "/"}, flags: "Rs"},
		{line: "set -v 3 /a b", args: []string{"set", "/a", "b"}, flags: "v", values: map[byte]string{'v': "3"}},
		{line: "set -v3 /a -1", args: []string{"set", "/a", "-1"}, flags: "v", values: map[byte]string{'v': "3"}},
		{line: "deleteall /a -b 5", args: []string{"deleteall", "/a"}, flags: "b", values: map[byte]string{'b': "5"}},
		{line: "set /a -- -x", args: []string{"set", "/a", "-x"}},
		{line: "get /a watch", args: []string{"get", "/a"}, flags: "w"},
		{line: "ls -q /", err: "Unrecognized option: -q"},
		{line: "set /a b -v", err: "Missing argument for option: v"},
		{line: "set /a", err: "set [-s] [-v version] path data"},
	}
	for _, tc := range tests {
		args := splitLine(tc.line)
		o, err := parseOptions(commandsByName[args[0]], args)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: err = %v, want %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		var flags []string
		for f := range o.flags {
			flags = append(flags, string(f))
		}
		sort.Strings(flags)
		if !reflect.DeepEqual(o.args, tc.args) || strings.Join(flags, "") != tc.flags {
			t.Errorf("%q: args %q flags %q, want %q %q", tc.line, o.args, flags, tc.args, tc.flags)
		}
		for f, v := range tc.values {
			if o.values[f] != v {
				t.Errorf("%q: -%c = %q, want %q", tc.line, f, o.values[f], v)
			}
		}
	}
}

// FuzzParseLine checks that no typed line makes the parser panic, and that a
// parsed command keeps its name first.
func FuzzParseLine(f *testing.F) {
	for _, seed := range []string{"ls -R /", "create -s -e -t 5 /a 'b c' world:anyone:r", "set -v", `get "/a`, "deleteall /x -b", "-- -", "ls -sRw / watch x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := splitLine(line)
		if len(args) == 0 {
			return
		}
		for _, c := range commands {
			full := append([]string{c.name}, args...)
			o, err := parseOptions(c, full)
			if err == nil && o.args[0] != c.name {
				t.Fatalf("%q: args[0] = %q", line, o.args[0])
			}
			_ = validatePath(args[0], false)
			_ = parseACL(args[0], &bytes.Buffer{})
		}
	})
}

func BenchmarkParseLine(b *testing.B) {
	b.ReportAllocs()
	c := commandsByName["create"]
	for b.Loop() {
		args := splitLine(`create -s -e -t 100 /app/job- "some data" world:anyone:cdrwa`)
		if _, err := parseOptions(c, args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteStat(b *testing.B) {
	b.ReportAllocs()
	st := &zk.Stat{Czxid: 0x1a, Mzxid: 0x1b, Ctime: 1700000000123, Mtime: 1700000000123}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		writeStat(&buf, st, time.UTC)
	}
}
