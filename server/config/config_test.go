package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const base = "dataDir=/var/zk\nclientPort=2181\n"

func parse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse("zoo.cfg", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func warningsOf(c *Config) []string {
	var out []string
	for _, w := range c.Warnings {
		out = append(out, w.String())
	}
	return out
}

func TestDefaults(t *testing.T) {
	c := parse(t, "dataDir=/var/zk\nclientPort=2181\n")
	if err := c.UseMyID("/var/zk/myid", nil); err != nil {
		t.Fatal(err)
	}
	want := Config{
		TickTime: 3000, MaxClientCnxns: 60, MinSessionTimeout: 6000, MaxSessionTimeout: 60000,
		ClientPortListenBacklog: -1, ElectionAlg: 3, SnapRetainCount: 3, SnapCount: 100000,
		PreAllocSizeKB: 65536, GlobalOutstandingLimit: 1000, DataDir: "/var/zk", DataLogDir: "/var/zk",
		ClientPort: 2181, ServerID: -1, StandaloneEnabled: true, SyncEnabled: true, ForceSync: true,
	}
	got := *c
	got.File, got.lines, got.myid, got.FourLetterWordWhitelist, got.Warnings = "", nil, false, nil, nil
	if !equalConfig(got, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if !slices.Equal(c.FourLetterWordWhitelist, []string{"srvr"}) || len(c.Warnings) != 0 || !c.Standalone() {
		t.Fatalf("whitelist %v warnings %v standalone %v", c.FourLetterWordWhitelist, c.Warnings, c.Standalone())
	}
}

func equalConfig(a, b Config) bool {
	return a.TickTime == b.TickTime && a.InitLimit == b.InitLimit && a.SyncLimit == b.SyncLimit &&
		a.DataDir == b.DataDir && a.DataLogDir == b.DataLogDir && a.ClientPort == b.ClientPort &&
		a.ClientPortAddress == b.ClientPortAddress && a.MaxClientCnxns == b.MaxClientCnxns &&
		a.MinSessionTimeout == b.MinSessionTimeout && a.MaxSessionTimeout == b.MaxSessionTimeout &&
		a.ClientPortListenBacklog == b.ClientPortListenBacklog && a.ElectionAlg == b.ElectionAlg &&
		a.PeerType == b.PeerType && len(a.Servers) == len(b.Servers) && a.SnapRetainCount == b.SnapRetainCount &&
		a.PurgeInterval == b.PurgeInterval && a.StandaloneEnabled == b.StandaloneEnabled &&
		a.ReconfigEnabled == b.ReconfigEnabled && a.ExtendedTypesEnabled == b.ExtendedTypesEnabled &&
		a.SyncEnabled == b.SyncEnabled && a.SnapCount == b.SnapCount && a.PreAllocSizeKB == b.PreAllocSizeKB &&
		a.GlobalOutstandingLimit == b.GlobalOutstandingLimit && a.ForceSync == b.ForceSync && a.ServerID == b.ServerID
}

// TestKeys sets each key and checks the field it lands in.
func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		line  string
		check func(c *Config) bool
	}{
		{"tickTime=2000", func(c *Config) bool {
			return c.TickTime == 2000 && c.MinSessionTimeout == 4000 && c.MaxSessionTimeout == 40000
		}},
		{"initLimit=10", func(c *Config) bool { return c.InitLimit == 10 }},
		{"syncLimit=5", func(c *Config) bool { return c.SyncLimit == 5 }},
		{"dataLogDir=/var/zklog", func(c *Config) bool { return c.DataLogDir == "/var/zklog" && c.DataDir == "/var/zk" }},
		{"clientPortAddress=127.0.0.1", func(c *Config) bool { return c.ClientPortAddress == "127.0.0.1" }},
		{"maxClientCnxns=0", func(c *Config) bool { return c.MaxClientCnxns == 0 }},
		{"minSessionTimeout=100", func(c *Config) bool { return c.MinSessionTimeout == 100 && c.MaxSessionTimeout == 60000 }},
		{"maxSessionTimeout=7000", func(c *Config) bool { return c.MaxSessionTimeout == 7000 }},
		{"clientPortListenBacklog=50", func(c *Config) bool { return c.ClientPortListenBacklog == 50 }},
		{"secureClientPort=2281", func(c *Config) bool { return c.SecureClientPort == 2281 }},
		{"electionAlg=3", func(c *Config) bool { return c.ElectionAlg == 3 }},
		{"peerType=participant", func(c *Config) bool { return c.PeerType == Participant }},
		{"autopurge.snapRetainCount=5", func(c *Config) bool { return c.SnapRetainCount == 5 }},
		{"autopurge.purgeInterval=24", func(c *Config) bool { return c.PurgeInterval == 24 }},
		{"autopurge.purgeInterval=-3", func(c *Config) bool { return c.PurgeInterval == 0 }},
		{"4lw.commands.whitelist=stat, ruok ,conf", func(c *Config) bool {
			return slices.Equal(c.FourLetterWordWhitelist, []string{"conf", "ruok", "srvr", "stat"}) &&
				c.FourLetterWordAllowed("ruok") && !c.FourLetterWordAllowed("dump") && c.FourLetterWordAllowed("srvr")
		}},
		{"4lw.commands.whitelist=*", func(c *Config) bool {
			return slices.Equal(c.FourLetterWordWhitelist, []string{"*"}) && c.FourLetterWordAllowed("wchc")
		}},
		{"standaloneEnabled=TRUE", func(c *Config) bool { return c.StandaloneEnabled }},
		{"reconfigEnabled=true", func(c *Config) bool { return c.ReconfigEnabled }},
		{"extendedTypesEnabled=true", func(c *Config) bool { return c.ExtendedTypesEnabled }},
		{"localSessionsEnabled=true", func(c *Config) bool { return c.LocalSessionsEnabled }},
		{"localSessionsUpgradingEnabled=true", func(c *Config) bool { return c.LocalSessionsUpgradingEnabled }},
		{"syncEnabled=false", func(c *Config) bool { return !c.SyncEnabled }},
		{"quorumListenOnAllIPs=true", func(c *Config) bool { return c.QuorumListenOnAllIPs }},
		{"snapCount=5000", func(c *Config) bool { return c.SnapCount == 5000 }},
		{"preAllocSize=1024", func(c *Config) bool { return c.PreAllocSizeKB == 1024 }},
		{"globalOutstandingLimit=10", func(c *Config) bool { return c.GlobalOutstandingLimit == 10 }},
		{"forceSync=yes", func(c *Config) bool { return c.ForceSync }},
		{"connectToLearnerMasterLimit=7", func(c *Config) bool { return c.ConnectToLearnerMasterLimit == 7 }},
		{"multiAddress.enabled=true", func(c *Config) bool { return c.MultiAddressEnabled }},
	} {
		t.Run(tc.line, func(t *testing.T) {
			c := parse(t, base+tc.line+"\n")
			if !tc.check(c) {
				t.Fatalf("%s not applied: %+v", tc.line, c)
			}
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %v", warningsOf(c))
			}
		})
	}
}

