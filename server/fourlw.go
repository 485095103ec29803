package server

import (
	"cmp"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/server/config"
)

// Version is the ZooKeeper version this server speaks, as srvr, mntr and envi print it.
const Version = "3.8.0-zksim, built on 2026-11-22 00:00 UTC"

// sessionlessTimeout is how long a connection without a session may idle
// (zookeeper.nio.sessionlessCnxnTimeout), for the dump word.
const sessionlessTimeout = 10 * time.Second

// javaDate is java.util.Date.toString's layout.
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// notServingWords answer that the server is not serving while it looks for a leader
// (ZooKeeper's commands that need a running ZooKeeperServer).
var notServingWords = map[string]bool{
	"srvr": true, "stat": true, "cons": true, "crst": true, "srst": true, "mntr": true,
	"wchs": true, "wchc": true, "wchp": true, "dump": true,
}

// fourLetterWord renders a four-letter-word reply (reference §3). A word the whitelist
// does not name gets ZooKeeper's refusal line.
func (s *Server) fourLetterWord(cmd string, now time.Time) string {
	if !s.cfg.FourLetterWordAllowed(cmd) {
		return cmd + " is not executed because it is not in the whitelist.\n"
	}
	if st := s.core.Status(); !st.Serving {
		if cmd == "isro" {
			return "null" // IsroCommand with no running ZooKeeperServer
		}
		if notServingWords[cmd] {
			return "This ZooKeeper instance is not currently serving requests\n"
		}
	}
	switch cmd {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr":
		return s.srvr(false)
	case "stat":
		return s.srvr(true)
	case "conf":
		snap, log := s.files.Sizes()
		return s.cfg.Conf(config.ConfStats{DataDirSize: snap, DataLogSize: log})
	case "cons":
		var b strings.Builder
		queued := queuedByConn(s.core.Status())
		for _, c := range s.sortedConns() {
			b.WriteString(connLine(c, queued[c.id], true))
		}
		b.WriteString("\n")
		return b.String()
	case "crst":
		for _, c := range s.conns {
			c.lat = latency{}
			c.recved, c.sent = 0, 0
		}
		return "Connection stats reset.\n"
	case "srst":
		s.stats = serverStats{}
		return "Server stats reset.\n"
	case "mntr":
		return s.mntr(now)
	case "envi":
		return envi()
	case "wchs", "wchc", "wchp":
		text, _ := s.core.WatchReport(cmd)
		return text
	case "dump":
		return s.dump()
	case "dirs":
		snap, log := s.files.Sizes()
		return "datadir_size: " + strconv.FormatInt(snap, 10) + "\nlogdir_size: " + strconv.FormatInt(log, 10) + "\n"
	}
	return ""
}

func (s *Server) sortedConns() []*clientConn {
	out := make([]*clientConn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *clientConn) int { return cmp.Compare(a.id, b.id) })
	return out
}

// srvr renders srvr, or stat (the same with a Clients: section).
func (s *Server) srvr(stat bool) string {
	st := s.core.Status()
	var b strings.Builder
	b.WriteString("Zookeeper version: " + Version + "\n")
	if stat {
		b.WriteString("Clients:\n")
		queued := queuedByConn(st)
		for _, c := range s.sortedConns() {
			b.WriteString(connLine(c, queued[c.id], false))
		}
		b.WriteString("\n")
	}
	l := s.stats.lat
	b.WriteString("Latency min/avg/max: " + strconv.FormatInt(l.min, 10) + "/" + javaDouble(l.avg()) + "/" + strconv.FormatInt(l.max, 10) + "\n")
	b.WriteString("Received: " + strconv.FormatUint(s.stats.received, 10) + "\n")
	b.WriteString("Sent: " + strconv.FormatUint(s.stats.sent, 10) + "\n")
	b.WriteString("Connections: " + strconv.Itoa(len(s.conns)) + "\n")
	b.WriteString("Outstanding: " + strconv.Itoa(st.Outstanding) + "\n")
	b.WriteString("Zxid: 0x" + strconv.FormatInt(st.LastZxid, 16) + "\n")
	b.WriteString("Mode: " + st.Mode + "\n")
	b.WriteString("Node count: " + strconv.Itoa(st.NodeCount) + "\n")
	if st.Mode == "leader" {
		p := s.stats.proposals
		last, lo, hi := int64(-1), int64(-1), int64(-1)
		if p.count > 0 {
			last, lo, hi = p.last, p.min, p.max
		}
		b.WriteString("Proposal sizes last/min/max: " + strconv.FormatInt(last, 10) + "/" +
			strconv.FormatInt(lo, 10) + "/" + strconv.FormatInt(hi, 10) + "\n")
	}
	return b.String()
}

