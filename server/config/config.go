package config

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Defaults, as ZooKeeper's (reference §6).
const (
	DefaultTickTime               = 3000
	DefaultMaxClientCnxns         = 60
	DefaultSnapRetainCount        = 3
	DefaultSnapCount              = 100000
	DefaultPreAllocSizeKB         = 65536
	DefaultGlobalOutstandingLimit = 1000
	DefaultElectionAlg            = 3
	DefaultAdminServerPort        = 8080
	minSnapRetainCount            = 3
	minSnapCount                  = 2
	// maxExtendedServerID bounds server ids when TTL nodes are on: ZooKeeper keeps the
	// TTL flag in the top byte of the ephemeral owner, next to the server id.
	maxExtendedServerID = 254
)

// FourLetterWords are the commands the 4lw whitelist may name.
var FourLetterWords = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro", "mntr",
	"ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs",
}

// Config is a parsed zoo.cfg plus myid.
type Config struct {
	File string // the zoo.cfg name errors refer to

	TickTime                int // ms
	InitLimit               int // ticks
	SyncLimit               int // ticks
	DataDir                 string
	DataLogDir              string // = DataDir when not set
	ClientPort              int    // 0 = not set
	ClientPortAddress       string // "" = all interfaces
	SecureClientPort        int    // 0 = not set; accepted, not served
	MaxClientCnxns          int    // per client IP; 0 = unlimited
	MinSessionTimeout       int    // ms, after defaults
	MaxSessionTimeout       int    // ms, after defaults
	ClientPortListenBacklog int    // -1 = system default
	ElectionAlg             int
	PeerType                PeerType
	Servers                 []Server // sorted by ID
	SnapRetainCount         int
	PurgeInterval           int // hours; 0 = autopurge off
	// FourLetterWordWhitelist is sorted; "*" alone means every command.
	FourLetterWordWhitelist       []string
	StandaloneEnabled             bool
	ReconfigEnabled               bool
	ExtendedTypesEnabled          bool
	LocalSessionsEnabled          bool
	LocalSessionsUpgradingEnabled bool
	SyncEnabled                   bool
	QuorumListenOnAllIPs          bool
	MultiAddressEnabled           bool
	SnapCount                     int
	PreAllocSizeKB                int64
	GlobalOutstandingLimit        int
	ForceSync                     bool
	ConnectToLearnerMasterLimit   int

	// ServerID comes from myid; -1 when there is none (allowed only standalone).
	ServerID int64
	Warnings []Warning

	lines map[string]int // key -> line it was last set on
	myid  bool           // UseMyID has run
}

// Standalone reports whether the server runs alone: no voting member, or a single one
// while standaloneEnabled is true (ZooKeeper's QuorumPeerConfig.isDistributed).
func (c *Config) Standalone() bool {
	voters := c.voters()
	return voters == 0 || (voters == 1 && c.StandaloneEnabled)
}

func (c *Config) voters() int {
	n := 0
	for _, s := range c.Servers {
		if s.Type == Participant {
			n++
		}
	}
	return n
}

// Server returns the server line with the given id.
func (c *Config) Server(id int64) (Server, bool) {
	i, ok := slices.BinarySearchFunc(c.Servers, id, func(s Server, id int64) int { return cmp.Compare(s.ID, id) })
	if !ok {
		return Server{}, false
	}
	return c.Servers[i], true
}

// FourLetterWordAllowed reports whether cmd may run: listed, or the list is "*". srvr
// is always allowed, because zkServer.sh status depends on it.
func (c *Config) FourLetterWordAllowed(cmd string) bool {
	if cmd == "srvr" {
		return true
	}
	for _, w := range c.FourLetterWordWhitelist {
		if w == "*" || w == cmd {
			return true
		}
	}
	return false
}

// Load reads a zoo.cfg and the myid file in its dataDir.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	myidPath := filepath.Join(c.DataDir, "myid")
	myid, err := os.ReadFile(myidPath)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err := c.UseMyID(myidPath, myid); err != nil {
		return nil, err
	}
	return c, nil
}