// TestWarnings: keys that are accepted but adjusted, ignored or unknown.
func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{base + "admin.serverPort=9090\nadmin.enableServer=false\n", []string{
			"zoo.cfg:3: admin.serverPort: the embedded admin server is not provided; ignored",
			"zoo.cfg:4: admin.enableServer: the embedded admin server is not provided; ignored"}},
		{base + "metricsProvider.httpPort=7000\n", []string{"zoo.cfg:3: metricsProvider.httpPort: metrics providers are not supported; ignored"}},
		{base + "jute.maxbuffer=4194304\n", []string{"zoo.cfg:3: jute.maxbuffer: has no effect in zoo.cfg: ZooKeeper reads it as the system property zookeeper.jute.maxbuffer"}},
		{base + "fooBar=1\n", []string{"zoo.cfg:3: fooBar: unknown key ignored (ZooKeeper would set the system property zookeeper.fooBar)"}},
		{base + "autopurge.snapRetainCount=1\n", []string{"zoo.cfg:3: autopurge.snapRetainCount: 1 is below the minimum; using 3"}},
		{base + "snapCount=1\n", []string{"zoo.cfg:3: snapCount: 1 is below the minimum; using 2"}},
		{base + "forceSync=no\n", []string{"zoo.cfg:3: forceSync: forceSync=no turns fsync off: acknowledged writes can be lost in a crash"}},
		{base + "4lw.commands.whitelist=ruok,blah\n", []string{`zoo.cfg:3: 4lw.commands.whitelist: unknown four-letter word "blah" ignored`}},
		{base + "tickTime=1000\ntickTime=2000\n", []string{"zoo.cfg:4: tickTime: also set on line 3; this later value wins"}},
		{base + "server.1=a:2888:3888\n", []string{"zoo.cfg:3: server.1: only one server line: running standalone and ignoring it"}},
		{base + "initLimit=5\nsyncLimit=2\nserver.1=a:2888:3888\nserver.2=b:2888:3888\n", []string{
			"zoo.cfg:5: server.1: no server failure will be tolerated: you need at least 3 servers"}},
		{base + "initLimit=5\nsyncLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2\n", []string{
			"zoo.cfg:5: server.1: non-optimal configuration: consider an odd number of servers"}},
		{base + "maxClientCnxns=10   # per IP\n", []string{`zoo.cfg:3: maxClientCnxns: text from "#" on is read as a comment; ZooKeeper would read it as part of the value`}},
	} {
		c := parse(t, tc.text)
		if got := warningsOf(c); !slices.Equal(got, tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
}

// TestErrors: every refusal names the file, line, key and reason.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
	}{
		{"clientPort=2181\n", "zoo.cfg: dataDir: dataDir is not set"},
		{base + "tickTime=abc\n", `zoo.cfg:3: tickTime: "abc" is not an integer`},
		{base + "tickTime=0\n", "zoo.cfg:3: tickTime: 0 is below the minimum 1"},
		{base + "initLimit=-1\n", "zoo.cfg:3: initLimit: -1 is below the minimum 0"},
		{base + "maxClientCnxns=-5\n", "zoo.cfg:3: maxClientCnxns: -5 is below the minimum 0"},
		{base + "minSessionTimeout=-2\n", "zoo.cfg:3: minSessionTimeout: -2 is below the minimum -1"},
		{base + "minSessionTimeout=9000\nmaxSessionTimeout=8000\n", "zoo.cfg:4: maxSessionTimeout: minSessionTimeout (9000) must not be larger than maxSessionTimeout (8000)"},
		{base + "maxSessionTimeout=8000\nminSessionTimeout=9000\n", "zoo.cfg:4: minSessionTimeout: minSessionTimeout (9000) must not be larger than maxSessionTimeout (8000)"},
		{base + "tickTime=1000\nminSessionTimeout=30000\n", "zoo.cfg:4: minSessionTimeout: minSessionTimeout (30000) must not be larger than maxSessionTimeout (20000)"},
		{"dataDir=/d\nclientPort=70000\n", "zoo.cfg:2: clientPort: 70000 is out of range 1-65535"},
		{"dataDir=/d\nclientPort=x\n", `zoo.cfg:2: clientPort: "x" is not a number`},
		{"dataDir=/d\nclientPortAddress=1.2.3.4\n", "zoo.cfg:2: clientPortAddress: clientPortAddress is set but clientPort is not set"},
		{base + "secureClientPort=-1\n", "zoo.cfg:3: secureClientPort: -1 is out of range 1-65535"},
		{base + "electionAlg=1\n", `zoo.cfg:3: electionAlg: invalid electionAlg "1": only 3 is supported`},
		{base + "peerType=leader\n", `zoo.cfg:3: peerType: unrecognised peer type "leader"`},
		{base + "standaloneEnabled=yes\n", `zoo.cfg:3: standaloneEnabled: invalid option "yes": choose true or false`},
		{base + "forceSync=true\n", `zoo.cfg:3: forceSync: invalid option "true": choose yes or no`},
		{base + "preAllocSize=0\n", `zoo.cfg:3: preAllocSize: "0" is not a positive number of kilobytes`},
		{base + "globalOutstandingLimit=0\n", "zoo.cfg:3: globalOutstandingLimit: 0 is below the minimum 1"},
		{base + "dataLogDir=\n", "zoo.cfg:3: dataLogDir: empty value"},
		{base + "server.x=a:1:2\n", "zoo.cfg:3: server.x: server id must be a non-negative integer"},
		{base + "server.-1=a:1:2\n", "zoo.cfg:3: server.-1: server id must be a non-negative integer"},
		{base + "server.1=a:2888\n", `zoo.cfg:3: server.1: "a:2888" does not have the form host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`},
		{base + "server.1=a:1:2:observer:x\n", `zoo.cfg:3: server.1: "a:1:2:observer:x" does not have the form host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`},
		{base + "server.1=a:2888:2888\n", "zoo.cfg:3: server.1: quorum and election ports must differ"},
		{base + "server.1=a:0:3888\n", "zoo.cfg:3: server.1: quorum port 0 is out of range 1-65535"},
		{base + "server.1=a:2888:99999\n", "zoo.cfg:3: server.1: election port 99999 is out of range 1-65535"},
		{base + "server.1=a:2888:3888:voter\n", `zoo.cfg:3: server.1: unrecognised peer type "voter"`},
		{base + "server.1=a:2888:3888;x\n", `zoo.cfg:3: server.1: client port "x" is not a number`},
		{base + "server.1=a:2888:3888;h:1:2\n", `zoo.cfg:3: server.1: "a:2888:3888;h:1:2" does not have the form host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`},
		{base + "server.1=:2888:3888\n", `zoo.cfg:3: server.1: empty host in ":2888:3888"`},
		{base + "server.1=a:1:2|b:1:2\n", "zoo.cfg:3: server.1: several addresses need multiAddress.enabled=true"},
		{base + "multiAddress.enabled=true\nserver.1=a:1:2:observer|b:1:2:participant\n", "zoo.cfg:4: server.1: all addresses of one server must have the same role"},
		{base + "server.1=a:1:2\nserver.01=b:1:2\n", "zoo.cfg:4: server.01: duplicate server id 1 (also on line 3)"},
		{base + "server.1=a:1:2\nserver.1=b:1:2\n", "zoo.cfg:4: server.1: duplicate server id 1 (also on line 3)"},
		{base + "server.1=a:1:2:observer\n", "zoo.cfg:3: server.1: observers without participants is an invalid configuration"},
		{base + "server.1=a:1:2\nserver.2=b:1:2:observer\n", "zoo.cfg:3: server.1: observers without a quorum is an invalid configuration"},
		{base + "standaloneEnabled=false\n", "zoo.cfg:3: standaloneEnabled: standaloneEnabled=false needs at least one participant server line"},
		{base + "syncLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n", "zoo.cfg: initLimit: initLimit is not set"},
		{base + "initLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n", "zoo.cfg: syncLimit: syncLimit is not set"},
		{base + "server.1=a:1:2\nserver.2=a:3:2\n", "zoo.cfg:4: server.2: a:2 is already used by server.1"},
		{base + "group.1=1:2:3\n", "zoo.cfg:3: group.1: hierarchical quorums are not supported"},
		{base + "dynamicConfigFile=/etc/zoo.cfg.dynamic\n", "zoo.cfg:3: dynamicConfigFile: dynamic configuration files are not supported; put the server lines in zoo.cfg"},
		{base + `dataLogDir=/x\u12` + "\n", `zoo.cfg:3: dataLogDir: malformed \uxxxx encoding`},
	} {
		_, err := Parse("zoo.cfg", []byte(tc.text))
		var ce *Error
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want *Error", tc.text, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.text, err, tc.want)
		}
	}
}

