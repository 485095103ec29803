package scenarios

import (
	"fmt"
	"sort"
	"time"
)

const allDiskFaults = "disk-bit-flip=1,disk-failed-sync=1,disk-lost-fsync=1,disk-torn-tail=1"

// syncPoints are the crash points a simulated host reaches while a learner syncs with
// a new leader (DIFF, TRUNC or SNAP) or logs proposals: where the sync-ordering bugs
// live.
const syncPoints = "points=sync-writes-before-current-epoch+current-epoch-before-ack-newleader+trunc-before-fsync+" +
	"snap-received-before-fsync+follower-append-before-fsync+follower-fsync-before-ack"

// Default is the scenario `zksim run` uses with no flags and `zksim bench` measures:
// five voters and an observer, ten clients running every workload, every fault kind,
// 130 simulated seconds of faults and half a minute to recover. Its clients start an
// operation every 800 ms, about 2,150 to 3,000 operations a run (the speed goal asks
// for at least 2,000 over at least 120 s); the other scenarios keep base's busier
// 400 ms and two minutes, so the everyday run stays fast while the named scenarios
// press harder.
func Default() Scenario {
	s := base()
	s.Name = "default"
	s.Description = "5 voters + 1 observer, 10 clients, every workload, every fault kind"
	s.Workload.Interval = Duration(800 * time.Millisecond)
	s.Duration = Duration(130 * time.Second)
	return s
}

// base is what every named scenario and every scenario file starts from.
func base() Scenario {
	return Scenario{
		Voters: 5, Observers: 1, Clients: 10,
		TickTime: Duration(200 * time.Millisecond), InitLimit: 10, SyncLimit: 5,
		SessionTimeout: Duration(4 * time.Second), SnapCount: 500,
		Latency: Duration(time.Millisecond), SyncLatency: Duration(2 * time.Millisecond), TornWrites: 0.5,
		Workload: Workload{Register: 6, Churn: 3, Lock: 2, ConfigWatch: 2, Multi: 2, SessionChurn: 1,
			Interval: Duration(400 * time.Millisecond), Concurrency: 2, Keys: 5},
		Nemesis:         "gap=2s,for=500ms..8s",
		Duration:        Duration(120 * time.Second),
		Quiesce:         Duration(30 * time.Second),
		Linearizability: true,
	}
}

