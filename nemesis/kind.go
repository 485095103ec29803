package nemesis

import (
	"slices"
	"strings"
)

// Kind names one fault. Kinds are strings so that schedules, traces and reports read
// the same name.
type Kind string

// The fault vocabulary. Partitions apply to servers only: clients keep their links
// unless a link fault names them.
const (
	// Partitions. A new partition replaces the previous one.
	Partition        Kind = "partition"         // explicit groups=…
	PartitionHalves  Kind = "partition-halves"  // two random halves
	PartitionIsolate Kind = "partition-isolate" // one node alone (e.g. the leader)
	PartitionThird   Kind = "partition-third"   // a random minority third alone
	PartitionRing    Kind = "partition-ring"    // each node sees a different majority
	PartitionBridge  Kind = "partition-bridge"  // two halves joined by one node
	PartitionOneWay  Kind = "partition-oneway"  // messages flow one way only
	Heal             Kind = "heal"              // remove partitions
	Crash            Kind = "crash"             // kill -9
	Restart          Kind = "restart"           // start a crashed node from its disk
	Pause            Kind = "pause"             // SIGSTOP
	Resume           Kind = "resume"            // SIGCONT
	ClockBump        Kind = "clock-bump"        // one jump
	ClockStrobe      Kind = "clock-strobe"      // jumps back and forth
	ClockScramble    Kind = "clock-scramble"    // a random jump per node
	ClockDrift       Kind = "clock-drift"       // a different rate
	ClockClear       Kind = "clock-clear"       // every clock back to true time
	ConnReset        Kind = "conn-reset"        // break every connection of a node
	DelaySpike       Kind = "delay-spike"       // extra latency for a while
	Clog             Kind = "clog"              // messages wait, undelivered
	Unclog           Kind = "unclog"            // deliver what waited
	DiskLostFsync    Kind = "disk-lost-fsync"   // fsync reports success, loses data
	DiskTornTail     Kind = "disk-torn-tail"    // a crash tears the last write
	DiskBitFlip      Kind = "disk-bit-flip"     // durable data gets a flipped bit
	DiskFailedSync   Kind = "disk-failed-sync"  // fsync reports an error
	DiskHeal         Kind = "disk-heal"         // disable a node's disk faults
	ArmCrashPoint    Kind = "crash-point"       // crash at an exact protocol step
	DisarmCrashPoint Kind = "disarm"            // cancel an armed crash point
	HealAll          Kind = "heal-all"          // undo every fault
	Liveness         Kind = "liveness"          // marker: no faults from here on
)

// targetRule says what a kind's target may be.
type targetRule uint8

const (
	noTarget      targetRule = iota // the fault names no node
	serverTarget                    // servers only
	anyNodeTarget                   // servers or clients
)

type kindInfo struct {
	desc   string
	target targetRule
	// params the kind accepts; "for" is listed where the fault may end by itself.
	params []string
	// need are params that must be present.
	need []string
}

