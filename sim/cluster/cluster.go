package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/zksim/zksim/checker"
	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/sim"
	"github.com/zksim/zksim/sim/zkclient"
)

// ErrConfig reports an invalid cluster configuration.
var ErrConfig = errors.New("cluster: invalid config")

// Config describes a cluster: its servers, its clients and their settings.
type Config struct {
	// Servers is the number of voting servers: 1 with no observers is a standalone
	// server, anything more an ensemble.
	Servers int
	// Observers is the number of non-voting members.
	Observers int
	// Clients is the number of simulated client nodes.
	Clients int
	// Peer configures every server's Peer (tickTime, session timeout bounds, snapCount…);
	// ServerID is filled in per server.
	Peer protocol.Config
	// TickInterval is how often servers tick their Peer (default TickTime/2).
	TickInterval time.Duration
	// MaxFrame bounds client frames on both sides (default wire.MaxBuffer).
	MaxFrame int
	// SessionTimeout is what clients ask for (default 10s).
	SessionTimeout time.Duration
	// OnExpiry is the clients' policy when their session expires.
	OnExpiry zkclient.ExpiryPolicy
	// Workload builds the workload of client i (0-based) for each incarnation of its
	// node; nil leaves clients idle.
	Workload func(i int) zkclient.Workload
}

// Cluster is a set of servers and clients in one world, with what they recorded.
type Cluster struct {
	w       *sim.World
	cfg     Config
	servers []sim.NodeID
	clients []sim.NodeID
	readers int // clients the final read back added
	records map[sim.NodeID]*NodeRecord
	rec     *zkclient.Recorder
}

// New adds the cluster's nodes to w: servers first, then clients.
func New(w *sim.World, cfg Config) (*Cluster, error) {
	if cfg.Servers < 1 || cfg.Observers < 0 || cfg.Servers+cfg.Observers > 254 {
		return nil, fmt.Errorf("%w: %d voters and %d observers", ErrConfig, cfg.Servers, cfg.Observers)
	}
	if cfg.Clients < 0 {
		return nil, fmt.Errorf("%w: %d clients", ErrConfig, cfg.Clients)
	}
	total := cfg.Servers + cfg.Observers
	var members []protocol.Member
	if total > 1 {
		for i := range total {
			members = append(members, protocol.Member{ID: int64(i + 1), Observer: i >= cfg.Servers})
		}
	}
	nodes := map[int64]sim.NodeID{}
	now := func() int64 { return int64(w.Now()) }
	c := &Cluster{
		w:       w,
		cfg:     cfg,
		records: map[sim.NodeID]*NodeRecord{},
		rec:     zkclient.NewRecorder(now),
	}
	for i := range total {
		pc := cfg.Peer
		pc.ServerID = int64(i + 1)
		pc.Members = members
		rec := &NodeRecord{now: now}
		id, err := w.AddNode(sim.KindServer, func(n sim.NodeID) sim.Process {
			return NewHost(HostConfig{
				Peer:         pc,
				Servers:      nodes,
				TickInterval: cfg.TickInterval,
				MaxFrame:     cfg.MaxFrame,
				Record:       rec,
				Halt:         func() { _ = w.Crash(n) },
			})
		})
		if err != nil {
			return nil, err
		}
		rec.node = int(id)
		nodes[pc.ServerID] = id
		c.records[id] = rec
		c.servers = append(c.servers, id)
	}
	for i := range cfg.Clients {
		id, err := w.AddNode(sim.KindClient, func(n sim.NodeID) sim.Process {
			var wl zkclient.Workload
			if cfg.Workload != nil {
				wl = cfg.Workload(i)
			}
			return zkclient.New(zkclient.Config{
				ID:             i,
				Servers:        c.servers,
				SessionTimeout: cfg.SessionTimeout,
				OnExpiry:       cfg.OnExpiry,
				MaxFrame:       cfg.MaxFrame,
				Recorder:       c.rec,
				Workload:       wl,
			})
		})
		if err != nil {
			return nil, err
		}
		c.clients = append(c.clients, id)
	}
	return c, nil
}

// World is the world the cluster lives in.
func (c *Cluster) World() *sim.World { return c.w }

// Servers lists the server nodes.
func (c *Cluster) Servers() []sim.NodeID { return append([]sim.NodeID(nil), c.servers...) }

// Clients lists the client nodes; client i of the history is Clients()[i].
func (c *Cluster) Clients() []sim.NodeID { return append([]sim.NodeID(nil), c.clients...) }

// Recorder is the clients' shared history recorder.
func (c *Cluster) Recorder() *zkclient.Recorder { return c.rec }

// History is the clients' history so far.
func (c *Cluster) History() checker.History { return c.rec.History() }

// Host returns the server's current host (nil while crashed).
func (c *Cluster) Host(id sim.NodeID) *Host {
	p, err := c.w.Process(id)
	if err != nil {
		return nil
	}
	h, _ := p.(*Host)
	return h
}

