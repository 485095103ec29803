package watch

import (
	"errors"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

const (
	created  = wire.EventNodeCreated
	deleted  = wire.EventNodeDeleted
	changed  = wire.EventNodeDataChanged
	children = wire.EventNodeChildrenChanged
)

// step is one action in a scenario: register, fire, remove, check or disconnect.
type step struct {
	op   string
	w    WatcherID
	path string
	kind Kind
	typ  wire.EventType
	wt   wire.WatcherType
	want []Event
	err  error
}

func add(w WatcherID, path string, k Kind) step { return step{op: "add", w: w, path: path, kind: k} }
func fire(path string, typ wire.EventType, want ...Event) step {
	return step{op: "fire", path: path, typ: typ, want: want}
}
func remove(w WatcherID, path string, wt wire.WatcherType, err error) step {
	return step{op: "remove", w: w, path: path, wt: wt, err: err}
}
func check(w WatcherID, path string, wt wire.WatcherType, err error) step {
	return step{op: "check", w: w, path: path, wt: wt, err: err}
}
func disconnect(w WatcherID) step { return step{op: "disconnect", w: w} }
func ev(w WatcherID, typ wire.EventType, path string) Event {
	return Event{Watcher: w, Type: typ, Path: path}
}

func run(t *testing.T, m *Manager, steps []step) {
	t.Helper()
	for i, s := range steps {
		switch s.op {
		case "add":
			m.Add(s.w, s.path, s.kind)
		case "fire":
			got := m.Trigger(s.path, s.typ)
			if !slices.Equal(got, s.want) {
				t.Fatalf("step %d: Trigger(%s, %d) = %v, want %v", i, s.path, s.typ, got, s.want)
			}
		case "remove":
			if err := m.Remove(s.w, s.path, s.wt); !errors.Is(err, s.err) {
				t.Fatalf("step %d: Remove(%d, %s, %d) = %v, want %v", i, s.w, s.path, s.wt, err, s.err)
			}
		case "check":
			if err := m.Check(s.w, s.path, s.wt); !errors.Is(err, s.err) {
				t.Fatalf("step %d: Check(%d, %s, %d) = %v, want %v", i, s.w, s.path, s.wt, err, s.err)
			}
		case "disconnect":
			m.RemoveWatcher(s.w)
		default:
			t.Fatalf("step %d: unknown op %q", i, s.op)
		}
	}
}

// TestTriggerRules covers every firing rule of the reference's §2.4 table. The cases
// named after a capture replay what a real ZooKeeper 3.8.0 sent in
// shared/testdata/zk38-wire/<name>.json.
func TestTriggerRules(t *testing.T) {
	const (
		p      = "/n/p"
		parent = "/n"
		kid    = "/n/p/kid"
	)
	cases := []struct {
		name  string
		steps []step
	}{
		{"watch_node_data_changed", []step{
			add(1, p, KindData),
			fire(p, changed, ev(1, changed, p)),
			fire(p, changed), // one-shot
		}},
		{"watch_node_data_changed_other_session", []step{
			add(1, p, KindData),
			fire(p, changed, ev(1, changed, p)),
		}},
		{"watch_node_created (exists on a missing node)", []step{
			add(1, p, KindData),
			fire(p, created, ev(1, created, p)),
			fire(p, changed),
		}},
		{"watch_node_deleted", []step{
			add(1, p, KindData),
			fire(p, deleted, ev(1, deleted, p)),
		}},
		{"watch_node_children_changed", []step{
			add(1, p, KindChild),
			fire(kid, created, ev(1, children, p)),
			add(1, p, KindChild),
			fire(kid, changed), // a child's data change fires nothing on the parent
			fire(kid, deleted, ev(1, children, p)),
			fire(kid, created),
		}},
		{"watch_node_deleted_data_and_child_watch", []step{
			add(1, p, KindData),
			add(1, p, KindChild),
			add(1, parent, KindChild),
			fire(p, deleted, ev(1, deleted, p), ev(1, children, parent)),
			fire(p, created),
		}},
		{"watch_ephemeral_deleted_on_close", []step{
			add(2, p, KindData),
			fire(p, deleted, ev(2, deleted, p)),
		}},
		{"child watch alone sees its node deleted", []step{
			add(1, p, KindChild),
			fire(p, deleted, ev(1, deleted, p)),
			fire(kid, created),
		}},
		{"child watch does not see its node's data or creation", []step{
			add(1, p, KindChild),
			fire(p, changed),
			fire(p, created),
			check(1, p, wire.WatcherChildren, nil),
		}},
		{"data watch does not see children", []step{
			add(1, p, KindData),
			fire(kid, created),
			fire(kid, deleted),
			check(1, p, wire.WatcherData, nil),
		}},
		{"add_watch_persistent", []step{
			add(1, p, KindPersistent),
			fire(p, created, ev(1, created, p)),
			fire(p, changed, ev(1, changed, p)),
			fire(kid, created, ev(1, children, p)),
			fire(kid, changed),
			fire(kid, deleted, ev(1, children, p)),
			fire(p, deleted, ev(1, deleted, p)),
			fire(p, created, ev(1, created, p)),
		}},
		{"add_watch_persistent_recursive", []step{
			add(1, p, KindPersistentRecursive),
			fire(p, created, ev(1, created, p)),
			fire(kid, created, ev(1, created, kid)),
			fire(kid, changed, ev(1, changed, kid)),
			fire(kid+"/d", created, ev(1, created, kid+"/d")),
			fire(kid+"/d", deleted, ev(1, deleted, kid+"/d")),
			fire(kid, deleted, ev(1, deleted, kid)),
			fire(p, changed, ev(1, changed, p)),
			fire(p, children), // never NodeChildrenChanged
			fire(parent, changed),
			fire("/n/px", created), // a sibling with a common prefix is not a descendant
		}},
		{"recursive on the root sees everything but children", []step{
			add(1, "/", KindPersistentRecursive),
			fire(p, created, ev(1, created, p)),
			fire("/", changed, ev(1, changed, "/")),
			fire(parent, children),
		}},
		{"create fires the parent's persistent watch and the node's data watch", []step{
			add(1, parent, KindPersistent),
			add(2, p, KindData),
			add(3, parent, KindChild),
			add(3, p, KindData),
			fire(p, created,
				ev(1, children, parent),
				ev(2, created, p),
				ev(3, created, p), ev(3, children, parent)),
		}},
		{"one event per watcher when several watches match", []step{
			add(1, p, KindData),
			add(1, p, KindPersistent),
			add(1, p, KindPersistentRecursive),
			add(1, parent, KindPersistentRecursive),
			add(1, "/", KindPersistentRecursive),
			fire(p, changed, ev(1, changed, p)),
			fire(p, deleted, ev(1, deleted, p)),
			// The one-shot data watch is gone; the persistent ones stay.
			check(1, p, wire.WatcherData, ErrNoWatcher),
			check(1, p, WatcherPersistent, nil),
		}},
		{"standard and persistent on the same path", []step{
			add(1, p, KindPersistent),
			add(1, p, KindChild),
			fire(kid, created, ev(1, children, p)),
			check(1, p, wire.WatcherChildren, ErrNoWatcher),
			fire(kid, deleted, ev(1, children, p)),
		}},
		{"watchers in id order", []step{
			add(9, p, KindData),
			add(3, p, KindData),
			add(5, parent, KindPersistentRecursive),
			add(-2, p, KindChild),
			fire(p, deleted, ev(-2, deleted, p), ev(3, deleted, p), ev(5, deleted, p), ev(9, deleted, p)),
		}},
		{"top-level node's parent is the root", []step{
			add(1, "/", KindChild),
			fire("/top", created, ev(1, children, "/")),
		}},
		{"unknown event types fire nothing", []step{
			add(1, p, KindData),
			fire(p, wire.EventNone),
			fire(p, wire.EventDataWatchRemoved),
			check(1, p, wire.WatcherData, nil),
		}},
		{"disconnect drops every watch", []step{
			add(1, p, KindData),
			add(1, p, KindChild),
			add(1, p, KindPersistentRecursive),
			add(2, p, KindData),
			disconnect(1),
			fire(p, deleted, ev(2, deleted, p)),
			fire(kid, created),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			run(t, m, tc.steps)
		})
	}
}

// TestRemoveWatches replays remove_watches.json and covers the 3.9 watcher types.
func TestRemoveWatches(t *testing.T) {
	const p = "/remove_watches"
	cases := []struct {
		name  string
		steps []step
	}{
		{"remove_watches", []step{
			add(1, p, KindData),
			add(1, p, KindChild),
			check(1, p, wire.WatcherData, nil),
			remove(1, p, wire.WatcherChildren, nil),
			remove(1, p, wire.WatcherData, nil),
			remove(1, p, wire.WatcherAny, ErrNoWatcher),
			check(1, p, wire.WatcherAny, ErrNoWatcher),
			add(1, p, KindPersistent),
			remove(1, p, wire.WatcherAny, nil),
			remove(1, p, wire.WatcherAny, ErrNoWatcher),
			fire(p, changed), // nothing left to fire
		}},
		{"data and children do not remove persistent watches", []step{
			add(1, p, KindPersistent),
			add(1, p, KindPersistentRecursive),
			check(1, p, wire.WatcherData, ErrNoWatcher),
			check(1, p, wire.WatcherChildren, ErrNoWatcher),
			remove(1, p, wire.WatcherData, ErrNoWatcher),
			remove(1, p, wire.WatcherChildren, ErrNoWatcher),
			check(1, p, wire.WatcherAny, nil),
			check(1, p, WatcherPersistent, nil),
			check(1, p, WatcherPersistentRecursive, nil),
			remove(1, p, WatcherPersistent, nil),
			check(1, p, WatcherPersistent, ErrNoWatcher),
			fire(p+"/c", created, ev(1, created, p+"/c")),
			remove(1, p, WatcherPersistentRecursive, nil),
			remove(1, p, WatcherPersistentRecursive, ErrNoWatcher),
			fire(p+"/c", deleted),
		}},
		{"any removes only the named path", []step{
			add(1, p, KindData),
			add(1, p+"/c", KindData),
			remove(1, p, wire.WatcherAny, nil),
			fire(p+"/c", changed, ev(1, changed, p+"/c")),
		}},
		{"another watcher's watch does not count", []step{
			add(2, p, KindData),
			check(1, p, wire.WatcherData, ErrNoWatcher),
			remove(1, p, wire.WatcherAny, ErrNoWatcher),
			fire(p, changed, ev(2, changed, p)),
		}},
		{"bad watcher type", []step{
			add(1, p, KindData),
			check(1, p, 0, ErrBadWatcherType),
			remove(1, p, 6, ErrBadWatcherType),
			check(1, p, wire.WatcherData, nil),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, New(), tc.steps) })
	}
}

