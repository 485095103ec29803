package watch

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/zksim/zksim/protocol/wire"
)

// model is the naive oracle: a set of (watcher, path, kind) registrations and the
// reference's §2.4 firing table applied watcher by watcher, with no indexes.
type model map[modelKey]bool

type modelKey struct {
	w    WatcherID
	path string
	kind Kind
}

// isAncestorOrSelf reports whether a is path or one of its ancestors.
func isAncestorOrSelf(a, path string) bool {
	return a == path || a == "/" || strings.HasPrefix(path, a+"/")
}

func (m model) watchers() []WatcherID {
	var ws []WatcherID
	for k := range m {
		ws = append(ws, k.w)
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

func (m model) recursiveCovers(w WatcherID, path string) bool {
	for k := range m {
		if k.w == w && k.kind == KindPersistentRecursive && isAncestorOrSelf(k.path, path) {
			return true
		}
	}
	return false
}

func (m model) trigger(path string, typ wire.EventType) []Event {
	var out []Event
	par := ""
	if path != "/" {
		par = path[:strings.LastIndexByte(path, '/')]
		if par == "" {
			par = "/"
		}
	}
	for _, w := range m.watchers() {
		own := func(kind Kind) bool { return m[modelKey{w, path, kind}] }
		var selfEvent bool
		switch typ {
		case created, changed:
			selfEvent = own(KindData) || own(KindPersistent) || m.recursiveCovers(w, path)
			delete(m, modelKey{w, path, KindData})
		case deleted:
			selfEvent = own(KindData) || own(KindChild) || own(KindPersistent) || m.recursiveCovers(w, path)
			delete(m, modelKey{w, path, KindData})
			delete(m, modelKey{w, path, KindChild})
		}
		if selfEvent {
			out = append(out, Event{w, typ, path})
		}
		if (typ == created || typ == deleted) && par != "" {
			if m[modelKey{w, par, KindChild}] || m[modelKey{w, par, KindPersistent}] {
				out = append(out, Event{w, children, par})
			}
			delete(m, modelKey{w, par, KindChild})
		}
	}
	return out
}

// kinds selected by a watcher type in check and remove.
func (m model) selected(wt wire.WatcherType) []Kind {
	switch wt {
	case wire.WatcherChildren:
		return []Kind{KindChild}
	case wire.WatcherData:
		return []Kind{KindData}
	case wire.WatcherAny:
		return []Kind{KindData, KindChild, KindPersistent, KindPersistentRecursive}
	case WatcherPersistent:
		return []Kind{KindPersistent}
	default:
		return []Kind{KindPersistentRecursive}
	}
}

func (m model) summary() Summary {
	ws, ps := map[WatcherID]bool{}, map[string]bool{}
	pairs := map[modelKey]bool{}
	for k := range m {
		if k.kind != KindChild {
			ws[k.w], ps[k.path] = true, true
			pairs[modelKey{k.w, k.path, 0}] = true
		}
	}
	return Summary{Watchers: len(ws), Paths: len(ps), Total: len(pairs)}
}

var modelPaths = []string{"/", "/a", "/a/b", "/a/b/c", "/a/bc", "/b", "/b/a"}

func TestTriggerMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := New()
		oracle := model{}
		path := rapid.SampledFrom(modelPaths)
		watcher := rapid.Custom(func(t *rapid.T) WatcherID { return WatcherID(rapid.IntRange(-1, 3).Draw(t, "w")) })
		for range rapid.IntRange(1, 100).Draw(t, "steps") {
			switch rapid.IntRange(0, 4).Draw(t, "op") {
			case 0, 1:
				w, p := watcher.Draw(t, "w"), path.Draw(t, "path")
				k := Kind(rapid.IntRange(1, 4).Draw(t, "kind"))
				if got, want := m.Add(w, p, k), !oracle[modelKey{w, p, k}]; got != want {
					t.Fatalf("Add(%d, %s, %d) = %v, want %v", w, p, k, got, want)
				}
				oracle[modelKey{w, p, k}] = true
			case 2:
				p := path.Draw(t, "path")
				typ := rapid.SampledFrom([]wire.EventType{created, deleted, changed}).Draw(t, "type")
				got := m.Trigger(p, typ)
				want := oracle.trigger(p, typ)
				if !slices.Equal(got, want) {
					t.Fatalf("Trigger(%s, %d) = %v, want %v", p, typ, got, want)
				}
			case 3:
				w, p := watcher.Draw(t, "w"), path.Draw(t, "path")
				wt := wire.WatcherType(rapid.IntRange(1, 5).Draw(t, "watcherType"))
				var had bool
				for _, k := range oracle.selected(wt) {
					had = had || oracle[modelKey{w, p, k}]
				}
				if rapid.Bool().Draw(t, "remove") {
					for _, k := range oracle.selected(wt) {
						delete(oracle, modelKey{w, p, k})
					}
					if err := m.Remove(w, p, wt); (err == nil) != had {
						t.Fatalf("Remove(%d, %s, %d) = %v, model had a watch: %v", w, p, wt, err, had)
					}
				} else if err := m.Check(w, p, wt); (err == nil) != had {
					t.Fatalf("Check(%d, %s, %d) = %v, model has a watch: %v", w, p, wt, err, had)
				}
			case 4:
				w := watcher.Draw(t, "w")
				m.RemoveWatcher(w)
				for k := range oracle {
					if k.w == w {
						delete(oracle, k)
					}
				}
			}
			if got, want := m.Summary(), oracle.summary(); got != want {
				t.Fatalf("Summary = %+v, model %+v", got, want)
			}
		}
	})
}

// BenchmarkTriggerFanOut fires a change on a path that 10,000 connections watch
// persistently.
func BenchmarkTriggerFanOut(b *testing.B) {
	m := New()
	for w := range WatcherID(10000) {
		m.Add(w, "/hot", KindPersistent)
	}
	b.ReportAllocs()
	for b.Loop() {
		if n := len(m.Trigger("/hot", changed)); n != 10000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkTriggerOneOf10k fires one of 10,000 one-shot data watches (each on its
// own path, with recursive watches present so the ancestor walk runs) and re-arms it.
func BenchmarkTriggerOneOf10k(b *testing.B) {
	m := New()
	paths := make([]string, 10000)
	for i := range paths {
		paths[i] = "/app/d" + strconv.Itoa(i%100) + "/n" + strconv.Itoa(i)
		m.Add(WatcherID(i), paths[i], KindData)
	}
	m.Add(-1, "/other", KindPersistentRecursive)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := paths[i%len(paths)]
		if n := len(m.Trigger(p, changed)); n != 1 {
			b.Fatal(n)
		}
		m.Add(WatcherID(i%len(paths)), p, KindData)
		i++
	}
}

// BenchmarkRemoveWatcher closes a connection holding 100 watches, among 10,000.
func BenchmarkRemoveWatcher(b *testing.B) {
	m := New()
	add := func(w WatcherID) {
		for j := range 100 {
			m.Add(w, "/n"+strconv.Itoa(j), KindData)
		}
	}
	for w := range WatcherID(100) {
		add(w)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.RemoveWatcher(7)
		add(7)
	}
}

func TestModelOrder(t *testing.T) {
	// The oracle must itself order events as the manager promises.
	m := model{{2, "/a", KindData}: true, {1, "/", KindChild}: true, {1, "/a", KindData}: true}
	got := m.trigger("/a", deleted)
	want := []Event{{1, deleted, "/a"}, {1, children, "/"}, {2, deleted, "/a"}}
	if !slices.Equal(got, want) {
		t.Fatalf("model trigger = %v, want %v", got, want)
	}
}
