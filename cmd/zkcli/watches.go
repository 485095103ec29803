package main

import (
	"sort"

	"github.com/zksim/zksim/protocol/wire"
)

// watchKind is a set of the watches this session holds on one path, kept as
// Java's ZKWatchManager keeps them: so removewatches can answer "No such
// watcher" and print the WatchRemoved events zkCli prints, and so addWatch
// watches can be re-sent after a reconnect.
type watchKind uint8

const (
	watchData watchKind = 1 << iota // getData and exists watches
	watchChild
	watchPersistent
	watchRecursive
)

// watchTable maps a path to the watches held on it.
type watchTable map[string]watchKind

func (w watchTable) add(path string, k watchKind) { w[path] |= k }

// fired clears the one-shot watches a server notification consumed.
func (w watchTable) fired(ev wire.WatcherEvent) {
	var k watchKind
	switch ev.Type {
	case wire.EventNodeCreated, wire.EventNodeDataChanged:
		k = watchData
	case wire.EventNodeChildrenChanged:
		k = watchChild
	case wire.EventNodeDeleted:
		k = watchData | watchChild
	}
	w.clear(ev.Path, k)
}

func (w watchTable) clear(path string, k watchKind) {
	if left := w[path] &^ k; left != 0 {
		w[path] = left
	} else {
		delete(w, path)
	}
}

// removable reports which watches a removeWatches of typ takes from path, and
// whether ZKWatchManager.containsWatcher would let the request go out.
func (w watchTable) removable(path string, typ wire.WatcherType) (watchKind, bool) {
	have := w[path]
	persistent := watchPersistent | watchRecursive
	switch typ {
	case wire.WatcherChildren:
		return have & watchChild, have&(watchChild|persistent) != 0
	case wire.WatcherData:
		return have & watchData, have&(watchData|persistent) != 0
	default:
		return have, have != 0
	}
}

// persistentRequests lists the addWatch requests that re-create the
// persistent watches, in path order.
func (w watchTable) persistentRequests() []*wire.AddWatchRequest {
	paths := make([]string, 0, len(w))
	for p, k := range w {
		if k&(watchPersistent|watchRecursive) != 0 {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	reqs := make([]*wire.AddWatchRequest, 0, 2*len(paths))
	for _, p := range paths {
		if w[p]&watchPersistent != 0 {
			reqs = append(reqs, &wire.AddWatchRequest{Path: p, Mode: wire.AddWatchPersistent})
		}
		if w[p]&watchRecursive != 0 {
			reqs = append(reqs, &wire.AddWatchRequest{Path: p, Mode: wire.AddWatchPersistentRecursive})
		}
	}
	return reqs
}

// removedEvents names the events the Java client queues for removed watches.
func removedEvents(k watchKind) []string {
	var names []string
	if k&watchChild != 0 {
		names = append(names, "ChildWatchRemoved")
	}
	if k&watchData != 0 {
		names = append(names, "DataWatchRemoved")
	}
	if k&(watchPersistent|watchRecursive) != 0 {
		names = append(names, "PersistentWatchRemoved")
	}
	return names
}