func TestAddReportsNew(t *testing.T) {
	m := New()
	for _, k := range []Kind{KindData, KindChild, KindPersistent, KindPersistentRecursive} {
		if !m.Add(1, "/a", k) {
			t.Errorf("first Add(%d) not new", k)
		}
		if m.Add(1, "/a", k) {
			t.Errorf("second Add(%d) reported new", k)
		}
	}
	if m.Add(1, "/a", 0) || m.Add(1, "/a", 99) {
		t.Error("unknown kind added")
	}
	// data(std+persistent+recursive) and child(std+persistent) are one entry each.
	if got := m.Count(); got != 2 {
		t.Errorf("Count = %d, want 2", got)
	}
}

// fakeTree maps path to (mzxid, pzxid).
type fakeTree map[string][2]int64

func (f fakeTree) Zxids(path string) (int64, int64, bool) {
	z, ok := f[path]
	return z[0], z[1], ok
}

// TestSetWatches replays set_watches_after_reconnect.json and covers every rule of the
// setWatches table.
func TestSetWatches(t *testing.T) {
	m := New()
	tree := fakeTree{
		"/sw/data":    {0x13b, 0x137},
		"/sw/missing": {0x13c, 0x13c},
		"/sw/parent":  {0x138, 0x13d},
		"/sw/stable":  {0x139, 0x139},
	}
	got := m.SetWatches(7, Rewatch{
		RelativeZxid: 0x13a,
		Data:         []string{"/sw/data", "/sw/stable"},
		Exist:        []string{"/sw/missing"},
		Child:        []string{"/sw/parent"},
	}, tree)
	want := []Event{ev(7, changed, "/sw/data"), ev(7, created, "/sw/missing"), ev(7, children, "/sw/parent")}
	if !slices.Equal(got, want) {
		t.Fatalf("SetWatches = %v, want %v", got, want)
	}
	run(t, m, []step{
		fire("/sw/stable", changed, ev(7, changed, "/sw/stable")),
		fire("/sw/data", changed),
		fire("/sw/parent/x", created),
	})

	// The other branches: gone nodes, unchanged ones, and persistent watches.
	m = New()
	tree = fakeTree{"/same": {5, 5}, "/kids": {5, 5}}
	got = m.SetWatches(1, Rewatch{
		RelativeZxid:        5,
		Data:                []string{"/gone", "/same"},
		Exist:               []string{"/absent"},
		Child:               []string{"/gone2", "/kids"},
		Persistent:          []string{"/p"},
		PersistentRecursive: []string{"/r"},
	}, tree)
	want = []Event{ev(1, deleted, "/gone"), ev(1, deleted, "/gone2")}
	if !slices.Equal(got, want) {
		t.Fatalf("SetWatches = %v, want %v", got, want)
	}
	run(t, m, []step{
		check(1, "/same", wire.WatcherData, nil),
		check(1, "/absent", wire.WatcherData, nil),
		check(1, "/kids", wire.WatcherChildren, nil),
		check(1, "/p", WatcherPersistent, nil),
		check(1, "/r", WatcherPersistentRecursive, nil),
		check(1, "/gone", wire.WatcherAny, ErrNoWatcher),
		fire("/absent", created, ev(1, created, "/absent")),
		fire("/r/x", changed, ev(1, changed, "/r/x")),
		fire("/p/x", created, ev(1, children, "/p")),
	})
}

