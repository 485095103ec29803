package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksim/zksim/server/config"
)

// freeLoopbackPort picks a free port below the kernel's ephemeral range, so that no
// outgoing connection takes it before the member that owns it (re)starts.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// ensemble is n members on loopback, each with its own dataDir.
type ensemble struct {
	t         *testing.T
	observers int    // the last members observe
	extra     string // more zoo.cfg lines
	dirs      []string
	clients   []int
	servers   string // the server.N lines
	cancel    []context.CancelFunc
	done      []chan error
}

// newEnsemble lays out n members, the last observers of which observe.
func newEnsemble(t *testing.T, n, observers int) *ensemble {
	t.Helper()
	e := &ensemble{t: t, observers: observers, cancel: make([]context.CancelFunc, n), done: make([]chan error, n)}
	var lines strings.Builder
	for i := range n {
		e.dirs = append(e.dirs, t.TempDir())
		e.clients = append(e.clients, freeLoopbackPort(t))
		fmt.Fprintf(&lines, "server.%d=127.0.0.1:%d:%d", i+1, freeLoopbackPort(t), freeLoopbackPort(t))
		if i >= n-observers {
			lines.WriteString(":observer")
		}
		lines.WriteString("\n")
	}
	e.servers = lines.String()
	t.Cleanup(func() {
		for i := range n {
			e.stop(i)
		}
	})
	return e
}

// runEnsemble starts n members, the last observers of which observe, with more
// zoo.cfg lines; elections take a while, so -short skips it.
func runEnsemble(t *testing.T, n, observers int, extra string) *ensemble {
	t.Helper()
	if testing.Short() {
		t.Skip("elections take seconds")
	}
	e := newEnsemble(t, n, observers)
	e.extra = extra
	for i := range n {
		e.start(i)
	}
	return e
}

func (e *ensemble) addr(i int) string { return "127.0.0.1:" + strconv.Itoa(e.clients[i]) }

