package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/server"
)

// command is one zkCli command: its usage as zkCli prints it, its flags, and
// what it does.
type command struct {
	name  string
	usage string   // after the name, exactly as zkCli's usage line
	doc   []string // what the command and each flag do, for help
	flags string   // boolean flags
	value string   // flags that take a value
	// minArgs counts the command name, as zkCli's args array does.
	minArgs      int
	needsSession bool
	// legacyWatch accepts `cmd path watch` (3.4's form) with zkCli's notice.
	legacyWatch string
	unsupported bool // known to zkCli, not offered here: no flag checks
	run         func(s *shell, o *options) error
}

// options is a parsed command line: args[0] is the command name.
type options struct {
	args   []string
	flags  map[byte]bool
	values map[byte]string
	usage  string // "name usage", for errors
	legacy string // the deprecation notice of a legacy form, if one was used
}

func (o *options) has(f byte) bool { return o.flags[f] }

// parseOptions reads flags anywhere on the line, as commons-cli's DefaultParser
// does: "-sw" sets both, "-v 3" and "-v3" give a value, "--" ends the flags,
// and a negative number is an argument.
func parseOptions(c *command, args []string) (*options, error) {
	if c.unsupported {
		return &options{args: args}, nil
	}
	o := &options{args: args[:1], flags: map[byte]bool{}, values: map[byte]string{}, usage: c.name + " " + c.usage}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		tok := rest[i]
		if tok == "--" {
			o.args = append(o.args, rest[i+1:]...)
			break
		}
		if len(tok) < 2 || tok[0] != '-' || isNumber(tok) {
			o.args = append(o.args, tok)
			continue
		}
		for j := 1; j < len(tok); j++ {
			f := tok[j]
			switch {
			case strings.IndexByte(c.flags, f) >= 0:
				o.flags[f] = true
			case strings.IndexByte(c.value, f) >= 0:
				switch {
				case j+1 < len(tok):
					o.values[f] = tok[j+1:]
				case i+1 < len(rest):
					i++
					o.values[f] = rest[i]
				default:
					return nil, &cliError{msg: "Missing argument for option: " + string(f)}
				}
				o.flags[f] = true
				j = len(tok)
			default:
				return nil, &cliError{msg: "Unrecognized option: " + tok}
			}
		}
	}
	if c.legacyWatch != "" && len(o.args) > 2 {
		o.args = o.args[:2]
		o.flags['w'] = true
		o.legacy = c.legacyWatch
	}
	if len(o.args) < c.minArgs {
		return nil, &cliError{msg: o.usage}
	}
	return o, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// intValue reads an int flag value.
func intValue(o *options, f byte, def int32) (int32, error) {
	v, ok := o.values[f]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, &cliError{msg: fmt.Sprintf("-%c argument must be an int value", f)}
	}
	return int32(n), nil
}

var commands []*command

var commandsByName = map[string]*command{}

