package watch

import (
	"cmp"
	"slices"

	"github.com/zksim/zksim/protocol/wire"
)

// WatcherID identifies a watcher: one client connection. The host assigns it; the
// manager only compares and sorts ids.
type WatcherID int64

// Kind is what a request asks to watch.
type Kind uint8

// Watch kinds.
const (
	// KindData is the watch set by getData and exists. An exists on a missing node
	// registers it too (see KindExist), and it then fires NodeCreated. getData on a
	// missing node registers nothing.
	KindData Kind = iota + 1
	// KindChild is the watch set by getChildren and getChildren2.
	KindChild
	// KindPersistent is addWatch mode 0: a data and a child watch on the path that
	// stay after firing.
	KindPersistent
	// KindPersistentRecursive is addWatch mode 1: a data watch on the path and every
	// descendant that stays after firing. It never sees NodeChildrenChanged.
	KindPersistentRecursive
)

// KindExist is the watch exists sets, present or not: ZooKeeper keeps it as a data
// watch, so it is one.
const KindExist = KindData

// KindForAddWatch maps an addWatch mode to the kind it registers; addWatch registers
// it whether or not the node exists.
func KindForAddWatch(mode wire.AddWatchMode) (Kind, error) {
	switch mode {
	case wire.AddWatchPersistent:
		return KindPersistent, nil
	case wire.AddWatchPersistentRecursive:
		return KindPersistentRecursive, nil
	}
	return 0, ErrBadAddWatchMode
}

// Watcher types of checkWatches and removeWatches beyond wire's 1..3, added in
// ZooKeeper 3.9.
const (
	WatcherPersistent          wire.WatcherType = 4
	WatcherPersistentRecursive wire.WatcherType = 5
)

