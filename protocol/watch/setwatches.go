package watch

import "github.com/zksim/zksim/protocol/wire"

// Tree is the view of the data tree that SetWatches needs.
type Tree interface {
	// Zxids returns the mzxid (last data change) and pzxid (last child change) of
	// path, and false if path does not exist.
	Zxids(path string) (mzxid, pzxid int64, ok bool)
}

// Rewatch is the content of a setWatches or setWatches2 request, sent by a client
// that reconnects. RelativeZxid is the last zxid the client saw.
type Rewatch struct {
	RelativeZxid        int64
	Data                []string
	Exist               []string
	Child               []string
	Persistent          []string
	PersistentRecursive []string
}

// SetWatches re-registers a reconnecting client's watches for watcher w. Watches whose
// node changed after RelativeZxid are not registered; their events are returned, to be
// sent now, in request order: data watches, then exist watches, then child watches
// (DataTree.setWatches):
//
//   - data: node gone → NodeDeleted; mzxid > RelativeZxid → NodeDataChanged; else register.
//   - exist: node exists → NodeCreated; else register.
//   - child: node gone → NodeDeleted; pzxid > RelativeZxid → NodeChildrenChanged; else register.
//   - persistent and persistent-recursive: always registered.
func (m *Manager) SetWatches(w WatcherID, req Rewatch, tree Tree) []Event {
	var out []Event
	send := func(typ wire.EventType, path string) {
		out = append(out, Event{Watcher: w, Type: typ, Path: path})
	}
	for _, p := range req.Data {
		switch mzxid, _, ok := tree.Zxids(p); {
		case !ok:
			send(wire.EventNodeDeleted, p)
		case mzxid > req.RelativeZxid:
			send(wire.EventNodeDataChanged, p)
		default:
			m.Add(w, p, KindData)
		}
	}
	for _, p := range req.Exist {
		if _, _, ok := tree.Zxids(p); ok {
			send(wire.EventNodeCreated, p)
		} else {
			m.Add(w, p, KindData)
		}
	}
	for _, p := range req.Child {
		switch _, pzxid, ok := tree.Zxids(p); {
		case !ok:
			send(wire.EventNodeDeleted, p)
		case pzxid > req.RelativeZxid:
			send(wire.EventNodeChildrenChanged, p)
		default:
			m.Add(w, p, KindChild)
		}
	}
	for _, p := range req.Persistent {
		m.Add(w, p, KindPersistent)
	}
	for _, p := range req.PersistentRecursive {
		m.Add(w, p, KindPersistentRecursive)
	}
	return out
}