func TestServerLines(t *testing.T) {
	c := parse(t, base+`initLimit=5
syncLimit=2
multiAddress.enabled=true
server.3=zk3:2888:3888:observer;2183
server.1=zk1:2888:3888:participant;10.0.0.1:2181
server.2=[::1]:2888:3888|zk2b:2889:3889
server.4=zk4:2888:3888:PARTICIPANT
`)
	want := []string{
		"zk1:2888:3888:participant;10.0.0.1:2181",
		"[::1]:2888:3888|zk2b:2889:3889:participant",
		"zk3:2888:3888:observer;0.0.0.0:2183",
		"zk4:2888:3888:participant",
	}
	var got []string
	for _, s := range c.Servers {
		got = append(got, s.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("servers:\n got %q\nwant %q", got, want)
	}
	if c.Standalone() {
		t.Fatal("three voters read as standalone")
	}
	if s, ok := c.Server(2); !ok || s.Addrs[0].Host != "::1" || s.Line != 8 {
		t.Fatalf("Server(2) = %+v %v", s, ok)
	}
	if _, ok := c.Server(9); ok {
		t.Fatal("Server(9) found")
	}
	wantMembership := "server.1=zk1:2888:3888:participant;10.0.0.1:2181\n" +
		"server.2=[::1]:2888:3888|zk2b:2889:3889:participant\n" +
		"server.3=zk3:2888:3888:observer;0.0.0.0:2183\n" +
		"server.4=zk4:2888:3888:participant\nversion=100000000"
	if got := c.Membership(0x100000000); got != wantMembership {
		t.Fatalf("membership:\n%s\nwant\n%s", got, wantMembership)
	}
}

func TestMyID(t *testing.T) {
	quorum := "dataDir=/d\ninitLimit=5\nsyncLimit=2\npeerType=observer\n" +
		"server.1=a:1:2;2181\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2:observer;2184\n"
	for _, tc := range []struct {
		name, text string
		myid       []byte
		want       string // error text, or "" for success
		check      func(c *Config) bool
	}{
		{"trimmed", quorum, []byte("  4 \n"), "", func(c *Config) bool {
			return c.ServerID == 4 && c.PeerType == Observer && len(c.Warnings) == 0
		}},
		{"first line only", quorum, []byte("1\n1\n"), "", func(c *Config) bool {
			// The server line's role wins over peerType, and its client port is used.
			return c.ServerID == 1 && c.PeerType == Participant && c.ClientPort == 2181 &&
				slices.Contains(warningsOf(c), "zoo.cfg:4: peerType: peerType observer does not match server.1 (participant); using the server line")
		}},
		{"missing in a quorum", quorum, nil, "/d/myid: myid file is missing: write this server's id (the N of its server.N line) into it", nil},
		{"empty", quorum, []byte(" \n"), "/d/myid: myid is empty: write this server's id into it", nil},
		{"not a number", quorum, []byte("one"), `/d/myid: server id "one" is not a non-negative integer`, nil},
		{"negative", quorum, []byte("-1"), `/d/myid: server id "-1" is not a non-negative integer`, nil},
		{"not a member", quorum, []byte("7"), "/d/myid: myid 7 matches no server line in zoo.cfg (ids: 1, 2, 3, 4)", nil},
		{"no client port", quorum, []byte("2"), "zoo.cfg: clientPort: clientPort is not set (set it, or give this server's line a ;port)", nil},
		{"client port conflict", "clientPort=2182\n" + quorum, []byte("1"), "zoo.cfg:6: server.1: client port 2181 differs from clientPort=2182", nil},
		{"client port clashes with a quorum port", "clientPort=1\n" + strings.Replace(quorum, "server.1=a:1:2;2181", "server.1=a:1:2", 1), []byte("1"),
			"zoo.cfg:1: clientPort: client port 1 is also a quorum or election port of server.1", nil},
		{"standalone without myid", base, nil, "", func(c *Config) bool { return c.ServerID == -1 && c.Standalone() }},
		{"standalone with myid", base, []byte("3"), "", func(c *Config) bool { return c.ServerID == 3 }},
		{"extended types limit", "extendedTypesEnabled=true\n" + base, []byte("255"),
			"/d/myid: server id 255 is above 254, the limit with extendedTypesEnabled=true", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.text)
			err := c.UseMyID("/d/myid", tc.myid)
			if tc.want != "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("err = %v\nwant %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("unexpected config %+v warnings %q", c, warningsOf(c))
			}
		})
	}
}