// Error is a failure that a request gets as a ZooKeeper error code.
type Error struct {
	code wire.ErrCode
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Code is the wire error code to reply with.
func (e *Error) Code() wire.ErrCode { return e.code }

// Errors. Compare with errors.Is.
var (
	// ErrNoWatcher means checkWatches or removeWatches matched nothing (NOWATCHER).
	ErrNoWatcher = &Error{wire.ErrNoWatcher, "watch: no such watcher"}
	// ErrBadWatcherType means a watcher type outside 1..5; ZooKeeper fails to
	// convert it and answers MARSHALLINGERROR.
	ErrBadWatcherType = &Error{wire.ErrMarshallingError, "watch: unknown watcher type"}
	// ErrBadAddWatchMode means an addWatch mode other than 0 or 1 (MARSHALLINGERROR,
	// as in ZooKeeper).
	ErrBadAddWatchMode = &Error{wire.ErrMarshallingError, "watch: unknown addWatch mode"}
)

// Event is one notification to deliver: Type about Path, to Watcher.
type Event struct {
	Watcher WatcherID
	Type    wire.EventType
	Path    string
}

// modes is the set of watch modes one watcher holds on one path in one table, as in
// ZooKeeper's WatchStats.
type modes uint8

const (
	modeStandard modes = 1 << iota
	modePersistent
	modeRecursive
	modeAny modes = 0 // selects every mode in has and remove
)

// table is one of ZooKeeper's two WatchManagers: data watches or child watches.
type table struct {
	byPath    map[string]map[WatcherID]modes
	byWatcher map[WatcherID]map[string]struct{}
	recursive int // entries holding modeRecursive; zero means no ancestor walk
}

func newTable() table {
	return table{byPath: map[string]map[WatcherID]modes{}, byWatcher: map[WatcherID]map[string]struct{}{}}
}

func (t *table) add(path string, w WatcherID, m modes) bool {
	ws, ok := t.byPath[path]
	if !ok {
		ws = map[WatcherID]modes{}
		t.byPath[path] = ws
	}
	old := ws[w]
	if old&m != 0 {
		return false
	}
	ws[w] = old | m
	ps, ok := t.byWatcher[w]
	if !ok {
		ps = map[string]struct{}{}
		t.byWatcher[w] = ps
	}
	ps[path] = struct{}{}
	if m == modeRecursive {
		t.recursive++
	}
	return true
}

func (t *table) has(path string, w WatcherID, m modes) bool {
	got := t.byPath[path][w]
	if m == modeAny {
		return got != 0
	}
	return got&m != 0
}

// remove drops mode m (or every mode, for modeAny) of watcher w on path and reports
// whether anything was dropped.
func (t *table) remove(path string, w WatcherID, m modes) bool {
	ws := t.byPath[path]
	old := ws[w]
	if m == modeAny {
		m = old
	}
	if old&m == 0 {
		return false
	}
	t.set(path, ws, w, old, old&^m)
	return true
}

// set changes the modes of w on path from old to now, keeping every index in step.
func (t *table) set(path string, ws map[WatcherID]modes, w WatcherID, old, now modes) {
	if old&modeRecursive != 0 && now&modeRecursive == 0 {
		t.recursive--
	}
	if now != 0 {
		ws[w] = now
		return
	}
	delete(ws, w)
	if len(ws) == 0 {
		delete(t.byPath, path)
	}
	if ps := t.byWatcher[w]; ps != nil {
		delete(ps, path)
		if len(ps) == 0 {
			delete(t.byWatcher, w)
		}
	}
}

func (t *table) removeWatcher(w WatcherID) {
	for path := range t.byWatcher[w] {
		ws := t.byPath[path]
		t.set(path, ws, w, ws[w], 0)
	}
}

// fire collects, sorted and without repeats, the watchers that see an event on path:
// every watcher on path itself (dropping its one-shot watch) and, unless the event is
// NodeChildrenChanged, the recursive watchers on path's ancestors
// (WatchManager.triggerWatch).
func (t *table) fire(path string, typ wire.EventType) []WatcherID {
	ws, ok := t.byPath[path]
	out := make([]WatcherID, 0, len(ws))
	if ok {
		for w, m := range ws {
			out = append(out, w)
			if m&modeStandard != 0 {
				t.set(path, ws, w, m, m&^modeStandard)
			}
		}
	}
	if t.recursive > 0 && typ != wire.EventNodeChildrenChanged {
		for p := parent(path); p != ""; p = parent(p) {
			for w, m := range t.byPath[p] {
				if m&modeRecursive != 0 {
					out = append(out, w)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parent returns the parent of an absolute path, "/" for a top-level node and "" for
// the root.
func parent(path string) string {
	if path == "/" || path == "" {
		return ""
	}
	i := len(path) - 1
	for i > 0 && path[i] != '/' {
		i--
	}
	if i == 0 {
		return "/"
	}
	return path[:i]
}

// Manager holds every watch of a server, per (path, watcher), with ZooKeeper's rules
// for registering, firing and removing them. The zero value is not usable; call New.
type Manager struct {
	data  table
	child table
}

// New returns an empty manager.
func New() *Manager {
	return &Manager{data: newTable(), child: newTable()}
}

// Add registers a watch of the given kind for watcher w on path and reports whether it
// was not already there. A watcher holds at most one watch of each kind per path;
// registering a kind again is a no-op.
func (m *Manager) Add(w WatcherID, path string, kind Kind) bool {
	switch kind {
	case KindData:
		return m.data.add(path, w, modeStandard)
	case KindChild:
		return m.child.add(path, w, modeStandard)
	case KindPersistent:
		c := m.child.add(path, w, modePersistent)
		d := m.data.add(path, w, modePersistent)
		return c || d
	case KindPersistentRecursive:
		return m.data.add(path, w, modeRecursive)
	}
	return false
}

// Trigger applies a change to the watches and returns the events to deliver.
// typ names the change to path:
//   - NodeCreated: path was created. NodeCreated goes to the data watches on path and
//     the recursive watches on it and its ancestors; NodeChildrenChanged goes to the
//     child watches on its parent.
//   - NodeDeleted: path was deleted. NodeDeleted goes to the data, child and recursive
//     watches as above, once per watcher; NodeChildrenChanged to the parent's child
//     watches.
//   - NodeDataChanged: path's data was set. NodeDataChanged goes to its data watches
//     and the recursive watches.
//   - NodeChildrenChanged: only the child watches on path fire.
//
// Other types fire nothing. One-shot watches that fire are removed; persistent ones
// stay. Events are ordered by watcher id; one watcher's events keep ZooKeeper's order
// (the node's own event before its parent's).
func (m *Manager) Trigger(path string, typ wire.EventType) []Event {
	var out []Event
	groups := 0 // groups that produced events; each is sorted by watcher already
	emit := func(ws []WatcherID, typ wire.EventType, path string, suppress []WatcherID) {
		n := len(out)
		if out == nil {
			out = make([]Event, 0, len(ws))
		}
		for _, w := range ws {
			if _, skip := slices.BinarySearch(suppress, w); !skip {
				out = append(out, Event{Watcher: w, Type: typ, Path: path})
			}
		}
		if len(out) > n {
			groups++
		}
	}
	switch typ {
	case wire.EventNodeCreated:
		emit(m.data.fire(path, typ), typ, path, nil)
		m.childrenChanged(path, emit)
	case wire.EventNodeDeleted:
		fired := m.data.fire(path, typ)
		emit(fired, typ, path, nil)
		emit(m.child.fire(path, typ), typ, path, fired)
		m.childrenChanged(path, emit)
	case wire.EventNodeDataChanged:
		emit(m.data.fire(path, typ), typ, path, nil)
	case wire.EventNodeChildrenChanged:
		emit(m.child.fire(path, typ), typ, path, nil)
	default:
		return nil
	}
	if groups > 1 {
		slices.SortStableFunc(out, func(a, b Event) int { return cmp.Compare(a.Watcher, b.Watcher) })
	}
	return out
}

func (m *Manager) childrenChanged(path string, emit func([]WatcherID, wire.EventType, string, []WatcherID)) {
	if p := parent(path); p != "" {
		emit(m.child.fire(p, wire.EventNodeChildrenChanged), wire.EventNodeChildrenChanged, p, nil)
	}
}

// RemoveWatcher drops every watch of w, when its connection closes.
func (m *Manager) RemoveWatcher(w WatcherID) {
	m.data.removeWatcher(w)
	m.child.removeWatcher(w)
}

// Check answers a checkWatches request: nil if w holds a watch of the given type on
// path, ErrNoWatcher if not. Children (1) and Data (2) look for one-shot watches
// only; Any (3) for every kind; 4 and 5 for persistent and recursive watches.
func (m *Manager) Check(w WatcherID, path string, typ wire.WatcherType) error {
	var found bool
	switch typ {
	case wire.WatcherChildren:
		found = m.child.has(path, w, modeStandard)
	case wire.WatcherData:
		found = m.data.has(path, w, modeStandard)
	case wire.WatcherAny:
		found = m.child.has(path, w, modeAny) || m.data.has(path, w, modeAny)
	case WatcherPersistent:
		found = m.data.has(path, w, modePersistent)
	case WatcherPersistentRecursive:
		found = m.data.has(path, w, modeRecursive)
	default:
		return ErrBadWatcherType
	}
	if !found {
		return ErrNoWatcher
	}
	return nil
}

// Remove answers a removeWatches request: it drops w's watches of the given type on
// path (as Check selects them; Any also drops persistent and recursive watches) and
// returns ErrNoWatcher if there were none. The server sends no event for a removed
// watch; the client makes the WatchRemoved events itself.
func (m *Manager) Remove(w WatcherID, path string, typ wire.WatcherType) error {
	var removed bool
	switch typ {
	case wire.WatcherChildren:
		removed = m.child.remove(path, w, modeStandard)
	case wire.WatcherData:
		removed = m.data.remove(path, w, modeStandard)
	case wire.WatcherAny:
		c := m.child.remove(path, w, modeAny)
		d := m.data.remove(path, w, modeAny)
		removed = c || d
	case WatcherPersistent:
		c := m.child.remove(path, w, modePersistent)
		d := m.data.remove(path, w, modePersistent)
		removed = c || d
	case WatcherPersistentRecursive:
		removed = m.data.remove(path, w, modeRecursive)
	default:
		return ErrBadWatcherType
	}
	if !removed {
		return ErrNoWatcher
	}
	return nil
}

// Count returns the number of (path, watcher) entries in the data and child tables
// together (DataTree.getWatchCount, mntr's zk_watch_count).
func (m *Manager) Count() int {
	n := 0
	for _, ws := range m.data.byPath {
		n += len(ws)
	}
	for _, ws := range m.child.byPath {
		n += len(ws)
	}
	return n
}
