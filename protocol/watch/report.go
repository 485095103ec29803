package watch

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The four-letter words wchs, wchc and wchp describe the data-watch table only, as
// ZooKeeper's do; child watches do not appear in them.

// Summary is what wchs reports.
type Summary struct {
	Watchers int // connections holding at least one data watch
	Paths    int // paths with at least one data watch
	Total    int // (path, watcher) pairs
}

// Summary counts the data-watch table.
func (m *Manager) Summary() Summary {
	s := Summary{Watchers: len(m.data.byWatcher), Paths: len(m.data.byPath)}
	for _, ps := range m.data.byWatcher {
		s.Total += len(ps)
	}
	return s
}

// WatcherPaths is one watcher and the paths it watches.
type WatcherPaths struct {
	Watcher WatcherID
	Paths   []string
}

// ByWatcher lists the data watches per watcher, watchers and paths sorted.
func (m *Manager) ByWatcher() []WatcherPaths {
	out := make([]WatcherPaths, 0, len(m.data.byWatcher))
	for _, w := range slices.Sorted(maps.Keys(m.data.byWatcher)) {
		out = append(out, WatcherPaths{Watcher: w, Paths: slices.Sorted(maps.Keys(m.data.byWatcher[w]))})
	}
	return out
}

// PathWatchers is one path and the watchers on it.
type PathWatchers struct {
	Path     string
	Watchers []WatcherID
}

// ByPath lists the data watches per path, paths and watchers sorted.
func (m *Manager) ByPath() []PathWatchers {
	out := make([]PathWatchers, 0, len(m.data.byPath))
	for _, p := range slices.Sorted(maps.Keys(m.data.byPath)) {
		out = append(out, PathWatchers{Path: p, Watchers: slices.Sorted(maps.Keys(m.data.byPath[p]))})
	}
	return out
}

// FormatWCHS renders the wchs reply: "<n> connections watching <m> paths\nTotal
// watches:<k>\n".
func (m *Manager) FormatWCHS() string {
	s := m.Summary()
	return strconv.Itoa(s.Watchers) + " connections watching " + strconv.Itoa(s.Paths) +
		" paths\nTotal watches:" + strconv.Itoa(s.Total) + "\n"
}

// FormatWCHC renders the wchc reply: per watcher, its session id in hex and then one
// tab-indented line per path, then a blank line. sessionOf maps a watcher to the
// session of its connection.
func (m *Manager) FormatWCHC(sessionOf func(WatcherID) int64) string {
	var b strings.Builder
	for _, wp := range m.ByWatcher() {
		b.WriteString(hexID(sessionOf(wp.Watcher)))
		b.WriteByte('\n')
		for _, p := range wp.Paths {
			b.WriteString("\t" + p + "\n")
		}
	}
	b.WriteByte('\n')
	return b.String()
}

// FormatWCHP renders the wchp reply: per path, the path and then one tab-indented
// session id per watcher, then a blank line.
func (m *Manager) FormatWCHP(sessionOf func(WatcherID) int64) string {
	var b strings.Builder
	for _, pw := range m.ByPath() {
		b.WriteString(pw.Path + "\n")
		for _, w := range pw.Watchers {
			b.WriteString("\t" + hexID(sessionOf(w)) + "\n")
		}
	}
	b.WriteByte('\n')
	return b.String()
}

// hexID formats a session id as Java's "0x" + Long.toHexString: unsigned, lowercase,
// no padding.
func hexID(id int64) string { return "0x" + strconv.FormatUint(uint64(id), 16) }