type keyParser func(c *Config, p property) (reason string)

func intKey(dst func(*Config) *int, lo, hi int) keyParser {
	return func(c *Config, p property) string {
		v, err := strconv.Atoi(p.Value)
		switch {
		case err != nil:
			return strconv.Quote(p.Value) + " is not an integer"
		case v < lo:
			return strconv.Itoa(v) + " is below the minimum " + strconv.Itoa(lo)
		case v > hi:
			return strconv.Itoa(v) + " is above the maximum " + strconv.Itoa(hi)
		}
		*dst(c) = v
		return ""
	}
}

func boolKey(dst func(*Config) *bool) keyParser {
	return func(c *Config, p property) string {
		switch strings.ToLower(p.Value) {
		case "true":
			*dst(c) = true
		case "false":
			*dst(c) = false
		default:
			return "invalid option " + strconv.Quote(p.Value) + ": choose true or false"
		}
		return ""
	}
}

func stringKey(dst func(*Config) *string) keyParser {
	return func(c *Config, p property) string {
		if p.Value == "" {
			return "empty value"
		}
		*dst(c) = p.Value
		return ""
	}
}

const maxInt = int(^uint(0) >> 1)

var keyParsers = map[string]keyParser{
	"tickTime":                      intKey(func(c *Config) *int { return &c.TickTime }, 1, maxInt),
	"initLimit":                     intKey(func(c *Config) *int { return &c.InitLimit }, 0, maxInt),
	"syncLimit":                     intKey(func(c *Config) *int { return &c.SyncLimit }, 0, maxInt),
	"connectToLearnerMasterLimit":   intKey(func(c *Config) *int { return &c.ConnectToLearnerMasterLimit }, 0, maxInt),
	"dataDir":                       stringKey(func(c *Config) *string { return &c.DataDir }),
	"dataLogDir":                    stringKey(func(c *Config) *string { return &c.DataLogDir }),
	"clientPortAddress":             stringKey(func(c *Config) *string { return &c.ClientPortAddress }),
	"maxClientCnxns":                intKey(func(c *Config) *int { return &c.MaxClientCnxns }, 0, maxInt),
	"minSessionTimeout":             intKey(func(c *Config) *int { return &c.MinSessionTimeout }, -1, maxInt),
	"maxSessionTimeout":             intKey(func(c *Config) *int { return &c.MaxSessionTimeout }, -1, maxInt),
	"clientPortListenBacklog":       intKey(func(c *Config) *int { return &c.ClientPortListenBacklog }, -1, maxInt),
	"autopurge.snapRetainCount":     intKey(func(c *Config) *int { return &c.SnapRetainCount }, 0, maxInt),
	"autopurge.purgeInterval":       intKey(func(c *Config) *int { return &c.PurgeInterval }, -maxInt, maxInt),
	"standaloneEnabled":             boolKey(func(c *Config) *bool { return &c.StandaloneEnabled }),
	"reconfigEnabled":               boolKey(func(c *Config) *bool { return &c.ReconfigEnabled }),
	"extendedTypesEnabled":          boolKey(func(c *Config) *bool { return &c.ExtendedTypesEnabled }),
	"localSessionsEnabled":          boolKey(func(c *Config) *bool { return &c.LocalSessionsEnabled }),
	"localSessionsUpgradingEnabled": boolKey(func(c *Config) *bool { return &c.LocalSessionsUpgradingEnabled }),
	"syncEnabled":                   boolKey(func(c *Config) *bool { return &c.SyncEnabled }),
	"quorumListenOnAllIPs":          boolKey(func(c *Config) *bool { return &c.QuorumListenOnAllIPs }),
	"multiAddress.enabled":          boolKey(func(c *Config) *bool { return &c.MultiAddressEnabled }),
	"forceSync":                     yesNoKey,
	"snapCount":                     intKey(func(c *Config) *int { return &c.SnapCount }, 0, maxInt),
	"globalOutstandingLimit":        intKey(func(c *Config) *int { return &c.GlobalOutstandingLimit }, 1, maxInt),
	"clientPort": func(c *Config, p property) string {
		port, why := parsePort(p.Value, true)
		c.ClientPort = port
		return why
	},
	"secureClientPort": func(c *Config, p property) string {
		port, why := parsePort(p.Value, true)
		c.SecureClientPort = port
		return why
	},
	"electionAlg": func(c *Config, p property) string {
		if p.Value != "3" {
			return "invalid electionAlg " + strconv.Quote(p.Value) + ": only 3 is supported"
		}
		c.ElectionAlg = 3
		return ""
	},
	"peerType": func(c *Config, p property) string {
		t, ok := parsePeerType(p.Value)
		if !ok {
			return "unrecognised peer type " + strconv.Quote(p.Value)
		}
		c.PeerType = t
		return ""
	},
	"preAllocSize": func(c *Config, p property) string {
		v, err := strconv.ParseInt(p.Value, 10, 64)
		if err != nil || v < 1 {
			return strconv.Quote(p.Value) + " is not a positive number of kilobytes"
		}
		c.PreAllocSizeKB = v
		return ""
	},
	"4lw.commands.whitelist": func(c *Config, p property) string {
		var words []string
		for w := range strings.SplitSeq(p.Value, ",") {
			w = strings.TrimSpace(w)
			switch {
			case w == "":
			case w == "*":
				words = []string{"*"}
			case slices.Contains(FourLetterWords, w):
				if !slices.Contains(words, "*") {
					words = append(words, w)
				}
			default:
				c.warn(p, "unknown four-letter word "+strconv.Quote(w)+" ignored")
			}
		}
		if !slices.Contains(words, "*") && !slices.Contains(words, "srvr") {
			words = append(words, "srvr")
		}
		slices.Sort(words)
		c.FourLetterWordWhitelist = slices.Compact(words)
		return ""
	},
}