func init() {
	commands = []*command{
		{name: "addauth", usage: "scheme auth", minArgs: 2, needsSession: true,
			doc: []string{"add authentication to the session, e.g. addauth digest user:password"},
			run: (*shell).addAuth},
		{name: "addWatch", usage: "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
			value: "m", minArgs: 2, needsSession: true,
			doc: []string{"set a persistent watch on path that stays until removed", "-m PERSISTENT watches the node and its children list; PERSISTENT_RECURSIVE (default) every node below too"},
			run: (*shell).addWatch},
		{name: "close", usage: "", needsSession: false, minArgs: 1,
			doc: []string{"close the session (the prompt then shows CLOSED; connect opens a new one)"},
			run: func(s *shell, _ *options) error { s.disconnect(); return nil }},
		{name: "config", usage: "[-c] [-w] [-s]", flags: "cws", minArgs: 1, needsSession: true,
			doc: []string{"print the ensemble configuration (/zookeeper/config)", "-c only the client connection string: the config version, then host:port of each server", "-w watch the configuration", "-s also print its Stat"},
			run: (*shell).config},
		{name: "connect", usage: "host:port", minArgs: 1,
			doc: []string{"close the session and connect to host:port[,host:port…] (the current servers if none is given)"},
			run: (*shell).connectCmd},
		{name: "create", usage: "[-s] [-e] [-c] [-t ttl] path [data] [acl]", flags: "sec", value: "t", minArgs: 2, needsSession: true,
			doc: []string{"create a znode (data defaults to null; acl is scheme:id:perms[,…], default world:anyone:cdrwa)",
				"-s sequential: the server appends a 10-digit counter to the name", "-e ephemeral: deleted when this session ends",
				"-c container: deleted by the server once its last child is gone", "-t ttl: a persistent node the server deletes once it has gone ttl ms unchanged and has no children"},
			run: (*shell).create},
		{name: "delete", usage: "[-v version] path", value: "v", minArgs: 2, needsSession: true,
			doc: []string{"delete a znode that has no children", "-v only if its data version is this"},
			run: (*shell).delete},
		{name: "deleteall", usage: "path [-b batch size]", value: "b", minArgs: 2, needsSession: true,
			doc: []string{"delete a znode and everything below it (rmr is the same command)", "-b how many deletes go in one multi request (default 1000)"},
			run: (*shell).deleteAll},
		{name: "get", usage: "[-s] [-w] path", flags: "sw", minArgs: 2, needsSession: true, legacyWatch: "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.",
			doc: []string{"print a znode's data (null if it has none)", "-s also print its Stat", "-w watch it for a data change or deletion (`get path watch` also works)"},
			run: (*shell).get},
		{name: "getAcl", usage: "[-s] path", flags: "s", minArgs: 2, needsSession: true,
			doc: []string{"print a znode's ACL, two lines per entry", "-s also print its Stat"},
			run: (*shell).getACL},
		{name: "getAllChildrenNumber", usage: "path", minArgs: 2, needsSession: true,
			doc: []string{"print how many znodes are below path"},
			run: (*shell).getAllChildrenNumber},
		{name: "getEphemerals", usage: "path", minArgs: 1, needsSession: true,
			doc: []string{"list this session's ephemeral znodes (those whose path starts with path, if given)"},
			run: (*shell).getEphemerals},
		{name: "help", usage: "", minArgs: 1,
			doc: []string{"print this list"},
			run: func(s *shell, _ *options) error { s.help(s.stdout); return nil }},
		{name: "history", usage: "", minArgs: 1,
			doc: []string{"print the last 10 commands with their numbers"},
			run: (*shell).printHistory},
		{name: "ls", usage: "[-s] [-w] [-R] path", flags: "swR", minArgs: 2, needsSession: true, legacyWatch: "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
			doc: []string{"list a znode's children, sorted: [a, b]", "-s also print its Stat", "-w watch its children list (`ls path watch` also works)", "-R print every path below it, depth first, one a line"},
			run: (*shell).ls},
		{name: "printwatches", usage: "on|off", minArgs: 1,
			doc: []string{"turn the printing of watch notifications on or off (no argument: show the setting)"},
			run: (*shell).printWatchesCmd},
		{name: "quit", usage: "", minArgs: 1,
			doc: []string{"close the session and leave"},
			run: func(s *shell, _ *options) error { s.quit = true; s.disconnect(); return nil }},
		{name: "redo", usage: "cmdno", minArgs: 2,
			doc: []string{"run command number cmdno of the history again"},
			run: (*shell).redo},
		{name: "removewatches", usage: "path [-c|-d|-a] [-l]", flags: "cdal", minArgs: 2, needsSession: true,
			doc: []string{"remove this session's watches on path", "-c child watches", "-d data watches", "-a any watch (default)", "-l accepted for compatibility; removal always asks the server"},
			run: (*shell).removeWatches},
		{name: "rmr", usage: "path [-b batch size]", value: "b", minArgs: 2, needsSession: true,
			doc: []string{"the old name of deleteall"},
			run: (*shell).deleteAll},
		{name: "set", usage: "[-s] [-v version] path data", flags: "s", value: "v", minArgs: 3, needsSession: true,
			doc: []string{"replace a znode's data", "-s print the new Stat", "-v only if its data version is this"},
			run: (*shell).set},
		{name: "setAcl", usage: "[-s] [-v version] [-R] path acl", flags: "sR", value: "v", minArgs: 3, needsSession: true,
			doc: []string{"replace a znode's ACL (scheme:id:perms[,…], perms from cdrwa)", "-s print the new Stat", "-v only if its ACL version is this", "-R also every znode below it"},
			run: (*shell).setACL},
		{name: "stat", usage: "[-w] path", flags: "w", minArgs: 2, needsSession: true, legacyWatch: "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.",
			doc: []string{"print a znode's Stat", "-w watch it for creation, a data change or deletion (`stat path watch` also works)"},
			run: (*shell).stat},
		{name: "sync", usage: "path", minArgs: 2, needsSession: true,
			doc: []string{"wait until the server this session uses has caught up with the leader"},
			run: (*shell).sync},
		{name: "version", usage: "", minArgs: 1,
			doc: []string{"print the version of this shell"},
			run: func(s *shell, _ *options) error {
				fmt.Fprintln(s.stdout, "ZooKeeper CLI version: "+server.Version)
				return nil
			}},
		{name: "whoami", usage: "", minArgs: 1, needsSession: true,
			doc: []string{"print the identities this session is authenticated as"},
			run: (*shell).whoAmI},
	}
	for _, name := range []string{"delquota", "listquota", "reconfig", "setquota"} {
		commands = append(commands, &command{name: name, usage: "…", minArgs: 1, unsupported: true,
			doc: []string{"not supported by this client"},
			run: func(*shell, *options) error { return &cliError{msg: name + ": " + errNotSupported.Error()} }})
	}
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	for _, c := range commands {
		commandsByName[c.name] = c
	}
}

