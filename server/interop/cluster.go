//go:build interop

package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// ErrNoWrite reports a cluster that did not acknowledge a write in time.
var ErrNoWrite = errors.New("interop: no write acknowledged")

// Cluster is what a benchmark measures: one standalone server, or an ensemble
// of members on loopback, each a process of its own.
type Cluster struct {
	Kind    Kind
	Members []*Process
	// Answering is the time from starting the first process until every member
	// answered a four-letter word, serving or not.
	Answering time.Duration
	// Ready is the time from starting the first process until a client's write
	// was acknowledged.
	Ready time.Duration
}

// quorumCfg is what an ensemble member's zoo.cfg adds to zooCfg: zkServer.sh's
// sample limits and the server lines.
const quorumCfg = "initLimit=10\nsyncLimit=5\n"

// StartCluster starts n members of kind under dir (n == 1: a standalone server),
// all at once, and waits until a write through one of them is acknowledged. bin
// is the zkserver binary; Apache ZooKeeper needs none.
func StartCluster(ctx context.Context, kind Kind, bin, dir string, n int) (*Cluster, error) {
	command := apacheCommand()
	if kind == Zksim {
		command = zkserverCommand(bin)
	}
	ports, err := freePorts(3 * n)
	if err != nil {
		return nil, err
	}
	var servers strings.Builder
	if n > 1 {
		servers.WriteString(quorumCfg)
		for i := range n {
			fmt.Fprintf(&servers, "server.%d=127.0.0.1:%d:%d\n", i+1, ports[n+2*i], ports[n+2*i+1])
		}
	}
	c := &Cluster{Kind: kind}
	for i := range n {
		mdir := filepath.Join(dir, "member"+strconv.Itoa(i+1))
		data := filepath.Join(mdir, "data")
		p, err := newProcess(kind, mdir, ports[i], zooCfg(data, ports[i])+servers.String(), command)
		if err == nil && n > 1 {
			err = os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(i+1)+"\n"), 0o644)
		}
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("interop: %w", err)
		}
		c.Members = append(c.Members, p)
	}
	var began time.Time
	for i, p := range c.Members {
		at, err := p.spawn()
		if err != nil {
			c.Stop()
			return nil, err
		}
		if i == 0 {
			began = at
		}
	}
	answering, at, err := c.awaitWrite(ctx, 90*time.Second)
	if err != nil {
		err = fmt.Errorf("%w: %s: %v%s", ErrNoWrite, kind, err, c.logs())
		c.Stop()
		return nil, err
	}
	c.Answering, c.Ready = answering.Sub(began), at.Sub(began)
	return c, nil
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	seen := make(map[int]bool, n)
	var ports []int
	for len(ports) < n {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// awaitWrite polls every member's srvr, which is cheap, until one says it serves,
// then writes through that member. It returns when every member first answered
// srvr, serving or not, and when the first write was acknowledged.
func (c *Cluster) awaitWrite(ctx context.Context, limit time.Duration) (answering, written time.Time, err error) {
	deadline := time.Now().Add(limit)
	answered := make([]bool, len(c.Members))
	for {
		for i, p := range c.Members {
			select {
			case err := <-p.waitErr:
				p.waitErr <- err
				return answering, written, fmt.Errorf("%s exited: %v", p.Addr, err)
			default:
			}
			if answered[i] && !written.IsZero() {
				continue
			}
			mode, ok := srvrMode(p.Addr)
			if ok && !answered[i] {
				answered[i], answering = true, time.Now()
			}
			if !written.IsZero() || (mode != "leader" && mode != "follower" && mode != "standalone") {
				continue
			}
			if at, err := writeOnce(ctx, p.Addr, "/zkbench-ready", time.Second); err == nil {
				written = at
			}
		}
		if !written.IsZero() && !slices.Contains(answered, false) {
			return answering, written, nil
		}
		if err := ctx.Err(); err != nil {
			return answering, written, err
		}
		if time.Now().After(deadline) {
			return answering, written, fmt.Errorf("none within %v", limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Mode is the Mode line of addr's srvr ("leader", "follower", "standalone", ...);
// "" when it does not answer with one (not serving, not running).
func Mode(addr string) string {
	mode, _ := srvrMode(addr)
	return mode
}

// srvrMode is Mode, and whether addr answered srvr at all.
func srvrMode(addr string) (mode string, answered bool) {
	reply, err := FourLetterWord(addr, "srvr", time.Second)
	if reply == "" && err != nil {
		return "", false
	}
	_, rest, ok := strings.Cut(reply, "\nMode: ")
	if !ok {
		return "", true
	}
	mode, _, _ = strings.Cut(rest, "\n")
	return mode, true
}

// writeOnce opens a session to addr and creates path (an existing path counts as
// written: an earlier attempt got there), all within limit. It returns when the
// reply came, before the session is closed.
func writeOnce(ctx context.Context, addr, path string, limit time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		return time.Time{}, err
	}
	// Closing the connection fails a request still waiting for its reply.
	stop := context.AfterFunc(ctx, conn.Close)
	defer stop()
	defer conn.Close()
	if err := awaitSession(ctx, events); err != nil {
		return time.Time{}, err
	}
	_, err = conn.Create(path, nil, 0, zk.WorldACL(zk.PermAll))
	at := time.Now()
	if errors.Is(err, zk.ErrNodeExists) {
		err = nil
	}
	return at, err
}

// Addrs lists the members' client addresses in member order.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Members))
	for i, p := range c.Members {
		addrs[i] = p.Addr
	}
	return addrs
}

// Leader is the number (1-based, as in server.N) of the member whose srvr says
// it leads, or 0 when none does (a standalone server, an election).
func (c *Cluster) Leader() int {
	for i, p := range c.Members {
		if Mode(p.Addr) == "leader" {
			return i + 1
		}
	}
	return 0
}

// RSS is the sum of the members' resident set sizes.
func (c *Cluster) RSS() (int64, error) {
	var sum int64
	for _, p := range c.Members {
		rss, err := p.RSS()
		if err != nil {
			return 0, err
		}
		sum += rss
	}
	return sum, nil
}

// Stop kills every member; it is safe to call more than once.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, p := range c.Members {
		wg.Go(p.Stop)
	}
	wg.Wait()
}

// logs is every member's log, for an error message.
func (c *Cluster) logs() string {
	var b strings.Builder
	for i, p := range c.Members {
		fmt.Fprintf(&b, "\n--- member %d (%s) log:\n%s", i+1, p.Addr, p.Log())
	}
	return b.String()
}