// forceSync is a ZooKeeper system property spelled yes/no.
func yesNoKey(c *Config, p property) string {
	switch strings.ToLower(p.Value) {
	case "yes":
		c.ForceSync = true
	case "no":
		c.ForceSync = false
		c.warn(p, "forceSync=no turns fsync off: acknowledged writes can be lost in a crash")
	default:
		return "invalid option " + strconv.Quote(p.Value) + ": choose yes or no"
	}
	return ""
}

// ignoredKeys are accepted for compatibility and have no effect here.
var ignoredKeys = map[string]string{
	"jute.maxbuffer":       "has no effect in zoo.cfg: ZooKeeper reads it as the system property zookeeper.jute.maxbuffer",
	"readonlymode.enabled": "has no effect in zoo.cfg: ZooKeeper reads it as the system property zookeeper.readonlymode.enabled",
	"observerMasterPort":   "observer masters are not supported; ignored",
	"sslQuorum":            "TLS is not supported; ignored",
	"portUnification":      "TLS is not supported; ignored",
	"serverCnxnFactory":    "ignored: zksim has its own connection layer",
}

// ignoredPrefixes are families of keys accepted and ignored.
var ignoredPrefixes = []struct{ prefix, note string }{
	{"admin.", "the embedded admin server is not provided; ignored"},
	{"metricsProvider.", "metrics providers are not supported; ignored"},
	{"ssl.", "TLS is not supported; ignored"},
	{"authProvider.", "authentication providers are not configurable; ignored"},
	{"quorum.auth.", "quorum SASL is not supported; ignored"},
	{"jvm.pause.", "ignored: there is no JVM"},
}

func newDefaults(file string) *Config {
	return &Config{
		File:                    file,
		TickTime:                DefaultTickTime,
		MaxClientCnxns:          DefaultMaxClientCnxns,
		MinSessionTimeout:       -1,
		MaxSessionTimeout:       -1,
		ClientPortListenBacklog: -1,
		ElectionAlg:             DefaultElectionAlg,
		SnapRetainCount:         DefaultSnapRetainCount,
		FourLetterWordWhitelist: []string{"srvr"},
		StandaloneEnabled:       true,
		SyncEnabled:             true,
		SnapCount:               DefaultSnapCount,
		PreAllocSizeKB:          DefaultPreAllocSizeKB,
		GlobalOutstandingLimit:  DefaultGlobalOutstandingLimit,
		ForceSync:               true,
		ServerID:                -1,
		lines:                   map[string]int{},
	}
}

