package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/server"
)

func startServer(t *testing.T) string {
	t.Helper()
	addr, stop, err := server.StartStandalone(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(stop)
	return addr
}

// runScript feeds script to zkcli on stdin and returns what it printed.
func runScript(t *testing.T, addr, script string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = run(ctx, []string{"-server", addr, "-timeout", "5000"}, strings.NewReader(script), &out, &errb)
	return out.String(), errb.String(), err
}

// statPattern matches the eleven Stat lines with any zxids and times.
func statPattern(cversion, dataVersion, aclVersion, ephemeral, dataLength, numChildren string) string {
	date := `[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}`
	return `cZxid = 0x[0-9a-f]+\n` +
		`ctime = ` + date + `\n` +
		`mZxid = 0x[0-9a-f]+\n` +
		`mtime = ` + date + `\n` +
		`pZxid = 0x[0-9a-f]+\n` +
		`cversion = ` + cversion + `\n` +
		`dataVersion = ` + dataVersion + `\n` +
		`aclVersion = ` + aclVersion + `\n` +
		`ephemeralOwner = ` + ephemeral + `\n` +
		`dataLength = ` + dataLength + `\n` +
		`numChildren = ` + numChildren + `\n`
}

func TestCommands(t *testing.T) {
	addr := startServer(t)
	tests := []struct {
		name   string
		script string // run on a fresh tree (each case cleans up after itself)
		stdout string // regexp, anchored
		stderr string // regexp, anchored
		fails  bool
	}{
		{name: "ls root", script: "ls /", stdout: `\[zookeeper\]\n`},
		{name: "ls missing", script: "ls /nope", stderr: `Node does not exist: /nope\n`, fails: true},
		{name: "create get delete",
			script: "create /app content\nget /app\ndelete /app\nls /",
			stdout: `content\n\[zookeeper\]\n`, stderr: `Created /app\n`},
		{name: "create without data is null",
			script: "create /n\nget /n\ndelete /n",
			stdout: `null\n`, stderr: `Created /n\n`},
		{name: "create exists",
			script: "create /dup\ncreate /dup\ndelete /dup",
			stderr: `Created /dup\nNode already exists: /dup\n`},
		{name: "sequential ephemeral",
			script: "create /q\ncreate -s -e /q/job- x\nls /q\ngetEphemerals\ndeleteall /q",
			stdout: `\[job-0000000000\]\n\[/q/job-0000000000\]\n`,
			stderr: `Created /q\nCreated /q/job-0000000000\n`},
		{name: "ephemeral has no children",
			script: "create -e /eph\ncreate /eph/c\ndelete /eph",
			stderr: `Created /eph\nEphemerals cannot have children: /eph/c\n`},
		{name: "set with stat and bad version",
			script: "create /v a\nset -s /v b\nset -v 7 /v c\nget -s /v\ndelete /v",
			stdout: statPattern("0", "1", "0", "0x0", "1", "0") + `b\n` + statPattern("0", "1", "0", "0x0", "1", "0"),
			stderr: `Created /v\nversion No is not valid : /v\n`},
		{name: "stat and stat missing",
			script: "create /s xyz\nstat /s\nstat /missing\ndelete /s",
			stdout: statPattern("0", "0", "0", "0x0", "3", "0"),
			stderr: `Created /s\nNode does not exist: /missing\n`},
		{name: "ls -s and -R",
			script: "create /t\ncreate /t/b\ncreate /t/a\ncreate /t/a/x\nls -s /t\nls -R /t\ndeleteall /t\nls /",
			stdout: `\[a, b\]\n` + statPattern("2", "0", "0", "0x0", "0", "2") + `/t\n/t/a\n/t/a/x\n/t/b\n\[zookeeper\]\n`,
			stderr: `Created /t\nCreated /t/b\nCreated /t/a\nCreated /t/a/x\n`},
		{name: "delete not empty, rmr",
			script: "create /d\ncreate /d/c\ndelete /d\nrmr /d\nls /",
			stdout: `\[zookeeper\]\n`,
			stderr: `Created /d\nCreated /d/c\nNode not empty: /d\n`},
		{name: "deleteall batch",
			script: "create /b\ncreate /b/1\ncreate /b/2\ncreate /b/3\ndeleteall /b -b 2\nstat /b",
			stderr: `Created /b\nCreated /b/1\nCreated /b/2\nCreated /b/3\nNode does not exist: /b\n`, fails: true},
		{name: "acl round trip",
			script: "create /acl x world:anyone:rwa\ngetAcl /acl\nsetAcl /acl world:anyone:cdrwa\ngetAcl -s /acl\ndelete /acl",
			stdout: `'world,'anyone\n: rwa\n'world,'anyone\n: cdrwa\n` + statPattern("0", "0", "1", "0x0", "1", "0"),
			stderr: `Created /acl\n`},
		{name: "digest auth",
			script: "addauth digest user:password\nwhoami\ncreate /sec x auth::cdrwa\ngetAcl /sec\ndelete /sec",
			stdout: `Auth scheme: User\n(ip: 127\.0\.0\.1\n)?digest: user\n(ip: 127\.0\.0\.1\n)?'digest,'user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=\n: cdrwa\n`,
			stderr: `Created /sec\n`},
		{name: "no permission",
			script: "create /ro x world:anyone:r\nset /ro y\nsetAcl /ro world:anyone:cdrwa\ndelete /ro",
			stderr: `Created /ro\nInsufficient permission : /ro\nInsufficient permission : /ro\n`},
		{name: "bad acl",
			script: "create /bad x nonsense",
			stderr: `nonsense does not have the form scheme:id:perm\nAcl is not valid : /bad\n`, fails: true},
		{name: "container and ttl",
			script: "create -c /cont\ncreate -t 100000 /ttl\nstat /cont\ndelete /ttl\ndelete /cont",
			stdout: statPattern("0", "0", "0", "0x0", "0", "0"),
			stderr: `Created /cont\nCreated /ttl\n`},
		{name: "bad flags",
			script: "create -c -e /x\ncreate -t abc /x\ncreate -t 10 -e /x\nls -x /",
			stderr: `-c cannot be combined with -s or -e\. Containers cannot be ephemeral or sequential\.\n` +
				`-t argument must be a long value\nTTLs cannot be used with Ephemeral znodes\nUnrecognized option: -x\n`, fails: true},
		{name: "usage errors",
			script: "get\nset /x\ncreate",
			stderr: `get \[-s\] \[-w\] path\nset \[-s\] \[-v version\] path data\ncreate \[-s\] \[-e\] \[-c\] \[-t ttl\] path \[data\] \[acl\]\n`, fails: true},
		{name: "bad path",
			script: "get app\nls /a/\ncreate /a//b",
			stderr: `Path must start with / character\nPath must not end with / character\n` +
				`Invalid path string "/a//b" caused by empty node name specified @3\n`, fails: true},
		{name: "unknown command",
			script: "frobnicate /",
			stderr: `ZooKeeper -server host:port -timeout ms cmd args\n(\t.*\n)+Command not found frobnicate\n`, fails: true},
		{name: "sync, children number",
			script: "create /n1\ncreate /n1/a\ncreate /n1/a/b\nsync /n1\ngetAllChildrenNumber /n1\ngetAllChildrenNumber /zz\ndeleteall /n1",
			stdout: `Sync is OK\n2\n`,
			stderr: `Created /n1\nCreated /n1/a\nCreated /n1/a/b\nNode does not exist: /zz\n`},
		{name: "quoted data",
			script: "create /qd \"hello world\"\nget /qd\nset /qd 'single quoted'\nget /qd\ndelete /qd",
			stdout: `hello world\nsingle quoted\n`, stderr: `Created /qd\n`},
		{name: "data watch fires",
			script: "create /w a\nget -w /w\nset /w b\ndelete /w",
			stdout: `a\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/w\n`,
			stderr: `Created /w\n`},
		{name: "legacy watch forms",
			script: "create /lw a\nls / watch\nget /lw watch\ncreate /lw/c\ndelete /lw/c\ndelete /lw",
			stdout: `\[lw, zookeeper\]\na\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDeleted path:/lw\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/\n`,
			stderr: `Created /lw\n'ls path \[watch\]' has been deprecated\. Please use 'ls \[-w\] path' instead\.\n` +
				`'get path \[watch\]' has been deprecated\. Please use 'get \[-s\] \[-w\] path' instead\.\nCreated /lw/c\n`},
		{name: "stat watch on missing node",
			script: "stat -w /later\ncreate /later\ndelete /later",
			stdout: `\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeCreated path:/later\n`,
			stderr: `Node does not exist: /later\nCreated /later\n`},
		{name: "persistent recursive watch",
			script: "create /pw\naddWatch /pw\ncreate /pw/a\nset /pw/a x\nremovewatches /pw\nset /pw/a y\ndeleteall /pw",
			stdout: `\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeCreated path:/pw/a\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/pw/a\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/pw\n`,
			stderr: `Created /pw\nCreated /pw/a\n`},
		{name: "removewatches by type",
			script: "create /rw\nget -w /rw\nls -w /rw\nremovewatches /rw -c\nremovewatches /rw -c\nremovewatches /rw\n" +
				"addWatch -m persistent /rw\nremovewatches /rw -d\nremovewatches /rw -a\nset /rw x\ndelete /rw",
			stdout: `null\n\[\]\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:ChildWatchRemoved path:/rw\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:DataWatchRemoved path:/rw\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/rw\n`,
			stderr: `Created /rw\nKeeperErrorCode = No such watcher for /rw\nKeeperErrorCode = No such watcher for /rw\n`},
		{name: "addWatch bad mode, removewatches none",
			script: "addWatch -m sometimes /\nremovewatches /nothing",
			stderr: `mode must be one of: \[PERSISTENT, PERSISTENT_RECURSIVE\]\nKeeperErrorCode = No such watcher for /nothing\n`, fails: true},
		{name: "printwatches off",
			script: "printwatches\nprintwatches off\nprintwatches\ncreate /pq a\nget -w /pq\nset /pq b\ndelete /pq",
			stdout: `printwatches is on\nprintwatches is off\na\n`, stderr: `Created /pq\n`},
		{name: "history and redo",
			script: "create /h 1\nget /h\nset /h 2\nredo 1\nhistory\nredo 9\ndelete /h",
			stdout: `1\n2\n0 - create /h 1\n1 - get /h\n2 - set /h 2\n3 - get /h\n4 - history\n`,
			stderr: `Created /h\nCommand index out of range\n`},
		{name: "close then not connected",
			script: "close\nls /",
			stdout: `Not connected\n`},
		{name: "whoami anonymous", script: "whoami", stdout: `Auth scheme: User\nip: 127\.0\.0\.1\n`},
		{name: "getEphemerals with a prefix",
			script: "create -e /e1\ncreate -e /f1\ngetEphemerals /e\ngetEphemerals /zzz",
			stdout: `\[/e1\]\n\[\]\n`, stderr: `Created /e1\nCreated /f1\n`},
		{name: "sequential child named by the server",
			script: "create /sq\ncreate -s /sq/\ncreate -s /sq/\nls /sq\ncreate -s /none/\ndeleteall /sq",
			stdout: `\[0000000000, 0000000001\]\n`,
			stderr: `Created /sq\nCreated /sq/0000000000\nCreated /sq/0000000001\nNode does not exist: /none/\n`},
		{name: "connect opens a new session",
			script: "create -e /ce\nconnect $ADDR\nls /\nclose\nconnect\nls /",
			stdout: `\[zookeeper\]\n\[zookeeper\]\n`, stderr: `Created /ce\n`},
		{name: "setAcl recursive and versioned",
			script: "create /sa\ncreate /sa/b\nsetAcl -R /sa world:anyone:ra\ngetAcl /sa/b\nsetAcl -v 5 /sa world:anyone:cdrwa\n" +
				"setAcl -s -v 1 /sa world:anyone:cdrwa\ndeleteall /sa",
			stdout: `'world,'anyone\n: ra\n` + statPattern("1", "0", "2", "0x0", "0", "1"),
			stderr: `Created /sa\nCreated /sa/b\nversion No is not valid : /sa\n`},
		{name: "ls -R -w watches every level",
			script: "create /lr\ncreate /lr/a\nls -R -w /lr\ncreate /lr/a/b\ndeleteall /lr",
			stdout: `/lr\n/lr/a\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/lr/a\n` +
				`\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/lr\n`,
			stderr: `Created /lr\nCreated /lr/a\nCreated /lr/a/b\n`},
		{name: "config", script: "config\nconfig -c", stdout: `\n \n`},
		{name: "quit ends the script", script: "ls /\nquit\nls /", stdout: `\[zookeeper\]\n`},
		{name: "version",
			script: "version",
			stdout: `ZooKeeper CLI version: ` + regexp.QuoteMeta(server.Version) + `\n`},
		{name: "unsupported",
			script: "setquota -n 1 /",
			stderr: `setquota: not supported by this client\n`, fails: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := runScript(t, addr, strings.ReplaceAll(tc.script, "$ADDR", addr))
			if got := err != nil; got != tc.fails {
				t.Errorf("failed = %v (%v), want %v", got, err, tc.fails)
			}
			if err != nil && !errors.Is(err, errFailed) {
				t.Errorf("err = %v, want errFailed", err)
			}
			if !regexp.MustCompile(`\A` + tc.stdout + `\z`).MatchString(stdout) {
				t.Errorf("stdout:\n%s\nwant (regexp):\n%s", stdout, tc.stdout)
			}
			if !regexp.MustCompile(`\A` + tc.stderr + `\z`).MatchString(stderr) {
				t.Errorf("stderr:\n%s\nwant (regexp):\n%s", stderr, tc.stderr)
			}
		})
	}
}