// usage prints zkCli's short usage list.
func (s *shell) usage(w io.Writer) {
	fmt.Fprintln(w, "ZooKeeper -server host:port -timeout ms cmd args")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%s %s\n", c.name, c.usage)
	}
}

// help prints every command with what it and each of its flags do.
func (s *shell) help(w io.Writer) {
	fmt.Fprintln(w, "ZooKeeper -server host:port[,host:port…] -timeout ms [cmd args]")
	fmt.Fprintln(w, "Paths are absolute (/app). Quote data with spaces: set /app \"a b\".")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%s\n", strings.TrimSpace(c.name+" "+strings.SplitN(c.usage, " #", 2)[0]))
		for _, d := range c.doc {
			fmt.Fprintf(w, "\t\t%s\n", d)
		}
	}
}

func (s *shell) checkedPath(o *options, i int) (string, error) {
	p := o.args[i]
	return p, validatePath(p, false)
}

func (s *shell) ls(o *options) error {
	if o.legacy != "" {
		fmt.Fprintln(s.stderr, o.legacy)
	}
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	watch := o.has('w')
	if o.has('R') {
		return s.walk(conn, path, watch, func(p string) { fmt.Fprintln(s.stdout, p) })
	}
	var children []string
	var st *zk.Stat
	if watch {
		children, st, _, err = conn.ChildrenW(path)
	} else {
		children, st, err = conn.Children(path)
	}
	if err != nil {
		return keeperErr(err, path)
	}
	if watch {
		s.watched(path, watchChild)
	}
	sort.Strings(children)
	fmt.Fprintln(s.stdout, javaList(children))
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

// walk visits root and every znode below it depth first, pre-order, children
// sorted, as ZKUtil.visitSubTreeDFS does (watch sets a child watch on each).
// A child deleted meanwhile is skipped.
func (s *shell) walk(conn *zk.Conn, root string, watch bool, visit func(path string)) error {
	var step func(path string) error
	step = func(path string) error {
		var children []string
		var err error
		if watch {
			children, _, _, err = conn.ChildrenW(path)
		} else {
			children, _, err = conn.Children(path)
		}
		if err != nil {
			return err
		}
		if watch {
			s.watched(path, watchChild)
		}
		visit(path)
		sort.Strings(children)
		for _, c := range children {
			if err := step(joinPath(path, c)); err != nil && err != zk.ErrNoNode {
				return err
			}
		}
		return nil
	}
	return keeperErr(step(root), root)
}

func (s *shell) create(o *options) error {
	hasE, hasS, hasC, hasT := o.has('e'), o.has('s'), o.has('c'), o.has('t')
	if hasC && (hasE || hasS) {
		return errMalformed("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
	}
	var ttl int64
	if hasT {
		v, err := strconv.ParseInt(o.values['t'], 10, 64)
		if err != nil {
			return errMalformed("-t argument must be a long value")
		}
		ttl = v
	}
	if hasT && hasE {
		return errMalformed("TTLs cannot be used with Ephemeral znodes")
	}
	if hasT && hasC {
		return errMalformed("TTLs cannot be used with Container znodes")
	}
	if hasT && (ttl <= 0 || ttl > 1<<40-1) {
		return errMalformed(fmt.Sprintf("ttl must be positive and cannot be larger than: %d", int64(1<<40-1)))
	}
	flags := int32(zk.FlagPersistent)
	switch {
	case hasE && hasS:
		flags = zk.FlagEphemeralSequential
	case hasE:
		flags = zk.FlagEphemeral
	case hasS && hasT:
		flags = zk.FlagPersistentSequentialWithTTL
	case hasS:
		flags = zk.FlagSequence
	case hasC:
		flags = zk.FlagContainer
	case hasT:
		flags = zk.FlagTTL
	}
	path := o.args[1]
	if err := validatePath(path, hasS); err != nil {
		return err
	}
	var data []byte
	if len(o.args) > 2 {
		data = []byte(o.args[2])
	}
	acl := zk.WorldACL(zk.PermAll)
	if len(o.args) > 3 {
		acl = parseACL(o.args[3], s.stderr)
	}
	conn, _, _ := s.live()
	var created string
	var err error
	switch {
	case hasT:
		created, err = conn.CreateTTL(path, data, flags, acl, time.Duration(ttl)*time.Millisecond)
	case hasC:
		created, err = conn.CreateContainer(path, data, flags, acl)
	default:
		created, err = conn.Create(path, data, flags, acl)
	}
	if err != nil {
		return keeperErr(err, path)
	}
	fmt.Fprintln(s.stderr, "Created "+created)
	return nil
}

func (s *shell) get(o *options) error {
	if o.legacy != "" {
		fmt.Fprintln(s.stderr, o.legacy)
	}
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	data, st, err := s.readData(path, o.has('w'))
	if err != nil {
		return err
	}
	if data == nil {
		fmt.Fprintln(s.stdout, "null")
	} else {
		fmt.Fprintln(s.stdout, string(data))
	}
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

// readData is getData, with a data watch if watch.
func (s *shell) readData(path string, watch bool) ([]byte, *zk.Stat, error) {
	conn, _, _ := s.live()
	var data []byte
	var st *zk.Stat
	var err error
	if watch {
		data, st, _, err = conn.GetW(path)
	} else {
		data, st, err = conn.Get(path)
	}
	if err != nil {
		return nil, nil, keeperErr(err, path)
	}
	if watch {
		s.watched(path, watchData)
	}
	return data, st, nil
}

func (s *shell) set(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	version, err := intValue(o, 'v', -1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	st, err := conn.Set(path, []byte(o.args[2]), version)
	if err != nil {
		return keeperErr(err, path)
	}
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

func (s *shell) stat(o *options) error {
	if o.legacy != "" {
		fmt.Fprintln(s.stderr, o.legacy)
	}
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	var ok bool
	var st *zk.Stat
	if o.has('w') {
		ok, st, _, err = conn.ExistsW(path)
	} else {
		ok, st, err = conn.Exists(path)
	}
	if err != nil {
		return keeperErr(err, path)
	}
	if o.has('w') {
		s.watched(path, watchData)
	}
	if !ok {
		return &keeperError{code: wire.ErrNoNode, path: path}
	}
	writeStat(s.stdout, st, s.loc)
	return nil
}

func (s *shell) delete(o *options) error {
	if len(o.args) > 2 && !o.has('v') {
		// 3.4's `delete path version`.
		fmt.Fprintln(s.stderr, "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.")
		o.values['v'], o.flags['v'] = o.args[2], true
	}
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	version, err := intValue(o, 'v', -1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	return keeperErr(conn.Delete(path, version), path)
}

// deleteAll lists the subtree breadth first and deletes it deepest first, in
// multi requests of at most -b deletes, as ZKUtil.deleteRecursive does.
func (s *shell) deleteAll(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	batch, err := intValue(o, 'b', 1000)
	if err != nil {
		return err
	}
	if batch <= 0 {
		return errMalformed("-b argument must be a positive int value")
	}
	conn, _, _ := s.live()
	tree := []string{path}
	for i := 0; i < len(tree); i++ {
		children, _, err := conn.Children(tree[i])
		if err != nil {
			if i > 0 && err == zk.ErrNoNode {
				continue
			}
			return keeperErr(err, tree[i])
		}
		sort.Strings(children)
		for _, c := range children {
			tree = append(tree, joinPath(tree[i], c))
		}
	}
	ok := true
	var ops []any
	flush := func() {
		if len(ops) == 0 {
			return
		}
		if _, err := conn.Multi(ops...); err != nil {
			ok = false
		}
		ops = ops[:0]
	}
	for i := len(tree) - 1; i >= 0; i-- {
		ops = append(ops, &zk.DeleteRequest{Path: tree[i], Version: -1})
		if len(ops) == int(batch) {
			flush()
		}
	}
	flush()
	if !ok {
		fmt.Fprintln(s.stderr, "Failed to delete some node(s) in the subtree!")
	}
	return nil
}

func (s *shell) sync(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	if _, err := conn.Sync(path); err != nil {
		kerr := keeperErr(err, path)
		if code, ok := keeperCode(kerr); ok {
			fmt.Fprintf(s.stdout, "Sync has failed. rc=%d\n", int32(code))
			return nil
		}
		return kerr
	}
	fmt.Fprintln(s.stdout, "Sync is OK")
	return nil
}

func (s *shell) getACL(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	conn, _, _ := s.live()
	acl, st, err := conn.GetACL(path)
	if err != nil {
		return keeperErr(err, path)
	}
	for _, a := range acl {
		fmt.Fprintf(s.stdout, "%s,%s\n: %s\n", juteCSV(a.Scheme), juteCSV(a.ID), permString(a.Perms))
	}
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

func (s *shell) setACL(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	version, err := intValue(o, 'v', -1)
	if err != nil {
		return err
	}
	acl := parseACL(o.args[2], s.stderr)
	conn, _, _ := s.live()
	if o.has('R') {
		return s.walk(conn, path, false, func(p string) {
			if _, err := conn.SetACL(p, acl, version); err != nil {
				fmt.Fprintln(s.stdout, keeperErr(err, p).Error())
			}
		})
	}
	st, err := conn.SetACL(path, acl, version)
	if err != nil {
		return keeperErr(err, path)
	}
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

func (s *shell) addAuth(o *options) error {
	var auth []byte
	if len(o.args) > 2 {
		auth = []byte(o.args[2])
	}
	conn, _, _ := s.live()
	return keeperErr(conn.AddAuth(o.args[1], auth), "")
}

func (s *shell) config(o *options) error {
	const path = "/zookeeper/config"
	data, st, err := s.readData(path, o.has('w'))
	if err != nil {
		return err
	}
	text := "null"
	if data != nil {
		text = string(data)
	}
	if o.has('c') {
		text = clientConfig(text)
	}
	fmt.Fprintln(s.stdout, text)
	if o.has('s') {
		writeStat(s.stdout, st, s.loc)
	}
	return nil
}

func (s *shell) whoAmI(*options) error {
	_, t, _ := s.live()
	resp, err := t.call(&wire.WhoAmIRequest{})
	if err != nil {
		return keeperErr(err, "")
	}
	fmt.Fprintln(s.stdout, "Auth scheme: User")
	if r, ok := resp.(*wire.WhoAmIResponse); ok {
		for _, ci := range r.ClientInfo {
			fmt.Fprintf(s.stdout, "%s: %s\n", ci.AuthScheme, ci.User)
		}
	}
	return nil
}

func (s *shell) getEphemerals(o *options) error {
	prefix := "/"
	if len(o.args) > 1 {
		prefix = o.args[1]
		if err := validatePath(prefix, false); err != nil {
			return err
		}
	}
	_, t, _ := s.live()
	resp, err := t.call(&wire.GetEphemeralsRequest{PrefixPath: prefix})
	if err != nil {
		return keeperErr(err, prefix)
	}
	var list []string
	if r, ok := resp.(*wire.GetEphemeralsResponse); ok {
		list = r.Ephemerals
	}
	fmt.Fprintln(s.stdout, javaList(list))
	return nil
}

func (s *shell) getAllChildrenNumber(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	_, t, _ := s.live()
	resp, err := t.call(&wire.GetAllChildrenNumberRequest{Path: path})
	if err != nil {
		return keeperErr(err, path)
	}
	n := int32(0)
	if r, ok := resp.(*wire.GetAllChildrenNumberResponse); ok {
		n = r.TotalNumber
	}
	fmt.Fprintln(s.stdout, n)
	return nil
}

func (s *shell) addWatch(o *options) error {
	if len(o.args) != 2 {
		return &cliError{msg: o.usage}
	}
	mode := wire.AddWatchPersistentRecursive
	if v, ok := o.values['m']; ok {
		switch strings.ToUpper(v) {
		case "PERSISTENT":
			mode = wire.AddWatchPersistent
		case "PERSISTENT_RECURSIVE":
		default:
			return &cliError{msg: "mode must be one of: [PERSISTENT, PERSISTENT_RECURSIVE]"}
		}
	}
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	_, t, _ := s.live()
	if _, err := t.call(&wire.AddWatchRequest{Path: path, Mode: mode}); err != nil {
		return keeperErr(err, path)
	}
	kind := watchRecursive
	if mode == wire.AddWatchPersistent {
		kind = watchPersistent
	}
	s.watched(path, kind)
	return nil
}

func (s *shell) removeWatches(o *options) error {
	path, err := s.checkedPath(o, 1)
	if err != nil {
		return err
	}
	typ := wire.WatcherAny
	switch {
	case o.has('c'):
		typ = wire.WatcherChildren
	case o.has('d'):
		typ = wire.WatcherData
	}
	s.mu.Lock()
	removed, ok := s.watches.removable(path, typ)
	s.mu.Unlock()
	if !ok {
		return &keeperError{code: wire.ErrNoWatcher, path: path}
	}
	_, t, _ := s.live()
	if _, err := t.call(&wire.RemoveWatchesRequest{Path: path, Type: typ}); err != nil {
		code, _ := keeperCode(err)
		if !o.has('l') || code != wire.ErrConnectionLoss {
			return keeperErr(err, path)
		}
	}
	if removed == 0 {
		return &keeperError{code: wire.ErrNoWatcher, path: path}
	}
	s.mu.Lock()
	s.watches.clear(path, removed)
	show := s.printWatches
	s.mu.Unlock()
	if show {
		for _, name := range removedEvents(removed) {
			s.printEvent("SyncConnected", name, path)
		}
	}
	return nil
}

func (s *shell) printHistory(*options) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := max(s.count-10, 0); i <= s.count; i++ {
		fmt.Fprintf(s.stdout, "%d - %s\n", i, s.history[i])
	}
	return nil
}

func (s *shell) redo(o *options) error {
	n, err := strconv.ParseInt(o.args[1], 0, 32)
	s.mu.Lock()
	count := s.count
	line := s.history[int(n)]
	s.mu.Unlock()
	if err != nil || n < 0 || int(n) >= count {
		return errMalformed("Command index out of range")
	}
	args := splitLine(line)
	if len(args) > 0 && args[0] == "redo" {
		return errMalformed("No redoing redos")
	}
	s.mu.Lock()
	s.history[count] = line
	s.mu.Unlock()
	return s.execute(args)
}

func (s *shell) printWatchesCmd(o *options) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(o.args) == 1 {
		state := "off"
		if s.printWatches {
			state = "on"
		}
		fmt.Fprintln(s.stdout, "printwatches is "+state)
		return nil
	}
	s.printWatches = o.args[1] == "on"
	return nil
}

func (s *shell) connectCmd(o *options) error {
	host := s.host
	if len(o.args) > 1 {
		host = o.args[1]
	}
	return s.connect(host)
}

// clientConfig is ConfigUtils.getClientConfigStr: the config version, a space,
// then each server's client address, "host:port" joined by commas (servers in
// id order; a server line without a client port adds an empty entry).
func clientConfig(data string) string {
	type member struct {
		id     int
		client string
	}
	var version string
	var members []member
	for _, line := range strings.Split(data, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "version" {
			version = value
		}
		idText, isServer := strings.CutPrefix(key, "server.")
		if !isServer {
			continue
		}
		id, err := strconv.Atoi(idText)
		if err != nil {
			continue
		}
		m := member{id: id}
		if _, client, ok := strings.Cut(value, ";"); ok {
			if !strings.Contains(client, ":") {
				client = "0.0.0.0:" + client
			}
			m.client = client
		}
		members = append(members, m)
	}
	sort.Slice(members, func(i, j int) bool { return members[i].id < members[j].id })
	addrs := make([]string, len(members))
	for i, m := range members {
		addrs[i] = m.client
	}
	return version + " " + strings.Join(addrs, ",")
}