// Client returns the client node's current process (nil while crashed).
func (c *Cluster) Client(id sim.NodeID) *zkclient.Client {
	p, err := c.w.Process(id)
	if err != nil {
		return nil
	}
	cl, _ := p.(*zkclient.Client)
	return cl
}

// NodeStatus is a server's state for checkers and traces.
type NodeStatus struct {
	Node  sim.NodeID
	State sim.NodeState
	// Serves: the process is up, recovered and not halted.
	Serves bool
	// Mode is the Peer's mode ("standalone", "leader", "follower", "observer",
	// "looking"); empty when not serving.
	Mode string
	// Epoch and Leader are an ensemble member's ZAB state; Serving is false while it
	// refuses clients (election, sync).
	Epoch   int64
	Leader  int64
	Serving bool
	Zxid    int64
	Digest  uint64
}

// ServesClients reports whether the process is up and serving clients (synced with an
// established leader, or standalone).
func (s NodeStatus) ServesClients() bool { return s.Serves && s.Serving }

// Status reports a server's state.
func (c *Cluster) Status(id sim.NodeID) NodeStatus {
	st := NodeStatus{Node: id}
	st.State, _ = c.w.State(id)
	if h := c.Host(id); h != nil && h.peer != nil && !h.halted {
		ps := h.peer.Status()
		st.Serves, st.Mode, st.Zxid, st.Digest = true, ps.Mode, ps.LastZxid, ps.Digest
		st.Epoch, st.Leader, st.Serving = ps.Epoch, ps.Leader, ps.Serving
	}
	return st
}

// Leader returns the server that leads an established, serving epoch (the
// standalone server counts as its own leader).
func (c *Cluster) Leader() (sim.NodeID, bool) {
	for _, id := range c.servers {
		st := c.Status(id)
		if st.ServesClients() && (st.Mode == "leader" || st.Mode == "standalone") {
			return id, true
		}
	}
	return 0, false
}

// Faults returns the faults a server stopped on.
func (c *Cluster) Faults(id sim.NodeID) []Fault {
	if r := c.records[id]; r != nil {
		return r.Faults()
	}
	return nil
}

// Repairs returns the storage repairs a server made when it restarted.
func (c *Cluster) Repairs(id sim.NodeID) []Fault {
	if r := c.records[id]; r != nil {
		return r.Repairs()
	}
	return nil
}

// StopClients crashes every client node, so the servers can settle before their final
// states are compared: their sessions then expire on their own. Operations in flight
// stay unknown.
func (c *Cluster) StopClients() {
	for _, id := range c.clients {
		if st, _ := c.w.State(id); st != sim.StateCrashed {
			_ = c.w.Crash(id)
		}
	}
}

// PowerCycle crashes every server at once and boots each again from its disk, as
// after a power loss of the whole ensemble: what the members serve afterwards is what
// their storage kept.
func (c *Cluster) PowerCycle() error {
	for _, id := range c.servers {
		if st, _ := c.w.State(id); st != sim.StateCrashed {
			if err := c.w.Crash(id); err != nil {
				return err
			}
		}
	}
	for _, id := range c.servers {
		if err := c.w.Restart(id); err != nil {
			return err
		}
	}
	return nil
}

// AllServing reports whether every server serves clients (synced with an
// established leader, or standalone).
func (c *Cluster) AllServing() bool {
	for _, id := range c.servers {
		if !c.Status(id).ServesClients() {
			return false
		}
	}
	return true
}

// ReadBack adds, for every member serving now, a client bound to that member alone
// that reads paths back (zkclient.ReadBack) and then closes its session; done is
// called as each finishes. It returns how many clients it added. Their operations go
// to the same history, under client ids after the workload's.
func (c *Cluster) ReadBack(paths []string, done func()) (int, error) {
	added := 0
	for _, server := range c.servers {
		if !c.Status(server).ServesClients() {
			continue
		}
		clientID := c.cfg.Clients + c.readers
		_, err := c.w.AddNode(sim.KindClient, func(sim.NodeID) sim.Process {
			return zkclient.New(zkclient.Config{
				ID:             clientID,
				Servers:        []sim.NodeID{server},
				SessionTimeout: c.cfg.SessionTimeout,
				MaxFrame:       c.cfg.MaxFrame,
				Recorder:       c.rec,
				Workload:       &zkclient.ReadBack{Paths: paths, Done: done},
			})
		})
		if err != nil {
			return added, err
		}
		c.readers++
		added++
	}
	return added, nil
}

// NodeLogs returns every server's own log, for checker.Check. Serving nodes end with
// their final state, which the convergence check compares: take the logs once the
// cluster has settled (StopClients, then run past the session timeout).
func (c *Cluster) NodeLogs() []checker.NodeLog {
	out := make([]checker.NodeLog, 0, len(c.servers))
	for _, id := range c.servers {
		// A member still electing or syncing has not loaded its state: only a serving
		// one has a final state to compare.
		st := c.Status(id)
		out = append(out, c.records[id].Log(st.ServesClients(), st.Digest, st.Zxid))
	}
	return out
}