// queuedByConn is how many requests each connection has waiting in the core.
func queuedByConn(st protocol.Status) map[protocol.ConnID]int {
	out := make(map[protocol.ConnID]int, len(st.Connections))
	for _, c := range st.Connections {
		out[c.Conn] = c.Queued
	}
	return out
}

// connLine is ServerCnxn.dumpConnectionInfo: the short form for stat, the long one for
// cons when the connection has a session.
func connLine(c *clientConn, queued int, long bool) string {
	interest := "1"
	if c.fourLetter {
		interest = "0"
	}
	var b strings.Builder
	b.WriteString(" /" + c.remote + "[" + interest + "](queued=" + strconv.Itoa(queued) + ",recved=" + strconv.FormatUint(c.recved, 10) +
		",sent=" + strconv.FormatUint(c.sent, 10))
	if long && c.session != 0 {
		b.WriteString(",sid=" + hexID(c.session) + ",lop=" + cmp.Or(c.lastOp, "NA") +
			",est=" + strconv.FormatInt(c.established.UnixMilli(), 10) +
			",to=" + strconv.Itoa(int(c.timeout)) + ",lcxid=" + hexID(int64(c.lastCxid)) +
			",lzxid=" + hexID(c.lastZxid) + ",lresp=" + strconv.FormatInt(c.lastResp.UnixMilli(), 10) +
			",llat=" + strconv.FormatInt(c.lat.last, 10) + ",minlat=" + strconv.FormatInt(c.lat.min, 10) +
			",avglat=" + strconv.FormatInt(int64(c.lat.avg()), 10) + ",maxlat=" + strconv.FormatInt(c.lat.max, 10))
	}
	b.WriteString(")\n")
	return b.String()
}

// hexID is Java's "0x" + Long.toHexString: two's complement, no padding.
func hexID(v int64) string {
	if v < 0 {
		return "0x" + strconv.FormatUint(uint64(v), 16)
	}
	return "0x" + strconv.FormatInt(v, 16)
}

// javaDouble prints a mean rounded to 4 places as Java's Double.toString would:
// always with a fraction ("5.0", "0.3333").
func javaDouble(v float64) string {
	t := strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
	if !strings.Contains(t, ".") {
		t += ".0"
	}
	return t
}