var kinds = map[Kind]kindInfo{
	Partition:        {"split servers into the given groups (groups=1,2|3,4,5); servers in no group form one more", noTarget, []string{"groups", "for"}, []string{"groups"}},
	PartitionHalves:  {"split servers into two random halves", noTarget, []string{"for"}, nil},
	PartitionIsolate: {"cut one server off from all other servers (partition-isolate leader: the leader)", serverTarget, []string{"for"}, nil},
	PartitionThird:   {"cut a random third of the servers (at least one) off from the rest", noTarget, []string{"for"}, nil},
	PartitionRing:    {"arrange servers in a random ring; each sees only its neighbours, a majority", noTarget, []string{"for"}, nil},
	PartitionBridge:  {"split servers into two halves that both still reach one bridge server", noTarget, []string{"for"}, nil},
	PartitionOneWay:  {"drop messages one way: from the target to all other servers, or groups=from|to", serverTarget, []string{"groups", "for"}, nil},
	Heal:             {"remove every partition", noTarget, nil, nil},
	Crash:            {"kill the nodes like kill -9 (unsynced writes lost); for= restarts them", anyNodeTarget, []string{"for"}, nil},
	Restart:          {"restart crashed nodes from their disks", anyNodeTarget, nil, nil},
	Pause:            {"stop the nodes' processing like SIGSTOP; for= resumes them", anyNodeTarget, []string{"for"}, nil},
	Resume:           {"resume paused nodes", anyNodeTarget, nil, nil},
	ClockBump:        {"jump the nodes' wall clocks by amount= (negative goes back)", anyNodeTarget, []string{"amount"}, []string{"amount"}},
	ClockStrobe:      {"jump clocks by +amount and back every period= for for=", anyNodeTarget, []string{"amount", "period", "for"}, []string{"amount", "period", "for"}},
	ClockScramble:    {"jump each node's clock by its own random amount in [-amount, amount]", anyNodeTarget, []string{"amount"}, []string{"amount"}},
	ClockDrift:       {"make the nodes' clocks run ppm= parts per million fast or slow; for= ends it", anyNodeTarget, []string{"ppm", "for"}, []string{"ppm"}},
	ClockClear:       {"set every clock back to true time and rate", noTarget, nil, nil},
	ConnReset:        {"reset every connection of the nodes (peers see ECONNRESET)", anyNodeTarget, nil, nil},
	DelaySpike:       {"add amount= latency to the nodes' messages for for=", anyNodeTarget, []string{"amount", "for"}, []string{"amount", "for"}},
	Clog:             {"hold every message to and from the nodes; for= unclogs", anyNodeTarget, []string{"for"}, nil},
	Unclog:           {"deliver held messages and stop holding them", anyNodeTarget, nil, nil},
	DiskLostFsync:    {"fsync reports success but the write is lost; for= disables it", serverTarget, []string{"for"}, nil},
	DiskTornTail:     {"a crash keeps an arbitrary prefix of the unsynced tail; for= disables it", serverTarget, []string{"for"}, nil},
	DiskBitFlip:      {"flip a bit of durable data; for= disables further flips", serverTarget, []string{"for"}, nil},
	DiskFailedSync:   {"fsync reports an error; for= disables it", serverTarget, []string{"for"}, nil},
	DiskHeal:         {"disable every disk fault of the nodes", serverTarget, nil, nil},
	ArmCrashPoint:    {"crash the server at the nth= time it reaches point=; for= disarms and restarts it", serverTarget, []string{"point", "nth", "for"}, []string{"point"}},
	DisarmCrashPoint: {"cancel the server's armed crash point point=", serverTarget, []string{"point"}, []string{"point"}},
	HealAll:          {"heal partitions, resume, restart, clear clocks, link and disk faults, disarm", noTarget, nil, nil},
	Liveness:         {"end of the safety phase: no fault may follow; the cluster must recover (within for=, if given)", noTarget, []string{"for"}, nil},
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	_, ok := kinds[k]
	return ok
}

// Description is k's one-line description, or "" for an unknown kind.
func (k Kind) Description() string { return kinds[k].desc }

// partition reports whether k replaces the network's partition.
func (k Kind) partition() bool { return strings.HasPrefix(string(k), "partition") }

// disk reports whether k is a disk fault mode.
func (k Kind) disk() bool {
	return k == DiskLostFsync || k == DiskTornTail || k == DiskBitFlip || k == DiskFailedSync
}

// structural reports whether k belongs to the schedule's frame (the final heal and the
// liveness marker) rather than to the faults a shrinker may remove.
func (k Kind) structural() bool { return k == HealAll || k == Liveness }

func (k Kind) accepts(param string) bool { return slices.Contains(kinds[k].params, param) }

// Entry is a named thing with a one-line description, for listings.
type Entry struct {
	Name        string
	Description string
}

// Kinds lists every fault kind with its description, sorted by name.
func Kinds() []Entry { return entries(kinds, func(i kindInfo) string { return i.desc }) }

// entries lists a table's names with their descriptions, sorted by name.
func entries[K ~string, V any](table map[K]V, desc func(V) string) []Entry {
	out := make([]Entry, 0, len(table))
	for name, v := range table {
		out = append(out, Entry{string(name), desc(v)})
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// DiskFaults lists the disk fault kinds, in a fixed order.
func DiskFaults() []Kind { return []Kind{DiskLostFsync, DiskTornTail, DiskBitFlip, DiskFailedSync} }