func (c *Config) warn(p property, msg string) {
	c.Warnings = append(c.Warnings, Warning{File: c.File, Line: p.Line, Key: p.Key, Message: msg})
}

func (c *Config) fail(key, reason string) error {
	return &Error{File: c.File, Line: c.lines[key], Key: key, Reason: reason}
}

// Parse reads zoo.cfg content. It checks everything the file alone decides; UseMyID
// (which Load calls) adds the server's identity and the checks that need it.
func Parse(file string, data []byte) (*Config, error) {
	c := newDefaults(file)
	props, err := parseProperties(file, string(data))
	if err != nil {
		return nil, err
	}
	// multiAddress.enabled changes how server lines read, wherever it appears.
	for _, p := range props {
		if p.Key == "multiAddress.enabled" && strings.EqualFold(strings.TrimSpace(p.Value), "true") {
			c.MultiAddressEnabled = true
		}
	}
	serverLines := map[int64]int{}
	for _, p := range props {
		p.Value = c.stripInlineComment(p)
		p.Value = strings.TrimSpace(p.Value)
		if prev, dup := c.lines[p.Key]; dup && !strings.HasPrefix(p.Key, "server.") {
			c.warn(p, "also set on line "+strconv.Itoa(prev)+"; this later value wins")
		}
		c.lines[p.Key] = p.Line
		if err := c.apply(p, serverLines); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(c.Servers, func(a, b Server) int { return cmp.Compare(a.ID, b.ID) })
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// stripInlineComment drops " #..." from a value. Java properties have no inline
// comments, but operators write them (server.1=host:2888:3888  # election port); a
// value of that shape would be rejected by ZooKeeper, so zksim reads it as meant and
// warns.
func (c *Config) stripInlineComment(p property) string {
	for i := 1; i < len(p.Value); i++ {
		if (p.Value[i] == '#' || p.Value[i] == '!') && isWS(p.Value[i-1]) {
			c.warn(p, "text from "+strconv.Quote(p.Value[i:i+1])+" on is read as a comment; ZooKeeper would read it as part of the value")
			return p.Value[:i]
		}
	}
	return p.Value
}

func (c *Config) apply(p property, serverLines map[int64]int) error {
	fail := func(reason string) error { return &Error{File: c.File, Line: p.Line, Key: p.Key, Reason: reason} }
	if parse, ok := keyParsers[p.Key]; ok {
		if why := parse(c, p); why != "" {
			return fail(why)
		}
		return nil
	}
	switch {
	case strings.HasPrefix(p.Key, "server."):
		id, err := strconv.ParseInt(p.Key[len("server."):], 10, 64)
		if err != nil || id < 0 {
			return fail("server id must be a non-negative integer")
		}
		if prev, dup := serverLines[id]; dup {
			return fail("duplicate server id " + strconv.FormatInt(id, 10) + " (also on line " + strconv.Itoa(prev) + ")")
		}
		serverLines[id] = p.Line
		s, why := parseServerLine(id, p.Value, c.MultiAddressEnabled)
		if why != "" {
			return fail(why)
		}
		s.Line = p.Line
		c.Servers = append(c.Servers, s)
		return nil
	case strings.HasPrefix(p.Key, "group.") || strings.HasPrefix(p.Key, "weight."):
		return fail("hierarchical quorums are not supported")
	case p.Key == "dynamicConfigFile":
		return fail("dynamic configuration files are not supported; put the server lines in " + filepath.Base(c.File))
	}
	if note, ok := ignoredKeys[p.Key]; ok {
		c.warn(p, note)
		return nil
	}
	for _, ig := range ignoredPrefixes {
		if strings.HasPrefix(p.Key, ig.prefix) {
			c.warn(p, ig.note)
			return nil
		}
	}
	c.warn(p, "unknown key ignored (ZooKeeper would set the system property zookeeper."+p.Key+")")
	return nil
}

// check applies ZooKeeper's load-time rules that zoo.cfg alone decides.
func (c *Config) check() error {
	if c.DataDir == "" {
		return c.fail("dataDir", "dataDir is not set")
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if c.ClientPortAddress != "" && c.ClientPort == 0 {
		return c.fail("clientPortAddress", "clientPortAddress is set but clientPort is not set")
	}
	if c.MinSessionTimeout == -1 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout == -1 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		key := "maxSessionTimeout"
		if c.lines["minSessionTimeout"] > c.lines[key] {
			key = "minSessionTimeout"
		}
		return c.fail(key, "minSessionTimeout ("+strconv.Itoa(c.MinSessionTimeout)+
			") must not be larger than maxSessionTimeout ("+strconv.Itoa(c.MaxSessionTimeout)+")")
	}
	if c.SnapRetainCount < minSnapRetainCount {
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.lines["autopurge.snapRetainCount"], Key: "autopurge.snapRetainCount",
			Message: strconv.Itoa(c.SnapRetainCount) + " is below the minimum; using " + strconv.Itoa(minSnapRetainCount)})
		c.SnapRetainCount = minSnapRetainCount
	}
	if c.PurgeInterval < 0 {
		c.PurgeInterval = 0
	}
	if c.SnapCount < minSnapCount {
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.lines["snapCount"], Key: "snapCount",
			Message: strconv.Itoa(c.SnapCount) + " is below the minimum; using " + strconv.Itoa(minSnapCount)})
		c.SnapCount = minSnapCount
	}
	return c.checkMembers()
}