// catalog builds every named scenario from base by changing what differs.
func catalog() []Scenario {
	with := func(name, desc string, edit func(*Scenario)) Scenario {
		s := base()
		s.Name, s.Description = name, desc
		edit(&s)
		return s
	}
	partitionsOnly := func(kinds string) func(*Scenario) {
		return func(s *Scenario) { s.Nemesis = kinds + ",gap=2s,for=1s..10s" }
	}
	return []Scenario{
		Default(),
		with("standalone", "one standalone server, client-link faults, crashes and disk faults", func(s *Scenario) {
			s.Voters, s.Observers, s.Clients = 1, 0, 5
			s.Nemesis = "crash=2,pause=1,conn-reset=2,clog=1,delay-spike=1,clock-bump=1," + allDiskFaults + ",gap=3s,for=500ms..5s,max-down=1,allow-quorum-loss"
		}),
		with("leader-isolation", "cut the leader off from the other servers, again and again", partitionsOnly("partition-isolate=1")),
		with("random-halves", "split the servers into random halves", partitionsOnly("partition-halves=1")),
		with("majorities-ring", "every server sees only a majority: its ring neighbours", partitionsOnly("partition-ring=1")),
		with("bridge", "two halves that both reach one bridge server", partitionsOnly("partition-bridge=1")),
		with("one-way", "messages dropped in one direction only", partitionsOnly("partition-oneway=1")),
		with("minority-third", "a random third of the servers cut off", partitionsOnly("partition-third=1")),
		// The restart scenarios elect as zkserver does, ending a unanimous round at once.
		with("kill-restart", "kill -9 a minority of servers and restart them from disk", func(s *Scenario) {
			s.Nemesis = "crash=1,gap=3s,for=1s..8s"
			s.UnanimousElection = true
		}),
		with("rolling-restart", "restart servers one at a time, as an operator upgrading does", func(s *Scenario) {
			s.Nemesis = "crash=1,gap=6s,for=2s..4s,max-down=1"
			s.UnanimousElection = true
		}),
		with("crash-points", "crash servers at exact protocol steps", func(s *Scenario) {
			s.Nemesis = "crash-point=3,crash=1,gap=2s,for=1s..6s"
		}),
		with("sync-crash", "crashes while followers sync by DIFF, TRUNC or SNAP, with a small snapCount", func(s *Scenario) {
			s.SnapCount = 50
			s.Nemesis = "crash-point=2,crash=2,partition-isolate=1,gap=2s,for=1s..6s"
		}),
		with("sync-window", "a slow disk, leaders often deposed and crashes aimed at the sync steps, with a busy workload", func(s *Scenario) {
			// A slow fsync widens the window between a message a server sends before its
			// write is durable and the write itself, which a crash must hit; a busy
			// workload gives every sync a backlog to ship.
			s.Voters, s.Observers = 3, 1
			s.SnapCount = 50
			s.SyncLatency = Duration(40 * time.Millisecond)
			s.Workload.Interval = Duration(150 * time.Millisecond)
			s.Nemesis = "crash=4,partition-isolate=2,crash-point=2," + syncPoints + ",gap=1s,for=1s..12s,allow-quorum-loss"
		}),
		with("sync-halves", "sync-window's slow disk and busy workload under random halves: a syncing learner and the leader cut off together", func(s *Scenario) {
			// A learner still syncing with a new leader can end up alone with it on one
			// side of a split; what it acknowledged there before it was durable then
			// decides whether the other side may elect without those proposals.
			s.Voters, s.Observers = 3, 1
			s.SnapCount = 50
			s.SyncLatency = Duration(40 * time.Millisecond)
			s.Workload.Interval = Duration(150 * time.Millisecond)
			s.Nemesis = "crash=3,partition-halves=2,partition-isolate=1,crash-point=2," +
				"points=sync-writes-before-current-epoch+current-epoch-before-ack-newleader+snap-received-before-fsync+follower-append-before-fsync," +
				"gap=1s,for=1s..12s,allow-quorum-loss"
		}),
		with("clock-chaos", "clock bumps, strobes, scrambles and drift", partitionsOnly("clock-bump=1,clock-strobe=1,clock-scramble=1,clock-drift=1")),
		with("pauses", "SIGSTOP-like pauses of servers, the leader included", func(s *Scenario) {
			s.Nemesis = "pause=1,gap=2s,for=500ms..8s"
		}),
		with("flaky-links", "connection resets, delay spikes and clogged links", func(s *Scenario) {
			s.Nemesis = "conn-reset=2,delay-spike=2,clog=1,gap=1s,for=200ms..3s"
		}),
		with("disk-faults", "torn tails, lost fsyncs, failed syncs and flipped bits, with crashes", func(s *Scenario) {
			s.Nemesis = allDiskFaults + ",crash=2,gap=2s,for=1s..6s"
		}),
		with("observers", "3 voters and 3 observers under partitions and crashes", func(s *Scenario) {
			s.Voters, s.Observers = 3, 3
			s.Nemesis = "partition-halves=1,partition-isolate=1,crash=1,gap=2s,for=1s..6s"
		}),
		with("session-expiry", "long client-side outages so sessions expire and ephemerals must go", func(s *Scenario) {
			s.SessionTimeout = Duration(2 * time.Second)
			s.Workload.Churn, s.Workload.Lock, s.Workload.SessionChurn = 5, 3, 2
			s.Nemesis = "clog=2,pause=1,conn-reset=1,gap=3s,for=3s..8s"
		}),
		with("rollover", "an 8-bit zxid counter: the leader must force a new epoch every 255 writes, under crashes and partitions", func(s *Scenario) {
			s.CounterBits = 8
			s.Nemesis = "crash=1,partition-isolate=1,gap=4s,for=1s..5s"
		}),
		with("quiet-epochs", "3 voters and one slow client: leaders crash and servers are cut off, so epochs begin with no write in them", func(s *Scenario) {
			// An epoch established while a server was cut off, and lost again before
			// any write, leaves voters with the same last zxid but different
			// currentEpochs (the peerEpoch of their votes); when the server that missed
			// the epoch has the highest id, the vote order alone must pick the leader.
			// One client starting a task every 8 s leaves most epochs without a write.
			// Elections run as in ZooKeeper 3.8, waiting out finalizeWait.
			s.Voters, s.Observers, s.Clients = 3, 0, 1
			s.Workload = Workload{Register: 1, Interval: Duration(8 * time.Second), Concurrency: 1, Keys: 3}
			s.Duration, s.Quiesce = Duration(60*time.Second), Duration(20*time.Second)
			s.Nemesis = "crash=3,partition-isolate=3,gap=1s,for=1s..8s,allow-quorum-loss,fixed"
		}),
		with("big-ensemble", "7 voters + 2 observers under every fault kind", func(s *Scenario) {
			s.Voters, s.Observers = 7, 2
		}),
		with("everything", "every fault kind, twice as often, quorum loss allowed", func(s *Scenario) {
			s.Nemesis = "gap=1s,for=200ms..8s,allow-quorum-loss"
		}),
	}
}

// All returns every named scenario, sorted by name.
func All() []Scenario {
	out := catalog()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a named scenario.
func Lookup(name string) (Scenario, error) {
	for _, s := range catalog() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("%w: no scenario named %q (see `zksim scenarios`)", ErrScenario, name)
}