func TestOneShot(t *testing.T) {
	addr := startServer(t)
	tests := []struct {
		args           []string
		stdout, stderr string
		fails          bool
	}{
		{args: []string{"create", "/one", "1"}, stderr: "Created /one\n"},
		{args: []string{"get", "/one"}, stdout: "1\n"},
		{args: []string{"get", "/two"}, stderr: "Node does not exist: /two\n", fails: true},
		{args: []string{"delete", "/one"}},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		args := append([]string{"-server", addr, "-timeout", "5000"}, tc.args...)
		err := run(t.Context(), args, strings.NewReader(""), &out, &errb)
		if (err != nil) != tc.fails || out.String() != tc.stdout || errb.String() != tc.stderr {
			t.Errorf("%v: err=%v stdout=%q stderr=%q; want fails=%v stdout=%q stderr=%q",
				tc.args, err, out.String(), errb.String(), tc.fails, tc.stdout, tc.stderr)
		}
	}
}

func TestConnectFailure(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"-server", "127.0.0.1:1", "-timeout", "300", "ls", "/"}, strings.NewReader(""), &out, &errb)
	if !errors.Is(err, errFailed) || !strings.Contains(errb.String(), "Unable to connect to 127.0.0.1:1") {
		t.Fatalf("err=%v stderr=%q", err, errb.String())
	}
}

func TestHelpDocumentsEveryCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"help"}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !regexp.MustCompile(`(?m)^\t` + c.name + `( |$)`).MatchString(out.String()) {
			t.Errorf("help does not list %s", c.name)
		}
		for _, f := range c.flags + c.value {
			if !strings.Contains(out.String(), "-"+string(f)+" ") {
				t.Errorf("help does not document %s -%c", c.name, f)
			}
		}
	}
}