// checkMembers applies QuorumPeerConfig.parseDynamicConfig's rules.
func (c *Config) checkMembers() error {
	voters, observers := c.voters(), len(c.Servers)-c.voters()
	firstServer := ""
	if len(c.Servers) > 0 {
		firstServer = "server." + strconv.FormatInt(c.Servers[0].ID, 10)
	}
	switch {
	case voters == 0 && !c.StandaloneEnabled:
		return c.fail("standaloneEnabled", "standaloneEnabled=false needs at least one participant server line")
	case voters == 0 && observers > 0:
		return c.fail(firstServer, "observers without participants is an invalid configuration")
	case voters == 1 && c.StandaloneEnabled && observers > 0:
		return c.fail(firstServer, "observers without a quorum is an invalid configuration")
	case voters == 1 && c.StandaloneEnabled:
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.Servers[0].Line, Key: firstServer,
			Message: "only one server line: running standalone and ignoring it"})
	case voters == 2:
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.Servers[0].Line, Key: firstServer,
			Message: "no server failure will be tolerated: you need at least 3 servers"})
	case voters > 2 && voters%2 == 0:
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.Servers[0].Line, Key: firstServer,
			Message: "non-optimal configuration: consider an odd number of servers"})
	}
	if err := c.checkAddresses(); err != nil {
		return err
	}
	if !c.Standalone() {
		if c.InitLimit == 0 {
			return c.fail("initLimit", "initLimit is not set")
		}
		if c.SyncLimit == 0 {
			return c.fail("syncLimit", "syncLimit is not set")
		}
	}
	return nil
}

// checkAddresses refuses two members listening on one host and port: on that host one
// of them could not bind.
func (c *Config) checkAddresses() error {
	type endpoint struct {
		host string
		port int
	}
	owner := map[endpoint]int64{}
	for _, s := range c.Servers {
		for _, a := range s.Addrs {
			for _, e := range []endpoint{{a.Host, a.QuorumPort}, {a.Host, a.ElectionPort}} {
				if other, taken := owner[e]; taken && other != s.ID {
					return &Error{File: c.File, Line: s.Line, Key: "server." + strconv.FormatInt(s.ID, 10),
						Reason: hostForm(e.host) + ":" + strconv.Itoa(e.port) + " is already used by server." + strconv.FormatInt(other, 10)}
				}
				owner[e] = s.ID
			}
		}
	}
	return nil
}