func TestProperties(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []property
	}{
		{"a=1\nb = 2\nc:3\nd 4\n  e\t=\t5  \n", []property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}, {"d", "4", 4}, {"e", "5  ", 5}}},
		{"# comment\n! also\n\n   # indented\nk=v", []property{{"k", "v", 5}}},
		{"k=one \\\n    two\\\n three\nnext=1", []property{{"k", "one twothree", 1}, {"next", "1", 4}}},
		{"k=ends\\\\\nx=y", []property{{"k", `ends\`, 1}, {"x", "y", 2}}},
		{"a=1\r\nb=2\rc=3", []property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{`key\ with\ spaces=v\tx\u0041\=`, []property{{"key with spaces", "v\txA=", 1}}},
		{"k==v", []property{{"k", "=v", 1}}},
		{"k", []property{{"k", "", 1}}},
		{"#comment \\\nk=v", []property{{"k", "v", 2}}},
		{"last=line\\", []property{{"last", "line", 1}}},
	} {
		got, err := parseProperties("f", tc.text)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %+v %v, want %+v", tc.text, got, err, tc.want)
		}
	}
}

// TestSeedConfigs parses the zoo.cfg files of the operator notes (testdata/seed*.cfg,
// rebuilt from the notes on top of the zoo_sample.cfg they started from) with their
// myid files.
func TestSeedConfigs(t *testing.T) {
	for _, tc := range []struct {
		file       string
		standalone bool
		servers    []int64
		serverID   int64
		dataDir    string
		dataLogDir string
		purge      int
		warnings   []string
	}{
		{"seed000-zk361-cluster.cfg", false, []int64{1, 2, 3}, 1, "/root/temp/zkdata", "/root/temp/zkdata", 0,
			[]string{"testdata/seed000-zk361-cluster.cfg:37: dataDir: also set on line 12; this later value wins"}},
		{"seed001-zk3414-cluster.cfg", false, []int64{1, 2, 3}, 1, "/opt/lagou/servers/zookeeper-3.4.14/data",
			"/opt/lagou/servers/zookeeper-3.4.14/data/logs", 1, nil},
		{"seed002-zk3413-two-servers.cfg", false, []int64{1, 2}, 1, "/usr/local/zookeeper/data", "/usr/local/zookeeper/data", 0,
			[]string{
				`testdata/seed002-zk3413-two-servers.cfg:29: server.1: text from "#" on is read as a comment; ZooKeeper would read it as part of the value`,
				`testdata/seed002-zk3413-two-servers.cfg:30: server.2: text from "#" on is read as a comment; ZooKeeper would read it as part of the value`,
				"testdata/seed002-zk3413-two-servers.cfg:29: server.1: no server failure will be tolerated: you need at least 3 servers",
			}},
		{"seed003-zk3410-standalone.cfg", true, nil, -1, "/opt/software/zookeeper-3.4.10/zkData", "/opt/software/zookeeper-3.4.10/zkData", 0, nil},
		{"seed003-zk3410-cluster.cfg", false, []int64{1, 2, 3}, 2, "/opt/software/zookeeper-3.4.10/zkData", "/opt/software/zookeeper-3.4.10/zkData", 0, nil},
		{"seed004-zk-ids-from-zero.cfg", false, []int64{0, 1, 2}, 0, "/usr/local/zk/data", "/usr/local/zk/data", 0, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(path, data)
			if err != nil {
				t.Fatal(err)
			}
			myid, err := os.ReadFile(strings.TrimSuffix(path, ".cfg") + ".myid")
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if err := c.UseMyID("myid", myid); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, s := range c.Servers {
				ids = append(ids, s.ID)
				if s.Addrs[0].QuorumPort != 2888 || s.Addrs[0].ElectionPort != 3888 {
					t.Errorf("server %d ports %+v", s.ID, s.Addrs)
				}
			}
			if c.Standalone() != tc.standalone || !slices.Equal(ids, tc.servers) || c.ServerID != tc.serverID {
				t.Errorf("standalone %v servers %v id %d", c.Standalone(), ids, c.ServerID)
			}
			if c.DataDir != tc.dataDir || c.DataLogDir != tc.dataLogDir || c.PurgeInterval != tc.purge {
				t.Errorf("dataDir %q dataLogDir %q purge %d", c.DataDir, c.DataLogDir, c.PurgeInterval)
			}
			if c.TickTime != 2000 || c.InitLimit != 10 || c.SyncLimit != 5 || c.ClientPort != 2181 {
				t.Errorf("sample values: tick %d init %d sync %d port %d", c.TickTime, c.InitLimit, c.SyncLimit, c.ClientPort)
			}
			if got := warningsOf(c); !slices.Equal(got, tc.warnings) {
				t.Errorf("warnings:\n got %q\nwant %q", got, tc.warnings)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	text := "dataDir=" + dir + "\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n"
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "myid file is missing") {
		t.Fatalf("without myid: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "myid"), []byte("3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(cfg)
	if err != nil || c.ServerID != 3 {
		t.Fatalf("Load: %v %+v", err, c)
	}
	if _, err := Load(filepath.Join(dir, "absent.cfg")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent file: %v", err)
	}
}

// TestConfStandalone compares with the conf output of ZooKeeper 3.8.0 in
// shared testdata (fourlw_conf.json).
func TestConfStandalone(t *testing.T) {
	c := parse(t, "tickTime=2000\ndataDir=/var/lib/zkcap/zk1/node1/data\nclientPort=2181\nmaxClientCnxns=0\n")
	if err := c.UseMyID("myid", nil); err != nil {
		t.Fatal(err)
	}
	want := "clientPort=2181\nsecureClientPort=-1\ndataDir=/var/lib/zkcap/zk1/node1/data/version-2\ndataDirSize=67109337\n" +
		"dataLogDir=/var/lib/zkcap/zk1/node1/data/version-2\ndataLogSize=67109337\ntickTime=2000\nmaxClientCnxns=0\n" +
		"minSessionTimeout=4000\nmaxSessionTimeout=40000\nclientPortListenBacklog=-1\nserverId=0\n"
	if got := c.Conf(ConfStats{DataDirSize: 67109337, DataLogSize: 67109337}); got != want {
		t.Fatalf("conf:\n%s\nwant\n%s", got, want)
	}
}

func TestConfQuorum(t *testing.T) {
	c := parse(t, "tickTime=2000\ndataDir=/data\ndataLogDir=/log\ninitLimit=10\nsyncLimit=5\n"+
		"server.1=zk1:2888:3888;2181\nserver.2=zk2:2888:3888;2181\nserver.3=zk3:2888:3888;2181\nserver.4=zk4:2888:3888:observer;2181\n")
	if err := c.UseMyID("myid", []byte("2")); err != nil {
		t.Fatal(err)
	}
	want := "clientPort=2181\nsecureClientPort=-1\ndataDir=/data/version-2\ndataDirSize=0\ndataLogDir=/log/version-2\n" +
		"dataLogSize=0\ntickTime=2000\nmaxClientCnxns=60\nminSessionTimeout=4000\nmaxSessionTimeout=40000\n" +
		"clientPortListenBacklog=-1\nserverId=2\ninitLimit=10\nsyncLimit=5\nelectionAlg=3\nelectionPort=3888\n" +
		"quorumPort=2888\npeerType=0\nmembership: \n" +
		"server.1=zk1:2888:3888:participant;0.0.0.0:2181\nserver.2=zk2:2888:3888:participant;0.0.0.0:2181\n" +
		"server.3=zk3:2888:3888:participant;0.0.0.0:2181\nserver.4=zk4:2888:3888:observer;0.0.0.0:2181\nversion=0"
	if got := c.String(); got != want {
		t.Fatalf("conf:\n%s\nwant\n%s", got, want)
	}
}