// TestFourLetterWords checks the wchs/wchc/wchp renderings against the captures
// fourlw_wchs.json, fourlw_wchc.json and fourlw_wchp.json (one session holding a data
// watch on /fourlw/a and a child watch on /fourlw: only the data watch shows).
func TestFourLetterWords(t *testing.T) {
	m := New()
	m.Add(4, "/fourlw/a", KindData)
	m.Add(4, "/fourlw", KindChild)
	session := func(w WatcherID) int64 { return 0x100003e24820000 + int64(w) - 4 }
	if got, want := m.FormatWCHS(), "1 connections watching 1 paths\nTotal watches:1\n"; got != want {
		t.Errorf("wchs = %q, want %q", got, want)
	}
	if got, want := m.FormatWCHC(session), "0x100003e24820000\n\t/fourlw/a\n\n"; got != want {
		t.Errorf("wchc = %q, want %q", got, want)
	}
	if got, want := m.FormatWCHP(session), "/fourlw/a\n\t0x100003e24820000\n\n"; got != want {
		t.Errorf("wchp = %q, want %q", got, want)
	}
	if got := m.Count(); got != 2 {
		t.Errorf("Count = %d, want 2", got)
	}

	// Several watchers and paths come out sorted.
	m.Add(2, "/z", KindData)
	m.Add(2, "/b", KindPersistentRecursive)
	m.Add(6, "/b", KindPersistent)
	if got, want := m.FormatWCHS(), "3 connections watching 3 paths\nTotal watches:4\n"; got != want {
		t.Errorf("wchs = %q, want %q", got, want)
	}
	id := func(w WatcherID) int64 { return int64(w) }
	if got, want := m.FormatWCHC(id), "0x2\n\t/b\n\t/z\n0x4\n\t/fourlw/a\n0x6\n\t/b\n\n"; got != want {
		t.Errorf("wchc = %q, want %q", got, want)
	}
	if got, want := m.FormatWCHP(id), "/b\n\t0x2\n\t0x6\n/fourlw/a\n\t0x4\n/z\n\t0x2\n\n"; got != want {
		t.Errorf("wchp = %q, want %q", got, want)
	}
	if got := m.FormatWCHC(func(WatcherID) int64 { return -1 }); got[:19] != "0xffffffffffffffff\n" {
		t.Errorf("negative session id rendered %q", got)
	}
	m.RemoveWatcher(2)
	m.RemoveWatcher(4)
	m.RemoveWatcher(6)
	if got := m.FormatWCHS(); got != "0 connections watching 0 paths\nTotal watches:0\n" {
		t.Errorf("after disconnect: %q", got)
	}
	if m.Count() != 0 || m.data.recursive != 0 || len(m.child.byWatcher) != 0 {
		t.Errorf("tables not empty: %d %d %d", m.Count(), m.data.recursive, len(m.child.byWatcher))
	}
}