// UseMyID completes the configuration with the server's identity. data is the content
// of file (dataDir/myid), or nil when the file does not exist, which only a standalone
// server may do. In a quorum the id must name a server line; that line's role wins over
// peerType (as in ZooKeeper, with a warning), and its client address, if any, becomes the
// client port.
func (c *Config) UseMyID(file string, data []byte) error {
	if c.myid {
		return &Error{File: file, Reason: "myid already applied"}
	}
	c.myid = true
	if data == nil {
		if !c.Standalone() {
			return &Error{File: file, Reason: "myid file is missing: write this server's id (the N of its server.N line) into it"}
		}
		return c.resolveClientPort(nil)
	}
	id, err := ParseMyID(file, data)
	if err != nil {
		return err
	}
	c.ServerID = id
	if c.ExtendedTypesEnabled && id > maxExtendedServerID {
		return &Error{File: file, Reason: "server id " + strconv.FormatInt(id, 10) + " is above " + strconv.Itoa(maxExtendedServerID) + ", the limit with extendedTypesEnabled=true"}
	}
	own, ok := c.Server(id)
	if !ok {
		if !c.Standalone() {
			return &Error{File: file, Reason: "myid " + strconv.FormatInt(id, 10) + " matches no server line in " + c.File + " (ids: " + c.serverIDs() + ")"}
		}
		return c.resolveClientPort(nil)
	}
	if own.Type != c.PeerType {
		c.Warnings = append(c.Warnings, Warning{File: c.File, Line: c.lines["peerType"], Key: "peerType",
			Message: "peerType " + c.PeerType.String() + " does not match server." + strconv.FormatInt(id, 10) + " (" + own.Type.String() + "); using the server line"})
		c.PeerType = own.Type
	}
	return c.resolveClientPort(&own)
}

func (c *Config) serverIDs() string {
	ids := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		ids[i] = strconv.FormatInt(s.ID, 10)
	}
	return strings.Join(ids, ", ")
}

// resolveClientPort merges clientPort/clientPortAddress with the server line's client
// address, refusing a conflict as ZooKeeper's setupClientPort does.
func (c *Config) resolveClientPort(own *Server) error {
	if own != nil && own.ClientPort != 0 {
		key := "server." + strconv.FormatInt(own.ID, 10)
		if c.ClientPort != 0 && c.ClientPort != own.ClientPort {
			return c.fail(key, "client port "+strconv.Itoa(own.ClientPort)+" differs from clientPort="+strconv.Itoa(c.ClientPort))
		}
		if c.ClientPortAddress != "" && own.ClientHost != "0.0.0.0" && c.ClientPortAddress != own.ClientHost {
			return c.fail(key, "client address "+own.ClientHost+" differs from clientPortAddress="+c.ClientPortAddress)
		}
		c.ClientPort = own.ClientPort
		if own.ClientHost != "0.0.0.0" {
			c.ClientPortAddress = own.ClientHost
		}
	}
	if c.ClientPort == 0 {
		return c.fail("clientPort", "clientPort is not set (set it, or give this server's line a ;port)")
	}
	if own != nil && !c.Standalone() {
		for _, a := range own.Addrs {
			if a.QuorumPort == c.ClientPort || a.ElectionPort == c.ClientPort {
				return c.fail("clientPort", "client port "+strconv.Itoa(c.ClientPort)+" is also a quorum or election port of server."+strconv.FormatInt(own.ID, 10))
			}
		}
	}
	return nil
}

// ParseMyID reads a myid file: the server id in decimal on the first line, surrounding
// whitespace ignored.
func ParseMyID(file string, data []byte) (int64, error) {
	text := strings.TrimSpace(string(data))
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return 0, &Error{File: file, Reason: "myid is empty: write this server's id into it"}
	}
	id, err := strconv.ParseInt(line, 10, 64)
	if err != nil || id < 0 {
		return 0, &Error{File: file, Reason: "server id " + strconv.Quote(line) + " is not a non-negative integer"}
	}
	return id, nil
}
