package watch

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol/wire"
)

// captureFile is the part of a zk38-wire capture the replay reads.
type captureFile struct {
	Case   string `json:"case"`
	Frames []struct {
		Conn    int    `json:"conn"`
		Dir     string `json:"dir"`
		Decoded struct {
			Kind string `json:"kind"`
			Xid  int32  `json:"xid"`
			Op   string `json:"op"`
			Err  int32  `json:"err"`
			Body struct {
				Path        string `json:"path"`
				Watch       bool   `json:"watch"`
				Flags       int32  `json:"flags"`
				Mode        int32  `json:"mode"`
				WatcherType int32  `json:"watcherType"`
			} `json:"body"`
			Event struct {
				Type int32  `json:"type"`
				Path string `json:"path"`
			} `json:"event"`
		} `json:"decoded"`
	} `json:"frames"`
}

// TestReplayCaptures drives the manager with the requests of real ZooKeeper 3.8.0
// sessions (testdata/zk38-wire, copied from the shared captures) and checks that it
// produces exactly the notifications the server sent, connection by connection, and
// the same checkWatches/removeWatches results. Only captures in which every change
// comes from a recorded connection are replayed. Each connection is one watcher.
func TestReplayCaptures(t *testing.T) {
	files, err := filepath.Glob("testdata/zk38-wire/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("captures: %v, %d files", err, len(files))
	}
	notifications := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c captureFile
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		t.Run(c.Case, func(t *testing.T) { notifications += replay(t, c) })
	}
	if notifications < 20 {
		t.Errorf("only %d notifications replayed", notifications)
	}
}

func replay(t *testing.T, c captureFile) int {
	type key struct {
		conn int
		xid  int32
	}
	// Replies by (connection, xid), so a request can look at its outcome.
	replies := map[key]int32{}
	createdPath := map[key]string{}
	var sent []Event // notifications the real server sent, in order
	for _, f := range c.Frames {
		d := f.Decoded
		switch {
		case f.Dir == "s2c" && d.Kind == "Reply":
			replies[key{f.Conn, d.Xid}] = d.Err
			createdPath[key{f.Conn, d.Xid}] = d.Body.Path
		case f.Dir == "s2c" && d.Xid == -1:
			sent = append(sent, Event{WatcherID(f.Conn), wire.EventType(d.Event.Type), d.Event.Path})
		}
	}

	m := New()
	var got []Event
	ephemerals := map[int][]string{}
	for _, f := range c.Frames {
		d := f.Decoded
		if f.Dir != "c2s" || d.Kind != "Request" {
			continue
		}
		w := WatcherID(f.Conn)
		reply, answered := replies[key{f.Conn, d.Xid}]
		ok := answered && reply == 0
		p := d.Body.Path
		switch d.Op {
		case "exists":
			if d.Body.Watch && (ok || reply == int32(wire.ErrNoNode)) {
				m.Add(w, p, KindExist)
			}
		case "getData":
			if d.Body.Watch && ok {
				m.Add(w, p, KindData)
			}
		case "getChildren", "getChildren2":
			if d.Body.Watch && ok {
				m.Add(w, p, KindChild)
			}
		case "addWatch":
			k, err := KindForAddWatch(wire.AddWatchMode(d.Body.Mode))
			if err != nil {
				t.Fatal(err)
			}
			m.Add(w, p, k)
		case "create":
			if ok {
				p = createdPath[key{f.Conn, d.Xid}]
				got = append(got, m.Trigger(p, wire.EventNodeCreated)...)
				if d.Body.Flags&1 != 0 {
					ephemerals[f.Conn] = append(ephemerals[f.Conn], p)
				}
			}
		case "delete":
			if ok {
				got = append(got, m.Trigger(p, wire.EventNodeDeleted)...)
			}
		case "setData":
			if ok {
				got = append(got, m.Trigger(p, wire.EventNodeDataChanged)...)
			}
		case "checkWatches", "removeWatches":
			op := m.Check
			if d.Op == "removeWatches" {
				op = m.Remove
			}
			var code int32
			var coded *Error
			if err := op(w, p, wire.WatcherType(d.Body.WatcherType)); errors.As(err, &coded) {
				code = int32(coded.Code())
			} else if err != nil {
				t.Fatalf("%s: uncoded error %v", d.Op, err)
			}
			if code != reply {
				t.Errorf("%s(%s, type %d) = %d, server said %d", d.Op, p, d.Body.WatcherType, code, reply)
			}
		case "closeSession":
			// The closeSession transaction deletes the ephemerals (firing watches as
			// usual), then the connection closes.
			for _, e := range ephemerals[f.Conn] {
				got = append(got, m.Trigger(e, wire.EventNodeDeleted)...)
			}
			m.RemoveWatcher(w)
		}
	}
	if !slices.Equal(got, sent) {
		t.Errorf("notifications:\n got  %v\n sent %v", got, sent)
	}
	return len(sent)
}
