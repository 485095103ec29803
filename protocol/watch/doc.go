// Package watch is the watch table of a ZooKeeper server: which connection watches
// which path, and what a change to the tree fires (ZooKeeper's WatchManager and the
// watch parts of DataTree).
//
// Watches live per watcher (one client connection) and per path, in two tables as in
// ZooKeeper: data watches (getData, exists, persistent and recursive) and child watches
// (getChildren, persistent). Standard watches fire once; persistent and recursive ones
// stay until removed or until their connection closes. Every output is sorted, so the
// same calls always give the same events in the same order.
package watch