// mntr prints the gauges of ZooKeeper 3.8's mntr in its order, with the values this
// server tracks (the others are 0), then the summaries it measures. An ensemble
// member adds zk_peer_state and zk_quorum_size, a leader its learner and proposal
// gauges, each where ZooKeeper's metrics provider puts it.
func (s *Server) mntr(now time.Time) string {
	st := s.core.Status()
	ld, leading := s.core.LeaderStats()
	quorum := st.Mode != "standalone"
	var b strings.Builder
	kv := func(k, v string) { b.WriteString("zk_" + k + "\t" + v + "\n") }
	n := func(k string, v int64) { kv(k, strconv.FormatInt(v, 10)) }
	// leader prints gauges only a leader has.
	leader := func(k string, v int64) {
		if leading {
			n(k, v)
		}
	}
	l := s.stats.lat
	p := s.stats.proposals
	lastProposal, minProposal, maxProposal := int64(-1), int64(-1), int64(-1)
	if p.count > 0 {
		lastProposal, minProposal, maxProposal = p.last, p.min, p.max
	}
	kv("version", Version)
	kv("server_state", st.Mode)
	if quorum {
		kv("peer_state", peerState(st.Mode))
	}
	n("ephemerals_count", int64(st.Ephemerals))
	n("num_alive_connections", int64(len(s.conns)))
	kv("avg_latency", javaDouble(l.avg()))
	leader("min_proposal_size", minProposal)
	n("outstanding_requests", int64(st.Outstanding))
	n("znode_count", int64(st.NodeCount))
	n("global_sessions", int64(st.Sessions))
	n("non_mtls_remote_conn_count", 0)
	n("last_client_response_size", s.stats.responseSizes.last)
	n("packets_sent", int64(s.stats.sent))
	n("packets_received", int64(s.stats.received))
	leader("max_proposal_size", maxProposal)
	n("max_client_response_size", s.stats.responseSizes.max)
	leader("synced_followers", int64(ld.SyncedFollowers))
	kv("connection_drop_probability", "0.0")
	n("watch_count", int64(st.Watches.Total))
	leader("synced_non_voting_followers", int64(ld.SyncedNonVotingFollowers))
	leader("synced_observers", int64(ld.SyncedObservers))
	n("auth_failed_count", 0)
	n("min_latency", l.min)
	n("max_file_descriptor_count", maxFDs())
	n("approximate_data_size", 0)
	n("open_file_descriptor_count", openFDs())
	leader("last_proposal_size", lastProposal)
	leader("pending_syncs", int64(ld.PendingSyncs))
	leader("leader_uptime", now.Sub(s.roleSince).Milliseconds())
	n("local_sessions", 0)
	n("uptime", now.Sub(s.started).Milliseconds())
	n("max_latency", l.max)
	n("outstanding_tls_handshake", 0)
	leader("learners", int64(ld.Learners))
	n("min_client_response_size", s.stats.responseSizes.min)
	n("non_mtls_local_conn_count", 0)
	if quorum {
		n("quorum_size", int64(s.quorumSize()))
	}
	for _, k := range []string{
		"proposal_count", "watch_bytes", "outstanding_changes_removed",
		"throttled_ops", "stale_requests_dropped", "large_requests_rejected", "insecure_admin_count",
		"connection_rejected", "cnxn_closed_without_zk_server_running", "sessionless_connections_expired",
		"looking_count", "dead_watchers_queued", "stale_requests", "connection_drop_count",
		"learner_proposal_received_count", "digest_mismatches_count", "dead_watchers_cleared",
		"response_packet_cache_hits",
	} {
		n(k, 0)
	}
	n("bytes_received_count", int64(s.stats.bytesReceived))
	for _, k := range []string{
		"add_dead_watcher_stall_time", "request_throttle_wait_count",
		"requests_not_forwarded_to_commit_processor", "response_packet_cache_misses",
		"ensemble_auth_success", "prep_processor_request_queued", "learner_commit_received_count",
		"stale_replies", "connection_request_count", "response_bytes", "ensemble_auth_fail", "diff_count",
		"response_packet_get_children_cache_misses", "connection_revalidate_count",
		"quit_leading_due_to_disloyal_voter", "snap_count", "unrecoverable_error_count",
		"unsuccessful_handshake", "commit_count", "stale_sessions_expired",
		"response_packet_get_children_cache_hits", "sync_processor_request_queued",
		"outstanding_changes_queued", "request_commit_queued", "ensemble_auth_skip",
		"skip_learner_request_to_next_processor_count", "tls_handshake_exceeded", "revalidate_count",
	} {
		n(k, 0)
	}
	summary := func(name string, v latency) {
		kv("avg_"+name, javaDouble(v.avg()))
		n("min_"+name, v.min)
		n("max_"+name, v.max)
		n("cnt_"+name, v.count)
		n("sum_"+name, v.total)
	}
	summary("fsynctime", s.stats.fsync)
	summary("snapshottime", s.stats.snapshots)
	summary("sync_processor_batch_size", s.stats.batch)
	return b.String()
}

// peerState is QuorumPeer.getDetailedPeerState for a serving member: mntr answers
// only while the member serves, which is ZAB's broadcast phase.
func peerState(mode string) string {
	state := map[string]string{"leader": "leading", "follower": "following", "observer": "observing"}[mode]
	if state == "" {
		state = mode
	}
	return state + " - broadcast"
}

// quorumSize is the number of voting members (QuorumPeer.getQuorumSize).
func (s *Server) quorumSize() int {
	n := 0
	for _, m := range s.cfg.Servers {
		if m.Type == config.Participant {
			n++
		}
	}
	return n
}

func openFDs() int64 {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return int64(len(ents))
}

func maxFDs() int64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return int64(r.Cur)
}