func (e *ensemble) start(i int) {
	e.t.Helper()
	text := fmt.Sprintf("tickTime=200\ninitLimit=20\nsyncLimit=10\nmaxClientCnxns=0\n4lw.commands.whitelist=*\n"+
		"dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n%s", e.dirs[i], e.clients[i], e.servers)
	if i >= len(e.dirs)-e.observers {
		text += "peerType=observer\n"
	}
	text += e.extra
	cfg, err := config.Parse("zoo.cfg", []byte(text))
	if err == nil {
		err = cfg.UseMyID("myid", []byte(strconv.Itoa(i+1)))
	}
	if err != nil {
		e.t.Fatal(err)
	}
	srv, err := New(cfg, Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	e.cancel[i], e.done[i] = cancel, done
}

func (e *ensemble) stop(i int) {
	if e.cancel[i] == nil {
		return
	}
	e.cancel[i]()
	if err := <-e.done[i]; err != nil {
		e.t.Errorf("member %d: %v", i+1, err)
	}
	e.cancel[i] = nil
}

// mode asks a member for its Mode line; "" when it does not answer with one.
func (e *ensemble) mode(i int) string {
	nc, err := net.DialTimeout("tcp", e.addr(i), time.Second)
	if err != nil {
		return ""
	}
	out := fourLetterOn(nc, "srvr")
	nc.Close()
	_, rest, ok := strings.Cut(string(out), "Mode: ")
	if !ok {
		return ""
	}
	m, _, _ := strings.Cut(rest, "\n")
	return m
}

// waitRoles waits until the running members listed report one leader and followers,
// and returns the leader's index.
func (e *ensemble) waitRoles(members ...int) int {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, followers := -1, 0
		var modes []string
		for _, i := range members {
			m := e.mode(i)
			modes = append(modes, m)
			switch m {
			case "leader":
				leader = i
			case "follower":
				followers++
			}
		}
		if leader >= 0 && followers == len(members)-1 {
			return leader
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no leader with followers among members %v: modes %v", members, modes)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEnsembleElectsReplicatesAndFailsOver runs three members on loopback: they elect
// a leader, a write through one follower is read through the other, the leader is
// stopped and the others elect a new one and keep serving, and the old leader rejoins
// and catches up.
func TestEnsembleElectsReplicatesAndFailsOver(t *testing.T) {
	e := runEnsemble(t, 3, 0, "")
	leader := e.waitRoles(0, 1, 2)
	var followers []int
	for i := range 3 {
		if i != leader {
			followers = append(followers, i)
		}
	}
	a := connect(t, e.addr(followers[0]), 10*time.Second)
	b := connect(t, e.addr(followers[1]), 10*time.Second)
	must(a.Create("/e", []byte("1"), 0, open))(t)
	must(b.Sync("/e"))(t)
	if data, _ := must2(b.Get("/e"))(t); string(data) != "1" {
		t.Fatalf("read through the other follower: %q", data)
	}

	// The leader's srvr reports the sizes of its proposals.
	if srvr := fourLetter(t, e.addr(leader), "srvr"); !strings.Contains(srvr, "Mode: leader\nNode count: ") ||
		!strings.Contains(srvr, "\nProposal sizes last/min/max: ") || strings.Contains(srvr, "last/min/max: -1/") {
		t.Errorf("leader's srvr:\n%s", srvr)
	}

	e.stop(leader)
	newLeader := e.waitRoles(followers...)
	t.Logf("leader %d stopped; %d leads now", leader+1, newLeader+1)
	c := connect(t, e.addr(followers[0]), 10*time.Second)
	must(c.Create("/after-failover", []byte("2"), 0, open))(t)

	e.start(leader)
	e.waitRoles(0, 1, 2)
	d := connect(t, e.addr(leader), 10*time.Second)
	must(d.Sync("/after-failover"))(t)
	if data, _ := must2(d.Get("/after-failover"))(t); string(data) != "2" {
		t.Fatalf("the old leader did not catch up: %q", data)
	}
	kids, _ := must2(d.Children("/"))(t)
	if !slices.Contains(kids, "e") {
		t.Errorf("children of / on the old leader: %v", kids)
	}
}

// TestEnsembleObserver: an observer follows the ensemble without voting, forwards
// its clients' writes and serves reads.
func TestEnsembleObserver(t *testing.T) {
	e := runEnsemble(t, 4, 1, "")
	leader := e.waitRoles(0, 1, 2)
	deadline := time.Now().Add(30 * time.Second)
	for e.mode(3) != "observer" {
		if time.Now().After(deadline) {
			t.Fatalf("member 4 reports %q, want observer", e.mode(3))
		}
		time.Sleep(100 * time.Millisecond)
	}
	obs := connect(t, e.addr(3), 10*time.Second)
	must(obs.Create("/from-observer", []byte("o"), 0, open))(t)
	l := connect(t, e.addr(leader), 10*time.Second)
	must(l.Sync("/from-observer"))(t)
	if data, _ := must2(l.Get("/from-observer"))(t); string(data) != "o" {
		t.Fatalf("leader reads %q", data)
	}
}

// TestEnsembleFollowerCatchesUp: a follower that missed many writes (the others took
// snapshots and rolled their logs meanwhile) syncs on restart and serves them all.
func TestEnsembleFollowerCatchesUp(t *testing.T) {
	e := runEnsemble(t, 3, 0, "snapCount=10\n")
	leader := e.waitRoles(0, 1, 2)
	away, stay := (leader+1)%3, (leader+2)%3
	c := connect(t, e.addr(leader), 10*time.Second)
	must(c.Create("/before", nil, 0, open))(t)
	e.stop(away)
	const writes = 150
	for i := range writes {
		must(c.Create("/w"+strconv.Itoa(i), []byte(strconv.Itoa(i)), 0, open))(t)
	}
	e.start(away)
	e.waitRoles(0, 1, 2)
	for _, i := range []int{away, stay} {
		r := connect(t, e.addr(i), 10*time.Second)
		must(r.Sync("/"))(t)
		kids, _ := must2(r.Children("/"))(t)
		if len(kids) != writes+2 { // the writes, /before and /zookeeper
			t.Errorf("member %d has %d children of /, want %d", i+1, len(kids), writes+2)
		}
		if data, _ := must2(r.Get("/w" + strconv.Itoa(writes-1)))(t); string(data) != strconv.Itoa(writes-1) {
			t.Errorf("member %d: last write reads %q", i+1, data)
		}
	}

	// The whole ensemble restarts from its files.
	for i := range 3 {
		e.stop(i)
	}
	for i := range 3 {
		e.start(i)
	}
	leader = e.waitRoles(0, 1, 2)
	r := connect(t, e.addr(leader), 10*time.Second)
	if kids, _ := must2(r.Children("/"))(t); len(kids) != writes+2 {
		t.Errorf("after a full restart the leader has %d children of /, want %d", len(kids), writes+2)
	}
}

// TestEnsembleMemberWithoutQuorumIsNotServing: alone, a member keeps looking for a
// leader, and the four-letter words say it does not serve.
func TestEnsembleMemberWithoutQuorumIsNotServing(t *testing.T) {
	e := newEnsemble(t, 3, 0)
	e.start(0)
	time.Sleep(300 * time.Millisecond)
	for cmd, want := range map[string]string{
		"srvr": "This ZooKeeper instance is not currently serving requests\n",
		"mntr": "This ZooKeeper instance is not currently serving requests\n",
		"isro": "null",
		"ruok": "imok",
	} {
		if got := fourLetter(t, e.addr(0), cmd); got != want {
			t.Errorf("%s: %q, want %q", cmd, got, want)
		}
	}
}

// The leading gauges of mntr, in order, as Debian's ZooKeeper 3.8.0 printed them on
// the leader and on a follower of a 3-node ensemble.
var (
	zk38LeaderMntr = strings.Fields(`version server_state peer_state ephemerals_count num_alive_connections
		avg_latency min_proposal_size outstanding_requests znode_count global_sessions
		non_mtls_remote_conn_count last_client_response_size packets_sent packets_received
		max_proposal_size max_client_response_size synced_followers connection_drop_probability
		watch_count synced_non_voting_followers synced_observers auth_failed_count min_latency
		max_file_descriptor_count approximate_data_size open_file_descriptor_count
		last_proposal_size pending_syncs leader_uptime local_sessions uptime max_latency
		outstanding_tls_handshake learners min_client_response_size non_mtls_local_conn_count
		quorum_size`)
	zk38FollowerMntr = strings.Fields(`version server_state peer_state ephemerals_count
		num_alive_connections avg_latency outstanding_requests znode_count global_sessions
		non_mtls_remote_conn_count last_client_response_size packets_sent packets_received
		max_client_response_size connection_drop_probability watch_count auth_failed_count
		min_latency max_file_descriptor_count approximate_data_size open_file_descriptor_count
		local_sessions uptime max_latency outstanding_tls_handshake min_client_response_size
		non_mtls_local_conn_count quorum_size`)
)

// mntrOf asks member i for mntr and returns its keys in order (without "zk_") and
// its values.
func (e *ensemble) mntrOf(i int) ([]string, map[string]string) {
	e.t.Helper()
	var keys []string
	values := map[string]string{}
	for line := range strings.Lines(fourLetter(e.t, e.addr(i), "mntr")) {
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			e.t.Fatalf("member %d: mntr line %q", i+1, line)
		}
		k = strings.TrimPrefix(k, "zk_")
		keys = append(keys, k)
		values[k] = v
	}
	return keys, values
}

// awaitMntr polls member i's mntr until every want holds.
func (e *ensemble) awaitMntr(i int, want map[string]string) ([]string, map[string]string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		keys, values := e.mntrOf(i)
		var off []string
		for k, v := range want {
			if values[k] != v {
				off = append(off, fmt.Sprintf("%s=%q (want %q)", k, values[k], v))
			}
		}
		if len(off) == 0 {
			return keys, values
		}
		if time.Now().After(deadline) {
			slices.Sort(off)
			e.t.Fatalf("member %d mntr: %v", i+1, off)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEnsembleMntr: on three voters and an observer, mntr reports each member's
// state as ZooKeeper 3.8 does, the leader counts its synced followers and
// observer in its own gauges, in ZooKeeper's order, and notices a follower that
// went away.
func TestEnsembleMntr(t *testing.T) {
	e := runEnsemble(t, 4, 1, "")
	leader := e.waitRoles(0, 1, 2)
	keys, values := e.awaitMntr(leader, map[string]string{
		"server_state": "leader", "peer_state": "leading - broadcast", "quorum_size": "3",
		"learners": "3", "synced_followers": "2", "synced_non_voting_followers": "0",
		"synced_observers": "1", "pending_syncs": "0",
	})
	if !slices.Equal(keys[:len(zk38LeaderMntr)], zk38LeaderMntr) {
		t.Errorf("leader's mntr begins\n%v\nwant\n%v", keys[:len(zk38LeaderMntr)], zk38LeaderMntr)
	}
	if up, err := strconv.Atoi(values["leader_uptime"]); err != nil || up <= 0 {
		t.Errorf("leader_uptime %q", values["leader_uptime"])
	}

	c := connect(t, e.addr(leader), 10*time.Second)
	must(c.Create("/m", make([]byte, 100), 0, open))(t)
	_, values = e.mntrOf(leader)
	if size, err := strconv.Atoi(values["last_proposal_size"]); err != nil || size < 100 ||
		values["max_proposal_size"] == "-1" || values["min_proposal_size"] == "-1" {
		t.Errorf("proposal sizes after a write: last %s min %s max %s",
			values["last_proposal_size"], values["min_proposal_size"], values["max_proposal_size"])
	}

	var followers []int
	for i := range 3 {
		if i != leader {
			followers = append(followers, i)
		}
	}
	for _, i := range followers {
		keys, _ := e.awaitMntr(i, map[string]string{"server_state": "follower", "peer_state": "following - broadcast", "quorum_size": "3"})
		if !slices.Equal(keys[:len(zk38FollowerMntr)], zk38FollowerMntr) {
			t.Errorf("follower %d's mntr begins\n%v\nwant\n%v", i+1, keys[:len(zk38FollowerMntr)], zk38FollowerMntr)
		}
	}
	keys, values = e.awaitMntr(3, map[string]string{"server_state": "observer", "peer_state": "observing - broadcast", "quorum_size": "3"})
	if !slices.Equal(keys[:len(zk38FollowerMntr)], zk38FollowerMntr) {
		t.Errorf("observer's mntr begins\n%v\nwant\n%v", keys[:len(zk38FollowerMntr)], zk38FollowerMntr)
	}
	if _, ok := values["learners"]; ok {
		t.Error("the observer reports learners")
	}

	e.stop(followers[0])
	e.awaitMntr(leader, map[string]string{"learners": "2", "synced_followers": "1", "synced_observers": "1"})
}