func TestParent(t *testing.T) {
	for path, want := range map[string]string{
		"/": "", "": "", "/a": "/", "/a/b": "/a", "/a/b/c": "/a/b", "/ab/c": "/ab",
		// Malformed paths (the pipeline rejects them first) still shrink to "".
		"x": "/", "//": "/", "a/b": "a", "/a/": "/a",
	} {
		if got := parent(path); got != want {
			t.Errorf("parent(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestMalformedPathsTerminate(t *testing.T) {
	m := New()
	m.Add(1, "/", KindPersistentRecursive)
	for _, p := range []string{"", "x", "//", "a/b", "/a/", "///"} {
		for _, typ := range []wire.EventType{created, deleted, changed, children} {
			m.Trigger(p, typ) // must return, whatever it fires
		}
	}
}

func TestKindForAddWatch(t *testing.T) {
	if k, err := KindForAddWatch(wire.AddWatchPersistent); k != KindPersistent || err != nil {
		t.Errorf("mode 0: %v, %v", k, err)
	}
	if k, err := KindForAddWatch(wire.AddWatchPersistentRecursive); k != KindPersistentRecursive || err != nil {
		t.Errorf("mode 1: %v, %v", k, err)
	}
	if _, err := KindForAddWatch(2); !errors.Is(err, ErrBadAddWatchMode) {
		t.Errorf("mode 2: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	for err, want := range map[*Error]wire.ErrCode{
		ErrNoWatcher: wire.ErrNoWatcher, ErrBadWatcherType: wire.ErrMarshallingError, ErrBadAddWatchMode: wire.ErrMarshallingError,
	} {
		if err.Code() != want {
			t.Errorf("%v: code %d, want %d", err, err.Code(), want)
		}
	}
}