// envi prints the process environment under the keys ZooKeeper uses; the java.* keys
// describe the Go runtime instead.
func envi() string {
	var b strings.Builder
	kv := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	b.WriteString("Environment:\n")
	kv("zookeeper.version", Version)
	host, _ := os.Hostname()
	kv("host.name", cmp.Or(host, "<NA>"))
	kv("java.version", runtime.Version())
	kv("java.vendor", "zksim")
	exe, _ := os.Executable()
	kv("java.home", filepath.Dir(exe))
	kv("java.class.path", exe)
	kv("java.library.path", "")
	kv("java.io.tmpdir", os.TempDir())
	kv("java.compiler", "<NA>")
	kv("os.name", javaOSName(runtime.GOOS))
	kv("os.arch", runtime.GOARCH)
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	kv("os.version", strings.TrimSpace(string(release)))
	name, home := "", ""
	if u, err := user.Current(); err == nil {
		name, home = u.Username, u.HomeDir
	}
	kv("user.name", name)
	kv("user.home", home)
	wd, _ := os.Getwd()
	kv("user.dir", wd)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mb := func(v uint64) string { return strconv.FormatUint(v>>20, 10) + "MB" }
	kv("os.memory.free", mb(ms.HeapIdle))
	kv("os.memory.max", mb(ms.Sys))
	kv("os.memory.total", mb(ms.HeapSys))
	return b.String()
}

func javaOSName(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "Mac OS X"
	case "windows":
		return "Windows"
	}
	return goos
}

// dump prints the session, ephemeral and connection tables. Expiry times are the
// server's estimate: the last request on the session's connection plus its timeout,
// rounded up to the next tick, as ZooKeeper's expiry buckets are.
func (s *Server) dump() string {
	tick := time.Duration(max(s.cfg.TickTime, 1)) * time.Millisecond
	bucket := func(t time.Time) time.Time { return t.Truncate(tick).Add(tick) }
	type group struct {
		at  time.Time
		ids []string
	}
	groups := func(items map[time.Time][]string) []group {
		var out []group
		for at, ids := range items {
			slices.Sort(ids)
			out = append(out, group{at, ids})
		}
		slices.SortFunc(out, func(a, b group) int { return a.at.Compare(b.at) })
		return out
	}
	sessions := map[time.Time][]string{}
	conns := map[time.Time][]string{}
	nsess := 0
	for _, c := range s.sortedConns() {
		last := cmp.Or(c.lastRecv, c.established)
		timeout := sessionlessTimeout
		if c.session != 0 {
			timeout = time.Duration(c.timeout) * time.Millisecond
			at := bucket(last.Add(timeout))
			sessions[at] = append(sessions[at], hexID(c.session))
			nsess++
		}
		at := bucket(last.Add(timeout))
		conns[at] = append(conns[at], "ip: /"+c.remote+" sessionId: "+hexID(c.session))
	}
	var b strings.Builder
	write := func(title string, total int, gs []group) {
		b.WriteString(title + " (" + strconv.Itoa(len(gs)) + ")/(" + strconv.Itoa(total) + "):\n")
		for _, g := range gs {
			b.WriteString(strconv.Itoa(len(g.ids)) + " expire at " + g.at.UTC().Format(javaDate) + ":\n")
			for _, id := range g.ids {
				b.WriteString("\t" + id + "\n")
			}
		}
	}
	b.WriteString("SessionTracker dump:\n")
	write("Session Sets", nsess, groups(sessions))
	b.WriteString("ephemeral nodes dump:\n")
	eph := s.core.Ephemerals()
	var owners []int64
	for sid, paths := range eph {
		if len(paths) > 0 {
			owners = append(owners, sid)
		}
	}
	slices.Sort(owners)
	b.WriteString("Sessions with Ephemerals (" + strconv.Itoa(len(owners)) + "):\n")
	for _, sid := range owners {
		b.WriteString(hexID(sid) + ":\n")
		paths := slices.Clone(eph[sid])
		slices.Sort(paths)
		for _, p := range paths {
			b.WriteString("\t" + p + "\n")
		}
	}
	b.WriteString("Connections dump:\n")
	write("Connections Sets", len(s.conns), groups(conns))
	return b.String()
}
