package zkclient

import (
	"fmt"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol/acl"
	"github.com/zksim/zksim/protocol/wire"
)

// toWire turns a history request into the wire request a real client sends. Top-level
// creates use create2 so the reply carries the new node's Stat; getChildren uses
// getChildren2 for the same reason. Inside a multi, creates are plain creates.
func toWire(r checker.Request, top bool) (wire.Request, wire.OpCode, error) {
	switch r.Kind {
	case checker.OpCreate:
		mode := wire.ModePersistent
		switch {
		case r.Ephemeral && r.Sequential:
			mode = wire.ModeEphemeralSequential
		case r.Ephemeral:
			mode = wire.ModeEphemeral
		case r.Sequential:
			mode = wire.ModePersistentSequential
		}
		op := wire.OpCreate2
		if !top {
			op = wire.OpCreate
		}
		return &wire.CreateRequest{Op: op, Path: r.Path, Data: []byte(r.Data), ACL: acl.OpenACL(), Flags: mode}, op, nil
	case checker.OpDelete:
		return &wire.DeleteRequest{Path: r.Path, Version: r.Version}, wire.OpDelete, nil
	case checker.OpSetData:
		return &wire.SetDataRequest{Path: r.Path, Data: []byte(r.Data), Version: r.Version}, wire.OpSetData, nil
	case checker.OpGetData:
		if top {
			return &wire.GetDataRequest{Path: r.Path, Watch: r.Watch}, wire.OpGetData, nil
		}
	case checker.OpExists:
		if top {
			return &wire.ExistsRequest{Path: r.Path, Watch: r.Watch}, wire.OpExists, nil
		}
	case checker.OpGetChildren:
		if top {
			return &wire.GetChildren2Request{Path: r.Path, Watch: r.Watch}, wire.OpGetChildren2, nil
		}
	case checker.OpSync:
		if top {
			return &wire.SyncRequest{Path: r.Path}, wire.OpSync, nil
		}
	case checker.OpCheck:
		// A top-level check gets no reply from a real 3.8 server; only multi carries it.
		if !top {
			return &wire.CheckVersionRequest{Path: r.Path, Version: r.Version}, wire.OpCheck, nil
		}
	case checker.OpMulti:
		if top {
			m := &wire.MultiRequest{Op: wire.OpMulti}
			for i, sub := range r.Ops {
				w, _, err := toWire(sub, false)
				if err != nil {
					return nil, 0, fmt.Errorf("multi sub-op %d: %w", i, err)
				}
				m.Ops = append(m.Ops, w)
			}
			return m, wire.OpMulti, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: %v (top level %v)", ErrBadRequest, r.Kind, top)
}

func fromStat(s wire.Stat) checker.Stat {
	return checker.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Pzxid: s.Pzxid, Version: s.Version,
		Cversion: s.Cversion, EphemeralOwner: s.EphemeralOwner, NumChildren: s.NumChildren}
}

// fromWire turns a reply into the history's response.
func fromWire(req checker.Request, code wire.ErrCode, resp wire.Response) checker.Response {
	out := checker.Response{Err: checker.ErrCode(code)}
	if code != wire.ErrOK {
		return out
	}
	switch r := resp.(type) {
	case *wire.Create2Response:
		out.Path, out.HasStat, out.Stat = r.Path, true, fromStat(r.Stat)
	case *wire.PathResponse:
		if req.Kind == checker.OpCreate {
			out.Path = r.Path
		}
	case *wire.StatResponse:
		out.HasStat, out.Stat = true, fromStat(r.Stat)
	case *wire.GetDataResponse:
		out.Data, out.HasStat, out.Stat = string(r.Data), true, fromStat(r.Stat)
	case *wire.GetChildren2Response:
		out.Children, out.HasStat, out.Stat = r.Children, true, fromStat(r.Stat)
		if out.Children == nil {
			out.Children = []string{}
		}
	case *wire.GetChildrenResponse:
		out.Children = r.Children
	case *wire.MultiResponse:
		for i, res := range r.Results {
			var sub checker.Request
			if i < len(req.Ops) {
				sub = req.Ops[i]
			}
			if res.Op == wire.OpError {
				out.Results = append(out.Results, checker.Response{Err: checker.ErrCode(res.Err)})
				continue
			}
			out.Results = append(out.Results, fromWire(sub, wire.ErrOK, res.Resp))
		}
	}
	return out
}
