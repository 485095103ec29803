// Command zkcli is an interactive ZooKeeper shell that speaks zkCli.sh's
// language: the 3.8 command set with its flags (ls, create, get, set, stat,
// delete, deleteall/rmr, getAcl, setAcl, addWatch, whoami, history, redo, …),
// the legacy forms (`ls / watch`, `get /app watch`), and the same output
// (Stat lines, `[a, b]` lists, `Created /path` and errors on standard error,
// WATCHER:: notifications, the `[zk: host:port(CONNECTED) N] ` prompt).
//
// It works against any ZooKeeper-compatible server. Requests go through the
// github.com/go-zookeeper/zk client; the few operations that client lacks
// (whoAmI, getEphemerals, getAllChildrenNumber, addWatch, removeWatches) are
// sent on the same connection by a small tap that frames them with
// protocol/wire, so they run in the shell's own session as zkCli's would.
//
// Usage:
//
//	zkcli [-server host:port[,host:port…]] [-timeout ms] [cmd args…]
//
// With a command it runs that command and exits (status 1 on error). Without
// one it reads commands from standard input: with line editing, history and tab
// completion of commands and znode paths when standard input is a terminal,
// one command a line otherwise.
package main
